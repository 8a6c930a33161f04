"""Match what the user said to one of the coach's intents, or to ``none``.

The phrase data (``intents/<lang>/intents.yaml``) holds, per intent, sentence templates
(:mod:`voicecoach.templates`), plus the keyword lists of the safety intents, filler words
and casual spellings. :meth:`IntentMatcher.match` works in four steps:

1. **Safety first.** A keyword of ``dizzy``, ``pain`` or ``stop`` anywhere in the sentence wins
   over everything (in the order the data lists them), unless an exception covers it
   ("bus stop", "don't stop") or, for negatable rules, a negation stands just before it
   ("no pain", "it doesn't hurt"). A cancelled safety intent cannot come out of later steps.
2. **Exact phrase.** The normalized sentence, or its core (respelled, fillers dropped,
   repeated words collapsed), is one of the expanded phrases.
3. **Spelling.** ``rapidfuzz.fuzz.ratio`` of the core against every phrase, best per intent
   (``ratio`` keeps unrelated sentences low, unlike ``WRatio``/``token_set_ratio``). The best
   intent stands if it scores :data:`ACCEPT` with a :data:`MARGIN` over the runner-up, the
   word evidence does not point elsewhere, and every unknown word looks like a typo of the
   matched phrase ("it hurst").
4. **Words.** Otherwise ratio and word evidence (:class:`_WordIndex`: IDF-weighted word
   overlap, where unknown words count against a match) are blended; the best intent stands
   if the blend reaches :data:`BLEND_ACCEPT` with a :data:`BLEND_MARGIN`. Else ``none``.

The thresholds were tuned on the development tables in ``tests/test_intents.py``.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from voicecoach import templates
from voicecoach.data import data_dir
from voicecoach.errors import DataError

log = logging.getLogger(__name__)

NONE = "none"
INTENTS: tuple[str, ...] = (
    "start", "stop", "pain", "dizzy", "pause", "resume", "ask_reps", "ask_benefits",
    "ask_precautions", "ask_technique", "ask_duration", "repeat", "help", "yes", "no",
    "faster", "slower", "skip", "quit", NONE,
)  # fmt: skip
HALTING: frozenset[str] = frozenset({"stop", "pain", "dizzy"})

MAX_INPUT_CHARS = 300
"""Input beyond this many characters (about sixty words) is ignored: a command is shorter."""
MAX_FUZZY_FACTOR = 2
"""A core longer than this many times the longest phrase is not fuzzy-matched at all."""
ACCEPT = 80.0
"""Lowest ``fuzz.ratio`` (0..100) a fuzzy match needs."""
MARGIN = 6.0
"""How far the best intent must score above the second best."""
UNKNOWN_FACTOR = 2.0
"""Weight of a word no phrase holds, relative to the rarest known word."""
TYPO = 80.0
"""``fuzz.ratio`` an unknown word needs with a word of the phrase to pass as its misspelling."""
COMMON_WEIGHT = 0.5
"""Weight of a listed everyday word that no phrase holds (a word in half the intents)."""
NEGLIGIBLE = 0.1
"""Word weights below this are left out of the word-evidence sums (they barely count)."""
DISAGREE = 0.2
"""Lead of another intent's word evidence that vetoes a match by spelling alone."""
BLEND = 0.4
"""Weight of ``fuzz.ratio`` against word evidence in the second, blended stage."""
BLEND_ACCEPT = 66.0
"""Lowest blended score (0..100) the second stage accepts ..."""
BLEND_MARGIN = 3.0
"""... with at least this lead over the second-best intent."""
MAX_EXPANSIONS = 5000
"""Most sentences one template may expand to."""

_SECTIONS = ("lists", "spellings", "fillers", "common_words", "negation", "safety", "intents")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_NON_WORD = re.compile(r"[^a-z0-9']+")
_EDGE_APOSTROPHE = re.compile(r"(?<![a-z0-9])'+|'+(?![a-z0-9])")
_LONG_RUN = re.compile(r"([a-z])\1{2,}")
_POSSESSIVE_S = re.compile(r"'s\b")


