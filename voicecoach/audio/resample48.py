"""Base for noise suppressors that work at 48 kHz: 16 kHz int16 in, resampled up, processed in
the backend's frames, resampled back down (the project's one resampler, streaming)."""

from __future__ import annotations

import numpy as np

from voicecoach.audio.wav import Resampler

RATE48 = 48000


class At48k:
    """Subclasses give ``frame48`` (float32 in -1..1, one frame in, one out), ``open``."""

    name = "at48k"

    def __init__(self, frame48: int) -> None:
        self.size = frame48
        self.reset()

    def reset(self) -> None:
        self._up = Resampler(16000, RATE48)
        self._down = Resampler(RATE48, 16000)
        self._buf = np.zeros(0, dtype=np.float32)
        self.open()

    def open(self) -> None:
        raise NotImplementedError

    def frame48(self, frame: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def process(self, pcm: bytes) -> bytes:
        x = np.frombuffer(pcm[: len(pcm) - len(pcm) % 2], dtype="<i2") / np.float32(32768)
        self._buf = np.concatenate([self._buf, self._up.process(x.astype(np.float32))])
        whole = len(self._buf) - len(self._buf) % self.size
        if not whole:
            return b""
        frames = self._buf[:whole].reshape(-1, self.size)
        self._buf = self._buf[whole:]
        out = self._down.process(np.concatenate([self.frame48(f) for f in frames]))
        return np.clip(np.rint(out * 32768.0), -32768, 32767).astype("<i2").tobytes()
