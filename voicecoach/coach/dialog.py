"""What the coach says: response variants and the coaching script, loaded from data files.

Both files live in ``intents/<lang>/`` (``responses.yaml`` and ``script.yaml``) and are
validated on load; every error names the file and the key. The coach refers to lines by key
and picks among variants with an injected :class:`random.Random`.
"""

from __future__ import annotations

import logging
import random
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.data import data_dir, load_yaml
from voicecoach.errors import DataError

log = logging.getLogger(__name__)

SCRIPT_TEXT_KEYS = ("title", "intro", "how_it_works", "safety_question", "safety_advice")
SCRIPT_LIST_KEYS = ("setup", "twisting", "reminders", "reminders_short", "benefits", "tips",
                    "precautions", "feeling_fine", "about_me")
COOLDOWN_KEYS = ("slow_down", "start_position", "arms", "breathe", "next")
DOSE_KEYS = ("beginner_min", "beginner_max", "build_min", "build_max", "minutes")
STEPS = ("idle", "start_check", "safety", "safety_check", "safety_confirm", "cleared_check",
         "setup", "explain", "pacing", "paused", "checking", "stopped", "halted", "halt_confirm",
         "halt_check", "cooldown")
"""The coach's dialogue steps: each has its own ``help.*`` and ``options.*`` lines."""
RESPONSE_KEYS = (
    "greeting", "intro", "done", "benefits", "benefits.more", "precautions", "technique.general",
    "sorry", "sorry.again", "sorry.typing",
    "quit", "quit.twisting", "input.error", "start.already", "start.check", "start.not_now",
    "repeat.nothing",
    "safety.ask", "safety.advice", "safety.cleared", "safety.no_problems", "safety.not_cleared",
    "safety.need_answer", "safety.yes_or_no", "safety.check", "safety.checked_no",
    "safety.cleared_check", "safety.cleared_yes_or_no", "skip.safety", "skip.not_now",
    "setup.intro", "setup.cue", "setup.ready", "setup.take_time",
    "twist.intro", "twist.step", "twist.begin", "twist.right", "twist.left", "twist.number",
    "twist.halfway", "twist.halfway_short", "twist.last_short",
    "twist.last", "twist.reminder", "twist.target_reached", "twist.time_up", "twist.going",
    "tempo.faster", "tempo.slower", "tempo.fastest", "tempo.slowest", "tempo.not_now",
    "pause.paused", "pause.resumed", "pause.not_now",
    "halt.stop", "halt.stop_idle", "halt.pain", "halt.dizzy", "halt.wait_fine", "halt.confirm",
    "halt.need_confirm", "halt.resume_ok", "halt.not_fine", "halt.stopped_cooldown",
    "halt.check", "halt.not_sure", "check.stop", "check.pain", "check.dizzy", "check.quit",
    "check.again",
    "cooldown.intro", "cooldown.slower", "cooldown.step", "cooldown.breathe_in",
    "cooldown.breathe_out", "cooldown.right", "cooldown.left",
    "reps.before", "reps.before_time", "reps.during", "reps.during_time", "reps.after",
    "duration.before", "duration.during", "silence.reprompt", "silence.close",
    *(f"help.{step}" for step in STEPS), *(f"options.{step}" for step in STEPS), "help.intro",
    # issue 9: from the history (coach/recall.py)
    "greeting.returning", "progress.caution", "progress.feeling.pain", "progress.feeling.dizzy",
    "progress.last.unwell", "progress.last.finished", "progress.last.stopped",
    "progress.plan.minutes", "progress.plan.set", "progress.plan.first",
    "progress.plan.hold", "progress.plan.step_up", "progress.plan.step_back", "progress.reps",
    "progress.off", "progress.first", "progress.summary", "progress.today",
)
"""Every key the coach says something by: checked on load, so a gap fails at start-up."""


