"""The coach as a state machine: event sequences in, expected actions out."""

from __future__ import annotations

import time

import pytest
from coachkit import (
    FULL,
    IntentNameMatcher,
    Record,
    end_reason,
    first_time,
    keys,
    make_coach,
    of,
    phases,
    play,
)

from voicecoach.app.session import Session
from voicecoach.coach.machine import CoachConfig
from voicecoach.coach.pacing import Tempo
from voicecoach.coach.steps import ANSWERS
from voicecoach.nlu.matcher import HALTING, IntentMatch

BASE = play(FULL)


def rep_time(side: str, count: int, records: list | None = None) -> float:
    return first_time(records or BASE, "rep", side=side, count=count)


def intervals(records: list) -> list[float]:
    times = [r["t"] for r in of(records, "rep")]
    return [round(b - a, 3) for a, b in zip(times, times[1:], strict=False)]


# -- a whole session ------------------------------------------------------------------


def test_greets_and_waits_for_start() -> None:
    records = play([])
    assert keys(records)[0] == "greeting"
    assert phases(records) == []
    assert end_reason(records) == "silence"
    assert keys(records).count("silence.reprompt") == 1


def test_whole_session_runs_to_done_by_itself() -> None:
    assert phases(BASE) == ["safety_check", "setup", "twisting", "cooldown", "done"]
    assert end_reason(BASE) == "done"
    counts = {side: [r["count"] for r in of(BASE, "rep") if r["side"] == side]
              for side in ("right", "left")}
    assert counts["right"] == list(range(1, 16)) and counts["left"] == list(range(1, 16))
    assert all(r["target"] == 15 for r in of(BASE, "rep"))
    assert 120 < BASE[-1]["t"] < 600


def test_a_whole_session_takes_milliseconds() -> None:
    started = time.perf_counter()
    play(FULL, CoachConfig(target=40))
    assert time.perf_counter() - started < 5  # generous: the machines are shared


def test_phases_say_the_seed_in_order() -> None:
    said = keys(BASE)
    assert said.index("intro") < said.index("safety.ask") < said.index("setup.intro")
    assert said.count("setup.cue") == 5
    assert said.count("twist.step") == 5
    assert said.index("twist.begin") < said.index("twist.right")
    cooldown = [k for k in said if k.startswith("cooldown")]
    assert cooldown[0] == "cooldown.intro" and "cooldown.breathe_in" in cooldown


def test_rep_events_alternate_right_then_left() -> None:
    sides = [r["side"] for r in of(BASE, "rep")]
    assert sides[:4] == ["right", "left", "right", "left"]


# -- tempo ------------------------------------------------------------------------------


def test_tempo_starts_slow_and_builds_gradually() -> None:
    gaps = intervals(BASE)
    assert gaps[0] >= 2.5 and gaps[-1] <= 1.7
    assert all(b <= a + 1e-9 for a, b in zip(gaps, gaps[1:], strict=False))
    assert all(b / a >= 0.9 for a, b in zip(gaps, gaps[1:], strict=False))


def paced_intervals(records: list) -> list[float]:
    """Intervals between counts with only counts said between them: a reply the user asked
    for ("a little faster, then") holds the next count until it ends, by design."""
    gaps, last, spoke = [], None, False
    for r in records:
        if r["event"] == "say" and r["key"] not in ("twist.right", "twist.left"):
            spoke = True
        elif r["event"] == "rep":
            if last is not None and not spoke:
                gaps.append(round(r["t"] - last, 3))
            last, spoke = r["t"], False
    return gaps


def test_faster_and_slower_change_the_pace_gradually() -> None:
    at = rep_time("left", 8) + 0.1
    fast = paced_intervals(play([*FULL, (at, "faster"), (at + 1, "faster")]))
    slow = paced_intervals(play([*FULL, (at, "slower"), (at + 1, "slower")]))
    assert fast[-1] < intervals(BASE)[-1] < slow[-1]
    assert all(b / a >= 0.7 for a, b in zip(slow, slow[1:], strict=False))


def test_cooldown_slows_down_before_stopping() -> None:
    start = first_time(BASE, "phase", phase="cooldown")
    beats = [r["t"] for r in of(BASE, "say") if r["key"] in ("cooldown.right", "cooldown.left")
             and r["t"] >= start]
    gaps = [b - a for a, b in zip(beats, beats[1:], strict=False)]
    assert len(beats) >= 4 and all(b >= a for a, b in zip(gaps, gaps[1:], strict=False))
    said = keys(BASE)
    assert said.index("cooldown.right") < said.index("cooldown.breathe_in")


