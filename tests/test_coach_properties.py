"""Properties of the coach over any sequence of events (hypothesis)."""

from __future__ import annotations

from coachkit import make_coach
from hypothesis import given, settings
from hypothesis import strategies as st

from voicecoach.coach.events import Begin, End, Halt, InputError, Rep, Tick, Utterance
from voicecoach.coach.steps import GO_ON
from voicecoach.nlu.matcher import INTENTS

UNWELL_STEPS = frozenset({"halted", "halt_confirm", "halt_check"})

GET_GOING = [(1.0, "start"), (20.0, "no"), (40.0, "yes")]
"""Into the twisting quickly, so the properties are tried where reps are counted."""

steps = st.lists(
    st.tuples(
        st.floats(min_value=0.0, max_value=40.0, allow_nan=False),
        st.sampled_from([*INTENTS, "tick", "wake", "error", "doubt"]),
    ),
    max_size=60,
)


def run(prefix: bool, events: list[tuple[float, str]]) -> list[tuple[str, list]]:
    """Feed the events; return (what was sent, actions) pairs."""
    return [(sent, actions) for sent, actions, _ in run_steps(prefix, events)]


def run_steps(prefix: bool, events: list[tuple[float, str]]) -> list[tuple[str, list, str]]:
    """Feed the events; return (what was sent, actions, the coach's step after it)."""
    coach = make_coach()
    steps_after: list[str] = ["idle"]
    log = [("begin", coach.handle(Begin(0.0)))]
    t = 0.0
    for dt, kind in (GET_GOING if prefix else []) + events:
        t += dt
        if kind == "wake":
            t = max(t, coach.next_wakeup or t)
            log.append(("tick", coach.handle(Tick(t))))
        elif kind == "tick":
            log.append(("tick", coach.handle(Tick(t))))
        elif kind == "error":
            log.append(("error", coach.handle(InputError(t, "bad audio"))))
        elif kind == "doubt":  # "ow?" heard, too unsure to halt on
            log.append(("doubt", coach.handle(Utterance(t, "none", 0.0, "ow", doubt="pain"))))
        else:
            log.append((kind, coach.handle(Utterance(t, kind, 0.9, kind))))
        steps_after.append(coach.step)
    while coach.next_wakeup is not None and coach.next_wakeup < t + 600:
        log.append(("tick", coach.handle(Tick(coach.next_wakeup))))
        steps_after.append(coach.step)
    return [(sent, actions, step) for (sent, actions), step in zip(log, steps_after, strict=True)]


@settings(max_examples=300, deadline=None)
@given(st.booleans(), steps)
def test_no_rep_after_pain_or_dizziness_until_confirmed(prefix: bool, events: list) -> None:
    unwell = False
    for sent, actions, step in run_steps(prefix, events):
        for action in actions:
            if isinstance(action, Halt) and action.reason in ("pain", "dizzy"):
                unwell = True
            elif isinstance(action, Rep):
                assert not unwell, "a rep was counted after pain/dizziness, unconfirmed"
        if any(isinstance(a, End) for a in actions):
            unwell = False
        if unwell and step not in UNWELL_STEPS:
            assert sent == "yes", f"left the halt on {sent!r}, not a yes"
            unwell = False


@settings(max_examples=300, deadline=None)
@given(st.booleans(), steps)
def test_safety_words_always_halt_and_nothing_follows_the_end(prefix: bool, events: list) -> None:
    ended = False
    for sent, actions in run(prefix, events):
        if ended:
            assert actions == []
            continue
        if sent in ("pain", "dizzy"):
            assert any(isinstance(a, Halt) and a.reason == sent for a in actions)
        elif sent == "stop":
            assert any(isinstance(a, Halt) for a in actions)
        ended = any(isinstance(a, End) for a in actions)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_no_rep_after_an_unsure_halt_until_told_to_go_on(events: list) -> None:
    """While the coach asks "did you say stop?" nothing is counted, and it goes back to the
    twist (or its explanation) only on a go-on or a no."""
    asking = False
    for sent, actions, step in run_steps(True, events):
        assert not (asking and any(isinstance(a, Rep) for a in actions)), "counted while asking"
        if asking and step in ("explain", "pacing"):
            assert sent in GO_ON | {"no"}, f"resumed on {sent!r}"
        asking = step == "checking"
