// Validating model output in headless Chromium: breakwater's WASM module (the web build, as a
// page loads it) against ajv in the same page, each given the same text: ours take the string
// (`validateText`), ajv runs `JSON.parse` and its compiled validator (draft 2020-12, formats not
// asserted on either side).
//
//   node bench/wasm/schema-browser.mjs CASES_DIR [--quick]
//
// Needs bindings/wasm/pkg (bindings/wasm/build.sh), Chromium and playwright-core (both installed
// by scripts/test-wasm.sh) and ajv-dist (bench/node's devDependencies). µs per validation, the
// best of several runs with the loops taking turns, ratios ajv / ours. Not a test.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { launch, serveRepo } from '../../bindings/wasm/test/support/browser.mjs';

const require = createRequire(import.meta.url);
const QUICK = process.argv.includes('--quick');
const dir = process.argv.slice(2).find((a) => !a.startsWith('--'));
if (!dir) throw new Error('usage: node bench/wasm/schema-browser.mjs CASES_DIR [--quick]');

const cases = { schema: JSON.parse(readFileSync(join(dir, 'schema.json'), 'utf8')), texts: {} };
for (const name of ['1kb', '20kb', '200kb']) cases.texts[name] = readFileSync(join(dir, `${name}.json`), 'utf8');
const ajvBundle = readFileSync(require.resolve('ajv-dist/dist/ajv2020.bundle.js'), 'utf8');

const server = await serveRepo();
const browser = await launch();
try {
  await browser.page.goto(`${server.origin}/bench/wasm/schema.html`);
  await browser.page.addScriptTag({ content: ajvBundle });
  const rows = await browser.page.evaluate(
    async ({ cases, quick }) => {
      const m = await import('/bindings/wasm/pkg/breakwater_wasm.js');
      await m.default();
      const Ajv = window.ajv2020.default ?? window.ajv2020;
      const validate = new Ajv({ strict: false, validateFormats: false }).compile(cases.schema);
      const ours = new m.SchemaValidator(cases.schema);
      const runs = quick ? 3 : 7;
      const budget = quick ? 50 : 300;
      const bestUs = (loops) => {
        const counts = loops.map((loop) => {
          const t0 = performance.now();
          let n = 0;
          while (performance.now() - t0 < budget / 5) {
            loop();
            n += 1;
          }
          return Math.max(3, n * 5);
        });
        const best = loops.map(() => Infinity);
        for (let run = 0; run < runs; run++) {
          loops.forEach((loop, k) => {
            const t0 = performance.now();
            for (let i = 0; i < counts[k]; i++) loop();
            best[k] = Math.min(best[k], ((performance.now() - t0) * 1000) / counts[k]);
          });
        }
        return best;
      };
      const out = [];
      for (const [name, text] of Object.entries(cases.texts)) {
        if (!ours.validateText(text).valid || !validate(JSON.parse(text))) throw new Error(`${name} is not valid`);
        const [a, b] = bestUs([() => ours.validateText(text), () => validate(JSON.parse(text))]);
        out.push({ name, bytes: text.length, ours: a, ajv: b });
      }
      return out;
    },
    { cases, quick: QUICK },
  );
  console.log(`Chromium ${browser.version}, ajv-dist ${require('ajv-dist/package.json').version}; µs per validation of the text (parse included)\n`);
  console.log('| output | breakwater WASM | ajv (JSON.parse + validate) | ajv / WASM |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows) {
    const size = r.bytes >= 2000 ? `${Math.round(r.bytes / 1000)} KB` : `${r.bytes} B`;
    console.log(`| ${size} | ${r.ours.toFixed(1)} | ${r.ajv.toFixed(1)} | ${(r.ajv / r.ours).toFixed(2)}x |`);
  }
  if (browser.errors.length) console.error(browser.errors.join('\n'));
} finally {
  await browser.close();
  await server.close();
}
