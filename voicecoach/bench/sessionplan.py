"""Planned spoken sessions (``benchmarks/spoken_sessions.yaml``): what a user says, when, and
what the coach should do about it. Validated on load; errors name the file and the key.

A command is ``{say: TEXT, when: WHEN, expect: EXPECT}``:

- ``say``: the words. Its intent is what the intent matcher makes of the typed words (so a
  command always means what the coach's own phrase files say it means).
- ``when``: ``answer`` (once the coach has asked something and finished talking),
  ``rep N`` (once N twists have been counted in the session), ``after S`` (S seconds after the
  previous command was dealt with) or ``during KEY`` (barge-in: a second into the first line
  of the coach since the user last spoke whose response key starts with KEY).
- ``expect``: what the coach does when it acts on the command: ``phase P``, ``halt R``,
  ``end R``, ``say KEY`` (a line whose response key starts with KEY) or ``rep`` (counting).

``replies`` maps a response-key prefix to what the user answers when the coach asks that
although the plan did not foresee it (e.g. a check of a doubtful answer); a session may have
its own ``replies``, which come first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from voicecoach.coach.events import HaltReason, Phase
from voicecoach.errors import DataError

DEFAULT_PLANS = Path(__file__).resolve().parents[2] / "benchmarks" / "spoken_sessions.yaml"
WHEN_KINDS = ("answer", "rep", "after", "during")
EXPECT_KINDS = ("phase", "halt", "end", "say", "rep")


@dataclass(frozen=True, slots=True)
class When:
    kind: str
    """One of :data:`WHEN_KINDS`."""
    number: float = 0.0
    """Twists counted (``rep``) or seconds (``after``)."""
    key: str = ""
    """Response-key prefix (``during``)."""


@dataclass(frozen=True, slots=True)
class Expect:
    kind: str
    """One of :data:`EXPECT_KINDS`."""
    value: str = ""

    def matches(self, record: Mapping[str, Any]) -> bool:
        """True if ``record`` (a ``run --json`` event) is this reaction."""
        event = record.get("event")
        if self.kind == "rep":
            return event == "rep"
        if self.kind == "say":
            return event == "say" and str(record.get("key", "")).startswith(self.value)
        field = {"phase": "phase", "halt": "reason", "end": "reason"}[self.kind]
        return event == self.kind and record.get(field) == self.value


@dataclass(frozen=True, slots=True)
class Command:
    say: str
    intent: str
    when: When
    expect: Expect


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    reps: int
    """Twists per side."""
    seed: int
    """The coach's choice of wordings (``run --seed``)."""
    end: str
    """How the session should end (``done``, or ``quit`` for a "goodbye")."""
    commands: tuple[Command, ...]
    replies: tuple[tuple[str, str, str], ...] = ()
    """(response-key prefix, what the user answers, its intent): the session's own
    ``replies``, then the file's; the first whose prefix fits a question is said."""


@dataclass(frozen=True, slots=True)
class Plans:
    sessions: tuple[Plan, ...]
    replies: tuple[tuple[str, str, str], ...]
    """(response-key prefix, what the user answers, its intent), in file order."""

    def texts(self) -> list[str]:
        """Every distinct thing a user says in these plans, in first-use order."""
        said = [c.say for p in self.sessions for c in p.commands]
        said += [r[1] for p in self.sessions for r in p.replies]
        return list(dict.fromkeys(said))


Meaning = Callable[[str], str]
"""Text -> intent (the intent matcher)."""


def load_plans(path: Path, meaning: Meaning, keys: frozenset[str]) -> Plans:
    """Read and check a plans file; ``keys`` are the coach's response keys."""
    from voicecoach.coach.dialog import read_yaml

    data = read_yaml(path)
    return plans_from_dict(data, str(path), meaning, keys)


def plans_from_dict(data: Any, source: str, meaning: Meaning, keys: frozenset[str]) -> Plans:
    if not isinstance(data, Mapping) or not isinstance(data.get("sessions"), list):
        raise DataError(source, "sessions", "expected a mapping with a list of sessions")
    check = _Checker(source, meaning, keys)
    replies = check.replies(data, "replies")
    sessions = tuple(check.plan(s, f"sessions[{i}]", replies)
                     for i, s in enumerate(data["sessions"]))
    names = [p.name for p in sessions]
    if not sessions or len(set(names)) != len(names):
        raise DataError(source, "sessions", "expected sessions with distinct names")
    return Plans(sessions, replies)


