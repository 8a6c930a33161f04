"""Settings from a TOML file, the environment and the command line, and where each came from.

Precedence: a command-line flag, then ``$VOICECOACH_<KEY>``, then the config file, then the
default. Every bad value is a :class:`ConfigError` naming the key, the file and line (or the
variable) and the allowed values. ``$VOICECOACH_HOME``, when set, holds both the config file
and the history instead of the user's config and data dirs.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicecoach.errors import VoiceCoachError
from voicecoach.speech.asr.engines import ENGINES

log = logging.getLogger(__name__)

HOME_VAR = "VOICECOACH_HOME"
CONFIG_NAME = "config.toml"
HISTORY_NAME = "history.sqlite3"
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


class ConfigError(VoiceCoachError):
    """A setting has a bad value, an unknown name, or the file cannot be read or written."""


@dataclass(frozen=True, slots=True)
class Key:
    """One setting: its type, default, limits and the flag that overrides it."""

    name: str
    kind: type
    default: Any
    help: str
    flag: str
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    env: str = ""

    @property
    def variable(self) -> str:
        return self.env or f"VOICECOACH_{self.name.upper()}"

    def allowed(self) -> str:
        if self.choices:
            return " or ".join(self.choices)
        if self.kind is bool:
            return "true or false"
        if self.low is not None:
            noun = "a whole number" if self.kind is int else "a number"
            return f"{noun} from {self.low:g} to {self.high:g}"
        return "a string"

    def check(self, value: Any) -> Any:
        """``value`` as this key's type; ValueError when it is not allowed."""
        if self.kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, self.kind) or (self.kind is int and isinstance(value, bool)):
            raise ValueError(f"expected {self.allowed()}, not {value!r}")
        if self.choices and value not in self.choices:
            raise ValueError(f"{value!r} is not allowed; expected {self.allowed()}")
        if self.low is not None and not self.low <= value <= (self.high or value):
            raise ValueError(f"{value!r} is out of range; expected {self.allowed()}")
        return value

    def parse(self, text: str) -> Any:
        """A value typed as text (an environment variable, ``config set``), checked."""
        value: Any = text
        if self.kind is bool:
            lowered = text.strip().lower()
            if lowered not in _TRUE + _FALSE:
                raise ValueError(f"expected {self.allowed()}, not {text!r}")
            value = lowered in _TRUE
        elif self.kind in (int, float):
            try:
                value = self.kind(text)
            except ValueError:
                raise ValueError(f"expected {self.allowed()}, not {text!r}") from None
        return self.check(value)


KEYS: dict[str, Key] = {k.name: k for k in (
    Key("engine", str, "auto", "speech recognizer (auto: Whisper when installed)", "--engine",
        choices=ENGINES),
    Key("model", str, None, "vosk model folder (default: the installed one; for vosk)", "--model",
        env="VOICECOACH_MODEL"),
    Key("input_device", str, None, "microphone, index or name (see: voicecoach devices)",
        "--device"),
    Key("output_device", str, None, "speaker, index or name", "--output-device"),
    Key("voice", str, None, "espeak-ng voice, e.g. en-us or en-gb", "--voice"),
    Key("rate", int, None, "speech rate in words per minute", "--rate", low=80, high=400),
    Key("volume", float, 1.0, "speech volume", "--volume", low=0.0, high=1.0),
    Key("reps", int, None, "twists per side (default: today's target from your history)",
        "--reps", low=1, high=100),
    Key("tempo", float, 3.0, "starting tempo, seconds per twist", "--tempo", low=1.0, high=4.0),
    Key("denoise", str, "auto", "noise suppression before the recognizer", "--denoise",
        choices=("auto", "webrtc", "speex", "rnnoise", "deepfilter", "off")),
    Key("history", bool, True, "remember sessions (false: like --no-history)", "--no-history"),
)}


@dataclass(frozen=True, slots=True)
class Resolved:
    """Every setting's value and where it came from (``flag --reps``, ``file PATH:3``, ...)."""

    values: Mapping[str, Any]
    sources: Mapping[str, str]
    path: Path
    """The config file (it may not exist)."""

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


