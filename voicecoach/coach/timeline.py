"""The coach's timeline: what it says and when, what it waits for, and being cut short.

A line is emitted as a :class:`Say` at the moment it starts, never ahead of time: replies
(``_next``) go before the coach's own queued script (``_queue``), and nothing queued has been
sent anywhere yet, so cutting the coach short (:meth:`Timeline._hush`) only has to stop the one
line being said. A wait for an answer is armed once everything queued has been said.
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from voicecoach.coach.config import CoachConfig
from voicecoach.coach.dialog import Dialog
from voicecoach.coach.events import Action, End, Hush, Phase, PhaseChanged, Say

log = logging.getLogger(__name__)

Durations = Callable[[str], float]
"""Seconds a line takes when spoken (the app's text-to-speech knows; the coach estimates)."""


@dataclass(frozen=True, slots=True)
class Line:
    key: str
    text: str
    main: bool = True
    """Part of the coach's own thread (instructions, questions): remembered for "repeat" and
    said again after a side answer cut it short. Replies and counts are not."""


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    arg: str | None = None


@dataclass(frozen=True, slots=True)
class Gap:
    seconds: float


Item = Line | Call | Gap


@dataclass(slots=True)
class Wait:
    prompt: str
    timeout: float
    deadline: float | None = None
    """None until everything queued has been said; then the end of speech plus ``timeout``."""
    reprompted: bool = False


class Timeline:
    """Lines, gaps and calls in order, a wait for an answer, and the clock they run on."""

    def __init__(self, dialog: Dialog, rng: random.Random, config: CoachConfig | None = None,
                 durations: Durations | None = None) -> None:
        self.dialog = dialog
        self.rng = rng
        self.config = config or CoachConfig()
        self.phase: Phase = "idle"
        self.step = "idle"
        self.now = 0.0
        self.speaking_until = 0.0
        self.ended = False
        self._closing = ""
        """Why the session is ending, while the last lines are said."""
        self._durations = durations
        self._queue: deque[Item] = deque()
        self._next: deque[Item] = deque()
        self._playing: Line | None = None
        """The line last started; it is still being said while ``speaking_until`` > now."""
        self._wait: Wait | None = None
        self._out: list[Action] = []
        self._last_line = ""
        self._prompt = ""
        self._next_beat: float | None = None

    @property
    def next_wakeup(self) -> float | None:
        """When the coach next needs a :class:`Tick`, or None once the session has ended."""
        if self.ended:
            return None
        times = [self._next_beat, self._wait.deadline if self._wait else None]
        if self._next or self._queue:
            times.append(self.speaking_until)
        due = [t for t in times if t is not None]
        return min(due) if due else None

    # -- time --------------------------------------------------------------------------

    def _advance(self, t: float) -> None:
        """Run every timer due up to ``t``, each at its own time."""
        while not self.ended:
            self._arm_wait()
            due = self.next_wakeup
            if due is None or due > t:
                break
            self.now = max(self.now, due)
            self._fire_due()
        self.now = max(self.now, t)

    def _arm_wait(self) -> None:
        wait = self._wait
        if wait is not None and wait.deadline is None and not self._next and not self._queue:
            wait.deadline = max(self.now, self.speaking_until) + wait.timeout

    def _fire_due(self) -> None:
        """A reply due now goes before a beat due now (the user is waiting for it; the count
        then waits for the reply), the beat before the coach's own script."""
        if self._next and self.speaking_until <= self.now:
            self._run(self._next.popleft())
        elif self._next_beat is not None and self._next_beat <= self.now:
            self._beat(self._next_beat)
        elif self._queue and self.speaking_until <= self.now:
            self._run(self._queue.popleft())
        elif self._wait is not None and self._wait.deadline is not None \
                and self._wait.deadline <= self.now:
            self._on_silence(self._wait)

    def _run(self, item: Item) -> None:
        if isinstance(item, Line):
            self._emit(item)
        elif isinstance(item, Gap):
            self.speaking_until = max(self.now, self.speaking_until) + item.seconds
        elif item.arg is None:
            getattr(self, item.name)()
        else:
            getattr(self, item.name)(item.arg)

    # -- speaking ----------------------------------------------------------------------

    def _render(self, key: str, **slots: object) -> str:
        return self.dialog.responses.render(key, self.rng, **slots)

    def _seconds(self, text: str) -> float:
        if self._durations is not None:
            return round(self._durations(text), 3)
        words = len(text.split())
        return round(self.config.line_overhead + words / self.config.words_per_second, 2)

    def _emit(self, line: Line) -> None:
        """Start saying ``line`` now (or when the line being said ends)."""
        start = max(self.now, self.speaking_until)
        seconds = self._seconds(line.text)
        self.speaking_until = start + seconds
        self._playing = line
        self._out.append(Say(round(start, 3), line.text, line.key, seconds))
        if line.main:
            self._last_line = line.text

    def _say(self, key: str, remember: bool = True, **slots: object) -> None:
        """Say one line next: after the line being said, before the queued script."""
        self._next.append(self._line(key, remember, **slots))

    def _queue_line(self, key: str, **slots: object) -> None:
        """Say one line after the lines already queued; an interrupt drops it."""
        self._queue.append(self._line(key, True, **slots))

    def _line(self, key: str, main: bool, **slots: object) -> Line:
        line = Line(key, self._render(key, **slots), main)
        if main:
            self._prompt = line.text
        return line

    def _new_script(self) -> None:
        """A new part of the session begins: what was queued for the last part is dropped
        and nothing is awaited any more."""
        self._queue.clear()
        self._wait = None

    def _pause_for(self, seconds: float) -> None:
        """Leave a silence of ``seconds`` before the next queued line (a slow breath)."""
        self._queue.append(Gap(seconds))

    def _then(self, method: str) -> None:
        """Call ``method`` once everything queued before it has been said."""
        self._queue.append(Call(method))

    def _hush(self) -> Line | None:
        """Cut the line being said, if any; returns it."""
        playing, self._playing = self._playing, None
        if self.speaking_until <= self.now:
            return None
        self.speaking_until = self.now
        self._out.append(Hush(round(self.now, 3)))
        return playing

    def _interrupt(self) -> None:
        """Cut off what is being said and drop what was queued."""
        self._queue.clear()
        self._next.clear()
        self._hush()

    # -- listening ---------------------------------------------------------------------

    def _listen(self, timeout: float | None = None) -> None:
        """Wait for an answer to the last line; silence gets one reprompt, then a close."""
        self._wait = Wait(self._prompt, timeout or self.config.answer_timeout)

    def _rearm(self) -> None:
        """After a side answer, keep waiting for the pending answer afresh."""
        if self._wait is not None:
            self._wait = Wait(self._wait.prompt, self._wait.timeout)

    def _on_silence(self, wait: Wait) -> None:
        if not wait.reprompted:
            self._say("silence.reprompt", remember=False, prompt=wait.prompt)
            self._wait = Wait(wait.prompt, wait.timeout, None, True)
            return
        self._wait = None
        self._say("silence.close")
        self._end("silence")

    # -- phases and the end --------------------------------------------------------------

    def _set_phase(self, phase: Phase) -> None:
        if phase != self.phase:
            self.phase = phase
            self._out.append(PhaseChanged(round(self.now, 3), phase))

    def _end(self, reason: str) -> None:
        """Close the session once the lines already given have been said."""
        self._queue.clear()
        self._wait = None
        self._next_beat = None
        self._closing = reason
        self._next.append(Call("_close", reason))

    def _close(self, reason: str) -> None:
        self.ended = True
        self._out.append(End(round(max(self.now, self.speaking_until), 3), reason))

    def _beat(self, at: float) -> None:
        raise NotImplementedError
