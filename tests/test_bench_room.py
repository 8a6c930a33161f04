"""voicecoach.bench.room: a tiny run of the room benchmark, end to end.

Recognition is bypassed (``--recognizer oracle``) so that the figures are the loop's own; a
manifest of the test voice's recordings stands in for the built-in commands.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from speechkit import speak

from voicecoach.bench.room import TARGETS, main

KEYS = ("halting_caught", "stop_latency_p50_ms", "stop_latency_p95_ms", "silent_after_halt_ms",
        "self_triggers", "answer_start_p95_ms", "counts_skipped", "beat_offset_max_ms",
        "drift_ms")


def manifest(folder: Path) -> Path:
    rows = []
    for name, text, intent in [("stop", "stop", "stop"), ("ouch", "ouch that hurts", "pain"),
                               ("reps", "how many reps", "ask_reps")]:
        speak(text, folder / f"{name}.wav")
        rows.append(f"{name}.wav\t{intent}")
    path = folder / "MANIFEST.tsv"
    path.write_text("# path<TAB>intent\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_a_tiny_run_prints_the_table_and_one_json_line(tmp_path: Path, capsys) -> None:  # type: ignore
    code = main(["--commands", str(manifest(tmp_path)), "--sessions", "1", "--reps", "4",
                 "--recognizer", "oracle", "--seed", "3", "--json", "--log", str(tmp_path)])
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    assert set(KEYS) <= set(result) and set(TARGETS) == set(result["targets"])
    assert code == (0 if all(result["targets"].values()) else 1)
    assert result["halting"] >= 1 and result["halting_caught"] == 1.0  # the oracle hears all
    assert 0 <= result["silent_after_halt_ms"] <= 20  # one output block
    assert result["self_triggers"] == 0 and "manifest" in result["voices"]
    assert result["noise_replies"] == 0  # the oracle hears no noise
    assert any(line.startswith("manifest") for line in out)
    log = [json.loads(line) for line in (tmp_path / "session-1.jsonl").read_text().splitlines()]
    kinds = {r["event"] for r in log}
    assert {"say", "rep", "halt", "user", "played"} <= kinds
    assert any(r["event"] == "played" and r["cut"] for r in log)


def test_a_manifest_with_an_unknown_intent_is_refused(tmp_path: Path, capsys) -> None:  # type: ignore
    bad = tmp_path / "MANIFEST.tsv"
    bad.write_text("x.wav\tjump\n", encoding="utf-8")
    assert main(["--commands", str(bad)]) == 2
    assert "MANIFEST.tsv:1: unknown intent 'jump'" in capsys.readouterr().err


@pytest.mark.parametrize("option", ["--sessions", "--snr"])
def test_bad_numbers_are_usage_errors(option: str) -> None:
    with pytest.raises(SystemExit):
        main([option, "many"])


def test_the_ears_lag_is_added_to_what_it_acted_on() -> None:
    """Latencies count the time recognition took here (the room runs in audio time): what
    the coach did at 2.0 s was known at 2.18 s; at 3.5 s, the last thing heard was known at
    3.0 s; nothing heard since 4.0 s: the time itself."""
    from voicecoach.bench.room import _known

    records = [{"t": 2.0, "event": "heard", "text": "stop", "lag": 0.18},
               {"t": 2.0, "event": "halt", "reason": "stop"},
               {"t": 3.0, "event": "heard", "text": "how many reps"}]
    assert _known(records, 1.5, 2.0) == 2.18 and _known(records, 2.5, 3.5) == 3.0
    assert _known(records, 4.0, 4.5) == 4.5


def test_what_the_coach_says_to_nobody_is_counted() -> None:
    from voicecoach.app.room import Said, UserLine
    from voicecoach.bench.room import _noise_replies

    said = [Said(UserLine(b"", "stop", "stop"), 10.0, 10.5, False)]
    records = [{"event": "say", "t": 5.0, "key": "sorry"},  # nobody spoke: the noise's
               {"event": "say", "t": 11.0, "key": "check.stop"},  # the user's "stop", unsure
               {"event": "say", "t": 20.0, "key": "check.dizzy"},
               {"event": "say", "t": 21.0, "key": "twist.right"}]
    assert _noise_replies(records, said) == ["5.0: sorry", "20.0: check.dizzy"]


def test_an_intent_let_pass_is_not_a_self_trigger() -> None:
    from voicecoach.bench.room import _self_triggers

    records = [{"event": "heard", "t": 5.0, "text": "no"},
               {"event": "intent", "t": 5.0, "intent": "no", "confidence": 1.0},
               {"event": "passed", "t": 5.0, "intent": "no"},
               {"event": "rep", "t": 6.0},
               {"event": "heard", "t": 9.0, "text": "how many"},
               {"event": "intent", "t": 9.0, "intent": "ask_reps", "confidence": 1.0},
               {"event": "say", "t": 9.5, "key": "reps.left"}]  # after the count
    assert _self_triggers(records, []) == ["9.0: ask_reps"]


def test_the_bench_user_answers_every_question_its_session_can_ask() -> None:
    """Asked again (noise heard over the answer), the user answers again: a session must not
    end in silence because the simulated user never answers a step."""
    from voicecoach.bench.room import REPLIES
    from voicecoach.coach.steps import ANSWERS

    never_reached = {"cleared_check"}  # only after a "yes, I have back problems"
    assert set(ANSWERS) - never_reached <= set(REPLIES)
