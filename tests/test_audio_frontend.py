"""voicecoach.audio.frontend: the chain of stages, the choice of noise suppressor, and every
backend on bad input (silence, noise, DC offset, clipping, odd chunk sizes, a long stream)."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from conftest import shared_path

from voicecoach.audio import frontend
from voicecoach.audio.frontend import Stage, build_frontend
from voicecoach.audio.stage import Chain
from voicecoach.audio.wav import read_pcm16k
from voicecoach.errors import AudioError

BACKENDS = ("webrtc", "speex", "rnnoise", "deepfilter")


def pcm(x: np.ndarray) -> bytes:
    return np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()


def samples(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float64)


def through(chain: Chain, x: np.ndarray, chunk: int = 1600) -> np.ndarray:
    data = pcm(x)
    step = 2 * chunk
    return samples(b"".join(chain.run(data[i : i + step] for i in range(0, len(data), step))))


def test_an_unknown_name_is_refused() -> None:
    with pytest.raises(AudioError, match="unknown --denoise 'loud'"):
        build_frontend("loud")


def test_auto_falls_back_to_the_next_backend_in_one_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(frontend.DENOISERS, "webrtc", "voicecoach.audio.no_such_backend")
    monkeypatch.setattr(frontend, "AUTO_ORDER", ("missing", "speex"))
    monkeypatch.setitem(frontend.DENOISERS, "missing", "tests_missing_module")

    def missing() -> Stage:
        raise AudioError("missing noise suppression needs: pip install missing")

    monkeypatch.setattr(frontend, "_create", lambda name: missing() if name == "missing" else
                        frontend.importlib.import_module(frontend.DENOISERS[name]).create())
    with caplog.at_level(logging.WARNING):
        chain = build_frontend("auto")
    assert chain.name == "dc+speex+level"
    assert [r.getMessage() for r in caplog.records] == [
        "noise suppression: missing noise suppression needs: pip install missing; "
        "trying the next one"
    ]


def test_a_named_backend_that_cannot_load_gives_way_to_the_next(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(frontend.DENOISERS, "rnnoise", "voicecoach.audio.denoise_missing")

    def create(name: str) -> Stage:
        if name == "rnnoise":
            raise AudioError("rnnoise noise suppression needs: pip install pyrnnoise")
        return frontend.importlib.import_module(frontend.DENOISERS[name]).create()

    monkeypatch.setattr(frontend, "_create", create)
    with caplog.at_level(logging.WARNING):
        assert build_frontend("rnnoise").name == "dc+webrtc+level"
    assert len(caplog.records) == 1 and "pip install pyrnnoise" in caplog.text


def test_auto_is_the_measured_default_and_off_has_no_suppressor() -> None:
    assert build_frontend("auto").name == "dc+webrtc+level"
    assert build_frontend("off").name == "dc+level"


@pytest.fixture(scope="module")
def kitchen() -> np.ndarray:
    return samples(read_pcm16k(shared_path("speech/noise/picovoice_kitchen.wav")))[: 16000 * 4]


def tone(seconds: float, amplitude: float = 8000.0) -> np.ndarray:
    t = np.arange(int(seconds * 16000)) / 16000
    return amplitude * np.sin(2 * np.pi * 300 * t) * (np.sin(2 * np.pi * 2 * t) > 0)


@pytest.mark.parametrize("name", BACKENDS)
def test_each_backend_keeps_the_stream_length_and_quiets_noise(
    name: str, kitchen: np.ndarray
) -> None:
    chain = build_frontend(name, level=False)
    out = through(chain, kitchen)
    assert len(kitchen) - len(out) < 480  # at most a few frames held back, nothing more
    assert np.sqrt(np.mean(out[8000:] ** 2)) < np.sqrt(np.mean(kitchen[8000:] ** 2))


@pytest.mark.parametrize("name", [*BACKENDS, "off"])
@pytest.mark.parametrize(
    "signal",
    ["silence", "dc", "clipped", "odd_chunks"],
)
def test_bad_input_gives_bounded_audio(name: str, signal: str) -> None:
    x = {
        "silence": np.zeros(16000),
        "dc": np.full(16000, 12000.0) + tone(1.0, 2000),
        "clipped": np.clip(tone(1.0, 90000), -32768, 32767),
        "odd_chunks": tone(1.0),
    }[signal]
    chain = build_frontend(name)
    out = through(chain, x, chunk=333 if signal == "odd_chunks" else 1600)
    assert len(out) > len(x) - 1000 and np.all(np.isfinite(out))
    if signal == "silence":
        assert np.abs(out).max() < 100
    if signal == "dc":
        assert abs(out[8000:].mean()) < 1500  # the offset is gone


def test_reset_gives_the_same_output_for_the_same_input() -> None:
    chain = build_frontend("auto")
    x = tone(1.0, 300)
    first = through(chain, x)
    through(chain, tone(1.0, 20000))
    chain.reset()
    assert np.array_equal(through(chain, x), first)
