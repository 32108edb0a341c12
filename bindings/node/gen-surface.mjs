// Writes surface.cjs and fetch.cjs, the CommonJS forms of the entry code and of the `fetch`
// integration shared with the WASM module (bindings/js/), which index.js requires.
import { readFileSync, writeFileSync } from 'node:fs';

import { execFileSync } from 'node:child_process';

const source = readFileSync(new URL('../js/surface.mjs', import.meta.url), 'utf8');
const cjs = source.replace(/^export function buildSurface/m, 'function buildSurface') + '\nmodule.exports = { buildSurface };\n';
writeFileSync(new URL('surface.cjs', import.meta.url), cjs);
execFileSync(process.execPath, [
  new URL('../js/to-cjs.mjs', import.meta.url).pathname,
  new URL('../js/fetch.mjs', import.meta.url).pathname,
  new URL('fetch.cjs', import.meta.url).pathname,
]);