def read_yaml(path: Path) -> Any:
    """Read one YAML file; any failure becomes a :class:`DataError` naming the file."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(str(path), None, f"cannot read: {err}") from err
    try:
        return load_yaml(text)
    except yaml.YAMLError as err:
        raise DataError(str(path), None, f"not valid YAML: {err}") from err


def _slots(template: str, source: str, key: str) -> frozenset[str]:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name]
    except ValueError as err:
        raise DataError(source, key, f"bad placeholder: {err}") from err
    return frozenset(fields)


@dataclass(frozen=True, slots=True)
class Responses:
    """Response variants by key, each variant a ``str.format`` template."""

    variants: Mapping[str, tuple[str, ...]]
    source: str = "<dict>"

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> Responses:
        if not isinstance(data, Mapping) or not data:
            raise DataError(source, None, "expected a mapping of key -> list of variants")
        variants: dict[str, tuple[str, ...]] = {}
        for key, value in data.items():
            variants[str(key)] = _check_variants(value, source, str(key))
        return cls(variants, source)

    @classmethod
    def from_yaml(cls, path: str | Path) -> Responses:
        return cls.from_dict(read_yaml(Path(path)), str(path))

    def require(self, keys: tuple[str, ...]) -> None:
        """Fail on load, not mid-session, when a key the coach uses is missing."""
        for key in keys:
            if key not in self.variants:
                raise DataError(self.source, key, "missing response")

    def render(self, key: str, rng: random.Random, **slots: object) -> str:
        options = self.variants.get(key)
        if options is None:
            raise DataError(self.source, key, "missing response")
        template = options[rng.randrange(len(options))] if len(options) > 1 else options[0]
        try:
            return template.format(**slots)
        except (KeyError, IndexError, ValueError) as err:
            raise DataError(self.source, key, f"cannot fill {template!r}: {err}") from err


def _check_variants(value: Any, source: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise DataError(source, key, "expected a non-empty list of variants")
    if not all(isinstance(v, str) and v.strip() for v in value):
        raise DataError(source, key, "every variant must be a non-empty string")
    slot_sets = {_slots(v, source, key) for v in value}
    if len(slot_sets) > 1:
        raise DataError(source, key, "variants use different {slots}")
    return tuple(v.strip() for v in value)


@dataclass(frozen=True, slots=True)
class TechniqueTopic:
    name: str
    words: frozenset[str]
    answer: str


@dataclass(frozen=True, slots=True)
class Script:
    """The Back Twist itself: steps, cues, dose, benefits, tips, precautions."""

    text: Mapping[str, str]
    lists: Mapping[str, tuple[str, ...]]
    cooldown: Mapping[str, str]
    dose: Mapping[str, int]
    technique: tuple[TechniqueTopic, ...]

    @classmethod
    def from_dict(cls, data: Any, source: str = "<dict>") -> Script:
        if not isinstance(data, Mapping):
            raise DataError(source, None, "expected a mapping")
        lists = {k: _check_variants(data.get(k), source, k) for k in SCRIPT_LIST_KEYS}
        if len(lists["reminders_short"]) != len(lists["reminders"]):
            raise DataError(source, "reminders_short", "needs one short form per reminder")
        return cls(
            text={k: _text(data, k, source) for k in SCRIPT_TEXT_KEYS},
            lists=lists,
            cooldown=_text_map(data, "cooldown", COOLDOWN_KEYS, source),
            dose=_dose(data, source),
            technique=_technique(data, source),
        )

    @classmethod
    def from_yaml(cls, path: str | Path) -> Script:
        return cls.from_dict(read_yaml(Path(path)), str(path))

    def says_fine(self, answer: str) -> bool:
        """Whether ``answer`` says the user is fine (a word of ``feeling_fine``): "I feel fine
        now" means yes to "do you feel okay?", but no to "does something hurt?"."""
        return not set(self.lists["feeling_fine"]).isdisjoint(answer.lower().split())

    def about_me(self, sentence: str) -> bool:
        """Whether ``sentence`` tells of the speaker's own state (words of ``about_me``: "i've
        got a slipped disc"), not of anyone's ("is it safe with a slipped disc?")."""
        padded = f" {' '.join(sentence.lower().split())} "
        return any(f" {words} " in padded for words in self.lists["about_me"])

    def topic_for(self, question: str) -> TechniqueTopic | None:
        """The technique topic whose words occur in ``question``, if any."""
        words = set(question.lower().replace("?", " ").split())
        best = max(self.technique, key=lambda t: len(t.words & words))
        return best if best.words & words else None


def _text(data: Mapping[str, Any], key: str, source: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise DataError(source, key, "expected a non-empty string")
    return " ".join(value.split())


def _text_map(data: Mapping[str, Any], key: str, keys: tuple[str, ...], source: str) -> dict:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise DataError(source, key, "expected a mapping")
    return {k: _text(value, k, f"{source}: {key}") for k in keys}


def _dose(data: Mapping[str, Any], source: str) -> dict[str, int]:
    value = data.get("dose")
    if not isinstance(value, Mapping):
        raise DataError(source, "dose", "expected a mapping")
    dose = {}
    for k in DOSE_KEYS:
        number = value.get(k)
        if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
            raise DataError(source, f"dose.{k}", "expected a positive whole number")
        dose[k] = number
    return dose


def _technique(data: Mapping[str, Any], source: str) -> tuple[TechniqueTopic, ...]:
    value = data.get("technique")
    if not isinstance(value, Mapping) or not value:
        raise DataError(source, "technique", "expected a mapping of topics")
    topics = []
    for name, topic in value.items():
        where = f"technique.{name}"
        if not isinstance(topic, Mapping) or not isinstance(topic.get("words"), list):
            raise DataError(source, where, "expected words: [...] and answer: ...")
        answer = _text(topic, "answer", f"{source}: {where}")
        topics.append(TechniqueTopic(str(name), frozenset(map(str, topic["words"])), answer))
    return tuple(topics)


@dataclass(frozen=True, slots=True)
class Dialog:
    """Everything the coach says, for one language."""

    responses: Responses
    script: Script

    @classmethod
    def load(cls, lang: str = "en", folder: Path | None = None) -> Dialog:
        root = folder or data_dir(lang)
        responses = Responses.from_yaml(root / "responses.yaml")
        responses.require(RESPONSE_KEYS)
        return cls(responses, Script.from_yaml(root / "script.yaml"))
