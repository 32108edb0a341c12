// The schema checker page: validation, strict-mode lint, the diff against a previous version
// and the strict form of the pasted schema, by the WASM module (bindings/wasm/pkg, built by bindings/wasm/build.sh). Static
// files only: serve the repository with any static server, or open it from the built package.
import init, * as breakwater from '../../bindings/wasm/pkg/breakwater_wasm.js';

const $ = (id) => document.getElementById(id);

/** Fills `table`'s body with one row per item, `cells(item)` giving the cells' text. */
function fill(table, items, cells, rowClass = () => '') {
  const body = table.tBodies[0];
  body.replaceChildren(
    ...items.map((item) => {
      const tr = document.createElement('tr');
      tr.className = rowClass(item);
      for (const text of cells(item)) {
        const td = document.createElement('td');
        td.textContent = text;
        tr.append(td);
      }
      return tr;
    }),
  );
  table.hidden = items.length === 0;
}

function status(id, ok, text) {
  $(id).className = ok ? 'ok' : 'bad';
  $(id).textContent = text;
}

/** A thrown breakwater error as one line: code, where, message. */
function describe(e) {
  const where = [e.path && `at ${e.path}`, e.line && `line ${e.line}`, e.column && `column ${e.column}`].filter(Boolean);
  return `${e.code ?? 'error'}${where.length ? ` (${where.join(', ')})` : ''}: ${e.message}`;
}

function check() {
  fill($('violations'), [], () => []);
  fill($('findings'), [], () => []);
  $('strict').textContent = '';
  $('optional-fields').replaceChildren();
  let schema;
  try {
    schema = JSON.parse($('schema').value);
  } catch (e) {
    status('status', false, `the schema is not JSON: ${e.message}`);
    return;
  }
  status('status', true, 'checked');

  try {
    const report = breakwater.validateText(schema, $('output').value);
    status('validation-status', report.valid, report.valid ? 'valid' : `${report.errors.length} violation(s)${report.truncated ? ' (and more)' : ''}`);
    fill($('violations'), report.errors, (v) => [v.instance_path || '(root)', v.code, v.keyword, v.schema_path, v.message]);
  } catch (e) {
    status('validation-status', false, describe(e));
  }

  const profile = $('profile').value;
  const lint = breakwater.lintSchema(schema, { profile });
  const errors = lint.findings.filter((f) => f.severity === 'error').length;
  status('lint-status', lint.ok, lint.ok ? `accepted by ${profile}` : `${errors} error(s) for ${profile}`);
  fill($('findings'), lint.findings, (f) => [f.severity, f.path || '(root)', f.code, f.message], (f) => (f.severity === 'error' ? 'bad' : 'warn'));

  diffPrevious(schema);

  try {
    const strict = breakwater.toStrict(schema, { profile });
    status('strict-status', strict.ok, strict.ok ? 'the strict form (as openai-python writes it)' : 'cannot be made strict: see the lint findings of the rewritten schema');
    $('strict').textContent = strict.ok ? JSON.stringify(strict.schema, null, 2) : strict.findings.map((f) => `${f.path || '(root)'}: ${f.message}`).join('\n');
    $('optional-fields').replaceChildren(
      ...strict.optional_fields.map((f) => {
        const li = document.createElement('li');
        li.textContent = `${f.path} was optional and is now required${f.nullable ? ' (it accepts null)' : ''}`;
        return li;
      }),
    );
  } catch (e) {
    status('strict-status', false, describe(e));
  }
}

/** The changes from the previous version, when one is pasted. */
function diffPrevious(schema) {
  fill($('changes'), [], () => []);
  $('notes').replaceChildren();
  const previous = $('previous').value.trim();
  if (!previous) {
    $('diff-status').className = '';
    $('diff-status').textContent = 'no previous version';
    return;
  }
  try {
    const report = breakwater.diffSchemas(JSON.parse(previous), schema, { policy: $('policy').value });
    const mark = (ok) => (ok ? 'ok' : 'breaks');
    status('diff-status', report.full, `backward ${mark(report.backward)}, forward ${mark(report.forward)}, full ${mark(report.full)}`);
    fill($('changes'), report.changes, (c) => [c.kind, c.path, mark(c.backward), mark(c.forward)], (c) => (c.backward && c.forward ? '' : 'bad'));
    $('notes').replaceChildren(
      ...report.notes.map((n) => {
        const li = document.createElement('li');
        li.textContent = `${n.path}: ${n.message}`;
        return li;
      }),
    );
  } catch (e) {
    status('diff-status', false, e instanceof SyntaxError ? `the previous version is not JSON: ${e.message}` : describe(e));
  }
}

/** A file input loads its file into a textarea. */
function load(input, target) {
  $(input).addEventListener('change', async (event) => {
    const file = event.target.files?.[0];
    if (file) $(target).value = await file.text();
  });
}

await init();
load('schema-file', 'schema');
load('output-file', 'output');
$('check').addEventListener('click', check);
document.body.dataset.ready = 'true';
