#!/usr/bin/env bash
# Runs every test suite of breakwater on a fresh machine, installing what it needs.
# This is the README's test command; .ci/run calls exactly this script.
set -euo pipefail
shopt -s lastpipe # `cmd | count` updates the totals in this shell
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# Every suite's pass/fail counts, summed into the closing line; and each runtime's
# "vector counts: RUNTIME N vectors M steps" line, compared at the end.
passed=0
failed=0
vector_counts=$(mktemp)
trap 'rm -f "$vector_counts"' EXIT
count() { # echoes a suite's output and adds the counts of its closing "SUITE: N passed, M failed" line
  local log line
  log=$(mktemp)
  tee "$log"
  grep -oE 'vector counts: [a-z-]+ [0-9]+ vectors [0-9]+ steps' "$log" >>"$vector_counts" || true
  line=$(grep -E '^[a-z0-9_-]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "test.sh: the suite printed no closing 'N passed, M failed' line" >&2
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + $(sed -E 's/.*: ([0-9]+) passed.*/\1/' <<<"$line")))
  failed=$((failed + $(sed -E 's/.*passed, ([0-9]+) failed.*/\1/' <<<"$line")))
}

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required: install Rust with rustup (https://rustup.rs) and rerun." >&2
  exit 1
fi

for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    step "rustup component add $component"
    rustup component add "$component"
  fi
done

step "rust: format"
cargo fmt --all --check

step "rust: clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "schema suite: JSON-Schema-Test-Suite from the jsonschema sdist (skipped without network)"
./scripts/schema-suite.sh

step "rust: unit, property and vector tests"
cargo test --workspace --quiet 2>&1 | tee /dev/stderr |
  awk '/^test result:/ { p += $4; f += $6 } /vector counts:/ { print }
       END { printf "rust: %d passed, %d failed\n", p, f }' | count

step "rust: benchmarks compile"
cargo bench -p breakwater --no-run --quiet

step "cli: every scenario of the library meets its targets on three seeds; the README shows the command's output"
cargo build --quiet -p breakwater-cli
cli="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/debug/breakwater"
python3 scripts/docs.py --check --cli "$cli" # runs `simulate --all --check` on the library's own seeds
for seed in 1 2; do
  "$cli" simulate --all --check --seed "$seed" >/dev/null
done

step "python: binding, vectors, example with the real openai SDK"
./scripts/test-python.sh 2>&1 | count

step "node: binding, vectors, example with the real openai SDK"
./scripts/test-node.sh 2>&1 | count

step "wasm: module in Node and in headless Chromium, browser example"
./scripts/test-wasm.sh 2>&1 | count

step "vectors: every runtime played the same vectors and steps"
runtimes="rust python node wasm-node wasm-chromium"
sed 's/^vector counts: //' "$vector_counts"
for runtime in $runtimes; do
  if ! grep -q "^vector counts: $runtime " "$vector_counts"; then
    echo "test.sh: the $runtime vector runner printed no counts" >&2
    failed=$((failed + 1))
  fi
done
if [ "$(sed -E 's/^vector counts: [a-z-]+ //' "$vector_counts" | sort -u | wc -l)" -ne 1 ]; then
  echo "test.sh: the runtimes played different numbers of vectors or steps" >&2
  failed=$((failed + 1))
fi

echo
echo "breakwater: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
