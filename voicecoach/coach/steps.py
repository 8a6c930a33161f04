"""The coach's dialogue steps: what each intent does at each step, and the side answers.

Each ``_step_<name>`` method returns True when it dealt with the intent; otherwise the coach
falls back to :meth:`StepsMixin._answer` (questions, help, repeat, "sorry").
"""

from __future__ import annotations

import math

from voicecoach.coach.core import Core
from voicecoach.coach.progression import UNWELL
from voicecoach.coach.timeline import Call, Line

GO_ON = frozenset({"yes", "resume", "start", "ready"})
YES_NO = frozenset({"yes", "no"})
NOT_AN_ANSWER = frozenset({"ready", "start", "resume"})
"""Said at a yes/no safety question, these answer something else: the question is asked
again with its choices, never taken as a yes."""

ANSWERS: dict[str, frozenset[str]] = {
    "idle": GO_ON,
    "start_check": YES_NO | GO_ON,
    "safety": YES_NO,
    "safety_check": YES_NO,
    "safety_confirm": YES_NO,
    "cleared_check": YES_NO,
    "setup": frozenset({"yes", "no", "ready", "resume", "pause"}),
    "halted": GO_ON | {"no"},
    "halt_confirm": YES_NO,
    "halt_check": YES_NO,
}
"""What a user most likely says while the coach waits at each step: the intents its
``_step_<name>`` handler acts on (a test checks), a hint for the speech recognizer. Not for
"paused" and "stopped": there a misheard "resume" would restart the counting at once, so it
must not be favoured (after a halt for pain, "resume" only leads to a confirmation question).
The halting intents are not in it: the recognizer keeps their usual share of probability
(favouring them too doubled false halts, measured)."""

UNSURE_STEPS = frozenset({"safety", "safety_check", "safety_confirm", "cleared_check",
                          "checking", "halted", "halt_confirm", "halt_check"})
"""Steps where an answer heard but not surely (:attr:`Steps._sure`) is confirmed, never taken."""
SAFETY_QUESTIONS = frozenset({"safety", "safety_check"})
"""Where the coach asks about back or neck problems: a problem told of is a yes."""
CHECKED_STEPS = frozenset({"setup", "explain", "pacing", "cooldown"})
"""Steps where the user moves (or gets into position) while the coach talks or counts: a
halting word (or "quit") heard unsure there stops everything and asks
(:meth:`Steps._check_doubt`), never "sorry, I didn't catch that" while the coach goes on, nor
an end on a word barely heard. Elsewhere nothing is moving: at a yes/no question an unclear
answer has its own cautious branch; after a halt the coach waits."""
MOVING_STEPS = frozenset({"pacing", "cooldown"})
"""Steps where the user twists or stretches to the coach's count."""
MISHEARD_HALTS = {"start": "stop"}
"""A go-on word Whisper writes for a halting word ("stop stop" and "i need to stop" in a natural
voice came out "start" and "i need to start", with or without the prompt): in a
:data:`MOVING_STEPS` step it means nothing, so it is asked about as that halting word heard
unsure, and while the coach asks about that word it does not carry on."""
STOPPED_STEPS = frozenset({"halted", "stopped"})
"""Steps where a halt has stopped everything and the coach waits to hear the user is fine (or
wants to go on): a halting word heard unsure there is no news, let pass without a "sorry"
(kitchen noise heard as "stop it" at 0.08 over "Okay, stopping ..." got "sorry, I didn't catch
that" after it, in simulated kitchen sessions; the same for "i'm dizzy" at 0.18 while the
coach waited after a pain halt)."""
ASKABLE_STEPS = CHECKED_STEPS | {"paused", "checking"}
"""Where a halting word (or "quit") heard unsure is asked about: the steps above, and while
the count is already held (paused, or asking about another word)."""


