"""A small text classifier trained at load time on the intent data: the matcher's last step.

:class:`NgramClassifier` is a complement naive Bayes model (Rennie et al. 2003, as in
scikit-learn's ``ComplementNB``) over TF-IDF weighted features: word stems, word pairs and
character n-grams inside words (so "carried" shares most of its features with "carry", and a
typo loses only a few). Its training sentences are the expanded phrases of every intent plus
the data's ``out_of_domain`` sentences as the class ``none``. Training is one pass of counting
(no iteration, no randomness: the same data gives the same model) and takes a few tens of
milliseconds; it needs only numpy.

It is not a safety net: the matcher asks it only after its own steps found nothing, never lets
it pick a safety intent, and accepts its answer only under the conditions in
:mod:`voicecoach.nlu.matcher`.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from voicecoach.nlu.evidence import stem

log = logging.getLogger(__name__)

CHAR_SIZES = (3, 4)
"""Lengths of the character n-grams taken inside each word (padded with spaces)."""
ALPHA = 0.3
"""Additive smoothing of the feature counts."""


def features(text: str) -> list[str]:
    """The features of a normalized sentence: stems, stem pairs and character n-grams."""
    words = text.split()
    stems = [stem(word) for word in words]
    found = [f"w:{s}" for s in stems]
    found += [f"b:{a}_{b}" for a, b in zip(stems, stems[1:], strict=False)]
    for word in words:
        padded = f" {word} "
        for size in CHAR_SIZES:
            found += [f"c:{padded[i:i + size]}" for i in range(len(padded) - size + 1)]
    return found


@dataclass(frozen=True, slots=True)
class Guess:
    """The classifier's answer for one sentence."""

    intent: str
    probability: float
    """0..1, the softmax of the model's scores: a ranking more than a calibrated chance."""
    margin: float
    """How far the best probability is above the second best."""


@dataclass(frozen=True, slots=True)
class NgramClassifier:
    """Complement naive Bayes over TF-IDF n-gram features (see the module doc)."""

    labels: tuple[str, ...]
    index: Mapping[str, int]
    idf: np.ndarray
    weights: np.ndarray
    """Labels × features: the negated log-probabilities of each feature outside the label."""

    @classmethod
    def train(cls, examples: Mapping[str, Sequence[str]]) -> NgramClassifier:
        """A model from label → sentences (normalized text); every label needs a sentence."""
        labels = tuple(label for label, sentences in examples.items() if sentences)
        rows = [(labels.index(label), features(s)) for label in labels for s in examples[label]]
        index: dict[str, int] = {}
        for _, found in rows:
            for feature in found:
                index.setdefault(feature, len(index))
        df = np.zeros(len(index))
        for _, found in rows:
            df[[index[f] for f in set(found)]] += 1
        idf = np.log((1 + len(rows)) / (1 + df)) + 1
        counts = np.zeros((len(labels), len(index)))
        for label, found in rows:
            ids, values = _vector(found, index, idf)
            counts[label, ids] += values
        complement = counts.sum(axis=0) - counts + ALPHA
        weights = -np.log(complement / complement.sum(axis=1, keepdims=True))
        log.debug("classifier: %d sentences, %d features", len(rows), len(index))
        return cls(labels, index, idf, weights)

    def guess(self, text: str, allowed: frozenset[str] | None = None) -> Guess:
        """The most likely label of ``text`` among ``allowed`` (all labels when None)."""
        ids, values = _vector(features(text), self.index, self.idf)
        scores = self.weights[:, ids] @ values if len(ids) else np.zeros(len(self.labels))
        if allowed is not None:
            mask = np.array([label in allowed for label in self.labels])
            scores = np.where(mask, scores, -np.inf)
        exp = np.exp(scores - np.max(scores))
        probs = exp / exp.sum()
        order = np.argsort(-probs, kind="stable")
        second = float(probs[order[1]]) if len(order) > 1 else 0.0
        best = float(probs[order[0]])
        return Guess(self.labels[int(order[0])], best, best - second)


def _vector(found: Sequence[str], index: Mapping[str, int], idf: np.ndarray) -> tuple[
    np.ndarray, np.ndarray
]:
    """The known features of one sentence as ids and L2-normalized TF-IDF values."""
    counts: dict[int, int] = {}
    for feature in found:
        at = index.get(feature)
        if at is not None:
            counts[at] = counts.get(at, 0) + 1
    ids = np.fromiter(counts, dtype=np.intp, count=len(counts))
    values = np.array([1.0 + math.log(c) for c in counts.values()]) * idf[ids]
    norm = float(np.linalg.norm(values))
    return ids, values / norm if norm else values
