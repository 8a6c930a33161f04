"""voicecoach.audio.devices against a hand-written fake sounddevice, and the real one
(no devices here)."""

from __future__ import annotations

import importlib.abc
import os
import sys
import threading
import time
import wave
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fakesd import FakePortAudioError, FakeSoundDevice

from voicecoach.audio import devices as audio
from voicecoach.errors import AudioError

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
YES_WAV = SHARED / "speech" / "speech_commands" / "tflm_yes_1000ms.wav"


def shared_file(path: Path) -> Path:
    """The shared file, or a skip (a failure where CI=true) when it is absent."""
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing shared test file {path}")
        pytest.skip(f"shared test file {path} not present")
    return path


def finishes(fn: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Run ``fn`` in a thread; fail (instead of hanging) if it does not finish in time."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = fn()
        except BaseException as exc:  # handed back to the test below
            result["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout)
    assert not worker.is_alive(), f"still running after {timeout} s: it hangs"
    if "error" in result:
        raise result["error"]
    return result.get("value")


def wav_pcm(path: Path) -> bytes:
    with wave.open(str(path), "rb") as w:
        return w.readframes(w.getnframes())


# ---------------------------------------------------------------- microphone


def test_microphone_chunks_are_block_sized_and_carry_the_recording() -> None:
    pcm = wav_pcm(shared_file(YES_WAV))
    sd = FakeSoundDevice(pcm)
    stop = threading.Event()

    def take() -> list[bytes]:
        chunks = []
        for chunk in audio.microphone_chunks(rate=16000, block_seconds=0.1, stop=stop, sd=sd):
            chunks.append(chunk)
            if len(chunks) == 12:
                stop.set()
        return chunks

    chunks = finishes(take)
    assert {len(c) for c in chunks} == {3200}
    assert b"".join(chunks)[: len(pcm)] == pcm
    assert sd.streams[0].closed
    assert sd.streams[0].settings == {"device": None, "channels": 1, "dtype": "int16"}


def test_breaking_out_of_the_loop_closes_the_stream() -> None:
    sd = FakeSoundDevice(bytes(32000))
    for _ in audio.microphone_chunks(sd=sd):
        break
    assert sd.streams[0].closed  # the generator is released when the loop ends


@pytest.mark.parametrize(
    ("after_input", "message"),
    [("stall", "no audio from the microphone"), ("end", "microphone stopped")],
)
def test_vanishing_microphone_raises_instead_of_hanging(after_input: str, message: str) -> None:
    sd = FakeSoundDevice(bytes(6400), after_input=after_input)
    chunks = audio.microphone_chunks(sd=sd, no_audio_timeout=0.3)
    with pytest.raises(AudioError, match=message):
        finishes(lambda: list(chunks))
    assert sd.streams[0].closed


@pytest.mark.parametrize(
    ("error", "device", "message"),
    [
        (FakePortAudioError("Error querying device -1"), None, "no microphone found"),
        (ValueError("Not an input device"), 1, "device 1 is not a microphone"),
        (ValueError("No input device matching 'usb'"), "usb", "no microphone 'usb'"),
        (FakePortAudioError("Error querying device 7"), "7", "no microphone 7"),
        (FakePortAudioError("Device unavailable"), None, "microphone error: Device unavailable"),
    ],
)
def test_microphone_errors_are_checked_up_front(
    error: Exception, device: Any, message: str
) -> None:
    sd = FakeSoundDevice(input_error=error)
    with pytest.raises(AudioError, match=message):
        audio.microphone_chunks(device, sd=sd)  # raises at the call, before iterating
    assert sd.streams == []


def test_stream_that_fails_to_open_gives_an_audio_error() -> None:
    sd = FakeSoundDevice()
    sd.open_error = FakePortAudioError("Device unavailable [PaErrorCode -9985]")
    with pytest.raises(AudioError, match="microphone error: Device unavailable"):
        next(audio.microphone_chunks(sd=sd))


class _RefuseImport(importlib.abc.MetaPathFinder):
    def __init__(self, error: Exception) -> None:
        self.error = error

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "sounddevice":
            raise self.error


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (OSError("PortAudio library not found"), "install libportaudio2"),
        (ImportError("No module named 'sounddevice'"), "pip install sounddevice"),
    ],
)
def test_import_failure_becomes_an_audio_error(
    monkeypatch: pytest.MonkeyPatch, error: Exception, message: str
) -> None:
    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_RefuseImport(error), *sys.meta_path])
    with pytest.raises(AudioError, match=message):
        audio.load_sounddevice()
    with pytest.raises(AudioError, match=message):
        audio.list_devices()


# ---------------------------------------------------------------- devices


def test_list_devices_marks_the_defaults() -> None:
    devices = audio.list_devices(sd=FakeSoundDevice())
    assert [
        (d.index, d.name, d.input_channels, d.default_input, d.default_output) for d in devices
    ] == [(0, "Fake Mic", 1, True, False), (1, "Fake Speaker", 0, False, True)]
    assert devices[0].describe() == ">  0 Fake Mic (in 1, out 0, 44100 Hz)"


def test_real_sounddevice_imports_and_lists_devices() -> None:
    sd = audio.load_sounddevice()  # libportaudio2 is installed here
    assert hasattr(sd, "RawInputStream")
    devices = audio.list_devices()
    assert isinstance(devices, list)
    if not any(d.input_channels for d in devices):
        with pytest.raises(AudioError, match="no microphone found"):
            audio.microphone_chunks()
    if not any(d.output_channels for d in devices):
        with pytest.raises(AudioError, match="no speaker found"):
            audio.Player()


