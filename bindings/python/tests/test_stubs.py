"""The type stubs (``_breakwater.pyi``) against the surface they describe and the results it returns.

Two checks, so that a stub cannot say ``int`` where the runtime returns ``None``:

- every function, class, method and parameter of the core's description of the surface
  (``breakwater.surface()``, the same description every runtime is built from) is in the
  stub, with its parameters in order, and a default exactly where the parameter may be left out;
- every result of every shared vector, played through the public API, conforms to the
  return type the stub declares: no missing key, no key the stub does not name, no ``None``
  where the stub has no ``Optional``, the right primitive types and literals.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import pytest

import breakwater as bw
import test_vectors
from breakwater import _breakwater

STUB = Path(bw.__file__).with_name("_breakwater.pyi")
TREE = ast.parse(STUB.read_text())
SURFACE = bw.surface()
# The hand-written breaker is described too (`hand_written`): its stub is checked the same way.
CLASSES = {c["name"]: c for c in SURFACE["classes"]}


def stub_functions(body: List[ast.stmt]) -> Dict[str, ast.FunctionDef]:
    return {n.name: n for n in body if isinstance(n, ast.FunctionDef)}


STUB_FUNCTIONS = stub_functions(TREE.body)
STUB_CLASSES = {n.name: n for n in TREE.body if isinstance(n, ast.ClassDef)}


def parameters(f: ast.FunctionDef) -> List[Tuple[str, bool]]:
    """(name, has a default) of every parameter but self/cls, keyword-only ones included."""
    a = f.args
    positional = a.posonlyargs + a.args
    defaults = [False] * (len(positional) - len(a.defaults)) + [True] * len(a.defaults)
    out = [(p.arg, d) for p, d in zip(positional, defaults) if p.arg not in ("self", "cls")]
    out += [(p.arg, d is not None) for p, d in zip(a.kwonlyargs, a.kw_defaults)]
    return out


def described(op: dict) -> List[Tuple[str, bool]]:
    return [(p["name"], p["optional"]) for p in op["params"]]


def test_every_function_of_the_surface_is_in_the_stub_with_its_parameters() -> None:
    for op in SURFACE["functions"]:
        assert op["name"] in STUB_FUNCTIONS, f"{op['name']} is missing from the stub"
        assert parameters(STUB_FUNCTIONS[op["name"]]) == described(op), op["name"]


def test_every_class_of_the_surface_is_in_the_stub_with_its_methods() -> None:
    for name, cls in CLASSES.items():
        assert name in STUB_CLASSES, f"class {name} is missing from the stub"
        methods = stub_functions(STUB_CLASSES[name].body)
        for op in cls["ops"]:
            stub_name = "__new__" if op["kind"] == "new" else op["name"]
            assert stub_name in methods, f"{name}.{stub_name} is missing from the stub"
            f = methods[stub_name]
            assert parameters(f) == described(op), f"{name}.{stub_name}"
            is_static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in f.decorator_list)
            assert is_static == (op["kind"] == "static"), f"{name}.{stub_name}: @staticmethod"
        public = {m for m in methods if not m.startswith("_")}
        assert public == {op["name"] for op in cls["ops"] if op["kind"] != "new"}, f"{name}: extra methods in the stub"


def test_the_module_exports_exactly_the_stub() -> None:
    stub_names = set(STUB_FUNCTIONS) | set(STUB_CLASSES)
    runtime = {n for n in dir(_breakwater) if not n.startswith("_")}
    surface = {f["name"] for f in SURFACE["functions"]} | set(CLASSES) | {"surface"}
    assert runtime == surface
    for name in surface:
        assert name in stub_names, name


# ---- results against the declared types --------------------------------------------------


class Types:
    """The stub's aliases and TypedDicts, and a check of a value against an annotation."""

    def __init__(self, tree: ast.Module) -> None:
        self.aliases: Dict[str, ast.expr] = {}
        self.dicts: Dict[str, Tuple[Dict[str, ast.expr], bool]] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
                name, value = node.targets[0].id, node.value
                if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "TypedDict":
                    fields = {k.value: v for k, v in zip(value.args[1].keys, value.args[1].values)}
                    self.dicts[name] = (fields, True)
                else:
                    self.aliases[name] = value
            elif isinstance(node, ast.ClassDef):
                bases = [b.id for b in node.bases if isinstance(b, ast.Name)]
                if "TypedDict" in bases or any(b in self.dicts for b in bases):
                    fields: Dict[str, ast.expr] = {}
                    total = True
                    for b in bases:
                        if b in self.dicts:
                            fields.update(self.dicts[b][0])
                            total = self.dicts[b][1]
                    for kw in node.keywords:
                        if kw.arg == "total":
                            total = bool(kw.value.value)  # type: ignore[attr-defined]
                    for item in node.body:
                        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                            fields[item.target.id] = item.annotation
                    self.dicts[node.name] = (fields, total)

    def check(self, value: Any, ann: ast.expr, at: str) -> Optional[str]:
        if isinstance(ann, ast.Constant):
            if ann.value is None:
                return None if value is None else f"{at}: {value!r} where the stub says None"
            if isinstance(ann.value, str):  # a forward reference
                return self.check(value, ast.parse(ann.value, mode="eval").body, at)
        if isinstance(ann, ast.Name):
            return self.named(value, ann.id, at)
        if isinstance(ann, ast.Subscript):
            head = ann.value.id  # type: ignore[attr-defined]
            args = ann.slice.elts if isinstance(ann.slice, ast.Tuple) else [ann.slice]
            if head == "Optional":
                return None if value is None else self.check(value, args[0], at)
            if head == "Union":
                errors = [self.check(value, a, at) for a in args]
                return None if None in errors else f"{at}: {value!r} is none of the union ({errors[0]})"
            if head == "Literal":
                allowed = [a.value for a in args]  # type: ignore[attr-defined]
                return None if value in allowed else f"{at}: {value!r} is not one of {allowed}"
            if head in ("List", "Sequence"):
                if not isinstance(value, list):
                    return f"{at}: {value!r} is not a list"
                for i, item in enumerate(value):
                    why = self.check(item, args[0], f"{at}[{i}]")
                    if why:
                        return why
                return None
            if head in ("Dict", "Mapping"):
                return None if isinstance(value, dict) else f"{at}: {value!r} is not a dict"
            if head == "NotRequired":
                return self.check(value, args[0], at)
        raise AssertionError(f"{at}: the checker cannot read the annotation {ast.unparse(ann)}")

    def named(self, value: Any, name: str, at: str) -> Optional[str]:
        primitive: Dict[str, Callable[[Any], bool]] = {
            "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "str": lambda v: isinstance(v, str),
            "bool": lambda v: isinstance(v, bool),
            "Any": lambda v: True,
        }
        if name in primitive:
            return None if primitive[name](value) else f"{at}: {value!r} is not {name}"
        if name in self.aliases:
            return self.check(value, self.aliases[name], at)
        if name in self.dicts:
            return self.typed_dict(value, name, at)
        if name in CLASSES:
            return None if type(value).__name__ == name else f"{at}: {value!r} is not a {name}"
        raise AssertionError(f"{at}: unknown type {name} in the stub")

    def typed_dict(self, value: Any, name: str, at: str) -> Optional[str]:
        if not isinstance(value, dict):
            return f"{at}: {value!r} is not a {name} dict"
        fields, total = self.dicts[name]
        extra = set(value) - set(fields)
        if extra:
            return f"{at}: {name} does not name the key(s) {sorted(extra)} of {value!r}"
        for key, ann in fields.items():
            required = total and not (isinstance(ann, ast.Subscript) and getattr(ann.value, "id", "") == "NotRequired")
            if key not in value:
                if required:
                    return f"{at}.{key}: missing, but {name} requires it"
                continue
            why = self.check(value[key], ann, f"{at}.{key}")
            if why:
                return why
        return None


