"""voicecoach.audio.level: quiet speech is lifted, normal speech and noise are left alone."""

from __future__ import annotations

import numpy as np
import pytest

from voicecoach.audio.level import MAX_GAIN_DB, TARGET_DBFS, Level


def run(x: np.ndarray) -> np.ndarray:
    stage = Level()
    data = np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()
    out = b"".join(stage.process(data[i : i + 3200]) for i in range(0, len(data), 3200))
    return np.frombuffer(out, dtype="<i2").astype(np.float64)


def bursts(amplitude: float, seconds: float = 3.0) -> np.ndarray:
    """Tone bursts (speech-like on and off), after half a second of low hiss."""
    t = np.arange(int(seconds * 16000)) / 16000
    x = amplitude * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 1.5 * t) > 0.3)
    x[:8000] = 0
    return x + np.random.default_rng(0).normal(0, 4, len(x))


def peak_frame_dbfs(x: np.ndarray) -> float:
    n = len(x) // 160
    rms = np.sqrt(np.mean(x[: n * 160].reshape(n, 160) ** 2, axis=1))
    return float(20 * np.log10(rms.max() / 32768))


@pytest.mark.parametrize("down_db", [20.0, 30.0])
def test_quiet_speech_is_brought_to_the_target(down_db: float) -> None:
    out = run(bursts(8000 * 10 ** (-down_db / 20)))
    assert abs(peak_frame_dbfs(out[16000:]) - TARGET_DBFS) < 3


def test_speech_at_the_target_level_is_unchanged() -> None:
    x = bursts(32768 * 10 ** (TARGET_DBFS / 20) * np.sqrt(2))
    assert np.allclose(run(x)[16000:], x[16000:], rtol=0.12, atol=3)  # within 1 dB


def test_a_shout_that_clips_is_turned_down() -> None:
    x = np.clip(bursts(8000) * 8, -32768, 32767)
    assert abs(peak_frame_dbfs(run(x)[16000:]) - TARGET_DBFS) < 3


def test_steady_noise_is_not_lifted() -> None:
    noise = np.random.default_rng(1).normal(0, 30, 16000 * 3)
    assert np.sqrt(np.mean(run(noise) ** 2)) < 35


def test_the_lift_is_bounded_and_never_clips() -> None:
    stage = Level()
    quiet = np.concatenate([bursts(3.0), bursts(30000)])
    data = np.rint(quiet).astype("<i2").tobytes()
    out = np.frombuffer(stage.process(data), dtype="<i2")
    assert stage.gain_db <= MAX_GAIN_DB
    assert np.abs(out.astype(np.int32)).max() <= 30000
