"""voicecoach.speech.lines: the coach's lines rendered by the real TTS, cached, timed."""

from __future__ import annotations

import numpy as np

from voicecoach.speech.lines import LineAudio


def test_a_line_is_rendered_once_and_its_duration_is_its_audio() -> None:
    lines = LineAudio()
    pcm = lines.pcm("Twist to the right.")
    again = lines.pcm("  Twist to the   right. ")
    assert pcm is again and lines.renders == 1
    assert lines.duration("Twist to the right.") == len(pcm) / 32000
    assert 0.5 < lines.duration("Twist to the right.") < 3.0
    assert np.abs(np.frombuffer(pcm, dtype="<i2")).max() > 1000


def test_slower_speech_takes_longer_and_the_cache_is_bounded() -> None:
    fast, slow = LineAudio(rate=220), LineAudio(rate=120, cache_size=1)
    text = "Breathe in slowly through your nose."
    assert slow.duration(text) > 1.4 * fast.duration(text)
    slow.pcm("Right, 1.")
    slow.pcm(text)
    assert slow.renders == 3  # the first line was pushed out of a one-line cache
