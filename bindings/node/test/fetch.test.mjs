// The `fetch` integration over the Node addon: the shared checks (tests/js/fetch-checks.mjs)
// and the OpenTelemetry hook with the SDK's in-memory exporter.
import { test } from 'node:test';
import { createRequire } from 'node:module';
import * as otel from '@opentelemetry/sdk-trace-base';

import { checkOpenTelemetry, fetchChecks } from '../../../tests/js/fetch-checks.mjs';

const bw = createRequire(import.meta.url)('../index.js');

for (const [name, check] of Object.entries(fetchChecks)) {
  test(`fetch: ${name}`, () => check(bw));
}

test('fetch: the OpenTelemetry hook records a span per request with each decision', () => checkOpenTelemetry(bw, otel));