def test_reminders_come_between_counts() -> None:
    said = keys(BASE)
    assert said.count("twist.reminder") >= 2
    assert {"twist.halfway", "twist.halfway_short"} & set(said)
    assert {"twist.last", "twist.last_short"} & set(said)


def test_cues_never_delay_a_count() -> None:
    """A reminder or cue is said only where it ends before the next beat: the pace of the
    counts is the pacer's, untouched by what the coach says between them."""
    slow = play(FULL, CoachConfig(tempo=Tempo(start=3.5, goal=3.0)))
    assert keys(slow).count("twist.reminder") >= 4
    for records in (BASE, slow):
        says = of(records, "say")
        for say, after in zip(says, says[1:], strict=False):
            if say["key"] in CUE_KEYS and after["key"].startswith("twist."):
                assert say["t"] + _seconds(say["text"]) <= after["t"] + 1e-6, say


CUE_KEYS = {"twist.reminder", "twist.halfway", "twist.halfway_short", "twist.last",
            "twist.last_short"}


def _seconds(text: str) -> float:
    config = CoachConfig()
    return config.line_overhead + len(text.split()) / config.words_per_second


# -- questions at any time ----------------------------------------------------------


def test_reps_question_fits_the_moment() -> None:
    at = rep_time("left", 7) + 0.1
    records = play([*FULL, (at, "ask_reps")])
    during = [r["text"] for r in of(records, "say") if r["key"] == "reps.during"]
    assert during == ["7 of 15 on each side, 8 to go."]
    before = play(["start", "ask_reps"])
    text = next(r["text"] for r in of(before, "say") if r["key"] == "reps.before")
    assert "10 to 15" in text and "30 to 40" in text and "couple of minutes" in text


def test_questions_while_twisting_do_not_stop_the_count() -> None:
    at = rep_time("left", 5) + 0.1
    records = play([*FULL, (at, "ask_benefits"), (at + 1, "ask_technique")])
    assert len(of(records, "rep")) == 30
    assert "benefits" in keys(records) and "technique.general" in keys(records)


@pytest.mark.parametrize(
    ("question", "expected"),
    [("what do I do with my arms", "arms"), ("where should my feet point", "feet"),
     ("how do I stop swaying", "pole"), ("how far do I turn my head", "behind you")],
)
def test_technique_answer_fits_the_question(question: str, expected: str) -> None:
    from coachkit import make_coach

    from voicecoach.coach.events import Begin, Utterance

    coach = make_coach()
    coach.handle(Begin(0))
    actions = coach.handle(Utterance(1.0, "ask_technique", 0.9, question))
    assert expected in actions[-1].text  # type: ignore[union-attr]


def test_help_and_sorry_name_what_can_be_said_now() -> None:
    records = play(["start", "help", "none"])
    said = {r["key"]: r["text"] for r in of(records, "say")}
    assert said["help.safety"].startswith("Please answer the safety question")
    assert '"yes", "no"' in said["sorry"]


def test_repeat_says_the_last_instruction_again() -> None:
    records = play(["start", "repeat"])
    texts = [r["text"] for r in of(records, "say")]
    question = next(r["text"] for r in of(records, "say") if r["key"] == "safety.ask")
    assert texts.count(question) >= 2


# -- the safety check -----------------------------------------------------------------


def test_safety_yes_then_not_cleared_ends_kindly() -> None:
    records = play(["start", "yes", "no"])
    assert "safety.advice" in keys(records) and "health professional" in records[-2]["text"]
    assert end_reason(records) == "not_cleared"
    assert not of(records, "rep")


def test_safety_yes_then_cleared_goes_on() -> None:
    records = play(["start", "yes", "yes", "yes"])
    assert phases(records)[:3] == ["safety_check", "setup", "twisting"]
    assert end_reason(records) == "done"


def test_safety_question_cannot_be_skipped() -> None:
    records = play(["start", "skip", "no", "yes"])
    assert "skip.safety" in keys(records) and end_reason(records) == "done"


# -- halting ------------------------------------------------------------------------------


def test_stop_halts_at_once_and_resume_carries_on() -> None:
    at = rep_time("right", 5) + 0.05
    records = play([*FULL, (at, "stop"), "resume"])
    halt = of(records, "halt")[0]
    assert halt == {"t": round(at, 3), "event": "halt", "reason": "stop"}
    after = [r for r in of(records, "rep") if r["t"] > at]
    assert after and after[0]["side"] == "left" and after[0]["count"] == 5
    resumed = [r for r in records[records.index(halt):] if r["event"] in ("say", "rep")]
    assert resumed[0]["key"] == "halt.stop" and "gradually" in resumed[0]["text"]
    assert end_reason(records) == "done"


