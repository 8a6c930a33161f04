"""The coach's lines as audio: rendered once by the real TTS, kept as 16 kHz samples.

:class:`LineAudio` renders each line with :func:`voicecoach.speech.tts.render_wav` (pyttsx3,
espeak-ng as fallback), resamples it once to 16 kHz (the rate the microphone path and the echo
canceller work at, so the samples played are the reference) and caches it by text. Its
:meth:`LineAudio.duration` is what the coach's timeline uses (``Coach(durations=...)``): the
coach then counts, waits and reprompts in step with the audio the user hears.
"""

from __future__ import annotations

import logging
import tempfile
from collections import OrderedDict
from pathlib import Path

from voicecoach.audio.wav import read_pcm16k

log = logging.getLogger(__name__)

RATE = 16000


class LineAudio:
    """Rendered lines by text (at most ``cache_size`` kept), for one voice and speech rate."""

    def __init__(
        self, voice: str | None = None, rate: int | None = None, cache_size: int = 512
    ) -> None:
        self.voice = voice
        self.rate = rate
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_size = cache_size
        self.renders = 0
        """How many lines were actually rendered (not taken from the cache)."""

    def pcm(self, text: str) -> bytes:
        """``text`` spoken, as 16 kHz mono int16; AudioError if speech cannot be rendered."""
        text = " ".join(text.split())
        if text in self._cache:
            self._cache.move_to_end(text)
            return self._cache[text]
        clip = self._render(text)
        self._cache[text] = clip
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return clip

    def duration(self, text: str) -> float:
        """Seconds ``text`` takes when spoken (rendered, so exact)."""
        return len(self.pcm(text)) / (2 * RATE)

    def _render(self, text: str) -> bytes:
        from voicecoach.speech.tts import render_wav

        with tempfile.TemporaryDirectory(prefix="voicecoach-line-") as tmp:
            path = render_wav(text, Path(tmp) / "line.wav", self.voice, self.rate)
            self.renders += 1
            return read_pcm16k(path)