class Steps(Core):
    """What each step does with an intent; the mechanics are :class:`Core`'s.

    :attr:`_sure` tells a handler whether the answer was heard surely; at the safety questions
    an unsure answer is confirmed, and one that stays unclear takes the cautious branch.
    """

    _sure = True
    _said = ""
    """What the user said, as heard (for answers whose words matter, not only the intent)."""
    _doubt = "stop"
    """The halting intent (or "quit") a check-in asks about (:meth:`_check_doubt`)."""

    # -- idle and the safety check -------------------------------------------------------

    def _step_idle(self, intent: str) -> bool:
        if intent not in GO_ON:
            return False
        if self._question_coming():
            return True  # said again during the intro: on to the question, not a second intro
        self._new_script()
        self._set_phase("safety_check")
        self._queue_line("intro", intro=self.dialog.script.text["intro"])
        self._then("_ask_safety")
        return True

    def _question_coming(self) -> bool:
        """The coach is still saying what leads to its next question (the intro before the
        safety question)."""
        return Call("_ask_safety") in self._queue

    def _check_start(self) -> None:
        """A start heard unsure at the greeting: asked about, not passed over with "sorry"
        (in kitchen noise "let's start one please" at 0.21, "start that twist" at 0.17)."""
        self._ask("start_check", "start.check")

    def _step_start_check(self, intent: str) -> bool:
        if intent in GO_ON:
            self.step = "idle"
            return self._step_idle("start")
        if intent == "no":
            self._ask("idle", "start.not_now", self.config.idle_timeout)
            return True
        return False

    def _ask_safety(self) -> None:
        self.step = "safety"
        self._say("safety.ask", question=self.dialog.script.text["safety_question"])
        self._listen()

    def _step_safety(self, intent: str) -> bool:
        if intent == "no" and self._sure:
            self._say("safety.no_problems")
            self._begin_setup()
        elif intent == "no":
            self._ask("safety_check", "safety.check")
        elif intent == "yes":
            self._safety_advice()
        elif intent == "skip":
            self._say("skip.safety", remember=False)
            self._rearm()
        elif intent in NOT_AN_ANSWER:
            self._ask("safety", "safety.yes_or_no")
        else:
            return False
        return True

    def _ask(self, step: str, key: str, timeout: float | None = None, **slots: object) -> None:
        self.step = step
        self._say(key, **slots)
        self._listen(timeout)

    def _safety_advice(self) -> None:
        """The cautious branch: see a health professional first; have you been cleared?"""
        self._ask("safety_confirm", "safety.advice",
                  advice=self.dialog.script.text["safety_advice"])

    def _step_safety_check(self, intent: str) -> bool:
        """"Did you say no?" Only a sure yes skips the advice; anything unclear gets it."""
        if intent == "yes" and self._sure:
            self._say("safety.checked_no", advice=self.dialog.script.text["safety_advice"])
            self._begin_setup()
        elif intent in YES_NO | NOT_AN_ANSWER:
            self._safety_advice()
        else:
            return False
        return True

    def _step_safety_confirm(self, intent: str) -> bool:
        if intent in YES_NO and not self._sure:
            self._ask("cleared_check", "safety.cleared_check")
        elif intent in YES_NO:
            self._cleared(intent == "yes")
        elif intent in NOT_AN_ANSWER:
            self._ask("safety_confirm", "safety.cleared_yes_or_no")
        elif intent == "skip":
            self._say("safety.need_answer", remember=False)
            self._rearm()
        else:
            return False
        return True

    def _step_cleared_check(self, intent: str) -> bool:
        """Only a sure yes goes on; a sure no ends; anything else asks again."""
        if intent in YES_NO and self._sure:
            self._cleared(intent == "yes")
        elif intent in YES_NO | NOT_AN_ANSWER or intent == "skip":
            self._ask("cleared_check", "safety.cleared_yes_or_no")
        else:
            return False
        return True

    def _cleared(self, cleared: bool) -> None:
        if cleared:
            self._say("safety.cleared")
            self._begin_setup()
        else:
            self._say("safety.not_cleared")
            self._end("not_cleared")

    # -- setup -----------------------------------------------------------------------------

    def _begin_setup(self) -> None:
        self._new_script()
        self.step = "setup"
        self._set_phase("setup")
        self._queue_line("setup.intro")
        for cue in self.dialog.script.lists["setup"]:
            self._queue_line("setup.cue", cue=cue)
        self._queue_line("setup.ready")
        self._then("_listen")

    def _step_setup(self, intent: str) -> bool:
        if intent in ("yes", "ready", "resume", "skip"):
            self._interrupt()
            self._begin_twisting()
        elif intent in ("no", "pause"):
            self._interrupt()
            self._say("setup.take_time")
            self._listen(self.config.pause_timeout)
        else:
            return False
        return True

    # -- twisting ----------------------------------------------------------------------

    def _begin_twisting(self) -> None:
        self._new_script()
        self.step = "explain"
        self._set_phase("twisting")
        self._queue_line("twist.intro")
        for step in self.dialog.script.lists["twisting"]:
            self._queue_line("twist.step", step=step)
        self._queue_line("twist.begin", **self._begin_tips())
        self._then("_start_pacing")

    def _begin_tips(self) -> dict[str, str]:
        tips = self.dialog.script.lists["tips"]
        return {"start_tip": tips[1], "variation_tip": tips[0]}

    def _step_explain(self, intent: str) -> bool:
        if intent not in ("yes", "ready", "skip", "resume"):
            return False
        self._interrupt()
        self._say("twist.begin", **self._begin_tips())
        self._start_pacing()
        return True

    def _step_pacing(self, intent: str) -> bool:
        if intent == "faster":
            self._say("tempo.faster" if self._pacer.faster() else "tempo.fastest")
        elif intent == "slower":
            self._say("tempo.slower" if self._pacer.slower() else "tempo.slowest")
        elif intent == "pause":
            self._pause_counting("pause.paused")
        elif intent == "skip":
            self._interrupt()
            self._next_beat = None
            self._begin_cooldown()
        elif intent in GO_ON:
            self._say("twist.going", remember=False)
        else:
            return False
        return True

    def _pause_counting(self, key: str) -> None:
        self._interrupt()
        self._next_beat = None
        self.step = "paused"
        self._say(key)
        self._listen(self.config.pause_timeout)

    def _step_paused(self, intent: str) -> bool:
        if intent in GO_ON:
            self._wait = None
            self._say("pause.resumed")
            self._start_pacing()
        elif intent == "skip":
            self._wait = None
            self._begin_cooldown()
        else:
            return False
        return True

    # -- a halting word heard unsure -------------------------------------------------------

    def _check_doubt(self, doubt: str) -> None:
        """Stop talking and counting, and ask whether ``doubt`` was said ("did you say
        stop?"); where the coach was is kept, as for a halt."""
        self._resume_step = self._resumable_step()
        self._doubt = doubt
        self._interrupt()
        self._next_beat = None
        self._cooling = 0
        self._ask_check(f"check.{doubt}")

    def _ask_check(self, key: str) -> None:
        """Ask, and wait as long as a pause does (someone hurting may take a while)."""
        self._ask("checking", key, self.config.pause_timeout)

    def _step_checking(self, intent: str) -> bool:
        """A yes halts as the word would have; only a sure no or "carry on" goes on, an
        unsure one is asked again (a misheard "no" must not restart the count). Asked whether
        something hurts or they feel dizzy, a yes that says they are fine ("I feel fine now",
        "no pain") means no."""
        if intent == "yes" and self._doubt in UNWELL and self.dialog.script.says_fine(self._said):
            intent = "no"
        if intent in ("yes", self._doubt):
            self._confirmed_doubt()
        elif MISHEARD_HALTS.get(intent) == self._doubt:
            self._ask_check("check.again")
        elif intent in GO_ON | {"no"} and self._sure:
            self._resume()
        elif intent in GO_ON | {"no"}:
            self._ask_check("check.again")
        else:
            return self._skip_to_cooldown(intent)
        return True

    def _confirmed_doubt(self) -> None:
        if self._doubt == "quit":
            self._quit()
        elif self._doubt == "stop":
            self._halt_stop()
        else:
            self._halt_unwell(self._doubt)

    # -- after a halt ----------------------------------------------------------------------

    def _step_stopped(self, intent: str) -> bool:
        if intent in GO_ON:
            self._resume()
        elif intent == "no":
            self._quit()
        else:
            return self._skip_to_cooldown(intent)
        return True

    def _skip_to_cooldown(self, intent: str) -> bool:
        """"Skip" while the count is held (stopped, or asking): on to the cool-down."""
        if intent != "skip" or self._resume_step != "pacing":
            return False
        self._wait = None
        self._begin_cooldown()
        return True

    def _step_halted(self, intent: str) -> bool:
        if intent in GO_ON or (intent == "no" and not self._sure):
            self._ask("halt_confirm", "halt.confirm")
        elif intent == "no":
            self._say("halt.not_fine")
            self._end(self.halt_reason or "pain")
        elif intent in ("skip", "faster", "slower", "pause"):
            self._say("halt.need_confirm")
            self._listen()
        else:
            return False
        return True

    def _step_halt_confirm(self, intent: str) -> bool:
        """Only a sure yes resumes; an unsure answer is checked once, then we wait again."""
        if intent == "yes" and self._sure:
            self.halt_reason = None
            self._say("halt.resume_ok")
            self._resume(announce=False)
        elif intent == "no" and self._sure:
            self._say("halt.not_fine")
            self._end(self.halt_reason or "pain")
        elif intent in YES_NO:
            self._ask("halt_check", "halt.check")
        elif intent in ("resume", "start", "ready", "skip"):
            self._ask("halt_confirm", "halt.confirm")
        else:
            return False
        return True

    def _step_halt_check(self, intent: str) -> bool:
        """"Just to check: completely fine?" Still unclear: back to waiting, never on."""
        if intent in YES_NO and self._sure:
            return self._step_halt_confirm(intent)
        if intent in YES_NO | GO_ON or intent == "skip":
            self._ask("halted", "halt.not_sure")
            return True
        return False

    def _resume(self, announce: bool = True) -> None:
        """Carry on where the halt interrupted: pacing restarts slowly, a question is re-asked."""
        self._wait = None
        step = self._resume_step
        if step == "pacing":
            if announce:
                self._say("pause.resumed")
            self._start_pacing()
        elif step in ("safety", "safety_check", "safety_confirm", "cleared_check"):
            self._ask_safety()
        elif step == "setup":
            self._begin_setup()
        elif step == "explain":
            self._begin_twisting()
        elif step == "cooldown":
            self.step = "cooldown"
            self._cooldown_steps()
        else:
            self._ask("idle", "greeting", self.config.idle_timeout)

    # -- cool-down ---------------------------------------------------------------------

    def _begin_cooldown(self) -> None:
        self._set_phase("cooldown")
        self.step = "cooldown"
        self._wait = None
        self._say("cooldown.intro", slow_down=self.dialog.script.cooldown["slow_down"])
        self._cooling = self.config.cooldown_twists
        self._side = "right"
        self._next_beat = self.speaking_until + self.config.lead_in

    def _cooldown_steps(self) -> None:
        self._new_script()
        cooldown = self.dialog.script.cooldown
        for key in ("start_position", "arms", "breathe"):
            self._queue_line("cooldown.step", step=cooldown[key])
        for _ in range(3):
            self._queue_line("cooldown.breathe_in")
            self._pause_for(self.config.breath)
            self._queue_line("cooldown.breathe_out")
            self._pause_for(self.config.breath)
        self._queue_line("cooldown.step", step=cooldown["next"])
        self._then("_finish")

    def _step_cooldown(self, intent: str) -> bool:
        if intent == "skip":
            self._interrupt()
            self._cooling = 0
            self._next_beat = None
            self._cooldown_steps()
            return True
        return intent in GO_ON

    def _finish(self) -> None:
        self._say("done", tip=self.dialog.script.lists["tips"][3])
        self._set_phase("done")
        self._end("done")

    # -- questions and everything else -------------------------------------------------

    def _answer(self, intent: str, text: str) -> None:
        """Answer a question or say sorry; a pending question stays pending."""
        handler = getattr(self, f"_ask_{intent}", None)
        if handler is not None:
            handler(text)
        elif intent == "help":  # during the intro the step is still idle: not "say start"
            self._say("help.intro" if self._question_coming() else f"help.{self.step}",
                      remember=False)
        elif intent == "repeat":
            self._repeat()
        elif intent in ("faster", "slower"):
            self._say("tempo.not_now", remember=False)
        elif intent == "skip":
            self._say("skip.not_now", remember=False)
        elif intent in ("start", "resume", "ready") and self.step != "idle":
            self._say("start.already", remember=False)
        elif intent == "pause":
            self._say("pause.not_now", remember=False)
        else:
            self._say("sorry", remember=False, options=self._render(f"options.{self.step}"))
        self._rearm()

    def _repeat(self) -> None:
        if not self._last_line:
            self._say("repeat.nothing", remember=False)
            return
        self._next.append(Line("repeat", self._last_line))

    def _dose(self) -> dict[str, int]:
        return dict(self.dialog.script.dose)

    def _ask_ask_reps(self, text: str) -> None:
        count = min(self.counts.values())
        target = self.config.target
        if self.config.minutes and self.step in ("pacing", "paused"):
            self._say("reps.during_time", remember=False, count=count, seconds=self.seconds_left())
        elif self.step in ("pacing", "paused") or (self.step == "stopped" and count):
            remaining = max(0, target - count)
            self._say("reps.during", remember=False, count=count, target=target,
                      remaining=remaining)
        elif self.phase in ("cooldown", "done"):
            self._say("reps.after", remember=False, count=count, **self._dose())
        elif self.config.minutes:
            minutes = self.config.minutes
            self._say("reps.before_time", remember=False, **{**self._dose(), "minutes": minutes})
        else:
            self._say("reps.before", remember=False, target=target, **self._dose())

    def _ask_ask_duration(self, text: str) -> None:
        if self.step in ("pacing", "paused"):
            self._say("duration.during", remember=False, seconds=self.seconds_left())
            return
        minutes = max(1, math.ceil((self.seconds_left() + 150) / 60))
        self._say("duration.before", remember=False, **{**self._dose(), "minutes": minutes})

    def _ask_ask_benefits(self, text: str) -> None:
        """Each benefit once; how it works and when to do it only when nothing is pending."""
        script = self.dialog.script
        benefits = [b[0].lower() + b[1:] for b in script.lists["benefits"]]
        listed = ", ".join(benefits[:-1]) + ", and " + benefits[-1]
        if self._wait is not None or self.step in ("pacing", "cooldown"):
            self._say("benefits", remember=False, benefits=listed)
            return
        tips = script.lists["tips"]
        self._say("benefits.more", remember=False, how=script.text["how_it_works"],
                  tips=f"{tips[3]} {tips[4]}")

    def _ask_ask_precautions(self, text: str) -> None:
        precautions = " ".join(self.dialog.script.lists["precautions"])
        self._say("precautions", remember=False, precautions=precautions)

    def _ask_ask_technique(self, text: str) -> None:
        script = self.dialog.script
        topic = script.topic_for(text)
        if topic is not None:
            answer = topic.answer
        elif self.step == "setup":
            answer = " ".join(script.lists["setup"])
        else:
            answer = " ".join(script.lists["twisting"][:3] + script.lists["tips"][:1])
        self._say("technique.general", remember=False, answer=answer)
