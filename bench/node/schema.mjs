// Validating model output in Node: breakwater's addon and its WASM module against ajv, each given
// the same text as the API returns it: ours take the string (`validateText`), ajv runs
// `JSON.parse` and its compiled validator (draft 2020-12, formats not asserted on either side).
//
//   node bench/node/schema.mjs CASES_DIR [--quick]
//
// CASES_DIR holds bench/schema/cases.py's output. Each cell is µs per validation, the best of
// several runs with the loops taking turns; ratios are ajv / ours, measured in this run. Not a
// test: nothing here asserts a time.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default;
const bw = require('breakwater');
let wasm = null;
try {
  wasm = require(fileURLToPath(new URL('../../bindings/wasm/pkg-node/breakwater_wasm.js', import.meta.url)));
} catch {
  wasm = null; // bindings/wasm/build.sh not run: the WASM column is left out
}

const QUICK = process.argv.includes('--quick');
const RUNS = QUICK ? 3 : 7;
const BUDGET_MS = QUICK ? 50 : 300;

/** µs per call of each loop: sized to about BUDGET_MS, best of RUNS, the loops taking turns. */
export function bestUs(loops, now = () => performance.now()) {
  const counts = loops.map((loop) => {
    const t0 = now();
    let n = 0;
    while (now() - t0 < BUDGET_MS / 5) {
      loop();
      n += 1;
    }
    return Math.max(3, n * 5);
  });
  const best = loops.map(() => Infinity);
  for (let run = 0; run < RUNS; run++) {
    loops.forEach((loop, k) => {
      const t0 = now();
      for (let i = 0; i < counts[k]; i++) loop();
      best[k] = Math.min(best[k], ((now() - t0) * 1000) / counts[k]);
    });
  }
  return best;
}

const dir = process.argv.slice(2).find((a) => !a.startsWith('--'));
if (!dir) throw new Error('usage: node bench/node/schema.mjs CASES_DIR [--quick]');
const schema = JSON.parse(readFileSync(join(dir, 'schema.json'), 'utf8'));
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: false });
const ajvValidate = ajv.compile(schema);
const ours = new bw.SchemaValidator(schema);
const oursWasm = wasm && new wasm.SchemaValidator(schema);

console.log(`Node ${process.version}, ajv ${require('ajv/package.json').version}; best of ${RUNS}, µs per validation of the text (parse included)\n`);
console.log(`| output | breakwater addon | ${wasm ? 'breakwater WASM | ' : ''}ajv (JSON.parse + validate) | ajv / addon${wasm ? ' | ajv / WASM' : ''} |`);
console.log(`| --- | ---: | ${wasm ? '---: | ' : ''}---: | ---: |${wasm ? ' ---: |' : ''}`);
for (const name of ['1kb', '20kb', '200kb']) {
  const text = readFileSync(join(dir, `${name}.json`), 'utf8');
  // Every validator must agree the output is valid, or the row measures nothing.
  if (!ours.validateText(text).valid || !ajvValidate(JSON.parse(text))) throw new Error(`${name} is not valid`);
  if (oursWasm && !oursWasm.validateText(text).valid) throw new Error(`${name} is not valid in WASM`);
  const loops = [() => ours.validateText(text), () => ajvValidate(JSON.parse(text))];
  if (oursWasm) loops.push(() => oursWasm.validateText(text));
  const [a, peer, w] = bestUs(loops);
  const size = text.length >= 2000 ? `${Math.round(text.length / 1000)} KB` : `${text.length} B`;
  const cells = [size, a.toFixed(1), ...(wasm ? [w.toFixed(1)] : []), peer.toFixed(1), `${(peer / a).toFixed(2)}x`];
  if (wasm) cells.push(`${(peer / w).toFixed(2)}x`);
  console.log(`| ${cells.join(' | ')} |`);
}
