"""Session plans of the spoken-session benchmark: the shipped file, and errors naming file+key."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from voicecoach.bench.sessionplan import (
    DEFAULT_PLANS,
    Expect,
    When,
    load_plans,
    plans_from_dict,
)
from voicecoach.coach.dialog import Dialog
from voicecoach.errors import DataError
from voicecoach.nlu.matcher import HALTING, IntentMatcher

MATCHER = IntentMatcher.load()
KEYS = frozenset(Dialog.load().responses.variants)


def meaning(text: str) -> str:
    return MATCHER.match(text).intent


def test_the_shipped_plans_are_whole_sessions_with_halts_and_confirmations() -> None:
    plans = load_plans(DEFAULT_PLANS, meaning, KEYS)
    assert len(plans.sessions) >= 5
    for plan in plans.sessions:
        intents = [c.intent for c in plan.commands]
        kinds = {c.when.kind for c in plan.commands}
        assert len(plan.commands) >= 10, plan.name
        assert HALTING & set(intents), plan.name
        assert {"answer", "rep"} <= kinds, plan.name
    said = {c.say for p in plans.sessions for c in p.commands}
    assert {"I feel fine now", "ready", "no", "yes"} <= said
    assert any(c.when.kind == "during" and c.intent == "no" for p in plans.sessions
               for c in p.commands)


def test_commands_are_parsed() -> None:
    data = {"sessions": [{"name": "a", "reps": 3, "seed": 9, "end": "quit", "commands": [
        {"say": "stop", "when": "rep 4", "expect": "halt stop"},
        {"say": "what are the benefits", "when": "during safety.ask", "expect": "say benefits"},
        {"say": "keep going", "when": "after 2.5", "expect": "rep"},
        {"say": "goodbye", "when": "answer", "expect": "end quit"},
    ]}], "replies": {"halt.confirm": "yes"}}
    plans = plans_from_dict(data, "p.yaml", meaning, KEYS)
    (plan,) = plans.sessions
    assert (plan.name, plan.reps, plan.seed, plan.end) == ("a", 3, 9, "quit")
    assert [c.when for c in plan.commands] == [
        When("rep", 4.0), When("during", key="safety.ask"), When("after", 2.5), When("answer")]
    assert [c.expect for c in plan.commands] == [
        Expect("halt", "stop"), Expect("say", "benefits"), Expect("rep"), Expect("end", "quit")]
    assert [c.intent for c in plan.commands] == ["stop", "ask_benefits", "resume", "quit"]
    assert plans.replies == plan.replies == (("halt.confirm", "yes", "yes"),)
    assert plans.texts() == ["stop", "what are the benefits", "keep going", "goodbye", "yes"]


@pytest.mark.parametrize(
    ("command", "key", "problem"),
    [({"say": "the weather in Paris", "when": "answer", "expect": "rep"},
      "sessions[0].commands[0].say", "means nothing"),
     ({"say": "stop", "when": "soon", "expect": "rep"},
      "sessions[0].commands[0].when", "expected answer"),
     ({"say": "stop", "when": "rep many", "expect": "rep"},
      "sessions[0].commands[0].when", "number"),
     ({"say": "stop", "when": "during nonsense.key", "expect": "rep"},
      "sessions[0].commands[0].when", "no response key"),
     ({"say": "stop", "when": "answer", "expect": "halt tired"},
      "sessions[0].commands[0].expect", "expected phase"),
     ({"say": "stop", "when": "answer", "expect": "phase sleeping"},
      "sessions[0].commands[0].expect", "expected phase"),
     ({"say": "stop", "when": "answer"}, "sessions[0].commands[0].expect", "some text")],
)
def test_a_bad_command_is_named(command: dict, key: str, problem: str) -> None:
    data = {"sessions": [{"name": "a", "commands": [command]}]}
    with pytest.raises(DataError) as err:
        plans_from_dict(data, "p.yaml", meaning, KEYS)
    assert err.value.source == "p.yaml" and err.value.key == key
    assert problem in err.value.problem


@pytest.mark.parametrize(
    ("data", "key"),
    [({}, "sessions"),
     ({"sessions": []}, "sessions"),
     ({"sessions": [{"name": "a", "commands": []}]}, "sessions[0].commands"),
     ({"sessions": [{"name": "a", "reps": 0, "commands": [{"say": "stop", "when": "answer",
                                                          "expect": "rep"}]}]},
      "sessions[0].reps"),
     ({"sessions": [{"name": "a", "commands": [{"say": "stop", "when": "answer",
                                               "expect": "rep"}]}],
       "replies": {"no.such.key": "yes"}}, "replies.no.such.key")],
)
def test_a_bad_file_is_named(tmp_path: Path, data: dict, key: str) -> None:
    path = tmp_path / "plans.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_plans(path, meaning, KEYS)
    assert err.value.source == str(path) and err.value.key == key


def test_a_session_s_own_replies_come_before_the_file_s() -> None:
    command = {"say": "stop", "when": "answer", "expect": "rep"}
    data = {"replies": {"safety.check": "yes", "halt.confirm": "yes"},
            "sessions": [{"name": "a", "replies": {"safety.check": "no"}, "commands": [command]},
                         {"name": "b", "commands": [command]}]}
    a, b = plans_from_dict(data, "p.yaml", meaning, KEYS).sessions
    assert [r[:2] for r in a.replies] == [
        ("safety.check", "no"), ("safety.check", "yes"), ("halt.confirm", "yes")]
    assert [r[:2] for r in b.replies] == [("safety.check", "yes"), ("halt.confirm", "yes")]
