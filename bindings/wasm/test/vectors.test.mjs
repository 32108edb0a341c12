// Every shared vector file (tests/vectors/**/*.json) through the WASM module's public API,
// with the shared JavaScript player: one test per file. The folder must hold what its
// manifest says, and the last test prints the counts the test command compares.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { playVector } from '../../../tests/js/vectors.mjs';
import { Counts, checkFolder, loadVectors } from '../../../tests/js/load-vectors.mjs';
import { wasm } from './support/wasm.mjs';

const vectors = loadVectors();
const counts = new Counts('wasm-node');

test('the vector folder holds what its manifest says', () => {
  assert.equal(checkFolder(vectors), null);
});

for (const { file, vector } of vectors) {
  test(`vector ${file}`, () => {
    const { failures, steps } = playVector(wasm, vector);
    assert.deepEqual(failures, [], `${file}: ${vector.name}\n${failures.join('\n')}`);
    counts.add(steps);
  });
}

test('vector counts', (t) => {
  t.diagnostic(counts.line());
});
