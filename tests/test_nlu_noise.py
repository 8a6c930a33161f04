"""Phrases recognizers write for noise: read, checked, and marked by the matcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.data import data_dir
from voicecoach.errors import DataError
from voicecoach.nlu import noise
from voicecoach.nlu.matcher import IntentMatcher


@pytest.mark.parametrize(
    ("text", "marked"),
    [("Thank you.", True), ("thanks for watching", True), ("Bye!", True),
     ("thank you coach", False), ("stop", False), ("Let's see.", True),
     ("let's see how many are left", False)],
)
def test_the_matcher_marks_a_whole_noise_phrase(text: str, marked: bool) -> None:
    assert IntentMatcher.load().match(text).noise is marked


def test_the_shipped_phrases_are_normalized() -> None:
    assert "thanks for watching" in noise.read(data_dir() / noise.FILE_NAME)


def test_no_file_means_no_noise_phrases(tmp_path: Path) -> None:
    assert noise.read(tmp_path / noise.FILE_NAME) == frozenset()


@pytest.mark.parametrize("text", ["phrases: [thank you, 3]\n", "- thank you\n", "phrases: [\n"])
def test_a_bad_noise_file_names_the_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / noise.FILE_NAME
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="noise.yaml"):
        noise.read(path)
