"""The speech front-end: a chain of audio stages between the microphone (or a recording) and the
recognizer, pipecat style: a plain list of stages, each 16 kHz mono int16 bytes in, bytes out.

A stage keeps whatever state it needs across chunks (noise estimates, gain) and forgets it on
``reset()``. It may hold back less than one of its frames (10 ms), so what comes out can be a
little shorter than what went in; nothing is dropped for good but the last partial frame of a
stream. Other stages (echo cancellation, which needs the speaker's playback) can be put in front
of the list; the chain does not care what a stage is.

``build_frontend("auto")`` is DC removal, noise suppression (the first backend in :data:`AUTO_ORDER` whose
library loads; a missing one is said in one line and the next is tried) followed by
:class:`voicecoach.audio.level.Level` (automatic gain). ``"off"`` is an empty chain.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from voicecoach.errors import AudioError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

RATE = 16000
FRAME = 160
"""10 ms at 16 kHz: the frame every stage here works in."""

DENOISERS: dict[str, str] = {
    "webrtc": "voicecoach.audio.denoise_webrtc",
    "speex": "voicecoach.audio.denoise_speex",
    "rnnoise": "voicecoach.audio.denoise_rnnoise",
    "deepfilter": "voicecoach.audio.denoise_deepfilter",
}
"""Noise suppressors by name -> the module whose ``create()`` builds one (imported lazily)."""
AUTO_ORDER: tuple[str, ...] = ("webrtc", "speex")
"""``--denoise auto`` takes the first of these that loads (chosen by the speech benchmark; see
the README). rnnoise and deepfilter are available by name."""
CHOICES: tuple[str, ...] = ("auto", *DENOISERS, "off")


@runtime_checkable
class Stage(Protocol):
    """One step of the front-end."""

    name: str

    def process(self, pcm: bytes) -> bytes:
        """16 kHz mono int16 audio in, processed audio out (possibly up to a frame shorter)."""
        ...

    def reset(self) -> None:
        """Forget everything learnt: the next chunk starts a new stream."""
        ...


@dataclass(slots=True)
class Chain:
    """Stages applied in order; an empty chain passes audio through untouched."""

    stages: list[Stage] = field(default_factory=list)

    def process(self, pcm: bytes) -> bytes:
        for stage in self.stages:
            pcm = stage.process(pcm)
        return pcm

    def reset(self) -> None:
        for stage in self.stages:
            stage.reset()

    def run(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        """The chunks, processed (empty results are left out)."""
        for chunk in chunks:
            out = self.process(chunk)
            if out:
                yield out

    @property
    def name(self) -> str:
        return "+".join(s.name for s in self.stages) or "off"


class Framed:
    """Base for stages that work on whole 10 ms frames: buffers the rest of a chunk."""

    name = "framed"
    frame = FRAME

    def __init__(self) -> None:
        self._rest = b""

    def process(self, pcm: bytes) -> bytes:
        import numpy as np

        data = self._rest + pcm
        whole = len(data) - len(data) % (2 * self.frame)
        self._rest = data[whole:]
        if not whole:
            return b""
        x = np.frombuffer(data[:whole], dtype="<i2").reshape(-1, self.frame)
        return b"".join(self.frame_out(row).astype("<i2").tobytes() for row in x)

    def reset(self) -> None:
        self._rest = b""

    def frame_out(self, frame: np.ndarray) -> np.ndarray:
        """One frame of int16 samples in, one frame out."""
        raise NotImplementedError


def build_frontend(denoise: str = "auto", *, level: bool = True) -> Chain:
    """The chain ``--denoise`` names: DC removal, a noise suppressor (unless ``off``), then
    automatic gain (``level=False``: the noise suppressor alone).

    Raises :class:`AudioError` for an unknown name or a named backend that cannot load.
    """
    if denoise not in CHOICES:
        raise AudioError(f"unknown --denoise {denoise!r}: choose one of {', '.join(CHOICES)}")
    from voicecoach.audio.level import DcBlock, Level

    stages: list[Stage] = [DcBlock()] if level else []
    if denoise == "auto":
        stages += _first_available(AUTO_ORDER)
    elif denoise != "off":
        stages.append(_create(denoise))
    if level:
        stages.append(Level())
    return Chain(stages)


def _first_available(names: Iterable[str]) -> list[Stage]:
    for name in names:
        try:
            return [_create(name)]
        except AudioError as err:
            log.warning("noise suppression: %s; trying the next one", err)
    log.warning("noise suppression: none available, audio goes to the recognizer as it is")
    return []


def _create(name: str) -> Stage:
    module = importlib.import_module(DENOISERS[name])
    create: Callable[[], Stage] = module.create
    return create()
