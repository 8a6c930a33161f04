"""The pieces of the speech front-end (:mod:`voicecoach.audio.frontend`): the protocol of a
stage, a chain of stages, and a base for stages that work in whole 10 ms frames."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

RATE = 16000
FRAME = 160
"""10 ms at 16 kHz: the frame every stage here works in."""


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

    def far_end(self, active: bool, samples: int) -> None:
        """The next ``samples`` of input were captured while the coach's voice played (or
        not): told to the stages that care (automatic gain holds)."""
        for stage in self.stages:
            hint = getattr(stage, "far_end", None)
            if hint is not None:
                hint(active, -(-samples // FRAME))

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
