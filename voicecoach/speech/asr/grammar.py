"""Recognizer grammars built from the intent phrase data, never written by hand.

The phrase file (``intents/<lang>/intents.yaml``, expanded by :class:`IntentMatcher`) is the
one source: every engine constrains itself to the words and sentences in it.

- vosk gets a JSON phrase list (:func:`vosk_grammar`), with ``[unk]`` where the model has it.
- pocketsphinx gets a small trigram language model (:func:`arpa_lm`): the command sentences
  hold most of the probability, and a background of common English words (with their
  general frequencies) holds the rest. A pure grammar forces *some* command onto any sound;
  with the background, out-of-domain speech comes out as ordinary words ("the cat is on the
  sofa"), which the intent matcher then rejects as ``none``.

Words a recognizer cannot pronounce are dropped with one warning (:func:`keep_known`).
"""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping

log = logging.getLogger(__name__)

Phrases = Mapping[str, Iterable[str]]
"""Intent name -> expanded sentences (lowercase words separated by single spaces)."""

UNK = "[unk]"

OUTSIDE_MEAN = frozenset({"ask_progress"})
"""Intents left out of the mean sentence count that sets the model's total count (issue 9:
``ask_progress``, with its few sentences, lowered that mean, so Witten-Bell backed off more and
"i feel dizzy" came out as "i feel really"; left out, the other intents' model is as before
and ``ask_progress`` still gets an intent's usual share)."""


def load_phrases(lang: str = "en") -> dict[str, tuple[str, ...]]:
    """The expanded sentences per intent from the shipped phrase data."""
    from voicecoach.nlu.matcher import IntentMatcher

    return IntentMatcher.load(lang).phrases()


def sentences(phrases: Phrases) -> list[str]:
    """Every distinct sentence, in a stable order."""
    seen: dict[str, None] = {}
    for intent in sorted(phrases):
        for sentence in phrases[intent]:
            text = " ".join(sentence.split())
            if text:
                seen.setdefault(text, None)
    return list(seen)


def vocabulary(phrases: Phrases) -> set[str]:
    return {word for sentence in sentences(phrases) for word in sentence.split()}


def keep_known(
    phrases: Phrases, known: Callable[[str], bool], engine: str
) -> dict[str, tuple[str, ...]]:
    """Drop words ``known`` rejects from every sentence (one warning lists them all).

    A sentence left empty is dropped; duplicates made by dropping words are merged.
    """
    unknown = sorted(word for word in vocabulary(phrases) if not known(word))
    if unknown:
        log.warning(
            "%s cannot say %d phrase words, dropped: %s", engine, len(unknown), " ".join(unknown)
        )
    drop = set(unknown)
    kept: dict[str, tuple[str, ...]] = {}
    for intent in sorted(phrases):
        out: dict[str, None] = {}
        for sentence in phrases[intent]:
            text = " ".join(w for w in sentence.split() if w not in drop)
            if text:
                out.setdefault(text, None)
        if out:
            kept[intent] = tuple(out)
    return kept


def vosk_grammar(phrases: Phrases, unk: bool = True) -> str:
    """The JSON phrase list vosk's ``KaldiRecognizer`` takes (``[unk]`` last when wanted)."""
    items = sentences(phrases)
    if unk:
        items.append(UNK)
    return json.dumps(items, ensure_ascii=False)


def arpa_lm(
    phrases: Phrases,
    background: Mapping[str, float],
    background_weight: float = 0.3,
    order: int = 3,
    boost: Mapping[str, float] | None = None,
    keep_share: Iterable[str] = (),
) -> str:
    """An ARPA trigram model: the command sentences mixed with a background unigram list.

    Counts are balanced so that each intent weighs the same whatever the number of its
    expanded sentences (the total count, which sets how much Witten-Bell backs off, is kept),
    times ``boost[intent]`` for the intents the next utterance most likely means (the intents
    in ``keep_share`` are boosted just enough to keep the share they had without it);
    n-grams are smoothed with Witten-Bell and backed off to the mixed unigram
    ``(1 - w) * P_commands + w * P_background``; ``background`` maps words to (unnormalized)
    probabilities.
    """
    counts = _weighted_counts(phrases, order, _share_kept(phrases, boost or {}, keep_share))
    probs = {1: _mixed_unigrams(counts[1], background, background_weight)}
    bows: dict[tuple[str, ...], float] = {}
    for n in range(2, order + 1):
        probs[n] = _higher_order(counts[n], probs, bows)
    return _format_arpa(probs, bows, order)


