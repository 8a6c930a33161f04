"""Real-time drivers: typed lines or speech, against the real clock.

The session's coach still never reads a clock: this module does, and turns it into
``Tick`` events. Typed input is read on a thread so the coach keeps pacing while the
user types nothing.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import TextIO

from voicecoach.app.session import Session

log = logging.getLogger(__name__)

Clock = Callable[[], float]
POLL = 0.25
"""Longest wait between ticks, in seconds: how quickly a timer is noticed."""


def _reader(stream: TextIO, lines: queue.Queue[str | None]) -> None:
    try:
        for line in stream:
            lines.put(line.rstrip("\n"))
    except (OSError, ValueError) as err:  # a closed or undecodable terminal: end of input
        log.warning("input ended: %s", err)
    finally:
        lines.put(None)


def run_typed(
    session: Session,
    stream: TextIO,
    clock: Clock = time.monotonic,
    start_at: float = 0.0,
    begin: bool = True,
) -> None:
    """Play a session from typed lines until the coach ends or the input does.

    ``start_at`` and ``begin=False`` carry on a session that another input started.
    """
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_reader, args=(stream, lines), daemon=True).start()
    start = clock() - start_at
    if begin:
        session.begin(0.0)
    while not session.coach.ended:
        try:
            line = lines.get(timeout=_wait_seconds(session, clock() - start))
        except queue.Empty:
            session.tick(clock() - start)
            continue
        if line is None:
            _let_close(session, clock() - start)
            return
        session.heard(clock() - start, line)


def _let_close(session: Session, now: float) -> None:
    """Input ended while the coach says goodbye: let it finish (its end is in its timeline)."""
    coach = session.coach
    while coach.closing and not coach.ended and coach.next_wakeup is not None:
        session.tick(max(now, coach.next_wakeup))


def _wait_seconds(session: Session, now: float) -> float:
    wake = session.coach.next_wakeup
    if wake is None:
        return POLL
    return min(POLL, max(0.0, wake - now))
