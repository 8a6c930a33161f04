"""The words a recognizer is biased towards, taken from the intent phrase data.

Whisper reads a *prompt* (text it takes as what was said just before) and leans towards its
words and style: the coach's own short phrases turn "spot right now" back into "stop right
now". The prompt is built from the phrase data (``intents/<lang>/intents.yaml`` expanded):
per intent the sentence the data writes first and its shortest, never a list in code. The
intents the coach is waiting for, then the halting ones (stop, pain, dizzy: never to be missed),
go last, with more examples, next to the speech, where Whisper weighs the prompt most.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from voicecoach.nlu.rules import HALTING

PREFERRED_EXTRA = 2
"""More sentences (the data's next ones) for the intents the coach is waiting for."""
SHARED = 0.25
"""A word in the phrases of more than this share of the intents is grammar, not a cue."""


def prompt_text(
    phrases: Mapping[str, Iterable[str]], prefer: frozenset[str] = frozenset()
) -> str:
    """``"Start the back twist. Start. … Stop it right now. Stop. Halt."``"""
    weighed = prefer | HALTING
    order = sorted(phrases, key=lambda intent: (intent in weighed, intent in HALTING, intent))
    picked: list[str] = []
    for intent in order:
        picked += examples(phrases[intent], PREFERRED_EXTRA if intent in weighed else 0)
    return " ".join(sentence_case(s) for s in dict.fromkeys(picked))


def shared_words(phrases: Mapping[str, Iterable[str]], share: float = SHARED) -> frozenset[str]:
    """The words the phrases of many intents use ("i", "i'm", "my", "the", "how"): they tell
    no intent from another, and Whisper writes them for any sound."""
    counts = Counter(w for sentences in phrases.values()
                     for w in {w for s in sentences for w in s.split()})
    return frozenset(w for w, n in counts.items() if n > share * len(phrases))


def halting_words(phrases: Mapping[str, Iterable[str]], shared: frozenset[str]) -> frozenset[str]:
    """The words of the halting intents' phrases that are no grammar (:func:`shared_words`):
    "dizzy", "stop", "hurts"."""
    return frozenset(w for intent in HALTING for s in phrases.get(intent, ())
                     for w in s.split()) - shared


def cues(words: list[str], shared: frozenset[str]) -> list[str]:
    """The words of ``words`` that could tell an intent (all of them if none could)."""
    return [w for w in words if w not in shared] or words


def examples(sentences: Iterable[str], extra: int = 0) -> list[str]:
    """The first sentence, the shortest, and ``extra`` more in the data's order."""
    distinct = list(dict.fromkeys(" ".join(s.split()) for s in sentences if s.strip()))
    if not distinct:
        return []
    short = min(distinct, key=lambda s: (len(s.split()), len(s)))
    return list(dict.fromkeys([distinct[0], short, *distinct[1 : 1 + extra]]))


def sentence_case(sentence: str) -> str:
    """``"i feel dizzy"`` -> ``"I feel dizzy."``"""
    words = [("I" + w[1:] if w == "i" or w.startswith("i'") else w) for w in sentence.split()]
    text = " ".join(words)
    return text[:1].upper() + text[1:] + "."