@pytest.mark.parametrize("reason", ["pain", "dizzy"])
def test_pain_halts_and_needs_confirmation(reason: str) -> None:
    at = rep_time("left", 4) + 0.05
    records = play([*FULL, (at, reason), "resume", "yes"])
    assert of(records, "halt")[0]["reason"] == reason
    said = keys(records)
    assert said.index(f"halt.{reason}") < said.index("halt.confirm") < said.index(
        "halt.resume_ok")
    care = next(r["text"] for r in of(records, "say") if r["key"] == f"halt.{reason}")
    assert "sit down" in care and "breathe" in care and "health professional" in care
    resumed_at = first_time(records, "say", key="halt.resume_ok")
    assert not [r for r in of(records, "rep") if at < r["t"] < resumed_at]
    assert end_reason(records) == "done"


def test_pain_never_resumes_by_itself() -> None:
    at = rep_time("left", 4) + 0.05
    records = play([*FULL, (at, "pain")])
    assert not [r for r in of(records, "rep") if r["t"] > at]
    assert end_reason(records) == "silence"


def test_pain_then_not_fine_ends() -> None:
    at = rep_time("left", 2) + 0.05
    records = play([*FULL, (at, "pain"), "resume", "no"])
    assert "halt.not_fine" in keys(records) and end_reason(records) == "pain"


def test_pain_after_stop_still_needs_confirmation() -> None:
    at = rep_time("left", 2) + 0.05
    records = play([*FULL, (at, "stop"), (at + 1, "dizzy"), "resume", "yes"])
    assert [h["reason"] for h in of(records, "halt")] == ["stop", "dizzy"]
    assert "halt.confirm" in keys(records) and end_reason(records) == "done"


def test_stop_mid_sentence_cuts_the_sentence() -> None:
    records = play(["start", (8.0, "stop")])
    halt = of(records, "halt")[0]
    assert halt["t"] == 8.0
    assert not [r for r in of(records, "say") if r["key"] == "safety.ask"]


@pytest.mark.parametrize("halt", ["pain", "dizzy"])
@pytest.mark.parametrize(("said", "cut"), [("yes", False), ("stop", True)])
def test_a_halts_advice_is_said_whole_before_a_reply(halt: str, said: str, cut: bool) -> None:
    """"Stop right there ... if it persists, please see a health professional": an "okay"
    said over it (the simulated kitchen's noise at 0.36) is answered after it, not by cutting
    it; a halting word still cuts it."""
    session, records = counting_session()
    say(session, halt)
    before, at, advice_ends = len(records), session.coach.now, session.coach.speaking_until
    session.heard(at + 1, said, match=IntentMatch(said, 1.0, said))
    assert bool(of(records[before:], "hush")) is cut
    _settle(session)
    replies = [r for r in records[before:] if r["event"] == "say"]
    assert replies and (replies[0]["t"] < round(advice_ends, 3)) is cut


def test_quit_while_twisting_says_slow_down() -> None:
    at = rep_time("left", 3) + 0.05
    records = play([*FULL, (at, "quit")])
    assert keys(records)[-1] == "quit.twisting" and end_reason(records) == "quit"


# -- pause, skip, silence -------------------------------------------------------------


def test_pause_stops_counting_until_resume() -> None:
    at = rep_time("left", 3) + 0.05
    records = play([*FULL, (at, "pause"), (at + 20, "resume")])
    assert not [r for r in of(records, "rep") if at < r["t"] < at + 20]
    after = [r for r in of(records, "rep") if r["t"] > at + 20]
    assert after[0]["count"] == 4
    gaps = intervals([r for r in records if r["event"] == "rep" and r["t"] > at + 20])
    assert gaps[0] >= 2.5  # restarts slowly


def test_skip_while_twisting_goes_to_cooldown_not_a_sudden_stop() -> None:
    at = rep_time("left", 3) + 0.05
    records = play([*FULL, (at, "skip")])
    assert phases(records)[-2:] == ["cooldown", "done"]
    assert "cooldown.right" in keys(records)


def test_silence_gets_one_reprompt_then_a_gentle_close() -> None:
    records = play(["start"])
    said = keys(records)
    assert said.count("silence.reprompt") == 1 and said[-1] == "silence.close"
    assert end_reason(records) == "silence"


def test_minutes_mode_twists_for_the_time() -> None:
    records = play(FULL, CoachConfig(minutes=1))
    reps = of(records, "rep")
    assert 50 <= reps[-1]["t"] - reps[0]["t"] <= 64
    assert "twist.time_up" in keys(records)


def test_slow_tempo_config_is_respected() -> None:
    records = play(FULL, CoachConfig(target=4, tempo=Tempo(start=4.0, goal=3.0)))
    assert len(of(records, "rep")) == 8 and min(intervals(records)) >= 3.0 - 1e-9


