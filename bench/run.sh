#!/usr/bin/env bash
# Every benchmark, one command: the Rust core (criterion) and each runtime side by side with
# its peer libraries, measured in one run per runtime. Results are printed, never asserted.
# Needs the bindings built (./scripts/test.sh builds them all).
set -euo pipefail
cd "$(dirname "$0")/.."

# The peers of the schema benchmarks, pinned (the test command installs the others).
.venv/bin/python -m pip install --quiet jsonschema==4.26.0 fastjsonschema==2.22.3 jsonschema-rs==0.60.3
# The schema benchmarks' inputs: one strict schema, model outputs of 1 KB, 20 KB and 200 KB.
cases=target/bench-schema
python3 bench/schema/cases.py "$cases"

echo "## Rust core (criterion)"
echo "| operation | time per call |"
echo "| --- | ---: |"
cargo bench -p breakwater --bench decisions --bench schema -- --warm-up-time 1 --measurement-time 3 2>/dev/null |
  awk '/^[a-z]/ { name = $0 } /time:/ { gsub(/\[|\]/, ""); printf "| %s | %s %s |\n", name, $4, $5 }'

echo
echo "## Python"
.venv/bin/python bench/python/bench.py

echo
echo "## Node"
node bench/node/bench.mjs

echo
echo "## The SDK integrations: what breakwater adds to a request (Python httpx2 transport, Node fetch)"
.venv/bin/python bench/python/integration.py
echo
node bench/node/integration.mjs

echo
echo "## WASM (in Node)"
node bench/wasm/bench.mjs

echo
echo "## Schema validation: Python"
.venv/bin/python bench/python/schema.py "$cases"

echo
echo "## Schema validation: Node (addon and WASM)"
node bench/node/schema.mjs "$cases"

echo
echo "## Schema validation: WASM in Chromium"
node bench/wasm/schema-browser.mjs "$cases"

echo
echo "## Batch planning (1 GB of chat requests and of short ones; 250 MB for RSS flatness)"
cargo build --release -p breakwater-cli --quiet
python3 bench/batch/bench.py target/release/breakwater target/bench-batch 250:chat 1000:chat 1000:short
