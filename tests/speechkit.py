"""Test speech: espeak-ng's en-us voice (the speech benchmark uses other voices)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.wav import read_pcm16k, write_wav


def speak(text: str, path: Path, voice: str = "en-us") -> Path:
    """``espeak-ng`` renders ``text`` to a WAV file (22.05 kHz, as it comes)."""
    if shutil.which("espeak-ng") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("espeak-ng is not installed (apt-get install espeak-ng)")
        pytest.skip("espeak-ng is not installed")
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(path), text], check=True, timeout=30)
    return path


def spoken(text: str, folder: Path) -> np.ndarray:
    """``text`` as 16 kHz int16 samples."""
    return np.frombuffer(read_pcm16k(speak(text, folder / "raw.wav")), dtype="<i2")


def recording(path: Path, parts: list[str | float]) -> Path:
    """A 16 kHz WAV of utterances and silences (floats are seconds of silence)."""
    pieces = [np.zeros(int(p * 16000), dtype="<i2") if isinstance(p, float) else
              spoken(p, path.parent) for p in parts]
    return write_wav(path, np.concatenate(pieces))
