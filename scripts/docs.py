#!/usr/bin/env python3
"""Regenerates what the docs show of the `breakwater` command's output, from the command.

Every README block between `<!-- begin: breakwater ARGS -->` and `<!-- end: breakwater -->`
is replaced by the stdout of `breakwater ARGS`, and docs/storm.svg by `simulate --svg`.
With --check nothing is written: the script exits 1 naming what is stale, so numbers in
the docs cannot drift from what the code does.

    python3 scripts/docs.py [--check] [--cli target/release/breakwater]
"""

import argparse
import difflib
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BLOCK = re.compile(
    r"(<!-- begin: breakwater (?P<args>[^>]*?) -->\n)(?P<body>.*?)(<!-- end: breakwater -->)", re.S
)


def run(cli: str, args: list[str]) -> str:
    done = subprocess.run([cli, *args], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"docs: `breakwater {' '.join(args)}` failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 when stale")
    parser.add_argument("--cli", default=str(ROOT / "target/release/breakwater"))
    opts = parser.parse_args()

    stale = []
    readme = ROOT / "README.md"
    text = readme.read_text()

    def fill(m: re.Match) -> str:
        output = run(opts.cli, shlex.split(m["args"]))
        return f"{m.group(1)}```text\n{output}```\n{m.group(4)}"

    fresh = BLOCK.sub(fill, text)
    if fresh != text:
        stale.append("README.md")
        diff = difflib.unified_diff(text.splitlines(), fresh.splitlines(), "README.md", "generated", lineterm="")
        print("\n".join(list(diff)[:60]), file=sys.stderr)

    svg = ROOT / "docs/storm.svg"
    with tempfile.TemporaryDirectory() as tmp:
        drawn = Path(tmp) / "storm.svg"
        run(opts.cli, ["simulate", "--svg", str(drawn)])
        chart = drawn.read_text()
    if not svg.exists() or svg.read_text() != chart:
        stale.append("docs/storm.svg")

    if opts.check:
        if stale:
            print(f"docs: stale, regenerate with `python3 scripts/docs.py`: {', '.join(stale)}", file=sys.stderr)
            return 1
        print("docs: README tables and docs/storm.svg match the command")
        return 0
    readme.write_text(fresh)
    svg.write_text(chart)
    print(f"docs: regenerated {', '.join(stale) or 'nothing (already current)'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
