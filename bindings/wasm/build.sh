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
"$bindgen" --target web --remove-name-section --out-dir bindings/wasm/pkg "$wasm"
"$bindgen" --target nodejs --remove-name-section --out-dir bindings/wasm/pkg-node "$wasm"

# The raw wasm exports (`InitOutput`) are typed `any` by wasm-bindgen; nothing public should be.
sed -i '/^export interface InitOutput/,/^}/ s/\bany\b/unknown/g' bindings/wasm/pkg/breakwater_wasm.d.ts

# pkg/ is the publishable ES module package.
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
  "files": ["breakwater_wasm.js", "breakwater_wasm.d.ts", "breakwater_wasm_bg.wasm", "breakwater_wasm_bg.wasm.d.ts"]
}
JSON

raw=$(wc -c < bindings/wasm/pkg/breakwater_wasm_bg.wasm)
gz=$(gzip -9c bindings/wasm/pkg/breakwater_wasm_bg.wasm | wc -c)
echo "breakwater_wasm_bg.wasm: $raw bytes ($gz bytes gzip -9)"
