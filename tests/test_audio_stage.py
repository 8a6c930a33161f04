"""voicecoach.audio.stage: a chain of front-end stages, and whole-frame stages."""

from __future__ import annotations

import numpy as np

from voicecoach.audio.stage import Chain, Framed, Stage


class Doubler:
    """A stage that doubles every sample and counts its resets."""

    name = "double"

    def __init__(self) -> None:
        self.resets = 0

    def process(self, pcm: bytes) -> bytes:
        return (np.frombuffer(pcm, dtype="<i2") * 2).astype("<i2").tobytes()

    def reset(self) -> None:
        self.resets += 1


def pcm(x: np.ndarray) -> bytes:
    return np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()


def samples(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<i2").astype(np.float64)


def test_a_chain_runs_its_stages_in_order_and_resets_them_all() -> None:
    first, second = Doubler(), Doubler()
    chain = Chain([first, second])
    assert isinstance(first, Stage)
    assert samples(chain.process(pcm(np.array([1, -3])))).tolist() == [4, -12]
    chain.reset()
    assert (first.resets, second.resets, chain.name) == (1, 1, "double+double")


def test_an_empty_chain_passes_audio_through() -> None:
    chain = Chain([])
    assert chain.name == "off" and chain.process(b"\x01\x02") == b"\x01\x02"


class Negate(Framed):
    name = "negate"

    def frame_out(self, frame: np.ndarray) -> np.ndarray:
        return -frame.astype(np.int32)


def test_a_framed_stage_holds_back_only_the_last_partial_frame() -> None:
    stage = Negate()
    first = stage.process(pcm(np.arange(250)))
    second = stage.process(pcm(np.arange(250, 320)))
    assert samples(first).tolist() == [-i for i in range(160)]
    assert samples(second).tolist() == [-i for i in range(160, 320)]
    stage.process(pcm(np.arange(50)))
    stage.reset()
    assert stage.process(pcm(np.arange(160))) == pcm(-np.arange(160))
