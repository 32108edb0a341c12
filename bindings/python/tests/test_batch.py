"""Batch planning from Python: fed from file and generator iterators, errors typed with their
line, and one plan -> route -> replay round with nothing lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

import breakwater as bw


def request(i: int, model: str = "gpt-4o-mini") -> str:
    body = {"model": model, "messages": [{"role": "user", "content": f"ticket {i}"}], "max_tokens": 64}
    return json.dumps({"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions", "body": body})


def test_a_file_iterator_plans_lines_with_their_newlines(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text("".join(request(i, "gpt-4o-mini" if i % 2 else "gpt-4.1-nano") + "\n" for i in range(10)))
    planner = bw.BatchPlanner({"max_requests_per_file": 3})
    files: Dict[str, List[bytes]] = {}
    with src.open("rb") as f:  # bytes lines, each ending in b"\n"
        for line in f:
            p = planner.push(line)
            assert p["placement"] == "planned"
            files.setdefault(p["path"], []).append(line)
    manifest = planner.finish()
    assert manifest["totals"]["planned"] == 10
    for summary in manifest["files"]:
        lines = files[summary["path"]]
        assert summary["requests"] == len(lines) <= 3
        assert summary["bytes"] == sum(len(x) for x in lines)
        assert summary["custom_ids"] == [json.loads(x)["custom_id"] for x in lines]


def test_a_stopping_plan_raises_a_typed_error_with_the_line() -> None:
    planner = bw.BatchPlanner()
    planner.push(request(1))
    with pytest.raises(bw.ConfigError) as e:
        planner.push(request(1))
    assert (e.value.code, e.value.path, e.value.line) == ("invalid_value", "custom_id", 2)
    with pytest.raises(bw.ParseError) as e:
        planner.push(b"{\"custom_id\": \"x\", \xff}")
    assert (e.value.code, e.value.line) == ("syntax_error", 3)
    assert [r["code"] for r in planner.finish()["rejected"]] == ["duplicate_custom_id", "invalid_utf8"]
    with pytest.raises(bw.InvalidArgumentError):
        planner.push(request(9))


def test_a_round_from_generators_loses_nothing() -> None:
    lines = [request(i) for i in range(20)]

    def source() -> Iterator[str]:
        yield from lines

    planner = bw.BatchPlanner({"max_attempts": 2})
    for line in source():
        planner.push(line)
    manifest = planner.finish()
    router = bw.BatchRouter(manifest, None)
    retry = []
    for i in range(18):  # r18 and r19 get no result: missing
        if i % 3 == 0:
            result = {"custom_id": f"r{i}", "response": {"status_code": 200, "body": {}}, "error": None}
            step = router.push_output(json.dumps(result))
        else:
            result = {"custom_id": f"r{i}", "response": None, "error": {"code": "batch_expired"}}
            step = router.push_errors(json.dumps(result).encode())
            retry.append(step)
        assert "issue" not in step
    done = router.finish()
    report = done["report"]
    counted = sum(report[k] for k in ("succeeded", "retry", "permanent", "quarantined", "missing"))
    assert counted == report["requests"] == 20
    assert [m["custom_id"] for m in done["missing"]] == ["r18", "r19"]

    replay = bw.BatchReplay(manifest, report, retry, [])
    placed = [line for line in source() if replay.push(line) is not None]
    assert placed == [lines[i] for i in range(18) if i % 3 != 0]
    outcome = replay.finish()
    assert outcome["manifest"]["round"] == 2 and outcome["not_found"] == []
    assert {e["attempts"] for e in outcome["ledger"]} == {2}
