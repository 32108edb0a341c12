#!/usr/bin/env bash
# Builds the WASM module: the ES module for browsers (pkg/, `--target web`) and a CommonJS
# build for fast Node tests (pkg-node/, `--target nodejs`). Needs the wasm32 target and the
# wasm-bindgen CLI matching the crate's pinned wasm-bindgen (scripts/test-wasm.sh installs both).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cd "$root"

# The CLI must match the crate's pinned wasm-bindgen exactly.
version="$(grep -oE '^wasm-bindgen = .*"=[0-9.]+"' bindings/wasm/Cargo.toml | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')"
bindgen="$root/.tools/bin/wasm-bindgen"
if [ ! -x "$bindgen" ]; then
  bindgen="$(command -v wasm-bindgen || true)"
fi
if [ -z "$bindgen" ] || ! "$bindgen" --version | grep -q " $version\$"; then
  echo "wasm-bindgen $version is required: cargo install wasm-bindgen-cli --version $version --root .tools" >&2
  exit 1
fi

cargo build -p breakwater-wasm --target wasm32-unknown-unknown --profile wasm-release
wasm="${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/wasm-release/breakwater_wasm.wasm"
# wasm-bindgen's output is the glue (`breakwater_wasm_glue.*`); the entry `breakwater_wasm.js`
# is js/wrap.mjs's `install(glue)`: the fast paths of src/fast.rs installed on the generated
# classes, exporting exactly the public API (and `init`/`initSync` for the web build).
rm -rf bindings/wasm/pkg bindings/wasm/pkg-node
"$bindgen" --target web --remove-name-section --out-name breakwater_wasm_glue --out-dir bindings/wasm/pkg "$wasm"
"$bindgen" --target nodejs --remove-name-section --out-name breakwater_wasm_glue --out-dir bindings/wasm/pkg-node "$wasm"

# serde-wasm-bindgen sets each key of a map (a JSON value from the input: a repaired answer, a
# schema's properties) by assignment, `obj[key] = value`, and a key `__proto__` then replaces
# the result's prototype instead of becoming a key (a prototype pollution from model output).
# Its one setter in the glue defines that key as an own property instead; the build stops if
# wasm-bindgen's glue no longer has exactly that setter (tests/vectors/schema/own_keys.json).
for glue in bindings/wasm/pkg/breakwater_wasm_glue.js bindings/wasm/pkg-node/breakwater_wasm_glue.js; do
  if [ "$(grep -c '^ *arg0\[arg1\] = arg2;$' "$glue")" != 1 ]; then
    echo "build.sh: expected one map-key setter 'arg0[arg1] = arg2;' in $glue: see the __proto__ guard" >&2
    exit 1
  fi
  sed -i 's/^\( *\)arg0\[arg1\] = arg2;$/\1if (arg1 === "__proto__") Object.defineProperty(arg0, arg1, { value: arg2, writable: true, enumerable: true, configurable: true });\n\1else arg0[arg1] = arg2;/' "$glue"
done

# The raw wasm exports (`InitOutput`) are typed `any` by wasm-bindgen; nothing public should be.
sed -i '/^export interface InitOutput/,/^}/ s/\bany\b/unknown/g' bindings/wasm/pkg/breakwater_wasm_glue.d.ts

# The public names: every function and class of the core's description (the hand-written
# breaker included), and `surface` (wrap.mjs's `publicNames`, here read from the Node build).
names="$(node -e "
const d = JSON.parse(require('./bindings/wasm/pkg-node/breakwater_wasm_glue.js').__surface());
console.log([...d.functions.map((f) => f.js), ...d.classes.map((c) => c.js), 'surface',
  'fetch', 'GaveUpError', 'AttemptTimeoutError', 'StreamCutError', 'eventAttributes'].join(', '));
")"

cp bindings/wasm/js/wrap.mjs bindings/wasm/pkg/wrap.js
cp bindings/js/surface.mjs bindings/wasm/pkg/surface.js
cp bindings/js/fetch.mjs bindings/wasm/pkg/fetch.js
cp bindings/js/standing.mjs bindings/wasm/pkg/standing.js
# The web module cannot describe itself before init(): the description is read once here,
# from the Node build of the same wasm binary.
node -e "process.stdout.write('export default ' + require('./bindings/wasm/pkg-node/breakwater_wasm_glue.js').__surface() + ';\\n')" \
  > bindings/wasm/pkg/surface-description.js
