"""voicecoach.audio.room: the virtual speaker and the virtual microphone."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from voicecoach.audio.room import (
    Room,
    RoomSettings,
    VirtualSpeaker,
    active_rms,
    as_samples,
    gain_for,
    speech_span,
    synthetic_rir,
)


def tone(seconds: float, level: float = 8000.0, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(seconds * 16000)) / 16000
    return level * np.sin(2 * math.pi * hz * t)


def db(x: np.ndarray) -> float:
    return float(20 * np.log10(active_rms(x)))


def test_clips_start_at_their_time_and_never_overlap() -> None:
    speaker = VirtualSpeaker()
    first = speaker.play(tone(1.0), 0.5, "one")
    second = speaker.play(tone(1.0), 1.2, "two")  # still busy with "one" until 1.5
    third = speaker.play(tone(0.5), 3.0, "three")
    assert (first.start, second.start, third.start) == (0.5, 1.5, 3.0)
    assert second.offset == pytest.approx(0.3)
    assert speaker.saying(1.6).text == "two" and speaker.saying(2.7) is None
    assert speaker.saying(2.7, tail=0.5).text == "two"  # ended at 2.5: its echo may follow
    assert speaker.saying(3.1, tail=0.5).text == "three"


def test_a_cut_silences_within_one_block_and_drops_what_is_queued() -> None:
    speaker = VirtualSpeaker(block=0.02)
    playing = speaker.play(tone(2.0), 0.0, "long")
    queued = speaker.play(tone(1.0), 2.0, "next")
    silent = speaker.cut(0.505)
    assert silent == pytest.approx(0.52) and playing.cut and playing.end == pytest.approx(0.52)
    assert queued.dropped and speaker.saying(2.5) is None
    out = speaker.render(0, 16000 * 3)
    assert out[: int(0.5 * 16000)].any() and not out[int(0.52 * 16000) :].any()
    assert speaker.cut(5.0) == 5.0  # nothing playing: silent at once


def test_the_echo_is_delayed_and_at_its_level_relative_to_the_user() -> None:
    speaker = VirtualSpeaker()
    speaker.play(np.random.default_rng(1).normal(0, 3000.0, 32000), 0.0)
    room = Room(speaker, RoomSettings(echo_db=-10.0, delay=0.05, rt60=0.2),
                rng=random.Random(1))
    room.say(np.random.default_rng(2).normal(0, 1000.0, 16000), 3.0)
    mic = as_samples(b"".join(room.block(1600)[0] for _ in range(45)))
    echo, voice = mic[8000:32000], mic[48000:64000]
    assert db(echo) - db(voice) == pytest.approx(-10.0, abs=1.5)
    assert not mic[: int(0.05 * 16000) - 1].any() and mic[int(0.05 * 16000) + 1]


def test_noise_sits_at_its_snr_below_the_user() -> None:
    noise = np.random.default_rng(0).normal(0, 500.0, 16000)
    room = Room(VirtualSpeaker(), RoomSettings(echo_db=None, snr_db=10.0), noise)
    room.say(tone(1.0, 4000.0), 1.0)
    mic = as_samples(b"".join(room.block(1600)[0] for _ in range(20)))
    quiet, voice = mic[:16000], mic[16000:32000]
    speech = math.sqrt(max(float(np.mean(voice**2) - np.mean(quiet**2)), 1.0))
    assert 20 * math.log10(speech / math.sqrt(float(np.mean(quiet**2)))) == pytest.approx(10, abs=1)


def test_the_reference_is_exactly_what_was_played() -> None:
    speaker = VirtualSpeaker()
    clip = np.arange(1, 801, dtype=np.float64)
    speaker.play(clip, 0.05)
    room = Room(speaker, RoomSettings(), rng=random.Random(0))
    _, played = room.block(1600)
    ref = np.frombuffer(played, dtype="<i2")
    assert not ref[:800].any() and list(ref[800:1600]) == list(range(1, 801))


def test_helpers() -> None:
    clip = np.concatenate([np.zeros(3200), tone(0.5), np.zeros(1600)])
    assert speech_span(clip) == pytest.approx((0.2, 0.7), abs=0.011)
    assert gain_for(100.0, 1000.0, -20.0) == pytest.approx(1.0)
    rir = synthetic_rir(0.03, 0.2, random.Random(0), direct_to_reverb_db=6.0)
    assert np.argmax(np.abs(rir)) == 480 and rir[:480].sum() == 0
    assert 10 * math.log10(float(np.sum(rir[481:] ** 2))) == pytest.approx(-6.0, abs=0.01)
