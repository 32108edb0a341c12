// Writes surface.cjs, fetch.cjs and standing.cjs, the CommonJS forms of the entry code, the
// `fetch` integration and the breaker's standing-permit protocol shared with the WASM module
// (bindings/js/), which index.js requires.
import { execFileSync } from 'node:child_process';

for (const name of ['surface', 'fetch', 'standing']) {
  execFileSync(process.execPath, [
    new URL('../js/to-cjs.mjs', import.meta.url).pathname,
    new URL(`../js/${name}.mjs`, import.meta.url).pathname,
    new URL(`${name}.cjs`, import.meta.url).pathname,
  ]);
}
