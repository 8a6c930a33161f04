"""Sessions kept across runs: a small store Protocol, a SQLite backend and a null store.

The SQLite file is written in WAL mode, one short transaction per change: a session's row is
written when it starts and updated at each twist, so a process killed at any moment leaves
every earlier session whole and the current one up to its last twist. A file this version
cannot use (corrupt, read-only, full, from a newer voicecoach) raises :class:`HistoryError`
with one line saying why; nothing here ever deletes or recreates a file.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from voicecoach.coach.progression import SessionSummary
from voicecoach.errors import VoiceCoachError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
"""``PRAGMA user_version`` of the files this code writes; a higher one is left alone."""
BUSY_SECONDS = 5.0
"""How long a write waits for another session's write to finish."""
WAL_RETRY = 0.02
"""Seconds between two tries of the switch to WAL mode (see :func:`wal`)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    started TEXT NOT NULL,
    updated TEXT NOT NULL,
    ended TEXT,
    outcome TEXT NOT NULL DEFAULT 'interrupted',
    target INTEGER NOT NULL,
    minutes REAL,
    twists_right INTEGER NOT NULL DEFAULT 0,
    twists_left INTEGER NOT NULL DEFAULT 0,
    tempo REAL,
    phases TEXT NOT NULL DEFAULT '[]',
    halts TEXT NOT NULL DEFAULT '[]',
    questions TEXT NOT NULL DEFAULT '[]'
)
"""
_COLUMNS = ("id", "started", "updated", "ended", "outcome", "target", "minutes", "twists_right",
            "twists_left", "tempo", "phases", "halts", "questions")


class HistoryError(VoiceCoachError):
    """The history file cannot be used; the message says why in one line."""


@dataclass(frozen=True, slots=True)
class SessionRow:
    """One session as stored."""

    started: datetime
    target: int
    minutes: float | None = None
    id: int = 0
    updated: datetime | None = None
    ended: datetime | None = None
    """None while it runs, or when the process was killed (then see ``updated``)."""
    outcome: str = "interrupted"
    right: int = 0
    left: int = 0
    tempo: float | None = None
    """The quickest pace reached, in seconds per twist."""
    phases: tuple[str, ...] = ()
    halts: tuple[str, ...] = ()
    questions: tuple[str, ...] = field(default=())
    """The question intents asked, in order (``ask_reps``, ...)."""

    def summary(self) -> SessionSummary:
        return SessionSummary(self.outcome, self.target, self.right, self.left, self.halts,
                              twisted="twisting" in self.phases)

    def as_json(self) -> dict[str, Any]:
        """One line of ``voicecoach history --json``."""
        ended = self.ended or self.updated
        return {
            "id": self.id, "started": self.started.isoformat(),
            "ended": ended.isoformat() if ended else None, "outcome": self.outcome,
            "target": self.target, "minutes": self.minutes,
            "twists": {"right": self.right, "left": self.left}, "tempo": self.tempo,
            "phases": list(self.phases), "halts": list(self.halts),
            "questions": list(self.questions),
        }


class HistoryStore(Protocol):
    """Where sessions are kept: :class:`SqliteHistory`, or :class:`NullHistory` (kept nowhere)."""

    keeps: bool
    """False for a store that forgets: the coach then has no history to talk about."""

    def start(self, row: SessionRow) -> SessionRow:
        """Record a new session; returns it with its ``id``."""
        ...

    def save(self, row: SessionRow) -> None:
        """Write the session's current state (one transaction)."""
        ...

    def sessions(self, limit: int | None = None) -> list[SessionRow]:
        """The last ``limit`` sessions (all when None), oldest first."""
        ...

    def close(self) -> None:
        """Mark the sessions started here and never ended as ``interrupted``; release the file."""
        ...


class NullHistory:
    """``--no-history``, or a file that cannot be used: remembers nothing."""

    keeps = False

    def start(self, row: SessionRow) -> SessionRow:
        return row

    def save(self, row: SessionRow) -> None:
        return None

    def sessions(self, limit: int | None = None) -> list[SessionRow]:
        return []

    def close(self) -> None:
        return None


