"""Flags -> the frozen settings the app takes, through the config file and the environment
(flag > ``$VOICECOACH_<KEY>`` > config file > default; see ``voicecoach/app/config.py``)."""

from __future__ import annotations

import argparse

from voicecoach.app.config import Resolved, history_path, resolve
from voicecoach.app.settings import EngineSettings, RunSettings


def settings_of(args: argparse.Namespace) -> Resolved:
    """Every setting resolved; a flag the command has not (or that was not given) is None."""

    def flag(name: str) -> object:
        return getattr(args, name, None)

    flags = {
        "engine": flag("engine"), "model": flag("model"), "input_device": flag("device"),
        "output_device": flag("output_device"), "voice": flag("voice"), "rate": flag("rate"),
        "volume": flag("volume"), "reps": flag("reps"), "tempo": flag("tempo"),
        "denoise": flag("denoise"), "history": False if flag("no_history") else None,
    }
    return resolve(flags)


def run_settings(args: argparse.Namespace) -> RunSettings:
    """The run command's flags, environment and config file as the frozen settings (a flag
    the namespace lacks takes its default: ``doctor`` passes an empty one)."""
    found = settings_of(args)

    def given(name: str, default: object = None) -> object:
        return getattr(args, name, default)

    return RunSettings(
        engine=_engine(found), reps=found["reps"], minutes=given("minutes"),
        seed=given("seed"), lang=given("lang", "en"), text=bool(given("text", False)),
        speak=given("output", "voice") == "voice", json=bool(given("json", False)),
        script=given("script"), real_clock=given("clock", "real") == "real",
        audio_in=given("audio_in"), device=found["input_device"],
        output_device=found["output_device"], voice=found["voice"], rate=found["rate"],
        volume=found["volume"], tempo=found["tempo"],
        history=str(history_path()) if found["history"] else None,
    )  # type: ignore[arg-type]


def engine_settings(args: argparse.Namespace) -> EngineSettings:
    return _engine(settings_of(args))


def _engine(found: Resolved) -> EngineSettings:
    return EngineSettings(engine=found["engine"], model=found["model"],
                          denoise=found["denoise"])
