"""Noise suppression by WebRTC (``webrtc-noise-gain``, the one Home Assistant's voice satellites
use): spectral noise suppression and a high-pass filter on 10 ms frames, no added latency
beyond the frame. Its own gain control is left off (it adds at most ~9 dB: measured; the
:mod:`voicecoach.audio.level` stage does the levelling)."""

from __future__ import annotations

from typing import Any

import numpy as np

from voicecoach.audio.stage import Framed
from voicecoach.errors import AudioError

SUPPRESSION = 2
"""WebRTC's noise suppression level, 0 (off) to 4 (strongest)."""


def _import() -> Any:
    try:
        import webrtc_noise_gain
    except ImportError as exc:
        raise AudioError("webrtc noise suppression needs: pip install webrtc-noise-gain") from exc
    return webrtc_noise_gain


class WebrtcDenoiser(Framed):
    name = "webrtc"

    def __init__(self, suppression: int = SUPPRESSION) -> None:
        super().__init__()
        self._lib = _import()
        self._suppression = suppression
        self._processor = self._lib.AudioProcessor(0, suppression)

    def reset(self) -> None:
        super().reset()
        self._processor = self._lib.AudioProcessor(0, self._suppression)

    def frame_out(self, frame: np.ndarray) -> np.ndarray:
        result = self._processor.Process10ms(frame.astype("<i2").tobytes())
        return np.frombuffer(result.audio, dtype="<i2")


def create() -> WebrtcDenoiser:
    return WebrtcDenoiser()
