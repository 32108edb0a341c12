#!/usr/bin/env python3
"""Generates a batch input of realistic chat requests: `gen.py OUT.jsonl SIZE_MB [SHAPE] [SEED]`.

SHAPE `chat` (about 3.7 KB a line): three models, two endpoints (Chat Completions,
Responses), a system prompt, 1-6 conversation turns of varied length (prose, JSON snippets,
non-ASCII text), an output cap. SHAPE `short` (about 400 bytes a line): one short
classification prompt per request, the common shape of a labelling job. Ids are unique.
Deterministic for a seed; skipped when OUT already has the size.
"""
import json
import os
import random
import sys

out, size_mb = sys.argv[1], int(sys.argv[2])
shape = sys.argv[3] if len(sys.argv) > 3 else "chat"
seed = int(sys.argv[4]) if len(sys.argv) > 4 else 7
target = size_mb * 1_000_000
if os.path.exists(out) and abs(os.path.getsize(out) - target) < 2_000_000:
    sys.exit(0)

rng = random.Random(seed)
words = ("invoice customer refund shipment delayed warehouse order total amount currency priority "
         "ticket summary escalate resolve café naïve 東京 données résumé status pending approved").split()
models = ["gpt-4o-mini", "gpt-4.1-nano", "gpt-4o"]
system = "You are a support triage assistant. Answer in JSON with keys category, urgency, reply."


def text(n):
    return " ".join(rng.choice(words) for _ in range(n))


os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
written, i = 0, 0
with open(out + ".tmp", "w", encoding="utf-8") as f:
    while written < target:
        turns = [{"role": "system", "content": system}]
        for t in range(rng.randint(1, 6) if shape == "chat" else 0):
            content = text(rng.randint(10, 220))
            if rng.random() < 0.2:
                content += " " + json.dumps({"order": rng.randint(1, 10**6), "items": [text(3) for _ in range(3)]})
            turns.append({"role": "user" if t % 2 == 0 else "assistant", "content": content})
        if shape == "short":
            turns = [{"role": "user", "content": "Label this ticket: " + text(rng.randint(5, 40))}]
        model = models[i % 3]
        if i % 5 == 4:
            line = {"custom_id": f"req-{i:08d}", "method": "POST", "url": "/v1/responses",
                    "body": {"model": model, "input": turns, "max_output_tokens": 400}}
        else:
            line = {"custom_id": f"req-{i:08d}", "method": "POST", "url": "/v1/chat/completions",
                    "body": {"model": model, "messages": turns, "max_tokens": 400, "temperature": 0.2}}
        s = json.dumps(line, ensure_ascii=False) + "\n"
        f.write(s)
        written += len(s.encode("utf-8"))
        i += 1
os.replace(out + ".tmp", out)
