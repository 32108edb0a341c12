"""The schema toolkit from Python: parity with the real openai package's strict transform,
Pydantic models, and what only a binding can get wrong (None as null, cyclic values)."""

from __future__ import annotations

import datetime
import enum
import json
import uuid
from pathlib import Path
from typing import Annotated, Any, Dict, Generic, List, Literal, Optional, TypeVar, Union

import pytest

import breakwater as bw

pydantic = pytest.importorskip("pydantic")
openai_pydantic = pytest.importorskip("openai.lib._pydantic")
BaseModel, Field = pydantic.BaseModel, pydantic.Field


class Color(str, enum.Enum):
    RED = "red"
    GREEN = "green"


class Address(BaseModel):
    street: str
    city: str = Field(description="the city")
    zip: Optional[str] = None


class Pet(BaseModel):
    kind: Literal["cat", "dog"]
    name: str


class Node(BaseModel):
    value: int
    children: List["Node"] = []


class Person(BaseModel):
    """A person, with nested models, enums, optionals, defaults, unions and recursion."""

    name: str
    age: int = 30
    nickname: Optional[str] = None
    color: Color = Color.RED
    home: Address
    work: Optional[Address] = Field(default=None, description="where they work")
    pets: List[Pet] = []
    tag: Union[int, str] = 0
    tree: Optional[Node] = None


class Flat(BaseModel):
    a: float
    b: bool = False
    c: List[str]


class Wrapper(BaseModel):
    inner: Pet = Field(description="one pet")
    pair: List[Flat]


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


class Shapes(BaseModel):
    """Literals and enums of every kind, formats, constraints, nested optionals."""

    level: Level
    lit: Literal[1, 2, 3]
    mixed: Literal["a", 1, True]
    colors: List[Color] = []
    when: datetime.datetime
    day: datetime.date
    id: uuid.UUID
    code: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    n: Annotated[int, Field(ge=0, le=10, multiple_of=2)] = 2
    few: Annotated[List[int], Field(min_length=1, max_length=3)]
    deep: Optional[List[Optional[Pet]]] = None
    grid: List[List[float]]
    nested: Union[int, Union[str, List[Union[float, bool]]]] = 0
    maybe: Optional[Literal["x", "y"]] = None
    version: Literal["v1"] = "v1"


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: List[T]
    next: Optional[str] = None


class Catalog(BaseModel):
    model_config = pydantic.ConfigDict(populate_by_name=True)
    pets: Page[Pet]
    addresses: Page[Address] = Field(alias="addressBook", description="an aliased generic")
    tags: List[str] = Field(default_factory=list, examples=[["a"]], json_schema_extra={"x-note": 1})
    first: Pet = Pet(kind="cat", name="Tom")


class Tree(BaseModel):
    name: str
    kids: List["Tree"] = Field(default_factory=list)
    parent: Optional["Tree"] = Field(None, description="up")


class Ping(BaseModel):
    other: Optional["Pong"] = None