class _Checker:
    def __init__(self, source: str, meaning: Meaning, keys: frozenset[str]) -> None:
        self.source = source
        self.meaning = meaning
        self.keys = keys

    def fail(self, where: str, problem: str) -> DataError:
        return DataError(self.source, where, problem)

    def plan(self, data: Any, where: str, replies: tuple[tuple[str, str, str], ...]) -> Plan:
        if not isinstance(data, Mapping):
            raise self.fail(where, "expected a mapping")
        commands = data.get("commands")
        if not isinstance(commands, list) or not commands:
            raise self.fail(f"{where}.commands", "expected a list of commands")
        return Plan(
            name=self.text(data, "name", where),
            reps=self.number(data, "reps", where, 15, (1, 100)),
            seed=self.number(data, "seed", where, 0, (0, 2**31)),
            end=str(data.get("end", "done")),
            commands=tuple(self.command(c, f"{where}.commands[{i}]") for i, c in
                           enumerate(commands)),
            replies=self.replies(data, f"{where}.replies") + replies,
        )

    def text(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{where}.{key}", "expected some text")
        return value.strip()

    def number(self, data: Mapping[str, Any], key: str, where: str, default: int,
               bounds: tuple[int, int]) -> int:
        value = data.get(key, default)
        if not isinstance(value, int) or not bounds[0] <= value <= bounds[1]:
            raise self.fail(f"{where}.{key}", f"expected a whole number in {bounds}")
        return value

    def command(self, data: Any, where: str) -> Command:
        if not isinstance(data, Mapping):
            raise self.fail(where, "expected {say, when, expect}")
        say = self.text(data, "say", where)
        return Command(say, self.intent(say, f"{where}.say"),
                       self.when(self.text(data, "when", where), f"{where}.when"),
                       self.expect(self.text(data, "expect", where), f"{where}.expect"))

    def intent(self, say: str, where: str) -> str:
        intent = self.meaning(say)
        if intent == "none":
            raise self.fail(where, f"{say!r} means nothing to the intent matcher")
        return intent

    def replies(self, data: Mapping[str, Any], where: str) -> tuple[tuple[str, str, str], ...]:
        replies = data.get("replies") or {}
        if not isinstance(replies, Mapping):
            raise self.fail(where, "expected a mapping of response key -> words")
        return tuple(self.reply(str(k), v, f"{where}.{k}") for k, v in replies.items())

    def reply(self, key: str, said: Any, where: str) -> tuple[str, str, str]:
        self.key(key, where)
        if not isinstance(said, str) or not said.strip():
            raise self.fail(where, "expected the words the user answers")
        return key, said.strip(), self.intent(said.strip(), where)

    def when(self, text: str, where: str) -> When:
        kind, _, rest = text.partition(" ")
        rest = rest.strip()
        if kind == "answer" and not rest:
            return When(kind)
        if kind in ("rep", "after"):
            return When(kind, number=self.positive(rest, where))
        if kind == "during":
            return When(kind, key=self.key(rest, where))
        raise self.fail(where, f"{text!r}: expected answer, rep N, after SECONDS or during KEY")

    def positive(self, text: str, where: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = -1.0
        if not 0 <= value < 3600:
            raise self.fail(where, f"{text!r}: expected a number of twists or seconds")
        return value

    def key(self, prefix: str, where: str) -> str:
        if not prefix or not any(k.startswith(prefix) for k in self.keys):
            raise self.fail(where, f"{prefix!r} is the start of no response key of the coach")
        return prefix

    def expect(self, text: str, where: str) -> Expect:
        kind, _, value = text.partition(" ")
        value = value.strip()
        allowed: dict[str, tuple[str, ...]] = {
            "phase": get_args(Phase), "halt": get_args(HaltReason)}
        if kind == "rep" and not value:
            return Expect(kind)
        if kind == "say":
            return Expect(kind, self.key(value, where))
        if kind == "end" and value:
            return Expect(kind, value)
        if kind in allowed and value in allowed[kind]:
            return Expect(kind, value)
        raise self.fail(where, f"{text!r}: expected phase P, halt R, end R, say KEY or rep")
