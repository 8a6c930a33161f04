"""The progression policy: from the sessions so far to today's target. Pure: no clock, no files.

The seed's plan: 10-15 twists per side at first, building up to 30-40 over time. The target
steps up only after sessions finished comfortably at it, steps back after a pain or
dizziness halt (and the coach then repeats the safety advice), and otherwise holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

MIN_TARGET = 10
START_TARGET = 15
"""A newcomer's first target: the top of the seed's 10-15 (the coach's long-standing default)."""
MAX_TARGET = 40
STEP_UP = 3
STEP_BACK = 3
COMFORTABLE_RUN = 2
"""Sessions in a row finished comfortably at the current target before it steps up."""

UNWELL = frozenset({"pain", "dizzy"})
OUTCOMES = ("finished", "quit", "stop", "pain", "dizzy", "silence", "interrupted")
"""How a session can end; ``interrupted``: the process ended before the session did."""

Reason = Literal["first", "step_up", "hold", "step_back"]


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One past session, as the policy sees it."""

    outcome: str
    """One of :data:`OUTCOMES`."""
    target: int
    """Twists per side it aimed for."""
    right: int = 0
    left: int = 0
    halts: tuple[str, ...] = ()
    """Every halt on the way (``stop``, ``pain``, ``dizzy``), even those it resumed after."""
    twisted: bool = True
    """Whether it reached the twisting at all."""

    @property
    def twists(self) -> int:
        """Twists done on each side (the lesser side)."""
        return min(self.right, self.left)

    @property
    def unwell(self) -> str | None:
        """``pain`` or ``dizzy`` when the user reported it, else None."""
        if self.outcome in UNWELL:
            return self.outcome
        return next((h for h in self.halts if h in UNWELL), None)

    @property
    def comfortable(self) -> bool:
        """Finished at its target with no pain or dizziness on the way."""
        return self.outcome == "finished" and self.twists >= self.target and not self.unwell


@dataclass(frozen=True, slots=True)
class Progress:
    """What the coach knows of the user's history, handed in through ``CoachConfig``."""

    target: int
    """Today's proposed twists per side."""
    reason: Reason
    sessions: int = 0
    """Sessions recorded before this one."""
    last: SessionSummary | None = None
    """The last session that reached the twisting (or halted for pain or dizziness)."""
    best: int = 0
    """Most twists per side in one session."""
    finished: int = 0
    """How many sessions were finished."""
    caution: str | None = None
    """``pain`` or ``dizzy`` when the last session halted for it: repeat the safety advice."""


def clamp(target: int) -> int:
    return max(MIN_TARGET, min(MAX_TARGET, target))


def propose(history: Sequence[SessionSummary]) -> tuple[int, Reason]:
    """Today's target from the sessions so far (oldest first) and why."""
    relevant = _relevant(history)
    if not relevant:
        return START_TARGET, "first"
    last = relevant[-1]
    base = clamp(last.target)
    if last.unwell:
        return max(MIN_TARGET, base - STEP_BACK), "step_back"
    run = relevant[-COMFORTABLE_RUN:]
    if len(run) == COMFORTABLE_RUN and all(s.comfortable and s.target >= base for s in run):
        return min(MAX_TARGET, base + STEP_UP), "step_up"
    return base, "hold"


def _relevant(history: Sequence[SessionSummary]) -> list[SessionSummary]:
    """The sessions that say something about the dose: twisted, or halted as unwell."""
    return [s for s in history if s.twisted or s.unwell]


def progress(history: Sequence[SessionSummary]) -> Progress:
    """Everything the coach says about the past, from the sessions so far (oldest first)."""
    target, reason = propose(history)
    relevant = _relevant(history)
    return Progress(
        target=target,
        reason=reason,
        sessions=len(history),
        last=relevant[-1] if relevant else None,
        best=max((s.twists for s in history), default=0),
        finished=sum(s.outcome == "finished" for s in history),
        caution=relevant[-1].unwell if relevant else None,
    )