def test_same_seed_same_session_other_seed_other_wording() -> None:
    assert play(FULL, seed=3) == play(FULL, seed=3)
    texts = {tuple(r["text"] for r in of(play(FULL, seed=s), "say")) for s in range(4)}
    assert len(texts) > 1


# -- what the coach expects to hear (a hint for the speech recognizer)

FALLBACK_KEYS = {"sorry", "start.already", "pause.not_now", "skip.not_now", "tempo.not_now"}
"""Lines of the catch-all answer: the step itself did not act on the intent."""

ROUTES: dict[str, list[str]] = {
    "idle": [],
    "start_check": ["start?"],
    "safety": ["start"],
    "safety_confirm": ["start", "yes"],
    "setup": ["start", "no"],
    "halted": [*FULL, "pain"],
    "halt_confirm": [*FULL, "pain", "resume"],
    "safety_check": ["start", "no?"],
    "cleared_check": ["start", "yes", "yes?"],
    "halt_check": [*FULL, "pain", "resume", "yes?"],
}
"""Intents that bring a fresh session to each waiting step ("no?": heard, but unsure)."""


def session_at(step: str) -> tuple[Session, list[Record]]:
    records: list[Record] = []
    session = Session(make_coach(), IntentNameMatcher(), records.append)
    session.begin(0.0)
    for intent in ROUTES[step]:
        _settle(session)
        say(session, intent)
    _settle(session)
    assert session.coach.step == step
    return session, records


def say(session: Session, intent: str) -> None:
    """Say an intent's name; "no?" is a "no" the recognizer was unsure of."""
    if intent.endswith("?"):
        unsure = IntentMatch("none", 0.0, intent[:-1])
        session.heard(session.coach.now, intent[:-1], match=unsure, guess=intent[:-1])
    else:
        session.heard(session.coach.now, intent.replace("_", " "))


def _settle(session: Session) -> None:
    """Let time run until the coach waits for an answer or counts twists."""
    coach = session.coach
    while not coach.awaiting_answer and coach.step != "pacing":
        wakeup = coach.next_wakeup
        assert wakeup is not None
        session.tick(wakeup)


def counting_session() -> tuple[Session, list[Record]]:
    """A session through start, safety and setup, with the first twist counted."""
    records: list[Record] = []
    session = Session(make_coach(), IntentNameMatcher(), records.append)
    session.begin(0.0)
    for intent in FULL:
        _settle(session)
        session.heard(session.coach.now, intent)
    _settle(session)
    while not of(records, "rep"):
        session.tick(session.coach.next_wakeup or session.coach.now)
    return session, records


@pytest.mark.parametrize("step", sorted(ANSWERS))
def test_likely_intents_are_the_answers_the_step_acts_on(step: str) -> None:
    session, _ = session_at(step)
    assert session.coach.likely_intents == ANSWERS[step]
    assert not ANSWERS[step] & HALTING
    for intent in ANSWERS[step]:
        session, records = session_at(step)
        before = len(records)
        session.heard(session.coach.now, intent)
        session.tick(session.coach.next_wakeup or session.coach.now)  # say what was queued
        said = set(keys(records[before:]))
        assert said and not said & FALLBACK_KEYS, (step, intent, said)


@pytest.mark.parametrize("last", ["pause", "stop", "quit"])
def test_nothing_is_favoured_while_counting_paused_stopped_or_after_the_end(last: str) -> None:
    """A favoured "resume" after pause or stop would restart the counting if misheard."""
    session, _ = counting_session()
    assert session.coach.step == "pacing" and session.coach.likely_intents == frozenset()
    session.heard(session.coach.now, last)
    session.tick(session.coach.now + 30)
    assert session.coach.likely_intents == frozenset()


# -- a halting word heard but not surely (speech)


def unsure(session: Session, doubt: str, at: float | None = None) -> None:
    """A halting word heard but not surely ("ow maybe")."""
    at = session.coach.now if at is None else at
    session.heard(at, "ow maybe", match=IntentMatch("none", 0.0, "ow maybe"), doubt=doubt)


@pytest.mark.parametrize("doubt", ["stop", "pain", "dizzy"])
def test_an_unsure_halt_while_twisting_pauses_and_asks(doubt: str) -> None:
    session, records = counting_session()
    at = session.coach.now
    unsure(session, doubt, at)
    assert session.coach.step == "checking"
    assert keys(records)[-1] == f"check.{doubt}"
    assert not of(records, "halt")
    session.tick(at + 20)
    assert not [r for r in of(records, "rep") if r["t"] > at]
    session.heard(at + 20, "resume")
    session.tick(at + 40)
    assert [r for r in of(records, "rep") if r["t"] > at + 20]
    intent = next(r for r in records if r["event"] == "intent" and r["t"] == round(at, 3))
    assert intent["doubt"] == doubt and intent["intent"] == "none"


