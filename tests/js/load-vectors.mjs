// Loads every shared vector file (tests/vectors/**/*.json) for Node test suites.
//
//   import { loadVectors } from '../../tests/js/load-vectors.mjs';
//   for (const { file, vector } of loadVectors()) { ... playVector(api, vector) ... }
//
// Node only (it reads the files); the player itself, vectors.mjs, is environment-agnostic.
// `tests/vectors/manifest.json` is not a vector: it says how many vectors and steps the folder
// holds, and `checkFolder` refuses a folder that is missing or holds anything else.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's tests/vectors directory. */
export const VECTORS_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');

function collect(root, dir, out) {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collect(root, path, out);
    else if (entry.name.endsWith('.json') && !(dir === root && entry.name === 'manifest.json')) out.push(path);
  }
  return out;
}

/** Every vector file, sorted: `[{ file, path, vector }]` (`file` relative to tests/vectors). */
export function loadVectors(root = VECTORS_ROOT) {
  return collect(root, root, []).map((path) => ({
    file: relative(root, path),
    path,
    vector: JSON.parse(readFileSync(path, 'utf8')),
  }));
}

/** `null` when the folder holds exactly the vectors and steps the manifest says, else why not. */
export function checkFolder(vectors, root = VECTORS_ROOT) {
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
  const steps = vectors.reduce((n, { vector }) => n + vector.steps.length, 0);
  if (vectors.length === manifest.vectors && steps === manifest.steps) return null;
  return `the folder holds ${vectors.length} vectors and ${steps} steps, manifest.json says ${manifest.vectors} and ${manifest.steps}`;
}

/** Sums `playVector` results into the line the test command compares across runtimes. */
export class Counts {
  constructor(runtime) {
    this.runtime = runtime;
    this.vectors = 0;
    this.steps = 0;
  }

  /** Counts one vector that passed with `steps` played. */
  add(steps) {
    this.vectors += 1;
    this.steps += steps;
  }

  line() {
    return `vector counts: ${this.runtime} ${this.vectors} vectors ${this.steps} steps`;
  }
}