TYPES = Types(TREE)


def returns(where: str) -> ast.expr:
    """The declared return type of `name` or `Class.method`."""
    if "." in where:
        cls, method = where.split(".")
        f = stub_functions(STUB_CLASSES[cls].body)[method]
    else:
        f = STUB_FUNCTIONS[where]
    assert f.returns is not None, f"{where} has no return type in the stub"
    return f.returns


class Recorder:
    """Stands in for the `breakwater` module: every call goes to the real one, and every
    result of a function or method of the compiled module is kept with its name."""

    def __init__(self, log: List[Tuple[str, Any]]) -> None:
        self._log = log

    def __getattr__(self, name: str) -> Any:
        real = getattr(bw, name)
        if isinstance(real, type) and hasattr(_breakwater, name):
            return _Class(real, self._log)
        if callable(real) and hasattr(_breakwater, name) and not isinstance(real, type):
            return _call(real, name, self._log)
        return real


def _unwrap(x: Any) -> Any:
    return x._real if isinstance(x, _Object) else x


def _wrap(x: Any, log: List[Tuple[str, Any]]) -> Any:
    return _Object(x, log) if hasattr(_breakwater, type(x).__name__) and not isinstance(x, (dict, list)) else x


def _call(f: Callable[..., Any], where: str, log: List[Tuple[str, Any]]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        out = f(*[_unwrap(a) for a in args], **{k: _unwrap(v) for k, v in kwargs.items()})
        log.append((where, out))
        return _wrap(out, log)

    return call


class _Class:
    def __init__(self, cls: type, log: List[Tuple[str, Any]]) -> None:
        self._cls, self._log = cls, log

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _Object(self._cls(*[_unwrap(a) for a in args], **{k: _unwrap(v) for k, v in kwargs.items()}), self._log)

    def __getattr__(self, name: str) -> Any:
        return _call(getattr(self._cls, name), f"{self._cls.__name__}.{name}", self._log)


class _Object:
    def __init__(self, real: Any, log: List[Tuple[str, Any]]) -> None:
        self._real, self._log = real, log

    def __getattr__(self, name: str) -> Any:
        return _call(getattr(self._real, name), f"{type(self._real).__name__}.{name}", self._log)


def test_every_result_of_every_vector_has_the_type_the_stub_declares(monkeypatch: pytest.MonkeyPatch) -> None:
    log: List[Tuple[str, Any]] = []
    monkeypatch.setattr(test_vectors, "bw", Recorder(log))
    for path in test_vectors.FILES:
        failures, _ = test_vectors.play(json.loads(path.read_text()))
        assert not failures, f"{path.name}: {failures}"
    seen = {where for where, _ in log}
    assert len(log) > 500 and len(seen) > 40, (len(log), sorted(seen))
    mismatches = []
    for where, value in log:
        why = TYPES.check(value, returns(where), where)
        if why and why not in mismatches:
            mismatches.append(why)
    assert not mismatches, "results the stub mistypes:\n" + "\n".join(mismatches)


def test_the_runtime_signatures_name_the_described_parameters() -> None:
    # What `help()` and `inspect.signature` show (the vectorcall entries' text signatures).
    import inspect

    for op in SURFACE["functions"]:
        assert list(inspect.signature(getattr(bw, op["name"])).parameters) == [p["name"] for p in op["params"]]
    for name, cls in CLASSES.items():
        for op in cls["ops"]:
            if op["kind"] != "method":
                continue
            params = list(inspect.signature(getattr(getattr(bw, name), op["name"])).parameters)
            assert params == ["self"] + [p["name"] for p in op["params"]], f"{name}.{op['name']}"


# ---- a type checker reads the stub as a user's program does -------------------------------

TYPICAL = '''
from typing import Any, Dict
import json
import breakwater as bw

cfg: Dict[str, Any] = json.loads('{"retry": {"max_retries": 2}}')
client = bw.Client(bw.Policy.from_dict(cfg), seed=1, now_ms=0)
req = client.begin(key="gpt-4o", est_tokens=100, now_ms=0)
d = client.before_attempt(req, now_ms=0)
if d["action"] == "send":
    for name, value in d["headers"]:
        print(name.lower(), value)
r = client.on_outcome(req, "http_429", [("retry-after", "1")], None, None, 12, now_ms=5)
print(r["action"], r["reason"], client.policy()["retry"]["max_retries"])
state = bw.RetryState({"max_retries": 3}, seed=7)
c = bw.classify("http_503", {"retry-after": "2"}, profile="openai")
print(state.decide(c, deadline=bw.Deadline({"total_ms": 10_000}, now_ms=0), now_ms=1)["delay_ms"])
planner = bw.BatchPlanner({"provider": "openai"})
placed = planner.push('{"custom_id": "a"}', prompt_tokens=3)
if placed["placement"] == "planned":
    print(placed["path"])
manifest = planner.finish()
router = bw.BatchRouter(manifest, None, max_attempts=2)
router.push_output(b"{}")
bw.BatchReplay(manifest, router.finish()["report"], [], None)
event = client.poll_event()
if event is not None and event["kind"] == "give_up":
    print(event["reason"])
breaker = bw.CircuitBreaker({"failure_rate_threshold": 50})
permit = breaker.try_acquire_permit(0)
if permit is not None:
    breaker.record_permit(permit, "success", 10, 1)
print(len(bw.BreakerRegistry(None, 10)), bw.validate({"type": "object"}, {"a": 1}, draft="draft7")["valid"])
stream = bw.StreamCheck({"type": "object"})
state_now = stream.feed("{")
if state_now["state"] == "dead":
    print(state_now["offset"])
'''

MISTAKES = '''
import breakwater as bw

client = bw.Client()
req = client.begin(key=3)
decision = client.before_attempt(req)
print(decision["no_such_key"])
bw.classify("http_503", profile="gemini")
bw.Deadline(now_ms="0")
'''


def mypy(tmp_path: Path, program: str) -> Tuple[int, str]:
    api = pytest.importorskip("mypy.api", reason="mypy is not installed (scripts/test-python.sh pins it)")
    source = tmp_path / "program.py"
    source.write_text(program)
    out, err, status = api.run(["--strict", "--no-incremental", "--cache-dir", str(tmp_path / ".mypy"), str(source)])
    return status, out + err


def test_a_typical_program_type_checks_under_mypy_strict(tmp_path: Path) -> None:
    status, out = mypy(tmp_path, TYPICAL)
    assert status == 0, out


def test_mypy_finds_each_mistake(tmp_path: Path) -> None:
    status, out = mypy(tmp_path, MISTAKES)
    assert status == 1, out
    lines = [line for line in out.splitlines() if ": error:" in line]
    assert [int(line.split(":")[1]) for line in lines] == [5, 7, 8, 9], out
