#!/usr/bin/env bash
# The WASM binding: builds the module (wasm-bindgen, --target web and nodejs) and runs its tests
# in Node, in a real headless Chromium (the shared vectors played in a page) and the browser
# example, installing what it needs on a fresh machine (skipping what is already there):
# the wasm32 target, wasm-bindgen-cli pinned to the crate's version (cached in .tools/),
# Debian chromium (apt-get, as root), and the npm packages (root `npm install`).
# Ends with one line: `wasm: N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

version="$(grep -oE '^wasm-bindgen = .*"=[0-9.]+"' bindings/wasm/Cargo.toml | grep -oE '[0-9]+\.[0-9]+\.[0-9]+')"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! [ -x .tools/bin/wasm-bindgen ] || ! .tools/bin/wasm-bindgen --version | grep -q " $version\$"; then
  step "cargo install wasm-bindgen-cli $version (into .tools/, cached)"
  # Not --locked: a locked dependency is newer than the registry mirror has (TOOLCHAIN.md).
  cargo install wasm-bindgen-cli --version "$version" --root .tools
fi

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "apt-get install chromium"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
  else
    echo "Chromium is not installed and this is not root: install it with" >&2
    echo "  sudo apt-get install -y chromium" >&2
    echo "(the Chromium tests will fail until then)" >&2
  fi
fi

want_pw="$(sed -n 's/.*"playwright-core": "\(.*\)".*/\1/p' bindings/wasm/package.json)"
have_pw="$(node -p "try { require('./node_modules/playwright-core/package.json').version } catch { '' }" 2>/dev/null || true)"
if [ "$have_pw" != "$want_pw" ]; then
  step "npm install (playwright-core $want_pw)"
  npm install --no-audit --no-fund
fi

step "wasm: build pkg/ (--target web) and pkg-node/ (--target nodejs)"
bash bindings/wasm/build.sh

step "wasm: node --test (vectors and API in Node, vectors in Chromium, the browser example)"
log="$(mktemp)"
status=0
node --test --test-reporter=tap \
  bindings/wasm/test/*.test.mjs examples/browser/*.test.mjs examples/schema/*.test.mjs examples/realtime/*.test.mjs 2>&1 | tee "$log" || status=$?
passed="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$log" | tail -n 1)"
failed="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$log" | tail -n 1)"
rm -f "$log"
passed="${passed:-0}"
failed="${failed:-0}"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # the runner itself failed (a crash before any test reported)
fi

echo
echo "wasm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
