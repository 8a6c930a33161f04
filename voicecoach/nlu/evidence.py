"""Word evidence: which intent the words of a sentence point to, phrase by phrase or in sum.

Two scorers, both built from the expanded phrases of :mod:`voicecoach.nlu.matcher`:

- :class:`PhraseIndex` compares the sentence with each phrase as a bag of words (IDF-weighted
  cosine, best phrase per intent). It backs the fuzzy stages: a sentence close to one phrase.
- :class:`WordEvidence` asks, word by word, which intents each word speaks for, and how much of
  the sentence an intent explains. A word's weight for an intent comes from the phrases (its
  inverse frequency over intents: "long" is only in ``ask_duration``, "how" is everywhere)
  or from the data's ``keywords`` (words and word pairs with a weight: "precautions",
  "too fast", "left off"), whichever is larger. A word nothing speaks for ("weather",
  "cookie") weighs against every intent, so chatter about something else scores low.

Neither knows about safety words: the matcher checks those first.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

NEGLIGIBLE = 0.1
"""Phrase index: word weights below this are left out of the sums (they barely count)."""
COMMON_WEIGHT = 0.5
"""Weight of an everyday word (the data's ``common_words``) in either scorer."""
SHARPNESS = 1.5
"""Word evidence: how fast a phrase word's weight falls with the number of intents holding it."""
UNKNOWN_FACTOR = 1.5
"""Word evidence: weight of a word nothing speaks for, relative to a word of one intent."""
ANCHOR = 2.0
"""Word evidence: an intent is a candidate only if its keywords found weigh this much ..."""
MIN_SUPPORT = 2.5
"""... and it is chosen only if its words weigh this much in all ..."""
MIN_COVERAGE = 0.6
"""... explain at least this share of the sentence's word weight ..."""
MIN_LEAD = 0.15
"""... with at least this lead (in share) over the second-best candidate."""


def stem(word: str) -> str:
    """A crude stem, enough to let "reps" meet "rep" and "it's" meet "it"."""
    word = word.removesuffix("'s")
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _idf(phrases: Mapping[str, Iterable[str]]) -> tuple[dict[str, set[str]], int]:
    """Which intents hold each stem, and the number of intents plus one."""
    owners: dict[str, set[str]] = {}
    for intent, sentences in phrases.items():
        for sentence in sentences:
            for word in sentence.split():
                owners.setdefault(stem(word), set()).add(intent)
    return owners, len(phrases) + 1


@dataclass(frozen=True, slots=True)
class PhraseIndex:
    """Cosine of IDF-weighted word sets, best phrase per intent.

    A word's weight is its squared inverse frequency over intents ("pause" is strong, "the"
    is not); a word no phrase holds ("weather") weighs as much as the rarest known word times
    ``unknown_factor``, so a sentence about something else scores low.
    """

    weights: Mapping[str, float]
    postings: Mapping[str, tuple[int, ...]]
    bags: tuple[tuple[str, float], ...]
    unknown: float
    common: frozenset[str]
    """Everyday words no phrase holds ("as", "if", "still"): light, not evidence of a topic."""

    @classmethod
    def build(
        cls, phrases: Mapping[str, tuple[str, ...]], unknown_factor: float, common: Iterable[str]
    ) -> PhraseIndex:
        bag_sets = list(dict.fromkeys(
            (intent, frozenset(stem(w) for w in sentence.split()))
            for intent, sentences in phrases.items()
            for sentence in sentences
        ))  # fmt: skip
        owners, n = _idf(phrases)
        weights = {s: math.log(n / len(intents)) ** 2 for s, intents in owners.items()}
        postings: dict[str, list[int]] = {}
        for index, (_, stems) in enumerate(bag_sets):
            for s in stems:
                postings.setdefault(s, []).append(index)
        return cls(
            weights=weights,
            postings={s: tuple(ids) for s, ids in postings.items()},
            bags=tuple((i, sum(weights[s] for s in stems)) for i, stems in bag_sets),
            unknown=(math.log(n) * unknown_factor) ** 2,
            common=frozenset(map(stem, common)) - weights.keys(),
        )

    def knows(self, word: str) -> bool:
        return stem(word) in self.weights or stem(word) in self.common

    def weight(self, s: str) -> float:
        known = self.weights.get(s)
        if known is not None:
            return known
        return COMMON_WEIGHT if s in self.common else self.unknown

    def scores(self, words: Iterable[str]) -> dict[str, float]:
        """Best cosine (0..1) per intent that shares at least one word with ``words``."""
        stems = set(map(stem, words))
        query = sum(map(self.weight, stems))
        dots: dict[int, float] = {}
        for s in stems & self.weights.keys():
            weight = self.weights[s]
            if weight < NEGLIGIBLE:
                continue  # "i", "the": in nearly every intent, long postings, no evidence
            for index in self.postings[s]:
                dots[index] = dots.get(index, 0.0) + weight
        best: dict[str, float] = {}
        for index, dot in dots.items():
            intent, norm = self.bags[index]
            score = dot / math.sqrt(query * norm) if query and norm else 0.0
            if score > best.get(intent, 0.0):
                best[intent] = score
        return best


def _learned(holders: int, n: int, everyday: bool) -> float:
    """What a phrase word says for each of the ``holders`` intents whose phrases hold it:
    ``log(n)`` if one intent holds it, falling steeply (:data:`SHARPNESS`) as more do. An
    everyday word (the data's ``common_words``) says little however rare it is in the phrases
    ("will" happens to be in one intent's phrases only)."""
    top = math.log(n)
    weight = top * (math.log(n / holders) / top) ** SHARPNESS
    return min(weight, COMMON_WEIGHT) if everyday else weight


@dataclass(frozen=True, slots=True)
class Cue:
    """A keyword (one word or a few in a row, stemmed) and the intent it speaks for."""

    stems: tuple[str, ...]
    intent: str
    weight: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of :meth:`WordEvidence.decide`."""

    intent: str | None
    """The intent the words point to, or None when they point nowhere clearly."""
    coverage: float
    """0..1: the share of the sentence's word weight the best intent explains."""


@dataclass(frozen=True, slots=True)
class WordEvidence:
    """How much of a sentence each intent explains, word by word (see the module doc)."""

    learned: Mapping[str, Mapping[str, float]]
    """Stem → intent → weight, from the phrases."""
    cues: Mapping[str, tuple[Cue, ...]]
    """First stem → the keywords starting with it."""
    common: frozenset[str]
    unknown: float

    @classmethod
    def build(
        cls,
        phrases: Mapping[str, Iterable[str]],
        keywords: Mapping[str, Mapping[str, float]],
        common: Iterable[str] = (),
    ) -> WordEvidence:
        """``keywords``: intent → {one or a few words: weight}; ``common``: everyday words."""
        owners, n = _idf(phrases)
        everyday = frozenset(map(stem, common))
        learned = {
            s: dict.fromkeys(intents, _learned(len(intents), n, s in everyday))
            for s, intents in owners.items()
        }
        cues: dict[str, list[Cue]] = {}
        for intent, table in keywords.items():
            for words, weight in table.items():
                stems = tuple(map(stem, words.split()))
                cues.setdefault(stems[0], []).append(Cue(stems, intent, weight))
        return cls(
            learned=learned,
            cues={first: tuple(found) for first, found in cues.items()},
            common=everyday,
            unknown=math.log(n) * UNKNOWN_FACTOR,
        )

    def weigh(self, words: Iterable[str]) -> tuple[list[dict[str, float]], float, set[str]]:
        """Per word, what it says for each intent (the larger of its phrase weight and the
        weight of a keyword it is part of); the sentence's total word weight; and the
        candidates: intents whose keywords found weigh at least :data:`ANCHOR` together."""
        stems = [stem(word) for word in words]
        given = [dict(self.learned.get(s, {})) for s in stems]
        cued: dict[str, float] = {}
        for start, first in enumerate(stems):
            for cue in self.cues.get(first, ()):
                end = start + len(cue.stems)
                if tuple(stems[start:end]) != cue.stems:
                    continue
                cued[cue.intent] = cued.get(cue.intent, 0.0) + cue.weight
                for position in range(start, end):
                    known = given[position].get(cue.intent, 0.0)
                    given[position][cue.intent] = max(known, cue.weight)
        total = sum(self._mass(s, found) for s, found in zip(stems, given, strict=True))
        return given, total, {i for i, w in cued.items() if w >= ANCHOR}

    def _mass(self, s: str, found: Mapping[str, float]) -> float:
        """A word's weight in the sentence: the most it says for any intent."""
        if found:
            return max(found.values())
        return COMMON_WEIGHT if s in self.common else self.unknown

    def scores(self, words: Iterable[str]) -> dict[str, tuple[float, float]]:
        """Candidate intent → (summed weight its words give it, share of the sentence's)."""
        given, total, candidates = self.weigh(words)
        support: dict[str, float] = {}
        for found in given:
            for intent, weight in found.items():
                if intent in candidates:
                    support[intent] = support.get(intent, 0.0) + weight
        return {i: (s, s / total) for i, s in support.items()}

    def decide(self, words: Iterable[str], allowed: Collection[str]) -> Verdict:
        """The intent among ``allowed`` that the words clearly point to, if any."""
        ranked = sorted(
            ((share, weight, intent)
             for intent, (weight, share) in self.scores(words).items()
             if intent in allowed),
            reverse=True,
        )  # fmt: skip
        if not ranked:
            return Verdict(None, 0.0)
        share, weight, intent = ranked[0]
        second = ranked[1][0] if len(ranked) > 1 else 0.0
        if weight >= MIN_SUPPORT and share >= MIN_COVERAGE and share - second >= MIN_LEAD:
            return Verdict(intent, share)
        return Verdict(None, share)
