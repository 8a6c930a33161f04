"""The phrases each waiting step's ``options.*`` line names are acted on in that step: the
real matcher takes the phrase to an intent, and the coach in that step answers it with
something other than its catch-all lines (issue 16). The steps are those ``ROUTES`` in
tests/test_coach_machine.py reaches; phrase → intent for every line is tested in
tests/test_nlu_coached.py."""

from __future__ import annotations

import re

import pytest
from coachkit import DIALOG, keys
from test_coach_machine import FALLBACK_KEYS, ROUTES, say, session_at

from voicecoach.nlu.matcher import IntentMatcher

MATCHER = IntentMatcher.load("en")
QUOTED = re.compile(r'"([^"{}]+)"')
CASES = [
    (step, phrase)
    for step in ROUTES
    for line in DIALOG.responses.variants[f"options.{step}"]
    for phrase in QUOTED.findall(line)
]


@pytest.mark.parametrize(("step", "phrase"), CASES)
def test_a_phrase_the_step_offers_is_acted_on(step: str, phrase: str) -> None:
    session, records = session_at(step)
    before = len(keys(records))
    intent = MATCHER.match(phrase).intent
    say(session, intent)
    answered = keys(records)[before:]
    assert answered and not set(answered) & FALLBACK_KEYS, (step, phrase, intent, answered)