@pytest.mark.parametrize(("doubt", "step"), [("stop", "stopped"), ("pain", "halted"),
                                             ("dizzy", "halted")])
def test_yes_to_did_you_say_stop_halts_as_the_word_would(doubt: str, step: str) -> None:
    """"Did you say stop?" - "yes": never taken as "yes, carry on"."""
    session, records = counting_session()
    unsure(session, doubt)
    session.heard(session.coach.now + 4, "yes")
    assert [r["reason"] for r in of(records, "halt")] == [doubt]
    assert session.coach.step == step
    session.tick(session.coach.now + 20)
    assert not [r for r in of(records, "rep") if r["t"] > session.coach.now - 24]


def test_an_unsure_no_to_the_check_asks_again_and_counts_nothing() -> None:
    session, records = counting_session()
    at = session.coach.now
    unsure(session, "pain", at)
    say(session, "no?")
    assert keys(records)[-1] == "check.again" and session.coach.step == "checking"
    say(session, "no")
    assert keys(records)[-1] == "pause.resumed" and session.coach.step == "pacing"
    assert not of(records, "halt")


@pytest.mark.parametrize("doubt", ["stop", "pain", "dizzy"])
def test_an_unsure_halt_while_the_coach_explains_stops_talking_and_asks(doubt: str) -> None:
    """Not "sorry, I didn't catch that" while the explanation goes on."""
    records: list[Record] = []
    session = Session(make_coach(), IntentNameMatcher(), records.append)
    session.begin(0.0)
    for intent in FULL:
        _settle(session)
        say(session, intent)
    session.tick(session.coach.now + 2)
    assert session.coach.step == "explain"
    unsure(session, doubt)
    assert session.coach.step == "checking" and keys(records)[-1] == f"check.{doubt}"
    assert of(records, "hush")
    checked = len(keys(records))
    session.tick(session.coach.now + 50)  # waits as long as a pause: no reprompt yet
    assert keys(records)[checked:] == [] and not of(records, "rep")
    say(session, "resume")
    assert keys(records)[-1] == "twist.intro"


@pytest.mark.parametrize(("answer", "step"), [("yes", None), ("quit?", None),
                                            ("resume", "pacing"), ("no?", "checking")])
def test_an_unsure_quit_while_twisting_asks_before_it_ends(answer: str, step: str | None) -> None:
    """Noise heard as "bye" must not end the session; the user's "yes" (or "quit" again) does."""
    session, records = counting_session()
    session.heard(session.coach.now, "bye", match=IntentMatch("none", 0.0, "bye"), guess="quit")
    assert session.coach.step == "checking" and keys(records)[-1] == "check.quit"
    assert not session.coach.ended
    say(session, answer)
    if step is None:
        session.tick(session.coach.now + 10)
    assert (session.coach.step if step else end_reason(records)) == (step or "quit")


def test_an_end_guessed_from_unclear_words_does_not_stop_the_count() -> None:
    """Kitchen noise heard as "see you see that one" at 0.15 (unclear, a guess of quit) cut
    the coach's instructions to ask "did you want to finish?"; it is let pass."""
    session, records = counting_session()
    before = len(records)
    session.heard(session.coach.now, "see you see that one",
                  match=IntentMatch("none", 0.0, "see you see that one"), guess="quit",
                  unclear=True)
    session.tick(session.coach.now + 10)
    assert session.coach.step == "pacing" and not of(records[before:], "hush")
    assert "check.quit" not in keys(records[before:]) and of(records[before:], "rep")


@pytest.mark.parametrize(("text", "confidence", "asked"), [
    ("goodbye", 1.0, False), ("i want to know", 0.846, True), ("i want to do for me", 0.917, True),
])
def test_an_end_matched_loosely_while_twisting_asks_first(
    text: str, confidence: float, asked: bool
) -> None:
    """Only one of quit's phrases ends the count at once; a sentence a word away from one
    (Whisper's "i want to do for me" ~ "i want to go") is asked about, and "yes" ends."""
    session, records = counting_session()
    session.heard(session.coach.now, text, match=IntentMatch("quit", confidence, text))
    assert (session.coach.step == "checking") is asked
    if asked:
        assert keys(records)[-1] == "check.quit" and not of(records, "end")
        say(session, "yes")
    session.tick(session.coach.now + 10)
    assert end_reason(records) == "quit"


