"""Sentence templates, a small subset of hassil's syntax.

- ``(a|b|c)`` one of the alternatives (an alternative may be empty: ``(a|)``),
- ``[a|b]`` optional: one of the alternatives or nothing,
- ``{name}`` one of the sentences of the list ``name`` (lists are given by the caller),
- anything else is a word: lowercase letters and apostrophes only (spell numbers out).

Words and groups are separated by spaces; a group glued to a word (``twist(s)``) is an error.
A template is parsed once into a tree of frozen nodes, then expanded into every sentence it
stands for, counted, or compiled into a regular expression that finds it inside a sentence.
Errors are :class:`ValueError` with the position; the loader turns them into ``DataError``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_WORD_RE = re.compile(r"[a-z']+")
_LIST_NAME_RE = re.compile(r"[a-z_][a-z0-9_]*")
_CLOSERS = {"(": ")", "[": "]"}


@dataclass(frozen=True, slots=True)
class Word:
    text: str


@dataclass(frozen=True, slots=True)
class Seq:
    """Its items one after the other, separated by spaces."""

    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Alt:
    """Exactly one of its options (an empty ``Seq`` makes it optional)."""

    options: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ListRef:
    name: str


Node = Word | Seq | Alt | ListRef
Lists = Mapping[str, Sequence[str]]


class _Parser:
    """Recursive descent over the characters of one template."""

    def __init__(self, template: str) -> None:
        self.text = template
        self.pos = 0

    def error(self, problem: str, pos: int | None = None) -> ValueError:
        at = self.pos if pos is None else pos
        return ValueError(f"{problem} at position {at} in template {self.text!r}")

    def parse(self) -> Node:
        node = self.alternatives(closer=None)
        if self.pos < len(self.text):
            raise self.error(f"unexpected {self.text[self.pos]!r}")
        return node

    def alternatives(self, closer: str | None) -> Node:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        if closer is not None and self.peek() != closer:
            raise self.error(f"missing {closer!r}")
        return options[0] if len(options) == 1 else Alt(tuple(options))

    def sequence(self) -> Seq:
        items: list[Node] = []
        while (char := self.peek()) not in ("", "|", ")", "]"):
            if char.isspace():
                self.pos += 1
                continue
            if items and self.text[self.pos - 1] in ")]}":
                raise self.error("put a space between a word and a group")
            items.append(self.item(char))
        return Seq(tuple(items))

    def item(self, char: str) -> Node:
        start = self.pos
        if char in _CLOSERS:
            self.pos += 1
            inner = self.alternatives(closer=_CLOSERS[char])
            self.pos += 1
            if _is_empty(inner) and char == "(":
                raise self.error("empty group", start)
            return Alt((inner, Seq(()))) if char == "[" else inner
        if char == "{":
            return self.list_ref()
        match = _WORD_RE.match(self.text, self.pos)
        if match is None:
            hint = " (spell numbers out)" if char.isdigit() else ""
            raise self.error(f"unexpected {char!r}{hint}")
        self.pos = match.end()
        if self.peek() in ("(", "[", "{"):
            raise self.error("put a space between a word and a group")
        return Word(match.group())

    def list_ref(self) -> ListRef:
        start = self.pos
        end = self.text.find("}", start)
        if end < 0:
            raise self.error("missing '}'")
        name = self.text[start + 1 : end]
        if not _LIST_NAME_RE.fullmatch(name):
            raise self.error(f"bad list name {name!r}", start)
        self.pos = end + 1
        return ListRef(name)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""


def _is_empty(node: Node) -> bool:
    return isinstance(node, Seq) and not node.items


def parse(template: str) -> Node:
    """Parse ``template`` into a tree; raise ``ValueError`` naming the position on bad syntax."""
    return _Parser(template).parse()


def list_names(node: Node) -> set[str]:
    """Every list the template refers to."""
    if isinstance(node, ListRef):
        return {node.name}
    children = (
        node.items if isinstance(node, Seq) else node.options if isinstance(node, Alt) else ()
    )
    return set().union(*(list_names(child) for child in children))


def first_words(node: Node, lists: Lists | None = None) -> set[str]:
    """Every word a sentence of the template can start with (a cheap prefilter)."""
    if isinstance(node, Word):
        return {node.text}
    if isinstance(node, Alt):
        return set().union(*(first_words(option, lists) for option in node.options))
    if isinstance(node, ListRef):
        return {value.split()[0] for value in _list_values(node, lists)}
    words: set[str] = set()
    for item in node.items:
        words |= first_words(item, lists)
        if not _nullable(item):
            break
    return words


def count(node: Node, lists: Lists | None = None) -> int:
    """How many sentences (duplicates included) the template expands to, without expanding it."""
    if isinstance(node, Word):
        return 1
    if isinstance(node, Seq):
        return math.prod(count(item, lists) for item in node.items)
    if isinstance(node, Alt):
        return sum(count(option, lists) for option in node.options)
    return len(_list_values(node, lists))


def _word_tuples(node: Node, lists: Lists | None) -> list[tuple[str, ...]]:
    if isinstance(node, Word):
        return [(node.text,)]
    if isinstance(node, Seq):
        parts = [_word_tuples(item, lists) for item in node.items]
        return [tuple(itertools.chain(*combo)) for combo in itertools.product(*parts)]
    if isinstance(node, Alt):
        return [words for option in node.options for words in _word_tuples(option, lists)]
    return [tuple(value.split()) for value in _list_values(node, lists)]


def _list_values(node: ListRef, lists: Lists | None) -> Sequence[str]:
    if lists is None or node.name not in lists:
        raise ValueError(f"unknown list {{{node.name}}}")
    return lists[node.name]


def expand(template: str, lists: Lists | None = None, limit: int = 5000) -> tuple[str, ...]:
    """Every distinct sentence ``template`` stands for, in template order.

    Raise ``ValueError`` on bad syntax, an unknown list, an empty sentence among the
    expansions, or more than ``limit`` expansions (a typo can multiply a template).
    """
    node = parse(template)
    total = count(node, lists)
    if total > limit:
        raise ValueError(f"template {template!r} expands to {total} sentences (limit {limit})")
    sentences = dict.fromkeys(" ".join(words) for words in _word_tuples(node, lists))
    if "" in sentences:
        raise ValueError(f"template {template!r} can expand to an empty sentence")
    return tuple(sentences)


def to_regex(template: str, lists: Lists | None = None) -> str:
    """A regular expression that finds the template's sentences inside a sentence.

    It is meant for text in the form ``" " + " ".join(words) + " "``: every word of the
    pattern carries its trailing space and a look-behind asks for a space before it, so a
    match always covers whole words.
    """
    node = parse(template)
    if _nullable(node):
        raise ValueError(f"template {template!r} can match an empty sentence")
    return "(?<= )" + _regex(node, lists)


def _nullable(node: Node) -> bool:
    """True when the node can stand for no words at all."""
    if isinstance(node, Seq):
        return all(_nullable(item) for item in node.items)
    if isinstance(node, Alt):
        return any(_nullable(option) for option in node.options)
    return False


def _regex(node: Node, lists: Lists | None) -> str:
    if isinstance(node, Word):
        return re.escape(node.text) + " "
    if isinstance(node, Seq):
        return "".join(_regex(item, lists) for item in node.items)
    if isinstance(node, Alt):
        return "(?:" + "|".join(_regex(option, lists) for option in node.options) + ")"
    values = _list_values(node, lists)
    return "(?:" + "|".join(re.escape(value) + " " for value in values) + ")"
