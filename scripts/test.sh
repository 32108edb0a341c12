#!/usr/bin/env bash
# Runs every test suite of breakwater on a fresh machine, installing what it needs.
# This is the README's test command; .ci/run calls exactly this script.
set -euo pipefail
shopt -s lastpipe # `cmd | count` updates the totals in this shell
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

# Every suite's pass/fail counts, summed into the closing line.
passed=0
failed=0
count() { # reads a runner's output, echoes it, adds its "N passed; M failed" counts
  local log
  log=$(mktemp)
  tee "$log"
  passed=$((passed + $(grep -oE '[0-9]+ passed' "$log" | awk '{s+=$1} END {print s+0}')))
  failed=$((failed + $(grep -oE '[0-9]+ failed' "$log" | awk '{s+=$1} END {print s+0}')))
  rm -f "$log"
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

step "rust: unit, property and vector tests"
cargo test --workspace --quiet 2>&1 | count

step "rust: benchmarks compile"
cargo bench -p breakwater --no-run --quiet

step "cli: the default scenario meets its targets"
cargo run --quiet -p breakwater-cli -- simulate --check >/dev/null

echo
echo "breakwater: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
