"""The history shown: table, terminal chart, JSON lines, CSV, a PNG."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from voicecoach.app.history import SessionRow
from voicecoach.app.report import chart, csv_text, json_lines, plot, table
from voicecoach.errors import VoiceCoachError

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
ROWS = [
    SessionRow(T0, 15, id=1, outcome="finished", right=15, left=15, tempo=1.6,
               ended=T0 + timedelta(minutes=6), phases=("safety_check", "twisting")),
    SessionRow(T0 + timedelta(days=1), 18, id=2, outcome="pain", right=7, left=6,
               halts=("pain",), updated=T0 + timedelta(days=1, minutes=3)),
]


def test_the_table_has_one_line_per_session() -> None:
    lines = table(ROWS).splitlines()
    assert len(lines) == 3 and "outcome" in lines[0]
    assert lines[1].split()[:4] == ["1", "2026-03-01", "08:00", "finished"]
    assert lines[2].split()[-1] == "pain" and " 18 " in lines[2]


def test_the_chart_draws_twists_and_marks_the_target() -> None:
    lines = chart(ROWS).splitlines()
    assert lines[1].count("#") == 15 and lines[1].index("|") == lines[1].index("#") + 15
    assert lines[2].count("#") == 6 and lines[2].index("|") == lines[2].index("#") + 18


def test_json_lines_parse_one_object_per_session() -> None:
    objects = [json.loads(line) for line in json_lines(ROWS).splitlines()]
    assert [o["twists"] for o in objects] == [{"right": 15, "left": 15}, {"right": 7, "left": 6}]
    assert objects[1]["ended"] == "2026-03-02T08:03:00+00:00"  # killed: its last update
    assert datetime.fromisoformat(objects[0]["started"]) == T0


def test_csv_has_a_header_and_a_row_per_session() -> None:
    rows = list(csv.DictReader(io.StringIO(csv_text(ROWS))))
    assert [(r["outcome"], r["right"], r["halts"]) for r in rows] == [
        ("finished", "15", ""), ("pain", "7", "pain")]


def test_plot_writes_a_png(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    plot(ROWS, tmp_path / "twists.png")
    assert (tmp_path / "twists.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_without_matplotlib_says_how_to_get_it(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(VoiceCoachError, match=r"pip install 'voicecoach\[plot\]'"):
        plot(ROWS, tmp_path / "twists.png")
    assert not (tmp_path / "twists.png").exists()