def test_an_end_matched_loosely_at_the_greeting_ends() -> None:
    """Nothing is under way at the greeting: no question before the goodbye."""
    records: list[Record] = []
    session = Session(make_coach(), IntentNameMatcher(), records.append)
    session.begin(0.0)
    session.heard(1.0, "i'm all done", match=IntentMatch("quit", 0.735, "i'm all done"))
    session.tick(20.0)
    assert end_reason(records) == "quit"


@pytest.mark.parametrize(("step", "text", "intent", "doubt"), [
    ("safety", "i've got a slipped disc", "ask_precautions", ""),
    ("safety", "i had surgery is that okay", "ask_precautions", ""),
    ("safety_check", "well my back is a bit dodgy", "none", "pain"),  # body talk: a doubt
])
def test_a_problem_told_at_the_safety_question_is_a_yes(
    step: str, text: str, intent: str, doubt: str
) -> None:
    """ "Any back or neck problems?" "I've got a slipped disc": the advice, not the
    precautions read out and the question asked again."""
    session, records = session_at(step)
    session.heard(session.coach.now, text, match=IntentMatch(intent, 0.9, text), doubt=doubt)
    assert session.coach.step == "safety_confirm" and keys(records)[-1] == "safety.advice"


@pytest.mark.parametrize("text", ["is it safe with a slipped disc", "is this safe for me",
                                  "what should i be careful about"])
def test_a_precautions_question_at_the_safety_question_is_answered(text: str) -> None:
    """Asked about anyone, or about the exercise: answered, then asked again."""
    session, records = session_at("safety")
    session.heard(session.coach.now, text, match=IntentMatch("ask_precautions", 0.95, text))
    assert session.coach.step == "safety" and keys(records)[-1] == "precautions"


def test_an_unsure_halt_in_the_cooldown_asks_and_carries_on_with_it() -> None:
    session, records = counting_session()
    say(session, "skip")
    session.tick(session.coach.now + 3)
    assert session.coach.step == "cooldown"
    unsure(session, "dizzy")
    assert session.coach.step == "checking"
    say(session, "yes")
    assert [r["reason"] for r in of(records, "halt")] == ["dizzy"]


@pytest.mark.parametrize("doubt", ["stop", "pain", "dizzy"])
def test_an_unsure_halt_said_again_while_paused_halts(doubt: str) -> None:
    """The coach asked "are you okay?"; the user says "ouch my back" again, heard unsure again."""
    session, records = counting_session()
    at = session.coach.now
    session.heard(at, "ow maybe", match=IntentMatch("none", 0.0, "ow maybe"), doubt=doubt)
    assert not of(records, "halt")
    session.heard(at + 3, "ow again", match=IntentMatch("none", 0.0, "ow again"), doubt=doubt)
    assert [r["reason"] for r in of(records, "halt")] == [doubt]


@pytest.mark.parametrize(("step", "answered"), [("safety", True), ("counting", False)])
def test_unclear_speech_is_answered_only_when_the_coach_asked(step: str, answered: bool) -> None:
    """Words the recognizer was too unsure of for any intent (noise, talk in the room): no
    "sorry" mid-count, and a later real miss there still gets the first "sorry"; at a question
    the user is most likely answering: "sorry"."""
    session, records = counting_session() if step == "counting" else session_at(step)
    before, at = len(records), session.coach.now
    session.heard(at, "see if it's there", match=IntentMatch("none", 0.3, "see if it's there"),
                  unclear=True)
    session.tick(at + 15)
    said = [r["key"] for r in records[before:] if r["event"] == "say"]
    assert ("sorry" in said) is answered
    if answered:
        return
    later = len(records)
    session.heard(at + 15, "blue mug", match=IntentMatch("none", 0.3, "blue mug"))
    session.tick(at + 30)
    assert "sorry" in [r["key"] for r in records[later:] if r["event"] == "say"]


@pytest.mark.parametrize(("halt", "step"), [("stop", "stopped"), ("pain", "halted")])
@pytest.mark.parametrize("doubt", ["stop", "dizzy"])
def test_an_unsure_halting_word_once_stopped_is_let_pass(halt: str, step: str, doubt: str) -> None:
    """Already stopped: kitchen noise heard as "stop it" at 0.08 over "Okay, stopping ..." got
    "sorry, I didn't catch that" after it; the coach goes on waiting, silent."""
    session, records = counting_session()
    say(session, halt)
    assert session.coach.step == step
    before, at = len(records), session.coach.now
    session.heard(at + 1, "stop it", match=IntentMatch("none", 0.0, "stop it"), doubt=doubt)
    _settle(session)
    assert not [k for k in keys(records[before:]) if k.startswith(("sorry", "check"))]
    assert session.coach.step == step and len(of(records, "halt")) == 1


