// Writes surface.cjs, the CommonJS form of the entry code shared with the WASM module
// (bindings/js/surface.mjs), which index.js requires.
import { readFileSync, writeFileSync } from 'node:fs';

const source = readFileSync(new URL('../js/surface.mjs', import.meta.url), 'utf8');
const cjs = source.replace(/^export function buildSurface/m, 'function buildSurface') + '\nmodule.exports = { buildSurface };\n';
writeFileSync(new URL('surface.cjs', import.meta.url), cjs);
