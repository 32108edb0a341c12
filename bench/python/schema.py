"""Validating model output: breakwater's Python binding against jsonschema, fastjsonschema and
jsonschema_rs, each given the same text (as the API returns it) and doing its own parse.

    .venv/bin/python bench/python/schema.py CASES_DIR [--quick]

CASES_DIR holds bench/schema/cases.py's output. Every validator is compiled once, outside the
loop; each row validates the same 1 KB, 20 KB or 200 KB output. Prints a markdown table of
µs per validation and the ratio peer / breakwater, all measured in this run (the loops take
turns, best of several repeats). Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path
from typing import Callable, List

import fastjsonschema
import jsonschema
import jsonschema_rs

import breakwater as bw

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 7
BUDGET_S = 0.05 if QUICK else 0.3  # per loop per repeat


def best_us(*loops: Callable[[], object]) -> List[float]:
    """µs per call of each loop: the best of REPEATS, the loops taking turns in every repeat."""
    counts = []
    for loop in loops:  # warm up, and size each loop to about BUDGET_S
        t0 = time.perf_counter()
        n = 0
        while time.perf_counter() - t0 < BUDGET_S / 5:
            loop()
            n += 1
        counts.append(max(3, n * 5))
    best = [float("inf")] * len(loops)
    for _ in range(REPEATS):
        for k, loop in enumerate(loops):
            n = counts[k]
            t0 = time.perf_counter_ns()
            for _ in range(n):
                loop()
            best[k] = min(best[k], (time.perf_counter_ns() - t0) / n / 1000)
    return best


def main() -> None:
    cases = Path(next(a for a in sys.argv[1:] if not a.startswith("--")))
    schema = json.loads((cases / "schema.json").read_text())
    ours = bw.SchemaValidator(schema)
    reference = jsonschema.Draft202012Validator(schema)
    fast = fastjsonschema.compile(schema)
    rs = jsonschema_rs.validator_for(schema)
    print(f"Python {platform.python_version()}, breakwater {bw.__version__}, jsonschema {jsonschema.__version__}, "
          f"fastjsonschema {fastjsonschema.VERSION}, jsonschema_rs {getattr(jsonschema_rs, '__version__', '?')}; "
          f"best of {REPEATS}, µs per validation of the text (parse included)\n")
    print("| output | breakwater `validate_text` | jsonschema | fastjsonschema | jsonschema_rs | vs jsonschema | vs fastjsonschema | vs jsonschema_rs |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in ("1kb", "20kb", "200kb"):
        text = (cases / f"{name}.json").read_text()
        # Every validator must agree the output is valid, or the row measures nothing.
        assert ours.validate_text(text)["valid"] and reference.is_valid(json.loads(text))
        assert rs.is_valid(json.loads(text))
        fast(json.loads(text))
        a, b, c, d = best_us(
            lambda: ours.validate_text(text),
            lambda: reference.is_valid(json.loads(text)),
            lambda: fast(json.loads(text)),
            lambda: rs.is_valid(json.loads(text)),
        )
        size = f"{len(text) / 1000:.0f} KB" if len(text) >= 2000 else f"{len(text)} B"
        print(f"| {size} | {a:.1f} | {b:.1f} | {c:.1f} | {d:.1f} | {b / a:.0f}x | {c / a:.1f}x | {d / a:.2f}x |")


if __name__ == "__main__":
    main()
