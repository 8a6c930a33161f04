"""Phrases a recognizer writes for noise ("thank you", "bye"): ``intents/<lang>/noise.yaml``.

The matcher marks a sentence that is one of them
(:attr:`~voicecoach.nlu.matcher.IntentMatch.noise`); :mod:`voicecoach.speech.listen` then never
acts on it (see the data file for why and what).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voicecoach.data import read_yaml
from voicecoach.errors import DataError
from voicecoach.nlu.rules import normalize

FILE_NAME = "noise.yaml"


def read(path: Path) -> frozenset[str]:
    """The normalized phrases of ``path`` (none if it is absent); ``DataError`` naming the file
    and key if it is malformed."""
    if not path.is_file():
        return frozenset()
    data = read_yaml(path) or {}
    return parse(data, str(path))


def parse(data: Any, source: str) -> frozenset[str]:
    """The phrases of parsed ``data``."""
    phrases = data.get("phrases") if isinstance(data, dict) else None
    if not isinstance(phrases, list) or not all(isinstance(p, str) and normalize(p)
                                                for p in phrases):
        raise DataError(source, "phrases", "expected a list of phrases")
    return frozenset(normalize(p) for p in phrases)
