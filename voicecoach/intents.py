"""Match what the user said to one of the coach's intents, or to ``none``.

The phrase data (``intents/<lang>/intents.yaml``) holds, per intent, sentence templates
(:mod:`voicecoach.templates`), plus the keyword lists of the safety intents and the filler
words. :meth:`IntentMatcher.match` works in three steps:

1. **Safety first.** A keyword of ``dizzy``, ``pain`` or ``stop`` anywhere in the sentence wins
   over everything (in the order the data lists them), unless an exception covers it
   ("bus stop", "don't stop") or, for negatable rules, a negation stands just before it
   ("no pain", "it doesn't hurt").
2. **Exact phrase.** The normalized sentence, or its core (fillers dropped, repeated words
   collapsed), is one of the expanded phrases.
3. **Fuzzy phrase.** ``rapidfuzz.fuzz.ratio`` of the core against every phrase, best per
   intent. The best intent is taken only if it scores at least :data:`ACCEPT` and beats the
   second-best intent by :data:`MARGIN` (or scores :data:`SURE`); anything else is ``none``.
   ``ratio`` keeps unrelated sentences low, unlike ``WRatio``/``token_set_ratio``.
"""

from __future__ import annotations

import logging
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

MAX_INPUT_CHARS = 1000
"""Input beyond this many characters is ignored (a spoken command is far shorter)."""
MAX_FUZZY_FACTOR = 2
"""A core longer than this many times the longest phrase is not fuzzy-matched at all."""
ACCEPT = 80.0
"""Lowest ``fuzz.ratio`` (0..100) a fuzzy match needs."""
MARGIN = 6.0
"""How far the best intent must score above the second best ..."""
SURE = 92.0
"""... unless it scores at least this."""
MAX_EXPANSIONS = 5000
"""Most sentences one template may expand to."""

_SECTIONS = ("lists", "fillers", "negation", "safety", "intents")
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
    trailing: frozenset[str]

    def core(self, text: str) -> str:
        """Drop fillers and collapse repeated words; a leading/trailing filler that is the
        only word left stays ("okay" means yes)."""
        words: list[str] = []
        for word in text.split():
            if word not in self.anywhere and (not words or words[-1] != word):
                words.append(word)
        start, end = 0, len(words)
        while end - start > 1 and words[start] in self.leading:
            start += 1
        while end - start > 1 and words[end - 1] in self.trailing:
            end -= 1
        return " ".join(words[start:end])


@dataclass(frozen=True, slots=True)
class _Negation:
    window: int
    words: frozenset[str]
    breakers: frozenset[str]
    right_before: re.Pattern[str] | None

    def cancels(self, before: str) -> bool:
        """True when the text ``before`` a keyword ends in a negation of it."""
        if self.right_before is not None and self.right_before.search(before):
            return True
        for word in reversed(before.split()[-self.window :]):
            if word in self.breakers:
                return False
            if word in self.words:
                return True
        return False


@dataclass(frozen=True, slots=True)
class _SafetyRule:
    intent: str
    keywords: re.Pattern[str]
    exceptions: re.Pattern[str] | None
    negatable: bool

    def check(self, padded: str, negation: _Negation) -> bool | None:
        """True: a keyword holds; False: keywords were there but all cancelled; None: none."""
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


class IntentMatcher:
    """Phrases per intent plus the safety rules; :meth:`match` never raises."""

    def __init__(
        self,
        phrases: Mapping[str, tuple[str, ...]],
        safety: tuple[_SafetyRule, ...],
        negation: _Negation,
        fillers: _Fillers,
    ) -> None:
        self._phrases = dict(phrases)
        self._safety = safety
        self._negation = negation
        self._fillers = fillers
        self._exact = {sentence: intent for intent, ps in phrases.items() for sentence in ps}
        self._longest = max((len(s) for s in self._exact), default=0)

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
        cancelled: set[str] = set()
        for rule in self._safety:
            verdict = rule.check(padded, self._negation)
            if verdict:
                return rule.intent, frozenset()
            if verdict is False:
                cancelled.add(rule.intent)
        return None, frozenset(cancelled)

    def _fuzzy(self, core: str, cancelled: frozenset[str]) -> tuple[str, float]:
        """Best intent by ``fuzz.ratio`` with a margin over the runner-up, or ``none``."""
        if not core or len(core) > MAX_FUZZY_FACTOR * self._longest:
            return NONE, 0.0
        scores = sorted(
            (
                (hit[1], intent)
                for intent, sentences in self._phrases.items()
                if intent not in cancelled
                and (hit := process.extractOne(core, sentences, scorer=fuzz.ratio)) is not None
            ),
            reverse=True,
        )
        if not scores:
            return NONE, 0.0
        best, intent = scores[0]
        second = scores[1][0] if len(scores) > 1 else 0.0
        if best >= ACCEPT and (best - second >= MARGIN or best >= SURE):
            return intent, best
        return NONE, best


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
        fillers = self.load_fillers(data.get("fillers", {}))
        log.debug("%s: %d phrases", self.source, sum(len(p) for p in phrases.values()))
        return IntentMatcher(phrases, safety, negation, fillers)

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

    def regex(self, items: Iterable[str], key: str, at_end: bool = False) -> re.Pattern[str]:
        parts = []
        for index, template in enumerate(items):
            try:
                parts.append(templates.to_regex(_POSSESSIVE_S.sub("", template), self.lists))
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
            breakers=frozenset(self.words(section.get("breakers", []), "negation.breakers")),
            right_before=self.regex(self.strings(right_before, "negation.right_before", True),
                                    "negation.right_before", at_end=True) if right_before else None,
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
            rules.append(_SafetyRule(
                intent=intent,
                keywords=self.regex(self.strings(rule.get("keywords"), f"{key}.keywords"),
                                    f"{key}.keywords"),
                exceptions=self.regex(exceptions, f"{key}.exceptions") if exceptions else None,
                negatable=negatable,
            ))  # fmt: skip
        return tuple(rules)

    def load_fillers(self, value: Any) -> _Fillers:
        section = self.mapping(value, "fillers")
        unknown = set(section) - {"anywhere", "leading", "trailing"}
        if unknown:
            raise self.error(f"fillers.{sorted(unknown)[0]}", "unknown field")
        return _Fillers(*(
            frozenset(self.words(section.get(part, []), f"fillers.{part}"))
            for part in ("anywhere", "leading", "trailing")
        ))  # fmt: skip

    def words(self, value: Any, key: str) -> list[str]:
        items = self.strings(value, key, allow_empty=True)
        for index, word in enumerate(items):
            if normalize(word) != word or " " in word:
                raise self.error(f"{key}[{index}]", f"{word!r} is not one lowercase word")
        return items
