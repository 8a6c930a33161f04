"""The one audio path from microphone blocks to heard utterances, built in one place.

Every stream goes through the same chain: echo cancellation (where there is playback: the live
microphone, the simulated room) -> the front-end (:mod:`voicecoach.audio.frontend`: DC removal,
noise suppression, automatic gain) -> the recognizer (voice-activity detection is the engine's
own) -> the intent matcher (:func:`voicecoach.speech.listen.listen`). The live microphone,
``run --audio-in``, ``understand``, ``transcribe`` and every benchmark get theirs from
:func:`open_ear`, so what a benchmark measures is what a user's machine runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from voicecoach.app.settings import EngineSettings
from voicecoach.audio.echo import EchoCanceller
from voicecoach.audio.frontend import build_frontend
from voicecoach.audio.stage import Chain
from voicecoach.nlu.matcher import Matcher
from voicecoach.speech.asr.base import Recognizer
from voicecoach.speech.asr.engines import choose_engine, start_engine
from voicecoach.speech.listen import Heard, listen

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Ear:
    """The chain a stream is heard through (each part keeps its own state along a stream)."""

    recognizer: Recognizer
    frontend: Chain
    """Noise suppression and gain; :func:`listen` starts it afresh with each stream."""
    canceller: EchoCanceller | None = None
    """The coach's voice removed from the microphone, one per session (None: no playback)."""
    reason: str = ""
    """Why this recognizer runs (one line for the user)."""
    clock: Callable[[], float] | None = None
    """Measures how far behind the audio the chain runs (:attr:`Heard.lag`): benchmarks set
    it (:meth:`timed`); a replayed recording leaves it out, and replays exactly."""

    def clean(self, pairs: Iterable[tuple[bytes, bytes]]) -> Iterator[bytes]:
        """Microphone blocks with the coach's voice removed, from ``(microphone, what the
        speaker played meanwhile)`` pairs (passed through when there is no canceller)."""
        for mic, played in pairs:
            yield self.process(mic, played)

    def process(self, mic: bytes, played: bytes) -> bytes:
        """One block: the coach's voice removed, and the front-end told it was playing (its
        gain must not lift what is left of it: :meth:`voicecoach.audio.level.Level.far_end`).
        Without a canceller, the block passes untouched, as a recording would."""
        if self.canceller is None:
            return mic
        self.frontend.far_end(any(played), len(mic) // 2)
        return self.canceller.process(mic, played)

    def hear(self, chunks: Iterable[bytes], matcher: Matcher | None = None) -> Iterator[Heard]:
        """What ``chunks`` (echo already removed) say: front-end, recognizer, matcher."""
        return listen(chunks, self.recognizer, matcher, frontend=self.frontend, clock=self.clock)

    def timed(self) -> Ear:
        """This chain, measuring its lag behind the audio with the wall clock."""
        import time

        return replace(self, clock=time.perf_counter)

    def describe(self) -> str:
        """One line: recognizer, front-end, echo cancelling."""
        echo = "SpeexDSP" if self.canceller is not None else "off"
        return (f"speech recognizer: {self.reason or self.recognizer.name}; "
                f"front-end: {self.frontend.name}; echo cancelling: {echo}")


_RECOGNIZERS: dict[tuple[str, str | None], tuple[Recognizer, str]] = {}
_FRONTENDS: dict[tuple[str, bool], Chain] = {}


def open_ear(
    engine: EngineSettings,
    *,
    playback: bool = False,
    fresh: bool = False,
    recognizer: Recognizer | None = None,
    level: bool = True,
) -> Ear:
    """The chain ``engine`` asks for: an echo canceller when there is ``playback`` (raises
    :class:`voicecoach.errors.AudioError` without SpeexDSP), the front-end ``engine.denoise``
    names (``level=False``: without automatic gain), and the recognizer the engine choice
    (:func:`choose_engine`) picks: the process's own, reset, or a ``fresh`` one (a reused
    recognizer keeps state from its last stream), or ``recognizer`` as given (a benchmark's
    oracle, a test's script)."""
    if recognizer is not None:
        reason = recognizer.name
    elif fresh:
        recognizer, ran = start_engine(choose_engine(engine.engine, engine.model))
        reason = ran.reason
    else:
        recognizer, reason = open_recognizer(engine)
    frontend = open_frontend(engine, level) if not fresh else build_frontend(engine.denoise,
                                                                             level=level)
    return Ear(recognizer, frontend, EchoCanceller() if playback else None, reason)


def open_recognizer(engine: EngineSettings) -> tuple[Recognizer, str]:
    """The recognizer ``engine`` asks for (built once per process, reset) and why."""
    key = (engine.engine, engine.model)
    if key not in _RECOGNIZERS:
        recognizer, ran = start_engine(choose_engine(engine.engine, engine.model))
        _RECOGNIZERS[key] = (recognizer, ran.reason)
    recognizer, reason = _RECOGNIZERS[key]
    recognizer.reset()
    return recognizer, reason


def open_frontend(engine: EngineSettings, level: bool = True) -> Chain:
    """The front-end ``engine.denoise`` asks for, built once per process."""
    key = (engine.denoise, level)
    if key not in _FRONTENDS:
        _FRONTENDS[key] = build_frontend(engine.denoise, level=level)
    return _FRONTENDS[key]
