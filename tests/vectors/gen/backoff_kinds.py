"""Generates tests/vectors/transport/backoff_*.json: every jitter kind with a fixed seed.

The expected delays come from the published formulas, written here
independently of the Rust code (AWS Architecture Blog "Exponential Backoff And
Jitter", openai-python `_calculate_retry_timeout`, Polly v8
`DecorrelatedJitterBackoffV2`, gRPC A6), fed breakwater's SplitMix64 draws.

    python3 tests/vectors/gen/backoff_kinds.py
"""

import json
import math
import pathlib

from splitmix64 import SplitMix64

CASES = {
    # kind: (config, seed)
    "none": ({"base_ms": 100, "multiplier": 2.0, "max_ms": 5000, "jitter": "none"}, 1),
    "full": ({"base_ms": 25, "multiplier": 2.0, "max_ms": 250, "jitter": "full"}, 2),  # Envoy's defaults
    "equal": ({"base_ms": 100, "multiplier": 2.0, "max_ms": 5000, "jitter": "equal"}, 3),
    "decorrelated": ({"base_ms": 100, "multiplier": 2.0, "max_ms": 3000, "jitter": "decorrelated"}, 4),
    "proportional": ({"base_ms": 500, "multiplier": 2.0, "max_ms": 8000, "jitter": "proportional", "jitter_factor": 0.25}, 5),
    "decorrelated_v2": ({"base_ms": 1000, "multiplier": 2.0, "max_ms": 60000, "jitter": "decorrelated_v2"}, 6),
    "grpc": ({"base_ms": 1000, "multiplier": 1.6, "max_ms": 120000, "jitter": "grpc"}, 7),  # gRPC connection backoff numbers
}
RETRIES = [0, 1, 2, 3, 4, 5, 6, 10, 1000]


def delays(kind, cfg, seed):
    rng = SplitMix64(seed)
    base, mult, cap = cfg["base_ms"], cfg["multiplier"], cfg["max_ms"]
    prev = float(base) if kind == "decorrelated" else 0.0
    out = []
    for n in RETRIES:
        d = min(base * math.pow(mult, min(n, 1000)), cap) if math.pow(mult, min(n, 1000)) < 1e300 else float(cap)
        r = 0.0 if kind == "none" else rng.next_f64()
        if kind == "none":
            x = d
        elif kind == "full":
            x = r * d
        elif kind == "equal":
            x = d / 2 + r * (d / 2)
        elif kind == "decorrelated":
            hi = max(prev * 3, base)
            x = min(base + r * (hi - base), cap)
            prev = x
        elif kind == "proportional":
            x = d * (1 - cfg["jitter_factor"] * r)
        elif kind == "decorrelated_v2":
            t = min(n, 1000) + r
            nxt = math.pow(2, t) * math.tanh(math.sqrt(4 * t)) if t < 1000 else math.inf
            if math.isinf(nxt):
                x = cap
            else:
                x = min((nxt - prev) * (1 / 1.4) * base, cap)
                prev = nxt
        elif kind == "grpc":
            x = d * (0.8 + 0.4 * r)
        out.append(max(0, math.ceil(x)))
    return out


def main():
    out_dir = pathlib.Path(__file__).resolve().parent.parent / "transport"
    for kind, (cfg, seed) in CASES.items():
        steps = [
            {"op": "next_delay", "args": {"retries_taken": n}, "expect": {"delay_ms": d}}
            for n, d in zip(RETRIES, delays(kind, cfg, seed))
        ]
        v = {
            "name": f"backoff with {kind} jitter, seed {seed}",
            "component": "backoff",
            "description": "Expected delays from the published formula (tests/vectors/gen/backoff_kinds.py), "
                           "rounded up to whole ms; the last step checks a huge retry count stays capped.",
            "config": cfg,
            "seed": seed,
            "steps": steps,
        }
        (out_dir / f"backoff_{kind}.json").write_text(json.dumps(v, indent=2) + "\n")


if __name__ == "__main__":
    main()
