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

/**
 * The `fetch` integration on the browser's own fetch, Response and streams: a real GET of a
 * file of the test server through it, a scripted 503 then success (one idempotency key), and a
 * stream that stalls, which must error as `StreamCutError`, never as an `AbortError`.
 */
async function fetchChecks() {
  const out = {};
  const real = api.fetch({ retry: { max_retries: 1 } });
  const page = await real('/bindings/wasm/test/browser/index.html');
  out.real = { status: page.status, has_title: (await page.text()).includes('<title>') };

  const keys = [];
  const answers = [
    () => new Response('{}', { status: 503 }),
    () => new Response('{"ok":true}', { status: 200, headers: { 'content-type': 'application/json' } }),
  ];
  const scripted = api.fetch({ retry: { max_retries: 2, backoff: { base_ms: 1, max_ms: 2 } } }, {
    fetch: async (url, init) => {
      keys.push(new Headers(init.headers).get('idempotency-key'));
      return answers.shift()();
    },
  });
  const body = JSON.stringify({ model: 'm', messages: [] });
  const ok = await scripted('https://api.invalid/v1/chat/completions', { method: 'POST', body });
  out.retried = { status: ok.status, calls: keys.length, one_key: new Set(keys).size === 1 && keys[0] !== null };

  const encoder = new TextEncoder();
  const stalling = () =>
    new Response(
      new ReadableStream({
        start(c) {
          c.enqueue(encoder.encode('data: {}\n\n'));
        }, // then nothing: a stall
      }),
      { status: 200, headers: { 'content-type': 'text/event-stream' } },
    );
  const stalls = api.fetch({ deadline: { total_ms: 5000, idle_ms: 50 } }, { fetch: async () => stalling() });
  const stream = await stalls('https://api.invalid/v1/chat/completions', { method: 'POST', body });
  // Read as the openai SDK reads a stream: from the body's reader (a browser's `text()` turns
  // any body error into a TypeError, as the Fetch standard says).
  const reader = stream.body.getReader();
  try {
    while (!(await reader.read()).done);
    out.stall = { error: null };
  } catch (e) {
    out.stall = { name: e.name, reason: e.reason, is_cut: e instanceof api.StreamCutError };
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
    fetch: await fetchChecks(),
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
