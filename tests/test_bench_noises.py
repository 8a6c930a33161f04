"""voicecoach.bench.noises: the noises made here, deterministic and at speech level."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voicecoach.bench import noises


def octave_powers_db(x: np.ndarray, lows: tuple[int, ...]) -> list[float]:
    freqs = np.fft.rfftfreq(len(x), 1 / noises.RATE)
    power = np.abs(np.fft.rfft(x)) ** 2
    return [10 * np.log10(power[(freqs >= lo) & (freqs < 2 * lo)].sum()) for lo in lows]


def test_pink_noise_has_the_same_power_in_every_octave() -> None:
    x = noises.pink(noises.RATE * 10)
    bands = octave_powers_db(x, (100, 200, 400, 800, 1600, 3200))
    assert max(bands) - min(bands) < 1.0
    white = np.random.default_rng(1).normal(0, 1, len(x))
    assert octave_powers_db(white, (3200,))[0] - octave_powers_db(white, (100,))[0] > 14


def test_pink_noise_is_the_same_every_time_and_comes_at_speech_level(tmp_path: Path) -> None:
    assert np.array_equal(noises.pink(4000), noises.pink(4000))
    made = noises.make("pink", 2.0, tmp_path, tmp_path)
    assert len(made) == 2 * noises.RATE
    assert abs(np.sqrt(np.mean(made**2)) - noises.SPEECH_RMS) < 1e-6
