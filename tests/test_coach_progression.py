"""The progression policy: examples, then properties over any history (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from voicecoach.coach.progression import (
    MAX_TARGET,
    MIN_TARGET,
    OUTCOMES,
    START_TARGET,
    STEP_UP,
    SessionSummary,
    progress,
    propose,
)


def finished(target: int) -> SessionSummary:
    return SessionSummary("finished", target, target, target)


def test_a_newcomer_starts_within_ten_to_fifteen():
    assert propose([]) == (START_TARGET, "first")
    assert 10 <= START_TARGET <= 15


def test_two_comfortable_sessions_step_up():
    assert propose([finished(12)]) == (12, "hold")
    assert propose([finished(12), finished(12)]) == (12 + STEP_UP, "step_up")


def test_a_session_short_of_its_target_holds():
    short = SessionSummary("finished", 12, 8, 8)
    assert propose([finished(12), short]) == (12, "hold")


def test_a_resumed_pain_halt_is_not_comfortable():
    resumed = SessionSummary("finished", 15, 15, 15, halts=("pain",))
    assert propose([finished(15), resumed]) == (12, "step_back")
    assert progress([finished(15), resumed]).caution == "pain"


def test_dizziness_steps_back_and_asks_for_caution():
    dizzy = SessionSummary("dizzy", 21, 5, 4, halts=("dizzy",))
    assert propose([finished(21), dizzy]) == (18, "step_back")
    assert progress([dizzy]).caution == "dizzy"


def test_sessions_that_never_twisted_do_not_count():
    early = SessionSummary("quit", 30, twisted=False)
    assert propose([finished(15), finished(15), early]) == (18, "step_up")
    assert propose([early]) == (START_TARGET, "first")


def test_a_caution_survives_a_session_that_ended_before_twisting():
    pain = SessionSummary("pain", 15, 3, 3, halts=("pain",), twisted=True)
    early = SessionSummary("quit", 12, twisted=False)
    assert progress([pain, early]).caution == "pain"


def test_the_last_session_is_the_last_that_twisted():
    early = SessionSummary("quit", 15, twisted=False)
    assert progress([finished(12), early]).last == finished(12)
    assert progress([early]).last is None and progress([early]).sessions == 1


def test_progress_sums_up_the_history():
    seen = progress([finished(12), SessionSummary("quit", 12, 7, 6), finished(12)])
    assert (seen.sessions, seen.best, seen.finished, seen.last) == (3, 12, 2, finished(12))


# -- properties ---------------------------------------------------------------------------

sessions = st.builds(
    SessionSummary,
    outcome=st.sampled_from(OUTCOMES),
    target=st.integers(1, 100),
    right=st.integers(0, 100),
    left=st.integers(0, 100),
    halts=st.lists(st.sampled_from(["stop", "pain", "dizzy"]), max_size=3).map(tuple),
    twisted=st.booleans(),
)
histories = st.lists(sessions, max_size=12)


@given(histories)
def test_the_target_stays_within_ten_and_forty(history):
    target, _ = propose(history)
    assert MIN_TARGET <= target <= MAX_TARGET


@given(histories, sessions)
def test_never_up_after_pain_or_dizziness(history, last):
    if last.unwell:
        target, reason = propose([*history, last])
        assert target <= max(MIN_TARGET, min(MAX_TARGET, last.target))
        assert reason == "step_back"
        assert progress([*history, last]).caution == last.unwell


@given(histories, sessions)
def test_up_only_after_comfortable_sessions_and_by_one_step(history, last):
    target, reason = propose([*history, last])
    if last.twisted and target > min(MAX_TARGET, max(MIN_TARGET, last.target)):
        assert reason == "step_up" and last.comfortable
        assert target - max(MIN_TARGET, last.target) <= STEP_UP


@given(histories)
def test_the_policy_is_a_function_of_the_history(history):
    assert progress(history) == progress(list(history))
