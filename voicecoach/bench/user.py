"""A simulated user who says a planned session's commands when a real user would.

The user listens to the coach closed-loop: :meth:`User.step` is asked, one 0.1 s chunk at a
time, what the user says during that chunk, and decides from what the coach has done so far
(its ``run --json`` records and its public state: :attr:`Coach.awaiting_answer`,
:attr:`Coach.speaking_until`). Nothing it decides depends on audio not yet streamed, so the
track it makes replays exactly through ``run --audio-in``.

How a user behaves:

- A command is said when its ``when`` comes (see :mod:`voicecoach.bench.sessionplan`): an
  answer :data:`GAP` seconds after the coach finished asking.
- An **attempt** is *acted on* when, among the records since the attempt began, an ``intent``
  event carries the command's intent and a later record is the reaction the plan expects
  (``phase``, ``halt``, ``end``, a ``say`` by key prefix, or a ``rep``). Nothing else counts:
  the right intent without the reaction (the coach did something else with it), or the
  reaction without the intent (it happened for another reason) is not acted on.
- If the coach asks something the plan did not foresee (its key is in the plan's
  ``replies``: a check
  of a doubtful answer, "tell me when you feel fine" after a halt the user did not ask for),
  the user answers it first (unless the next planned command is that answer); after an
  attempt, that is part of the attempt.
- An attempt not acted on, whose expected reaction came after the user's reply to a question
  about it (an answer heard unsure, checked), is not said again: the user goes on.
- An attempt not acted on is repeated (an answer once the coach waits for one again,
  anything else at once), up to :data:`MAX_ATTEMPTS` in all, then given up: when it was not
  understood (no intent event for it), :data:`SETTLE` seconds after the user and the coach
  both stopped talking; when it was, after :data:`REACTION_WAIT` seconds without the
  reaction. A user who gives up on an answer walks away: the rest goes unsaid.
- A command whose moment never comes within :data:`PATIENCE` seconds is never said.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from voicecoach.audio.wav import CHUNK_SAMPLES
from voicecoach.bench.sessionplan import Command, Expect, Plan
from voicecoach.nlu.rules import HALTING, NONE

if TYPE_CHECKING:
    import numpy as np

    from voicecoach.coach.machine import Coach

RATE = 16000
CHUNK = CHUNK_SAMPLES
"""Samples per chunk: the microphone's and ``--audio-in``'s block."""
GAP = 0.6
"""Seconds a user waits after the coach's question before answering."""
DURING = 1.0
"""Seconds into the coach's line at which a barge-in command is said."""
SETTLE = 3.0
"""Seconds after speaking, with the coach silent, before a user takes it as not understood."""
REACTION_WAIT = 20.0
"""Seconds a user whose words were understood waits for the coach to act on them (it may
finish a line first) before trying again."""
MAX_ATTEMPTS = 3
MAX_REPLIES = 4
"""Replies to unforeseen questions while one planned command is pending."""
PATIENCE = 120.0
"""Seconds a command waits for its moment (or for the coach to ask again) before it is
dropped."""

Record = Mapping[str, Any]
Voice = Callable[[str], "np.ndarray"]
"""Words -> float samples at 16 kHz (a synthesizer, or the user's own recording)."""


@dataclass(slots=True)
class Attempt:
    command: int
    """Index of the planned command."""
    text: str
    intent: str
    start: float
    first_record: int
    """Index of the first record made after the attempt began."""
    reply: bool = False
    """An answer to an unforeseen question, not a planned command."""
    end: float = 0.0


@dataclass(slots=True)
class Outcome:
    """What became of one planned command."""

    text: str
    intent: str
    attempts: int = 0
    acted_on: int = 0
    """The attempt (1-based) the coach acted on; 0 if none."""
    delay: float | None = None
    """Seconds from the end of that attempt to the coach's reaction (negative: it reacted
    while the user was still talking, as halting words do)."""


