// Checks of the schema toolkit that only a JS runtime can get wrong, shared by the Node addon's
// and the WASM module's suites: `null` is a JSON value and `undefined` is a left-out argument,
// a value that contains itself is refused, and every refusal has the same code and path.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { refused } from './breaker-checks.mjs';

const at = (f) => {
  const e = refused(f);
  return [e.code, e.path];
};

export const schemaChecks = {
  'null is validated as JSON null; undefined is a missing argument'(bw) {
    assert.equal(bw.validate({ type: 'null' }, null).valid, true);
    assert.equal(bw.validate({ type: 'string' }, null).valid, false);
    assert.deepEqual(at(() => bw.validate({ type: 'null' }, undefined)), ['missing_field', 'instance']);
    assert.deepEqual(at(() => bw.validate(undefined, 1)), ['missing_field', 'schema']);
    assert.deepEqual(at(() => new bw.SchemaValidator()), ['missing_field', 'schema']);
  },

  'a value nests as deep as its text may: 127 levels, where serde_json stops text'(bw) {
    const nest = (depth) => {
      let value = [];
      for (let i = 1; i < depth; i += 1) value = [value];
      return value;
    };
    for (const [depth, ok] of [[127, true], [128, false]]) {
      for (const check of [() => bw.validate({}, nest(depth)), () => bw.validateText({}, JSON.stringify(nest(depth)))]) {
        if (ok) assert.equal(check().valid, true, String(depth));
        else assert.equal(at(check)[0], 'limit_exceeded', String(depth));
      }
    }
  },

  'a value that contains itself, or nests past 127 levels, is limit_exceeded'(bw) {
    const cyclic = {};
    cyclic.self = cyclic;
    assert.equal(at(() => bw.validate({ type: 'object' }, cyclic))[0], 'limit_exceeded');
    assert.equal(at(() => bw.validateText({ type: 'array' }, '['.repeat(100_000) + ']'.repeat(100_000)))[0], 'limit_exceeded');
    let deep = 1;
    for (let i = 0; i < 200; i += 1) deep = [deep];
    assert.equal(at(() => bw.lintSchema(deep))[0], 'limit_exceeded');
  },

  'the compiled validator and the function agree, and options are checked'(bw) {
    const schema = { type: 'object', required: ['a'], properties: { a: { type: 'integer' } } };
    const v = new bw.SchemaValidator(schema, { maxErrors: 5 });
    for (const text of ['{"a": 1}', '{"a": "x"}', '{}']) {
      assert.deepEqual(v.validateText(text), bw.validateText(schema, text), text);
      assert.equal(v.isValid(JSON.parse(text)), bw.validate(schema, JSON.parse(text)).valid, text);
    }
    assert.deepEqual(at(() => new bw.SchemaValidator(schema, { maxErors: 5 })), ['unknown_field', 'maxErors']);
    assert.deepEqual(at(() => bw.validate(schema, {}, { draft: 'draft3' })), ['unknown_variant', 'draft']);
    assert.deepEqual(at(() => bw.toStrict(schema, { profile: 'gpt' })), ['unknown_variant', 'profile']);
    const e = refused(() => v.validateText('{"a": }'));
    assert.deepEqual([e.code, e.line, e.column], ['syntax_error', 1, 7]);
  },

  'a stream cut between the two halves of a surrogate pair reads the one character'(bw) {
    // JavaScript strings are UTF-16: a host that slices a text by index can cut an emoji in two.
    const schema = {
      type: 'object',
      properties: { a: { type: 'string', maxLength: 2 }, b: { enum: ['\u{1F600}'] } },
      required: ['a', 'b'],
      additionalProperties: false,
    };
    const texts = ['{"a": "\u{1F600}\u{1F600}", "b": "\u{1F600}"}', '{"a": "\u{1F600}x\u{1F600}", "b": "\u{1F600}"}'];
    for (const text of texts) {
      const whole = bw.validateText(schema, text);
      for (const size of [1, 2, 3, 5, 7]) {
        const s = new bw.StreamCheck(schema);
        let state;
        for (let i = 0; i < text.length; i += size) state = s.feed(text.slice(i, i + size));
        assert.equal(state.state, whole.valid ? 'open' : 'dead', `${text} in ${size}s`);
        assert.deepEqual(s.finish(), whole, `${text} in ${size}s`);
      }
    }
    // A half still kept when the text ends is fed as it is: a lone surrogate (U+FFFD).
    const s = new bw.StreamCheck({ type: 'string' });
    s.feed('"ok"');
    assert.equal(s.feed('\ud83d').state, 'open');
    assert.equal(refused(() => s.finish()).code, 'syntax_error'); // "ok" then U+FFFD: trailing characters
    const t = new bw.StreamCheck({ type: 'string' });
    t.feed('"\ud83d');
    t.feed('"');
    assert.equal(t.finish().valid, true);
  },

  'a lone surrogate crosses as U+FFFD, a pair of them as its character (as in Python)'(bw) {
    assert.equal(bw.validateText({ type: 'string', maxLength: 1 }, '"\ud83d"').valid, true);
    assert.equal(bw.validate({ const: '\ufffd' }, '\ud83d').valid, true);
    assert.equal(bw.validate({ required: ['\ufffd'] }, { '\udc00': 1 }).valid, true);
    assert.equal(bw.validate({ const: '\u{1F600}' }, '\ud83d\ude00').valid, true);
  },

  'a freed validator is refused'(bw) {
    const v = new bw.SchemaValidator({ type: 'string' });
    v.free();
    assert.equal(at(() => v.validate('x'))[0], 'invalid_type');
  },
};

/**
 * JSON-Schema-Test-Suite (draft 2020-12 and draft-07, required tests) through a JS runtime;
 * `scripts/schema-suite.sh` fetches it into target/schema-suite. Returns a line per draft, or
 * null when the suite is absent. Cases that need the suite's remotes are counted apart.
 */
export function playSchemaSuite(bw) {
  const root = fileURLToPath(new URL('../../target/schema-suite/tests/', import.meta.url));
  if (!existsSync(root)) return null;
  const lines = [];
  const failed = [];
  for (const [folder, draft] of [['draft2020-12', 'draft2020-12'], ['draft7', 'draft7']]) {
    let passed = 0;
    let remote = 0;
    const before = failed.length;
    for (const file of readdirSync(join(root, folder)).filter((f) => f.endsWith('.json')).sort()) {
      for (const c of JSON.parse(readFileSync(join(root, folder, file), 'utf8'))) {
        const needsRemote = JSON.stringify(c.schema).includes('localhost:1234');
        let v;
        try {
          v = new bw.SchemaValidator(c.schema, { draft });
        } catch (e) {
          if (e.code === 'unresolved_ref' && needsRemote) remote += c.tests.length;
          else failed.push(`${folder}/${file}: ${c.description}: refused: ${e.message}`);
          continue;
        }
        for (const t of c.tests) {
          const ok = v.validate(t.data).valid === t.valid && v.validateText(JSON.stringify(t.data)).valid === t.valid;
          if (ok) passed += 1;
          else if (needsRemote) remote += 1;
          else failed.push(`${folder}/${file}: ${c.description} / ${t.description}`);
        }
        v.free();
      }
    }
    lines.push(`schema suite ${folder}: ${passed} passed, ${failed.length - before} failed, ${remote} need the remotes`);
  }
  assert.deepEqual(failed, []);
  return lines;
}
