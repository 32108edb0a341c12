// Writes surface.cjs, fetch.cjs and standing.cjs, the CommonJS forms of the entry code, the
// `fetch` integration and the breaker's standing-permit protocol shared with the WASM module
// (bindings/js/), which index.js requires.
import { readFileSync, writeFileSync } from 'node:fs';

import { execFileSync } from 'node:child_process';

const source = readFileSync(new URL('../js/surface.mjs', import.meta.url), 'utf8');
const cjs = source.replace(/^export function buildSurface/m, 'function buildSurface') + '\nmodule.exports = { buildSurface };\n';
writeFileSync(new URL('surface.cjs', import.meta.url), cjs);
for (const name of ['fetch', 'standing']) {
  execFileSync(process.execPath, [
    new URL('../js/to-cjs.mjs', import.meta.url).pathname,
    new URL(`../js/${name}.mjs`, import.meta.url).pathname,
    new URL(`${name}.cjs`, import.meta.url).pathname,
  ]);
}
