"""The coach's mechanics: its timeline of lines, waits and beats, halts and counting.

:class:`voicecoach.coach.steps.Steps` adds what each step does with an intent, and
:class:`voicecoach.coach.machine.Coach` the public surface. The hooks at the end of
:class:`Core` are the steps that the mechanics start (cool-down, pausing, answers).
"""

from __future__ import annotations

import logging
import math
import random
from collections import deque
from dataclasses import dataclass

from voicecoach.coach.config import CoachConfig
from voicecoach.coach.dialog import Dialog
from voicecoach.coach.events import (
    Action,
    End,
    Halt,
    Phase,
    PhaseChanged,
    Rep,
    Say,
    Side,
)
from voicecoach.coach.pacing import Pacer

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Line:
    key: str
    text: str


@dataclass(frozen=True, slots=True)
class _Call:
    name: str


@dataclass(frozen=True, slots=True)
class _Gap:
    seconds: float


@dataclass(slots=True)
class _Wait:
    prompt: str
    timeout: float
    deadline: float
    reprompted: bool = False


class Core:
    """State and mechanics shared by the steps and the public machine."""

    def __init__(
        self, dialog: Dialog, rng: random.Random, config: CoachConfig | None = None
    ) -> None:
        self.dialog = dialog
        self.rng = rng
        self.config = config or CoachConfig()
        self.phase: Phase = "idle"
        self.step = "idle"
        self.now = 0.0
        self.speaking_until = 0.0
        self.ended = False
        self.counts: dict[Side, int] = {"right": 0, "left": 0}
        self.halt_reason: str | None = None
        self._queue: deque[_Line | _Call | _Gap] = deque()
        self._wait: _Wait | None = None
        self._out: list[Action] = []
        self._last_line = ""
        self._resume_step = "idle"
        self._pacer = Pacer.starting(self.config.tempo)
        self._next_beat: float | None = None
        self._side: Side = "right"
        self._cooling = 0
        self._twist_started = 0.0
        self._reminder = 0


    @property
    def next_wakeup(self) -> float | None:
        """When the coach next needs a :class:`Tick`, or None once the session has ended."""
        if self.ended:
            return None
        times = [self._next_beat, self._wait.deadline if self._wait else None]
        if self._queue:
            times.append(self.speaking_until)
        due = [t for t in times if t is not None]
        return min(due) if due else None

    # -- time --------------------------------------------------------------------------

    def _advance(self, t: float) -> None:
        """Run every timer due up to ``t``, each at its own time."""
        while not self.ended:
            due = self.next_wakeup
            if due is None or due > t:
                break
            self.now = max(self.now, due)
            self._fire_due()
        self.now = max(self.now, t)

    def _fire_due(self) -> None:
        if self._next_beat is not None and self._next_beat <= self.now:
            self._beat(self._next_beat)
        elif self._queue and self.speaking_until <= self.now:
            self._run(self._queue.popleft())
        elif self._wait is not None and self._wait.deadline <= self.now:
            self._on_silence(self._wait)

    def _run(self, item: _Line | _Call | _Gap) -> None:
        if isinstance(item, _Line):
            self._emit_line(item.key, item.text)
        elif isinstance(item, _Gap):
            self.speaking_until = max(self.now, self.speaking_until) + item.seconds
        else:
            getattr(self, item.name)()

    # -- speaking and listening --------------------------------------------------------

    def _render(self, key: str, **slots: object) -> str:
        return self.dialog.responses.render(key, self.rng, **slots)

    def _seconds(self, text: str) -> float:
        return round(0.3 + len(text.split()) / self.config.words_per_second, 2)

    def _emit_line(self, key: str, text: str, remember: bool = True) -> None:
        start = max(self.now, self.speaking_until)
        seconds = self._seconds(text)
        self.speaking_until = start + seconds
        self._out.append(Say(round(start, 3), text, key, seconds))
        if remember:
            self._last_line = text

    def _say(self, key: str, remember: bool = True, **slots: object) -> None:
        """Say one line now (after whatever is being said)."""
        self._emit_line(key, self._render(key, **slots), remember)

    def _queue_line(self, key: str, **slots: object) -> None:
        """Say one line after the lines already queued; an interrupt drops it."""
        self._queue.append(_Line(key, self._render(key, **slots)))

    def _pause_for(self, seconds: float) -> None:
        """Leave a silence of ``seconds`` before the next queued line (a slow breath)."""
        self._queue.append(_Gap(seconds))

    def _then(self, method: str) -> None:
        """Call ``method`` once everything queued before it has been said."""
        self._queue.append(_Call(method))

    def _listen(self, timeout: float | None = None) -> None:
        """Wait for an answer to the last line; silence gets one reprompt, then a close."""
        timeout = timeout or self.config.answer_timeout
        prompt = self._last_line
        self._wait = _Wait(prompt, timeout, self.speaking_until + timeout)

    def _rearm(self) -> None:
        """After answering a side question, keep waiting for the pending answer afresh."""
        if self._wait is not None:
            wait = self._wait
            self._wait = _Wait(wait.prompt, wait.timeout, self.speaking_until + wait.timeout)

    def _on_silence(self, wait: _Wait) -> None:
        if not wait.reprompted:
            self._say("silence.reprompt", remember=False, prompt=wait.prompt)
            self._wait = _Wait(wait.prompt, wait.timeout, self.speaking_until + wait.timeout, True)
            return
        self._wait = None
        self._say("silence.close")
        self._end("silence")

    def _interrupt(self) -> None:
        """Cut off what is being said and drop what was queued."""
        self._queue.clear()
        self.speaking_until = min(self.speaking_until, self.now)

    def _set_phase(self, phase: Phase) -> None:
        if phase != self.phase:
            self.phase = phase
            self._out.append(PhaseChanged(round(self.now, 3), phase))

    def _end(self, reason: str) -> None:
        self._queue.clear()
        self._wait = None
        self._next_beat = None
        self.ended = True
        self._out.append(End(round(max(self.now, self.speaking_until), 3), reason))

    def _halt(self, reason: str) -> None:
        self._interrupt()
        self._next_beat = None
        self._out.append(Halt(round(self.now, 3), reason))  # type: ignore[arg-type]

    def _halt_unwell(self, reason: str) -> None:
        self._resume_step = self._resumable_step()
        self._halt(reason)
        self.halt_reason = reason
        self.step = "halted"
        self._say(f"halt.{reason}")
        self._say("halt.wait_fine")
        self._listen()

    def _halt_stop(self) -> None:
        if self.step in ("halted", "halt_confirm"):
            self._halt(self.halt_reason or "stop")
            self._say("halt.wait_fine")
            self._listen()
            return
        if self.phase == "cooldown":
            self._halt("stop")
            self._say("halt.stopped_cooldown")
            self._finish()
            return
        self._resume_step = self._resumable_step()
        self._halt("stop")
        self.step = "stopped"
        self._say("halt.stop" if self._resume_step == "pacing" else "halt.stop_idle")
        self._listen()

    def _resumable_step(self) -> str:
        if self.step in ("stopped", "halted", "halt_confirm"):
            return self._resume_step
        return "pacing" if self.step in ("pacing", "paused") else self.step

    def _quit(self) -> None:
        twisting = self._next_beat is not None or self.step == "paused"
        self._interrupt()
        self._next_beat = None
        self._say("quit.twisting" if twisting and self.phase == "twisting" else "quit")
        self._end("quit")

    # -- pacing --------------------------------------------------------------------------

    def _start_pacing(self) -> None:
        self.step = "pacing"
        self._pacer = Pacer.starting(self.config.tempo)
        self._next_beat = max(self.now, self.speaking_until) + self.config.lead_in
        if self._twist_started == 0.0:
            self._twist_started = self._next_beat

    def _beat(self, at: float) -> None:
        side = self._side
        quiet = self.speaking_until > at
        self._side = "left" if side == "right" else "right"
        if self._cooling:
            self._cool_beat(at, side, quiet)
            return
        self.counts[side] += 1
        count = self.counts[side]
        self._out.append(Rep(round(at, 3), side, count, self.config.target))
        if not quiet:
            self._say(f"twist.{side}", remember=False, count=count)
        self._next_beat = at + self._pacer.next_interval()
        if side == "left":
            self._after_pair(at, count)

    def _after_pair(self, at: float, count: int) -> None:
        if self._twisting_done(at, count):
            self._next_beat = None
            if self.config.minutes:
                self._say("twist.time_up")
            else:
                self._say("twist.target_reached", target=self.config.target)
            self._begin_cooldown()
        elif not self.config.minutes and count == self.config.target // 2:
            self._say("twist.halfway", remaining=self.config.target - count)
        elif not self.config.minutes and count == self.config.target - 1:
            self._say("twist.last")
        elif count % self.config.reminder_every == 0:
            reminders = self.dialog.script.lists["reminders"]
            self._say("twist.reminder", reminder=reminders[self._reminder % len(reminders)])
            self._reminder += 1

    def _twisting_done(self, at: float, count: int) -> bool:
        if self.config.minutes:
            return at - self._twist_started >= self.config.minutes * 60
        return count >= self.config.target

    def _cool_beat(self, at: float, side: Side, quiet: bool) -> None:
        self._cooling -= 1
        if not quiet:
            self._say(f"cooldown.{side}", remember=False)
        if self._cooling == 0:
            self._next_beat = None
            self._cooldown_steps()
            return
        if side == "left":
            self._say("cooldown.slower", remember=False)
        self._next_beat = at + self._pacer.wind_down()

    def seconds_left(self) -> int:
        """Twisting time still to go, at the pace it is heading for."""
        if self.config.minutes:
            return max(0, round(self.config.minutes * 60 - (self.now - self._twist_started)))
        remaining = 2 * self.config.target - self.counts["right"] - self.counts["left"]
        return max(0, math.ceil(remaining * self._pacer.goal))

    # -- hooks: steps that the mechanics start (see voicecoach.coach.steps) ------------

    def _begin_cooldown(self) -> None:
        raise NotImplementedError

    def _cooldown_steps(self) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        raise NotImplementedError
