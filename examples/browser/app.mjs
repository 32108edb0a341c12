// The playground page: validates the policy with the WASM module and shows the client's
// decisions for a scripted sequence of attempt outcomes.
import init, * as breakwater from '../../bindings/wasm/pkg/breakwater_wasm.js';
import { parseScript, simulate } from './simulate.mjs';

const $ = (id) => document.getElementById(id);

/** The policy in the editor as a `Policy`, or throws the binding's error (code, path, line). */
function readPolicy() {
  const text = $('policy').value;
  const format = $('format').value === 'auto' ? (text.trim().startsWith('{') ? 'json' : 'toml') : $('format').value;
  return format === 'json' ? breakwater.Policy.fromJson(text) : breakwater.Policy.fromToml(text);
}

function showError(e) {
  $('policy-status').textContent = 'invalid policy';
  $('policy-status').className = 'bad';
  $('policy-error').hidden = false;
  $('error-code').textContent = e.code ?? 'unexpected';
  $('error-path').textContent = e.path === '' ? '(the document)' : (e.path ?? '');
  $('error-line').textContent = e.line ?? '';
  $('error-column').textContent = e.column ?? '';
  $('error-message').textContent = e.message;
}

function validate() {
  try {
    const policy = readPolicy();
    const doc = policy.toObject();
    $('policy-error').hidden = true;
    $('policy-status').className = 'ok';
    $('policy-status').textContent =
      `valid: max_retries ${doc.retry.max_retries}, backoff ${doc.retry.backoff.jitter} ` +
      `${doc.retry.backoff.base_ms}–${doc.retry.backoff.max_ms} ms, breaker opens at ` +
      `${doc.breaker.failure_rate_threshold * 100}% of ${doc.breaker.minimum_calls}+ calls`;
    return policy;
  } catch (e) {
    showError(e);
    return null;
  }
}

function cell(tr, text) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  tr.append(td);
}

function run() {
  const policy = validate();
  const body = $('trace').tBodies[0];
  body.replaceChildren();
  $('events').replaceChildren();
  if (!policy) {
    $('sim-status').textContent = 'fix the policy first';
    return;
  }
  try {
    const seed = Number($('seed').value || 0);
    const result = simulate(breakwater, policy, parseScript($('script').value), { seed });
    for (const row of result.rows) {
      const tr = document.createElement('tr');
      Object.assign(tr.dataset, { action: row.action, reason: row.reason, delay: row.delay_ms ?? '', state: row.state, cls: row.class ?? '' });
      for (const v of [row.at_ms, row.step, row.outcome, row.class, row.action, row.reason, row.delay_ms ?? row.until_ms, row.state]) cell(tr, v);
      body.append(tr);
    }
    for (const { key, transition: t } of result.events) {
      const li = document.createElement('li');
      li.textContent = `${t.at_ms} ms, ${key}: ${t.from} → ${t.to} (${t.reason})`;
      $('events').append(li);
    }
    $('sim-status').className = 'ok';
    $('sim-status').textContent = `${result.attempts} attempts, idempotency key ${result.idempotencyKey}`;
  } catch (e) {
    $('sim-status').className = 'bad';
    $('sim-status').textContent = `${e.code ?? 'error'}${e.path ? ` at ${e.path}` : ''}: ${e.message}`;
  }
}

await init();
$('validate').addEventListener('click', validate);
$('simulate').addEventListener('click', run);
$('preset').addEventListener('change', () => {
  const name = $('preset').value;
  if (!name) return;
  $('policy').value = JSON.stringify(breakwater.Policy.preset(name).toObject(), null, 2);
  $('format').value = 'json';
  run();
});
run();
document.body.dataset.ready = 'true';
