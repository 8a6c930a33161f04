"""Recognizer slips (issue 16): sound-alike words, n-best lists, and the n-gram classifier.

- voicecoach.nlu.soundalike: the table is built from pronunciations (homophones only), the
  shipped file is what the build gives, and the matcher respells only unknown words of a
  sentence that matched nothing, never halting on a keyword found that way; a sentence of
  words one consonant from a safety word ("busy busy") is a doubt, never a command.
- IntentMatcher.match_any: the best hypothesis of an n-best list, less a penalty per rank.
- voicecoach.nlu.classifier: deterministic, trained from label → sentences.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from voicecoach.data import data_dir
from voicecoach.errors import DataError
from voicecoach.nlu import data as intent_data
from voicecoach.nlu import soundalike
from voicecoach.nlu.classifier import NgramClassifier, features
from voicecoach.nlu.matcher import (
    NONE,
    RANK_PENALTY,
    SOUNDALIKE_FACTOR,
    IntentMatch,
    IntentMatcher,
    match_any,
)

PRONS = {
    "pain": {("P", "EY", "N")},
    "pane": {("P", "EY", "N")},
    "pen": {("P", "EH", "N")},
    "pause": {("P", "AO", "Z")},
    "paws": {("P", "AO", "Z")},
    "pose": {("P", "OW", "Z")},
    "no": {("N", "OW")},
    "know": {("N", "OW")},
    "noh": {("N", "OW")},
    "nose": {("N", "OW", "Z")},
    "o'neil": {("OW", "N", "IY", "L")},
}


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.load("en")


# --- the sound-alike table ----------------------------------------------------------------


def test_the_table_holds_homophones_only() -> None:
    table = soundalike.build_table(PRONS, ["pause", "no"], ["pain"])
    assert table == {"pane": "pain", "paws": "pause", "know": "no", "noh": "no"}


def test_a_word_like_two_words_is_left_out() -> None:
    prons = {**PRONS, "paw": {("P", "AO", "Z")}, "paus": {("P", "EY", "N"), ("P", "AO", "Z")}}
    table = soundalike.build_table(prons, ["pause"], ["pain"])
    assert "paus" not in table and table["paw"] == "pause"


def test_near_safety_words_are_one_consonant_away() -> None:
    prons = {"dizzy": {("D", "IH", "Z", "IY")}, "busy": {("B", "IH", "Z", "IY")},
             "daisy": {("D", "EY", "Z", "IY")}, "dizzier": {("D", "IH", "Z", "IY", "ER")},
             "stop": {("S", "T", "AA", "P")}, "stock": {("S", "T", "AA", "K")},
             "top": {("T", "AA", "P")}, "stoz": {("S", "T", "AA", "Z")},
             "sizzy": {("S", "IH", "Z", "IY"), ("S", "T", "AA", "Z")}}
    # a vowel changed (daisy), a sound more or less (dizzier, top), near two words (sizzy): out
    assert soundalike.build_near(prons, ["dizzy", "stop"]) == {
        "busy": "dizzy", "stock": "stop", "stoz": "stop"}


def test_pronunciations_from_cmudict_lines() -> None:
    lines = ["pain P EY1 N", "read R IY1 D", "read(2) R EH1 D", "hmm # comment"]
    assert soundalike.pronunciations(lines) == {
        "pain": {("P", "EY", "N")},
        "read": {("R", "IY", "D"), ("R", "EH", "D")},
    }


def test_the_shipped_table_is_what_the_build_gives() -> None:
    path = data_dir("en") / soundalike.FILE_NAME
    shipped = yaml.safe_load(path.read_text(encoding="utf-8"))
    built = soundalike.build_from_cmudict(shipped["words"], shipped["safety_words"])
    if built is None:
        pytest.skip("pocketsphinx (with its bundled cmudict) is not installed")
    assert shipped["sounds_like"] == built, "run python -m voicecoach.nlu.soundalike"
    near = soundalike.build_near(soundalike.cmudict() or {}, shipped["safety_words"])
    assert shipped["near_safety"] == near, "run python -m voicecoach.nlu.soundalike"


def test_a_near_word_must_mean_a_safety_word() -> None:
    data = {"words": ["pause"], "safety_words": ["stop"], "sounds_like": {},
            "near_safety": {"paws": "pause"}}
    with pytest.raises(DataError) as info:
        soundalike.tables(data, "f.yaml")
    assert (info.value.source, info.value.key) == ("f.yaml", "near_safety.paws")


def test_a_bad_table_file_names_the_file(tmp_path: Path) -> None:
    shipped = data_dir("en") / "intents.yaml"
    (tmp_path / "intents.yaml").write_text(shipped.read_text(encoding="utf-8"), "utf-8")
    beside = tmp_path / soundalike.FILE_NAME
    beside.write_text("words: [pause]\nsafety_words: []\nsounds_like: {paws: pose}\n", "utf-8")
    with pytest.raises(DataError) as info:
        intent_data.read(tmp_path / "intents.yaml")
    assert info.value.source == str(beside) and info.value.key == "sounds_like.paws"


# --- respelling in the matcher ------------------------------------------------------------

RESPELLED = [
    ("it hertz", "pain"),
    ("that hertz", "pain"),
    ("paws", "pause"),
    ("paws please", "pause"),
    ("reddy", "ready"),
    ("i'm reddy", "ready"),
    ("no pane", "yes"),  # a negated safety word is not a halt, respelled or not
    ("top please", "stop"),  # learnt from Whisper's slips (heard_as)
    ("boss", "pause"),
]
NOT_RESPELLED = [
    ("the window pane is cracked", "none"),  # a keyword found by respelling does not halt
    ("i don't know what to say", "help"),  # "know" is a phrase word: never taken for "no"
    ("the cat's paws are muddy", "none"),
    ("the boss is here", "none"),  # respelled, only a loose match: not enough
    ("top it up", "none"),
    ("on top of the world", "none"),
]


@pytest.mark.parametrize(("text", "intent"), RESPELLED)
def test_sound_alikes_are_understood(matcher: IntentMatcher, text: str, intent: str) -> None:
    got = matcher.match(text)
    assert (got.intent, text) == (intent, text)
    assert got.confidence <= SOUNDALIKE_FACTOR and got.text == text


@pytest.mark.parametrize(("text", "intent"), NOT_RESPELLED)
def test_sound_alikes_do_not_misfire(matcher: IntentMatcher, text: str, intent: str) -> None:
    assert (matcher.match(text).intent, text) == (intent, text)


NEAR_SAFETY = [
    ("busy", "dizzy"),  # "dizzy dizzy" in kitchen noise (Whisper, a simulated room)
    ("busy busy", "dizzy"),
    ("oh busy", "dizzy"),
    ("stock", "stop"),
    ("stock please", "stop"),
    ("shirts", "pain"),
    ("i'm busy", ""),  # other words in it: an ordinary sentence
    ("it's busy here", ""),
    ("the rain", ""),
    ("busy day", ""),
]


@pytest.mark.parametrize(("text", "doubt"), NEAR_SAFETY)
def test_near_safety_words_alone_are_a_doubt(
    matcher: IntentMatcher, text: str, doubt: str
) -> None:
    got = matcher.match(text)
    assert (got.intent, got.doubt, text) == (NONE, doubt, text)


def test_a_near_safety_word_does_not_undo_a_close_match(matcher: IntentMatcher) -> None:
    # "star" is one consonant from "stop" and a letter from "start": it stays start
    assert (matcher.match("star").intent, matcher.match("star").doubt) == ("start", "")


def test_every_learnt_slip_can_apply(matcher: IntentMatcher) -> None:
    """A slip learnt from the recognizer is of a word no phrase says (a phrase word is never
    respelled); a word only a keyword weighs is respelled ("top" of "top half" had kept
    Whisper's "top" for "stop" from ever applying)."""
    learnt = yaml.safe_load((data_dir("en") / soundalike.FILE_NAME).read_text())["heard_as"]
    assert learnt and not [heard for heard in learnt if matcher.says(heard)]
    assert matcher.knows("top") and not matcher.says("top")


def test_without_the_table_sound_alikes_are_not_understood(matcher: IntentMatcher) -> None:
    data = intent_data.read(data_dir("en") / "intents.yaml")
    plain = IntentMatcher(dataclasses.replace(data, soundalike={}))
    assert plain.match("paws").intent == "none" and matcher.match("paws").intent == "pause"


# --- n-best lists -------------------------------------------------------------------------

NBEST = [
    (["pick up the paste", "pick up the pace"], "faster"),  # the second hypothesis is right
    (["stop", "stop the music"], "stop"),
    (["play some jazz", "stop"], "stop"),  # a halt further down the list still halts
    (["skip", "slower"], "skip"),  # both match fully: the first wins
    (["what's the weather", "what's the whether"], "none"),
    (["how many reps", "how many wraps", "how many rips"], "ask_reps"),
    ([], "none"),
]


@pytest.mark.parametrize(("texts", "intent"), NBEST)
def test_match_any(matcher: IntentMatcher, texts: list[str], intent: str) -> None:
    assert (matcher.match_any(texts).intent, texts) == (intent, texts)


def test_match_any_takes_a_rank_penalty(matcher: IntentMatcher) -> None:
    """A runner-up that says the same intent more surely is taken (its text), one that says
    another intent only where the first matched nothing, or for a halt."""
    unsure = matcher.match("say that agian")
    assert unsure.intent == "repeat" and 1.0 - unsure.confidence > RANK_PENALTY
    assert matcher.match_any(["say that agian", "say that again"]).text == "say that again"
    assert matcher.match_any(["say that agian", "faster"]).intent == "repeat"
    assert matcher.match_any(["pick up the paste", "faster"]).intent == "faster"
    got = matcher.match_any(["play some jazz", "stop"])
    assert got.text == "stop" and got.confidence == 1.0  # the match itself, unpenalized


@pytest.mark.parametrize("texts", [
    # the beam stopping early: the first says more, and it is not the coach's
    ["what are the benefits of green tea", "what are the benefits"],
    ["how many calories are in a banana", "how many"],
])
def test_a_runner_up_cut_short_does_not_overrule_the_first(
    matcher: IntentMatcher, texts: list[str]
) -> None:
    assert matcher.match_any(texts).intent == "none"


def test_a_runner_up_of_another_intent_does_not_overrule_a_match(
    matcher: IntentMatcher,
) -> None:
    # heard for "let's speed it up" (piper-joe): the third hypothesis was ask_technique at 1.0
    texts = ["let's speed it up", "let speed it up", "what speed it up"]
    assert matcher.match_any(texts).intent == "faster"


class Table:
    """A matcher that knows a few sentences by heart (listen.py's callers may pass fakes)."""

    def __init__(self, known: dict[str, tuple[str, float]]) -> None:
        self.known = known

    def match(self, text: str) -> IntentMatch:
        intent, confidence = self.known.get(text, (NONE, 0.0))
        return IntentMatch(intent, confidence, text)


def test_match_any_works_with_any_matcher() -> None:
    fake = Table({"paws": ("pause", 0.8), "pause": ("pause", 0.9), "skip": ("skip", 0.88)})
    assert match_any(fake, ["paws", "pause"]).text == "pause"  # 0.85 after its penalty
    assert match_any(fake, ["skip", "pause"]).text == "skip"  # another intent: the first's
    assert match_any(fake, ["hm", "um"]) == IntentMatch(NONE, 0.0, "hm")


# --- the classifier -----------------------------------------------------------------------

TRAIN = {
    "faster": ("faster", "go faster", "speed up"),
    "slower": ("slower", "go slower", "slow down"),
    "none": ("play some music", "what's the weather"),
}


def test_features_hold_stems_pairs_and_character_ngrams() -> None:
    found = features("twists left")
    assert {"w:twist", "b:twist_left", "c: tw", "c:ist", "c:ts "} <= set(found)


def test_the_classifier_learns_and_is_deterministic() -> None:
    model = NgramClassifier.train(TRAIN)
    assert model.guess("go a bit faster").intent == "faster"
    assert model.guess("slow it down").intent == "slower"
    assert model.guess("play music").intent == "none"
    assert NgramClassifier.train(TRAIN).guess("slowly").probability == pytest.approx(
        model.guess("slowly").probability
    )


def test_the_classifier_keeps_to_the_allowed_labels() -> None:
    guess = NgramClassifier.train(TRAIN).guess("go faster", frozenset({"slower", "none"}))
    assert guess.intent in {"slower", "none"} and 0.0 <= guess.margin <= guess.probability


def test_the_matcher_with_the_classifier_keeps_safety_and_ood(matcher: IntentMatcher) -> None:
    both = IntentMatcher.load("en", classifier=True)
    for text in ("stop", "ouch it hurts", "what's the weather in paris", "play some jazz"):
        assert both.match(text).intent == matcher.match(text).intent
