// A fault-injecting stand-in for the OpenAI API on 127.0.0.1, for the example and its test.
//
// Each scenario is a path prefix: the SDK's baseURL is `http://127.0.0.1:<port>/<scenario>/v1`.
// The n-th request of a scenario (0-based) gets the n-th scripted reply; every request is
// recorded with its headers and arrival time (`server.requests`).
import http from 'node:http';

const completion = (content) => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1700000000,
  model: 'gpt-4o-mini',
  choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
  usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
});

const chunk = (content, finish = null) =>
  `data: ${JSON.stringify({
    id: 'chatcmpl-1',
    object: 'chat.completion.chunk',
    created: 1700000000,
    model: 'gpt-4o-mini',
    choices: [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }],
  })}\n\n`;

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function fullStream(res) {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const part of ['Hel', 'lo', ' again']) res.write(chunk(part));
  res.write(chunk(null, 'stop'));
  res.end('data: [DONE]\n\n');
}

/** One chunk, `ms` of silence, then a full stream (unless the client went away). */
function pausedStream(res, ms) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(chunk('Hel'));
  const t = setTimeout(() => fullStream(res), ms);
  res.on('close', () => clearTimeout(t));
}

const error = (type, code, message) => ({ error: { message, type, code, param: null } });

/** The replies of each scenario, in order; the last one repeats. */
const SCRIPTS = {
  // 429 with a server-given pause (retry-after-ms 400), then success.
  'rate-limit': [
    (req, res) => json(res, 429, error('requests', 'rate_limit_exceeded', 'slow down'), { 'retry-after-ms': '400', 'retry-after': '1' }),
    (req, res) => json(res, 200, completion('hello after the pause')),
  ],
  // A spent quota: a 429 that no retry can fix.
  quota: [(req, res) => json(res, 429, error('insufficient_quota', 'insufficient_quota', 'You exceeded your current quota'))],
  // Headers, then the socket destroyed before any chunk; then a full stream.
  'cut-early': [
    (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.flushHeaders();
      setTimeout(() => res.socket.destroy(), 20);
    },
    (req, res) => fullStream(res),
  ],
  // A stream whose body ends cleanly without its final `data: [DONE]`.
  truncated: [
    (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('Hel'));
      res.end(chunk('lo'));
    },
  ],
  // A stream that sends one chunk, then nothing for 5 s.
  stall: [(req, res) => pausedStream(res, 5000)],
  // A stream that sends one chunk, pauses 1 s, then finishes.
  pause: [(req, res) => pausedStream(res, 1000)],
  // A stream cut after two chunks (the socket is destroyed mid-body), then a full stream.
  'cut-stream': [
    (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('Hel'));
      res.write(chunk('lo'));
      setTimeout(() => res.socket.destroy(), 50);
    },
    (req, res) => fullStream(res),
  ],
  // Headers that never come in time (5 s); the deadline cuts every attempt.
  'slow-headers': [
    (req, res) => {
      const t = setTimeout(() => json(res, 200, completion('too late')), 5000);
      res.on('close', () => clearTimeout(t));
    },
  ],
  // An upstream that keeps failing: every call is a 500.
  'server-errors': [(req, res) => json(res, 500, error('server_error', null, 'The server had an error'))],
  // Always fine.
  ok: [(req, res) => json(res, 200, completion('fine'))],
};

/** Starts the server on 127.0.0.1 (a free port); resolves to `{ url, requests, close() }`. */
export async function startServer() {
  const requests = [];
  const counts = new Map();
  const server = http.createServer((req, res) => {
    const scenario = req.url.split('/')[1];
    const script = SCRIPTS[scenario];
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const n = counts.get(scenario) ?? 0;
      counts.set(scenario, n + 1);
      requests.push({ scenario, n, method: req.method, url: req.url, headers: { ...req.headers }, body, at: performance.now() });
      if (!script) return json(res, 404, error('invalid_request_error', 'unknown_scenario', scenario));
      script[Math.min(n, script.length - 1)](req, res);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** The requests one scenario received. */
    of: (scenario) => requests.filter((r) => r.scenario === scenario),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
