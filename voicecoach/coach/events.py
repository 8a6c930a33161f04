"""Events into the coach and actions out of it: small frozen dataclasses.

The coach is a pure state machine: it receives :data:`Event` values (each carries the
virtual or real time it happened at) and returns a list of :data:`Action` values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Phase = Literal["idle", "safety_check", "setup", "twisting", "cooldown", "done"]
Side = Literal["right", "left"]
HaltReason = Literal["stop", "pain", "dizzy"]


@dataclass(frozen=True, slots=True)
class Begin:
    """The session opens: the coach greets and waits for "start back twist"."""

    t: float
    """Seconds since the session opened (virtual or real)."""


@dataclass(frozen=True, slots=True)
class Utterance:
    """The user said something, already matched to an intent."""

    t: float
    """When it was heard."""
    intent: str
    """One of the contract intent names, or ``none``."""
    confidence: float
    """0..1, from the intent matcher (and the recognizer, for speech)."""
    text: str = ""
    """What was heard, for topic-specific answers ("what do I do with my arms?")."""
    doubt: str = ""
    """Speech only: a halting intent (stop/pain/dizzy) the recognizer heard but was not sure
    enough of to act on; ``intent`` is then ``none``. While twisting, the coach pauses and
    checks in rather than count on."""
    guess: str = ""
    """Speech only: a non-halting intent the recognizer heard but was not sure enough of to act
    on; ``intent`` is then ``none``. At a safety question the coach asks to confirm it, never
    acts on it."""
    unclear: bool = False
    """Speech only: nothing understood and the recognizer too unsure of the words for any
    intent: likely noise or talk not meant for the coach; it is not answered "sorry", unless
    the coach asked something and waits for the answer (a spoken session's "start back
    twist", heard three times at 0.16-0.19, got no reply at all)."""
    spoken: bool = False
    """Heard by a recognizer, which may mishear, rather than typed."""


@dataclass(frozen=True, slots=True)
class Tick:
    """Time passed: the coach checks its timers (pacing beats, silence timeouts)."""

    t: float


@dataclass(frozen=True, slots=True)
class InputError:
    """An input edge failed (bad text, audio error): the coach answers, it never crashes."""

    t: float
    message: str


Event = Begin | Utterance | Tick | InputError


@dataclass(frozen=True, slots=True)
class Say:
    """Speak (and print) one line."""

    t: float
    """When the line starts: after whatever the coach was already saying."""
    text: str
    key: str
    """The response key it came from, e.g. ``setup.cue`` (for tests and logs)."""
    seconds: float
    """How long the line takes to say (rendered audio's length when the coach was given
    durations, else an estimate from its length)."""


@dataclass(frozen=True, slots=True)
class Hush:
    """Stop speaking at once: cut the line being said and drop any not yet started
    (barge-in, or the coach moving on). A :class:`Halt` hushes too."""

    t: float


@dataclass(frozen=True, slots=True)
class PhaseChanged:
    t: float
    phase: Phase


@dataclass(frozen=True, slots=True)
class Rep:
    """One paced twist counted."""

    t: float
    side: Side
    count: int
    """Twists done on this side so far, this one included."""
    target: int


@dataclass(frozen=True, slots=True)
class Halt:
    """Pacing stopped at once for safety."""

    t: float
    reason: HaltReason


@dataclass(frozen=True, slots=True)
class End:
    """The session is over; nothing more will be said."""

    t: float
    reason: str
    """``done``, ``quit``, ``silence``, ``not_cleared``, ``pain``, ``dizzy``."""


Action = Say | Hush | PhaseChanged | Rep | Halt | End