# ---------------------------------------------------------------- player


@pytest.fixture
def make_player() -> Iterator[Callable[..., audio.Player]]:
    players: list[audio.Player] = []

    def make(sd: FakeSoundDevice) -> audio.Player:
        players.append(audio.Player(sd=sd))
        return players[-1]

    yield make
    for player in players:
        player.close()


def tone(seconds: float, rate: int = 16000) -> bytes:
    return bytes([1, 2]) * round(seconds * rate)


def test_player_plays_clips_in_order(make_player: Callable[..., audio.Player]) -> None:
    sd = FakeSoundDevice(speed=50)
    player = make_player(sd)
    first, second = tone(0.5), bytes([3, 4]) * 8000
    player.play(first, 16000, "one")
    player.play(second, 16000, "two")
    assert player.busy()
    assert finishes(player.wait)
    assert not player.busy()
    assert bytes(sd.played).replace(b"\0", b"") == first + second  # zeros: block padding
    assert player.current_text is None
    assert player.last_text == "two"


def test_player_stops_at_once_and_drops_the_queue(
    make_player: Callable[..., audio.Player],
) -> None:
    sd = FakeSoundDevice(speed=5)
    player = make_player(sd)
    player.play(tone(20), 16000, "a long line")
    player.play(tone(20), 16000, "the next line")
    deadline = time.monotonic() + 5
    while player.current_text != "a long line" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert player.current_text == "a long line"
    finishes(player.stop)
    assert not player.busy()
    assert player.current_text is None
    assert len(sd.played) < len(tone(20))  # cut off long before the end
    assert player.last_text == "a long line"  # the queued line never started


def test_player_resamples_when_the_device_refuses_the_rate(
    make_player: Callable[..., audio.Player],
) -> None:
    sd = FakeSoundDevice(speed=50, output_rates=(48000,))
    player = make_player(sd)
    player.play(tone(0.2, 22050), 22050, "resampled")
    assert finishes(player.wait)
    assert sd.streams[0].rate == 48000
    assert len(sd.played.rstrip(b"\0")) == pytest.approx(0.2 * 48000 * 2, rel=0.01)


def test_no_speaker_is_an_audio_error() -> None:
    sd = FakeSoundDevice(output_error=FakePortAudioError("Error querying device -1"))
    with pytest.raises(AudioError, match="no speaker found: connect one or use --output text"):
        audio.Player(sd=sd)


def test_output_failure_is_reported_on_the_next_play(
    make_player: Callable[..., audio.Player],
) -> None:
    sd = FakeSoundDevice()
    player = make_player(sd)
    sd.open_error = FakePortAudioError("Device unavailable")
    player.play(tone(0.1), 16000, "lost")
    assert finishes(player.wait)
    with pytest.raises(AudioError, match="speaker error: Device unavailable"):
        player.play(tone(0.1), 16000, "again")


# ---------------------------------------------------------------- echo cancelling


def test_the_microphone_cancels_what_the_player_played(tmp_path: Path) -> None:
    """The player taps every block it plays with PortAudio's output time; the microphone
    fetches, for each block, what was played when it was captured, and cancels it."""
    import random

    import numpy as np
    from speechkit import spoken

    from voicecoach.audio.echo import EchoPath, PlaybackTap
    from voicecoach.audio.room import synthetic_rir

    line = spoken("Turn gently from the waist and keep your hips facing forward.", tmp_path)
    coach = np.tile(line, 3)
    sd = FakeSoundDevice(speed=200, after_input="end")
    tap = PlaybackTap(keep=60.0)
    player = audio.Player(sd=sd, tap=tap.played)
    player.play(coach.tobytes(), 16000, "the coach")
    assert finishes(player.wait, 30.0)
    player.close()
    echo = np.convolve(coach.astype(float) * 0.3, synthetic_rir(0.03, 0.2, random.Random(1)))
    sd.input_pcm = np.clip(echo[: len(coach)], -32768, 32767).astype("<i2").tobytes()
    sd.clock["input"] = 100.0  # the microphone started with the speaker

    def record() -> list[bytes]:
        out: list[bytes] = []
        try:
            for block in audio.microphone_chunks(sd=sd, echo=EchoPath(tap)):
                out.append(block)
        except AudioError:  # the fake microphone ends after its recording
            pass
        return out

    cleaned = np.frombuffer(b"".join(finishes(record, 30.0)), dtype="<i2").astype(float)
    heard = np.frombuffer(sd.input_pcm, dtype="<i2").astype(float)
    last = slice(len(heard) - 3 * 16000, len(heard) - 16000)
    removed = 10 * np.log10(np.mean(heard[last] ** 2) / (np.mean(cleaned[last] ** 2) + 1e-9))
    assert removed > 15


def test_player_starts_a_clip_at_its_time_and_a_stop_ends_the_wait(
    make_player: Callable[..., audio.Player],
) -> None:
    sd = FakeSoundDevice(speed=50)
    player = make_player(sd)
    begin = time.monotonic()
    player.play(tone(0.1), 16000, "later", at=begin + 0.3)
    assert player.current_text is None and player.busy()  # waiting: silent, but queued
    assert finishes(player.wait)
    assert time.monotonic() - begin >= 0.3 and player.last_text == "later"
    player.play(tone(0.1), 16000, "never", at=time.monotonic() + 30)
    finishes(player.stop, 2.0)
    assert not player.busy() and player.last_text == "later"
