// The `fetch` integration over the WASM module (its Node build): the same shared checks as the
// Node addon's (tests/js/fetch-checks.mjs) and the OpenTelemetry hook.
import { test } from 'node:test';
import * as otel from '@opentelemetry/sdk-trace-base';

import { wasm } from './support/wasm.mjs';
import { checkOpenTelemetry, fetchChecks } from '../../../tests/js/fetch-checks.mjs';

for (const [name, check] of Object.entries(fetchChecks)) {
  test(`fetch: ${name}`, () => check(wasm));
}

test('fetch: the OpenTelemetry hook records a span per request with each decision', () => checkOpenTelemetry(wasm, otel));
