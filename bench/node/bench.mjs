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

/** ns per op: the best of RUNS runs of `iterations` calls of `body(i)` (sync or async). */
async function measure(iterations, body, isAsync = false) {
  iterations = Math.max(1000, Math.floor(iterations * scale));
  let best = Infinity;
  for (let run = 0; run < RUNS; run++) {
    const t0 = process.hrtime.bigint();
    if (isAsync) {
      for (let i = 0; i < iterations; i++) await body(i);
    } else {
      for (let i = 0; i < iterations; i++) body(i);
    }
    const ns = Number(process.hrtime.bigint() - t0) / iterations;
    if (ns < best) best = ns;
  }
  return best;
}

const noop = () => 1;

// Ours: a default breaker (closed, count window); explicit nowMs like a host with its own clock,
// and the defaulted clock (performance.now() read in the binding).
const fast = new bw.CircuitBreaker();
const fastDefault = new bw.CircuitBreaker();
const rich = new bw.CircuitBreaker();

const ours = {
  fast: await measure(2_000_000, (i) => {
    const p = fast.tryAcquirePermit(i);
    noop();
    fast.recordPermit(p, 'success', 1, i);
  }),
  fastDefaultClock: await measure(2_000_000, () => {
    const p = fastDefault.tryAcquirePermit();
    noop();
    fastDefault.recordPermit(p, 'success', 1);
  }),
  rich: await measure(500_000, (i) => {
    const a = rich.tryAcquire(i);
    noop();
    rich.record(a.permit, 'success', 1, null, i);
  }),
  floor: await measure(5_000_000, () => fast.state()),
};

// opossum: fire() of a sync no-op action; fire() always returns a Promise, so the caller awaits it.
const opossum = new CircuitBreaker(noop, { timeout: false, errorThresholdPercentage: 50, resetTimeout: 30000 });
const peerOpossum = await measure(300_000, () => opossum.fire(), true);
opossum.shutdown();

// cockatiel: execute() of a sync no-op; also returns a Promise.
const cockatiel = circuitBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) });
const peerCockatiel = await measure(500_000, () => cockatiel.execute(noop), true);

const f = (ns) => (ns >= 1000 ? `${(ns / 1000).toFixed(2)} µs` : `${ns.toFixed(0)} ns`);
const ratio = (peer, us) => `${(peer / us).toFixed(1)}x`;
console.log(`Node ${process.version}, best of ${RUNS} runs, ns per decision (acquire + no-op call + record)\n`);
console.log('| decision | breakwater | peer | peer / breakwater |');
console.log('| --- | --- | --- | --- |');
console.log(`| fast path (\`tryAcquirePermit\` + \`recordPermit\`) vs cockatiel \`execute\` | ${f(ours.fast)} | ${f(peerCockatiel)} | ${ratio(peerCockatiel, ours.fast)} |`);
console.log(`| fast path vs opossum \`fire\` | ${f(ours.fast)} | ${f(peerOpossum)} | ${ratio(peerOpossum, ours.fast)} |`);
console.log(`| fast path, default clock, vs cockatiel | ${f(ours.fastDefaultClock)} | ${f(peerCockatiel)} | ${ratio(peerCockatiel, ours.fastDefaultClock)} |`);
console.log(`| rich path (\`tryAcquire\` + \`record\`, result objects) vs cockatiel | ${f(ours.rich)} | ${f(peerCockatiel)} | ${ratio(peerCockatiel, ours.rich)} |`);
console.log(`| rich path vs opossum | ${f(ours.rich)} | ${f(peerOpossum)} | ${ratio(peerOpossum, ours.rich)} |`);
console.log(`| napi floor (\`state()\`, one trivial call) | ${f(ours.floor)} | | |`);
