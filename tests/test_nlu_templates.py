"""Tests of voicecoach.nlu.templates: parsing, expansion, counting and regex compilation."""

from __future__ import annotations

import re

import pytest

from voicecoach.nlu import templates
from voicecoach.nlu.templates import Alt, ListRef, Seq, Word

LISTS = {"part": ("arms", "upper body"), "unit": ("reps", "twists")}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("stop", ("stop",)),
        ("slow   down", ("slow down",)),
        ("(yes|yeah)", ("yes", "yeah")),
        ("[please] stop", ("please stop", "stop")),
        ("stop [it|that]", ("stop it", "stop that", "stop")),
        ("(start|begin) [the] twist", ("start the twist", "start twist", "begin the twist",
                                       "begin twist")),
        ("(a|(b|c) d)", ("a", "b d", "c d")),
        ("[[very] slowly] go", ("very slowly go", "slowly go", "go")),
        ("(go|go)", ("go",)),
        ("what about my {part}", ("what about my arms", "what about my upper body")),
        ("how many {unit} [per side]", ("how many reps per side", "how many reps",
                                        "how many twists per side", "how many twists")),
        ("i'm (ok|fine)", ("i'm ok", "i'm fine")),
        ("go (a|)", ("go a", "go")),
    ],
)  # fmt: skip
def test_expand(template: str, expected: tuple[str, ...]) -> None:
    assert templates.expand(template, LISTS) == expected


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("(a|b", "missing ')'"),
        ("[a", "missing ']'"),
        ("a)", "unexpected ')'"),
        ("a]", "unexpected ']'"),
        ("()", "empty group"),
        ("twist(s)", "put a space"),
        ("(a)b", "put a space"),
        ("a{part}", "put a space"),
        ("do 10 reps", "spell numbers out"),
        ("Stop", "unexpected 'S'"),
        ("stop!", "unexpected '!'"),
        ("{part", "missing '}'"),
        ("{Part}", "bad list name"),
        ("{}", "bad list name"),
        ("{nope}", "unknown list {nope}"),
        ("[a]", "empty sentence"),
        ("a|", "empty sentence"),
        ("", "empty sentence"),
    ],
)
def test_expand_rejects_bad_templates(template: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        templates.expand(template, LISTS)


def test_syntax_error_names_the_position() -> None:
    with pytest.raises(ValueError, match=r"at position 9 in template 'how many 3'"):
        templates.parse("how many 3")


def test_parse_builds_a_tree() -> None:
    assert templates.parse("[a] {part}") == Seq(
        (Alt((Seq((Word("a"),)), Seq(()))), ListRef("part"))
    )


def test_count_does_not_expand() -> None:
    node = templates.parse("(a|b|c) (d|e|f) (g|h|i) (j|k|l) (m|n|o) (p|q|r) (s|t|u) (v|w|x)")
    assert templates.count(node) == 3**8


def test_expand_refuses_too_many_sentences() -> None:
    with pytest.raises(ValueError, match="expands to 6561 sentences"):
        templates.expand("(a|b|c) " * 8, limit=1000)


@pytest.mark.parametrize(
    ("template", "words"),
    [
        ("stop", {"stop"}),
        ("(pass|passing) out", {"pass", "passing"}),
        ("[the] (room|head) [is] spinning", {"the", "room", "head"}),
        ("[very] [much] {part}", {"very", "much", "arms", "upper"}),
    ],
)
def test_first_words(template: str, words: set[str]) -> None:
    assert templates.first_words(templates.parse(template), LISTS) == words


def test_list_names() -> None:
    assert templates.list_names(templates.parse("{part} [({unit}|x)]")) == {"part", "unit"}


@pytest.mark.parametrize(
    ("template", "sentence", "found"),
    [
        ("stop", "please stop now", True),
        ("stop", "stopping now", False),
        ("stop", "nonstop", False),
        ("bus stop", "the bus stop is here", True),
        ("(don't|do not) [ever] stop", "please don't ever stop", True),
        ("(don't|do not) [ever] stop", "do not stop", True),
        ("(don't|do not) [ever] stop", "don't you stop", False),
        ("my {part}", "my upper body hurts", True),
        ("my {part}", "my upper arm", False),
    ],
)
def test_to_regex_finds_whole_words(template: str, sentence: str, found: bool) -> None:
    pattern = re.compile(templates.to_regex(template, LISTS))
    assert bool(pattern.search(" " + sentence + " ")) is found


def test_to_regex_refuses_a_pattern_that_matches_nothing() -> None:
    with pytest.raises(ValueError, match="can match an empty sentence"):
        templates.to_regex("[stop]")
