// Every shared vector (tests/vectors/**/*.json) played through the Node binding's public API
// by the shared JS runner; one test per file. The folder must hold what its manifest says,
// and the last test prints the counts the test command compares across runtimes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { playVector } from '../../../tests/js/vectors.mjs';
import { Counts, checkFolder, loadVectors } from '../../../tests/js/load-vectors.mjs';

const api = createRequire(import.meta.url)('../index.js');
const vectors = loadVectors();
const counts = new Counts('node');

test('the vector folder holds what its manifest says', () => {
  assert.equal(checkFolder(vectors), null);
});

for (const { file, vector } of vectors) {
  test(`vector ${file}: ${vector.name}`, () => {
    const { failures, steps } = playVector(api, vector);
    assert.deepEqual(failures, [], failures.join('\n'));
    counts.add(steps);
  });
}

test('vector counts', (t) => {
  t.diagnostic(counts.line());
});