@dataclass
class User:
    plan: Plan
    voice: Voice
    coach: Coach
    records: list[dict[str, Any]]
    attempts: list[Attempt] = field(default_factory=list)
    outcomes: list[Outcome] = field(init=False)
    _index: int = 0
    _since: float = 0.0
    """When the current command became due (or its last attempt settled)."""
    _audio: Any = None
    _pos: int = 0
    _replied: int = -1
    abandoned: float | None = None
    """When the user walked away, having not been understood."""

    def __post_init__(self) -> None:
        self.outcomes = [Outcome(c.say, c.intent) for c in self.plan.commands]

    @property
    def finished(self) -> bool:
        return self._index >= len(self.plan.commands)

    # -- one chunk at a time -------------------------------------------------------------

    def step(self, t: float) -> np.ndarray:
        """The user's speech during the chunk starting at ``t`` (zeros when silent)."""
        import numpy as np

        if self._audio is None and not self.finished and not self.coach.ended:
            self._decide(t)
        out = np.zeros(CHUNK)
        if self._audio is not None:
            piece = self._audio[self._pos : self._pos + CHUNK]
            out[: len(piece)] = piece
            self._pos += CHUNK
            if self._pos >= len(self._audio):
                self._audio = None
                self.attempts[-1].end = round(t + len(piece) / RATE, 3)
        return out

    def conclude(self) -> None:
        """The session is over: judge the attempt still waiting for the coach's reaction."""
        current = None if self.finished else self._current()
        if current is not None:
            command = self.plan.commands[self._index]
            reaction = self._reaction(current, command.intent, command.expect)
            if reaction is not None:
                self._acted(current, reaction, self.coach.now)

    def _decide(self, t: float) -> None:
        command = self.plan.commands[self._index]
        current = self._current()
        if current is not None:
            reaction = self._reaction(current, command.intent, command.expect)
            if reaction is not None:
                self._acted(current, reaction, t)
                return
            if self._moved_on(current, command.expect):
                self._next(t)
                return
        if self._reply_due(t, command):
            return
        if current is None:
            self._first_attempt(command, t)
        elif self._gave_up_waiting(current, command.intent, t):
            self._retry(command, t)

    def _moved_on(self, attempt: Attempt, expect: Expect) -> bool:
        """The coach did what the command was for after a question about it (a "no" heard
        unsure, "did you say no?", the user's "yes"): a user goes on with the session, the
        command not acted on, rather than say it again where it no longer fits. Without such a
        reply the reaction may have come for another reason (a count goes on after a "skip"
        not heard): the user says it again."""
        replies = [a for a in self.attempts if a.reply and a.start >= attempt.start]
        return bool(replies) and any(
            expect.matches(r) for r in self.records[replies[0].first_record :])

    def _gave_up_waiting(self, attempt: Attempt, intent: str, t: float) -> bool:
        """Understood (its intent event came): wait up to :data:`REACTION_WAIT` for the
        reaction; not understood: :data:`SETTLE` seconds once both have stopped talking."""
        understood = next((r for r in self.records[attempt.first_record :]
                           if r["event"] == "intent" and r["intent"] == intent), None)
        if understood is not None:
            return t >= float(understood["t"]) + REACTION_WAIT
        return t >= self._last().end + SETTLE and t >= self.coach.speaking_until

    def _current(self) -> Attempt | None:
        """The latest planned attempt at the current command, if it has been said."""
        for attempt in reversed(self.attempts):
            if not attempt.reply:
                return attempt if attempt.command == self._index else None
        return None

    def _last(self) -> Attempt:
        return self.attempts[-1]

    def _first_attempt(self, command: Command, t: float) -> None:
        if self._moment(command, t):
            self._say(command.say, command.intent, t)
        elif t - self._since > PATIENCE:
            self._next(t)

    def _retry(self, command: Command, t: float) -> None:
        if self.outcomes[self._index].attempts >= MAX_ATTEMPTS:
            self._give_up(command, t)
        elif command.when.kind != "answer" or self._may_answer(t):
            self._say(command.say, command.intent, t)
        elif t - self._last().end > PATIENCE:
            self._next(t)

    def _give_up(self, command: Command, t: float) -> None:
        """A question asked mid-twist can be left; an answer the session waits on cannot: a
        user not understood three times walks away (the rest of the plan goes unsaid)."""
        if command.when.kind == "answer":
            self.abandoned = t
            self._index = len(self.plan.commands)
        else:
            self._next(t)

    def _acted(self, attempt: Attempt, reaction: Record, t: float) -> None:
        outcome = self.outcomes[self._index]
        outcome.acted_on = outcome.attempts
        outcome.delay = round(float(reaction["t"]) - attempt.end, 3)
        self._next(t)

    def _next(self, t: float) -> None:
        self._index += 1
        self._since = t

    # -- when to speak -------------------------------------------------------------------

    def _moment(self, command: Command, t: float) -> bool:
        when = command.when
        if when.kind == "answer":
            return self._may_answer(t)
        if when.kind == "rep":
            return sum(r["event"] == "rep" for r in self.records) >= when.number
        if when.kind == "after":
            return t >= self._since + when.number
        start = self.attempts[-1].first_record if self.attempts else 0
        line = self._line_since(when.key, start)
        return line is not None and t >= float(line["t"]) + DURING

    def _may_answer(self, t: float) -> bool:
        return self.coach.awaiting_answer and t >= self.coach.speaking_until + GAP

    def _line_since(self, key: str, start: int) -> Record | None:
        """The first line by ``key`` said since the user last spoke (``records[start:]``)."""
        for record in self.records[start:]:
            if record["event"] == "say" and record["key"].startswith(key):
                return record
        return None

    def _reply_due(self, t: float, command: Command) -> bool:
        """Answer a question the plan did not foresee (a check, a halt it did not cause);
        True if the user starts speaking. Not when the planned command is that answer."""
        if not self._may_answer(t):
            return False
        start = self.attempts[-1].first_record if self.attempts else 0
        index = self._last_line(start)
        if index is None or index <= self._replied:
            return False
        key = self.records[index]["key"]
        reply = next((r for r in self.plan.replies if key.startswith(r[0])), None)
        if reply is None or reply[1] == command.say or self._replies() >= MAX_REPLIES:
            return False
        self._replied = index
        self._say(reply[1], reply[2], t, reply=True)
        return True

    def _replies(self) -> int:
        return sum(a.reply and a.command == self._index for a in self.attempts)

    def _last_line(self, start: int) -> int | None:
        for index in range(len(self.records) - 1, start - 1, -1):
            if self.records[index]["event"] == "say":
                return index
        return None

    def _say(self, text: str, intent: str, t: float, reply: bool = False) -> None:
        self.attempts.append(Attempt(self._index, text, intent, t, len(self.records), reply))
        if not reply:
            self.outcomes[self._index].attempts += 1
        self._audio, self._pos = self.voice(text), 0

    # -- judging -------------------------------------------------------------------------

    def _reaction(self, attempt: Attempt, intent: str, expect: Expect) -> Record | None:
        return reaction(self.records, attempt.first_record, len(self.records), intent, expect)


