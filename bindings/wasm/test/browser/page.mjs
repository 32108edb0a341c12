// Loads the `--target web` ES module, fetches every vector file listed by the test server's
// manifest and plays them with the shared JavaScript player, in the page. The results land in
// `window.__breakwater` for the Chromium test to read (and on the page for a human).
import init, * as api from '../../pkg/breakwater_wasm.js';
import { playVector } from '../../../../tests/js/vectors.mjs';

async function json(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

/** Browser-specific checks: OS seeds, the performance.now() default, error objects. */
function checks() {
  const out = {};
  const keys = new Set(Array.from({ length: 10 }, () => new api.IdempotencyKeys().newKey()));
  out.unseeded_keys_distinct = keys.size;
  const left = new api.Deadline({ total_ms: 60_000 }).remainingMs();
  out.default_clock_ok = left > 59_000 && left <= 60_000;
  try {
    new api.CircuitBreaker({ window: { kind: 'count', size: 0 } });
    out.error = null;
  } catch (e) {
    out.error = { is_error: e instanceof Error, code: e.code, path: e.path };
  }
  try {
    new api.CircuitBreaker().tryAcquire(NaN);
    out.nan = null;
  } catch (e) {
    out.nan = { code: e.code, path: e.path };
  }
  return out;
}

async function main() {
  const started = performance.now();
  await init();
  const { files } = await json('/__vectors__/manifest.json');
  const results = [];
  for (const file of files) {
    const vector = await json(`/tests/vectors/${file}`);
    let played;
    try {
      played = playVector(api, vector);
    } catch (e) {
      played = { failures: [`the player threw: ${e && e.stack ? e.stack : e}`], steps: 0 };
    }
    results.push({ file, name: vector.name, ...played });
  }
  const failed = results.filter((r) => r.failures.length > 0);
  window.__breakwater = {
    userAgent: navigator.userAgent,
    results,
    checks: checks(),
    ms: Math.round(performance.now() - started),
  };
  document.getElementById('status').textContent =
    `${results.length - failed.length} of ${results.length} vectors passed`;
  document.getElementById('failures').textContent = failed
    .map((r) => `${r.file}:\n  ${r.failures.join('\n  ')}`)
    .join('\n');
}

main().catch((e) => {
  window.__breakwater = { fatal: String(e && e.stack ? e.stack : e) };
  document.getElementById('status').textContent = `failed: ${e}`;
});
