"""The coach with a history: greeting, today's target, safety advice again, progress answers."""

from __future__ import annotations

import re

from coachkit import FULL, keys, make_coach, of, play

from voicecoach.coach.events import Begin, Say, Tick, Utterance
from voicecoach.coach.machine import CoachConfig
from voicecoach.coach.progression import SessionSummary, progress

FINISHED = SessionSummary("finished", 15, 15, 15)
DIZZY = SessionSummary("dizzy", 18, 6, 5, halts=("dizzy",))


def said(records: list[dict], key: str) -> list[str]:
    return [r["text"] for r in of(records, "say") if r["key"] == key]


def config(history: list[SessionSummary], **kw: object) -> CoachConfig:
    plan = progress(history)
    return CoachConfig(target=kw.pop("target", plan.target), progress=plan, **kw)  # type: ignore[arg-type]


def test_without_a_history_the_greeting_is_the_usual_one() -> None:
    assert keys(play(["quit"]))[0] == "greeting"
    assert keys(play(["quit"], config([])))[0] == "greeting"


def test_a_returning_user_hears_the_last_session_and_today_s_target() -> None:
    for seed in range(4):
        (line,) = said(play(["quit"], config([FINISHED, FINISHED]), seed), "greeting.returning")
        assert "15 twists each side" in line and "18 each side" in line
        assert "start back twist" in line and "health professional" not in line


def test_after_dizziness_the_target_steps_back_and_the_safety_advice_comes_first() -> None:
    records = play(["quit"], config([FINISHED, DIZZY]))
    (line,) = said(records, "greeting.returning")
    assert "dizziness" in line and "15 each side" in line
    assert "health professional" in line and "say stop" in line
    for seed in range(4):
        (line,) = said(play(["quit"], config([FINISHED, DIZZY]), seed), "greeting.returning")
        assert "dizzy. Say" in line and ".Say" not in line  # sentences keep their space
    assert line.index("health professional") < line.index("start back twist")


def test_the_safety_advice_and_the_next_sentence_are_apart() -> None:
    """Issue 16: "...or you feel dizzy.Say "start back twist"..." (the variant was stripped)."""
    for seed in range(8):
        (line,) = said(play(["quit"], config([FINISHED, DIZZY]), seed), "greeting.returning")
        assert re.search(r"[.!?][A-Z\"]", line) is None, line
        assert "  " not in line, line


def test_a_target_the_user_set_is_said_as_theirs() -> None:
    (line,) = said(play(["quit"], config([FINISHED], target=25)), "greeting.returning")
    assert "25 each side" in line and "asked" in line


def test_how_many_reps_before_twisting_says_why() -> None:
    records = play(["start", "ask reps", "quit"], config([FINISHED, FINISHED]))
    assert keys(records).count("reps.before") == 1
    (why,) = said(records, "progress.reps")
    assert "18" in why and "comfortably" in why


def test_how_many_reps_while_a_safety_answer_is_checked_says_why_too() -> None:
    """The steps that confirm an unsure safety answer are before the twisting as well."""
    coach = make_coach(config([FINISHED, FINISHED]))
    events = [Begin(0.0), Utterance(1.0, "start", 1.0), Utterance(30.0, "none", 0.0, guess="no"),
              Utterance(40.0, "ask_reps", 1.0)]
    actions = [a for e in [*events, Tick(60.0)] for a in coach.handle(e)]
    assert coach.step == "safety_check"
    assert [a.key for a in actions if isinstance(a, Say)].count("progress.reps") == 1


def test_how_am_i_doing_from_the_history_and_today() -> None:
    records = play([*FULL, (170, "ask progress")], config([FINISHED, DIZZY]))
    (summary,) = said(records, "progress.summary")
    assert "2 sessions" in summary and "15 twists each side" in summary
    (today,) = said(records, "progress.today")
    assert "of 15" in today


def test_how_am_i_doing_on_a_first_session_and_without_a_history() -> None:
    assert said(play(["ask progress", "quit"], config([])), "progress.first")
    assert said(play(["ask progress", "quit"]), "progress.off")


def test_a_question_about_progress_keeps_the_pending_question() -> None:
    records = play(["start", "ask progress", "no", "yes"], config([FINISHED]))
    assert of(records, "rep") and of(records, "end")[-1]["reason"] == "done"


def test_before_twisting_is_every_step_up_to_the_pacing() -> None:
    """A step added to the dialogue before the twisting is one ``Recall`` knows as such."""
    from voicecoach.coach.dialog import STEPS
    from voicecoach.coach.recall import BEFORE_TWISTING

    assert BEFORE_TWISTING == frozenset(STEPS[: STEPS.index("pacing")])
