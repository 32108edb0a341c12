#!/usr/bin/env bash
# Runs every test suite of breakwater on a fresh machine, installing what it needs.
# This is the README's test command; .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required: install Rust with rustup (https://rustup.rs) and rerun." >&2
  exit 1
fi

step "rust: format"
cargo fmt --all --check

step "rust: clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "rust: unit, property and vector tests"
cargo test --workspace --quiet

step "rust: benchmarks compile"
cargo bench -p breakwater --no-run --quiet

step "cli: the default scenario meets its targets"
cargo run --quiet -p breakwater-cli -- simulate --check >/dev/null
