"""Every refusal arrives as a BreakwaterError subclass with the core's code, path and line."""

from __future__ import annotations

import math
import pickle

import pytest

import breakwater as bw


def test_the_classes_form_one_hierarchy() -> None:
    for cls in (bw.ConfigError, bw.ParseError, bw.InvalidArgumentError, bw.BreakwaterTypeError):
        assert issubclass(cls, bw.BreakwaterError)
    assert issubclass(bw.BreakwaterError, ValueError)
    assert issubclass(bw.BreakwaterTypeError, TypeError)


def test_error_codes_is_the_core_catalogue() -> None:
    codes = bw.error_codes()
    for code in ("syntax_error", "unknown_field", "missing_field", "invalid_type", "unknown_variant",
                 "negative_duration", "out_of_range", "not_finite", "invalid_value", "invalid_argument"):
        assert code in codes
    assert len(codes) == len(set(codes))


# ---- documents: code, path, line, column ---------------------------------------------------


def test_malformed_json_is_a_parse_error_with_its_line_and_column() -> None:
    with pytest.raises(bw.ParseError) as e:
        bw.Policy.from_json('{\n  "retry": {\n    "max_retries": 2,\n  }\n}')
    assert e.value.code == "syntax_error"
    assert e.value.line == 4
    assert e.value.column is not None


def test_a_json_field_out_of_range_names_path_and_line() -> None:
    text = '{\n  "breaker": {\n    "failure_rate_threshold": 1.5,\n    "minimum_calls": 3\n  }\n}'
    with pytest.raises(bw.ConfigError) as e:
        bw.Policy.from_json(text)
    assert (e.value.code, e.value.path, e.value.line) == ("out_of_range", "breaker.failure_rate_threshold", 3)
    assert "breaker.failure_rate_threshold" in str(e.value)


def test_a_toml_typo_is_an_unknown_field_with_its_line() -> None:
    with pytest.raises(bw.ConfigError) as e:
        bw.Policy.from_toml("[retry]\nmax_retries = 2\n\n[breaker]\nminimum_cals = 5\n")
    assert (e.value.code, e.value.line) == ("unknown_field", 5)
    assert e.value.path.startswith("breaker")


def test_a_toml_negative_duration_names_path_and_line() -> None:
    with pytest.raises(bw.ConfigError) as e:
        bw.Policy.from_toml("[deadline]\ntotal_ms = -30000\n")
    assert (e.value.code, e.value.path, e.value.line) == ("negative_duration", "deadline.total_ms", 2)


def test_an_unknown_preset_is_refused() -> None:
    with pytest.raises(bw.ConfigError) as e:
        bw.Policy.preset("yolo")
    assert (e.value.code, e.value.path) == ("unknown_variant", "preset")


# ---- dicts: code and path, no line ---------------------------------------------------------


def test_a_dict_config_error_has_a_path_and_no_line() -> None:
    with pytest.raises(bw.ConfigError) as e:
        bw.CircuitBreaker({"window": {"kind": "count", "size": 0}})
    assert e.value.code == "out_of_range"
    assert e.value.path == "window.size"
    assert e.value.line is None


def test_an_unknown_key_in_a_dict_is_refused() -> None:
    with pytest.raises(bw.ConfigError) as e:
        bw.Policy.from_dict({"retry": {"max_retrys": 3}})
    assert (e.value.code, e.value.path) == ("unknown_field", "retry.max_retrys")


def test_nan_in_a_config_is_not_finite() -> None:
    with pytest.raises(bw.ConfigError) as e:
        bw.Backoff({"multiplier": math.nan})
    assert (e.value.code, e.value.path) == ("not_finite", "multiplier")


def test_a_config_integer_past_64_bits_is_out_of_range() -> None:
    with pytest.raises(bw.ConfigError) as e:
        bw.Backoff({"base_ms": 2**70})
    assert (e.value.code, e.value.path) == ("out_of_range", "base_ms")


def test_a_wrong_type_inside_a_config_is_a_type_error() -> None:
    with pytest.raises(bw.BreakwaterTypeError) as e:
        bw.CircuitBreaker({"failure_rate_threshold": "half"})
    assert (e.value.code, e.value.path) == ("invalid_type", "failure_rate_threshold")
    assert isinstance(e.value, TypeError) and isinstance(e.value, ValueError)