def normalize(text: str) -> str:
    """Lowercase ASCII words separated by single spaces; punctuation and other scripts dropped.

    Accents are stripped ("café" → "cafe"), apostrophes inside words kept ("don't"), and a
    letter repeated three times or more is written once ("owww" → "ow", "stoppp" → "stop").
    """
    text = text.translate(_APOSTROPHES)
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text.casefold())
        text = "".join(char for char in text if not unicodedata.combining(char))
    text = _NON_WORD.sub(" ", text.lower())
    text = _EDGE_APOSTROPHE.sub(" ", text)
    return " ".join(_LONG_RUN.sub(r"\1", text).split())


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """The intent of one sentence."""

    intent: str
    """One of :data:`INTENTS`; ``none`` when the sentence is out of domain."""
    confidence: float
    """0..1: how sure the matcher is of ``intent``. For ``none`` it is 1 minus the best
    fuzzy score, so empty or foreign input is ``none`` with confidence 0."""
    text: str
    """The normalized input (see :func:`normalize`)."""


@dataclass(frozen=True, slots=True)
class _Fillers:
    anywhere: frozenset[str]
    leading: frozenset[str]
    trailing: re.Pattern[str] | None
    spellings: Mapping[str, str]

    def core(self, text: str) -> str:
        """Respell ("im" → "i'm"), drop fillers and collapse repeated words. Leading fillers
        go, then one trailing filler phrase ("i'm ok now thanks" → "i'm ok now", not "i'm");
        a filler that is the only thing left stays ("okay" means yes)."""
        words: list[str] = []
        for word in " ".join(self.spellings.get(w, w) for w in text.split()).split():
            if word not in self.anywhere and (not words or words[-1] != word):
                words.append(word)
        start, end = 0, len(words)
        while end - start > 1 and words[start] in self.leading:
            start += 1
        padded = " " + " ".join(words[start:end]) + " "
        found = self.trailing.search(padded) if self.trailing is not None else None
        return padded[: found.start() if found and found.start() > 1 else None].strip()


@dataclass(frozen=True, slots=True)
class _Negation:
    window: int
    words: frozenset[str]
    between: frozenset[str]
    right_before: re.Pattern[str] | None

    def cancels(self, before: str) -> bool:
        """True when the text ``before`` a keyword ends in a negation of it: a negator at most
        ``window`` words back with only ``between`` words after it ("i don't feel any pain"),
        or a ``right_before`` phrase ("no pain"). Any other word keeps the keyword ("don't
        stop, ouch"), so a doubtful case halts."""
        if self.right_before is not None and self.right_before.search(before):
            return True
        for word in reversed(before.split()[-self.window :]):
            if word in self.words:
                return True
            if word not in self.between:
                return False
        return False


@dataclass(frozen=True, slots=True)
class _SafetyRule:
    intent: str
    keywords: re.Pattern[str]
    starts: frozenset[str]
    """Every word a keyword can start with: without one, the regex need not run."""
    exceptions: re.Pattern[str] | None
    negatable: bool

    def check(self, padded: str, words: frozenset[str], negation: _Negation) -> bool | None:
        """True: a keyword holds; False: keywords were there but all cancelled; None: none."""
        if self.starts.isdisjoint(words):
            return None
        if self.exceptions is not None:
            text = self.exceptions.sub("", padded)
            cancelled = text != padded
        else:
            text, cancelled = padded, False
        for found in self.keywords.finditer(text):
            if self.negatable and negation.cancels(text[: found.start()]):
                cancelled = True
                continue
            return True
        return False if cancelled else None


def _stem(word: str) -> str:
    """A crude stem, enough to let "reps" meet "rep" and "it's" meet "it"."""
    word = word.removesuffix("'s")
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


