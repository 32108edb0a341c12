"""`to_strict` against the real openai package on schemas nobody wrote by hand: seeded random
Pydantic models (through the SDK's public `to_strict_json_schema`) and random raw schemas with
`$defs`/`definitions`, `$ref`s with siblings (cycles included), single-element `allOf`s and
`default: null` anywhere (through the SDK's `_ensure_strict_json_schema`, what it runs on a
schema). Wherever breakwater returns a strict form it is the SDK's, key order included; where
the SDK raises, breakwater raises too (and where a cycle of `$ref`s stops the SDK's rewrite
half done, breakwater raises and the SDK's output is one the API refuses); where breakwater
refuses, it says why with a path."""

from __future__ import annotations

import copy
import datetime
import decimal
import enum
import ipaddress
import json
import random
import uuid
from typing import Annotated, Any, Dict, List, Literal, Optional, Set, Tuple, Union

import pytest

import breakwater as bw

pydantic = pytest.importorskip("pydantic")
openai_pydantic = pytest.importorskip("openai.lib._pydantic")
Field = pydantic.Field

WORDS = "alpha beta gamma delta kind name value items total score label note tag child parent".split()


class Models:
    """Random models of the shapes users write: scalars with constraints, enums, literals,
    lists, nested and shared models, unions, optionals with and without defaults, descriptions;
    now and then what strict mode cannot take (dicts, tuples, sets, `Any`)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = 0
        self.made: list[type] = []

    def name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def enum(self) -> type:
        values = self.rng.sample(WORDS, self.rng.randint(1, 4))
        if self.rng.random() < 0.3:
            return enum.IntEnum(self.name("E"), {v: i for i, v in enumerate(values)})
        return enum.Enum(self.name("E"), {v: v for v in values}, type=str)

    def scalar(self) -> Any:
        return self.rng.choice([
            str, int, float, bool, datetime.date, datetime.datetime, datetime.time, datetime.timedelta,
            uuid.UUID, decimal.Decimal, ipaddress.IPv4Address,
            Literal[tuple(self.rng.sample(WORDS, self.rng.randint(1, 3)))], Literal[1, "a", None],
            Annotated[int, Field(multiple_of=5)],
            Annotated[int, Field(ge=0, le=100)],
            Annotated[str, Field(pattern=r"^[a-z]+$")],
            Annotated[float, Field(gt=0)],
            Annotated[List[int], Field(max_length=3)],
        ])

    def annotation(self, depth: int) -> Any:
        k = self.rng.random()
        if depth > 3 or k < 0.35:
            return self.scalar()
        if k < 0.45:
            return self.enum()
        if k < 0.6:
            return List[self.annotation(depth + 1)]
        if k < 0.72:
            return self.model(depth + 1)
        if k < 0.8:
            return Union[self.annotation(depth + 1), self.annotation(depth + 1)]
        if k < 0.86 and self.made:
            return self.rng.choice(self.made)
        if k < 0.9:
            return Optional[self.annotation(depth + 1)]
        return self.rng.choice([Dict[str, int], Tuple[int, str], Set[str], Any])

    def field(self, depth: int) -> tuple[Any, Any]:
        kind, extra = self.annotation(depth), {}
        if self.rng.random() < 0.3:
            extra["description"] = f"{self.rng.choice(WORDS)} field"
        if self.rng.random() < 0.15:
            extra["title"] = self.rng.choice(WORDS).title()
        k = self.rng.random()
        if k < 0.25:
            return Optional[kind], Field(default=None, **extra)
        if k < 0.3:
            return Optional[kind], Field(**extra)
        return kind, Field(**extra)

    def model(self, depth: int = 0) -> type:
        fields = {w: self.field(depth) for w in self.rng.sample(WORDS, self.rng.randint(1, 5))}
        config = pydantic.ConfigDict(extra="forbid") if self.rng.random() < 0.3 else None
        doc = self.rng.choice([None, "A model.", "Several\n\nlines."])
        made = pydantic.create_model(self.name("M"), __config__=config, __doc__=doc, **fields)
        self.made.append(made)
        return made


def raw_schema(seed: int) -> dict:
    """A schema as zod or a hand writes it: `$defs` and `definitions` whose `$ref`s may point at
    each other (cycles too), `#/properties/...` pointers, siblings in any order."""
    rng = random.Random(seed)
    names = [f"D{i}" for i in range(rng.randint(0, 3))]

    def node(depth: int, refs: list[str]) -> dict:
        k = rng.random()
        if depth > 3 or k < 0.3:
            s = copy.deepcopy(rng.choice([
                {"type": "string"}, {"type": "integer"}, {"type": "number"}, {"type": "boolean"},
                {"type": "null"}, {"enum": ["x", "y"]}, {"const": "z"}, {"type": "string", "format": "date"},
                {"type": ["string", "null"]},
            ]))
        elif k < 0.5:
            s = {"type": "object", "properties": {w: node(depth + 1, refs) for w in rng.sample("abcdef", rng.randint(0, 3))}}
            if rng.random() < 0.3:
                s["required"] = list(s["properties"])[:1]
            if rng.random() < 0.2:
                s["additionalProperties"] = False
            if rng.random() < 0.1:
                s["type"] = ["object", "null"]
        elif k < 0.6:
            s = {"type": "array", "items": node(depth + 1, refs)}
        elif k < 0.7:
            s = {"anyOf": [node(depth + 1, refs) for _ in range(rng.randint(1, 3))]}
        elif k < 0.78:
            s = {"allOf": [node(depth + 1, refs) for _ in range(rng.randint(1, 2))]}
        elif refs and rng.random() < 0.9:
            s = {"$ref": rng.choice(["#/$defs/", "#/definitions/"]) + rng.choice(refs)}
        else:
            s = {"$ref": "#/properties/a"}
        for key, value in (("description", "d"), ("title", "T"), ("default", None), ("default", "v"), ("nullable", True)):
            if rng.random() < 0.12:
                s[key] = value
        if rng.random() < 0.2:
            keys = list(s)
            rng.shuffle(keys)
            s = {key: s[key] for key in keys}
        return s

    defs = {n: node(1, names if rng.random() < 0.3 else names[: names.index(n)]) for n in names}
    root: dict = {"type": "object", "properties": {w: node(1, names) for w in rng.sample("abcdef", rng.randint(1, 4))}}
    if defs:
        root = {"$defs": defs, **root} if rng.random() < 0.5 else {**root, "$defs": defs}
        root["definitions"] = copy.deepcopy(defs)
    return root


# What the SDK raises on a schema it cannot rewrite (a `$ref` it cannot resolve, a cycle).
SDK_ERRORS = (TypeError, ValueError, AssertionError, KeyError, RecursionError)


def sdk_model(model: type) -> tuple[dict | None, Exception | None]:
    """The SDK's strict form of a Pydantic model, or what it raised."""
    try:
        return openai_pydantic.to_strict_json_schema(model), None
    except SDK_ERRORS as error:
        return None, error


