"""``voicecoach doctor``: its JSON shape and exit status (this machine may lack devices)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from voicecoach.cli import main

NAMES = ["config", "microphone", "speaker", "audio path", "recognizer", "speech engine", "history"]


def test_doctor_json_and_exit_status(capsys) -> None:
    status = main(["doctor", "--json", "--listen", "0.3"])
    report = json.loads(capsys.readouterr().out)
    assert [c["name"] for c in report["checks"]] == NAMES
    assert all(set(c) >= {"name", "ok", "detail", "fix"} for c in report["checks"])
    assert all(c["fix"] for c in report["checks"] if not c["ok"])
    assert status == (0 if report["ok"] else 1)


def test_doctor_lines_name_a_bad_config(capsys) -> None:
    path = Path(os.environ["VOICECOACH_HOME"]) / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("reps = 0\n")
    assert main(["doctor", "--listen", "0.3"]) == 1
    out = capsys.readouterr().out
    assert f"FAIL config         {path}:1: reps:" in out and "cannot run here" in out