@dataclass(frozen=True, slots=True)
class _WordIndex:
    """Word-level evidence: cosine of IDF-weighted word sets, best phrase per intent.

    A word's weight is its inverse frequency over intents ("pause" is strong, "the" is not);
    a word no phrase holds ("weather") weighs as much as the rarest known word times
    ``unknown_factor``, so a sentence about something else scores low everywhere.
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
    ) -> _WordIndex:
        bag_sets = list(dict.fromkeys(
            (intent, frozenset(_stem(w) for w in sentence.split()))
            for intent, sentences in phrases.items()
            for sentence in sentences
        ))  # fmt: skip
        intents_of: dict[str, set[str]] = {}
        for intent, stems in bag_sets:
            for stem in stems:
                intents_of.setdefault(stem, set()).add(intent)
        n = len(phrases) + 1
        weights = {stem: math.log(n / len(owners)) ** 2 for stem, owners in intents_of.items()}
        postings: dict[str, list[int]] = {}
        for index, (_, stems) in enumerate(bag_sets):
            for stem in stems:
                postings.setdefault(stem, []).append(index)
        return cls(
            weights=weights,
            postings={stem: tuple(ids) for stem, ids in postings.items()},
            bags=tuple((i, sum(weights[s] for s in stems)) for i, stems in bag_sets),
            unknown=(math.log(n) * unknown_factor) ** 2,
            common=frozenset(map(_stem, common)) - weights.keys(),
        )

    def knows(self, word: str) -> bool:
        return _stem(word) in self.weights or _stem(word) in self.common

    def weight(self, stem: str) -> float:
        known = self.weights.get(stem)
        if known is not None:
            return known
        return COMMON_WEIGHT if stem in self.common else self.unknown

    def scores(self, words: Iterable[str]) -> dict[str, float]:
        """Best cosine (0..1) per intent that shares at least one word with ``words``."""
        stems = set(map(_stem, words))
        query = sum(map(self.weight, stems))
        dots: dict[int, float] = {}
        for stem in stems & self.weights.keys():
            weight = self.weights[stem]
            if weight < NEGLIGIBLE:
                continue  # "i", "the": in nearly every intent, long postings, no evidence
            for index in self.postings[stem]:
                dots[index] = dots.get(index, 0.0) + weight
        best: dict[str, float] = {}
        for index, dot in dots.items():
            intent, norm = self.bags[index]
            score = dot / math.sqrt(query * norm) if query and norm else 0.0
            if score > best.get(intent, 0.0):
                best[intent] = score
        return best


class IntentMatcher:
    """Phrases per intent plus the safety rules; :meth:`match` never raises."""

    def __init__(
        self,
        phrases: Mapping[str, tuple[str, ...]],
        safety: tuple[_SafetyRule, ...],
        negation: _Negation,
        fillers: _Fillers,
        common_words: Iterable[str] = (),
    ) -> None:
        self._phrases = dict(phrases)
        self._safety = safety
        self._negation = negation
        self._fillers = fillers
        self._exact = {sentence: intent for intent, ps in phrases.items() for sentence in ps}
        self._longest = max((len(s) for s in self._exact), default=0)
        self._words = _WordIndex.build(phrases, UNKNOWN_FACTOR, common_words)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<dict>") -> IntentMatcher:
        """Build a matcher from parsed phrase data; raise ``DataError`` naming source and key."""
        return _Loader(source).build(data)

    @classmethod
    def from_yaml(cls, path: str | Path) -> IntentMatcher:
        """Load a phrase file; raise ``DataError`` if it is missing, unreadable or invalid."""
        source = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise DataError(source, None, "file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(source, None, f"cannot read the file: {exc}") from exc
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise DataError(source, None, f"malformed YAML: {exc}") from exc
        if not isinstance(data, Mapping):
            raise DataError(source, None, "the file must hold a mapping of sections")
        return cls.from_dict(data, source)

    @classmethod
    def load(cls, lang: str = "en") -> IntentMatcher:
        """Load the phrase file shipped for ``lang``."""
        return cls.from_yaml(data_dir(lang) / "intents.yaml")

    def phrases(self) -> dict[str, tuple[str, ...]]:
        """Every expanded sentence, per intent (for recognizer grammars)."""
        return dict(self._phrases)

    def vocabulary(self) -> frozenset[str]:
        """Every word of every phrase."""
        return frozenset(word for sentence in self._exact for word in sentence.split())

    def match(self, text: str) -> IntentMatch:
        """The intent of ``text``; ``none`` for empty, foreign or out-of-domain input."""
        norm = normalize(text[:MAX_INPUT_CHARS]) if isinstance(text, str) else ""
        if not norm:
            return IntentMatch(NONE, 0.0, norm)
        halt, cancelled = self._check_safety(norm)
        if halt is not None:
            return IntentMatch(halt, 1.0, norm)
        core = self._fillers.core(norm)
        for candidate in (norm, core):
            intent = self._exact.get(candidate)
            if intent is not None and intent not in cancelled:
                return IntentMatch(intent, 1.0, norm)
        intent, score = self._fuzzy(core, cancelled)
        if intent == NONE:
            return IntentMatch(NONE, round(1.0 - score / 100.0, 3), norm)
        return IntentMatch(intent, round(score / 100.0, 3), norm)

    def _check_safety(self, norm: str) -> tuple[str | None, frozenset[str]]:
        padded = " " + _POSSESSIVE_S.sub("", norm) + " "
        words = frozenset(padded.split())
        cancelled: set[str] = set()
        for rule in self._safety:
            verdict = rule.check(padded, words, self._negation)
            if verdict:
                return rule.intent, frozenset()
            if verdict is False:
                cancelled.add(rule.intent)
        return None, frozenset(cancelled)

    def _fuzzy(self, core: str, cancelled: frozenset[str]) -> tuple[str, float]:
        """The best intent and its score (0..100), or ``none`` and the best score seen."""
        if not core or len(core) > MAX_FUZZY_FACTOR * self._longest:
            return NONE, 0.0
        ratios: dict[str, tuple[float, str]] = {}
        for intent, sentences in self._phrases.items():
            if intent in cancelled:
                continue
            hit = process.extractOne(core, sentences, scorer=fuzz.ratio)
            if hit is not None:
                ratios[intent] = (hit[1], hit[0])
        if not ratios:
            return NONE, 0.0
        (best, intent), second = _top_two({i: r for i, (r, _) in ratios.items()})
        words = core.split()
        evidence = self._words.scores(words)
        if (
            best >= ACCEPT
            and best - second >= MARGIN
            and self._plausible(intent, words, ratios, evidence)
        ):
            return intent, best
        blend = {i: BLEND * r + (100.0 - 100.0 * BLEND) * evidence.get(i, 0.0)
                 for i, (r, _) in ratios.items()}  # fmt: skip
        (mixed, intent), runner_up = _top_two(blend)
        if mixed >= BLEND_ACCEPT and mixed - runner_up >= BLEND_MARGIN:
            return intent, mixed
        return NONE, max(best, mixed)

    def _plausible(
        self,
        intent: str,
        words: list[str],
        ratios: Mapping[str, tuple[float, str]],
        evidence: Mapping[str, float],
    ) -> bool:
        """Whether a match by spelling alone can stand: the words must not point clearly
        elsewhere ("can you pause it" is not "can you repeat it"), and every unknown word
        must look like a misspelling of a word of the phrase ("hurst" in "it hurst" ~ "it
        hurts"; "song" in "skip to the next song" does not)."""
        if max(evidence.values(), default=0.0) - evidence.get(intent, 0.0) >= DISAGREE:
            return False
        targets = ratios[intent][1].split()
        return all(
            self._words.knows(word)
            or process.extractOne(word, targets, scorer=fuzz.ratio, score_cutoff=TYPO) is not None
            for word in words
        )


def _top_two(scores: Mapping[str, float]) -> tuple[tuple[float, str], float]:
    """The best (score, intent) and the second-best score (0 when there is none)."""
    ranked = sorted(((score, intent) for intent, score in scores.items()), reverse=True)
    return ranked[0], ranked[1][0] if len(ranked) > 1 else 0.0


class _Loader:
    """Validate parsed phrase data section by section; every error names source and key."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lists: dict[str, tuple[str, ...]] = {}

    def error(self, key: str | None, problem: str) -> DataError:
        return DataError(self.source, key, problem)

    def build(self, data: Mapping[str, Any]) -> IntentMatcher:
        if not isinstance(data, Mapping):
            raise self.error(None, "the data must be a mapping of sections")
        for key in data:
            if key not in _SECTIONS:
                raise self.error(str(key), f"unknown section; expected {', '.join(_SECTIONS)}")
        self.lists = self.load_lists(data.get("lists", {}))
        phrases = self.load_intents(data.get("intents"))
        negation = self.load_negation(data.get("negation", {}))
        safety = self.load_safety(data.get("safety", {}))
        fillers = self.load_fillers(
            data.get("fillers", {}), self.load_spellings(data.get("spellings", {}))
        )
        common = self.words(data.get("common_words", []), "common_words")
        log.debug("%s: %d phrases", self.source, sum(len(p) for p in phrases.values()))
        return IntentMatcher(phrases, safety, negation, fillers, common)

    def mapping(self, value: Any, key: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.error(key, f"expected a mapping, got {type(value).__name__}")
        return value

    def strings(self, value: Any, key: str, allow_empty: bool = False) -> list[str]:
        if not isinstance(value, list) or not (value or allow_empty):
            raise self.error(key, "expected a non-empty list of strings")
        for index, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                raise self.error(f"{key}[{index}]", f"expected a non-empty string, got {item!r}")
        return value

    def expand(self, template: str, key: str) -> tuple[str, ...]:
        try:
            return templates.expand(template, self.lists, limit=MAX_EXPANSIONS)
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def starts(self, items: Iterable[str]) -> frozenset[str]:
        """The first words of already validated templates, as the safety scan sees them."""
        nodes = (templates.parse(_POSSESSIVE_S.sub("", item)) for item in items)
        return frozenset().union(*(templates.first_words(node, self.lists) for node in nodes))

    def regex(
        self, items: Iterable[str], key: str, at_end: bool = False, drop_s: bool = True
    ) -> re.Pattern[str]:
        """One pattern finding any of the templates; the safety rules see text without 's."""
        parts = []
        for index, template in enumerate(items):
            try:
                text = _POSSESSIVE_S.sub("", template) if drop_s else template
                parts.append(templates.to_regex(text, self.lists))
            except ValueError as exc:
                raise self.error(f"{key}[{index}]", str(exc)) from None
        return re.compile("(?:" + "|".join(parts) + ")" + ("$" if at_end else ""))

    def load_lists(self, value: Any) -> dict[str, tuple[str, ...]]:
        lists: dict[str, tuple[str, ...]] = {}
        for name, items in self.mapping(value, "lists").items():
            key = f"lists.{name}"
            if not isinstance(name, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                raise self.error(key, "a list name is lowercase letters, digits and _")
            sentences: dict[str, None] = {}
            for index, template in enumerate(self.strings(items, key)):
                if "{" in template:
                    raise self.error(f"{key}[{index}]", "a list value cannot refer to a list")
                sentences.update(dict.fromkeys(self.expand(template, f"{key}[{index}]")))
            lists[name] = tuple(sentences)
        return lists

    def load_intents(self, value: Any) -> dict[str, tuple[str, ...]]:
        owner: dict[str, str] = {}
        phrases: dict[str, tuple[str, ...]] = {}
        for intent, items in self.mapping(value, "intents").items():
            key = f"intents.{intent}"
            if isinstance(intent, bool):
                raise self.error(key, "YAML reads yes/no as true/false: quote the intent name")
            if intent not in INTENTS or intent == NONE:
                known = ", ".join(i for i in INTENTS if i != NONE)
                raise self.error(key, f"unknown intent; expected one of {known}")
            sentences: dict[str, None] = {}
            for index, template in enumerate(self.strings(items, key)):
                for sentence in self.expand(template, f"{key}[{index}]"):
                    other = owner.setdefault(sentence, intent)
                    if other != intent:
                        raise self.error(f"{key}[{index}]", f"{sentence!r} is also in {other}")
                    sentences[sentence] = None
            phrases[intent] = tuple(sentences)
        return phrases

    def load_negation(self, value: Any) -> _Negation:
        section = self.mapping(value, "negation")
        window = section.get("window", 2)
        if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= 5:
            raise self.error("negation.window", "expected a whole number from 0 to 5")
        right_before = section.get("right_before", [])
        return _Negation(
            window=window,
            words=frozenset(self.words(section.get("words", []), "negation.words")),
            between=frozenset(self.words(section.get("between", []), "negation.between")),
            right_before=self.regex(
                self.strings(right_before, "negation.right_before", True),
                "negation.right_before",
                at_end=True,
            )
            if right_before
            else None,
        )

    def load_safety(self, value: Any) -> tuple[_SafetyRule, ...]:
        rules = []
        for intent, rule in self.mapping(value, "safety").items():
            key = f"safety.{intent}"
            if intent not in HALTING:
                raise self.error(key, f"safety rules are for {', '.join(sorted(HALTING))} only")
            rule = self.mapping(rule, key)
            unknown = set(rule) - {"keywords", "exceptions", "negatable"}
            if unknown:
                raise self.error(f"{key}.{sorted(unknown)[0]}", "unknown field")
            exceptions = self.strings(rule.get("exceptions", []), f"{key}.exceptions", True)
            negatable = rule.get("negatable", True)
            if not isinstance(negatable, bool):
                raise self.error(f"{key}.negatable", "expected true or false")
            keywords = self.strings(rule.get("keywords"), f"{key}.keywords")
            rules.append(_SafetyRule(
                intent=intent,
                keywords=self.regex(keywords, f"{key}.keywords"),
                starts=self.starts(keywords),
                exceptions=self.regex(exceptions, f"{key}.exceptions") if exceptions else None,
                negatable=negatable,
            ))  # fmt: skip
        return tuple(rules)

    def load_fillers(self, value: Any, spellings: dict[str, str]) -> _Fillers:
        section = self.mapping(value, "fillers")
        unknown = set(section) - {"anywhere", "leading", "trailing"}
        if unknown:
            raise self.error(f"fillers.{sorted(unknown)[0]}", "unknown field")
        anywhere, leading = (
            frozenset(self.words(section.get(part, []), f"fillers.{part}"))
            for part in ("anywhere", "leading")
        )
        trailing = self.strings(section.get("trailing", []), "fillers.trailing", True)
        pattern = self.regex(trailing, "fillers.trailing", at_end=True, drop_s=False)
        return _Fillers(anywhere, leading, pattern if trailing else None, spellings)

    def load_spellings(self, value: Any) -> dict[str, str]:
        spellings = {}
        for word, respelled in self.mapping(value, "spellings").items():
            key = f"spellings.{word}"
            if not isinstance(word, str) or normalize(word) != word or " " in word:
                raise self.error(key, "a spelling is one lowercase word")
            if not isinstance(respelled, str) or not respelled or normalize(respelled) != respelled:
                raise self.error(key, "expected lowercase words to write instead")
            spellings[word] = respelled
        return spellings

    def words(self, value: Any, key: str) -> list[str]:
        items = self.strings(value, key, allow_empty=True)
        for index, word in enumerate(items):
            if normalize(word) != word or " " in word:
                raise self.error(f"{key}[{index}]", f"{word!r} is not one lowercase word")
        return items