# -- where things live ----------------------------------------------------------------------


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(HOME_VAR):
        return Path(env[HOME_VAR]).expanduser() / CONFIG_NAME
    import platformdirs

    return Path(platformdirs.user_config_dir("voicecoach")) / CONFIG_NAME


def history_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    if env.get(HOME_VAR):
        return Path(env[HOME_VAR]).expanduser() / HISTORY_NAME
    import platformdirs

    return Path(platformdirs.user_data_dir("voicecoach")) / HISTORY_NAME


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ConfigFile:
    """The config file's settings, with the line each is on."""

    path: Path
    values: Mapping[str, Any] = field(default_factory=dict)
    lines: Mapping[str, int] = field(default_factory=dict)

    def where(self, name: str) -> str:
        line = self.lines.get(name)
        return f"{self.path}:{line}" if line else str(self.path)


def read_config(path: Path) -> ConfigFile:
    """Read and check the config file; an absent file is an empty one."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ConfigFile(path)
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read the config file: {err}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML: {err}") from None
    lines = {name: _line_of(text, name) for name in data}
    found = ConfigFile(path, {}, {k: v for k, v in lines.items() if v})
    return ConfigFile(path, {k: _checked(k, v, found.where(k)) for k, v in data.items()},
                      found.lines)


def _line_of(text: str, name: str) -> int | None:
    pattern = re.compile(rf"""^\s*(\[*)\s*(["']?){re.escape(name)}\2\s*(=|\])""")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return number
    return None


def _checked(name: str, value: Any, where: str) -> Any:
    key = KEYS.get(name)
    if key is None:
        raise ConfigError(f"{where}: unknown setting {name!r}; known: {', '.join(KEYS)}")
    try:
        return key.check(value)
    except ValueError as err:
        raise ConfigError(f"{where}: {name}: {err}") from None


def resolve(flags: Mapping[str, Any], env: Mapping[str, str] | None = None,
            path: Path | None = None) -> Resolved:
    """Every setting: a flag (not None) > ``$VOICECOACH_<KEY>`` > the file > the default."""
    env = os.environ if env is None else env
    path = path or config_path(env)
    file = read_config(path)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for name, key in KEYS.items():
        values[name], sources[name] = _pick(key, flags, env, file)
    return Resolved(values, sources, path)


def _pick(key: Key, flags: Mapping[str, Any], env: Mapping[str, str],
          file: ConfigFile) -> tuple[Any, str]:
    if flags.get(key.name) is not None:
        return key.check(flags[key.name]), f"flag {key.flag}"
    if env.get(key.variable):
        try:
            return key.parse(env[key.variable]), f"environment ${key.variable}"
        except ValueError as err:
            raise ConfigError(f"${key.variable}: {key.name}: {err}") from None
    if key.name in file.values:
        return file.values[key.name], f"file {file.where(key.name)}"
    return key.default, "default"


# -- writing ----------------------------------------------------------------------------------


def set_value(path: Path, name: str, text: str | None) -> Any:
    """Write ``name = text`` (checked) into the config file, keeping its comments; ``text``
    None removes the setting. The file is replaced whole or not at all."""
    key = KEYS.get(name)
    if key is None:
        raise ConfigError(f"{path}: unknown setting {name!r}; known: {', '.join(KEYS)}")
    try:
        value = None if text is None else key.parse(text)
    except ValueError as err:
        raise ConfigError(f"{path}: {name}: {err}") from None
    read_config(path)  # a file that does not read is never overwritten
    _write(path, _edited(path, name, value))
    return value


def _edited(path: Path, name: str, value: Any) -> str:
    import tomlkit

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    document = tomlkit.parse(text)
    if value is None:
        document.pop(name, None)
    else:
        document[name] = value
    return tomlkit.dumps(document)


def _write(path: Path, text: str) -> None:
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         prefix=".config-", suffix=".toml", delete=False) as out:
            tmp = Path(out.name)
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise ConfigError(f"{path}: cannot write the config file: {err.strerror or err}") from None
