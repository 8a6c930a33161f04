"""Noises that are not commands, made here, deterministically: babble, television, music, a fan,
pink noise.

Besides the shared kitchen recording, the benchmarks need noises the coach must never take for
a command. None is stored: babble is four synthetic voices reading unrelated text at once, the
television one voice over a music bed, music a seeded sequence of plucked chords, the fan
brown noise with a motor hum, pink noise (equal power per octave, the recognizer issue's
stationary noise). Every noise comes at the level of the benchmark's speech
(:data:`SPEECH_RMS`), as float64 samples at 16 kHz.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from voicecoach.bench.voices import Voice, load_noise, synthesize

RATE = 16000
SPEECH_RMS = 3000.0
"""RMS of the noises (about that of the synthetic voices' speech, -21 dBFS)."""
TEXTS = (
    "The weather tomorrow will be mild with a chance of rain in the afternoon and light winds "
    "from the west. Traffic on the main road is slow this morning because of repairs near the "
    "bridge, so leave a little earlier than usual.",
    "Add two cups of flour to the bowl, then the butter and a pinch of salt, and mix until the "
    "dough comes together. Let it rest in the fridge for half an hour before you roll it out.",
    "The committee met on Thursday to discuss the new library building, the budget for next "
    "year and the summer programme for children in the town, and agreed to meet again in May.",
    "In the second half the home team pressed forward and their striker hit the post twice "
    "before the goalkeeper made a fine save to keep the score level until the final whistle.",
)
"""Unrelated text for babble and television (no command words of the coach)."""
BABBLE_VOICES = (
    Voice("babble-1", "espeak-ng", ("-v", "en-us+m2", "-s", "165")),
    Voice("babble-2", "espeak-ng", ("-v", "en-gb+f2", "-s", "150")),
    Voice("babble-3", "flite", ("-voice", "slt")),
    Voice("babble-4", "flite", ("-voice", "rms")),
)
NAMES = ("kitchen", "babble", "tv", "music", "fan", "pink")


def make(name: str, seconds: float, cache: Path, shared: Path) -> Any:
    """``seconds`` of the noise called ``name`` (one of :data:`NAMES`), at speech level."""
    makers: dict[str, Callable[[int], Any]] = {
        "kitchen": lambda n: _looped(load_noise(shared / "noise/picovoice_kitchen.wav"), n),
        "babble": lambda n: babble(n, cache),
        "tv": lambda n: television(n, cache),
        "music": music,
        "fan": fan,
        "pink": pink,
    }
    if name not in makers:
        raise ValueError(f"unknown noise {name!r}: choose from {', '.join(NAMES)}")
    return _level(makers[name](int(seconds * RATE)))


def babble(n: int, cache: Path) -> Any:
    """Four voices talking at once, each reading all the texts from another one on."""
    parts = []
    for index, voice in enumerate(BABBLE_VOICES):
        text = " ".join(TEXTS[index:] + TEXTS[:index])
        parts.append(_level(_looped(_speech(voice, text, cache), n)))
    return sum(parts)


def television(n: int, cache: Path) -> Any:
    """One voice reading, over music 10 dB below it."""
    voice = _level(_looped(_speech(BABBLE_VOICES[0], " ".join(TEXTS), cache), n))
    return voice + 10 ** (-10 / 20) * _level(music(n))


def music(n: int, seed: int = 7) -> Any:
    """Plucked triads on a seeded walk through four chords, two a second, with harmonics."""
    import numpy as np

    rng = np.random.default_rng(seed)
    out = np.zeros(n)
    note = RATE // 2
    t = np.arange(note) / RATE
    roots = (261.63, 220.0, 174.61, 196.0)
    for start in range(0, n, note):
        root = roots[rng.integers(len(roots))]
        tone = sum(np.sin(2 * np.pi * root * r * h * t) / h
                   for r in (1.0, 1.26, 1.5) for h in (1, 2, 3))
        piece = tone * np.exp(-4 * t)
        out[start : start + note] += piece[: n - start]
    return out


def fan(n: int, seed: int = 11) -> Any:
    """Brown noise (integrated white, its drift below ~10 Hz taken out) with a 100 Hz hum."""
    import numpy as np

    walk = np.cumsum(np.random.default_rng(seed).normal(0, 1, n))
    drift = np.convolve(walk, np.ones(1600) / 1600, mode="same")
    brown = walk - drift
    hum = 0.3 * np.std(brown) * np.sin(2 * np.pi * 100 * np.arange(n) / RATE)
    return brown + hum


def pink(n: int, seed: int = 13) -> Any:
    """Pink noise: white noise whose spectrum is shaped to 1/f in power (1/sqrt(f) in
    amplitude), its DC left out; unit RMS."""
    import numpy as np

    spectrum = np.fft.rfft(np.random.default_rng(seed).normal(0, 1, n))
    freqs = np.fft.rfftfreq(n)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0
    out = np.fft.irfft(spectrum, n)
    return out / (np.std(out) or 1.0)


def _speech(voice: Voice, text: str, cache: Path) -> Any:
    import numpy as np

    return np.frombuffer(synthesize(voice, text, cache), dtype="<i2").astype(np.float64)


def _looped(x: Any, n: int) -> Any:
    import numpy as np

    return np.resize(x, n)


def _level(x: Any) -> Any:
    import numpy as np

    rms = float(np.sqrt(np.mean(x**2))) or 1.0
    return x * (SPEECH_RMS / rms)