def reaction(
    records: list[dict[str, Any]], start: int, stop: int, intent: str, expect: Expect
) -> Record | None:
    """The record in ``records[start:stop]`` that is ``expect``, after an ``intent`` event for
    ``intent``; None if the coach did not act on it."""
    heard = False
    for record in records[start:stop]:
        if record["event"] == "intent" and record["intent"] == intent:
            heard = True
        elif heard and expect.matches(record):
            return record
    return None


@dataclass(frozen=True, slots=True)
class Tally:
    """One session's numbers, from its records and the user's attempts."""

    false_halts: int
    misheard: int
    """Intent events (not ``none``) other than what the user was saying at the time."""
    end: str
    """The reason of the ``end`` event, or ``unfinished``."""
    counts_unsaid: int
    """Twists counted without the count being said."""


def tally(records: list[dict[str, Any]], attempts: list[Attempt]) -> Tally:
    windows = _windows(records, attempts)
    false_halts = misheard = 0
    halted: set[int] = set()
    for index, record in enumerate(records):
        active = windows[index]
        if record["event"] == "halt":
            intended = active is not None and active.intent in HALTING and id(active) not in halted
            false_halts += not intended
            if intended:
                halted.add(id(active))
        elif record["event"] == "intent" and record["intent"] != NONE:
            misheard += active is None or record["intent"] != active.intent
    end = next((r["reason"] for r in records if r["event"] == "end"), "unfinished")
    return Tally(false_halts, misheard, end, _counts_unsaid(records))


def _windows(records: list[dict[str, Any]], attempts: list[Attempt]) -> list[Attempt | None]:
    """For each record, the attempt being said or answered at the time (None before any)."""
    active: list[Attempt | None] = [None] * len(records)
    bounds = [a.first_record for a in attempts] + [len(records)]
    for attempt, start, stop in zip(attempts, bounds, bounds[1:], strict=False):
        active[start:stop] = [attempt] * (stop - start)
    return active


def _counts_unsaid(records: list[dict[str, Any]]) -> int:
    said = {(r["t"], r["key"]) for r in records if r["event"] == "say"}
    return sum(not said & {(r["t"], f"twist.{r['side']}"), (r["t"], "twist.number")}
               for r in records if r["event"] == "rep")