class Pong(BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    back: Optional[Ping] = None


Ping.model_rebuild()

MODELS = [Address, Pet, Node, Person, Flat, Wrapper, Shapes, Catalog, Tree, Ping]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_to_strict_equals_openai_python_key_order_included(model: type) -> None:
    expected = openai_pydantic.to_strict_json_schema(model)
    got = bw.to_strict(model.model_json_schema())
    assert got["ok"], got["findings"]
    assert json.dumps(got["schema"]) == json.dumps(expected)
    # The strict form is what the API accepts: it lints clean and validates a real instance.
    assert bw.lint_schema(got["schema"])["ok"]


class Cat(BaseModel):
    kind: Literal["cat"]
    lives: int = 9


class Dog(BaseModel):
    kind: Literal["dog"]
    good: bool


class Owner(BaseModel):
    pet: Union[Cat, Dog] = Field(discriminator="kind")
    spare: Optional[Union[Cat, Dog]] = Field(default=None, discriminator="kind")
    pets: List[Annotated[Union[Cat, Dog], Field(discriminator="kind")]] = []


def _one_of_as_any_of(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_one_of_as_any_of(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    return {("anyOf" if k == "oneOf" else k): _one_of_as_any_of(v) for k, v in schema.items() if k != "discriminator"}


def test_a_discriminated_union_is_openai_pythons_form_with_one_of_as_any_of() -> None:
    # openai-python sends the oneOf and its OpenAPI discriminator as they are; the API refuses them.
    expected = _one_of_as_any_of(openai_pydantic.to_strict_json_schema(Owner))
    got = bw.to_strict(Owner.model_json_schema())
    assert got["ok"], got["findings"]
    assert json.dumps(got["schema"]) == json.dumps(expected)
    assert [(f["code"], f["path"]) for f in got["findings"]] == [
        ("one_of_as_any_of", "/properties/pet"),
        ("one_of_as_any_of", "/properties/spare/anyOf/0"),
        ("one_of_as_any_of", "/properties/pets/items"),
    ]
    owner = Owner(pet=Dog(kind="dog", good=True), pets=[Cat(kind="cat")])
    assert bw.validate_text(got["schema"], owner.model_dump_json())["valid"]


def test_what_strict_mode_does_not_support_is_refused_not_sent() -> None:
    class Unsupported(BaseModel):
        short: Annotated[str, Field(max_length=3)]
        raw: bytes
        anything: Any
        free: Optional[Dict[str, int]] = None
        plain: Union[int, str] = Field(json_schema_extra={"oneOf": [{"type": "integer"}, {"type": "string"}]})

    got = bw.to_strict(Unsupported.model_json_schema())
    assert not got["ok"] and got["schema"] is None
    paths = {(f["code"], f["path"]) for f in got["findings"]}
    assert {
        ("unsupported_keyword", "/properties/short/maxLength"),
        ("unsupported_format", "/properties/raw/format"),
        ("missing_type", "/properties/anything"),
        ("additional_properties_not_false", "/properties/free/anyOf/0/additionalProperties"),
        ("unsupported_keyword", "/properties/plain/oneOf"),
    } <= paths, paths


def test_optional_fields_are_reported_and_can_be_made_nullable() -> None:
    got = bw.to_strict(Person.model_json_schema())
    fields = {f["path"]: f["nullable"] for f in got["optional_fields"]}
    assert fields["/properties/age"] is False
    assert fields["/properties/nickname"] is True
    nullable = bw.to_strict(Person.model_json_schema(), nullable_optionals=True)
    assert nullable["ok"], nullable["findings"]
    age = nullable["schema"]["properties"]["age"]
    assert age["type"] == ["integer", "null"]
    assert bw.validate(nullable["schema"], {**_person(), "age": None})["valid"]


def _person() -> dict:
    return {
        "name": "Ada", "age": 36, "nickname": None, "color": "red",
        "home": {"street": "s", "city": "c", "zip": None}, "work": None,
        "pets": [{"kind": "cat", "name": "Tom"}], "tag": 3, "tree": {"value": 1, "children": []},
    }


def test_a_pydantic_dump_validates_against_the_strict_form_as_text_and_as_a_value() -> None:
    schema = bw.to_strict(Person.model_json_schema())["schema"]
    person = Person.model_validate(_person())
    assert bw.validate_text(schema, person.model_dump_json())["valid"]
    assert bw.validate(schema, json.loads(person.model_dump_json()))["valid"]
    bad = {**_person(), "color": "blue"}
    out = bw.SchemaValidator(schema).validate(bad)
    assert not out["valid"] and out["errors"][0]["instance_path"] == "/color"


def test_what_pydantic_cannot_make_strict_is_refused_with_paths() -> None:
    class Shapes(BaseModel):
        t: tuple[int, str]
        d: Dict[str, int]
        s: set[str]

    got = bw.to_strict(Shapes.model_json_schema())
    assert not got["ok"] and got["schema"] is None
    paths = {(f["code"], f["path"]) for f in got["findings"]}
    assert ("unsupported_keyword", "/properties/t/prefixItems") in paths
    assert ("additional_properties_not_false", "/properties/d/additionalProperties") in paths
    assert ("unsupported_keyword", "/properties/s/uniqueItems") in paths


def test_none_is_json_null_and_a_value_that_contains_itself_is_refused() -> None:
    assert bw.validate({"type": "null"}, None)["valid"]
    cyclic: dict = {}
    cyclic["self"] = cyclic
    with pytest.raises(bw.BreakwaterError) as e:
        bw.validate({"type": "object"}, cyclic)
    assert e.value.code == "limit_exceeded"
    with pytest.raises(bw.BreakwaterError) as e:
        bw.validate_text({"type": "array"}, "[" * 100_000 + "]" * 100_000)
    assert e.value.code == "limit_exceeded"


def test_an_integer_past_64_bits_validates_as_its_text_does() -> None:
    big = 12345678901234567890123
    for schema in ({"type": "integer"}, {"type": "integer", "maximum": 10**22}, {"type": "number", "minimum": 10**23}):
        assert bw.validate(schema, big)["valid"] == bw.validate_text(schema, str(big))["valid"], schema
    assert bw.validate({"type": "integer", "maximum": 2**64}, 2**64 - 1)["valid"]
    with pytest.raises(bw.BreakwaterError) as e:
        bw.validate({}, 10**400)
    assert e.value.code == "out_of_range"


@pytest.mark.parametrize("depth, ok", [(127, True), (128, False)])
def test_a_value_nests_as_deep_as_its_text_may(depth: int, ok: bool) -> None:
    # serde_json stops text at 127 levels; the same value passed parsed stops there too.
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    for check in (lambda: bw.validate({}, value), lambda: bw.validate_text({}, json.dumps(value))):
        if ok:
            assert check()["valid"]
        else:
            with pytest.raises(bw.BreakwaterError) as e:
                check()
            assert e.value.code == "limit_exceeded"


def test_a_lone_surrogate_crosses_as_u_fffd_and_a_pair_of_them_as_its_character() -> None:
    # A str may hold what UTF-8 cannot; it crosses as a JavaScript string does (one U+FFFD
    # per lone surrogate), never as an exception without a code.
    assert bw.validate_text({"type": "string", "maxLength": 1}, '"\ud83d"')["valid"]
    assert bw.validate({"const": "\ufffd"}, "\ud83d")["valid"]
    assert bw.validate({"required": ["\ufffd"]}, {"\udc00": 1})["valid"]
    assert bw.validate({"const": "\U0001F600"}, "\ud83d\ude00")["valid"]
    check = bw.StreamCheck({"type": "string"})
    check.feed('"\ud83d')
    check.feed('"')
    assert check.finish()["valid"]


def test_schema_errors_carry_code_and_pointer() -> None:
    with pytest.raises(bw.BreakwaterError) as e:
        bw.SchemaValidator({"properties": {"a": {"type": 5}}})
    assert (e.value.code, e.value.path) == ("invalid_schema", "/properties/a/type")
    with pytest.raises(bw.BreakwaterError) as e:
        bw.validate_text({"type": "object"}, '{"a": }')
    assert (e.value.code, e.value.line, e.value.column) == ("syntax_error", 1, 7)


SUITE = Path(__file__).resolve().parents[3] / "target" / "schema-suite" / "tests"


@pytest.mark.parametrize("folder,draft", [("draft2020-12", "draft2020-12"), ("draft7", "draft7")])
def test_json_schema_test_suite_required_tests(folder: str, draft: str) -> None:
    """JSON-Schema-Test-Suite through the binding (scripts/schema-suite.sh fetches it). Cases
    that need the suite's remotes (localhost:1234) are counted apart: the core never fetches."""
    if not (SUITE / folder).is_dir():
        pytest.skip("target/schema-suite is absent (scripts/schema-suite.sh fetches it)")
    passed, remote, failed = 0, 0, []
    for file in sorted((SUITE / folder).glob("*.json")):
        for case in json.loads(file.read_text()):
            needs_remote = "localhost:1234" in json.dumps(case["schema"])
            try:
                v = bw.SchemaValidator(case["schema"], draft=draft)
            except bw.BreakwaterError as e:
                if e.code == "unresolved_ref" and needs_remote:
                    remote += len(case["tests"])
                    continue
                failed.append(f"{file.name}: {case['description']}: refused: {e}")
                continue
            for t in case["tests"]:
                ok = v.validate(t["data"])["valid"] == t["valid"] and v.validate_text(json.dumps(t["data"]))["valid"] == t["valid"]
                if ok:
                    passed += 1
                elif needs_remote:
                    remote += 1
                else:
                    failed.append(f"{file.name}: {case['description']} / {t['description']}")
    print(f"schema suite {folder} (python): {passed} passed, {len(failed)} failed, {remote} need the remotes")
    assert not failed, "\n".join(failed)
