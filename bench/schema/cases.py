"""The shared inputs of the schema benchmarks: one realistic strict schema (a document
extraction: entities with spans, nested metadata, enums, nullable fields, a recursive outline)
and model outputs of about 1 KB, 20 KB and 200 KB that match it, written as the API returns
them (compact JSON text). Deterministic: every runtime's bench reads the same files.

    python3 bench/schema/cases.py OUT_DIR      # writes schema.json, 1kb.json, 20kb.json, 200kb.json
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path


def obj(properties: dict) -> dict:
    return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}


SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "span": obj({"start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0}}),
        "section": obj({
            "heading": {"type": "string"},
            "children": {"type": "array", "items": {"$ref": "#/$defs/section"}},
        }),
    },
    **obj({
        "id": {"type": "string", "pattern": "^doc-[0-9a-f]{8}$"},
        "title": {"type": "string"},
        "language": {"type": "string", "enum": ["en", "de", "fr", "es", "it", "ja"]},
        "sentiment": {"type": "string", "enum": ["negative", "neutral", "positive", "mixed"]},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "published": {"type": ["string", "null"], "format": "date"},
        "summary": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 50},
        "entities": {
            "type": "array",
            "items": obj({
                "name": {"type": "string"},
                "kind": {"type": "string", "enum": ["person", "organization", "place", "product", "event", "date", "other"]},
                "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                "spans": {"type": "array", "items": {"$ref": "#/$defs/span"}},
                "aliases": {"type": "array", "items": {"type": "string"}},
                "wikidata": {"anyOf": [{"type": "string", "pattern": "^Q[0-9]+$"}, {"type": "null"}]},
                "attributes": obj({
                    "role": {"type": ["string", "null"]},
                    "count": {"type": ["integer", "null"], "minimum": 0},
                    "verified": {"type": "boolean"},
                }),
            }),
        },
        "outline": {"$ref": "#/$defs/section"},
    }),
}

WORDS = ("alpha beta gamma delta market launch quarter revenue growth policy model vendor "
         "contract region team product customer risk report forecast").split()
KINDS = ["person", "organization", "place", "product", "event", "date", "other"]


def entity(rng: random.Random) -> dict:
    name = " ".join(rng.choice(WORDS).title() for _ in range(rng.randint(1, 3)))
    start = rng.randint(0, 50_000)
    return {
        "name": name,
        "kind": rng.choice(KINDS),
        "confidence": round(rng.random(), 3),
        "spans": [{"start": start + 40 * i, "end": start + 40 * i + len(name)} for i in range(rng.randint(1, 3))],
        "aliases": [rng.choice(WORDS) for _ in range(rng.randint(0, 2))],
        "wikidata": f"Q{rng.randint(1, 10**7)}" if rng.random() < 0.6 else None,
        "attributes": {
            "role": rng.choice(WORDS) if rng.random() < 0.5 else None,
            "count": rng.randint(0, 9) if rng.random() < 0.5 else None,
            "verified": rng.random() < 0.5,
        },
    }


def output(target_bytes: int, seed: int) -> str:
    rng = random.Random(seed)
    doc = {
        "id": f"doc-{rng.getrandbits(32):08x}",
        "title": "Quarterly report on vendor contracts",
        "language": "en",
        "sentiment": "mixed",
        "score": 0.625,
        "published": "2026-11-30",
        "summary": " ".join(rng.choice(WORDS) for _ in range(40)),
        "tags": [rng.choice(WORDS) for _ in range(8)],
        "entities": [],
        "outline": {"heading": "Report", "children": [{"heading": "Revenue", "children": []},
                                                      {"heading": "Risks", "children": [{"heading": "Vendors", "children": []}]}]},
    }
    while len(json.dumps(doc, separators=(",", ":"))) < target_bytes:
        doc["entities"].append(entity(rng))
    return json.dumps(doc, separators=(",", ":"))


SIZES = {"1kb": 1_000, "20kb": 20_000, "200kb": 200_000}


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    (out / "schema.json").write_text(json.dumps(SCHEMA, indent=1))
    for i, (name, size) in enumerate(SIZES.items()):
        (out / f"{name}.json").write_text(output(size, seed=i + 1))


if __name__ == "__main__":
    main()
