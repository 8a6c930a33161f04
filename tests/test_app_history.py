"""The history store: a real SQLite file in tmp_path, and every way the file can be unusable."""

from __future__ import annotations

import os
import sqlite3
import threading
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from voicecoach.app.history import (
    SCHEMA_VERSION,
    HistoryError,
    NullHistory,
    SessionRow,
    SqliteHistory,
    wal,
)

START = datetime(2026, 1, 5, 7, 30, tzinfo=timezone(timedelta(hours=1)))


def clock(start: datetime = START):
    ticks = iter(range(10**6))
    return lambda: start + timedelta(seconds=next(ticks))


def test_a_session_is_written_at_start_and_updated_as_it_goes(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.sqlite3", now=clock())
    row = store.start(SessionRow(START, target=15))
    assert row.id == 1 and store.sessions() == [replace(row, updated=START)]
    row = replace(row, right=3, left=2, phases=("safety_check", "twisting"), tempo=2.1)
    store.save(row)
    (stored,) = store.sessions()
    assert (stored.right, stored.left, stored.phases, stored.tempo) == (3, 2, row.phases, 2.1)
    assert stored.outcome == "interrupted" and stored.ended is None
    store.close()


def test_a_session_left_open_is_closed_as_interrupted(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.sqlite3", now=clock())
    store.start(SessionRow(START, target=15))
    done = store.start(SessionRow(START, target=15))
    store.save(replace(done, outcome="finished", ended=START))
    store.close()
    reopened = SqliteHistory(tmp_path / "h.sqlite3")
    first, second = reopened.sessions()
    assert first.outcome == "interrupted" and first.ended is not None
    assert second.outcome == "finished"
    reopened.close()


def test_json_has_iso_times_outcome_target_and_twists_per_side(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.sqlite3", now=clock())
    row = store.start(SessionRow(START, target=12, right=12, left=11))
    store.save(replace(row, outcome="finished", ended=START + timedelta(minutes=5),
                       questions=("ask_reps",)))
    line = store.sessions()[0].as_json()
    assert line["started"] == "2026-01-05T07:30:00+01:00"
    assert line["ended"] == "2026-01-05T07:35:00+01:00"
    assert (line["outcome"], line["target"], line["twists"]) == (
        "finished", 12, {"right": 12, "left": 11})
    assert line["questions"] == ["ask_reps"]
    store.close()


def test_the_file_is_in_wal_mode_with_the_schema_version(tmp_path: Path) -> None:
    SqliteHistory(tmp_path / "h.sqlite3").close()
    db = sqlite3.connect(tmp_path / "h.sqlite3")
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.close()


class SwitchingElsewhere:
    """A connection whose switch to WAL finds another process making it, ``busy`` times."""

    def __init__(self, busy: int) -> None:
        self.busy, self.tries = busy, 0

    def execute(self, sql: str) -> None:
        assert sql == "PRAGMA journal_mode=WAL"
        self.tries += 1
        if self.tries <= self.busy:
            raise sqlite3.OperationalError("database is locked")


def test_the_switch_to_wal_is_tried_again_while_another_process_makes_it() -> None:
    db = SwitchingElsewhere(busy=3)
    wal(db)
    assert db.tries == 4
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        wal(SwitchingElsewhere(busy=10**6), busy=0.05)


def test_sessions_limit_gives_the_last_ones_oldest_first(tmp_path: Path) -> None:
    store = SqliteHistory(tmp_path / "h.sqlite3")
    for target in (10, 11, 12):
        store.start(SessionRow(START, target=target))
    assert [r.target for r in store.sessions(2)] == [11, 12]
    store.close()


# -- files that cannot be used: one line, and the file is never touched ---------------------


def unchanged(path: Path, data: bytes) -> bool:
    return path.read_bytes() == data and not path.with_name(path.name + "-wal").exists()


def test_a_corrupt_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    with pytest.raises(HistoryError, match="damaged") as err:
        SqliteHistory(path)
    assert "\n" not in str(err.value) and str(path) in str(err.value)
    assert unchanged(path, b"this is not a database, it is a shopping list\n" * 100)


def test_a_damaged_page_is_found_on_open(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store = SqliteHistory(path)
    for _ in range(200):
        store.start(SessionRow(START, target=15, phases=("twisting",) * 20))
    store.close()
    data = bytearray(path.read_bytes())
    data[4096 * 3: 4096 * 3 + 200] = b"\xff" * 200  # scribble over a page of the table
    path.write_bytes(bytes(data))
    with pytest.raises(HistoryError, match="damaged"):
        SqliteHistory(path)
    assert path.read_bytes() == bytes(data)


def test_a_newer_version_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    SqliteHistory(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    data = path.read_bytes()
    with pytest.raises(HistoryError, match="newer voicecoach"):
        SqliteHistory(path)
    assert path.read_bytes() == data


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes to read-only files")
def test_a_read_only_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    SqliteHistory(path).close()
    path.chmod(0o444)
    with pytest.raises(HistoryError, match="cannot write"):
        SqliteHistory(path).start(SessionRow(START, target=15))


def test_a_store_that_turns_read_only_is_one_clear_error(tmp_path: Path) -> None:
    """Root (as in CI) writes to any file: make SQLite itself refuse writes instead."""
    store = SqliteHistory(tmp_path / "h.sqlite3")
    store._db.execute("PRAGMA query_only=1")
    with pytest.raises(HistoryError, match="cannot write"):
        store.start(SessionRow(START, target=15))
    store._db.close()


def test_a_full_disk_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store = SqliteHistory(path)
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count={pages}")  # what a full disk looks like to SQLite
    with pytest.raises(HistoryError, match="full"):
        for _ in range(500):
            store.start(SessionRow(START, target=15, phases=("twisting",) * 50))
    store.close()
    assert SqliteHistory(path).integrity() == "ok"


def test_a_folder_that_cannot_be_made_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(HistoryError, match="cannot create its folder"):
        SqliteHistory(tmp_path / "file" / "h.sqlite3")


def test_the_null_store_remembers_nothing() -> None:
    store = NullHistory()
    row = store.start(SessionRow(START, target=15))
    store.save(row)
    assert store.sessions() == [] and not store.keeps


# -- two sessions at once ------------------------------------------------------------------


def test_two_stores_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    SqliteHistory(path).close()

    def session(n: int) -> None:
        store = SqliteHistory(path)
        row = store.start(SessionRow(START, target=30))
        for count in range(1, 31):
            row = replace(row, right=count, left=count)
            store.save(row)
        store.save(replace(row, outcome="finished", ended=START))
        store.close()

    threads = [threading.Thread(target=session, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    store = SqliteHistory(path)
    rows = store.sessions()
    assert store.integrity() == "ok"
    assert [(r.outcome, r.right, r.left) for r in rows] == [("finished", 30, 30)] * 4
    store.close()
