"""Tests of voicecoach.nlu.data: what the phrase file may hold, and errors naming file and key.

What the loaded data does is tested through the matcher in tests/test_nlu_matcher.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from voicecoach.data import data_dir
from voicecoach.errors import DataError
from voicecoach.nlu import data as intent_data
from voicecoach.nlu.rules import HALTING, INTENTS

SMALL = """
lists:
  part: [arms, feet]
fillers:
  anywhere: [um]
  leading: [okay]
  trailing: ["now"]
negation:
  window: 2
  words: [not]
  right_before: ["no"]
safety:
  pain:
    keywords: [hurts, ouch]
  stop:
    negatable: false
    keywords: [stop]
    exceptions: ["don't stop"]
keywords:
  resume: {"(carry on|keep going)": 3}
  ask_technique: {"(arms|feet)": 1.5, "how far": 3}
intents:
  stop: [stop]
  pain: ["(it|that) hurts", ouch]
  resume: ["(keep going|don't stop)"]
  ask_technique: ["what (do|should) i do with my {part}"]
  "yes": ["(yes|yeah)"]
"""


def test_parse_expands_templates_and_keywords() -> None:
    data = intent_data.parse(yaml.safe_load(SMALL), source="small")
    assert data.phrases["ask_technique"] == (
        "what do i do with my arms", "what do i do with my feet",
        "what should i do with my arms", "what should i do with my feet",
    )  # fmt: skip
    assert data.keywords == {
        "resume": {"carry on": 3.0, "keep going": 3.0},
        "ask_technique": {"arms": 1.5, "feet": 1.5, "how far": 3.0},
    }
    assert [rule.intent for rule in data.safety] == ["pain", "stop"]
    assert data.common_words == ()


def test_mentions_become_exceptions_of_every_safety_rule() -> None:
    """Stop 22: "how do you spell ouch" mentions the word; "ouch, spell it" says it."""
    data = intent_data.parse(yaml.safe_load(SMALL + 'mentions: ["how do you spell"]\n'))
    pain, stop = data.safety
    assert pain.check(" how do you spell ouch ", frozenset({"ouch"}), data.negation) is False
    assert stop.check(" how do you spell stop ", frozenset({"stop"}), data.negation) is False
    assert pain.check(" ouch how do you spell it ", frozenset({"ouch"}), data.negation)


def test_containment_word_lists() -> None:
    text = SMALL + "containment: {clause_starts: [i], bound_after: [to]}\n"
    data = intent_data.parse(yaml.safe_load(text))
    assert data.clauses.starts == {"i"}
    assert data.clauses.bound_after == {"to", "not"}  # the negation words bind too


def test_the_shipped_file_loads() -> None:
    data = intent_data.read(data_dir("en") / "intents.yaml")
    assert set(data.phrases) == set(INTENTS) - {"none"}
    assert set(data.keywords) <= set(INTENTS) - HALTING - {"none"}
    assert all(0 < w <= intent_data.MAX_KEYWORD_WEIGHT for t in data.keywords.values()
               for w in t.values())  # fmt: skip


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "intents.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _load_error(tmp_path: Path, text: str) -> DataError:
    path = _write(tmp_path, text)
    with pytest.raises(DataError) as info:
        intent_data.read(path)
    assert info.value.source == str(path)
    assert str(path) in str(info.value)
    return info.value


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("intents: {start: [start]\n", None, "malformed YAML"),
        ("intents:\n  start: [go]\n  start: [begin]\n", None, "'start' written twice"),
        ("- start\n", None, "mapping"),
        ("phrases: {}\n", "phrases", "unknown section"),
        ("intents: {stretch: [go]}\n", "intents.stretch", "unknown intent"),
        ("intents: {none: [go]}\n", "intents.none", "unknown intent"),
        ("intents: {yes: [yes]}\n", "intents.True", "quote the intent name"),
        ("intents: {start: []}\n", "intents.start", "non-empty list"),
        ("intents: {start: start}\n", "intents.start", "non-empty list"),
        ("intents: {start: [go, 3]}\n", "intents.start[1]", "non-empty string"),
        ("intents: {start: ['(go']}\n", "intents.start[0]", "missing ')'"),
        ("intents: {start: [go 2]}\n", "intents.start[0]", "spell numbers out"),
        ("intents: {start: ['{x}']}\n", "intents.start[0]", "unknown list {x}"),
        ("intents: {start: [go], skip: ['(go|next)']}\n", "intents.skip[0]", "also in start"),
        ("intents: {start: ['(a|b) (a|b) (a|b) (a|b) (a|b) (a|b) (a|b) (a|b) (a|b) (a|b) "
         "(a|b) (a|b) (a|b)']}\n", "intents.start[0]", "limit"),
        ("lists: {x: ['{y}']}\nintents: {start: [go]}\n", "lists.x[0]", "cannot refer"),
        ("lists: {x: []}\nintents: {start: [go]}\n", "lists.x", "non-empty list"),
        ("safety: {pause: {keywords: [wait]}}\nintents: {start: [go]}\n", "safety.pause",
         "only"),
        ("safety: {pain: {keywords: []}}\nintents: {start: [go]}\n", "safety.pain.keywords",
         "non-empty list"),
        ("safety: {pain: {keywords: ['[ow]']}}\nintents: {start: [go]}\n",
         "safety.pain.keywords[0]", "empty sentence"),
        ("safety: {pain: {keywords: [ow], words: [x]}}\nintents: {start: [go]}\n",
         "safety.pain.words", "unknown field"),
        ("negation: {window: 9}\nintents: {start: [go]}\n", "negation.window", "0 to 5"),
        ("told_about: {window: 0, persons: [he], speaker: [i]}\nintents: {start: [go]}\n",
         "told_about.window", "1 to 8"),
        ("told_about: {persons: [he], speaker: [i], who: [x]}\nintents: {start: [go]}\n",
         "told_about.who", "unknown field"),
        ("told_about: {persons: [his mum], speaker: [i]}\nintents: {start: [go]}\n",
         "told_about.persons[0]", "one lowercase word"),
        ("lists: {x: [his mum]}\ntold_about: {persons: [he, '{x}'], speaker: [i]}\n"
         "intents: {start: [go]}\n", "told_about.persons[1]", "one lowercase word"),
        ("cut_off: {dangling: [the], ends: [a]}\nintents: {start: [go]}\n",
         "cut_off.ends", "unknown field"),
        ("cut_off: {bare_questions: {again: [what]}}\nintents: {start: [go]}\n",
         "cut_off.bare_questions.again", "unknown intent"),
        ("cut_off: {dangling: [the end]}\nintents: {start: [go]}\n", "cut_off.dangling[0]",
         "one lowercase word"),
        ("told_about: {persons: [he]}\nintents: {start: [go]}\n", "told_about.speaker",
         "non-empty list"),
        ("negation: {words: [Not]}\nintents: {start: [go]}\n", "negation.words[0]",
         "one lowercase word"),
        ("fillers: {middle: [um]}\nintents: {start: [go]}\n", "fillers.middle", "unknown field"),
        ("spellings: {im: I'm}\nintents: {start: [go]}\n", "spellings.im", "lowercase"),
        ("keywords: {stretch: {go: 1}}\nintents: {start: [go]}\n", "keywords.stretch",
         "unknown intent"),
        ("keywords: {yes: {sure: 1}}\nintents: {start: [go]}\n", "keywords.True",
         "quote the intent name"),
        ("keywords: {pain: {ouch: 3}}\nintents: {start: [go]}\n", "keywords.pain",
         "safety section"),
        ("keywords: {start: [go]}\nintents: {start: [go]}\n", "keywords.start", "mapping"),
        ("keywords: {\"yes\": {yes: 3}}\nintents: {start: [go]}\n", "keywords.yes.True",
         "quote the keyword"),
        ("keywords: {start: {go: 0}}\nintents: {start: [go]}\n", "keywords.start.go",
         "above 0"),
        ("keywords: {start: {go: 9}}\nintents: {start: [go]}\n", "keywords.start.go",
         "at most"),
        ("keywords: {start: {go: true}}\nintents: {start: [go]}\n", "keywords.start.go",
         "a weight"),
        ("keywords: {start: {go: x}}\nintents: {start: [go]}\n", "keywords.start.go",
         "a weight"),
        ("keywords: {start: {'(go': 1}}\nintents: {start: [go]}\n", "keywords.start.(go",
         "missing ')'"),
        ("keywords: {start: {'[go]': 1}}\nintents: {start: [go]}\n", "keywords.start.[go]",
         "empty sentence"),
        ("keywords: {start: {go: 1, '(go|begin)': 2}}\nintents: {start: [go]}\n",
         "keywords.start.(go|begin)", "listed twice"),
        # issue 16: the classifier's none sentences and the sound-alike table
        ("out_of_domain: [Play Jazz]\nintents: {start: [go]}\n", "out_of_domain[0]",
         "lowercase words"),
        ("out_of_domain: [play jazz, go]\nintents: {start: [go]}\n", "out_of_domain[1]",
         "a phrase of start"),
        ("out_of_domain: play jazz\nintents: {start: [go]}\n", "out_of_domain",
         "non-empty list"),
        ("soundalike: {words: [go], safety_words: [], sounds_like: {gho: stop}}\n"
         "intents: {start: [go]}\n", "sounds_like.gho", "not one of the words meant"),
        ("soundalike: {words: [stop], safety_words: [], sounds_like: {gho: stop}}\n"
         "intents: {start: [go]}\n", "sounds_like.gho", "not one of the words meant"),
        ("soundalike: {words: [go], safety_words: [], sounds_like: {Gho: go}}\n"
         "intents: {start: [go]}\n", "sounds_like.Gho", "one lowercase word"),
        ("soundalike: {words: go, safety_words: [], sounds_like: {}}\n"
         "intents: {start: [go]}\n", "words", "a list of words"),
        ("soundalike: {words: [go]}\nintents: {start: [go]}\n", "sounds_like", "a mapping"),
        # stop 22: mentions of safety words and the word lists of containment
        ("mentions: ['(spell']\nintents: {start: [go]}\n", "mentions[0]", "missing ')'"),
        ("mentions: spell\nintents: {start: [go]}\n", "mentions", "non-empty list"),
        ("containment: {starts: [i]}\nintents: {start: [go]}\n", "containment.starts",
         "unknown field"),
        ("containment: {clause_starts: [I'm]}\nintents: {start: [go]}\n",
         "containment.clause_starts[0]", "one lowercase word"),
        ("containment: {bound_after: [on]}\nintents: {start: [go]}\n",
         "containment.bound_after[0]", "non-empty string"),
    ],
)  # fmt: skip
def test_loader_errors_name_file_and_key(
    tmp_path: Path, text: str, key: str | None, problem: str
) -> None:
    error = _load_error(tmp_path, text)
    assert error.key == key
    assert problem in error.problem
    if key:
        assert key in str(error)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    with pytest.raises(DataError, match="file not found") as info:
        intent_data.read(path)
    assert info.value.source == str(path)


def test_missing_intents_section(tmp_path: Path) -> None:
    assert _load_error(tmp_path, "lists: {}\n").key == "intents"


def test_undecodable_file(tmp_path: Path) -> None:
    path = tmp_path / "intents.yaml"
    path.write_bytes(b"intents: {start: [\xff]}\n")
    with pytest.raises(DataError, match="cannot read"):
        intent_data.read(path)
