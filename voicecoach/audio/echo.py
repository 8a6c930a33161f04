"""Acoustic echo cancellation: remove the coach's own voice from the microphone.

:class:`EchoCanceller` wraps SpeexDSP's echo canceller (Debian ``libspeexdsp1``) through ctypes.
It is given the microphone and, for the same stretch of time, the exact samples the speaker
played (the *reference*); it learns the path from speaker to microphone and subtracts it, so
the user's "stop" said over the coach stays audible (measured in ``../shared/FIELD_NOTES.md``:
SpeexDSP was the only option that kept the user's speech during double talk).

Rules that matter (FIELD_NOTES): the sampling rate must be set (Speex's default is 8000); the
playback-to-microphone delay must fit inside the filter's tail; one canceller per session, never
reset per utterance (it takes a few seconds to converge); feed the samples exactly as played.

:class:`PlaybackTap` is the reference for a real speaker: the player writes every block it
plays into it, stamped with the monotonic clock, and the microphone path reads back what was
played during each microphone block.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from voicecoach.errors import AudioError

log = logging.getLogger(__name__)

RATE = 16000
FRAME = 160
"""Samples per Speex frame: 10 ms at 16 kHz."""
TAIL = 3200
"""Filter length in samples (200 ms): room echo plus the playback-to-microphone delay."""
_SET_SAMPLING_RATE = 24
_PRE_SET_DENOISE = 0
_PRE_SET_ECHO_STATE = 24

_LIB: Any = None


def load_speexdsp() -> Any:
    """The SpeexDSP library (loaded once); AudioError saying what to install if it is absent."""
    global _LIB
    if _LIB is None:
        name = ctypes.util.find_library("speexdsp") or "libspeexdsp.so.1"
        try:
            lib = ctypes.CDLL(name)
        except OSError as exc:
            raise AudioError(
                "SpeexDSP not found: install libspeexdsp1 (Debian/Ubuntu: sudo apt install "
                "libspeexdsp1) for echo cancellation"
            ) from exc
        _declare(lib)
        _LIB = lib
    return _LIB


def _declare(lib: Any) -> None:
    p, i16p = ctypes.c_void_p, ctypes.POINTER(ctypes.c_int16)
    lib.speex_echo_state_init.restype = p
    lib.speex_echo_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_echo_state_destroy.argtypes = [p]
    lib.speex_echo_ctl.argtypes = [p, ctypes.c_int, p]
    lib.speex_echo_cancellation.argtypes = [p, i16p, i16p, i16p]
    lib.speex_preprocess_state_init.restype = p
    lib.speex_preprocess_state_init.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.speex_preprocess_state_destroy.argtypes = [p]
    lib.speex_preprocess_ctl.argtypes = [p, ctypes.c_int, p]
    lib.speex_preprocess_run.argtypes = [p, i16p]


class EchoCanceller:
    """SpeexDSP echo cancellation on 16 kHz mono int16 audio, any chunk length.

    ``process(mic, ref)`` takes equal lengths of microphone and reference audio (bytes) and
    returns the microphone with the echo removed, delayed by nothing: leftovers shorter than
    a frame are carried to the next call.

    ``residual`` adds Speex's residual-echo suppressor (its preprocessor tied to the echo
    state; it works only with Speex's noise suppression on): 10-15 dB more echo removed, but
    measured in the simulated room it cost the user's words said over the coach ("how many
    reps" heard as "how many minutes"), so it is off by default; the front-end's gain holds
    while the coach talks instead (:meth:`voicecoach.audio.level.Level.far_end`).
    """

    def __init__(self, tail: int = TAIL, residual: bool = False) -> None:
        self._lib = load_speexdsp()
        self._state = self._lib.speex_echo_state_init(FRAME, tail)
        rate = ctypes.c_int(RATE)
        self._lib.speex_echo_ctl(self._state, _SET_SAMPLING_RATE, ctypes.byref(rate))
        self._pre = self._residual_suppressor() if residual else None
        self._mic = bytearray()
        self._ref = bytearray()
        self._out = (ctypes.c_int16 * FRAME)()
        self.reference_seconds = 0.0
        """Seconds of non-silent reference seen: how long the canceller has had to learn."""

    def process(self, mic: bytes, ref: bytes) -> bytes:
        """The echo-free microphone audio for ``mic`` (``ref``: what was played meanwhile)."""
        if len(mic) != len(ref):
            raise ValueError(f"mic and reference differ: {len(mic)} vs {len(ref)} bytes")
        self._mic += mic
        self._ref += ref
        out = bytearray()
        size = 2 * FRAME
        while len(self._mic) >= size:
            out += self._frame(bytes(self._mic[:size]), bytes(self._ref[:size]))
            del self._mic[:size], self._ref[:size]
        return bytes(out)

    def _frame(self, mic: bytes, ref: bytes) -> bytes:
        if any(ref):
            self.reference_seconds += FRAME / RATE
        mic_buf = (ctypes.c_int16 * FRAME).from_buffer_copy(mic)
        ref_buf = (ctypes.c_int16 * FRAME).from_buffer_copy(ref)
        self._lib.speex_echo_cancellation(self._state, mic_buf, ref_buf, self._out)
        if self._pre is not None:
            self._lib.speex_preprocess_run(self._pre, self._out)
        return bytes(self._out)

    def _residual_suppressor(self) -> Any:
        pre = self._lib.speex_preprocess_state_init(FRAME, RATE)
        on = ctypes.c_int(1)  # Speex suppresses residual echo only with its denoiser on
        self._lib.speex_preprocess_ctl(pre, _PRE_SET_DENOISE, ctypes.byref(on))
        self._lib.speex_preprocess_ctl(pre, _PRE_SET_ECHO_STATE, ctypes.c_void_p(self._state))
        return pre

    def close(self) -> None:
        """Free the Speex state (also done when the canceller is garbage-collected)."""
        if self._pre is not None:
            self._lib.speex_preprocess_state_destroy(self._pre)
            self._pre = None
        if self._state is not None:
            self._lib.speex_echo_state_destroy(self._state)
            self._state = None

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown: nothing left to free with
            pass


def cancel_echo(
    pairs: Iterable[tuple[bytes, bytes]], canceller: EchoCanceller
) -> Iterator[bytes]:
    """Microphone chunks with the echo removed, from ``(mic, reference)`` pairs.

    Output chunks have the input's length once the canceller holds no partial frame (chunks
    of whole 10 ms frames, as the microphone's 0.1 s blocks are, come out unchanged in size).
    """
    for mic, ref in pairs:
        yield canceller.process(mic, ref)


class PlaybackTap:
    """What a real speaker played, stamped with the monotonic clock, kept for ``keep`` seconds.

    The player calls :meth:`played` from its output callback with each block of 16 kHz int16
    audio as it hands it to the device; the microphone path calls :meth:`reference` with the
    capture time of each block and gets what was played then (silence where nothing was).
    ``latency`` is how long after handing a block over the device sounds it.
    """

    def __init__(self, latency: float = 0.0, keep: float = 5.0, clock: Any = time.monotonic):
        self.latency = latency
        self._keep = keep
        self._clock = clock
        self._blocks: deque[tuple[float, bytes]] = deque()
        self._lock = threading.Lock()

    def played(self, pcm: bytes, at: float | None = None) -> None:
        """``pcm`` (16 kHz int16) was handed to the device at ``at`` (default: now)."""
        start = (self._clock() if at is None else at) + self.latency
        with self._lock:
            self._blocks.append((start, pcm))
            while self._blocks and self._blocks[0][0] < start - self._keep:
                self._blocks.popleft()

    def reference(self, start: float, samples: int) -> bytes:
        """The ``samples`` played from time ``start`` on (zeros where nothing played)."""
        out = bytearray(2 * samples)
        with self._lock:
            blocks = list(self._blocks)
        for at, pcm in blocks:
            offset = round((at - start) * RATE)
            _overlay(out, pcm, offset)
        return bytes(out)


def _overlay(out: bytearray, pcm: bytes, offset: int) -> None:
    """Copy ``pcm`` into ``out`` starting at sample ``offset`` (clipped to ``out``)."""
    first = max(0, -offset)
    begin = max(0, offset)
    count = min(len(pcm) // 2 - first, len(out) // 2 - begin)
    if count > 0:
        out[2 * begin : 2 * (begin + count)] = pcm[2 * first : 2 * (first + count)]


class Canceller(Protocol):
    """Anything that removes the echo from a microphone block given what was played."""

    def process(self, mic: bytes, ref: bytes) -> bytes: ...


class EchoPath:
    """The microphone's echo stage on a real device: for each block, the tap's reference for
    the time it was captured, through the canceller.

    ``lead`` fetches the reference that much earlier than the capture time, so that stamping
    errors leave the reference ahead of its echo (the canceller cannot use a reference that
    arrives after its echo; a lead inside its 200 ms tail costs nothing).
    """

    def __init__(
        self, tap: PlaybackTap, canceller: Canceller | None = None, lead: float = 0.02
    ) -> None:
        self.tap = tap
        self.canceller: Canceller = canceller or EchoCanceller()
        self.lead = lead

    def __call__(self, block: bytes, captured_at: float) -> bytes:
        reference = self.tap.reference(captured_at - self.lead, len(block) // 2)
        return self.canceller.process(block, reference)

