"""Checks the Python wheel as PyPI would take it: its name and tags, its metadata, its files.

    python scripts/check-wheel.py WHEEL

- the distribution is `breakwater-llm` (the PyPI name `breakwater` is another project's), the
  module `breakwater`;
- one abi3 wheel for every CPython from 3.10, tagged manylinux, and `auditwheel show` agrees
  that its symbols fit a manylinux policy no newer than the tag (glibc 2.17);
- the metadata has the README as its description, the SPDX license expression, the license
  files, URLs and classifiers; the wheel holds the typed package and no build output.
Exits 1 naming what is wrong.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

wheel = Path(sys.argv[1])
problems = []


def need(ok: bool, what: str) -> None:
    if not ok:
        problems.append(what)


m = re.fullmatch(r"breakwater_llm-([^-]+)-cp310-abi3-(.+)\.whl", wheel.name)
need(m is not None, f"wheel name {wheel.name}: expected breakwater_llm-VERSION-cp310-abi3-PLATFORM.whl")
platform = m.group(2) if m else ""
tagged = [int(v) for v in re.findall(r"manylinux_2_(\d+)", platform)]
need(bool(tagged), f"platform tag {platform!r} is not manylinux")

audit = subprocess.run([sys.executable, "-m", "auditwheel", "show", str(wheel)], capture_output=True, text=True)
fits = re.findall(r"manylinux_2_(\d+)", audit.stdout)
need(audit.returncode == 0 and bool(fits), f"auditwheel show failed:\n{audit.stdout}{audit.stderr}")
if fits and tagged:
    need(int(fits[0]) <= min(tagged), f"auditwheel: the symbols need manylinux_2_{fits[0]}, the tag says {platform}")

with zipfile.ZipFile(wheel) as z:
    names = z.namelist()
    meta_name = next((n for n in names if n.endswith(".dist-info/METADATA")), None)
    need(meta_name is not None, "no METADATA")
    meta = Parser().parsestr(z.read(meta_name).decode()) if meta_name else {}
licenses = [n for n in names if "/licenses/" in n]
need(meta.get("Name") == "breakwater-llm", f"Name: {meta.get('Name')}")
need(meta.get("License-Expression") == "MIT OR Apache-2.0", f"License-Expression: {meta.get('License-Expression')}")
need({Path(n).name for n in licenses} >= {"LICENSE-MIT", "LICENSE-APACHE"}, f"license files: {licenses}")
need(meta.get("Description-Content-Type", "").startswith("text/markdown"), "the README is not the description")
need("breakwater.httpx2" in (meta.get_payload() if hasattr(meta, "get_payload") else ""), "README text missing")
need(any(v.startswith("Repository,") for v in meta.get_all("Project-URL") or []), "no Repository URL")
need(len(meta.get_all("Classifier") or []) >= 5, "too few classifiers")
for path in ("breakwater/__init__.py", "breakwater/py.typed", "breakwater/_breakwater.pyi", "breakwater/httpx2.py"):
    need(path in names, f"{path} missing from the wheel")
need(any(re.fullmatch(r"breakwater/_breakwater\.abi3\.so", n) for n in names), "no breakwater/_breakwater.abi3.so")
need(not any("__pycache__" in n or n.endswith(".pyc") for n in names), "build output in the wheel")

if problems:
    print("check-wheel: " + "\n  ".join([f"{wheel.name}:"] + problems), file=sys.stderr)
    sys.exit(1)
print(f"check-wheel: {wheel.name} ok (auditwheel: consistent with manylinux_2_{fits[0]})")
