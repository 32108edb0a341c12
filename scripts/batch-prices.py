#!/usr/bin/env python3
"""Regenerates core/src/batch/prices.json, the price table embedded in the batch planner.

Source: LiteLLM's `model_prices_and_context_window_backup.json` (the table LiteLLM's cost
tracking reads), from the wheel named on the command line:

    pip download --no-deps litellm==1.110.2 -d /tmp/litellm
    python3 scripts/batch-prices.py /tmp/litellm/litellm-1.110.2-*.whl 2026-12-04

Kept: OpenAI and Anthropic chat, responses and embedding models, by their plain names.
Prices are USD per 1M tokens; `batch_*` only where LiteLLM lists a batch price (otherwise the
planner applies the table's 50 % batch discount).
"""
import json
import re
import sys
import zipfile

wheel, date = sys.argv[1], sys.argv[2]
version = re.search(r"litellm-([0-9.]+)-", wheel).group(1)
with zipfile.ZipFile(wheel) as z:
    table = json.loads(z.read("litellm/model_prices_and_context_window_backup.json"))


def per_million(entry, key):
    value = entry.get(key)
    return None if value is None else round(value * 1e6, 6)


models = {}
for name, entry in sorted(table.items()):
    if name == "sample_spec" or "/" in name or ":" in name:
        continue
    if entry.get("litellm_provider") not in ("openai", "anthropic"):
        continue
    if entry.get("mode") not in ("chat", "responses", "embedding", "completion"):
        continue
    price = {"input": per_million(entry, "input_cost_per_token"), "output": per_million(entry, "output_cost_per_token") or 0.0}
    if price["input"] is None:
        continue
    for ours, theirs in (
        ("cached_input", "cache_read_input_token_cost"),
        ("cache_write_input", "cache_creation_input_token_cost"),
        ("cache_write_1h_input", "cache_creation_input_token_cost_above_1hr"),
        ("batch_input", "input_cost_per_token_batches"),
        ("batch_output", "output_cost_per_token_batches"),
    ):
        value = per_million(entry, theirs)
        if value is not None:
            price[ours] = value
    models[name] = price

out = {
    "date": date,
    "source": f"LiteLLM {version} model_prices_and_context_window_backup.json",
    "batch_discount": 0.5,
    "models": models,
}
with open("core/src/batch/prices.json", "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print(len(models), "models")
