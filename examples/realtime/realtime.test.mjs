// The Realtime replay page in a real headless Chromium: the recorded barge-in replays into
// its actions, turns and time axis; a broken line is an issue on the page, not a crash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { pageUnderTest } from '../../bindings/wasm/test/support/browser.mjs';

const ui = pageUnderTest('/examples/realtime/index.html', { before, after });
const cells = (table) => ui.page().$$eval(`#${table} tbody tr`, (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));

test('the recorded barge-in shows the pause, the cancel, the truncate and both turns', async () => {
  await ui.page().waitForSelector('body[data-ready="true"]');
  assert.equal(await ui.text('status'), '3 action(s), 0 issue(s), 2 turn(s)');
  const actions = await cells('actions');
  assert.deepEqual(actions.map((r) => [r[0], r[1]]), [['960', 'stop_playback'], ['1260', 'send'], ['1260', 'send']]);
  assert.equal(JSON.parse(actions[2][2]).audio_end_ms, 240);
  const turns = await cells('turns');
  assert.deepEqual(turns.map((r) => [r[5], r[6]]), [['700', ''], ['900', 'voice_to_voice']]);
  assert.equal(await ui.page().$$eval('#axis circle.action', (n) => n.length), 3);
  assert.ok((await ui.page().$$eval('#axis rect.stage', (n) => n.length)) >= 5);
  assert.deepEqual(ui.errors(), []);
});

test('a broken line is an issue with its line number', async () => {
  const text = await ui.page().inputValue('#timeline');
  await ui.page().fill('#timeline', `${text}\n{"at_ms": 2400, "server": {"type": "warp.drive"}}\nnot json\n`);
  await ui.page().click('#replay');
  const issues = await cells('issues');
  assert.deepEqual(issues.map((r) => r[1]), ['unknown_event', 'syntax_error']);
  assert.match(issues[1][2], /^line 18: /);
  assert.match(await ui.text('status'), /2 issue\(s\)/);
  assert.deepEqual(ui.errors(), []);
});