def test_unclear_speech_while_the_coach_leads_to_its_question_gets_no_sorry() -> None:
    """Kitchen noise heard as "i'm tired" at 0.22 while the coach said its dizzy halt got "sorry,
    I still didn't understand" 10 s later, after "I'll wait ... tell me": the coach had not
    asked yet. Once it has asked, unclear words are most likely the answer: "sorry"."""
    session, records = counting_session()
    say(session, "dizzy")
    before, at = len(records), session.coach.now
    session.heard(at + 1, "i'm tired", match=IntentMatch("none", 0.0, "i'm tired"), unclear=True)
    session.tick(at + 30)
    assert not [key for key in keys(records[before:]) if key.startswith("sorry")]
    assert session.coach.awaiting_answer
    session.heard(at + 31, "i'm tired", match=IntentMatch("none", 0.0, "i'm tired"), unclear=True)
    _settle(session)
    assert [key for key in keys(records[before:]) if key.startswith("sorry")] == ["sorry"]


@pytest.mark.parametrize(("answer", "step", "key"), [
    ("yes", "safety", "safety.ask"), ("start", "safety", "safety.ask"),
    ("no", "idle", "start.not_now"), ("yes?", "start_check", "sorry"),
])
def test_a_start_heard_unsure_at_the_greeting_is_asked_about(
        answer: str, step: str, key: str) -> None:
    """Kitchen noise: "let's start one please" at 0.21 got "sorry, say start back twist"."""
    session, records = session_at("start_check")
    assert keys(records)[-1] == "start.check"
    say(session, answer)
    _settle(session)
    assert session.coach.step == step and key in keys(records)[-3:]


def test_a_halting_word_heard_unsure_before_the_start_gets_no_sorry() -> None:
    """At the greeting nothing moves: the kitchen noise's "i feel dizzy" at 0.1-0.15 got a
    "sorry, say start back twist", three in a row, in spoken kitchen sessions."""
    session, records = session_at("idle")
    before = len(records)
    session.heard(session.coach.now, "i feel dizzy", match=IntentMatch("none", 0.0, "i feel"),
                  doubt="dizzy")
    _settle(session)
    assert keys(records[before:]) == [] and session.coach.step == "idle"


def test_nothing_understood_during_the_intro_puts_off_no_question() -> None:
    """A "sorry" with the greeting's choices said after the intro only delayed the safety
    question (three of them in a spoken kitchen session)."""
    session, records = session_at("idle")
    say(session, "start")
    before = len(records)
    session.heard(session.coach.now + 1, "mumble", match=IntentMatch("none", 0.0, "mumble"))
    session.heard(session.coach.now + 2, "i feel", match=IntentMatch("none", 0.0, "i feel"),
                  doubt="dizzy")
    _settle(session)
    assert keys(records[before:]) == ["safety.ask"]


def test_an_unclear_guess_is_still_confirmed_at_a_safety_question() -> None:
    session, records = session_at("safety")
    before = len(records)
    session.heard(session.coach.now, "no", match=IntentMatch("none", 0.0, "no"), guess="no",
                  unclear=True)
    _settle(session)
    assert session.coach.step == "safety_check"  # "just to check: did you say no?"
    assert [r for r in records[before:] if r["event"] == "say"]


@pytest.mark.parametrize(("doubt", "answer", "halted"),
                         [("dizzy", "i feel fine now", False),  # a spoken session halted on it
                          ("pain", "no it doesn't hurt", False), ("dizzy", "yes", True),
                          ("stop", "i'm fine", True)])  # asks what was said: safe side
def test_fine_answers_a_check_in_about_feeling_unwell_with_no(
        doubt: str, answer: str, halted: bool) -> None:
    session, records = counting_session()
    at = session.coach.now
    session.heard(at, "hm", match=IntentMatch("none", 0.0, "hm"), doubt=doubt)
    session.tick(at + 6)
    session.heard(at + 6, answer, match=IntentMatch("yes", 1.0, answer))
    assert bool(of(records, "halt")) is halted


@pytest.mark.parametrize(("text", "intent"), [("no", "no"), ("okay", "yes")])
def test_a_yes_or_no_to_nothing_asked_is_let_pass(text: str, intent: str) -> None:
    """Mid-count nothing was asked: a "no" or an "okay" (to someone else, or the kitchen
    noise's: a simulated kitchen's "okay" at 0.32 cut the coach's "One more." and got "Keep it
    going") neither cuts the coach nor gets a reply; the count goes on."""
    session, records = counting_session()
    before, at = len(records), session.coach.now
    session.heard(at, text, match=IntentMatch(intent, 1.0, text))
    session.tick(at + 0.5)
    assert not [r for r in records[before:] if r["event"] in ("say", "cut", "hush")]
    assert of(records[before:], "passed") == [{"t": at, "event": "passed", "intent": intent}]
    session.tick(at + 10)
    assert of(records[before:], "rep") and session.coach.step == "pacing"


