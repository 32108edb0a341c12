// Loads every shared vector file (tests/vectors/**/*.json) for Node test suites.
//
//   import { loadVectors } from '../../tests/js/load-vectors.mjs';
//   for (const { file, vector } of loadVectors()) { ... playVector(api, vector) ... }
//
// Node only (it reads the files); the player itself, vectors.mjs, is environment-agnostic.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's tests/vectors directory. */
export const VECTORS_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors');

function collect(dir, out) {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) collect(path, out);
    else if (entry.name.endsWith('.json')) out.push(path);
  }
  return out;
}

/** Every vector file, sorted: `[{ file, path, vector }]` (`file` relative to tests/vectors). */
export function loadVectors(root = VECTORS_ROOT) {
  return collect(root, []).map((path) => ({
    file: relative(root, path),
    path,
    vector: JSON.parse(readFileSync(path, 'utf8')),
  }));
}
