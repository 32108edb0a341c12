// breakwater's WASM module in Node: the bare cost of crossing into wasm (the floor), and a
// breaker acquire + record through it (rich objects and the fast path).
//
//   node bench/wasm/bench.mjs [--quick]
//
// Prints a markdown table: our time per operation, the peer's, and peer / ours, all measured
// in this run (process.hrtime over many iterations, best of several repeats). Peers: plain JS
// for the floor; the Node addon (napi-rs, bindings/node) for the same calls when it is built.
// Needs bindings/wasm/pkg-node (bindings/wasm/build.sh). Not a test: nothing asserts a time.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const wasm = require(fileURLToPath(new URL('../../bindings/wasm/pkg-node/breakwater_wasm.js', import.meta.url)));

let addon = null;
try {
  addon = require('breakwater');
  if (typeof addon.CircuitBreaker !== 'function') addon = null;
} catch {
  addon = null;
}

const QUICK = process.argv.includes('--quick');
const REPEATS = QUICK ? 3 : 7;
const ITERATIONS = QUICK ? 20_000 : 200_000;

/** The fastest of REPEATS runs of `loop(n)`, in ns per iteration. */
function bestNsPerOp(loop, iterations = ITERATIONS) {
  loop(Math.max(1000, iterations / 10)); // warm up (and let the JIT settle)
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const t0 = process.hrtime.bigint();
    loop(iterations);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / iterations);
  }
  return best;
}

let sink = 0; // keeps results alive so the JIT cannot drop the calls

// ---- the floor: one trivial call -------------------------------------------------------------

const stateFloor = (api) => (n) => {
  const cb = new api.CircuitBreaker();
  for (let i = 0; i < n; i++) sink += cb.state().length;
};

const lenFloor = (api) => (n) => {
  const r = new api.BreakerRegistry();
  for (let i = 0; i < n; i++) sink += r.len();
};

class PureJs {
  state() {
    return 'closed';
  }
  len() {
    return 0;
  }
}

const pureState = (n) => {
  const o = new PureJs();
  for (let i = 0; i < n; i++) sink += o.state().length;
};

const pureLen = (n) => {
  const o = new PureJs();
  for (let i = 0; i < n; i++) sink += o.len();
};

// ---- circuit breaker: one permitted call and its result ---------------------------------------

const breakerRich = (api) => (n) => {
  const cb = new api.CircuitBreaker();
  for (let i = 0; i < n; i++) {
    const a = cb.tryAcquire(i);
    sink += cb.record(a.permit, 'success', 1, null, i).counted.length;
  }
};

const breakerFast = (api) => (n) => {
  const cb = new api.CircuitBreaker();
  for (let i = 0; i < n; i++) {
    sink += cb.recordPermit(cb.tryAcquirePermit(i), 'success', 1, i).length;
  }
};

const breakerFastClock = (api) => (n) => {
  const cb = new api.CircuitBreaker();
  for (let i = 0; i < n; i++) {
    sink += cb.recordPermit(cb.tryAcquirePermit(), 'success', 1).length;
  }
};

const HEADERS = [
  ['content-type', 'application/json'],
  ['retry-after-ms', '1500'],
  ['retry-after', '2'],
  ['x-should-retry', 'true'],
  ['x-request-id', 'req_123'],
];

const classify429 = (api) => (n) => {
  const options = { errorType: 'rate_limit_error', errorCode: 'rate_limit_exceeded' };
  for (let i = 0; i < n; i++) sink += api.classify('http_429', HEADERS, options).class.length;
};

function main() {
  const addonName = 'Node addon (napi-rs) `breakwater`';
  const rows = [
    ['FFI floor: `CircuitBreaker.state()` (returns a string)', stateFloor(wasm), 'a plain JS method returning a string', pureState],
    ['a generic call returning a number: `BreakerRegistry.len()` (JS entry, handle table)', lenFloor(wasm), 'a plain JS method returning a number', pureLen],
  ];
  const same = [
    ['breaker acquire + record, rich objects (`tryAcquire`/`record`)', breakerRich],
    ['breaker acquire + record, fast path (`tryAcquirePermit`/`recordPermit`)', breakerFast],
    ['breaker fast path, default clock (`performance.now()`)', breakerFastClock],
    ['`classify` of a 429 with 5 headers and an error body', classify429],
  ];
  if (addon) {
    rows.push(['FFI floor: `CircuitBreaker.state()` (returns a string)', stateFloor(wasm), `${addonName} \`state()\``, stateFloor(addon)]);
  }
  for (const [name, make] of same) {
    rows.push([name, make(wasm), addon ? `${addonName}, the same calls` : '(Node addon not built)', addon ? make(addon) : null]);
  }

  const pkg = fileURLToPath(new URL('../../bindings/wasm/pkg/breakwater_wasm_glue_bg.wasm', import.meta.url));
  let size = '';
  try {
    size = `, module ${readFileSync(pkg).length} bytes`;
  } catch {
    // pkg/ not built: the size is informative only
  }
  console.log(`WASM (wasm-bindgen 0.2.130) in Node ${process.version} on ${process.arch}${size}, best of ${REPEATS} x ${ITERATIONS} iterations\n`);
  console.log('| operation | breakwater WASM ns/op | peer | peer ns/op | peer / WASM |');
  console.log('| --- | ---: | --- | ---: | ---: |');
  for (const [name, ours, peerName, peer] of rows) {
    const a = bestNsPerOp(ours);
    if (!peer) {
      console.log(`| ${name} | ${a.toFixed(0)} | ${peerName} | — | — |`);
      continue;
    }
    const b = bestNsPerOp(peer);
    console.log(`| ${name} | ${a.toFixed(0)} | ${peerName} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}x |`);
  }
  if (sink === 0.5) console.log(sink); // never true; reads the sink
}

main();
