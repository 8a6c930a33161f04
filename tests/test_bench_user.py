"""The simulated user of the spoken-session benchmark, with a perfect ear: the words of each
attempt reach the real coach (through a real session and matcher) as the user stops talking.
Every planned session of ``benchmarks/spoken_sessions.yaml`` must then be acted on in full:
the plans fit the coach, and what the benchmark counts as missed is the recognizer's doing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from voicecoach.app.runner import build_session
from voicecoach.app.session import finish_virtual
from voicecoach.app.settings import RunSettings
from voicecoach.bench.sessionplan import DEFAULT_PLANS, Expect, Plan, load_plans
from voicecoach.bench.user import CHUNK, RATE, Attempt, User, reaction, tally
from voicecoach.coach.dialog import Dialog
from voicecoach.nlu.matcher import IntentMatch, IntentMatcher

MATCHER = IntentMatcher.load()
PLANS = load_plans(DEFAULT_PLANS, lambda text: MATCHER.match(text).intent,
                   frozenset(Dialog.load().responses.variants))


def said_perfectly(
    plan: Plan, seconds: float = 1800.0, deaf_to: str = "", unsure_of: str = ""
) -> tuple[User, list[dict[str, Any]]]:
    """Run ``plan`` with the user's words heard exactly, each when its audio ends (all but
    ``deaf_to``, which is heard as nothing, and ``unsure_of``, heard as a guess)."""
    records: list[dict[str, Any]] = []
    session = build_session(RunSettings(reps=plan.reps, seed=plan.seed, json=True),
                            records.append)
    user = User(plan, lambda text: np.ones(RATE // 2), session.coach, records)
    session.begin(0.0)
    heard = 0
    for n in range(int(seconds * RATE / CHUNK)):
        t = round(n * CHUNK / RATE, 3)
        session.tick(t)
        user.step(t)
        done = [a for a in user.attempts if a.end]
        if len(done) > heard and not session.coach.ended:
            text = done[-1].text
            if text == unsure_of:
                unsure = IntentMatch("none", 0.0, text)
                session.heard(done[-1].end, text, match=unsure, guess=MATCHER.match(text).intent)
            elif text != deaf_to:
                session.heard(done[-1].end, text)
            heard = len(done)
        if session.coach.ended:
            break
    finish_virtual(session, t)
    user.conclude()
    return user, records


@pytest.mark.parametrize("plan", PLANS.sessions, ids=lambda p: p.name)
def test_every_planned_command_is_acted_on_when_heard_perfectly(plan: Plan) -> None:
    user, records = said_perfectly(plan)
    missed = [(o.text, o.attempts) for o in user.outcomes if o.acted_on != 1]
    assert not missed, missed
    numbers = tally(records, user.attempts)
    assert numbers.end == plan.end and numbers.false_halts == 0 and numbers.misheard == 0


def test_an_answer_the_coach_checked_and_went_on_with_is_not_said_again() -> None:
    """The basic plan's "no" heard unsure: "did you say no?", the user's "yes", the setup. The
    "no" was not acted on, but the user goes on rather than say "no" where it no longer fits
    (and walk away when it is not understood there)."""
    plan = next(p for p in PLANS.sessions if p.name == "basic")
    user, records = said_perfectly(plan, unsure_of="no")
    nos = [a for a in user.attempts if a.text == "no" and not a.reply]
    assert len(nos) == 1 and [o.acted_on for o in user.outcomes][:3] == [1, 0, 1]
    assert tally(records, user.attempts).end == plan.end and user.abandoned is None


def test_answers_wait_for_the_question_and_barge_in_does_not() -> None:
    plan = next(p for p in PLANS.sessions if p.name == "barge_in")
    user, records = said_perfectly(plan)
    lines = {r["key"]: r for r in records if r["event"] == "say"}
    first, _, barge = user.attempts[:3]
    assert first.start >= lines["greeting"]["t"] + 0.6
    assert barge.text == "no" and lines["benefits"]["t"] + 1.0 <= barge.start
    assert barge.start < lines["safety.no_problems"]["t"]


RECORDS = [
    {"t": 1.0, "event": "heard", "text": "stop"},
    {"t": 1.0, "event": "intent", "intent": "stop", "confidence": 1.0},
    {"t": 1.0, "event": "halt", "reason": "stop"},
    {"t": 1.0, "event": "say", "text": "Stopped.", "key": "halt.stop"},
    {"t": 5.0, "event": "intent", "intent": "faster", "confidence": 0.9},
    {"t": 5.0, "event": "halt", "reason": "pain"},
    {"t": 6.0, "event": "rep", "side": "right", "count": 1, "target": 2},
    {"t": 7.0, "event": "end", "reason": "silence"},
]


def test_acted_on_needs_the_intent_and_then_the_reaction() -> None:
    assert reaction(RECORDS, 0, len(RECORDS), "stop", Expect("halt", "stop")) == RECORDS[2]
    assert reaction(RECORDS, 0, len(RECORDS), "stop", Expect("say", "halt.")) == RECORDS[3]
    assert reaction(RECORDS, 3, len(RECORDS), "stop", Expect("halt", "pain")) is None
    assert reaction(RECORDS, 0, len(RECORDS), "faster", Expect("halt", "stop")) is None
    assert reaction(RECORDS, 0, 2, "stop", Expect("halt", "stop")) is None


def test_a_halt_without_a_halting_command_is_false_and_other_intents_are_misheard() -> None:
    attempts = [Attempt(0, "stop", "stop", 0.5, 0, end=1.0),
                Attempt(1, "keep going", "resume", 4.0, 4, end=5.0)]
    numbers = tally(RECORDS, attempts)
    assert (numbers.false_halts, numbers.misheard, numbers.end) == (1, 1, "silence")
    assert numbers.counts_unsaid == 1
    assert tally(RECORDS[:4], attempts[:1]).end == "unfinished"


def test_a_halt_the_plan_did_not_foresee_is_answered_with_the_replies() -> None:
    from voicecoach.bench.sessionplan import plans_from_dict

    data = {"replies": {"halt.wait_fine": "I feel fine now", "halt.confirm": "yes"},
            "sessions": [{"name": "r", "commands": [
                {"say": "start back twist", "when": "answer", "expect": "phase safety_check"},
                {"say": "no", "when": "answer", "expect": "phase setup"},
                {"say": "ouch", "when": "during setup.cue", "expect": "halt pain"},
                {"say": "how many reps", "when": "answer", "expect": "say reps.before"}]}]}
    keys = frozenset(Dialog.load().responses.variants)
    plans = plans_from_dict(data, "r.yaml", lambda text: MATCHER.match(text).intent, keys)
    user, _ = said_perfectly(plans.sessions[0], seconds=200)
    assert [(a.text, a.reply) for a in user.attempts[2:]] == [
        ("ouch", False), ("I feel fine now", True), ("yes", True), ("how many reps", False)]
    assert [o.acted_on for o in user.outcomes] == [1, 1, 1, 1]


def test_a_user_not_understood_three_times_on_an_answer_walks_away() -> None:
    plan = next(p for p in PLANS.sessions if p.name == "basic")
    user, records = said_perfectly(plan, deaf_to="no")
    assert [a.text for a in user.attempts] == ["start back twist", "no", "no", "no"]
    assert user.abandoned is not None and user.abandoned >= user.attempts[-1].end
    assert [o.attempts for o in user.outcomes[2:]] == [0] * (len(plan.commands) - 2)
    assert tally(records, user.attempts).end == "silence"


def test_a_question_not_understood_is_left_and_the_session_goes_on() -> None:
    plan = next(p for p in PLANS.sessions if p.name == "basic")
    user, records = said_perfectly(plan, deaf_to="how many reps")
    outcomes = {o.text: o for o in user.outcomes}
    assert outcomes["how many reps"].attempts == 3 and outcomes["how many reps"].acted_on == 0
    assert outcomes["stop"].acted_on == 1 and user.abandoned is None
    assert tally(records, user.attempts).end == "done"
