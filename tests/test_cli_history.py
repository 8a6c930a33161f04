"""``voicecoach history`` and the history a real ``voicecoach run`` keeps ($VOICECOACH_HOME)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from voicecoach.cli import main

SESSION = "start back twist\nno\nready\n"


def run(tmp_path: Path, capsys, *flags: str, script: str = SESSION) -> list[dict]:
    path = tmp_path / "session.txt"
    path.write_text(script)
    capsys.readouterr()
    assert main(["run", "--text", "--script", str(path), "--clock", "virtual", "--json",
                 *flags]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def home() -> Path:
    return Path(os.environ["VOICECOACH_HOME"])


def test_sessions_are_kept_and_shown(tmp_path: Path, capsys) -> None:
    first = run(tmp_path, capsys)
    second = run(tmp_path, capsys, script=SESSION + "@200 ouch my back\nno\n")
    assert first[0]["key"] == "greeting" and second[0]["key"] == "greeting.returning"
    assert main(["history"]) == 0
    out = capsys.readouterr().out
    assert "finished" in out and "pain" in out and "twists per side" in out
    assert main(["history", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(s["outcome"], s["target"]) for s in lines] == [("finished", 15), ("pain", 15)]
    assert lines[0]["twists"] == {"right": 15, "left": 15}
    assert lines[0]["started"] <= lines[0]["ended"]


def test_after_pain_the_next_session_steps_back(tmp_path: Path, capsys) -> None:
    run(tmp_path, capsys, script=SESSION + "@200 ouch my back\nno\n")
    records = run(tmp_path, capsys)
    assert "health professional" in records[0]["text"]
    assert max(r["count"] for r in records if r["event"] == "rep") == 12


def test_csv_and_plot(tmp_path: Path, capsys) -> None:
    run(tmp_path, capsys)
    assert main(["history", "--csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["outcome"], r["right"], r["left"]) for r in rows] == [("finished", "15", "15")]
    pytest.importorskip("matplotlib")
    assert main(["history", "--plot", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").stat().st_size > 1000


def test_no_history_keeps_nothing(tmp_path: Path, capsys) -> None:
    run(tmp_path, capsys, "--no-history")
    assert not (home() / "history.sqlite3").exists()
    assert main(["history"]) == 0
    assert "no sessions recorded yet" in capsys.readouterr().out


def test_a_corrupt_history_leaves_the_session_running_and_the_file_untouched(
        tmp_path: Path, capsys) -> None:
    home().mkdir(exist_ok=True)
    path = home() / "history.sqlite3"
    path.write_bytes(b"\x00garbage" * 500)
    script = tmp_path / "session.txt"
    script.write_text(SESSION)
    assert main(["run", "--text", "--script", str(script), "--clock", "virtual", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out.splitlines()[-1])["reason"] == "done"
    (line,) = captured.err.splitlines()[:1]
    assert "damaged" in line and "not recorded" in line
    assert path.read_bytes() == b"\x00garbage" * 500
    assert main(["history"]) == 1
    assert "damaged" in capsys.readouterr().err
