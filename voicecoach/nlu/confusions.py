"""Recognizer slips learnt from recordings: the word a recognizer wrote for a word that matters.

A sentence said and the sentence heard are aligned word by word (:func:`slips`); where one word
stands in for one other ("pick up the paste" for "pick up the pace"), and the word said is one
of the words that matter (the lists of ``soundalike.yaml``), that is a slip. :func:`learn` keeps
a slip only when the evidence is broad: seen at least ``min_count`` times, from at least
``min_sources`` different voices (one voice's accent is not a rule), the word heard unknown to
the phrase data (the matcher respells only unknown words) and standing for one word only.

What it learns from decides what it can fit. ``python -m voicecoach.bench confusions`` feeds it
the development tables (``benchmarks/dev``), spoken by voices neither the benchmarks nor the
tests use: never the benchmark's phrases or voices. The table goes into ``soundalike.yaml`` as
``heard_as``, used exactly like the sound-alikes (a sentence is respelled only when it matched
nothing as written, and a halting keyword found that way does not halt).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from voicecoach.nlu.rules import normalize

Slip = tuple[str, str]
"""(word heard, word said)."""


def slips(said: str, heard: str) -> list[Slip]:
    """The one-for-one word substitutions that turn ``said`` into ``heard``."""
    want, got = normalize(said).split(), normalize(heard).split()
    found: list[Slip] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(a=want, b=got, autojunk=False).get_opcodes():
        if op == "replace" and i2 - i1 == j2 - j1:
            found += [(h, w) for w, h in zip(want[i1:i2], got[j1:j2], strict=True) if h != w]
    return found


@dataclass
class Evidence:
    """Slips seen so far, with the voices (or other sources) they came from."""

    sources: dict[Slip, set[str]] = field(default_factory=lambda: defaultdict(set))
    counts: dict[Slip, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, source: str, said: str, heard: str) -> None:
        for slip in slips(said, heard):
            self.counts[slip] += 1
            self.sources[slip].add(source)


def learn(
    evidence: Evidence,
    matter: Collection[str],
    known: Callable[[str], bool],
    min_count: int = 2,
    min_sources: int = 2,
) -> dict[str, str]:
    """Heard word -> word meant, from the slips that pass the tests of the module doc."""
    meant: dict[str, set[str]] = defaultdict(set)
    for (heard, said), count in evidence.counts.items():
        if (said in matter and heard.isalpha() and not known(heard) and count >= min_count
                and len(evidence.sources[(heard, said)]) >= min_sources):
            meant[heard].add(said)
    return {heard: next(iter(words)) for heard, words in sorted(meant.items()) if len(words) == 1}


def observed(evidence: Evidence, matter: Collection[str]) -> Iterable[tuple[Slip, int, int]]:
    """Every slip of a word that matters, with its count and number of sources (a report)."""
    for slip, count in sorted(evidence.counts.items(), key=lambda item: -item[1]):
        if slip[1] in matter:
            yield slip, count, len(evidence.sources[slip])
