// Breaker decision cost per call: breakwater's Node binding vs opossum and cockatiel.
//
//   node bench/node/bench.mjs            (npm run bench -w bench/node)
//
// One "decision" is what a caller pays around each upstream call: ask the breaker, run the
// call (here a no-op), and report the result. Each row is the best of several runs of many
// iterations timed with process.hrtime.bigint; the ratio is peer / ours, measured in this
// run. Not a test: nothing here asserts a time.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const bw = require('breakwater');
const CircuitBreaker = require('opossum');
const { circuitBreaker, handleAll, ConsecutiveBreaker } = require('cockatiel');

const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const QUICK = process.env.BENCH_QUICK === '1';
const scale = QUICK ? 0.1 : 1;

/**
 * ns per op of each loop: the best of RUNS runs of `iterations` calls of `body(i)`. The loops
 * take turns within every run, so a noisy stretch of this shared machine hits them alike and
 * their ratios hold even when the absolute numbers drift. A loop is `{ iterations, body,
 * isAsync }`; an async body is awaited on every call.
 */
async function measure(...loops) {
  const best = loops.map(() => Infinity);
  for (let run = 0; run < RUNS; run++) {
    for (const [k, { iterations, body, isAsync }] of loops.entries()) {
      const n = Math.max(1000, Math.floor(iterations * scale));
      const t0 = process.hrtime.bigint();
      if (isAsync) {
        for (let i = 0; i < n; i++) await body(i);
      } else {
        for (let i = 0; i < n; i++) body(i);
      }
      best[k] = Math.min(best[k], Number(process.hrtime.bigint() - t0) / n);
    }
  }
  return best;
}

const noop = () => 1;

// Ours: a default breaker (closed, count window); explicit nowMs like a host with its own clock,
// and the defaulted clock (performance.now() read in the binding).
const fast = new bw.CircuitBreaker();
const fastDefault = new bw.CircuitBreaker();
const rich = new bw.CircuitBreaker();

const opossum = new CircuitBreaker(noop, { timeout: false, errorThresholdPercentage: 50, resetTimeout: 30000 });
const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });

const loops = {
  fast: { iterations: 2_000_000, body: (i) => {
    const p = fast.tryAcquirePermit(i);
    noop();
    fast.recordPermit(p, 'success', 1, i);
  } },
  fastDefaultClock: { iterations: 2_000_000, body: () => {
    const p = fastDefault.tryAcquirePermit();
    noop();
    fastDefault.recordPermit(p, 'success', 1);
  } },
  rich: { iterations: 500_000, body: (i) => {
    const a = rich.tryAcquire(i);
    noop();
    rich.record(a.permit, 'success', 1, null, i);
  } },
  floor: { iterations: 5_000_000, body: () => fast.state() },
  // opossum: fire() of a sync no-op action; fire() always returns a Promise, so the caller awaits it.
  opossum: { iterations: 300_000, body: () => opossum.fire(), isAsync: true },
  // cockatiel: execute() of a sync no-op; also returns a Promise.
  cockatiel: { iterations: 500_000, body: () => cockatiel.execute(noop), isAsync: true },
};
const names = Object.keys(loops);
const times = await measure(...Object.values(loops));
const ours = Object.fromEntries(names.map((n, k) => [n, times[k]]));
const peerOpossum = ours.opossum;
const peerCockatiel = ours.cockatiel;
opossum.shutdown();

const f = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const ratio = (peer, us) => `${(peer / us).toFixed(1)}x`;
console.log(`Node ${process.version}, best of ${RUNS} runs with every loop taking turns, ns per decision (acquire + no-op call + record)\n`);
console.log('| decision | breakwater | peer | peer / breakwater |');
console.log('| --- | --- | --- | --- |');
console.log(`| fast path (\`tryAcquirePermit\` + \`recordPermit\`) vs cockatiel \`execute\` | ${f(ours.fast)} | ${f(peerCockatiel)} | ${ratio(peerCockatiel, ours.fast)} |`);
console.log(`| fast path vs opossum \`fire\` | ${f(ours.fast)} | ${f(peerOpossum)} | ${ratio(peerOpossum, ours.fast)} |`);
console.log(`| fast path, default clock, vs cockatiel | ${f(ours.fastDefaultClock)} | ${f(peerCockatiel)} | ${ratio(peerCockatiel, ours.fastDefaultClock)} |`);
console.log(`| rich path (\`tryAcquire\` + \`record\`, result objects) vs cockatiel | ${f(ours.rich)} | ${f(peerCockatiel)} | ${ratio(peerCockatiel, ours.rich)} |`);
console.log(`| rich path vs opossum | ${f(ours.rich)} | ${f(peerOpossum)} | ${ratio(peerOpossum, ours.rich)} |`);
console.log(`| napi floor (\`state()\`, one trivial call) | ${f(ours.floor)} | | |`);
