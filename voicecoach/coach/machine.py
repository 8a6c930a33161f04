"""The coach: a pure state machine. Events in, actions out.

No audio, no sleeping, no clock, no dice: time arrives with each event and randomness comes
from the injected :class:`random.Random`, so a whole session is a fast, deterministic test.
The coach models its own speech timeline (each line takes time in proportion to its length);
the caller asks :attr:`Coach.next_wakeup` when to send the next :class:`Tick`.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from voicecoach.coach.config import CoachConfig
from voicecoach.coach.core import ADVICE_KEYS, COUNT_KEYS
from voicecoach.coach.events import (
    Action,
    Begin,
    Event,
    InputError,
    Tick,
    Utterance,
)
from voicecoach.coach.recall import Recall
from voicecoach.coach.steps import (
    ANSWERS,
    ASKABLE_STEPS,
    GO_ON,
    MISHEARD_HALTS,
    MOVING_STEPS,
    SAFETY_QUESTIONS,
    STOPPED_STEPS,
    UNSURE_STEPS,
    YES_NO,
)
from voicecoach.coach.timeline import Line

__all__ = ["Coach", "CoachConfig"]

NONE = "none"

log = logging.getLogger(__name__)


class Coach(Recall):
    """The Back Twist session as a state machine.

    ``handle(event)`` returns the actions for that event, and for every timer that fell due
    up to the event's time, in time order.
    """

    _misses = 0
    """Utterances in a row heard but not understood."""
    _resay: Line | None = None
    """A line cut short by a side question, waiting to be said again after the answer."""

    # -- the public surface ------------------------------------------------------------

    @property
    def awaiting_answer(self) -> bool:
        """True when the coach has asked something and is listening for the answer."""
        return not self.ended and self._wait is not None and not self._queue and not self._next

    @property
    def closing(self) -> bool:
        """True while the coach says its last lines: the session is over but for them."""
        return bool(self._closing) and not self.ended

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
        elif isinstance(event, Utterance) and self._closing:
            self._halt_while_closing(event.intent)
        elif isinstance(event, Utterance):
            self._on_utterance(event)
        elif isinstance(event, InputError):
            self._say("input.error")
            self._rearm()
        elif not isinstance(event, Tick):
            log.warning("unknown event %r", event)
        self._advance(self.now)
        return self._out

    def _on_utterance(self, event: Utterance) -> None:
        # the halting word the coach asks about ("did you say stop?"), heard unsure again, halts:
        # the safe reading wins (a spoken session's "ouch my back" was said three times); another
        # one, or one while paused, is asked about in turn (kitchen noise says "i feel dizzy"
        # at 0.1-0.2: taken as said while asking, it made 12 false halts in 20 spoken sessions)
        if self._loose_end(event):
            event = replace(event, intent=NONE, guess="quit")
        doubt = event.doubt or self._unsure_end(event) or self._misheard(event)
        again = bool(doubt) and self.step == "checking" and doubt == self._doubt
        intent = doubt if again else event.intent
        self._present()
        if intent in ("pain", "dizzy"):
            self._halt_unwell(intent)
        elif intent == "stop":
            self._halt_stop()
        elif intent == "quit":
            self._quit()
        elif doubt and self.step in ASKABLE_STEPS:
            self._check_doubt(doubt)  # maybe "ouch": never go on regardless
        elif self._unsure_start(event):
            self._check_start()
        elif doubt and self.step == "idle":
            return  # nothing started, nothing to stop: kitchen noise says "i feel dizzy" at 0.1
        elif event.doubt and self.step in STOPPED_STEPS:
            return  # already stopped: an unsure halting word is no news
        else:
            self._on_request(*self._meaning(event), event.text, event.unclear)

    def _unsure_end(self, event: Utterance) -> str:
        """"quit" for an end heard unsure, to ask about; not from words the recognizer was too
        unsure of for any intent (:attr:`Utterance.unclear`): kitchen noise heard as "see you
        see that one" at 0.15 cut the coach's setup instructions to ask "did you want to
        finish?" (simulated kitchen, stop 42). Unlike a halting word, an end can wait to be
        said again."""
        return "quit" if event.guess == "quit" and not event.unclear else ""

    def _misheard(self, event: Utterance) -> str:
        """The halting word a spoken go-on word that means nothing here may be
        (:data:`~voicecoach.coach.steps.MISHEARD_HALTS`), or ""."""
        if not event.spoken or self.step not in MOVING_STEPS:
            return ""
        return MISHEARD_HALTS.get(event.intent, "")

    def _loose_end(self, event: Utterance) -> bool:
        """An end matched loosely where it is asked about (:data:`ASKABLE_STEPS`)."""
        return (event.intent == "quit" and event.confidence < self.config.sure_end
                and self.step in ASKABLE_STEPS)

    def _unsure_start(self, event: Utterance) -> bool:
        """At the greeting, nothing understood but a guess that means "let's go"."""
        return (self.step == "idle" and event.intent == NONE and event.guess in GO_ON
                and not self._question_coming())

    def _halt_while_closing(self, intent: str) -> None:
        """Saying goodbye: a halting word still cuts the voice at once, then the end."""
        if intent in ("stop", "pain", "dizzy"):
            self._halt(intent)
            self._close(self._closing)

    def _present(self) -> None:
        """Any speech shows the user is there: silence starts counting afresh."""
        if self._wait is not None and self._wait.reprompted:
            self._rearm()

    def _meaning(self, event: Utterance) -> tuple[str, bool]:
        """The intent to act on, and whether it was heard surely; at a safety question an
        answer the recognizer was unsure of counts, as an unsure one, and a problem told of
        is a yes (:meth:`_tells_a_problem`)."""
        if self.step in SAFETY_QUESTIONS and self._tells_a_problem(event):
            return "yes", False
        if event.intent == NONE and event.guess and self.step in UNSURE_STEPS:
            return event.guess, False
        return event.intent, event.confidence >= self.config.sure_answer and not event.doubt

    def _tells_a_problem(self, event: Utterance) -> bool:
        """A condition of the user's own ("i've got a slipped disc": precautions) or their
        body talked about ("my back is a bit dodgy": a doubt of pain), in words about them (a
        lone unsure "ow", noise as likely as not, is only not understood)."""
        told = event.intent == "ask_precautions" or (event.intent == NONE and event.doubt == "pain")
        return told and self.dialog.script.about_me(event.text)

    def _on_request(self, intent: str, sure: bool, text: str, unclear: bool = False) -> None:
        if intent == NONE:
            if not unclear or self.awaiting_answer:
                self._not_understood()  # unclear words are answered once the coach has asked
            return
        if intent in YES_NO and self._wait is None:
            return  # a yes or no to nothing asked (talk in the room, the noise's): let it pass
        self._misses, self._sure, self._said = 0, sure, text
        cut = self._barge_in()
        if getattr(self, f"_step_{self.step}")(intent):
            self._drop_resay()
            return
        self._answer(intent, text)
        self._resay_after(cut)

    def _resay_after(self, cut: Line | None) -> None:
        """The main line a side answer cut short is said again, whole, after the answer; once:
        cut short again, it is not said a third time (the 13 s intro was, with two questions).
        One still waiting to be said again goes after the newest answer: a second question
        asked during the first answer is answered before the line (typed "how many reps"
        during the help answer was lost to the intro said again first, then a "quit")."""
        if cut is not None and cut is self._resay:
            self._resay = None
            return
        waiting = self._resay if self._resay in self._next else None
        line = cut if cut is not None and cut.main else waiting
        self._drop_resay()
        if line is not None:
            self._resay = line
            self._next.append(line)

    def _drop_resay(self) -> None:
        """The dialogue moved on: a line cut short earlier is no longer worth saying."""
        if self._resay is not None and self._resay in self._next:
            self._next.remove(self._resay)
        self._resay = None

    def _barge_in(self) -> Line | None:
        """The user talks over the coach: cut the line being said, unless it is a count or a
        halt's advice (:data:`ADVICE_KEYS`), and drop a cue waiting to be said between counts
        (the reply goes first)."""
        self._drop_cues()
        if self._playing is not None and self._playing.key in COUNT_KEYS | ADVICE_KEYS:
            return None
        return self._hush()

    def _not_understood(self) -> None:
        """Heard but not understood: sorry with choices, then more explicit, then typing;
        nothing while the coach is still on its way to a question (a "sorry" with the
        greeting's choices, "say start back twist", only put the question off: three of them
        before the safety question, asked at 80 s, in a spoken kitchen session)."""
        if self._question_coming():
            return
        if self.step == "safety_check":
            self._safety_advice()  # still unclear: the cautious branch
            return
        self._misses += 1
        options = self._render(f"options.{self.step}")
        if self._misses == 1:
            self._say("sorry", remember=False, options=options)
        elif self._misses == 2:
            self._say("sorry.again", remember=False, help=self._render(f"help.{self.step}"))
        else:
            self._say("sorry.typing", remember=False, options=options)
            self._misses = 0
        self._rearm()
