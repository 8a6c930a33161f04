"""The one impure loop: input -> intents -> coach -> output.

:class:`Session` wires a matcher, a coach and an output sink; the drivers feed it: a scripted
run in virtual time (:func:`run_script`), typed input in real time (``voicecoach.app.live``), or
speech (a microphone or a WAV file, through ``voicecoach.speech.listen``).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.coach.events import (
    Action,
    Begin,
    End,
    Halt,
    Hush,
    PhaseChanged,
    Rep,
    Say,
    Tick,
    Utterance,
)
from voicecoach.coach.machine import Coach
from voicecoach.errors import ScriptError
from voicecoach.nlu.matcher import IntentMatch, Matcher
from voicecoach.nlu.rules import NONE

log = logging.getLogger(__name__)

MAX_LINE = 2000
"""Longer typed lines are cut before matching (a 10 000-character line is not a command)."""


Sink = Callable[[dict[str, Any]], None]


def action_record(action: Action) -> dict[str, Any]:
    """One action as the JSON event line of ``run --json``."""
    if isinstance(action, Say):
        return {"t": action.t, "event": "say", "text": action.text, "key": action.key}
    if isinstance(action, Hush):
        return {"t": action.t, "event": "hush"}
    if isinstance(action, PhaseChanged):
        return {"t": action.t, "event": "phase", "phase": action.phase}
    if isinstance(action, Rep):
        return {"t": action.t, "event": "rep", "side": action.side, "count": action.count,
                "target": action.target}
    if isinstance(action, Halt):
        return {"t": action.t, "event": "halt", "reason": action.reason}
    if isinstance(action, End):
        return {"t": action.t, "event": "end", "reason": action.reason}
    raise TypeError(f"unknown action {action!r}")


def clean_text(text: str) -> str:
    """Typed or recognized text made safe to match: printable, one line, bounded."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text[:MAX_LINE])
    return " ".join(printable.split())


@dataclass
class Session:
    """A coach with its matcher and its output."""

    coach: Coach
    matcher: Matcher
    sink: Sink

    def begin(self, t: float = 0.0) -> None:
        self._send(self.coach.handle(Begin(t)))

    def tick(self, t: float) -> None:
        self._send(self.coach.handle(Tick(t)))

    def heard(
        self,
        t: float,
        text: str,
        match: IntentMatch | None = None,
        partial: bool = False,
        doubt: str = "",
        guess: str = "",
        lag: float = 0.0,
        asr: float = 0.0,
        unclear: bool = False,
    ) -> IntentMatch:
        """The user said ``text`` at ``t``; speech passes the ``match`` it already made, the
        intent it heard but was unsure of (:attr:`Utterance.doubt`, :attr:`.guess`) and how
        far behind the audio it ran (:attr:`voicecoach.speech.listen.Heard.lag`: recorded for
        the benchmarks) and how sure the recognizer was (``asr``: recorded, for the same);
        ``unclear`` speech meant nothing and is not answered (:attr:`Utterance.unclear`)."""
        text = clean_text(text)
        record: dict[str, Any] = {"t": round(t, 3), "event": "heard", "text": text}
        if partial:
            record["partial"] = True
        if lag:
            record["lag"] = round(lag, 3)
        if asr:
            record["asr"] = round(asr, 3)
        if unclear:
            record["unclear"] = True
        self.sink(record)
        spoken = match is not None
        if match is None:
            match = self.matcher.match(text)
            doubt = doubt or match.doubt
        found: dict[str, Any] = {"t": round(t, 3), "event": "intent", "intent": match.intent,
                                 "confidence": round(match.confidence, 3)}
        if doubt:
            found["doubt"] = doubt
        if guess:
            found["guess"] = guess
        self.sink(found)
        utterance = Utterance(t, match.intent, match.confidence, text, doubt, guess, unclear,
                              spoken)
        actions = self.coach.handle(utterance)
        if not actions and match.intent != NONE:
            self.sink({"t": round(t, 3), "event": "passed", "intent": match.intent})
        self._send(actions)
        return match

    def _send(self, actions: Iterable[Action]) -> None:
        for action in actions:
            self.sink(action_record(action))


# -- scripted sessions in virtual time ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScriptLine:
    """One line of a session script: ``@SECONDS utterance`` or a bare ``utterance``."""

    at: float | None
    text: str


def parse_script(text: str, source: str = "<script>") -> list[ScriptLine]:
    """Parse a session script; blank lines and ``#`` comments are skipped."""
    lines = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        lines.append(_parse_line(line, f"{source}:{number}"))
    return lines


def _parse_line(line: str, where: str) -> ScriptLine:
    if not line.startswith("@"):
        return ScriptLine(None, line)
    stamp, _, said = line[1:].partition(" ")
    try:
        at = float(stamp)
    except ValueError:
        raise ScriptError(f"{where}: bad time {stamp!r}: expected '@SECONDS utterance'") from None
    if not 0 <= at < 86400:
        raise ScriptError(f"{where}: time {at} out of range")
    return ScriptLine(at, said.strip())


def load_script(path: str | Path) -> list[ScriptLine]:
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise ScriptError(f"{path}: cannot read script: {err.strerror or err}") from None
    return parse_script(data.decode("utf-8", errors="replace"), str(path))


def run_script(
    session: Session, lines: Iterable[ScriptLine], gap: float = 0.5, limit: float = 7200.0
) -> None:
    """Play a whole session in virtual time, with no waiting.

    Timed lines are said at their time (even mid-sentence); a bare line is said ``gap``
    seconds after the coach next finishes asking something. ``limit`` bounds virtual time.
    """
    coach = session.coach
    timed = deque(sorted((ln for ln in lines if ln.at is not None), key=lambda ln: ln.at or 0))
    bare = deque(ln for ln in lines if ln.at is None)
    session.begin(0.0)
    t = 0.0
    while not coach.ended and t <= limit:
        choices: list[tuple[float, int, ScriptLine | None]] = []
        if timed:
            choices.append((timed[0].at or 0.0, 0, timed[0]))
        if bare and coach.awaiting_answer:
            choices.append((max(t, coach.speaking_until) + gap, 1, bare[0]))
        if coach.next_wakeup is not None:
            choices.append((coach.next_wakeup, 2, None))
        if not choices:
            log.warning("coach has nothing scheduled at t=%.1f; ending the script", t)
            break
        at, kind, line = min(choices, key=lambda c: (c[0], c[1]))
        if at > limit:
            break
        t = max(t, at)
        if line is None:
            session.tick(t)
            continue
        (timed if kind == 0 else bare).popleft()
        session.heard(t, line.text)


def finish_virtual(session: Session, t: float, limit: float = 7200.0) -> None:
    """No more input: let the session run on in virtual time until it ends by itself."""
    coach = session.coach
    while not coach.ended and coach.next_wakeup is not None and coach.next_wakeup <= limit:
        t = max(t, coach.next_wakeup)
        session.tick(t)