cat > bindings/wasm/pkg/breakwater_wasm.js <<JS
// breakwater's WASM module (ES module, --target web): call \`init()\` (the default export) once.
import init, * as glue from './breakwater_wasm_glue.js';
import { install } from './wrap.js';

import description from './surface-description.js';

export const { $names } = install(glue, description);
export { initSync } from './breakwater_wasm_glue.js';
export default init;
JS
# The entry has the glue's public types (the hidden \`__bw*\` exports are not in them).
cp bindings/wasm/pkg/breakwater_wasm_glue.d.ts bindings/wasm/pkg/breakwater_wasm.d.ts

sed -e 's/^export function install/function install/' \
  -e "s#^import {\(.*\)} from './surface.js';#const {\1} = require('./surface.cjs');#" \
  -e "s#^import {\(.*\)} from './fetch.js';#const {\1} = require('./fetch.cjs');#" \
  -e "s#^import {\(.*\)} from './standing.js';#const {\1} = require('./standing.cjs');#" \
  bindings/wasm/js/wrap.mjs > bindings/wasm/pkg-node/wrap.cjs
echo 'module.exports = { install };' >> bindings/wasm/pkg-node/wrap.cjs
node bindings/js/to-cjs.mjs bindings/js/surface.mjs bindings/wasm/pkg-node/surface.cjs
node bindings/js/to-cjs.mjs bindings/js/fetch.mjs bindings/wasm/pkg-node/fetch.cjs
node bindings/js/to-cjs.mjs bindings/js/standing.mjs bindings/wasm/pkg-node/standing.cjs
cat > bindings/wasm/pkg-node/breakwater_wasm.js <<'JS'
'use strict';
// breakwater's WASM module for Node (CommonJS, --target nodejs), loaded synchronously.
module.exports = require('./wrap.cjs').install(require('./breakwater_wasm_glue.js'));
JS
cp bindings/wasm/pkg-node/breakwater_wasm_glue.d.ts bindings/wasm/pkg-node/breakwater_wasm.d.ts

# pkg/ is the publishable ES module package, with its README and licenses.
cp LICENSE-MIT LICENSE-APACHE bindings/wasm/pkg/
cat > bindings/wasm/pkg/README.md <<'MD'
# breakwater-wasm

The breakwater policy core for LLM API clients as a WebAssembly ES module, for browsers,
workers and Node: retries, deadlines, circuit breakers, rate limits, idempotency keys,
Structured Outputs schema checks, and a `fetch` for the openai SDK
(`new OpenAI({ maxRetries: 0, fetch: fetch('conservative') })`). Call the default export
(`init()`) once before anything else. The API: `docs/bindings.md` in the repository.
Licensed under either of MIT or Apache-2.0, at your option.
MD
cat > bindings/wasm/pkg/package.json <<JSON
{
  "name": "breakwater-wasm",
  "version": "$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)",
  "description": "breakwater's transport policy core as a WebAssembly ES module (browsers, workers, Node).",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "breakwater_wasm.js",
  "types": "breakwater_wasm.d.ts",
  "sideEffects": false,
  "files": ["breakwater_wasm.js", "breakwater_wasm.d.ts", "wrap.js", "surface.js", "fetch.js", "README.md", "LICENSE-MIT", "LICENSE-APACHE", "surface-description.js", "breakwater_wasm_glue.js", "breakwater_wasm_glue.d.ts", "breakwater_wasm_glue_bg.wasm", "breakwater_wasm_glue_bg.wasm.d.ts"]
}
JSON

raw=$(wc -c < bindings/wasm/pkg/breakwater_wasm_glue_bg.wasm)
gz=$(gzip -9c bindings/wasm/pkg/breakwater_wasm_glue_bg.wasm | wc -c)
echo "breakwater_wasm_glue_bg.wasm: $raw bytes ($gz bytes gzip -9)"
