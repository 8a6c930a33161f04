"""Talk about one's own body that means no intent: maybe a halt the coach should ask about.

``intents/<lang>/body.yaml`` names, per halting intent, the words of such talk: "my" and a part
of the body ("my lower back", "me knees"), in a sentence that is no question and has no good
word in it. The matcher gives it as :attr:`~voicecoach.nlu.matcher.IntentMatch.doubt` of a
``none`` match: never a halt, a reason to pause and ask ("Does something hurt?"). Measured in
stop 22: of the spoken commands that matched nothing, those that named a part of the body were
mostly pain said in kitchen noise and misheard ("i felt something bump in my neck").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import dropwhile
from pathlib import Path
from typing import Any

from voicecoach.data import read_yaml
from voicecoach.errors import DataError
from voicecoach.nlu.rules import HALTING

FILE_NAME = "body.yaml"
FIELDS = ("own", "before_part", "parts", "questions", "exclaims", "lead_in", "not_the_body",
          "fine")


@dataclass(frozen=True, slots=True)
class BodyTalk:
    """One halting intent's words of body talk (see the module)."""

    intent: str
    mention: re.Pattern[str]
    questions: frozenset[str]
    """Words that make a question of a sentence they begin ..."""
    exclaims: frozenset[str]
    """... except these right before the mention: they exclaim ("oh what my neck")."""
    lead_in: frozenset[str]
    """... after these ("um how do i")."""
    not_the_body: re.Pattern[str]
    fine: frozenset[str]

    def holds(self, norm: str) -> bool:
        """Whether the normalized sentence ``norm`` is such talk."""
        words = norm.split()
        return (not self._asks(words) and self.fine.isdisjoint(words)
                and self.mention.search(self.not_the_body.sub(" ", norm)) is not None)

    def _asks(self, words: list[str]) -> bool:
        rest = list(dropwhile(self.lead_in.__contains__, words))
        if not rest or rest[0] not in self.questions:
            return False
        return rest[0] not in self.exclaims or not self.mention.match(" ".join(rest[1:]))


def doubt(talks: tuple[BodyTalk, ...], norm: str) -> str:
    """The halting intent ``norm`` may mean by :class:`BodyTalk`, or ""."""
    return next((talk.intent for talk in talks if talk.holds(norm)), "")


def read(path: Path) -> tuple[BodyTalk, ...]:
    """The body talk of ``path``; none if the file is absent; ``DataError`` naming the file
    and key if it is malformed."""
    if not path.is_file():
        return ()
    data = read_yaml(path) or {}
    return parse(data, str(path))


def parse(data: Any, source: str) -> tuple[BodyTalk, ...]:
    """The body talk of parsed ``data``; ``DataError`` naming ``source`` and the key."""
    if not isinstance(data, Mapping):
        raise DataError(source, None, "expected a mapping of halting intents")
    return tuple(_talk(intent, fields, source) for intent, fields in data.items())


def _talk(intent: str, fields: Any, source: str) -> BodyTalk:
    if intent not in HALTING:
        raise DataError(source, str(intent), f"body talk is for {', '.join(sorted(HALTING))}")
    if not isinstance(fields, Mapping) or set(fields) != set(FIELDS):
        raise DataError(source, intent, f"expected the fields {', '.join(FIELDS)}")
    words = {name: _words(fields[name], source, f"{intent}.{name}") for name in FIELDS}
    mention = re.compile(rf"\b({_any(words['own'])}) (({_any(words['before_part'])}) )?"
                         rf"({_any(words['parts'])})\b")
    other = re.compile(rf"\b({_any(words['not_the_body'])})\b")
    return BodyTalk(intent, mention, frozenset(words["questions"]), frozenset(words["exclaims"]),
                    frozenset(words["lead_in"]), other, frozenset(words["fine"]))


def _words(value: Any, source: str, key: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(
            isinstance(w, str) and w.strip() for w in value):
        raise DataError(source, key, "expected a list of words")
    return [w.strip().lower() for w in value]


def _any(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in words)
