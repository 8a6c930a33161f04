"""The slip-learning script runs end to end on a tiny set (the real run is by hand)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from voicecoach.bench import confusions
from voicecoach.data import data_dir, load_yaml
from voicecoach.nlu import soundalike


def test_a_tiny_run_reports_and_writes_only_the_learnt_part(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    table = tmp_path / "table.tsv"
    table.write_text("stop right now\tstop\nready when you are\tready\nhow many reps\task_reps\n")
    file = tmp_path / soundalike.FILE_NAME
    shutil.copy(data_dir("en") / soundalike.FILE_NAME, file)
    argv = ["--tables", str(table), "--voices", "espeak-ng:en-us+m3", "--conditions", "clean",
            "--cache", str(tmp_path / "cache"), "--file", str(file), "--min-sources", "1",
            "--write"]
    assert confusions.main(argv) == 0
    out = capsys.readouterr().out
    assert "slips kept" in out and f"written to {file}" in out
    before = load_yaml((data_dir("en") / soundalike.FILE_NAME).read_text("utf-8"))
    after = load_yaml(file.read_text("utf-8"))
    assert after["sounds_like"] == before["sounds_like"] and isinstance(after["heard_as"], dict)


def test_unknown_voices_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert confusions.main(["--voices", "hal9000"]) == 2
    assert "hal9000" in capsys.readouterr().err
