"""voicecoach.bench.tape: what a recognizer heard, kept and read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from voicecoach.bench.tape import Tape, read_tape
from voicecoach.speech.asr.base import Transcript


class Echoing:
    """A recognizer that hears each chunk's first byte as a number, and remembers its hints."""

    name = "echoing"
    partial_hold = 0.25

    def __init__(self) -> None:
        self.hints: list[frozenset[str]] = []

    def accept(self, chunk: bytes) -> Transcript | None:
        return Transcript(str(chunk[0]), 1.0, 0.0, 0.1)

    def partial(self) -> str:
        return ""

    def finish(self) -> Transcript | None:
        return None

    def reset(self) -> None:
        """Nothing kept between utterances."""

    def prefer(self, intents: frozenset[str]) -> None:
        self.hints.append(intents)


def test_a_tape_passes_everything_on_and_keeps_chunks_hints_and_resets() -> None:
    inner = Echoing()
    tape = Tape(inner)  # type: ignore[arg-type]
    tape.reset()
    tape.prefer(frozenset({"yes", "no"}))
    assert tape.accept(bytes([7, 0])) == Transcript("7", 1.0, 0.0, 0.1)
    tape.prefer(frozenset({"no", "yes"}))  # the same again: one hint kept
    tape.accept(bytes([8, 0]))
    tape.prefer(frozenset())
    tape.reset()
    assert tape.chunks == [bytes([7, 0]), bytes([8, 0])]
    assert tape.hints == [(0, ["no", "yes"]), (2, [])] and tape.resets == [0, 2]
    assert len(inner.hints) == 3 and tape.partial_hold == 0.25 and tape.name == "echoing"


def test_a_tape_is_read_back_as_it_was_kept(tmp_path: Path) -> None:
    tape = Tape(Echoing())  # type: ignore[arg-type]
    tape.prefer(frozenset({"ready"}))
    for size in (640, 640, 320):
        tape.accept(bytes([size % 251]) * size)
    said = [{"start": 0.01, "end": 0.02, "intent": "stop", "text": "stop"}]
    tape.save(tmp_path / "t" / "session-1", said)
    back = read_tape(tmp_path / "t" / "session-1.wav")
    assert back.name == "session-1" and back.chunks == tape.chunks
    assert back.hints == {0: frozenset({"ready"})} and back.resets == frozenset()
    assert back.said == said


def test_a_tape_whose_audio_does_not_fit_its_sizes_is_refused(tmp_path: Path) -> None:
    tape = Tape(Echoing())  # type: ignore[arg-type]
    tape.accept(bytes(640))
    tape.save(tmp_path / "session-1", [])
    meta = json.loads((tmp_path / "session-1.json").read_text())
    (tmp_path / "session-1.json").write_text(json.dumps({**meta, "sizes": [640, 640]}))
    with pytest.raises(ValueError, match="session-1.wav: 640 bytes of audio, its .json says 1280"):
        read_tape(tmp_path / "session-1.wav")
