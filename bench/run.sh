#!/usr/bin/env bash
# Every benchmark, one command: the Rust core (criterion) and each runtime side by side with
# its peer libraries, measured in one run per runtime. Results are printed, never asserted.
# Needs the bindings built (./scripts/test.sh builds them all).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "## Rust core (criterion)"
echo "| operation | time per call |"
echo "| --- | ---: |"
cargo bench -p breakwater --bench decisions -- --warm-up-time 1 --measurement-time 3 2>/dev/null |
  awk '/^[a-z]/ { name = $0 } /time:/ { gsub(/\[|\]/, ""); printf "| %s | %s %s |\n", name, $4, $5 }'

echo
echo "## Python"
.venv/bin/python bench/python/bench.py

echo
echo "## Node"
node bench/node/bench.mjs

echo
echo "## WASM (in Node)"
node bench/wasm/bench.mjs
