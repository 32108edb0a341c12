#!/usr/bin/env bash
# Fetches JSON-Schema-Test-Suite (draft 2020-12 and draft-07, with its remotes) from the
# `jsonschema` sdist on PyPI into target/schema-suite/, where every runtime's suite test reads
# it. Without network the tests skip with a message; this script then exits 0 all the same.
set -euo pipefail
cd "$(dirname "$0")/.."

version=4.26.0
out=target/schema-suite
if [ -f "$out/.version" ] && [ "$(cat "$out/.version")" = "$version" ]; then
  exit 0
fi
python=.venv/bin/python
[ -x "$python" ] || python=python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if ! "$python" -m pip download --quiet --no-binary :all: --no-deps "jsonschema==$version" -d "$tmp" 2>"$tmp/err"; then
  echo "schema-suite: could not download the jsonschema $version sdist; the suite tests will skip" >&2
  sed 's/^/  /' "$tmp/err" >&2
  exit 0
fi
tar -xzf "$tmp/jsonschema-$version.tar.gz" -C "$tmp" "jsonschema-$version/json/tests/draft2020-12" \
  "jsonschema-$version/json/tests/draft7" "jsonschema-$version/json/remotes"
rm -rf "$out"
mkdir -p "$out"
mv "$tmp/jsonschema-$version/json/tests" "$tmp/jsonschema-$version/json/remotes" "$out/"
echo "$version" >"$out/.version"
echo "schema-suite: JSON-Schema-Test-Suite from jsonschema $version in $out"
