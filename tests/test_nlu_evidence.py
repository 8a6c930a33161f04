"""Tests of voicecoach.nlu.evidence: the phrase index and the word evidence, on inline data."""

from __future__ import annotations

import math

import pytest

from voicecoach.nlu import evidence
from voicecoach.nlu.evidence import PhraseIndex, Verdict, WordEvidence, stem

PHRASES: dict[str, tuple[str, ...]] = {
    "pause": ("hold on", "wait a second", "can we pause"),
    "resume": ("keep going", "can we continue", "let's go on"),
    "ask_duration": ("how long is it", "how much longer", "are we done yet"),
    "ask_precautions": ("is it safe", "who should not do it"),
    "slower": ("slow down", "not so fast"),
    "stop": ("stop",),
}
KEYWORDS: dict[str, dict[str, float]] = {
    "ask_precautions": {"safe": 3.0, "precautions": 3.0, "doctor": 3.0},
    "ask_duration": {"how long": 3.0, "over": 1.5, "when": 1.5},
    "slower": {"too fast": 3.0},
    "resume": {"left off": 3.0},
}
COMMON = ("the", "of", "will", "i", "any", "for", "me", "you", "are", "be", "where", "this")
OPEN = frozenset(PHRASES) - {"stop"}


@pytest.fixture(scope="module")
def words() -> WordEvidence:
    return WordEvidence.build(PHRASES, KEYWORDS, COMMON)


def _decide(words: WordEvidence, text: str, allowed: frozenset[str] = OPEN) -> str | None:
    return words.decide(text.split(), allowed).intent


@pytest.mark.parametrize(
    ("word", "expected"),
    [("reps", "rep"), ("it's", "it"), ("pass", "pass"), ("is", "is"), ("risks", "risk")],
)
def test_stem(word: str, expected: str) -> None:
    assert stem(word) == expected


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("any precautions for me", "ask_precautions"),  # a keyword among known words
        ("is this safe for me", "ask_precautions"),
        ("you are going too fast", "slower"),  # a keyword of two words
        ("when will it be over", "ask_duration"),  # two weak keywords together
        ("where we left off", "resume"),
        ("is it safe to eat raw cookie dough", None),  # unknown words weigh against
        ("how long is the drive to boston", None),
        ("fast too", None),  # "too fast" only in a row; "fast" alone is no keyword here
        ("over", None),  # a weak keyword alone is no candidate
        ("can we", None),  # phrase words but no keyword: no candidate
        ("", None),
    ],
)
def test_decide(words: WordEvidence, text: str, intent: str | None) -> None:
    assert _decide(words, text) == intent


def test_only_allowed_intents_are_chosen(words: WordEvidence) -> None:
    assert _decide(words, "is it safe", OPEN - {"ask_precautions"}) is None


def test_a_tie_is_no_decision(words: WordEvidence) -> None:
    verdict = words.decide("safe doctor how long".split(), OPEN)
    assert verdict.intent is None
    assert 0.0 < verdict.coverage < 1.0


def test_coverage_is_a_share(words: WordEvidence) -> None:
    verdict = words.decide(["precautions"], OPEN)
    assert verdict == Verdict("ask_precautions", 1.0)


def test_a_word_counts_once_at_its_largest_weight(words: WordEvidence) -> None:
    given, total, candidates = words.weigh(["safe"])
    learned = math.log(len(PHRASES) + 1)  # "safe" is in one intent's phrases: log(n)
    assert given == [{"ask_precautions": max(3.0, learned)}]
    assert total == pytest.approx(max(3.0, learned))
    assert candidates == {"ask_precautions"}


def test_everyday_words_are_light_even_in_one_intent(words: WordEvidence) -> None:
    phrases = {**PHRASES, "ask_benefits": ("what will it do",)}
    built = WordEvidence.build(phrases, KEYWORDS, COMMON)
    given, _, _ = built.weigh(["will"])
    assert given == [{"ask_benefits": evidence.COMMON_WEIGHT}]


def test_unknown_and_common_words_weigh(words: WordEvidence) -> None:
    _, unknown, _ = words.weigh(["cookie"])
    _, common, _ = words.weigh(["the"])
    assert unknown == pytest.approx(math.log(len(PHRASES) + 1) * evidence.UNKNOWN_FACTOR)
    assert common == evidence.COMMON_WEIGHT


def test_phrase_index_prefers_the_closest_phrase() -> None:
    index = PhraseIndex.build(PHRASES, unknown_factor=2.0, common=COMMON)
    scores = index.scores("can we continue".split())
    assert scores["resume"] == pytest.approx(1.0)
    assert scores["resume"] > scores.get("pause", 0.0)
    assert index.scores("can we continue the weather".split())["resume"] < scores["resume"]
    assert index.knows("continues") and index.knows("the") and not index.knows("weather")
