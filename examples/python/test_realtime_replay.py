"""The Realtime replay example: driving a RealtimeSession event by event gives exactly what the
core's own timeline replay (`realtime_replay`, the CLI's contract) gives."""

from pathlib import Path

import breakwater as bw

import realtime_replay

LOG = Path(__file__).resolve().parent.parent / "realtime" / "barge-in.jsonl"


def test_the_host_loop_matches_the_core_replay(capsys) -> None:
    driven = realtime_replay.replay(LOG.read_text().splitlines())
    core = bw.realtime_replay(LOG.read_text())
    assert driven["actions"] == core["actions"]
    assert driven["turns"] == core["turns"]
    sent = [a["event"]["type"] for a in driven["actions"] if a["action"] == "send"]
    assert sent == ["response.cancel", "conversation.item.truncate"]
    assert realtime_replay.main(str(LOG)) == 0
    printed = capsys.readouterr().out
    assert "stop_playback a1" in printed and "voice to voice 900 ms (voice_to_voice)" in printed
