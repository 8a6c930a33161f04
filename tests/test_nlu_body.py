"""Talk about one's body that means no intent is a doubt: asked about, never acted on."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.errors import DataError
from voicecoach.nlu import body
from voicecoach.nlu.matcher import IntentMatcher

MATCHER = IntentMatcher.load()


@pytest.mark.parametrize(
    ("text", "doubt"),
    [
        ("i think i did something to my lower back", "pain"),  # means nothing else
        ("i bought my back", "pain"),  # "i hurt my back", misheard
        ("there's a funny click in my left knee", "pain"),
        ("me shoulder blade went crunch", "pain"),  # ("me neck went" halts, as "my neck went")
        ("what do i do with my knees", ""),  # a question: the intent it is
        ("where should my hips point", ""),
        ("uh how far should my knees bend", ""),  # a filler first
        ("oh what my neck", "pain"),  # "what" right before the mention exclaims
        ("oh how my left knee", "pain"),
        ("what's my neck meant to do", ""),  # still a question
        ("is my back meant to click", ""),
        ("my back porch needs painting", ""),  # a part that is not the body
        ("my back feels great today", ""),  # a good word
        ("my shoulders are nice and loose", ""),
        ("the car is parked out back", ""),  # no "my"
        ("i left my phone on the sofa", ""),  # not a part of the body
        ("i hurt my back", ""),  # a halt already, no doubt needed
        ("i did something to my neck", "pain"),  # "did" is no question word second
        ("i feel weird", "dizzy"),  # feeling strange, in words that name nothing
        ("um it feels kind of strange", "dizzy"),
        ("i'm feeling not myself", "dizzy"),
        ("i feel weird about asking", ""),  # unease, not dizziness
        ("i'm off work tomorrow", ""),
        ("i feel i'm static", ""),  # Whisper's for "i feel unsteady": none, not a yes
        ("oh my back", "pain"),  # a cry, not resume by "i'm back" (a close phrase)
        ("my knee", "pain"),  # not ask_technique
        ("i'm back", ""),  # resume, its exact phrase
        ("begin my back stretch please", ""),  # start: the body is the exercise's object
    ],
)
def test_body_talk_that_means_nothing_else_is_a_doubt(text: str, doubt: str) -> None:
    found = MATCHER.match(text)
    assert found.doubt == doubt
    assert not found.doubt or found.intent == "none"


def test_without_the_file_there_is_no_body_talk(tmp_path: Path) -> None:
    assert body.read(tmp_path / body.FILE_NAME) == ()


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("- a list\n", "mapping"),
        ("ready: {own: [my]}\n", "ready"),
        ("pain: {own: [my]}\n", "pain"),
        ("pain: {own: [], before_part: [x], parts: [x], questions: [x], exclaims: [x], "
         "lead_in: [x], not_the_body: [x], fine: [x]}\n", "pain.own"),
        ("pain: [unclosed\n", "body.yaml"),
    ],
)
def test_bad_body_talk_names_the_file_and_key(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / body.FILE_NAME
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=where):
        body.read(path)

