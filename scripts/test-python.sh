#!/usr/bin/env bash
# The Python suite: builds the binding (pyo3 + maturin, release) into a venv and runs the
# vector, error, runtime and example tests. Installs what it needs, skipping what is there.
# Ends with one line: `python: N passed, M failed`; exits non-zero on any failure.
#
#   scripts/test-python.sh            # venv at .venv (BREAKWATER_VENV overrides)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${BREAKWATER_VENV:-.venv}
# Pinned build, test and example dependencies (maturin, zig as the linker that targets glibc
# 2.17, auditwheel; the SDK the integrations drive, plain httpx for the older transport,
# OpenTelemetry for the hook, the benchmark's peers).
PINS=(maturin==1.16.0 ziglang==0.14.1 auditwheel==6.8.2 pytest==9.2.0 mypy==2.4.1 openai==3.63.0 httpx==0.28.1 opentelemetry-sdk==1.45.2 pybreaker==1.4.1 tenacity==9.2.1)
# A second venv runs the SDK example again under the newest openai-python 2.x, which builds
# its client on plain httpx: the `breakwater.httpx` transports under a real SDK.
VENV2=${VENV%/}-openai2
PINS2=(pytest==9.2.0 openai==2.54.0 httpx==0.28.1)

step() { printf '\n==> %s\n' "$*"; }
fail() {
  echo "$*" >&2
  echo "python: 0 passed, 1 failed"
  exit 1
}

command -v cargo >/dev/null 2>&1 || fail "cargo is required: install Rust with rustup (https://rustup.rs)."
PYTHON=$(command -v python3 || true)
[ -n "$PYTHON" ] || fail "python3 (3.10 or later) is required."

if [ ! -x "$VENV/bin/python" ]; then
  step "python: create $VENV"
  "$PYTHON" -m venv "$VENV" || fail "python3 -m venv failed (Debian: apt-get install python3-venv)."
fi
VENV=$(cd "$VENV" && pwd)
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH" # the build backend runs the venv's `maturin`

# Installs into the venv of python $1 the pins among the rest that it does not have.
pin() {
  local py=$1 missing=() p name want have
  shift
  for p in "$@"; do
    name=${p%%==*}
    want=${p##*==}
    have=$("$py" -c "import importlib.metadata as m; print(m.version('$name'))" 2>/dev/null || true)
    [ "$have" = "$want" ] || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    step "python: install ${missing[*]} ($py)"
    "$py" -m pip install --quiet --disable-pip-version-check "${missing[@]}"
  fi
}
pin "$PY" "${PINS[@]}"

# The wheel a registry would take (abi3, manylinux2014, the metadata), built once by the pinned
# maturin in the workspace's target/ (shared with cargo), checked, then installed. Linked by
# zig against glibc 2.17: the host's own glibc would tag it only for machines as new as this.
step "python: build the wheel (release), check it (auditwheel, metadata) and install it"
wheels=$(mktemp -d)
"$VENV/bin/maturin" build --release --zig -m bindings/python/Cargo.toml --interpreter "$PY" --out "$wheels" ||
  fail "building the wheel failed."
wheel=$(ls "$wheels"/*.whl)
"$PY" scripts/check-wheel.py "$wheel" || fail "the wheel is not fit to publish."
# A venv from before the rename holds the same package as the distribution `breakwater`.
"$PY" -m pip uninstall --quiet --yes breakwater >/dev/null 2>&1 || true
"$PY" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel" ||
  fail "installing the wheel failed."
[ -x "$VENV2/bin/python" ] || "$PYTHON" -m venv "$VENV2" || fail "python3 -m venv $VENV2 failed."
PY2="$VENV2/bin/python"
pin "$PY2" "${PINS2[@]}"
"$PY2" -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall "$wheel" ||
  fail "installing the wheel into $VENV2 failed."
rm -rf "$wheels"

report=$(mktemp)
report2=$(mktemp)
trap 'rm -f "$report" "$report2"' EXIT
rc=0
# pytest's own tally is reworded so that only the closing line below reads "N passed".
run_pytest() {
  local py=$1 junit=$2
  shift 2
  set +e
  "$py" -m pytest -p no:cacheprovider -q --junitxml="$junit" "$@" 2>&1 |
    sed -E 's/\b([0-9]+) (passed|failed|errors?|skipped)\b/\2: \1/g'
  [ "${PIPESTATUS[0]}" -eq 0 ] || rc=1
  set -e
}
step "python: pytest bindings/python/tests examples/python"
run_pytest "$PY" "$report" bindings/python/tests examples/python
step "python: pytest examples/python/test_example.py under openai-python 2.x (httpx)"
run_pytest "$PY2" "$report2" examples/python/test_example.py

read -r passed failed < <("$PY" - "$report" "$report2" <<'EOF'
import sys
import xml.etree.ElementTree as ET

tests = bad = skipped = 0
for path in sys.argv[1:]:
    try:
        root = ET.parse(path).getroot()
    except Exception:
        print(0, 1)
        raise SystemExit
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    tests += sum(int(s.get("tests", 0)) for s in suites)
    bad += sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped += sum(int(s.get("skipped", 0)) for s in suites)
# A skipped test is a test that did not pass: the suite counts it as failed.
print(tests - bad - skipped, bad + skipped)
EOF
)
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1 # pytest itself failed (collection, crash)
fi

echo
echo "python: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
