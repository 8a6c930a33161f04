"""``voicecoach config``, ``config path``, ``config set`` and how a run takes the settings."""

from __future__ import annotations

import json
import os
from pathlib import Path

from voicecoach.cli import main


def config_file() -> Path:
    return Path(os.environ["VOICECOACH_HOME"]) / "config.toml"


def shown(capsys) -> dict[str, tuple[str, str]]:
    assert main(["config"]) == 0
    lines = [line.split(None, 2) for line in capsys.readouterr().out.splitlines()
             if not line.startswith("#")]
    return {name: (value, rest.split("#")[0].strip()) for name, value, rest in lines}


def test_path_is_in_voicecoach_home(capsys) -> None:
    assert main(["config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(config_file())


def test_set_then_show_with_sources(capsys, monkeypatch) -> None:
    assert main(["config", "set", "reps", "20"]) == 0
    assert main(["config", "set", "voice", "en-gb"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("VOICECOACH_VOICE", "en-us")
    table = shown(capsys)
    assert table["reps"] == ("20", f"file {config_file()}:1")
    assert table["voice"] == ("en-us", "environment $VOICECOACH_VOICE")
    assert table["engine"] == ("auto", "default")


def test_a_bad_value_is_refused_in_one_line(capsys) -> None:
    assert main(["config", "set", "volume", "11"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "volume" in err and "from 0 to 1" in err
    assert not config_file().exists()


def test_a_run_takes_the_file_and_a_flag_beats_it(tmp_path: Path, capsys) -> None:
    assert main(["config", "set", "reps", "3"]) == 0
    script = tmp_path / "s.txt"
    script.write_text("start back twist\nno\nready\n")
    base = ["run", "--text", "--script", str(script), "--clock", "virtual", "--json"]
    for flags, reps in (([], 3), (["--reps", "4"], 4)):
        capsys.readouterr()
        assert main([*base, *flags]) == 0
        records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert max(r["count"] for r in records if r["event"] == "rep") == reps


def test_a_bad_file_stops_a_run_with_file_line_key_and_allowed(capsys) -> None:
    config_file().parent.mkdir(parents=True, exist_ok=True)
    config_file().write_text("# mine\nengine = \"siri\"\n")
    assert main(["run", "--text"]) == 1
    err = capsys.readouterr().err
    assert f"{config_file()}:2: engine:" in err and "auto or whisper or vosk or pocketsphinx" in err
