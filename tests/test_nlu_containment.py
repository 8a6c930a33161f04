"""voicecoach.nlu.containment: which phrase a sentence starts or ends with, and whether the
rest stands apart from it (the matcher's use of it is tested in tests/test_nlu_matcher.py)."""

from __future__ import annotations

import pytest

from voicecoach.nlu.containment import ClauseWords, Containment, Part

SENTENCES = {
    "pause": ("pause", "hold on", "just a moment"),
    "slower": ("slow down",),
    "ready": ("i'm ready", "ready"),
    "skip": ("skip this", "next"),
    "yes": ("i feel okay",),
}
KEYWORDS = {"pause": {"pause": 3.0}, "ready": {"ready": 2.0}, "skip": {"next": 2.0},
            "yes": {"okay": 1.5}}


def _core(sentence: str) -> str:
    return sentence.removeprefix("just ").removesuffix(" okay")


@pytest.fixture(scope="module")
def contained() -> Containment:
    clauses = ClauseWords(frozenset({"i'm", "let"}), frozenset({"the", "my"}),
                          frozenset({"is", "s"}), frozenset({"to", "not", "do"}))
    return Containment.build(SENTENCES, _core, KEYWORDS, clauses)


def test_phrases_and_their_cores(contained: Containment) -> None:
    assert contained.phrases["just a moment"] == contained.phrases["a moment"] == "pause"
    assert contained.strong == {"pause"}  # "ready" and "next" weigh less than STRONG
    assert "i feel" not in contained.phrases  # the filler dropped was the meaning: "okay"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("hold on let me think", [Part("pause", 2, "let me think", True)]),
        ("a moment i'm on the phone", [Part("pause", 2, "i'm on the phone", True)]),
        ("pause the tv", [Part("pause", 1, "the tv", False)]),
        ("skip this song", [Part("skip", 2, "song", False)]),
        ("whoa there slow down", [Part("slower", 2, "whoa there", True)]),
        ("tell him to slow down", [Part("slower", 2, "tell him to", False)]),
        ("next i'm ready", [Part("ready", 2, "next", True)]),  # "next" alone is not strong
        ("ready i'm here", []),  # one word ends nothing, starts only if strong
        ("dinner is ready", []),
        ("hold on", []),  # a phrase alone is not contained: the exact step finds it
    ],
)
def test_parts(contained: Containment, text: str, parts: list[Part]) -> None:
    assert contained.parts(text.split()) == parts


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("hold on the phone is ringing", [Part("pause", 2, "the phone is ringing", True)]),
        ("hold on my dog's barking", [Part("pause", 2, "my dog's barking", True)]),
        ("hold on the phone", [Part("pause", 2, "the phone", False)]),  # no verb: an object
        ("hold on to the rail my hand is", [Part("pause", 2, "to the rail my hand is", False)]),
    ],
)
def test_a_subject_and_its_verb_begin_a_clause(
    contained: Containment, text: str, parts: list[Part]
) -> None:
    assert contained.parts(text.split()) == parts


@pytest.mark.parametrize(
    ("text", "parts"),
    [  # "one sec" means pause alone (the matcher says so: a keyword, say), no phrase of ours
        ("one sec i'm on the phone", [Part("pause", 2, "i'm on the phone", True)]),
        ("one sec the phone is ringing", [Part("pause", 2, "the phone is ringing", True)]),
        ("one sec please", [Part("pause", 2, "please", False)]),  # the rest begins no clause
        ("how do i'm", []),  # words ending in a word of bound_after go on into the rest
    ],
)
def test_a_head_taken_alone(contained: Containment, text: str, parts: list[Part]) -> None:
    alone = {"one sec": "pause", "how do": "ask_technique"}.get
    assert contained.parts(text.split(), alone) == parts


@pytest.mark.parametrize(
    ("text", "parts"),
    [  # "could you slow down" is close to a phrase (the matcher says so), no phrase of ours
        ("could you slow down i'm lost", [Part("slower", 4, "i'm lost", True)]),
        ("could you slow down please", []),  # not before a clause of its own: not taken
        ("slow down now i'm lost", [Part("slower", 2, "now i'm lost", False)]),  # a phrase is
        ("next week i'm away", []),  # two words: too few to be taken by spelling
    ],
)
def test_a_head_close_to_a_phrase_before_a_clause(
    contained: Containment, text: str, parts: list[Part]
) -> None:
    close = {"could you slow down": "slower", "next week": "skip"}.get
    assert contained.parts(text.split(), close=close) == parts
