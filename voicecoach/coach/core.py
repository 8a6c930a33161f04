"""The coach's mechanics on top of its timeline: halts, and the count.

:class:`voicecoach.coach.steps.Steps` adds what each step does with an intent, and
:class:`voicecoach.coach.machine.Coach` the public surface. The hooks at the end of
:class:`Core` are the steps that the mechanics start (cool-down, finishing).

The count is the backbone of the twisting: every twist's count is said, on its beat. A beat
that falls while the coach is still talking (an answer the user asked for) waits for the line
to end; a reminder or cue is said only if it fits before the next beat.
"""

from __future__ import annotations

import logging
import math
import random

from voicecoach.coach.config import CoachConfig
from voicecoach.coach.dialog import Dialog
from voicecoach.coach.events import Halt, Rep, Side
from voicecoach.coach.pacing import Pacer
from voicecoach.coach.timeline import Durations, Line, Timeline

log = logging.getLogger(__name__)

COUNT_KEYS = frozenset({"twist.right", "twist.left", "twist.number", "cooldown.right",
                        "cooldown.left"})
"""Lines that are counts: never cut short by a barge-in (they end within a second)."""
ADVICE_KEYS = frozenset({"halt.pain", "halt.dizzy"})
"""What to do after a halt for pain or dizziness (sit down, see a health professional if it
persists): said whole, never cut short by a barge-in; a halting word still cuts it. The
simulated kitchen's "okay" at 0.36 cut "... If the dizziness persists, please see a health
professional" before its last sentence; the reply now follows it."""
CUE_KEYS = frozenset({"twist.reminder", "twist.halfway", "twist.halfway_short", "twist.last",
                      "twist.last_short", "cooldown.slower"})
"""Lines said between counts only when they fit: a reply to the user goes before them."""


class Core(Timeline):
    """State and mechanics shared by the steps and the public machine."""

    def __init__(self, dialog: Dialog, rng: random.Random, config: CoachConfig | None = None,
                 durations: Durations | None = None) -> None:
        super().__init__(dialog, rng, config, durations)
        self.counts: dict[Side, int] = {"right": 0, "left": 0}
        self.halt_reason: str | None = None
        self._resume_step = "idle"
        self._pacer = Pacer.starting(self.config.tempo)
        self._side: Side = "right"
        self._cooling = 0
        self._twist_started = 0.0
        self._reminder = 0
        self._cue_forms: tuple[Line, ...] = ()
        self._cue_beats = 0

    # -- halts -----------------------------------------------------------------------------

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
        if self.step in ("halted", "halt_confirm", "halt_check"):
            self._halt(self.halt_reason or "stop")
            self.step = "halted"
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
        if self.step in ("stopped", "checking", "halted", "halt_confirm", "halt_check"):
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
        if self.speaking_until > at:
            self._next_beat = self.speaking_until + self.config.count_gap
            return
        side, self._side = self._side, "left" if self._side == "right" else "right"
        if self._cooling:
            self._cool_beat(at, side)
            return
        self.counts[side] += 1
        count = self.counts[side]
        self._out.append(Rep(round(at, 3), side, count, self.config.target))
        interval = self._pacer.next_interval()
        self._count(f"twist.{side}", interval, count=count)
        self._next_beat = at + interval
        if side == "left":
            self._after_pair(at, count)
        self._try_cue()

    def _count(self, key: str, interval: float, **slots: object) -> None:
        """Say the count now; just the number when the whole line would not fit the beat."""
        line = Line(key, self._render(key, **slots), main=False)
        if "count" in slots and self._seconds(line.text) > interval - self.config.count_gap:
            line = Line("twist.number", self._render("twist.number", **slots), main=False)
        self._emit(line)

    def _after_pair(self, at: float, count: int) -> None:
        if self._twisting_done(at, count):
            self._next_beat = None
            self._cue_forms = ()
            if self.config.minutes:
                self._say("twist.time_up")
            else:
                self._say("twist.target_reached", target=self.config.target)
            self._begin_cooldown()
        elif not self.config.minutes and count == self.config.target // 2:
            remaining = self.config.target - count
            self._pend(4, self._line("twist.halfway", False, remaining=remaining),
                       self._line("twist.halfway_short", False))
        elif not self.config.minutes and count == self.config.target - 1:
            self._pend(2, self._line("twist.last", False), self._line("twist.last_short", False))
        elif count % self.config.reminder_every == 0:
            self._pend(2 * self.config.reminder_every, *self._reminder_forms())

    def _reminder_forms(self) -> tuple[Line, ...]:
        index = self._reminder % len(self.dialog.script.lists["reminders"])
        self._reminder += 1
        lists = self.dialog.script.lists
        return tuple(self._line("twist.reminder", False, reminder=lists[k][index])
                     for k in ("reminders", "reminders_short"))

    def _pend(self, beats: int, *forms: Line) -> None:
        """A cue to say between two counts, in the first of its forms that fits; it waits up
        to ``beats`` beats for room (the count never waits for a cue)."""
        self._cue_forms, self._cue_beats = forms, beats

    def _drop_cues(self) -> None:
        """Cues are optional: waiting or queued ones give way to what the user asked for."""
        self._cue_forms = ()
        for line in [i for i in self._next if isinstance(i, Line) and i.key in CUE_KEYS]:
            self._next.remove(line)

    def _try_cue(self) -> None:
        if not self._cue_forms or self._next_beat is None:
            return
        room = self._next_beat - self.speaking_until - self.config.count_gap
        fitting = [f for f in self._cue_forms if self._seconds(f.text) <= room]
        self._cue_beats -= 1
        if fitting:
            self._next.append(fitting[0])
        if fitting or self._cue_beats <= 0:
            self._cue_forms = ()

    def _twisting_done(self, at: float, count: int) -> bool:
        if self.config.minutes:
            return at - self._twist_started >= self.config.minutes * 60
        return count >= self.config.target

    def _cool_beat(self, at: float, side: Side) -> None:
        self._cooling -= 1
        interval = self._pacer.wind_down()
        self._count(f"cooldown.{side}", interval)
        if self._cooling == 0:
            self._next_beat = None
            self._cooldown_steps()
            return
        self._next_beat = at + interval
        if side == "left":
            self._pend(1, self._line("cooldown.slower", False))
            self._try_cue()

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
