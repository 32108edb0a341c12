#!/usr/bin/env bash
# The Node binding (napi-rs): installs the npm workspace (root package-lock.json), builds the
# addon, and runs with `node --test` its API tests, every shared vector through the shared JS
# runner (tests/js/vectors.mjs), and the example with the real openai SDK against a local
# fault-injecting server (again under openai-node 7.x). Skips what is already installed.
# Ends with one line: `node: N passed, M failed`; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "apt-get install nodejs npm"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y nodejs npm
  else
    echo "Node.js >= 20.17 and npm are required (sudo apt-get install -y nodejs npm)" >&2
    echo "node: 0 passed, 1 failed"
    exit 1
  fi
fi

# npm ci when the lockfile matches; npm install otherwise (a workspace changed its package.json).
# Skipped when node_modules is newer than the lockfile and every workspace's package.json.
stamp=node_modules/.package-lock.json
fresh=1
for f in package-lock.json package.json bindings/*/package.json examples/*/package.json bench/*/package.json; do
  if [ -f "$f" ] && { [ ! -f "$stamp" ] || [ "$f" -nt "$stamp" ]; }; then fresh=0; fi
done
if [ "$fresh" = 0 ]; then
  step "npm install (workspace root)"
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund || npm install --no-audit --no-fund
  else
    npm install --no-audit --no-fund
  fi
fi

step "build the napi addon (release)"
npm run build --workspace bindings/node

step "node --test: binding API, shared vectors, example"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
node --test --test-reporter=tap bindings/node/test/ examples/node/ 2>&1 | tee "$log" || status=$?
# The example again under the newest major of the SDK (openai-node 7.x, installed as
# `openai-7`; it asks for Node 22 and runs on 20 as well).
step "node --test: example under openai-node 7.x"
BREAKWATER_OPENAI=openai-7 node --test --test-reporter=tap examples/node/ 2>&1 | tee -a "$log" || status=$?
pass=$(grep -E '^# pass [0-9]+' "$log" | awk '{s += $3} END {print s + 0}')
fail=$(grep -E '^# fail [0-9]+' "$log" | awk '{s += $3} END {print s + 0}')
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "node: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
