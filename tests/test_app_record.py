"""Recording sessions as they go: real coach sessions into a real SQLite file, and a real
``voicecoach run`` killed with SIGKILL many times."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from coachkit import FULL, IntentNameMatcher, make_coach
from conftest import REPO

from voicecoach.app.history import HistoryError, SessionRow, SqliteHistory
from voicecoach.app.record import Recorder, open_store, plan
from voicecoach.app.session import ScriptLine, Session, run_script
from voicecoach.coach.machine import CoachConfig


def record(store: Any, said: list[str | tuple[float, str]], target: int = 4) -> list[dict]:
    records: list[dict] = []
    recorder = Recorder(store, records.append, target)
    session = Session(make_coach(CoachConfig(target=target)), IntentNameMatcher(), recorder)
    run_script(session, [ScriptLine(*s) if isinstance(s, tuple) else ScriptLine(None, s)
                         for s in said])
    return records


def test_a_whole_session_is_recorded(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.sqlite3")
    record(store, [*FULL, (60, "ask reps")])
    (row,) = store.sessions()
    assert (row.outcome, row.target, row.right, row.left) == ("finished", 4, 4, 4)
    assert row.phases == ("safety_check", "setup", "twisting", "cooldown", "done")
    assert row.questions == ("ask_reps",) and row.ended is not None
    assert 1.0 <= (row.tempo or 0) <= 3.0


def test_how_a_session_ended(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.sqlite3")
    record(store, [*FULL, (70, "pain"), "no"])
    record(store, [*FULL, (70, "stop"), "no"])
    record(store, ["start", "quit"])
    record(store, [])
    pain, stop, quit_, silence = store.sessions()
    assert (pain.outcome, pain.halts) == ("pain", ("pain",))
    assert (stop.outcome, stop.halts) == ("stop", ("stop",))
    assert (quit_.outcome, quit_.phases) == ("quit", ("safety_check",))
    assert silence.outcome == "silence"


def test_what_was_shown_is_already_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store = SqliteHistory(path)
    reader = sqlite3.connect(path)
    seen: list[tuple[int, int]] = []

    def shown(event: dict) -> None:
        if event["event"] == "rep":
            stored = reader.execute(
                f"SELECT twists_{event['side']} FROM sessions").fetchone()[0]
            seen.append((event["count"], stored))

    session = Session(make_coach(CoachConfig(target=5)), IntentNameMatcher(),
                      Recorder(store, shown, 5))
    run_script(session, [ScriptLine(None, s) for s in FULL])
    assert len(seen) == 10 and all(count == stored for count, stored in seen)


def test_a_full_disk_mid_session_is_one_line_and_the_session_goes_on(tmp_path: Path,
                                                                      capsys) -> None:
    store = SqliteHistory(tmp_path / "h.sqlite3")
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count={pages}")  # what a full disk looks like to SQLite
    with pytest.raises(HistoryError):
        while True:
            store.start(SessionRow(datetime.now(), 15))
    records = record(store, FULL, target=60)
    assert records[-1] == {"t": records[-1]["t"], "event": "end", "reason": "done"}
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "disk is full" in err[0] and "not recorded" in err[0]


def test_an_unusable_file_means_no_history_and_one_line(tmp_path: Path, capsys) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"garbage" * 1000)
    store = open_store(str(path))
    assert not store.keeps and plan(store) is None
    assert capsys.readouterr().err.count("\n") == 1
    assert path.read_bytes() == b"garbage" * 1000


def test_the_plan_comes_from_the_recorded_sessions(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.sqlite3")
    for _ in range(2):
        record(store, FULL, target=15)
    progress = plan(store)
    assert progress is not None and (progress.target, progress.reason) == (18, "step_up")
    record(store, [*FULL, (70, "dizzy"), "no"], target=18)
    progress = plan(store)
    assert progress is not None and (progress.target, progress.caution) == (15, "dizzy")


# -- the real command, killed at random points -----------------------------------------------

KILLS = 20
BUDGET = 25.0
"""Seconds the kills may take in all (a slow machine makes fewer, never a hang)."""
WATCHDOG = 10.0
RUN = [sys.executable, "-m", "voicecoach", "run", "--text", "--clock", "virtual", "--json",
       "--reps", "30"]


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "VOICECOACH_HOME": str(home), "PYTHONPATH": str(REPO)}


def _rows(path: Path) -> list[tuple]:
    if not path.exists():
        return []
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        return db.execute("SELECT * FROM sessions ORDER BY id").fetchall()
    finally:
        db.close()


def _kill_at_random(cmd: list[str], env: dict[str, str], rng: random.Random) -> list[dict]:
    """Start ``cmd``; SIGKILL it after a random time, or after a random number of event
    lines; returns the events it printed."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    assert proc.stdout is not None
    events: list[dict] = []
    watchdog = threading.Timer(WATCHDOG, proc.kill)  # a hung child never hangs the test
    watchdog.start()
    try:
        if rng.random() < 0.3:
            time.sleep(rng.uniform(0.0, 0.8))
        else:
            wanted = rng.randint(1, 150)
            while len(events) < wanted and (line := proc.stdout.readline()):
                events.append(json.loads(line))
        proc.send_signal(signal.SIGKILL)
        rest = proc.stdout.read()  # ends: the process is dead
        proc.wait(timeout=10)
    finally:
        watchdog.cancel()
        proc.kill()
        proc.stdout.close()
    complete = rest.split(b"\n")[:-1]  # a line cut by the kill is not an event
    return events + [json.loads(line) for line in complete if line.strip()]


def test_sigkill_at_random_points_never_loses_or_corrupts(tmp_path: Path) -> None:
    script = tmp_path / "session.txt"
    script.write_text("start back twist\nno\nready\n")
    home, rng = tmp_path / "home", random.Random(9)
    path = home / "history.sqlite3"
    before: list[tuple] = []
    mid_session = kills = 0
    deadline = time.monotonic() + BUDGET
    while kills < KILLS and time.monotonic() < deadline:
        kills += 1
        events = _kill_at_random([*RUN, "--script", str(script)], _env(home), rng)
        after = _rows(path)
        assert after[: len(before)] == before, "an earlier session changed"
        assert len(after) - len(before) <= 1
        if len(after) > len(before):
            mid_session += _check_last(after[-1], events)
        before = after
    assert kills >= KILLS // 2 and len(before) >= kills // 2
    assert mid_session >= 3, f"{mid_session} of {kills} kills landed while twisting"


def _check_last(row: tuple, events: list[dict]) -> int:
    """The killed session's row holds at least every twist it printed; 1 if it was killed
    while twisting."""
    right, left, outcome, ended = row[7], row[8], row[4], row[3]
    reps = [e for e in events if e["event"] == "rep"]
    shown = {side: max([e["count"] for e in reps if e["side"] == side], default=0)
             for side in ("right", "left")}
    assert right >= shown["right"] and left >= shown["left"]
    assert right - left in (0, 1)
    if any(e["event"] == "end" for e in events):
        assert (outcome, right, left) == ("finished", 30, 30) and ended
        return 0
    assert outcome == "interrupted" and ended is None
    return int(0 < right < 30)


def test_two_runs_at_once_both_recorded(tmp_path: Path) -> None:
    script = tmp_path / "session.txt"
    script.write_text("start back twist\nno\nready\n")
    home = tmp_path / "home"
    cmd = [*RUN, "--script", str(script)]
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=_env(home)) for _ in range(3)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0]
    rows = _rows(home / "history.sqlite3")
    assert [(r[4], r[7], r[8]) for r in rows] == [("finished", 30, 30)] * 3
