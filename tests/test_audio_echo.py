"""voicecoach.audio.echo: SpeexDSP echo cancellation, and the playback tap of a real speaker.

Measured on real speech (espeak-ng en-us) through the simulated room's echo path.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest
from speechkit import spoken

from voicecoach.audio.echo import FRAME, EchoCanceller, PlaybackTap, cancel_echo
from voicecoach.audio.room import Room, RoomSettings, VirtualSpeaker, as_samples


def level_db(x: np.ndarray) -> float:
    return float(10 * np.log10(np.mean(x**2) + 1e-9))


def room_with(coach: np.ndarray, user: np.ndarray, at: float, delay: float) -> Room:
    speaker = VirtualSpeaker()
    for k in range(4):
        speaker.play(coach, 0.2 + k * len(coach) / 16000)
    room = Room(speaker, RoomSettings(echo_db=-6.0, delay=delay), rng=random.Random(2))
    room.say(user, at)
    return room


@pytest.mark.parametrize("delay", [0.01, 0.08])
def test_the_coachs_voice_is_removed_and_the_users_kept(tmp_path: Path, delay: float) -> None:
    coach = spoken("Keep your hips facing forward and twist gently from the waist.", tmp_path)
    user = spoken("stop", tmp_path)
    end = 4 * len(coach) / 16000
    room = room_with(as_samples(coach), user, end - 2.0, delay)
    canceller = EchoCanceller()
    mic, out = [], []
    while room.now < end:
        m, ref = room.block(1600)
        mic.append(m)
        out.append(canceller.process(m, ref))
    before, after = as_samples(b"".join(mic)), as_samples(b"".join(out))
    late = slice(int((end - 5.0) * 16000), int((end - 2.5) * 16000))  # echo alone, converged
    assert level_db(before[late]) - level_db(after[late]) > 20
    start, stop = int((end - 2.0) * 16000), int((end - 2.0) * 16000) + len(user)
    kept = level_db(after[start:stop]) - level_db(before[start:stop])
    assert kept > -3.0  # double talk: the user's "stop" comes through (echo is 6 dB below it)
    assert canceller.reference_seconds > 5.0


def test_chunks_of_any_length_come_out_in_whole_frames() -> None:
    canceller = EchoCanceller()
    silence = bytes(2 * 250)
    assert canceller.process(silence, silence) == bytes(2 * FRAME)  # 90 samples carried over
    assert len(canceller.process(silence, silence)) == 2 * 2 * FRAME  # 340 in: two frames
    chunks = list(cancel_echo([(bytes(3200), bytes(3200))] * 3, EchoCanceller()))
    assert [len(c) for c in chunks] == [3200] * 3


def test_mic_and_reference_must_match() -> None:
    with pytest.raises(ValueError, match="differ"):
        EchoCanceller().process(bytes(320), bytes(318))


def test_the_tap_returns_what_was_played_then() -> None:
    tap = PlaybackTap(latency=0.01, clock=lambda: 0.0)
    block = np.arange(1, 321, dtype="<i2").tobytes()  # 20 ms
    tap.played(block, at=1.0)
    ref = np.frombuffer(tap.reference(1.0, 640), dtype="<i2")
    assert not ref[:160].any()  # the device sounds it 10 ms after it is handed over
    assert list(ref[160:480]) == list(range(1, 321))
    assert not ref[480:].any()
    assert not any(tap.reference(5.0, 160))
