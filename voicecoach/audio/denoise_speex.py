"""Noise suppression by SpeexDSP's preprocessor (Debian ``libspeexdsp1``, through ctypes): a
spectral noise estimate with a residual-noise suppressor, on 10 ms frames, in place."""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Any

import numpy as np

from voicecoach.audio.stage import FRAME, RATE, Framed
from voicecoach.errors import AudioError

SET_DENOISE = 0
SET_NOISE_SUPPRESS = 18
NOISE_SUPPRESS_DB = -15
"""Most attenuation of noise, in dB (Speex's default is -15)."""


def _library() -> Any:
    path = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
    try:
        lib = ctypes.CDLL(path)
    except OSError as exc:
        raise AudioError("speex noise suppression needs libspeexdsp (apt-get install "
                         "libspeexdsp1)") from exc
    lib.speex_preprocess_state_init.restype = ctypes.c_void_p
    lib.speex_preprocess_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_preprocess_state_destroy.argtypes = [ctypes.c_void_p]
    lib.speex_preprocess_ctl.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    lib.speex_preprocess_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    return lib


class SpeexDenoiser(Framed):
    name = "speex"

    def __init__(self, suppress_db: int = NOISE_SUPPRESS_DB) -> None:
        super().__init__()
        self._lib = _library()
        self._suppress_db = suppress_db
        self._state: int | None = None
        self._open()

    def _open(self) -> None:
        self._state = self._lib.speex_preprocess_state_init(FRAME, RATE)
        on, suppress = ctypes.c_int(1), ctypes.c_int(self._suppress_db)
        self._lib.speex_preprocess_ctl(self._state, SET_DENOISE, ctypes.byref(on))
        self._lib.speex_preprocess_ctl(self._state, SET_NOISE_SUPPRESS, ctypes.byref(suppress))

    def _close(self) -> None:
        if self._state is not None:
            self._lib.speex_preprocess_state_destroy(self._state)
            self._state = None

    def reset(self) -> None:
        super().reset()
        self._close()
        self._open()

    def __del__(self) -> None:
        self._close()

    def frame_out(self, frame: np.ndarray) -> np.ndarray:
        buf = np.ascontiguousarray(frame, dtype="<i2").copy()
        self._lib.speex_preprocess_run(self._state, buf.ctypes.data)
        return buf


def create() -> SpeexDenoiser:
    return SpeexDenoiser()
