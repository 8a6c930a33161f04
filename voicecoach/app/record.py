"""Record a session as it goes: a sink that writes each change to the history, then passes on.

It sees every event the session emits (``phase``, ``rep``, ``halt``, ``end``, ``intent``) and
writes the row before passing the event on, so whatever was shown is already on disk. A
store that fails mid-session (disk full) is dropped with one line; the session carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from voicecoach.app.history import (
    HistoryError,
    HistoryStore,
    NullHistory,
    SessionRow,
    SqliteHistory,
)
from voicecoach.app.notice import note
from voicecoach.app.session import Sink
from voicecoach.coach.progression import Progress, progress

log = logging.getLogger(__name__)

OUTCOME_OF_END = {"done": "finished", "quit": "quit", "silence": "silence", "pain": "pain",
                  "dizzy": "dizzy", "not_cleared": "quit"}
"""The coach's ``End.reason`` -> the history's outcome."""


class Recorder:
    """A sink around ``sink`` that keeps ``store`` up to date with the session."""

    def __init__(self, store: HistoryStore, sink: Sink, target: int, minutes: float | None = None,
                 now: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.sink = sink
        self._now = now or (lambda: datetime.now().astimezone())
        self.row = SessionRow(self._now(), target, minutes)
        self._started = False
        self._last_rep: float | None = None
        self._stopped = False

    @property
    def speaker(self) -> Any:
        """The speaker of the sink it wraps (the echo guard asks for it)."""
        return getattr(self.sink, "speaker", None)

    def __call__(self, record: dict[str, Any]) -> None:
        if not self._started:
            self._started = True
            self._write(self.store.start, replace(self.row, started=self._now()))
        changed = self._apply(record)
        if changed is not None:
            self.row = changed
            self._write(self.store.save, changed)
        self.sink(record)

    def _apply(self, record: dict[str, Any]) -> SessionRow | None:
        handler = getattr(self, f"_on_{record['event']}", None)
        return handler(record) if handler is not None else None

    def _on_phase(self, record: dict[str, Any]) -> SessionRow:
        return replace(self.row, phases=(*self.row.phases, record["phase"]))

    def _on_rep(self, record: dict[str, Any]) -> SessionRow:
        self._stopped = False
        side, t = record["side"], float(record["t"])
        tempo = self.row.tempo
        if self._last_rep is not None and t > self._last_rep:
            tempo = round(min(tempo or 99.0, t - self._last_rep), 2)
        self._last_rep = t
        return replace(self.row, tempo=tempo, **{side: max(getattr(self.row, side),
                                                            int(record["count"]))})

    def _on_halt(self, record: dict[str, Any]) -> SessionRow:
        self._stopped = record["reason"] == "stop"
        self._last_rep = None
        return replace(self.row, halts=(*self.row.halts, record["reason"]))

    def _on_intent(self, record: dict[str, Any]) -> SessionRow | None:
        if not str(record["intent"]).startswith("ask_"):
            return None
        return replace(self.row, questions=(*self.row.questions, record["intent"]))

    def _on_end(self, record: dict[str, Any]) -> SessionRow:
        outcome = OUTCOME_OF_END.get(record["reason"], "quit")
        if outcome == "quit" and self._stopped:
            outcome = "stop"
        return replace(self.row, outcome=outcome, ended=self._now())

    def _write(self, write: Callable[[SessionRow], Any], row: SessionRow) -> None:
        try:
            result = write(row)
        except HistoryError as err:
            note(f"{err} (the rest of this session is not recorded)")
            self.store = NullHistory()
            return
        if isinstance(result, SessionRow):
            self.row = result


def open_store(path: str | None) -> HistoryStore:
    """The history at ``path`` (None: ``--no-history``); one line and no history when the
    file cannot be used."""
    if path is None:
        return NullHistory()
    try:
        return SqliteHistory(path)
    except HistoryError as err:
        note(f"{err} (this session is not recorded)")
        return NullHistory()


def plan(store: HistoryStore, recent: int = 50) -> Progress | None:
    """What the coach knows of the past, or None when the store remembers nothing."""
    if not store.keeps:
        return None
    try:
        rows = store.sessions(recent)
    except HistoryError as err:
        note(f"{err} (no history this session)")
        return None
    return progress([row.summary() for row in rows])