def test_keep_going_mid_count_is_still_encouraged() -> None:
    session, records = counting_session()
    before = len(records)
    at = session.coach.now
    session.heard(at, "keep going", match=IntentMatch("resume", 1.0, "keep going"))
    session.tick(at + 3)
    assert "twist.going" in keys(records[before:])


def test_a_spoken_start_mid_count_is_asked_about_as_a_stop() -> None:
    """Whisper wrote "start" for a natural voice's "stop stop": mid-count "start" means
    nothing, so the count stops and the coach asks "did you say stop?"; a "start" again is no
    answer, a yes stops."""
    session, records = counting_session()
    at = session.coach.now
    session.heard(at, "start", match=IntentMatch("start", 1.0, "start"))
    assert session.coach.step == "checking" and keys(records)[-1] == "check.stop"
    session.heard(at + 3, "start", match=IntentMatch("start", 1.0, "start"))
    assert session.coach.step == "checking" and keys(records)[-1] == "check.again"
    session.heard(at + 6, "yes", match=IntentMatch("yes", 1.0, "yes"))
    assert [r["reason"] for r in of(records, "halt")] == ["stop"]


def test_a_typed_start_mid_count_is_not_taken_for_a_stop() -> None:
    session, records = counting_session()
    before = len(records)
    at = session.coach.now
    session.heard(at, "start")
    session.tick(at + 3)
    assert session.coach.step == "pacing" and "twist.going" in keys(records[before:])


def test_an_unsure_halt_elsewhere_is_just_not_understood() -> None:
    session, records = session_at("safety")
    session.heard(session.coach.now, "ow", match=IntentMatch("none", 0.0, "ow"), doubt="pain")
    session.tick(session.coach.now + 15)
    assert session.coach.step == "safety"
    assert "sorry" in keys(records)[-2:]


def test_another_unsure_halt_while_asking_is_asked_about_not_taken_as_said() -> None:
    """Kitchen noise says "i feel dizzy" at 0.1-0.2 while the coach asks "did you say stop?":
    a question about dizziness, not a halt; the same word heard unsure again halts."""
    session, records = counting_session()
    at = session.coach.now
    unsure(session, "stop", at)
    session.heard(at + 3, "i feel dizzy", match=IntentMatch("none", 0.0, "i feel dizzy"),
                  doubt="dizzy")
    assert not of(records, "halt") and keys(records)[-1] == "check.dizzy"
    session.heard(at + 6, "dizzy", match=IntentMatch("none", 0.0, "dizzy"), doubt="dizzy")
    assert [r["reason"] for r in of(records, "halt")] == ["dizzy"]


def test_an_unsure_halt_while_paused_is_asked_about() -> None:
    session, records = counting_session()
    say(session, "pause")
    assert session.coach.step == "paused"
    session.heard(session.coach.now + 2, "ow", match=IntentMatch("none", 0.0, "ow"), doubt="pain")
    assert not of(records, "halt") and keys(records)[-1] == "check.pain"
    say(session, "resume")
    assert session.coach.step == "pacing"


def test_help_during_the_intro_is_about_what_comes_next() -> None:
    """Asked after "start", while the intro plays, "what can I say?" is not the greeting's
    "say start back twist" (the step is still idle until the safety question)."""
    said = keys(play([(5.0, "start"), (8.0, "help")]))
    assert said[:3] == ["greeting", "intro", "help.intro"] and "help.idle" not in said
    assert "safety.ask" in said


def test_a_question_during_an_answer_is_answered_before_the_line_said_again() -> None:
    """Help cuts the intro; "how many reps?" cuts the help answer: the reps answer comes
    next, then the intro, whole, once, then the safety question."""
    said = keys(play([(5.0, "start"), (8.0, "help"), (9.0, "ask_reps")]))
    after = said[said.index("help.intro") + 1:]
    assert after[:3] == ["reps.before", "intro", "safety.ask"]
    assert said.count("intro") == 2


def test_a_line_cut_short_twice_is_not_said_a_third_time() -> None:
    """A question during the intro: answered, then the intro again, whole; a second question
    during that: answered, then on to the safety question (the 13 s intro was heard thrice)."""
    said = keys(play([(5.0, "start"), (8.0, "ask_benefits"), (25.0, "ask_reps")]))
    assert said.count("intro") == 2
    assert said[said.index("reps.before") + 1] == "safety.ask"
