"""The language data's folder and YAML reader (voicecoach/data.py)."""

from __future__ import annotations

import pytest
import yaml

from voicecoach.data import data_dir, load_yaml


def test_the_data_folder_holds_the_phrase_files() -> None:
    assert (data_dir() / "intents.yaml").is_file()


def test_yaml_is_read_as_safe_load_reads_it() -> None:
    text = "a: [1, two]\nb: {c: yes}\n"
    assert load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", ["a: 1\na: 2\n", "top:\n  ready: [x]\n  ready: [y]\n"])
def test_a_key_written_twice_is_an_error_naming_it_and_its_line(text: str) -> None:
    with pytest.raises(yaml.YAMLError, match=r"written twice[\s\S]*line [23]"):
        load_yaml(text)


def test_python_objects_are_not_built() -> None:
    with pytest.raises(yaml.YAMLError):
        load_yaml("!!python/object/apply:os.system ['true']\n")
