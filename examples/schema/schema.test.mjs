// The schema checker page in a real headless Chromium: fill the schema and the model output,
// click Check, read the violations, the lint findings and the strict form the page shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import { pageUnderTest } from '../../bindings/wasm/test/support/browser.mjs';

const ui = pageUnderTest('/examples/schema/index.html', { before, after });
const text = ui.text;
const cells = (table) => ui.page().$$eval(`#${table} tbody tr`, (trs) => trs.map((tr) => [...tr.cells].map((c) => c.textContent)));

test('the page shows each violation with its path, and the lint and strict results', async () => {
  await ui.page().click('#check');
  assert.equal(await text('validation-status'), '2 violation(s)');
  const violations = await cells('violations');
  assert.deepEqual(violations.map((r) => [r[0], r[1]]), [['/currency', 'not_in_enum'], ['/total', 'type_mismatch']]);
  assert.equal(await text('lint-status'), 'accepted by openai');
  const strict = JSON.parse(await text('strict'));
  assert.deepEqual(strict.required, ['name', 'currency', 'total']);
  assert.deepEqual(ui.errors(), []);
});

test('a schema the API would refuse is shown with its findings, per profile', async () => {
  await ui.page().fill('#schema', JSON.stringify({
    type: 'object',
    properties: { id: { type: 'string', pattern: '^a' }, tags: { type: 'array', items: { type: 'string' }, uniqueItems: true } },
  }));
  await ui.page().fill('#output', '{"id": "a1", "tags": []}');
  await ui.page().selectOption('#profile', 'openai_legacy');
  await ui.page().click('#check');
  assert.equal(await text('validation-status'), 'valid');
  const findings = await cells('findings');
  const at = findings.map((r) => [r[1], r[2]]);
  assert.ok(at.some(([p, c]) => p === '(root)' && c === 'additional_properties_missing'), JSON.stringify(at));
  assert.ok(at.some(([p, c]) => p === '/properties/id/pattern' && c === 'unsupported_keyword'), JSON.stringify(at));
  assert.ok(at.some(([p, c]) => p === '/properties/tags/uniqueItems' && c === 'unsupported_keyword'), JSON.stringify(at));
  assert.match(await text('strict-status'), /cannot be made strict/);
});

test('malformed output and schemas with external refs are errors with their place, not crashes', async () => {
  await ui.page().selectOption('#profile', 'openai');
  await ui.page().fill('#schema', '{"type": "object", "properties": {"a": {"$ref": "https://example.com/a.json"}}}');
  await ui.page().fill('#output', '{"a": 1}');
  await ui.page().click('#check');
  assert.match(await text('validation-status'), /^unresolved_ref/);
  await ui.page().fill('#schema', '{"type": "object"}');
  await ui.page().fill('#output', '{\n  "a": ,\n}');
  await ui.page().click('#check');
  assert.match(await text('validation-status'), /^syntax_error \(line 2, column 8\)/);
  assert.deepEqual(ui.errors(), []);
});

test('the diff against a previous version names each change and the verdicts', async () => {
  const v1 = {
    type: 'object', additionalProperties: false, required: ['status'],
    properties: { status: { type: 'string', enum: ['open', 'closed'] } },
  };
  const v2 = structuredClone(v1);
  v2.properties.status.enum.push('pending');
  await ui.page().fill('#schema', JSON.stringify(v2));
  await ui.page().fill('#output', '{"status": "pending"}');
  await ui.page().click('#previous-box summary');
  await ui.page().fill('#previous', JSON.stringify(v1));
  await ui.page().click('#check');
  assert.equal(await text('diff-status'), 'backward ok, forward breaks, full breaks');
  assert.deepEqual(await cells('changes'), [['ENUM_ARRAY_EXTENDED', '#/properties/status/enum', 'ok', 'breaks']]);
  assert.deepEqual(ui.errors(), []);
});