def test_a_config_that_is_not_a_dict_is_a_type_error() -> None:
    with pytest.raises(bw.BreakwaterTypeError) as e:
        bw.CircuitBreaker(5)
    assert (e.value.code, e.value.path) == ("invalid_type", "config")
    with pytest.raises(bw.BreakwaterTypeError):
        bw.Client("openai_sdk")


def test_dict_keys_must_be_strings() -> None:
    with pytest.raises(bw.BreakwaterTypeError) as e:
        bw.Policy.from_dict({"retry": {1: 2}})
    assert e.value.code == "invalid_type"


def test_a_mapping_that_is_not_a_dict_is_accepted() -> None:
    from types import MappingProxyType

    b = bw.Backoff(MappingProxyType({"base_ms": 100, "jitter": "none"}), seed=0)
    assert b.next_delay(0) == 100


# ---- arguments: times and counts -----------------------------------------------------------


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1, -0.5, 1.5, 2**64, 1e30])
def test_bad_times_are_invalid_arguments_named_now_ms(bad: object) -> None:
    cb = bw.CircuitBreaker()
    with pytest.raises(bw.InvalidArgumentError) as e:
        cb.try_acquire(bad)
    assert (e.value.code, e.value.path) == ("invalid_argument", "now_ms")


@pytest.mark.parametrize("bad", ["5", b"5", True, [5], object()])
def test_times_of_the_wrong_type_are_type_errors(bad: object) -> None:
    with pytest.raises(bw.BreakwaterTypeError) as e:
        bw.CircuitBreaker().try_acquire(bad)
    assert (e.value.code, e.value.path) == ("invalid_type", "now_ms")


def test_integral_floats_and_index_objects_are_accepted_as_times() -> None:
    class Index:
        def __index__(self) -> int:
            return 7

    cb = bw.CircuitBreaker()
    assert cb.try_acquire(5.0)["permitted"]
    assert cb.try_acquire(Index())["permitted"]
    assert cb.try_acquire(2**64 - 1)["permitted"]


def test_each_parameter_is_named_in_its_error() -> None:
    cb = bw.CircuitBreaker()
    p = cb.try_acquire_permit(0)
    with pytest.raises(bw.InvalidArgumentError) as e:
        cb.record(p, "success", -3, now_ms=1)
    assert e.value.path == "latency_ms"
    with pytest.raises(bw.InvalidArgumentError) as e:
        cb.record(p, "success", 3, server_delay_ms=math.nan, now_ms=1)
    assert e.value.path == "server_delay_ms"
    with pytest.raises(bw.InvalidArgumentError) as e:
        cb.record(-1, "success", 3, now_ms=1)
    assert e.value.path == "permit"
    with pytest.raises(bw.InvalidArgumentError) as e:
        bw.Backoff(seed=0).next_delay(2**32)
    assert e.value.path == "retries_taken"
    with pytest.raises(bw.InvalidArgumentError) as e:
        bw.Backoff(seed=-1)
    assert e.value.path == "seed"
    with pytest.raises(bw.InvalidArgumentError) as e:
        bw.Deadline({"total_ms": 1000}, now_ms=0).fits(-1, 0)
    assert e.value.path == "delay_ms"
    with pytest.raises(bw.InvalidArgumentError) as e:
        bw.ErrorBudget().record_counts(1, 2.5, now_ms=0)
    assert e.value.path == "bad"


def test_extra_positional_arguments_are_invalid_arguments_named_by_the_call() -> None:
    # As in JavaScript: `invalid_argument` at the operation, not a codeless TypeError.
    with pytest.raises(bw.InvalidArgumentError) as e:
        bw.Backoff(seed=0).next_delay(1, 2, 3)
    assert (e.value.code, e.value.path) == ("invalid_argument", "next_delay")
    assert "takes at most 1 argument, got 3" in str(e.value)
    with pytest.raises(bw.InvalidArgumentError) as e:
        bw.Backoff(None, 0, 1)
    assert e.value.path == "__init__"
    with pytest.raises(bw.InvalidArgumentError) as e:
        bw.parse_go_duration("1s", 2)
    assert e.value.path == "parse_go_duration"
    with pytest.raises(bw.InvalidArgumentError) as e:
        bw.Policy.preset("conservative", 1)
    assert e.value.path == "preset"
    with pytest.raises(bw.ConfigError) as e:
        bw.Backoff(seed=0).next_delay(retries=1)
    assert (e.value.code, e.value.path) == ("unknown_field", "retries")


