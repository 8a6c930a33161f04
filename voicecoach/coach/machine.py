"""The coach: a pure state machine. Events in, actions out.

No audio, no sleeping, no clock, no dice: time arrives with each event and randomness comes
from the injected :class:`random.Random`, so a whole session is a fast, deterministic test.
The coach models its own speech timeline (each line takes time in proportion to its length);
the caller asks :attr:`Coach.next_wakeup` when to send the next :class:`Tick`.
"""

from __future__ import annotations

import logging

from voicecoach.coach.config import CoachConfig
from voicecoach.coach.events import (
    Action,
    Begin,
    Event,
    InputError,
    Tick,
    Utterance,
)
from voicecoach.coach.recall import Recall
from voicecoach.coach.steps import ANSWERS

__all__ = ["Coach", "CoachConfig"]

log = logging.getLogger(__name__)


class Coach(Recall):
    """The Back Twist session as a state machine.

    ``handle(event)`` returns the actions for that event, and for every timer that fell due
    up to the event's time, in time order.
    """

    # -- the public surface ------------------------------------------------------------

    @property
    def awaiting_answer(self) -> bool:
        """True when the coach has asked something and is listening for the answer."""
        return not self.ended and self._wait is not None and not self._queue

    @property
    def likely_intents(self) -> frozenset[str]:
        """While the coach waits for an answer: the intents that answer it (a recognizer may
        favour them; see :data:`voicecoach.coach.steps.ANSWERS`); otherwise empty."""
        if self._wait is None or self.ended:
            return frozenset()
        return ANSWERS.get(self.step, frozenset())

    def handle(self, event: Event) -> list[Action]:
        self._out = []
        if self.ended:
            return []
        self._advance(max(event.t, self.now))
        if isinstance(event, Begin):
            self._greet()
            self._listen(self.config.idle_timeout)
        elif isinstance(event, Utterance):
            self._on_utterance(event)
        elif isinstance(event, InputError):
            self._say("input.error")
            self._rearm()
        elif not isinstance(event, Tick):
            log.warning("unknown event %r", event)
        return self._out

    def _on_utterance(self, event: Utterance) -> None:
        intent = event.intent
        if intent in ("pain", "dizzy"):
            self._halt_unwell(intent)
        elif intent == "stop":
            self._halt_stop()
        elif intent == "quit":
            self._quit()
        elif event.doubt and self.step == "pacing":
            self._pause_counting("pause.check")  # maybe "ouch": never count on regardless
        elif not getattr(self, f"_step_{self.step}")(intent):
            self._answer(intent, event.text)
