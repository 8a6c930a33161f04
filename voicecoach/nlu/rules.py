"""The parts of the intent data that act on text before any matching.

The contract names (:data:`INTENTS`, :data:`HALTING`, :data:`NONE`), :func:`normalize`, and
the rules :mod:`voicecoach.nlu.data` builds from the phrase file: fillers and casual
spellings (:class:`Fillers`), negation (:class:`Negation`) and the safety keywords
(:class:`SafetyRule`). :mod:`voicecoach.nlu.matcher` re-exports the contract names and
``normalize``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

NONE = "none"
INTENTS: tuple[str, ...] = (
    "start", "stop", "pain", "dizzy", "pause", "resume", "ask_reps", "ask_benefits",
    "ask_precautions", "ask_technique", "ask_duration", "repeat", "help", "yes", "no",
    "ready", "faster", "slower", "skip", "quit", "ask_progress", NONE,
)  # fmt: skip
HALTING: frozenset[str] = frozenset({"stop", "pain", "dizzy"})
ASKING: frozenset[str] = frozenset({
    "ask_reps", "ask_benefits", "ask_precautions", "ask_technique", "ask_duration",
    "ask_progress",
})  # fmt: skip
"""Questions: acting on one changes no step, the coach only answers. ("repeat" and "help"
are not in it: Whisper's "come on" for "call mom" in kitchen noise came out as repeat.)"""

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_NON_WORD = re.compile(r"[^a-z0-9']+")
_EDGE_APOSTROPHE = re.compile(r"(?<![a-z0-9])'+|'+(?![a-z0-9])")
_LONG_RUN = re.compile(r"([a-z])\1{2,}")
POSSESSIVE_S = re.compile(r"'s\b")


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
class Fillers:
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
class Negation:
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
class CutOff:
    """A sentence cut off before what it is about, and the intents it cannot stand for."""

    dangling: frozenset[str] = frozenset()
    """Words no sentence ends on (articles, possessives): one that ends on them was cut off."""
    bare: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Intent → the question words that say it alone ("what?": repeat)."""

    def dangles(self, norm: str) -> bool:
        """Whether the normalized sentence ends on a ``dangling`` word."""
        return norm.rsplit(" ", 1)[-1] in self.dangling


_POSSESSIVE = frozenset({"my", "our"})


@dataclass(frozen=True, slots=True)
class ToldAbout:
    """Someone else's pain or dizziness, told about rather than felt."""

    window: int
    persons: frozenset[str]
    between: frozenset[str]
    speaker: frozenset[str]
    """The speaker's own words ("i", "me", "my"): after the person they keep the keyword."""

    def cancels(self, text: str, start: int) -> bool:
        """True when a person stands at most ``window`` words before the keyword at
        ``start`` with only ``between`` words in between ("my dad's been feeling sick", "she
        gets dizzy"), and the speaker is not in it: no speaker word from that person on ("he's
        hurting me" halts), and "my" only before a person ("my legs, they hurt" halts)."""
        before = text[:start].split()
        for back, word in enumerate(reversed(before[-self.window :])):
            if word in self.persons:
                person = len(before) - back - 1
                owns = self._owns(before[: person + 1])
                return not owns and self.speaker.isdisjoint(text.split()[person:])
            if word not in self.between:
                return False
        return False

    def _owns(self, words: list[str]) -> bool:
        """A "my" or "our" before something that is no person ("my legs, they hurt")."""
        return any(
            word in _POSSESSIVE and after not in self.persons
            for word, after in zip(words, [*words[1:], ""], strict=True)
        )



@dataclass(frozen=True, slots=True)
class SafetyRule:
    intent: str
    keywords: re.Pattern[str]
    starts: frozenset[str]
    """Every word a keyword can start with: without one, the regex need not run."""
    exceptions: re.Pattern[str] | None
    negatable: bool

    def check(
        self,
        padded: str,
        words: frozenset[str],
        negation: Negation,
        told: ToldAbout | None = None,
    ) -> bool | None:
        """True: a keyword holds; False: keywords were there but all cancelled (an
        exception, or for a negatable rule a negation or someone else's case told about);
        None: none."""
        if self.starts.isdisjoint(words):
            return None
        if self.exceptions is not None:
            text = self.exceptions.sub("", padded)
            cancelled = text != padded
        else:
            text, cancelled = padded, False
        for found in self.keywords.finditer(text):
            if self.negatable and (
                negation.cancels(text[: found.start()])
                or (told is not None and told.cancels(text, found.start()))
            ):
                cancelled = True
                continue
            return True
        return False if cancelled else None
