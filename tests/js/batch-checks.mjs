// Batch planning from JS, shared by the Node addon's and the WASM module's suites: lines from a
// stream (readline over a file), strings and bytes alike, and a whole round with nothing lost.
import assert from 'node:assert/strict';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { refused } from './breaker-checks.mjs';

const request = (i, model = 'gpt-4o-mini') =>
  JSON.stringify({
    custom_id: `r${i}`,
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model, messages: [{ role: 'user', content: `ticket ${i}` }], max_tokens: 64 },
  });

export const batchChecks = {
  async 'a file read as a stream of lines is planned line by line'(bw) {
    const dir = mkdtempSync(join(tmpdir(), 'breakwater-batch-'));
    try {
      const lines = Array.from({ length: 10 }, (_, i) => request(i, i % 2 ? 'gpt-4o-mini' : 'gpt-4.1-nano'));
      writeFileSync(join(dir, 'in.jsonl'), lines.join('\n') + '\n');
      const planner = new bw.BatchPlanner({ max_requests_per_file: 3 });
      const files = new Map();
      for await (const line of createInterface({ input: createReadStream(join(dir, 'in.jsonl')), crlfDelay: Infinity })) {
        const p = planner.push(line);
        assert.equal(p.placement, 'planned');
        files.set(p.path, [...(files.get(p.path) ?? []), line]);
      }
      const manifest = planner.finish();
      assert.equal(manifest.totals.planned, 10);
      for (const f of manifest.files) {
        assert.deepEqual(f.custom_ids, files.get(f.path).map((l) => JSON.parse(l).custom_id));
        assert.equal(f.bytes, files.get(f.path).reduce((n, l) => n + Buffer.byteLength(l) + 1, 0));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },

  'a line as bytes is the same line as a string; a stopping plan names the line'(bw) {
    const a = new bw.BatchPlanner();
    const b = new bw.BatchPlanner();
    assert.deepEqual(a.push(new TextEncoder().encode(request(1) + '\n')), b.push(request(1)));
    const e = refused(() => a.push(request(1)));
    assert.deepEqual([e.code, e.path, e.line], ['invalid_value', 'custom_id', 2]);
    assert.deepEqual(a.finish().rejected.map((r) => r.code), ['duplicate_custom_id']);
    assert.equal(refused(() => a.push(request(2))).code, 'invalid_argument');
  },

  'a round: route every result, replay the retry set byte for byte'(bw) {
    const lines = Array.from({ length: 12 }, (_, i) => request(i));
    const planner = new bw.BatchPlanner();
    for (const line of lines) planner.push(line);
    const manifest = planner.finish();
    const router = new bw.BatchRouter(manifest, []);
    const retry = [];
    for (let i = 0; i < 11; i++) {
      const failed = i % 2 === 1;
      const result = failed
        ? { custom_id: `r${i}`, response: { status_code: 503, body: {} }, error: null }
        : { custom_id: `r${i}`, response: { status_code: 200, body: {} }, error: null };
      const step = failed ? router.pushErrors(JSON.stringify(result)) : router.pushOutput(JSON.stringify(result));
      assert.equal(step.issue, undefined);
      if (failed) retry.push(step);
    }
    const { report, missing } = router.finish();
    assert.deepEqual([report.succeeded, report.retry, report.missing], [6, 5, 1]);
    assert.deepEqual(missing.map((m) => m.custom_id), ['r11']);
    const replay = new bw.BatchReplay(manifest, report, retry, null);
    const placed = lines.filter((line) => replay.push(line) !== null);
    assert.deepEqual(placed, lines.filter((_, i) => i % 2 === 1 && i < 11));
    const next = replay.finish();
    assert.equal(next.manifest.round, 2);
    assert.deepEqual(next.ledger.map((e) => e.attempts), [2, 2, 2, 2, 2]);
  },
};