def test_more_arguments_than_a_method_takes_is_refused_for_every_class_the_breaker_included() -> None:
    for c in bw.surface()["classes"]:
        cls = getattr(bw, c["name"])
        ctor = next((op for op in c["ops"] if op["kind"] == "new"), None)
        if ctor is None:
            continue
        with pytest.raises(bw.InvalidArgumentError) as e:
            cls(*[None] * (len(ctor["params"]) + 1))
        assert e.value.path == "__init__", c["name"]
        with pytest.raises(bw.ConfigError) as e:
            cls(no_such_argument=1)
        assert (e.value.code, e.value.path) == ("unknown_field", "no_such_argument"), c["name"]
        try:
            obj = cls()
        except bw.BreakwaterError:
            continue
        for op in c["ops"]:
            if op["kind"] != "method":
                continue
            method = getattr(obj, op["name"])
            with pytest.raises(bw.InvalidArgumentError) as e:
                method(*[None] * (len(op["params"]) + 1))
            assert e.value.path == op["name"], f"{c['name']}.{op['name']}"
            with pytest.raises(bw.ConfigError) as e:
                method(no_such_argument=1)
            assert (e.value.code, e.value.path) == ("unknown_field", "no_such_argument"), f"{c['name']}.{op['name']}"
            if op["params"]:
                first = op["params"][0]["name"]
                with pytest.raises(bw.InvalidArgumentError) as e:
                    method(0, **{first: 0})
                assert (e.value.code, e.value.path) == ("invalid_argument", first), f"{c['name']}.{op['name']}"


def test_the_breaker_names_a_left_out_argument() -> None:
    cb = bw.CircuitBreaker()
    p = cb.try_acquire_permit(0)
    for call, path in [
        (lambda: cb.record(), "permit"),
        (lambda: cb.record(p, "success"), "latency_ms"),
        (lambda: cb.record_permit(p, None, 3), "class_name"),
        (lambda: cb.release(), "permit"),
    ]:
        with pytest.raises(bw.ConfigError) as e:
            call()
        assert (e.value.code, e.value.path) == ("missing_field", path)


def test_a_left_out_json_argument_is_missing_where_none_is_the_json_null() -> None:
    """As in JS, where `null` is the value and `undefined` leaves it out."""
    for call, path in [
        (lambda: bw.validate({"type": "integer"}), "instance"),
        (lambda: bw.lint_schema(), "schema"),
        (lambda: bw.diff_schemas({}), "new"),
        (lambda: bw.extract_output(), "body"),
        (lambda: bw.SchemaValidator({}).validate(), "instance"),
        (lambda: bw.RealtimeSession().handle_event(now_ms=1), "event"),
    ]:
        with pytest.raises(bw.ConfigError) as e:
            call()
        assert (e.value.code, e.value.path) == ("missing_field", path)
    assert bw.validate({"type": "null"}, None)["valid"]
    assert not bw.SchemaValidator({"type": "integer"}).is_valid(None)


def test_a_class_without_a_constructor_says_which_operation_makes_its_objects() -> None:
    without = [c["name"] for c in bw.surface()["classes"] if not any(op["kind"] == "new" for op in c["ops"])]
    assert without == ["Policy", "Request"]
    for name in without:
        with pytest.raises(bw.InvalidArgumentError) as e:
            getattr(bw, name)()
        assert (e.value.code, e.value.path) == ("invalid_argument", name)
    with pytest.raises(bw.InvalidArgumentError, match=r"comes from Client\.begin"):
        bw.Request()


def test_an_unknown_class_name_is_an_unknown_variant() -> None:
    cb = bw.CircuitBreaker()
    p = cb.try_acquire_permit(0)
    with pytest.raises(bw.ConfigError) as e:
        cb.record_permit(p, "meh", 1, 1)
    assert (e.value.code, e.value.path) == ("unknown_variant", "class_name")
    with pytest.raises(bw.BreakwaterTypeError):
        bw.RetryBudget().record(3)