def sdk_raw(schema: dict) -> tuple[dict | None, Exception | None]:
    """The SDK's strict form of a raw schema (it rewrites the schema in place, passing it as its
    own root), or what it raised."""
    mutable = copy.deepcopy(schema)
    try:
        return openai_pydantic._ensure_strict_json_schema(mutable, path=(), root=mutable), None
    except SDK_ERRORS as error:
        return None, error


def check_against(schema: dict, expected: dict | None, raised: Exception | None) -> str:
    """Compares breakwater's strict form of `schema` with the SDK's; returns the outcome."""
    try:
        got = bw.to_strict(schema)
    except bw.BreakwaterError as error:
        assert error.code in {"invalid_schema", "unresolved_ref"}, error
        if raised is None:
            # A `$ref` with siblings on a cycle: the SDK's in-place rewrite may stop where its
            # dicts alias each other, with a schema the API refuses (a target merged without
            # its type); breakwater says why instead.
            assert error.code == "invalid_schema" and "never end" in str(error), error
            assert not bw.lint_schema(expected)["ok"], f"the SDK's strict form is valid: {json.dumps(schema)}"
            return "sdk output refused"
        return "both raise"
    assert raised is None, f"the SDK raised {raised!r}, breakwater returned {got['ok']}"
    if not got["ok"]:
        errors = [f for f in got["findings"] if f["severity"] == "error"]
        assert errors and all(f["path"].startswith("/") or f["path"] == "" for f in errors)
        # Refused here only where the form the SDK would send is refused too.
        assert not bw.lint_schema(expected)["ok"], json.dumps(schema)
        return "refused"
    assert json.dumps(got["schema"]) == json.dumps(expected), json.dumps(schema)
    return "equal"


@pytest.mark.parametrize("block", range(4))
def test_random_pydantic_models_strict_as_the_sdk_writes_them(block: int) -> None:
    outcomes: dict[str, int] = {}
    for seed in range(block * 100, block * 100 + 100):
        model = Models(seed).model()
        outcome = check_against(model.model_json_schema(), *sdk_model(model))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    # The generator must reach the comparison, not only the refusals.
    assert outcomes.get("equal", 0) >= 25, outcomes


@pytest.mark.parametrize("block", range(4))
def test_random_raw_schemas_strict_as_the_sdk_writes_them(block: int) -> None:
    if not hasattr(openai_pydantic, "_ensure_strict_json_schema"):
        pytest.skip("this openai version has no _ensure_strict_json_schema")
    outcomes: dict[str, int] = {}
    for seed in range(block * 250, block * 250 + 250):
        schema = raw_schema(seed)
        outcome = check_against(schema, *sdk_raw(schema))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes.get("equal", 0) >= 60 and outcomes.get("both raise", 0) >= 1, outcomes
