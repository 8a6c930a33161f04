"""A known phrase at either end of a longer sentence: "hang on, the kettle's boiling".

People wrap a command in chatter ("whoa there, slow it down", "give me a moment, i need to tie
my shoe"), and the words the data does not know weigh against every intent, so the sentence as a
whole matches nothing. :meth:`Containment.parts` finds the phrases (or their cores, fillers
dropped) that a sentence starts or ends with; :mod:`voicecoach.nlu.matcher` then keeps one only
if the rest of the sentence does not mean another intent. What makes a phrase stand alone:

- at the start, the rest begins a clause of its own (a word of the data's ``clause_starts``:
  "i'm", "let", "someone's"), so "pause the tv" and "skip this song" (an object follows) are
  not commands; or the rest means the same intent ("keep going, carry on");
- at the end, the phrase has two words or more, and the word before it does not bind it into
  a bigger clause (``bound_after``: "to", "will", a preposition, a negation: "tell him to
  slow down", "i'll be back in a minute");
- a one-word phrase carries a sentence only at its start, and only if a keyword of weight
  :data:`STRONG` says it is its intent on its own ("pause", "skip"; not "next", "help").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

STRONG = 3.0
"""Keyword weight that lets a one-word phrase stand for a whole sentence's intent."""


@dataclass(frozen=True, slots=True)
class Part:
    """A phrase at one end of a sentence."""

    intent: str
    size: int
    """How many of the sentence's words the phrase covers."""
    rest: str
    """The rest of the sentence."""
    detached: bool
    """Whether the rest stands apart from the phrase (see the module doc)."""


@dataclass(frozen=True, slots=True)
class Containment:
    """The phrases a sentence may start or end with (see the module doc)."""

    phrases: Mapping[str, str]
    """Phrase, or the core of one (fillers dropped, :meth:`~voicecoach.nlu.rules.Fillers.core`)
    that is no phrase itself, → intent; a form two intents share is left out."""
    strong: frozenset[str]
    """One-word phrases that may stand for a sentence."""
    clause_starts: frozenset[str]
    bound_after: frozenset[str]

    @classmethod
    def build(
        cls,
        sentences: Mapping[str, Iterable[str]],
        core: Callable[[str], str],
        keywords: Mapping[str, Mapping[str, float]],
        clause_starts: Iterable[str],
        bound_after: Iterable[str],
    ) -> Containment:
        phrases = _owned({i: list(found) for i, found in sentences.items()})
        cores = _owned({i: [form for s in found if _keeps(s, form := core(s), keywords.get(i, {}))]
                        for i, found in sentences.items()})
        phrases |= {form: i for form, i in cores.items() if form and form not in phrases}
        strong = frozenset(
            word for word, intent in phrases.items()
            if " " not in word and keywords.get(intent, {}).get(word, 0.0) >= STRONG
        )  # fmt: skip
        return cls(phrases, strong, frozenset(clause_starts), frozenset(bound_after))

    def parts(self, words: list[str]) -> list[Part]:
        """The longest phrase the sentence starts with and the longest it ends with."""
        return [part for part in (self._head(words), self._tail(words)) if part is not None]

    def _head(self, words: list[str]) -> Part | None:
        for size in range(len(words) - 1, 0, -1):
            intent = self.phrases.get(" ".join(words[:size]))
            if intent is not None and (size > 1 or words[0] in self.strong):
                detached = words[size] in self.clause_starts
                return Part(intent, size, " ".join(words[size:]), detached)
        return None

    def _tail(self, words: list[str]) -> Part | None:
        for start in range(1, len(words) - 1):
            intent = self.phrases.get(" ".join(words[start:]))
            if intent is not None:
                detached = words[start - 1] not in self.bound_after
                return Part(intent, len(words) - start, " ".join(words[:start]), detached)
        return None


def _keeps(sentence: str, form: str, cues: Mapping[str, float]) -> bool:
    """Whether the core ``form`` of ``sentence`` keeps its meaning: the fillers it dropped are
    no cue of the intent ("i feel okay" is no "i feel": "okay" is a filler and a yes)."""
    return not (set(sentence.split()) - set(form.split())) & set(cues)


def _owned(sentences: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """Sentence → the intent holding it, for the sentences only one intent holds."""
    owners: dict[str, set[str]] = {}
    for intent, found in sentences.items():
        for sentence in found:
            owners.setdefault(sentence, set()).add(intent)
    return {sentence: next(iter(i)) for sentence, i in owners.items() if len(i) == 1}
