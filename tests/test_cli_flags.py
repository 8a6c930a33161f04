"""Flags -> frozen settings (through the environment and the config file), and --verbose/--quiet."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

import pytest

from voicecoach.app.settings import RunSettings
from voicecoach.cli import build_parser, main
from voicecoach.cli.flags import run_settings


def test_a_plain_run_gets_defaults_and_the_history_in_voicecoach_home() -> None:
    settings = run_settings(build_parser().parse_args(["run"]))
    home = Path(os.environ["VOICECOACH_HOME"])
    assert settings == RunSettings(history=str(home / "history.sqlite3"))


def test_flags_environment_and_file_meet_in_one_frozen_object(monkeypatch) -> None:
    home = Path(os.environ["VOICECOACH_HOME"])
    (home / "config.toml").write_text("voice = \"en-gb\"\nvolume = 0.5\n")
    monkeypatch.setenv("VOICECOACH_RATE", "150")
    args = build_parser().parse_args(["run", "--reps", "20", "--no-history", "--device", "2"])
    settings = run_settings(args)
    assert (settings.reps, settings.voice, settings.volume, settings.rate) == (20, "en-gb", 0.5,
                                                                               150)
    assert settings.history is None and settings.device == "2"
    with pytest.raises(AttributeError):
        settings.reps = 3  # type: ignore[misc]


def test_an_empty_namespace_is_a_plain_run() -> None:
    assert run_settings(argparse.Namespace()) == run_settings(build_parser().parse_args(["run"]))


def script(tmp_path: Path) -> str:
    path = tmp_path / "s.txt"
    path.write_text("start back twist\nquit\n")
    return str(path)


def test_quiet_prints_only_the_coach(tmp_path: Path, capsys) -> None:
    assert main(["run", "--quiet", "--text", "--script", script(tmp_path)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and all(line.startswith("[") for line in out.splitlines())
    assert main(["run", "--text", "--script", script(tmp_path)]) == 0
    assert "scripts play in virtual time" in capsys.readouterr().err


def test_verbose_logs_what_was_heard_and_decided(tmp_path: Path, caplog) -> None:
    with caplog.at_level(logging.INFO):
        assert main(["run", "-v", "--text", "--script", script(tmp_path), "--clock",
                     "virtual"]) == 0
    logged = caplog.text
    assert "event=heard text=start back twist" in logged
    assert "event=intent intent=start confidence=1.0" in logged
    assert "event=end reason=quit" in logged
