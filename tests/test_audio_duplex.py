"""voicecoach.audio.duplex against the fake sounddevice: one stream both ways, the microphone
paired sample for sample with what was played."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from fakesd import FakePortAudioError, FakeSoundDevice
from test_audio_devices import finishes

from voicecoach.audio.devices import wait_idle
from voicecoach.audio.duplex import Duplex, open_duplex
from voicecoach.audio.wav import CHUNK_SAMPLES
from voicecoach.errors import AudioError


def noise_clip(seconds: float, seed: int = 1, level: float = 3000.0) -> bytes:
    samples = np.random.default_rng(seed).normal(0.0, level, int(16000 * seconds))
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()


def take(duplex: Duplex, count: int) -> list[tuple[bytes, bytes]]:
    stop = threading.Event()

    def run() -> list[tuple[bytes, bytes]]:
        got = []
        for pair in duplex.pairs(stop):
            got.append(pair)
            if len(got) == count:
                stop.set()
        return got

    return finishes(run)


def test_each_microphone_block_comes_with_exactly_what_was_played() -> None:
    sd = FakeSoundDevice(noise_clip(2.0, seed=2), speed=50.0)
    duplex = open_duplex(sd=sd)
    clip = noise_clip(0.5)
    try:
        duplex.player.play(clip, 16000, "a line")
        pairs = take(duplex, 16000 // CHUNK_SAMPLES)  # one second: the clip and silence after
    finally:
        duplex.close()
    block = 2 * CHUNK_SAMPLES
    assert {len(m) for m, _ in pairs} == {block} and {len(r) for _, r in pairs} == {block}
    played = b"".join(r for _, r in pairs)
    start = played.find(clip[:640])  # the stream ran a few silent blocks before the clip
    assert start % 640 == 0 and not any(played[:start])
    assert played[start : start + len(clip)] == clip and not any(played[start + len(clip) :])
    assert bytes(sd.played).startswith(played)
    assert noise_clip(2.0, seed=2).startswith(b"".join(m for m, _ in pairs))
    assert sd.streams[0].settings == {"device": (None, None), "channels": (1, 1),
                                      "dtype": "int16"}


def test_a_stop_silences_the_voice_from_the_next_block() -> None:
    sd = FakeSoundDevice(bytes(64000), speed=50.0)
    duplex = open_duplex(sd=sd)
    try:
        duplex.player.play(noise_clip(60.0), 16000, "a long line")  # 1.2 s at the fake's pace
        take(duplex, 3)  # may all be blocks from before the clip: wait for it to sound
        assert wait_idle(lambda: duplex.player.current_text != "a long line", timeout=2.0)
        assert duplex.player.busy()
        duplex.player.stop()
        cut_at = len(sd.played)
        take(duplex, 3)
    finally:
        duplex.close()
    assert any(sd.played[:cut_at]) and not any(sd.played[cut_at + 640 :])
    assert not duplex.player.busy()


def test_the_canceller_removes_the_echo_of_the_paired_playback() -> None:
    """The device hears its own output 40 ms later at half level: SpeexDSP, given the paired
    blocks, takes most of it out."""
    from voicecoach.audio.echo import EchoCanceller

    sd = FakeSoundDevice(bytes(32000 * 6), speed=100.0, echo_gain=0.5, echo_blocks=2)
    duplex = open_duplex(sd=sd)
    canceller = EchoCanceller()
    try:
        duplex.player.play(noise_clip(5.0), 16000)
        pairs = take(duplex, 50)
    finally:
        duplex.close()
    late = pairs[30:]
    raw = np.frombuffer(b"".join(m for m, _ in late), dtype="<i2").astype(float)
    for mic, ref in pairs[:30]:
        canceller.process(mic, ref)
    clean = np.frombuffer(b"".join(canceller.process(m, r) for m, r in late),
                          dtype="<i2").astype(float)
    assert 10 * np.log10(np.mean(raw**2) / np.mean(clean**2)) > 15


def test_a_device_that_cannot_do_both_says_so() -> None:
    sd = FakeSoundDevice(duplex_error=FakePortAudioError("Invalid number of channels"))
    with pytest.raises(AudioError, match="no duplex stream"):
        open_duplex(sd=sd)


def test_a_device_lost_mid_stream_raises_instead_of_hanging() -> None:
    duplex = open_duplex(sd=FakeSoundDevice(bytes(6400), after_input="end"))
    with pytest.raises(AudioError, match="microphone stopped"):
        finishes(lambda: list(duplex.pairs()))
    duplex.player.play(bytes(320), 16000)  # dropped: the session goes on with printed replies
    assert duplex.player.gone and not duplex.player.busy()
    duplex.close()
