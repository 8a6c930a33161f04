"""voicecoach.nlu.confusions: slips aligned word for word, and kept only on broad evidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.data import load_yaml
from voicecoach.errors import DataError
from voicecoach.nlu import soundalike
from voicecoach.nlu.confusions import Evidence, learn, observed, slips

MATTER = frozenset({"stop", "pain", "pace", "ready"})
KNOWN = frozenset({"start", "the", "up", "pick", "my", "back"})


@pytest.mark.parametrize(
    ("said", "heard", "found"),
    [
        ("pick up the pace", "pick up the paste", [("paste", "pace")]),
        ("stop", "spot", [("spot", "stop")]),
        ("my back is in pain", "my back is insane", []),  # two words for one: not a slip
        ("stop now", "stop now", []),
        ("Stop, now!", "stop now", []),  # normalized before aligning
        ("stop the twisting", "start the twisting", [("start", "stop")]),
    ],
)
def test_slips_are_one_word_for_another(said: str, heard: str, found: list) -> None:
    assert slips(said, heard) == found


def evidence(*seen: tuple[str, str, str]) -> Evidence:
    found = Evidence()
    for source, said, heard in seen:
        found.add(source, said, heard)
    return found


def test_a_slip_needs_two_sightings_from_two_voices() -> None:
    once = evidence(("a", "stop", "spot"))
    one_voice = evidence(("a", "stop", "spot"), ("a", "stop it", "spot it"))
    broad = evidence(("a", "stop", "spot"), ("b", "stop it", "spot it"))
    assert learn(once, MATTER, KNOWN.__contains__) == {}
    assert learn(one_voice, MATTER, KNOWN.__contains__) == {}
    assert learn(broad, MATTER, KNOWN.__contains__) == {"spot": "stop"}


def test_known_words_and_words_that_do_not_matter_are_not_learnt() -> None:
    seen = evidence(("a", "stop it", "start it"), ("b", "stop it", "start it"),
                    ("a", "twist", "twits"), ("b", "twist", "twits"))
    assert learn(seen, MATTER, KNOWN.__contains__) == {}
    assert [slip for slip, _, _ in observed(seen, MATTER)] == [("start", "stop")]


def test_a_word_heard_for_two_words_is_left_out() -> None:
    seen = evidence(("a", "stop", "pot"), ("b", "stop", "pot"),
                    ("a", "pain", "pot"), ("b", "pain", "pot"))
    assert learn(seen, MATTER, KNOWN.__contains__) == {}


def test_learnt_slips_load_with_the_sound_alikes(tmp_path: Path) -> None:
    path = tmp_path / soundalike.FILE_NAME
    path.write_text("words: [ready]\nsafety_words: [stop]\nsounds_like: {reddy: ready}\n",
                    "utf-8")
    soundalike.write_heard_as(path, {"spot": "stop"})
    assert soundalike.read(path) == {"reddy": "ready", "spot": "stop"}
    assert "spot: stop" in path.read_text("utf-8") and "reddy: ready" in path.read_text("utf-8")


@pytest.mark.parametrize(
    ("heard_as", "key"),
    [("{reddy: stop}", "heard_as.reddy"), ("{spot: go}", "heard_as.spot"),
     ("{Spot: stop}", "heard_as.Spot"), ("[spot]", "heard_as")],
)
def test_a_bad_learnt_slip_names_its_key(heard_as: str, key: str) -> None:
    text = (f"words: [ready]\nsafety_words: [stop]\nsounds_like: {{reddy: ready}}\n"
            f"heard_as: {heard_as}\n")
    with pytest.raises(DataError) as info:
        soundalike.parse(load_yaml(text), "f.yaml")
    assert info.value.key == key