def _share_kept(
    phrases: Phrases, boost: Mapping[str, float], keep_share: Iterable[str]
) -> dict[str, float]:
    """``boost`` plus the factor that leaves each ``keep_share`` intent its unboosted share."""
    keep = {k for k in keep_share if k in phrases and k not in boost}
    boosted = {k: v for k, v in boost.items() if k in phrases}
    if not boosted or not keep:
        return boosted
    n = len(phrases)
    factor = (n - len(boosted) - len(keep) + sum(boosted.values())) / (n - len(keep))
    return {**boosted, **dict.fromkeys(keep, factor)}


def _weighted_counts(
    phrases: Phrases, order: int, boost: Mapping[str, float]
) -> list[dict[tuple[str, ...], float]]:
    counts: list[dict[tuple[str, ...], float]] = [defaultdict(float) for _ in range(order + 1)]
    per_intent = {intent: sentences({intent: phrases[intent]}) for intent in sorted(phrases)}
    usual = [len(items) for intent, items in per_intent.items() if intent not in OUTSIDE_MEAN]
    mean = sum(usual) / max(1, len(usual))
    for intent, items in per_intent.items():
        for sentence in items:
            weight = mean / len(items) * boost.get(intent, 1.0)
            tokens = ["<s>", *sentence.split(), "</s>"]
            for n in range(1, order + 1):
                for i in range(len(tokens) - n + 1):
                    counts[n][tuple(tokens[i : i + n])] += weight
    return counts


def _mixed_unigrams(
    counts: Mapping[tuple[str, ...], float], background: Mapping[str, float], weight: float
) -> dict[tuple[str, ...], float]:
    own = {k: c for k, c in counts.items() if k != ("<s>",)}
    own_total = sum(own.values())
    bg_total = sum(background.values()) or 1.0
    words = {k[0] for k in own} | set(background)
    probs: dict[tuple[str, ...], float] = {
        (w,): (1 - weight) * own.get((w,), 0.0) / own_total
        + weight * background.get(w, 0.0) / bg_total
        for w in words
    }
    probs[("<s>",)] = 0.0
    return probs


def _higher_order(
    counts: Mapping[tuple[str, ...], float],
    probs: dict[int, dict[tuple[str, ...], float]],
    bows: dict[tuple[str, ...], float],
) -> dict[tuple[str, ...], float]:
    """Witten-Bell estimates for one order; fills the back-off weights of its histories."""
    followers: dict[tuple[str, ...], list[tuple[str, float]]] = defaultdict(list)
    for gram, c in counts.items():
        followers[gram[:-1]].append((gram[-1], c))
    out: dict[tuple[str, ...], float] = {}
    for hist, items in followers.items():
        total = sum(c for _, c in items)
        types = len(items)
        for word, c in items:
            out[(*hist, word)] = c / (total + types)
        lower = sum(_prob(probs, bows, (*hist[1:], word)) for word, _ in items)
        bows[hist] = (types / (total + types)) / max(1e-9, 1.0 - lower)
    return out


def _prob(
    probs: Mapping[int, Mapping[tuple[str, ...], float]],
    bows: Mapping[tuple[str, ...], float],
    gram: tuple[str, ...],
) -> float:
    """P(last word | the others) under the model built so far (with back-off)."""
    table = probs.get(len(gram), {})
    if gram in table:
        return table[gram]
    if len(gram) == 1:
        return 0.0
    return bows.get(gram[:-1], 1.0) * _prob(probs, bows, gram[1:])


def _format_arpa(
    probs: Mapping[int, Mapping[tuple[str, ...], float]],
    bows: Mapping[tuple[str, ...], float],
    order: int,
) -> str:
    lines = ["\\data\\", *(f"ngram {n}={len(probs[n])}" for n in range(1, order + 1)), ""]
    for n in range(1, order + 1):
        lines.append(f"\\{n}-grams:")
        for gram, p in sorted(probs[n].items()):
            logp = math.log10(p) if p > 0 else -99.0
            line = f"{logp:.5f}\t{' '.join(gram)}"
            if n < order:
                line += f"\t{math.log10(bows.get(gram, 1.0)):.5f}"
            lines.append(line)
        lines.append("")
    lines.append("\\end\\")
    return "\n".join(lines) + "\n"
