"""Prints how many shared vectors and steps this runtime played (test_vectors.PLAYED), as the
line `vector counts: python N vectors M steps` that the test command compares across runtimes."""

from __future__ import annotations

import sys
from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    played = sys.modules.get("test_vectors")
    if played is None:
        return
    counts = played.PLAYED
    terminalreporter.write_line(f"vector counts: python {counts['vectors']} vectors {counts['steps']} steps")
