#!/usr/bin/env python3
"""The straightforward Python splitter a team writes first: `split_py.py IN.jsonl OUT_DIR`.

json.loads every line, check custom_id/method/url/body.model, refuse duplicate ids, group by
(url, model), start a new file at 50,000 lines or 200 MB. No cost, no manifest.
"""
import json
import os
import sys

src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
seen = set()
open_files = {}
count = 0
with open(src, "rb") as f:
    for n, raw in enumerate(f, 1):
        req = json.loads(raw)
        cid = req["custom_id"]
        if cid in seen or req.get("method") != "POST" or "model" not in req.get("body", {}):
            raise SystemExit(f"line {n}: invalid")
        seen.add(cid)
        key = (req["url"], req["body"]["model"])
        entry = open_files.get(key)
        if entry is None or entry[1] >= 50_000 or entry[2] + len(raw) > 200_000_000:
            if entry:
                entry[0].close()
            count += 1
            entry = [open(os.path.join(out, f"batch-{count:04d}.jsonl"), "wb"), 0, 0]
            open_files[key] = entry
        entry[0].write(raw)
        entry[1] += 1
        entry[2] += len(raw)
for entry in open_files.values():
    entry[0].close()
