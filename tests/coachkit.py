"""Helpers for driving the coach in tests: intent names in, event records out, virtual time.

Sessions go through the real :func:`voicecoach.app.session.run_script` loop, with a matcher
that reads intent names (``ask_reps``) so these tests do not depend on phrase matching.
"""

from __future__ import annotations

import random
from typing import Any

from voicecoach.app.session import ScriptLine, Session, run_script
from voicecoach.coach.dialog import Dialog
from voicecoach.coach.machine import Coach, CoachConfig
from voicecoach.nlu.matcher import INTENTS, IntentMatch

DIALOG = Dialog.load()
Record = dict[str, Any]


class IntentNameMatcher:
    """Takes the text to be an intent name: "ask reps" -> ask_reps."""

    def match(self, text: str) -> IntentMatch:
        name = text.replace(" ", "_")
        return IntentMatch(name if name in INTENTS else "none", 1.0, text)


def make_coach(config: CoachConfig | None = None, seed: int = 0) -> Coach:
    return Coach(DIALOG, random.Random(seed), config)


def play(said: list[str | tuple[float, str]], config: CoachConfig | None = None,
         seed: int = 0) -> list[Record]:
    """Bare intents answer the coach's next question; ``(t, intent)`` are said at ``t``."""
    records: list[Record] = []
    session = Session(make_coach(config, seed), IntentNameMatcher(), records.append)
    lines = [ScriptLine(s[0], s[1]) if isinstance(s, tuple) else ScriptLine(None, s)
             for s in said]
    run_script(session, lines)
    return records


def of(records: list[Record], event: str) -> list[Record]:
    return [r for r in records if r["event"] == event]


def keys(records: list[Record]) -> list[str]:
    return [r["key"] for r in of(records, "say")]


def phases(records: list[Record]) -> list[str]:
    return [r["phase"] for r in of(records, "phase")]


def end_reason(records: list[Record]) -> str | None:
    ends = of(records, "end")
    return ends[-1]["reason"] if ends else None


def first_time(records: list[Record], event: str, **fields: Any) -> float:
    for r in records:
        if r["event"] == event and all(r.get(k) == v for k, v in fields.items()):
            return float(r["t"])
    raise AssertionError(f"no {event} {fields} in the session")


FULL = ["start", "no", "yes"]
"""Start, no back problems, ready: the shortest way into the twisting."""
