"""Load and validate the phrase data of :mod:`voicecoach.nlu.matcher`
(``intents/<lang>/intents.yaml``).

:func:`read` parses a file, :func:`parse` already parsed data; both return an
:class:`IntentData` or raise :class:`~voicecoach.errors.DataError` naming the file and key.
Sections: ``lists`` (for templates), ``spellings``, ``fillers``, ``common_words``,
``negation``, ``mentions`` (a safety word right after one is mentioned, not said), ``safety``,
``intents`` (templates per intent, see :mod:`voicecoach.nlu.templates`), ``keywords`` (per
intent, a template of one or a few words → a weight, for
:class:`voicecoach.nlu.evidence.WordEvidence`), ``containment`` (the word lists of
:mod:`voicecoach.nlu.containment`) and ``told_about`` (someone else's pain or dizziness told
about: :class:`voicecoach.nlu.rules.ToldAbout`).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.data import read_yaml
from voicecoach.errors import DataError
from voicecoach.nlu import soundalike, templates
from voicecoach.nlu.containment import ClauseWords
from voicecoach.nlu.rules import (
    HALTING,
    INTENTS,
    NONE,
    POSSESSIVE_S,
    CutOff,
    Fillers,
    Negation,
    SafetyRule,
    ToldAbout,
    normalize,
)

log = logging.getLogger(__name__)

MAX_EXPANSIONS = 5000
"""Most sentences one template may expand to."""
MAX_KEYWORD_WEIGHT = 5.0
"""Highest weight a keyword may have (a word only one intent holds weighs about 3)."""
CONTAINMENT_FIELDS = ("clause_starts", "subjects", "verbs", "bound_after")
"""The word lists of the ``containment`` section (:mod:`voicecoach.nlu.containment`)."""
SECTIONS = (
    "lists", "spellings", "fillers", "common_words", "negation", "safety", "intents", "keywords",
    "out_of_domain", "soundalike", "paraphrases", "mentions", "containment", "told_about",
    "cut_off",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class IntentData:
    """Everything the matcher is built from, validated."""

    phrases: Mapping[str, tuple[str, ...]]
    """Intent → every sentence its templates expand to, in file order (the recognizers'
    grammars are built from these)."""
    safety: tuple[SafetyRule, ...]
    """The safety rules, in file order (the first that holds wins)."""
    negation: Negation
    fillers: Fillers
    common_words: tuple[str, ...]
    """Everyday words: light in the word evidence, neither for nor against an intent."""
    keywords: Mapping[str, Mapping[str, float]]
    """Intent → {keyword (one or a few words): weight} for the word evidence."""
    soundalike: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Sound-alike word → the word meant ("pane" → "pain"), from ``soundalike.yaml`` beside
    the phrase file or a ``soundalike`` section (:mod:`voicecoach.nlu.soundalike`)."""
    near_safety: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Word one consonant from a safety word → that word ("busy" → "dizzy"): only a doubt,
    never a command (:mod:`voicecoach.nlu.soundalike`)."""
    paraphrases: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    """Intent → more sentences the matcher understands like the phrases, kept out of the
    recognizers' grammars (a new sentence there shifts pocketsphinx's language model)."""
    out_of_domain: tuple[str, ...] = ()
    """Sentences that are none (other topics, our words in other senses): the classifier's
    examples of ``none`` (:mod:`voicecoach.nlu.classifier`)."""
    clauses: ClauseWords = ClauseWords()
    """Where a clause of its own begins, and the words that bind a phrase into a bigger one
    (the ``containment`` section; its ``bound_after`` has the ``negation`` words too)."""
    told_about: ToldAbout | None = None
    """Someone else's pain or dizziness told about: no halt (``told_about`` section)."""
    cut_off: CutOff = CutOff()
    """A sentence cut off, and the intents it cannot stand for (``cut_off`` section)."""


def parse(data: Any, source: str = "<dict>") -> IntentData:
    """Validate already parsed phrase data; ``source`` names it in errors."""
    return _Loader(source).build(data)


def read(path: str | Path) -> IntentData:
    """Load a phrase file; raise ``DataError`` if it is missing, unreadable or invalid."""
    source = str(path)
    data = read_yaml(Path(path))
    if not isinstance(data, Mapping):
        raise DataError(source, None, "the file must hold a mapping of sections")
    parsed = parse(data, source)
    beside = Path(path).parent / soundalike.FILE_NAME
    if "soundalike" in data or not beside.is_file():
        return parsed
    sounds, near = soundalike.tables(soundalike.load(beside), str(beside),
                                     _vocabulary(parsed.phrases))
    return dataclasses.replace(parsed, soundalike=sounds, near_safety=near)


