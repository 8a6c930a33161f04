"""voicecoach.bench.roommatrix: the room's matrix of recognizer x noise x SNR x echo level."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_bench_room import manifest

from voicecoach.bench.room import main
from voicecoach.bench.roommatrix import Cell, cell_targets, cells, plot_matrix, render_matrix


def test_the_grid_has_one_noiseless_cell_per_recognizer_and_echo() -> None:
    grid = cells(["auto", "oracle"], ["none", "kitchen"], [20.0, 10.0], [-6.0, None])
    assert len(grid) == 2 * 2 * (1 + 2)
    assert Cell("oracle", "none", None, None) in grid
    assert not [c for c in grid if c.noise == "none" and c.snr is not None]


def summary(**changes: object) -> dict:
    base = {"sessions": 10, "reached_twisting": 10, "ended_as_planned": 10,
            "halting_caught": 0.9, "halting_halted": 0.8, "self_triggers": 0,
            "stop_latency_p50_ms": 250, "stop_latency_p95_ms": 500, "answer_start_p95_ms": 900,
            "counts_skipped": 0, "beat_offset_max_ms": 40}
    return {**base, **changes}


@pytest.mark.parametrize(("snr", "caught", "ok"),
                         [(None, 0.98, False), (10.0, 0.95, True), (10.0, 0.9, False),
                          (5.0, 0.85, True), (7.0, 0.9, True)])
def test_halting_caught_is_held_to_the_target_of_its_snr(
        snr: float | None, caught: float, ok: bool) -> None:
    targets = cell_targets(Cell("auto", "kitchen" if snr else "none", snr, -6.0),
                           summary(halting_caught=caught))
    assert targets["halting_caught"] is ok


def test_at_5_db_only_halting_and_self_triggers_count() -> None:
    noisy = summary(halting_caught=0.9, ended_as_planned=3, stop_latency_p95_ms=2000,
                    self_triggers=1)
    assert cell_targets(Cell("auto", "babble", 5.0, -6.0), noisy) == {
        "halting_caught": True, "self_triggers": False}
    assert not cell_targets(Cell("auto", "babble", 10.0, -6.0), noisy)["ended_as_planned"]


def test_the_table_and_the_plot(tmp_path: Path) -> None:
    rows = [{"recognizer": "oracle", "noise": n, "snr": s, "echo_db": -6.0, **summary(),
             "targets": {"self_triggers": True}} for n, s in
            [("none", None), ("kitchen", 10.0), ("kitchen", 5.0)]]
    result = {"cells": rows, "cpu_seconds": 1.0, "sessions_per_cell": 10, "seed": 1,
              "reps": 15, "limit": 900.0}
    table = render_matrix(result).splitlines()
    assert len(table) == 3 + 3 + 1 and "kitchen" in table[4] and table[3].split()[:3] == [
        "oracle", "none", "-"]
    plot_matrix(result, tmp_path / "m.png")
    assert (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"


def test_a_tiny_matrix_runs_end_to_end(tmp_path: Path, capsys) -> None:  # type: ignore
    code = main(["--matrix", "--recognizers", "oracle", "--noises", "none,fan", "--snrs", "10",
                 "--sessions", "1", "--reps", "2", "--limit", "120", "--commands",
                 str(manifest(tmp_path)), "--json"])
    out = capsys.readouterr().out.strip().splitlines()
    result = json.loads(out[-1])
    assert [(c["noise"], c["snr"]) for c in result["cells"]] == [("none", None), ("fan", 10.0)]
    assert all(c["sessions"] == 1 and c["reached_twisting"] == 1 for c in result["cells"])
    assert code in (0, 1) and any(line.lstrip().startswith("oracle") for line in out)
