#!/usr/bin/env python3
"""Writes a one-hour Realtime session timeline for `breakwater realtime replay` (bench/README.md).

About 100,000 events: a turn every 9 s (the user speaks 3 s, the answer streams 6 s of pcm16
audio in 24 ms deltas with its transcript, and is played), every fifth answer interrupted.
Usage: gen.py OUT.jsonl [events]
"""

import json
import sys

MS_PER_DELTA = 24
B64_PER_MS = 64  # pcm16 at 24 kHz: 48 bytes a ms, 64 base64 characters


def main() -> None:
    out, target = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    delta = "A" * (MS_PER_DELTA * B64_PER_MS)
    lines, t, turn = [], 0, 0
    lines.append({"at_ms": 0, "config": {"interrupt_response": False}})
    while len(lines) < target:
        turn += 1
        item, resp = f"a{turn}", f"r{turn}"
        lines.append({"at_ms": t, "server": {"type": "input_audio_buffer.speech_started", "event_id": f"s{turn}", "item_id": f"u{turn}", "audio_start_ms": t}})
        t += 3000
        lines.append({"at_ms": t, "server": {"type": "input_audio_buffer.speech_stopped", "event_id": f"p{turn}", "item_id": f"u{turn}"}})
        t += 400
        lines.append({"at_ms": t, "server": {"type": "response.created", "event_id": f"c{turn}", "response": {"id": resp, "status": "in_progress"}}})
        start = t
        for k in range(6000 // MS_PER_DELTA):
            t = start + 100 + k * MS_PER_DELTA // 4
            lines.append({"at_ms": t, "server": {"type": "response.output_audio.delta", "event_id": f"d{turn}.{k}", "response_id": resp, "item_id": item, "output_index": 0, "content_index": 0, "delta": delta}})
            if k % 10 == 0:
                lines.append({"at_ms": t, "server": {"type": "response.output_audio_transcript.delta", "event_id": f"x{turn}.{k}", "item_id": item, "delta": "word "}})
                lines.append({"at_ms": t + 150, "played": {"item_id": item, "ms": k * MS_PER_DELTA}})
        t += 200
        lines.append({"at_ms": t, "server": {"type": "response.output_audio.done", "event_id": f"o{turn}", "response_id": resp, "item_id": item}})
        if turn % 5 == 0:
            lines.append({"at_ms": t, "server": {"type": "input_audio_buffer.speech_started", "event_id": f"i{turn}", "item_id": f"v{turn}", "audio_start_ms": t}})
            t += 800
        lines.append({"at_ms": t, "server": {"type": "response.done", "event_id": f"e{turn}", "response": {"id": resp, "status": "completed"}}})
        if turn % 5:
            lines.append({"at_ms": start + 6400, "played": {"item_id": item, "ms": 6000}})
        t = start + 6600
    lines = lines[:1] + sorted(lines[1:target], key=lambda line: line["at_ms"])  # stable: a timeline is in time order
    with open(out, "w") as f:
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
