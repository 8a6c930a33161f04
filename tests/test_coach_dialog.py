"""The dialog data: loading, validation errors naming file and key, and the seed in full."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from conftest import shared_path

from voicecoach.coach.dialog import Dialog, Responses, Script, read_yaml
from voicecoach.data import data_dir
from voicecoach.errors import DataError

SCRIPT = read_yaml(data_dir() / "script.yaml")
RESPONSES = read_yaml(data_dir() / "responses.yaml")


def words(text: str) -> set[str]:
    text = text.lower().replace("&", " and ").replace("whole's", "whole exercise it's")
    return set(re.findall(r"[a-z]+", text)) - {"s", "the", "a", "and", "your", "you", "to"}


def script_strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in script_strings(value)]
    if isinstance(node, list):
        return [s for value in node for s in script_strings(value)]
    return []


def seed_sentences() -> list[str]:
    text = shared_path("seed/back_twist.txt").read_text(encoding="utf-8")
    body = text.split("Back Twist Back Stretching Exercise", 1)[1]
    parts = re.split(r"(?<=[.!])\s+|\n+|•", body)
    return [p.strip(" .") for p in parts if len(words(p)) >= 2]


def test_every_step_cue_benefit_tip_and_precaution_of_the_seed_is_in_the_script() -> None:
    strings = script_strings(SCRIPT) + script_strings(RESPONSES)
    lines = [words(s) for s in strings]
    lines += [words(a + " " + b) for a, b in zip(strings, strings[1:], strict=False)]
    missing = []
    for sentence in seed_sentences():
        wanted = words(sentence)
        if not any(len(wanted & line) >= 0.8 * len(wanted) for line in lines):
            missing.append(sentence)
    assert not missing, missing
    assert len(seed_sentences()) >= 30  # the parser found the whole text


def test_the_dose_is_the_seeds() -> None:
    assert SCRIPT["dose"] == {"beginner_min": 10, "beginner_max": 15, "build_min": 30,
                              "build_max": 40, "minutes": 2}


def test_what_the_coach_says_in_its_own_words_has_variants() -> None:
    variants = Dialog.load().responses.variants
    own_words = [k for k, v in variants.items() if not k.startswith(("options.", "help."))
                 and not v[0].startswith("{") and k not in ("twist.right", "twist.left",
                                                           "cooldown.right", "cooldown.left")]
    single = [k for k in own_words if len(variants[k]) < 2]
    assert len(own_words) > 40 and not single, single


def test_loads_and_renders_with_variants() -> None:
    dialog = Dialog.load()
    rng = random.Random(1)
    greetings = {dialog.responses.render("greeting", rng) for _ in range(30)}
    assert len(greetings) >= 2
    assert dialog.responses.render("reps.during", rng, count=7, target=15, remaining=8) == (
        "7 of 15 on each side, 8 to go.")


@pytest.mark.parametrize(
    ("data", "key", "problem"),
    [
        ({"a": []}, "a", "non-empty list"),
        ({"a": ["ok", ""]}, "a", "non-empty string"),
        ({"a": ["{x}", "{y}"]}, "a", "different {slots}"),
        ({"a": ["{x"]}, "a", "bad placeholder"),
        ([], None, "mapping"),
    ],
)
def test_bad_responses_name_the_key(data: object, key: str | None, problem: str) -> None:
    with pytest.raises(DataError) as err:
        Responses.from_dict(data, "responses.yaml")
    assert err.value.source == "responses.yaml" and err.value.key == key
    assert problem in str(err.value)


def test_missing_response_names_the_key() -> None:
    responses = Responses.from_dict({"a": ["x"]}, "r.yaml")
    with pytest.raises(DataError, match="r.yaml: b: missing response"):
        responses.render("b", random.Random())


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d.pop("setup"), "setup"),
        (lambda d: d.update(intro=""), "intro"),
        (lambda d: d["dose"].update(build_max="forty"), "dose.build_max"),
        (lambda d: d.update(technique={"arms": {"words": ["arm"]}}), "answer"),
        (lambda d: d["cooldown"].pop("breathe"), "breathe"),
    ],
)
def test_bad_script_names_the_key(change, key: str) -> None:  # type: ignore[no-untyped-def]
    data = read_yaml(data_dir() / "script.yaml")
    change(data)
    with pytest.raises(DataError) as err:
        Script.from_dict(data, "script.yaml")
    assert key in str(err.value) and "script.yaml" in str(err.value)


def test_missing_and_malformed_files_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="responses.yaml: cannot read"):
        Dialog.load(folder=tmp_path)
    (tmp_path / "responses.yaml").write_text("a: [unclosed", encoding="utf-8")
    with pytest.raises(DataError, match="responses.yaml: not valid YAML"):
        Dialog.load(folder=tmp_path)


def test_technique_topics_pick_from_the_question() -> None:
    script = Dialog.load().script
    assert script.topic_for("what do i do with my hands") is not None
    assert script.topic_for("what do i do with my hands").name == "arms"  # type: ignore[union-attr]
    assert script.topic_for("tell me something") is None


def test_a_missing_response_key_fails_on_load(tmp_path: Path) -> None:
    for name in ("responses.yaml", "script.yaml"):
        text = (data_dir() / name).read_text(encoding="utf-8")
        if name == "responses.yaml":
            text = text.replace("halt.dizzy:", "halt.dizzy_renamed:")
        (tmp_path / name).write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match="responses.yaml: halt.dizzy: missing response"):
        Dialog.load(folder=tmp_path)


def test_every_key_loaded_is_one_the_coach_uses() -> None:
    from voicecoach.coach.dialog import RESPONSE_KEYS

    assert set(Dialog.load().responses.variants) == set(RESPONSE_KEYS)
