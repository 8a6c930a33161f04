"""Scripted sessions end to end: script file -> real intent matcher -> coach -> JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicecoach.app.session import ScriptLine, clean_text, parse_script
from voicecoach.cli import main
from voicecoach.errors import ScriptError


def run_json(tmp_path: Path, capsys: pytest.CaptureFixture[str], script: str,
             *extra: str) -> list[dict]:
    path = tmp_path / "session.txt"
    path.write_text(script, encoding="utf-8")
    code = main(["run", "--text", "--script", str(path), "--clock", "virtual", "--json",
                 "--seed", "1", *extra])
    assert code == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def events(records: list[dict], kind: str) -> list[dict]:
    return [r for r in records if r["event"] == kind]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@12.5 how many reps\nready\n", [ScriptLine(12.5, "how many reps"),
                                          ScriptLine(None, "ready")]),
        ("# comment\n\n   \n@0 start back twist", [ScriptLine(0.0, "start back twist")]),
        ("@3", [ScriptLine(3.0, "")]),
    ],
)
def test_parse_script(text: str, expected: list[ScriptLine]) -> None:
    assert parse_script(text) == expected


@pytest.mark.parametrize("line", ["@soon stop", "@-1 stop", "@nan stop", "@1e9 stop"])
def test_bad_script_lines_say_where(line: str) -> None:
    with pytest.raises(ScriptError, match="s.txt:2"):
        parse_script(f"ready\n{line}", "s.txt")


def test_a_whole_session_from_three_answers(tmp_path: Path, capsys) -> None:  # type: ignore
    records = run_json(tmp_path, capsys, "start back twist\nno\nI'm ready\n")
    assert [r["phase"] for r in events(records, "phase")] == [
        "safety_check", "setup", "twisting", "cooldown", "done"]
    assert events(records, "end")[-1]["reason"] == "done"
    assert len(events(records, "rep")) == 30
    assert all(set(r) >= {"t", "event"} for r in records)
    heard = events(records, "intent")
    assert [h["intent"] for h in heard] == ["start", "no", "ready"]


def test_timed_lines_interrupt_and_questions_fit(tmp_path: Path, capsys) -> None:  # type: ignore
    records = run_json(tmp_path, capsys,
                       "start back twist\nno\nready\n@140 how many reps\n@150 ouch my back\n"
                       "I feel fine now\nyes\n")
    halt = events(records, "halt")[0]
    assert halt["reason"] == "pain" and halt["t"] == 150
    assert not [r for r in events(records, "rep") if 150 < r["t"] < 160]
    assert events(records, "end")[-1]["reason"] == "done"


def test_typed_talk_about_the_body_pauses_and_asks(tmp_path: Path, capsys) -> None:  # type: ignore
    records = run_json(tmp_path, capsys,
                       "start back twist\nno\nready\n@140 i did something to my lower back\n"
                       "no\n")
    heard = events(records, "intent")[3]
    assert (heard["intent"], heard["doubt"]) == ("none", "pain")
    asked = [r for r in events(records, "say") if r["t"] == 140]
    assert [r["key"] for r in asked] == ["check.pain"]
    assert not events(records, "halt")


@pytest.mark.parametrize(
    "junk",
    ["", "x" * 10_000, "\x00\x01\xff\ufffd\x1b[31m", "今日はいい天気ですね", "안녕하세요",
     "Привет, как дела?", "🤸‍♀️🔥"],
)
def test_junk_gets_a_sorry_and_the_session_goes_on(junk: str) -> None:
    from coachkit import make_coach

    from voicecoach.app.session import Session, run_script
    from voicecoach.nlu.matcher import IntentMatcher

    records: list[dict] = []
    session = Session(make_coach(), IntentMatcher.load(), records.append)
    lines = [ScriptLine(None, s) for s in ("start back twist", junk, "no", "ready")]
    run_script(session, lines)
    assert any(r.get("key") == "sorry" for r in records)
    assert events(records, "end")[-1]["reason"] == "done"
    assert all(len(r.get("text", "")) <= 2000 for r in records)


def test_clean_text_bounds_and_flattens() -> None:
    assert clean_text("a\nb\tc\x00d") == "a b c d"
    assert len(clean_text("y" * 10_000)) == 2000


def test_binary_script_file_is_not_a_traceback(tmp_path: Path, capsys) -> None:  # type: ignore
    path = tmp_path / "junk.bin"
    path.write_bytes(bytes(range(256)) * 50)
    assert main(["run", "--text", "--script", str(path), "--clock", "virtual", "--json"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert json.loads(out[-1])["event"] == "end"


@pytest.mark.parametrize("script", ["@soon stop\n", None])
def test_unreadable_or_malformed_script_is_one_line(tmp_path: Path, capsys, script) -> None:  # type: ignore
    path = tmp_path / "s.txt"
    if script is not None:
        path.write_text(script, encoding="utf-8")
    assert main(["run", "--text", "--script", str(path), "--clock", "virtual"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("voicecoach: ") and "s.txt" in err[0]


def test_understand_prints_one_json_line_per_input(capsys) -> None:  # type: ignore
    assert main(["understand", "--json", "how many reps", "I feel dizzy", "play some music"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["intent"] for line in lines] == ["ask_reps", "dizzy", "none"]
    assert all(set(line) == {"input", "transcript", "intent", "confidence"} for line in lines)
    assert all(0 <= line["confidence"] <= 1 for line in lines)
