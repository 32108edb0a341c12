#!/usr/bin/env python3
"""Batch planning throughput and memory: `bench.py BREAKWATER_BIN WORK_DIR [SIZE_MB[:SHAPE] ...]`.

For each input (a size in MB and a shape of gen.py: `chat` or `short`), one run each of `split -l 50000` (coreutils: no parsing, no checks), the
Python splitter (split_py.py) and `breakwater batch plan`, in the same run; wall time from the
clock, peak RSS of each process from wait4(2). Prints a markdown table with throughput and
the ratios the issue sets targets on.
"""
import os
import shutil
import subprocess
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
binary, work = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
inputs = [(int(a.split(":")[0]), (a.split(":") + ["chat"])[1]) for a in sys.argv[3:]] or [(1000, "chat")]


def run(cmd, cwd=None):
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed: {err}")
    return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # KiB -> MiB


print("| input | tool | wall time | CPU time | throughput (wall) | peak RSS | vs split (wall, CPU) | vs Python (wall, CPU) |")
print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
for mb, shape in inputs:
    src = os.path.join(work, f"requests-{shape}-{mb}mb.jsonl")
    subprocess.run([sys.executable, os.path.join(here, "gen.py"), src, str(mb), shape], check=True)
    size = os.path.getsize(src) / 1e6
    lines = sum(1 for _ in open(src, "rb"))
    subprocess.run(["cat", src], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    tools = [
        ("split -l 50000", ["split", "-l", "50000", src, "part-"], "split"),
        ("Python json.loads splitter", [sys.executable, os.path.join(here, "split_py.py"), src, "."], "python"),
        ("breakwater batch plan", [binary, "batch", "plan", src, "--out", ".", "--json"], "breakwater"),
    ]
    runs = {name: [] for name, _, _ in tools}
    for _ in range(3):
        for name, cmd, cwd in tools:
            out = os.path.join(work, "out", cwd)
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(out)
            os.sync()
            runs[name].append(run(cmd, cwd=out))
            shutil.rmtree(out, ignore_errors=True)
    results = {name: sorted(r)[1] for name, r in runs.items()}
    base, py = results["split -l 50000"], results["Python json.loads splitter"]
    for name, (t, cpu, rss) in results.items():
        print(f"| {shape}, {size:.0f} MB, {lines:,} lines | {name} | {t:.2f} s | {cpu:.2f} s | {size / t:.0f} MB/s "
              f"| {rss:.0f} MB | {base[0] / t:.2f}x, {base[1] / cpu:.2f}x | {py[0] / t:.1f}x, {py[1] / cpu:.1f}x |")
