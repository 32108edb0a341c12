// The WASM module built for Node (`--target nodejs`, bindings/wasm/pkg-node): the same
// wasm binary and API as the browser ES module in pkg/, loaded synchronously.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../../pkg-node/breakwater_wasm.js', import.meta.url));
if (!existsSync(entry)) {
  throw new Error(`${entry} is missing: build it first (npm run build -w bindings/wasm, or scripts/test-wasm.sh)`);
}

/** The module's exports: classes and functions of docs/bindings.md. */
export const wasm = createRequire(import.meta.url)(entry);
