"""What the coach tells the user to say is understood: every phrase it names in
``intents/en/responses.yaml`` and ``script.yaml`` ("say resume to carry on", "say "I feel
fine"", the ``options.*`` lists) matches the intent that step acts on (issue 16).

The phrases are read from the files, so a new line that names a new phrase fails
:func:`test_every_phrase_the_coach_names_is_in_the_table` until the table below says what it
means.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from voicecoach.data import data_dir
from voicecoach.nlu.matcher import IntentMatcher

QUOTED = re.compile(r'"([^"{}]+)"')
"""A phrase in double quotes: say "start back twist", the ``options.*`` lists."""
SAY = re.compile(r"\b[Ss]ay ([a-z]+(?: on)?)\b")
"""An instruction in the running text: "say resume to carry on"."""
OR_TO = re.compile(r"(?:\bor|,) ([a-z]+(?: on)?) to\b")
"""A further choice in a response: "say resume to carry on, or quit to finish" (responses
only: the script's prose has "side to side", "move on to")."""
CAN_SAY = re.compile(r"\bcan say ([^.{}]+)\.")
"""A list of choices: "while you twist you can say faster, slower, ..., or ask about ..."."""
CHOICE = re.compile(r",\s*(?:or\s+)?|\s+or\s+")
NOT_PHRASES = frozenset({"it", "so", "holding on", "ask about technique"})
"""Matches of :data:`SAY` and :data:`OR_TO` that are not phrases ("say it again", "say so",
"holding on to") or an instruction rather than words to say."""

COACHED: dict[str, str] = {
    "start back twist": "start",
    "what is this good for": "ask_benefits",
    "what are the benefits?": "ask_benefits",
    "is this safe?": "ask_precautions",
    "help": "help",
    "yes": "yes",
    "no": "no",
    "yes, I have been cleared": "yes",
    "ready": "ready",
    "repeat": "repeat",
    "what do I do with my feet?": "ask_technique",
    "stop": "stop",
    "faster": "faster",
    "slower": "slower",
    "how many reps?": "ask_reps",
    "resume": "resume",
    "carry on": "resume",
    "skip": "skip",
    "skip to cool down": "skip",
    "pause": "pause",
    "how many reps": "ask_reps",
    "quit": "quit",
    "I feel fine": "yes",
}


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


def named_phrases() -> set[str]:
    """Every phrase the coach's lines tell the user to say."""
    found: set[str] = set()
    for name in ("responses.yaml", "script.yaml"):
        data = yaml.safe_load((data_dir("en") / name).read_text(encoding="utf-8"))
        for text in _texts(data):
            found.update(QUOTED.findall(text))
            found.update(SAY.findall(text))
            for choices in CAN_SAY.findall(text):
                found.update(c.strip() for c in CHOICE.split(choices) if c.strip())
            if name == "responses.yaml":
                found.update(OR_TO.findall(text))
    return found - NOT_PHRASES


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.load("en")


def test_every_phrase_the_coach_names_is_in_the_table() -> None:
    assert sorted(named_phrases() - COACHED.keys()) == []


def test_the_table_holds_only_phrases_the_coach_names() -> None:
    assert sorted(COACHED.keys() - named_phrases()) == []


@pytest.mark.parametrize(("phrase", "intent"), sorted(COACHED.items()))
def test_a_phrase_the_coach_names_is_understood(
    matcher: IntentMatcher, phrase: str, intent: str
) -> None:
    assert (matcher.match(phrase).intent, phrase) == (intent, phrase)
