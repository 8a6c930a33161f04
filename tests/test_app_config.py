"""Settings: a TOML file, the environment and flags, with their precedence and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.app.config import (
    KEYS,
    ConfigError,
    config_path,
    history_path,
    read_config,
    resolve,
    set_value,
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_when_nothing_is_set(tmp_path: Path) -> None:
    found = resolve({}, env={}, path=tmp_path / "absent.toml")
    assert found.values == {name: key.default for name, key in KEYS.items()}
    assert set(found.sources.values()) == {"default"}


def test_flag_beats_environment_beats_file_beats_default(tmp_path: Path) -> None:
    path = write(tmp_path, "# mine\nreps = 20\ntempo = 2.5\nvoice = \"en-gb\"\n")
    env = {"VOICECOACH_REPS": "25", "VOICECOACH_TEMPO": "2"}
    found = resolve({"reps": 30}, env=env, path=path)
    assert (found["reps"], found.sources["reps"]) == (30, "flag --reps")
    assert (found["tempo"], found.sources["tempo"]) == (2.0, "environment $VOICECOACH_TEMPO")
    assert (found["voice"], found.sources["voice"]) == ("en-gb", f"file {path}:4")
    assert (found["engine"], found.sources["engine"]) == ("auto", "default")


def test_the_model_variable_is_the_one_the_models_use(tmp_path: Path) -> None:
    found = resolve({}, env={"VOICECOACH_MODEL": "/m"}, path=tmp_path / "absent.toml")
    assert (found["model"], found.sources["model"]) == ("/m", "environment $VOICECOACH_MODEL")


def test_booleans_from_the_environment(tmp_path: Path) -> None:
    found = resolve({}, env={"VOICECOACH_HISTORY": "no", "VOICECOACH_DENOISE": "off"},
                    path=tmp_path / "absent.toml")
    assert (found["history"], found["denoise"]) == (False, "off")


@pytest.mark.parametrize(("text", "words"), [
    ("reps = 200\n", ["config.toml:1", "reps", "out of range", "from 1 to 100"]),
    ("\nengine = \"google\"\n",
     ["config.toml:2", "engine", "auto or whisper or vosk or pocketsphinx"]),
    ("volume = \"loud\"\n", ["config.toml:1", "volume", "a number from 0 to 1"]),
    ("history = 1\n", ["config.toml:1", "history", "true or false"]),
    ("reps = true\n", ["config.toml:1", "reps", "a whole number"]),
    ("# x\n\n'colour' = \"red\"\n", ["config.toml:3", "unknown setting 'colour'", "engine"]),
    ("[voice]\nname = 1\n", ["config.toml:1", "voice: expected a string"]),
    ("[sound]\nname = 1\n", ["config.toml:1", "unknown setting 'sound'"]),
    ("reps = \n", ["config.toml", "not valid TOML", "line 1"]),
])
def test_a_bad_file_names_the_key_file_line_and_allowed_values(tmp_path: Path, text: str,
                                                              words: list[str]) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        resolve({}, env={}, path=path)
    message = str(err.value)
    assert "\n" not in message and all(w in message for w in words), message


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"\$VOICECOACH_RATE: rate: .*from 80 to 400"):
        resolve({}, env={"VOICECOACH_RATE": "fast"}, path=tmp_path / "absent.toml")


def test_a_bad_flag_is_refused_too(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="from 1 to 4"):
        resolve({"tempo": 9.0}, env={}, path=tmp_path / "absent.toml")


def test_set_writes_one_value_and_keeps_comments(tmp_path: Path) -> None:
    path = write(tmp_path, "# my settings\nvoice = \"en-gb\"  # British\n")
    assert set_value(path, "reps", "20") == 20
    assert set_value(path, "voice", "en-us") == "en-us"
    text = path.read_text()
    assert "# my settings" in text and "reps = 20" in text and 'voice = "en-us"' in text
    assert read_config(path).values == {"voice": "en-us", "reps": 20}
    set_value(path, "reps", None)
    assert read_config(path).values == {"voice": "en-us"}


def test_set_creates_the_file_and_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "new" / "config.toml"
    set_value(path, "history", "false")
    assert read_config(path).values == {"history": False}


@pytest.mark.parametrize(("key", "value", "match"), [
    ("reps", "many", "reps: expected a whole number from 1 to 100"),
    ("engine", "siri",
     "engine: 'siri' is not allowed; expected auto or whisper or vosk or pocketsphinx"),
    ("colour", "red", "unknown setting 'colour'"),
])
def test_set_refuses_bad_values_and_leaves_the_file(tmp_path: Path, key: str, value: str,
                                                   match: str) -> None:
    path = write(tmp_path, "reps = 12\n")
    with pytest.raises(ConfigError, match=match):
        set_value(path, key, value)
    assert path.read_text() == "reps = 12\n"


def test_set_never_overwrites_a_file_it_cannot_read(tmp_path: Path) -> None:
    path = write(tmp_path, "reps = = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        set_value(path, "reps", "20")
    assert path.read_text() == "reps = = 3\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_voicecoach_home_holds_config_and_history(tmp_path: Path) -> None:
    env = {"VOICECOACH_HOME": str(tmp_path)}
    assert config_path(env) == tmp_path / "config.toml"
    assert history_path(env) == tmp_path / "history.sqlite3"
    assert config_path({}).name == "config.toml" and config_path({}) != config_path(env)
