// Every shared vector file (tests/vectors/**/*.json) through the WASM module's public API,
// with the shared JavaScript player: one test per file.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { playVector } from '../../../tests/js/vectors.mjs';
import { loadVectors } from '../../../tests/js/load-vectors.mjs';
import { wasm } from './support/wasm.mjs';

const vectors = loadVectors();

test('the vector suite is not empty', () => {
  assert.ok(vectors.length >= 90, `only ${vectors.length} vector files found`);
});

for (const { file, vector } of vectors) {
  test(`vector ${file}`, () => {
    const failures = playVector(wasm, vector);
    assert.deepEqual(failures, [], `${file}: ${vector.name}\n${failures.join('\n')}`);
  });
}
