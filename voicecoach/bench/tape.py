"""What a recognizer heard in a room session, kept to be heard again (``bench room --tape``).

A simulated room session is chaotic: one word heard 50 ms sooner moves every line the coach
says after it, so two runs of the room that differ in the ear alone soon hear different
audio, and 6 sessions cannot tell small changes apart (stop 34 measured sessions diverging on
9-21 ms). A :class:`Tape` sits between the chain and the recognizer and keeps exactly what the
recognizer was given: every chunk (after echo cancelling and the front-end), each change of
the intents it was told to favour (:meth:`Recognizer.prefer`) and each reset, in order, with
the user's lines as said. :func:`voicecoach.bench.replay.replay` plays a tape to any recognizer:
the same audio, the same hints at the same chunk, so two ears are compared on equal terms.

On disk, per session: ``session-N.wav`` (16 kHz mono, the chunks end to end) and
``session-N.json`` (chunk sizes, hints, resets, the user's lines).
"""

from __future__ import annotations

import json
import wave
from bisect import bisect
from dataclasses import dataclass, field
from functools import cached_property
from itertools import accumulate
from pathlib import Path
from typing import Any

from voicecoach.speech.asr.base import RATE, Recognizer, Transcript


@dataclass
class Tape:
    """A recognizer that records what it is given and passes it on to ``inner``."""

    inner: Recognizer
    chunks: list[bytes] = field(default_factory=list)
    hints: list[tuple[int, list[str]]] = field(default_factory=list)
    """(chunk index it came before, the intents favoured), each change once."""
    resets: list[int] = field(default_factory=list)

    def __getattr__(self, name: str) -> Any:  # name, trust, partial_hold: the inner engine's
        return getattr(self.inner, name)

    def accept(self, chunk: bytes) -> Transcript | None:
        self.chunks.append(chunk)
        return self.inner.accept(chunk)

    def partial(self) -> str:
        return self.inner.partial()

    def finish(self) -> Transcript | None:
        return self.inner.finish()

    def reset(self) -> None:
        self.resets.append(len(self.chunks))
        self.inner.reset()

    def prefer(self, intents: frozenset[str]) -> None:
        wanted = sorted(intents)
        if not self.hints or self.hints[-1][1] != wanted:
            self.hints.append((len(self.chunks), wanted))
        self.inner.prefer(intents)

    def save(self, stem: Path, said: list[dict[str, Any]],
             coach: list[dict[str, Any]] | None = None) -> None:
        """``stem``.wav and ``stem``.json; ``said``: the user's lines (start, end, intent,
        text, over_coach); ``coach``: the lines the coach played (text, start, end, dropped),
        for the session's check of its own voice in the words heard."""
        stem.parent.mkdir(parents=True, exist_ok=True)
        with wave.open(str(stem.with_suffix(".wav")), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(b"".join(self.chunks))
        meta = {"sizes": [len(c) for c in self.chunks], "hints": self.hints,
                "resets": self.resets, "said": said,
                "coach": [{k: c[k] for k in ("text", "start", "end", "dropped")}
                          for c in coach or []]}
        stem.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")


@dataclass(frozen=True)
class Taped:
    """A tape read back (:func:`read_tape`)."""

    name: str
    chunks: list[bytes]
    hints: dict[int, frozenset[str]]
    resets: frozenset[int]
    said: list[dict[str, Any]]
    coach: list[dict[str, Any]] = field(default_factory=list)
    """The coach's lines as played (text, start, end, dropped)."""

    @cached_property
    def ends(self) -> list[int]:
        """Where each chunk ends, in bytes from the start of the tape."""
        return list(accumulate(map(len, self.chunks)))

    def hint_at(self, t: float) -> frozenset[str]:
        """The intents the recognizer favoured at ``t`` seconds of the tape."""
        chunk = bisect(self.ends, int(t * 2 * RATE))
        before = [i for i in self.hints if i <= chunk]
        return self.hints[max(before)] if before else frozenset()


def read_tape(wav: Path) -> Taped:
    """The tape ``wav`` and the ``.json`` beside it; ValueError naming the file if they do not
    fit together."""
    meta = json.loads(wav.with_suffix(".json").read_text(encoding="utf-8"))
    with wave.open(str(wav), "rb") as src:
        pcm = src.readframes(src.getnframes())
    sizes = meta["sizes"]
    if sum(sizes) != len(pcm):
        raise ValueError(f"{wav}: {len(pcm)} bytes of audio, its .json says {sum(sizes)}")
    ends = list(accumulate(sizes))
    chunks = [pcm[end - size: end] for end, size in zip(ends, sizes, strict=True)]
    hints = {int(i): frozenset(wanted) for i, wanted in meta["hints"]}
    return Taped(wav.stem, chunks, hints, frozenset(meta["resets"]), meta["said"],
                 meta.get("coach", []))
