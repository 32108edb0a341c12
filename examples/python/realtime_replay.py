"""Replays a recorded Realtime event log through breakwater's interruption machine, the way a
voice app drives it live: every server event and playback report goes in, due timers fire,
and each action comes out in order (send a client event, stop or resume playback).

    python examples/python/realtime_replay.py examples/realtime/barge-in.jsonl

The log is the `breakwater realtime replay` timeline: one JSON object per line with `at_ms`
and one of `config`, `server` (the event exactly as the API sent it) or `played`.
"""

from __future__ import annotations

import json
import sys
from typing import Any, Dict, Iterable, List

import breakwater as bw


def replay(lines: Iterable[str]) -> Dict[str, List[Any]]:
    """Drives a RealtimeSession through the log; returns the actions, issues and turns."""
    session = None
    out: Dict[str, List[Any]] = {"actions": [], "issues": [], "turns": []}

    def take(step: Dict[str, Any]) -> None:
        for key in out:
            out[key].extend(step[key])

    for text in lines:
        if not text.strip():
            continue
        line = json.loads(text)
        at = line["at_ms"]
        if "config" in line:
            session = bw.RealtimeSession(line["config"])
            continue
        session = session or bw.RealtimeSession()
        # Timers first: a live app wakes at poll_timeout() whether or not an event arrives.
        while (due := session.poll_timeout()) is not None and due <= at:
            take(session.handle_timeout(due))
        if "server" in line:
            take(session.handle_event(line["server"], at))
        else:
            take(session.played(line["played"]["item_id"], line["played"]["ms"], at))
    if session is not None:
        while (due := session.poll_timeout()) is not None:
            take(session.handle_timeout(due))
    return out


def describe(action: Dict[str, Any]) -> str:
    if action["action"] == "send":
        return "send " + json.dumps(action["event"])
    return f'{action["action"]} {action.get("item_id") or "(the audio track)"}'


def main(path: str) -> int:
    with open(path, encoding="utf-8") as log:
        result = replay(log)
    for action in result["actions"]:
        print(f'{action["at_ms"]:>8} ms  {describe(action)}')
    for issue in result["issues"]:
        print(f'{issue["at_ms"]:>8} ms  issue {issue["code"]}: {issue["message"]}')
    for turn in result["turns"]:
        over = ", ".join(turn["violations"]) or "within budget"
        print(f'turn at {turn["speech_end_ms"]} ms: voice to voice {turn["voice_to_voice_ms"]} ms ({over})')
    return 1 if result["issues"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
