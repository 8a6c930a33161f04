"""Every phrase the coach tells the user to say is one the matcher understands.

"Say resume to carry on" is a promise: the matcher must take "resume" as ``resume``. The
phrases are read from the coach's own lines (``intents/en/responses.yaml``): quoted ones (say
"start back twist") and bare ones (say ready when ..., say yes or no).
"""

from __future__ import annotations

import re

import pytest
import yaml

from voicecoach.data import data_dir
from voicecoach.nlu.matcher import IntentMatcher

SAY = re.compile(
    r"""\b[Ss]ay (?:"([^"]+)"|"""  # say "start back twist"
    r"""(\w+(?: \w+)??(?: or \w+)?)(?= (?:to|when|if|and|at|only|now|the)\b|[.,;!?]|$))"""
)
NOT_COMMANDS = {"so", "it again", "now"}
"""Bare words after "say" that are not something to say ("say so", "say it again")."""
MEANS = {"I feel fine": "yes", "carry on": "resume"}
"""Phrases whose intent is not their own name."""


def instructions() -> list[tuple[str, str]]:
    lines = yaml.safe_load((data_dir() / "responses.yaml").read_text(encoding="utf-8"))
    found: dict[tuple[str, str], None] = {}
    for key, variants in lines.items():
        for text in variants:
            for quoted, bare in SAY.findall(text):
                for phrase in [quoted] if quoted else bare.split(" or "):
                    if phrase not in NOT_COMMANDS:
                        found[(key, phrase)] = None
    return list(found)


def test_the_coach_gives_instructions() -> None:
    phrases = {phrase for _, phrase in instructions()}
    assert {"start back twist", "yes", "no", "ready", "resume", "stop", "quit"} <= phrases
    assert "carry on" in phrases and "I feel fine" in phrases


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.load()


@pytest.mark.parametrize(("key", "phrase"), instructions())
def test_every_phrase_the_coach_asks_for_is_understood(
    matcher: IntentMatcher, key: str, phrase: str
) -> None:
    expected = MEANS.get(phrase, phrase.split()[0])
    assert matcher.match(phrase).intent == expected, key
