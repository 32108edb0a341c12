// Every shared vector (tests/vectors/**/*.json) played through the Node binding's public API
// by the shared JS runner; one test per file, and a vector this runtime cannot play fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { playVector } from '../../../tests/js/vectors.mjs';
import { loadVectors } from '../../../tests/js/load-vectors.mjs';

const api = createRequire(import.meta.url)('../index.js');
const vectors = loadVectors();

test('the vector folder is not empty', () => {
  assert.ok(vectors.length >= 90, `only ${vectors.length} vectors found`);
});

for (const { file, vector } of vectors) {
  test(`vector ${file}: ${vector.name}`, () => {
    const failures = playVector(api, vector);
    assert.deepEqual(failures, [], failures.join('\n'));
  });
}