class SqliteHistory:
    """Sessions in one SQLite file (WAL mode; several processes may use it at once)."""

    keeps = True

    def __init__(self, path: str | Path, now: Any = None) -> None:
        self.path = Path(path)
        self._now = now or (lambda: datetime.now().astimezone())
        self._open: dict[int, SessionRow] = {}
        self._db = self._connect()

    # -- opening -----------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise HistoryError(f"{self.path}: cannot create its folder: {err.strerror}") from None
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        except sqlite3.Error as err:
            raise self._error(err) from None
        try:
            self._prepare(db)
        except sqlite3.Error as err:
            db.close()
            raise self._error(err) from None
        except HistoryError:
            db.close()
            raise
        return db

    def _prepare(self, db: sqlite3.Connection) -> None:
        self._check_version(db)
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise HistoryError(f"{self.path}: the history file is damaged")
        wal(db)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("BEGIN IMMEDIATE")
        try:
            self._check_version(db)
            db.execute(_SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _check_version(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.path}: written by a newer voicecoach (history version {version}, "
                f"this one reads {SCHEMA_VERSION}); upgrade voicecoach to use it")

    def _error(self, err: sqlite3.Error) -> HistoryError:
        text = str(err)
        if "not a database" in text or "malformed" in text:
            return HistoryError(f"{self.path}: the history file is damaged ({text})")
        if "readonly" in text or "unable to open" in text:
            return HistoryError(f"{self.path}: cannot write the history file ({text})")
        if "full" in text:
            return HistoryError(f"{self.path}: the disk is full ({text})")
        return HistoryError(f"{self.path}: {text}")

    # -- the store ------------------------------------------------------------------------

    def start(self, row: SessionRow) -> SessionRow:
        row = replace(row, updated=self._now())
        values = _values(row)
        del values["id"]
        names = ", ".join(values)
        marks = ", ".join(f":{name}" for name in values)
        cursor = self._write(f"INSERT INTO sessions ({names}) VALUES ({marks})", values)
        row = replace(row, id=int(cursor.lastrowid or 0))
        self._open[row.id] = row
        return row

    def save(self, row: SessionRow) -> None:
        row = replace(row, updated=self._now())
        values = _values(row)
        sets = ", ".join(f"{name} = :{name}" for name in values if name != "id")
        self._write(f"UPDATE sessions SET {sets} WHERE id = :id", values)
        if row.ended is None:
            self._open[row.id] = row
        else:
            self._open.pop(row.id, None)

    def sessions(self, limit: int | None = None) -> list[SessionRow]:
        query = f"SELECT {', '.join(_COLUMNS)} FROM sessions ORDER BY id DESC"
        try:
            rows = self._db.execute(query + (" LIMIT ?" if limit else ""),
                                    (limit,) if limit else ()).fetchall()
        except sqlite3.Error as err:
            raise self._error(err) from None
        return [_row(values) for values in reversed(rows)]

    def integrity(self) -> str:
        """``ok``, or what SQLite's full integrity check found."""
        try:
            found = self._db.execute("PRAGMA integrity_check").fetchall()
        except sqlite3.Error as err:
            return str(err)
        return "; ".join(str(r[0]) for r in found)

    def close(self) -> None:
        try:
            for row in list(self._open.values()):
                self.save(replace(row, ended=self._now(), outcome="interrupted"))
        except HistoryError as err:
            log.warning("%s", err)
        finally:
            self._db.close()

    def _write(self, sql: str, values: dict[str, Any]) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, values)
        except sqlite3.Error as err:
            raise self._error(err) from None


def wal(db: Any, busy: float = BUSY_SECONDS) -> None:
    """Put ``db`` in WAL mode. The switch fails at once, "database is locked", while another
    process opening a new file makes the same switch (SQLite does not wait on its busy timeout
    there: 5 of 480 opens in 60 rounds of 8 processes at once), so it is tried again for up to
    ``busy`` seconds."""
    deadline = time.monotonic() + busy
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() >= deadline:
                raise
        time.sleep(WAL_RETRY)


def _values(row: SessionRow) -> dict[str, Any]:
    def stamp(value: datetime | None) -> str | None:
        return value.isoformat(timespec="seconds") if value else None

    return {
        "id": row.id, "started": stamp(row.started), "updated": stamp(row.updated),
        "ended": stamp(row.ended), "outcome": row.outcome, "target": row.target,
        "minutes": row.minutes, "twists_right": row.right, "twists_left": row.left,
        "tempo": row.tempo, "phases": json.dumps(list(row.phases)),
        "halts": json.dumps(list(row.halts)), "questions": json.dumps(list(row.questions)),
    }


def _row(values: tuple[Any, ...]) -> SessionRow:
    data = dict(zip(_COLUMNS, values, strict=True))

    def when(text: str | None) -> datetime | None:
        return datetime.fromisoformat(text) if text else None

    return SessionRow(
        id=data["id"], started=datetime.fromisoformat(data["started"]),
        updated=when(data["updated"]), ended=when(data["ended"]), outcome=data["outcome"],
        target=data["target"], minutes=data["minutes"], right=data["twists_right"],
        left=data["twists_left"], tempo=data["tempo"], phases=_strings(data["phases"]),
        halts=_strings(data["halts"]), questions=_strings(data["questions"]),
    )


def _strings(text: str) -> tuple[str, ...]:
    try:
        value = json.loads(text)
    except ValueError:
        return ()
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