def _vocabulary(phrases: Mapping[str, Iterable[str]]) -> frozenset[str]:
    return frozenset(w for sentences in phrases.values() for s in sentences for w in s.split())


class _Loader:
    """Validate parsed phrase data section by section; every error names source and key."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lists: dict[str, tuple[str, ...]] = {}

    def error(self, key: str | None, problem: str) -> DataError:
        return DataError(self.source, key, problem)

    def build(self, data: Mapping[str, Any]) -> IntentData:
        if not isinstance(data, Mapping):
            raise self.error(None, "the data must be a mapping of sections")
        for key in data:
            if key not in SECTIONS:
                raise self.error(str(key), f"unknown section; expected {', '.join(SECTIONS)}")
        self.lists = self.load_lists(data.get("lists", {}))
        owner: dict[str, str] = {}
        phrases = self.load_intents(data.get("intents"), "intents", owner)
        paraphrases = self.load_intents(data.get("paraphrases", {}), "paraphrases", owner)
        fillers = self.load_fillers(
            data.get("fillers", {}), self.load_spellings(data.get("spellings", {}))
        )
        negation = self.load_negation(data.get("negation", {}))
        mentions = self.strings(data.get("mentions", []), "mentions", allow_empty=True)
        if mentions:
            self.regex(mentions, "mentions")  # each template checked on its own
        clauses = self.load_containment(data.get("containment", {}), negation.words)
        sounds, near = (soundalike.tables(data["soundalike"], self.source, _vocabulary(phrases))
                        if "soundalike" in data else ({}, {}))
        log.debug("%s: %d phrases", self.source, sum(len(p) for p in phrases.values()))
        return IntentData(
            phrases=phrases,
            safety=self.load_safety(data.get("safety", {}), mentions),
            negation=negation,
            fillers=fillers,
            common_words=tuple(self.words(data.get("common_words", []), "common_words")),
            keywords=self.load_keywords(data.get("keywords", {})),
            paraphrases=paraphrases,
            out_of_domain=self.load_out_of_domain(data.get("out_of_domain", []), owner),
            soundalike=sounds,
            near_safety=near,
            clauses=clauses,
            told_about=self.load_told_about(data["told_about"]) if "told_about" in data else None,
            cut_off=self.load_cut_off(data.get("cut_off", {})),
        )

    def load_cut_off(self, value: Any) -> CutOff:
        section = self.mapping(value, "cut_off")
        unknown = set(section) - {"dangling", "bare_questions"}
        if unknown:
            raise self.error(f"cut_off.{sorted(unknown)[0]}", "unknown field")
        bare: dict[str, frozenset[str]] = {}
        for intent, words in self.mapping(section.get("bare_questions", {}),
                                          "cut_off.bare_questions").items():
            key = f"cut_off.bare_questions.{intent}"
            self.check_intent(intent, key)
            bare[intent] = frozenset(self.words(words, key))
        return CutOff(frozenset(self.words(section.get("dangling", []), "cut_off.dangling")), bare)

    def load_containment(self, value: Any, binding: frozenset[str]) -> ClauseWords:
        """The ``containment`` section's word lists; ``binding`` words (the negations) bind a
        phrase after them too."""
        section = self.mapping(value, "containment")
        unknown = set(section) - set(CONTAINMENT_FIELDS)
        if unknown:
            raise self.error(f"containment.{sorted(unknown)[0]}", "unknown field")
        starts, subjects, verbs, bound = (
            frozenset(self.words(section.get(part, []), f"containment.{part}"))
            for part in CONTAINMENT_FIELDS
        )
        return ClauseWords(starts, subjects, verbs, bound | binding)

    def load_out_of_domain(self, value: Any, owner: Mapping[str, str]) -> tuple[str, ...]:
        sentences = self.strings(value, "out_of_domain", allow_empty=True)
        for index, sentence in enumerate(sentences):
            key = f"out_of_domain[{index}]"
            if normalize(sentence) != sentence:
                raise self.error(key, f"{sentence!r} is not lowercase words and apostrophes")
            if sentence in owner:
                raise self.error(key, f"{sentence!r} is a phrase of {owner[sentence]}")
        return tuple(dict.fromkeys(sentences))

    def load_keywords(self, value: Any) -> dict[str, dict[str, float]]:
        keywords: dict[str, dict[str, float]] = {}
        for intent, table in self.mapping(value, "keywords").items():
            key = f"keywords.{intent}"
            self.check_intent(intent, key)
            if intent in HALTING:
                raise self.error(key, "safety intents are found by the safety section")
            cues: dict[str, float] = {}
            for template, weight in self.mapping(table, key).items():
                at = f"{key}.{template}"
                if not isinstance(template, str):
                    raise self.error(at, "YAML reads yes/no/numbers as values: quote the keyword")
                for sentence in self.expand(template, at):
                    if sentence in cues:
                        raise self.error(at, f"{sentence!r} is listed twice")
                    cues[sentence] = self.weight(weight, at)
            keywords[intent] = cues
        return keywords

    def weight(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"expected a weight (a number), got {value!r}")
        if not 0 < value <= MAX_KEYWORD_WEIGHT:
            raise self.error(key, f"a weight is above 0 and at most {MAX_KEYWORD_WEIGHT}")
        return float(value)

    def check_intent(self, intent: Any, key: str) -> None:
        if isinstance(intent, bool):
            raise self.error(key, "YAML reads yes/no as true/false: quote the intent name")
        if intent not in INTENTS or intent == NONE:
            known = ", ".join(i for i in INTENTS if i != NONE)
            raise self.error(key, f"unknown intent; expected one of {known}")

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
        nodes = (templates.parse(POSSESSIVE_S.sub("", item)) for item in items)
        return frozenset().union(*(templates.first_words(node, self.lists) for node in nodes))

    def regex(
        self, items: Iterable[str], key: str, at_end: bool = False, drop_s: bool = True
    ) -> re.Pattern[str]:
        """One pattern finding any of the templates; the safety rules see text without 's."""
        parts = []
        for index, template in enumerate(items):
            try:
                text = POSSESSIVE_S.sub("", template) if drop_s else template
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

    def load_intents(
        self, value: Any, section: str, owner: dict[str, str]
    ) -> dict[str, tuple[str, ...]]:
        """Intent → its sentences; ``owner`` (sentence → intent, shared by the ``intents`` and
        ``paraphrases`` sections) catches a sentence given to two intents."""
        phrases: dict[str, tuple[str, ...]] = {}
        for intent, items in self.mapping(value, section).items():
            key = f"{section}.{intent}"
            self.check_intent(intent, key)
            sentences: dict[str, None] = {}
            for index, template in enumerate(self.strings(items, key)):
                for sentence in self.expand(template, f"{key}[{index}]"):
                    other = owner.setdefault(sentence, intent)
                    if other != intent:
                        raise self.error(f"{key}[{index}]", f"{sentence!r} is also in {other}")
                    sentences[sentence] = None
            phrases[intent] = tuple(sentences)
        return phrases

    def load_negation(self, value: Any) -> Negation:
        section = self.mapping(value, "negation")
        window = self.window(section, "negation.window", 2, 5, low=0)
        right_before = section.get("right_before", [])
        return Negation(
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

    def load_told_about(self, value: Any) -> ToldAbout:
        section = self.mapping(value, "told_about")
        unknown = set(section) - {"window", "persons", "between", "speaker"}
        if unknown:
            raise self.error(f"told_about.{sorted(unknown)[0]}", "unknown field")
        return ToldAbout(
            window=self.window(section, "told_about.window", 4, 8),
            persons=self.expanded_words(section.get("persons"), "told_about.persons"),
            between=frozenset(self.words(section.get("between", []), "told_about.between")),
            speaker=frozenset(self.words(section.get("speaker"), "told_about.speaker")),
        )

    def window(
        self, section: Mapping[str, Any], key: str, default: int, high: int, low: int = 1
    ) -> int:
        """A section's ``window``: a whole number of words from ``low`` to ``high``."""
        window = section.get("window", default)
        if not isinstance(window, int) or isinstance(window, bool) or not low <= window <= high:
            raise self.error(key, f"expected a whole number from {low} to {high}")
        return window

    def expanded_words(self, value: Any, key: str) -> frozenset[str]:
        """Templates that expand to single words (a list such as ``{someone}``); an error
        names the template."""
        found = set()
        for index, item in enumerate(self.strings(value, key)):
            for word in self.expand(item, f"{key}[{index}]"):
                if normalize(word) != word or " " in word:
                    raise self.error(f"{key}[{index}]", f"{word!r} is not one lowercase word")
                found.add(word)
        return frozenset(found)

    def load_safety(self, value: Any, mentions: list[str]) -> tuple[SafetyRule, ...]:
        """The rules; a keyword right after one of ``mentions`` is an exception of its rule
        ("how do you spell dizzy")."""
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
            if mentions:
                exceptions = [*exceptions, f"({' | '.join(mentions)}) ({' | '.join(keywords)})"]
            rules.append(SafetyRule(
                intent=intent,
                keywords=self.regex(keywords, f"{key}.keywords"),
                starts=self.starts(keywords),
                exceptions=self.regex(exceptions, f"{key}.exceptions") if exceptions else None,
                negatable=negatable,
            ))  # fmt: skip
        return tuple(rules)

    def load_fillers(self, value: Any, spellings: dict[str, str]) -> Fillers:
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
        return Fillers(anywhere, leading, pattern if trailing else None, spellings)

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
