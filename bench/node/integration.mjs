// What breakwater's `fetch` adds to a request made with the openai SDK (Node addon).
//
//   node bench/node/integration.mjs        (BENCH_QUICK=1 for a short run)
//
// Against bench/instant_server.py (a separate process that answers at once), the same SDK
// call with the global fetch and with `breakwater.fetch('conservative')`, both with
// maxRetries: 0: a chat completion (a JSON answer) and a four-chunk stream read to its end.
// The two take turns request by request, so a noisy stretch of the shared machine hits both
// alike; the figure is the median request of each. A last row reads a long stream as a model
// sends it, 100 events one by one (the server pauses after each): its wall time is the server's
// pacing, so the figure there is the process's CPU time (`process.cpuUsage`) per request. Prints
// a markdown table; asserts nothing.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import OpenAI from 'openai';

const require = createRequire(import.meta.url);
const bw = require('breakwater');
const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 5 : 15;
const PER_ROUND = QUICK ? 100 : 300;
const messages = [{ role: 'user', content: 'hi' }];
const LONG = 100; // events of the long stream
const LONG_REQUESTS = QUICK ? 60 : 400;

const server = spawn('python3', [new URL('../instant_server.py', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
const [port] = (await once(server.stdout, 'data')).map((b) => String(b).trim());
const baseURL = `http://127.0.0.1:${port}/v1`;

const plain = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0 });
const ours = new OpenAI({ apiKey: 'sk-bench', baseURL, maxRetries: 0, fetch: bw.fetch('conservative') });

const call = (sdk, stream, events = 0) => async () => {
  const options = events ? { query: { chunks: events } } : undefined;
  const r = await sdk.chat.completions.create({ model: 'gpt-4o-mini', messages, stream }, options);
  if (stream) for await (const _ of r);
};

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The two take turns request by request (which goes first alternates); the median leaves out
// the requests a scheduler or collector pause stretched.
// `long`: CPU µs (user and system) over fewer requests.
const cpu = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
async function measure(a, b, long = false) {
  for (const f of [a, b]) for (let i = 0; i < (long ? 10 : PER_ROUND / 5); i++) await f();
  const times = [[], []];
  for (let i = 0; i < (long ? LONG_REQUESTS : ROUNDS * PER_ROUND); i++) {
    for (const k of i % 2 ? [0, 1] : [1, 0]) {
      const t0 = long ? cpu() : process.hrtime.bigint();
      await (k ? b : a)();
      times[k].push(long ? cpu() - t0 : Number(process.hrtime.bigint() - t0) / 1000);
    }
  }
  return times.map(median);
}

try {
  const rows = [
    ['JSON answer', await measure(call(plain, false), call(ours, false))],
    ['streamed answer', await measure(call(plain, true), call(ours, true))],
    [`${LONG} events read one by one (CPU time)`, await measure(call(plain, true, LONG), call(ours, true, LONG), true)],
  ];
  const { VERSION: sdkVersion } = await import('openai/version');
  console.log(`openai ${sdkVersion}, Node ${process.version}; ${ROUNDS * PER_ROUND} requests each (${LONG_REQUESTS} of the long stream), taking turns; median\n`);
  console.log('| request | plain SDK (maxRetries: 0) | with breakwater.fetch | added |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const [name, [p, o]] of rows) {
    console.log(`| ${name} | ${p.toFixed(0)} µs | ${o.toFixed(0)} µs | ${((100 * (o - p)) / p).toFixed(1)} % |`);
  }
} finally {
  server.kill();
}
