"""The prompt Whisper is biased with comes from the phrase data, weighted by what is expected."""

from __future__ import annotations

from voicecoach.speech.asr.bias import (
    cues,
    examples,
    halting_words,
    prompt_text,
    sentence_case,
    shared_words,
)
from voicecoach.speech.asr.grammar import load_phrases

PHRASES = {
    "yes": ["yes", "yeah", "yes please", "sure"],
    "stop": ["stop it right now", "stop", "halt", "stop it"],
    "ask_reps": ["how many reps", "how many", "how many reps are left"],
}


def test_first_and_shortest_sentence_per_intent() -> None:
    assert examples(PHRASES["stop"]) == ["stop it right now", "stop"]
    assert examples(PHRASES["yes"], extra=2) == ["yes", "yeah", "yes please"]
    assert examples([]) == []


def test_expected_answers_then_halting_phrases_come_last_with_more_examples() -> None:
    plain = prompt_text(PHRASES)
    assert plain == "How many reps. How many. Yes. Stop it right now. Stop. Halt."
    answers = prompt_text(PHRASES, frozenset({"yes"}))
    assert answers.index("Yes.") < answers.index("Stop it right now.")
    assert "Yes please." in answers and "Yes please." not in plain


def test_sentence_case_capitalizes_i() -> None:
    assert sentence_case("i'm dizzy and i feel sick") == "I'm dizzy and I feel sick."


def test_the_shipped_prompt_holds_every_intent_and_stays_short() -> None:
    phrases = load_phrases()
    prompt = prompt_text(phrases).lower()
    for intent, sentences in phrases.items():
        assert sentences[0] in prompt, intent
    assert len(prompt.split()) < 120  # Whisper's prompt holds at most 224 tokens


def test_words_many_intents_use_are_no_cues() -> None:
    phrases = {"stop": ["i want to stop"], "dizzy": ["i feel dizzy"], "yes": ["i am fine"],
               "no": ["no i am not"]}
    shared = shared_words(phrases)
    assert shared == {"i", "am"}
    assert cues("i am dizzy".split(), shared) == ["dizzy"]
    assert cues("i am".split(), shared) == ["i", "am"]  # nothing else: every word counts


def test_the_shipped_data_shares_its_grammar_words_not_its_halting_ones() -> None:
    shared = shared_words(load_phrases())
    assert {"i", "i'm", "my", "the", "it", "how"} <= shared
    assert not {"stop", "dizzy", "pain", "hurts", "no", "yes", "good"} & shared


def test_the_halting_words_are_the_halting_phrases_words_but_grammar() -> None:
    phrases = {"stop": ["i want to stop"], "dizzy": ["i feel dizzy"], "yes": ["i am fine"],
               "no": ["no i am not"]}
    assert halting_words(phrases, shared_words(phrases)) == {"want", "to", "stop", "feel",
                                                               "dizzy"}