def test_an_unknown_outcome_is_an_invalid_argument() -> None:
    with pytest.raises(bw.InvalidArgumentError) as e:
        bw.classify("http_teapot")
    assert (e.value.code, e.value.path) == ("invalid_argument", "outcome")


def test_an_unknown_profile_is_an_unknown_variant() -> None:
    with pytest.raises(bw.BreakwaterError) as e:
        bw.classify("http_500", profile="acme")
    assert (e.value.code, e.value.path) == ("unknown_variant", "profile")


@pytest.mark.parametrize("bad", [5, "retry-after: 1", [("retry-after",)], [("retry-after", 1)]])
def test_malformed_headers_are_type_errors(bad: object) -> None:
    with pytest.raises(bw.BreakwaterTypeError) as e:
        bw.retry_after(bad)
    assert e.value.code == "invalid_type"
    assert e.value.path.startswith("headers")


def test_a_wrong_request_object_is_a_type_error() -> None:
    client = bw.Client(seed=1, now_ms=0)
    with pytest.raises(bw.BreakwaterTypeError) as e:
        client.before_attempt("r", 0)
    assert e.value.path == "request"


def test_out_of_order_client_calls_are_invalid_arguments() -> None:
    client = bw.Client(seed=1, now_ms=0)
    req = client.begin(now_ms=0)
    with pytest.raises(bw.InvalidArgumentError) as e:
        client.on_outcome(req, "http_200", now_ms=1)
    assert e.value.path == "request"
    client.before_attempt(req, 1)
    with pytest.raises(bw.InvalidArgumentError):
        client.before_attempt(req, 2)


def test_errors_survive_pickle() -> None:
    with pytest.raises(bw.ConfigError) as e:
        bw.Policy.from_toml("[deadline]\ntotal_ms = -1\n")
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is bw.ConfigError
    assert (back.code, back.path, back.line, back.column) == (e.value.code, e.value.path, 2, e.value.column)
    assert str(back) == str(e.value)


def test_a_retry_decision_refuses_a_malformed_classification_with_its_path() -> None:
    state = bw.RetryState()
    with pytest.raises(bw.BreakwaterTypeError) as e:
        state.decide("http_500", now_ms=0)
    assert (e.value.code, e.value.path) == ("invalid_type", "classification")
    with pytest.raises(bw.BreakwaterError) as e:
        state.decide({"class": "retryable", "reason": "server_error", "retry_after": {"delay_ms": float("nan"), "source": "retry_after_ms"}}, now_ms=0)
    assert (e.value.code, e.value.path) == ("not_finite", "classification.retry_after.delay_ms")
    with pytest.raises(bw.BreakwaterError) as e:
        state.decide({"class": "retryable", "reason": "server_error"}, now_ms=-1)
    assert (e.value.code, e.value.path) == ("invalid_argument", "now_ms")
    assert state.retries_taken() == 0


def test_a_retry_guard_of_the_wrong_type_is_named() -> None:
    state = bw.RetryState()
    c = bw.classify("http_500")
    for name, bad in [("deadline", bw.RetryBudget()), ("retry_budget", {"kind": "none"}), ("error_budget", 5)]:
        with pytest.raises(bw.BreakwaterTypeError) as e:
            state.decide(c, **{name: bad}, now_ms=0)
        assert (e.value.code, e.value.path) == ("invalid_type", name)
    with pytest.raises(bw.BreakwaterTypeError) as e:
        state.decide(c, outer_owns_retries="yes", now_ms=0)
    assert e.value.path == "outer_owns_retries"
    # A bad guard is reported before a bad time, as in JS.
    with pytest.raises(bw.BreakwaterTypeError) as e:
        state.decide(c, retry_budget=5, now_ms=-1)
    assert e.value.path == "retry_budget"
    with pytest.raises(bw.ConfigError) as e:
        bw.RetryState({"retry_on": ["success"]})
    assert (e.value.code, e.value.path) == ("invalid_value", "retry_on")
    assert state.retries_taken() == 0
    # None for every guard is no guard.
    assert state.decide(c, None, None, None, None, now_ms=0)["action"] == "retry"
