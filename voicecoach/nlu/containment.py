"""A known phrase at either end of a longer sentence: "hang on, the kettle's boiling".

People wrap a command in chatter ("whoa there, slow it down", "give me a moment, i need to tie
my shoe"), and the words the data does not know weigh against every intent, so the sentence as a
whole matches nothing. :meth:`Containment.parts` finds the phrases (or their cores, fillers
dropped) that a sentence starts or ends with; :mod:`voicecoach.nlu.matcher` then keeps one only
if the rest of the sentence does not mean another intent. What makes a phrase stand alone:

- at the start, the rest begins a clause of its own, so "pause the tv" and "skip this song" (an
  object follows) are not commands: a word of the data's ``clause_starts`` ("i'm", "let",
  "someone's"), or a subject (``subjects``: "the", "my") with a verb (``verbs``; a contracted
  one by its ending) in the next :data:`SUBJECT_WORDS` words ("wait a minute, the kettle's
  boiling", "time out, my phone is ringing"); or the rest means the same intent ("keep going,
  carry on"). The phrase there may also be any sentence the matcher takes surely on its own
  (an exact phrase, or keywords that explain all of it: "time out", "pause for a sec"), or,
  of :data:`CLOSE_WORDS` or more, one close to a phrase ("can you pause it for a bit,
  someone's at the door");
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
SUBJECT_WORDS = 3
"""How far after a subject's first word its verb may come ("the door bell is going")."""
CLOSE_WORDS = 3
"""Words a start before a clause of its own needs to be taken for a phrase it is only close to
("will this take long, i have a meeting"): "next week" is close to "next one"."""


Alone = Callable[[str], "str | None"]
"""Words → the intent they mean on their own, surely, or None."""


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
class ClauseWords:
    """The data's words that tell where a clause of its own begins, or that bind a phrase into
    a bigger one (the ``containment`` section of the phrase data; see the module doc)."""

    starts: frozenset[str] = frozenset()
    """Words that begin a clause of their own ("i'm", "let")."""
    subjects: frozenset[str] = frozenset()
    """Words that begin a subject ("the", "my"), a clause if its verb follows."""
    verbs: frozenset[str] = frozenset()
    """The verbs (and endings of contracted ones: "s" of "kettle's") after a subject."""
    bound_after: frozenset[str] = frozenset()
    """Words that bind the phrase after them into a bigger clause ("to", "will", negations)."""


@dataclass(frozen=True, slots=True)
class Containment:
    """The phrases a sentence may start or end with (see the module doc)."""

    phrases: Mapping[str, str]
    """Phrase, or the core of one (fillers dropped, :meth:`~voicecoach.nlu.rules.Fillers.core`)
    that is no phrase itself, → intent; a form two intents share is left out."""
    strong: frozenset[str]
    """One-word phrases that may stand for a sentence."""
    clauses: ClauseWords = ClauseWords()

    @classmethod
    def build(
        cls,
        sentences: Mapping[str, Iterable[str]],
        core: Callable[[str], str],
        keywords: Mapping[str, Mapping[str, float]],
        clauses: ClauseWords = ClauseWords(),
    ) -> Containment:
        phrases = _owned({i: list(found) for i, found in sentences.items()})
        cores = _owned({i: [form for s in found if _keeps(s, form := core(s), keywords.get(i, {}))]
                        for i, found in sentences.items()})
        phrases |= {form: i for form, i in cores.items() if form and form not in phrases}
        strong = frozenset(
            word for word, intent in phrases.items()
            if " " not in word and keywords.get(intent, {}).get(word, 0.0) >= STRONG
        )  # fmt: skip
        return cls(phrases, strong, clauses)

    def parts(
        self, words: list[str], alone: Alone = lambda _: None, close: Alone = lambda _: None
    ) -> list[Part]:
        """The longest phrase the sentence starts with and the longest it ends with; at the
        start, ``alone`` names the intent of a few words taken surely on their own, if any,
        and ``close`` that of a phrase they are close to, before a clause of its own."""
        head = self._head(words, alone, close)
        return [part for part in (head, self._tail(words)) if part is not None]

    def _head(self, words: list[str], alone: Alone, close: Alone) -> Part | None:
        """The longest phrase before a clause of its own, else the longest phrase."""
        longest = None
        for size in range(len(words) - 1, 0, -1):
            detached = self._clause(words[size:])
            intent = self._head_intent(words[:size], alone, close if detached else None)
            if intent is None:
                continue
            part = Part(intent, size, " ".join(words[size:]), detached)
            if part.detached:
                return part
            longest = longest or part
        return longest

    def _head_intent(self, head: list[str], alone: Alone, close: Alone | None) -> str | None:
        if len(head) == 1:
            return self.phrases.get(head[0]) if head[0] in self.strong else None
        text = " ".join(head)
        if text in self.phrases:
            return self.phrases[text]
        if head[-1] in self.clauses.bound_after:
            return None  # "how long do | i boil an egg": words ending so go on into the rest
        found = alone(text)
        if found is None and close is not None and len(head) >= CLOSE_WORDS:
            found = close(text)
        return found

    def _clause(self, words: list[str]) -> bool:
        """Whether ``words`` begin a clause of their own (see the module doc)."""
        clauses = self.clauses
        if words[0] in clauses.starts:
            return True
        return words[0] in clauses.subjects and any(
            word.rpartition("'")[2] in clauses.verbs for word in words[1:SUBJECT_WORDS + 1]
        )

    def _tail(self, words: list[str]) -> Part | None:
        for start in range(1, len(words) - 1):
            intent = self.phrases.get(" ".join(words[start:]))
            if intent is not None:
                detached = words[start - 1] not in self.clauses.bound_after
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
