// The WASM module in a REAL headless Chromium: a page served on 127.0.0.1 loads the
// `--target web` ES module (pkg/), fetches every vector file and plays it with the shared
// player; each vector file is reported back as one test here.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { Counts, checkFolder, loadVectors } from '../../../tests/js/load-vectors.mjs';
import { launch, serveRepo } from './support/browser.mjs';

let server;
let browser;

before(async () => {
  server = await serveRepo();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('Chromium plays every vector file through the ES module', async (t) => {
  const { page, errors } = browser;
  await page.goto(`${server.origin}/bindings/wasm/test/browser/index.html`);
  await page.waitForFunction(() => window.__breakwater !== undefined, null, { timeout: 120_000 });
  const report = await page.evaluate(() => window.__breakwater);
  assert.equal(report.fatal, undefined, report.fatal);
  assert.match(report.userAgent, /Chrome\//);

  const vectors = loadVectors();
  assert.equal(checkFolder(vectors), null);
  const expected = vectors.map(({ file }) => file.replaceAll('\\', '/'));
  assert.deepEqual(report.results.map((r) => r.file), expected, 'the page played a different set of files');

  const counts = new Counts('wasm-chromium');
  for (const { file, name, failures, steps } of report.results) {
    await t.test(`chromium vector ${file}`, () => {
      assert.deepEqual(failures, [], `${file}: ${name}\n${failures.join('\n')}`);
      counts.add(steps);
    });
  }
  const failed = report.results.filter((r) => r.failures.length > 0).length;
  assert.equal(failed, 0, `${failed} of ${report.results.length} vectors failed in Chromium`);
  assert.deepEqual(errors, []);
  t.diagnostic(`${browser.version}: ${report.results.length} vectors in ${report.ms} ms`);
  t.diagnostic(counts.line());
});

test('in Chromium: OS seeds, the performance.now() default and Error objects with codes', async () => {
  const { checks } = await browser.page.evaluate(() => window.__breakwater);
  assert.equal(checks.unseeded_keys_distinct, 10);
  assert.equal(checks.default_clock_ok, true);
  assert.deepEqual(checks.error, { is_error: true, code: 'out_of_range', path: 'window.size' });
  assert.deepEqual(checks.nan, { code: 'invalid_argument', path: 'nowMs' });
});

test('in Chromium: the fetch integration on the browser\'s fetch, Response and streams', async () => {
  const { fetch } = await browser.page.evaluate(() => window.__breakwater);
  assert.deepEqual(fetch.real, { status: 200, has_title: true });
  assert.deepEqual(fetch.retried, { status: 200, calls: 2, one_key: true });
  assert.deepEqual(fetch.stall, { name: 'BreakwaterStreamCut', reason: 'timeout_idle', is_cut: true });
});
