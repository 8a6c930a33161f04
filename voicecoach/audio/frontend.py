"""The speech front-end: a chain of audio stages between the microphone (or a recording) and the
recognizer, pipecat style: a plain list of stages, each 16 kHz mono int16 bytes in, bytes out.

A stage keeps whatever state it needs across chunks (noise estimates, gain) and forgets it on
``reset()``. It may hold back less than one of its frames (10 ms), so what comes out can be a
little shorter than what went in; nothing is dropped for good but the last partial frame of a
stream. Other stages (echo cancellation, which needs the speaker's playback) can be put in front
of the list; the chain does not care what a stage is.

A chain is DC removal, noise suppression, then :class:`voicecoach.audio.level.Level`
(automatic gain). ``--denoise NAME`` takes that suppressor, or if its library is missing the
next one of :data:`FALLBACK` (said in one line). ``auto`` takes the first of
:data:`AUTO_ORDER` that loads (WebRTC's: measured best on the speech benchmark, see the README);
``off`` is the same chain without a suppressor.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable

from voicecoach.audio.stage import Chain, Stage
from voicecoach.errors import AudioError

log = logging.getLogger(__name__)

DENOISERS: dict[str, str] = {
    "webrtc": "voicecoach.audio.denoise_webrtc",
    "speex": "voicecoach.audio.denoise_speex",
    "rnnoise": "voicecoach.audio.denoise_rnnoise",
    "deepfilter": "voicecoach.audio.denoise_deepfilter",
}
"""Noise suppressors by name -> the module whose ``create()`` builds one (imported lazily)."""
AUTO_ORDER: tuple[str, ...] = ("webrtc", "speex")
"""``--denoise auto`` takes the first of these that loads (chosen by the speech benchmark,
``python -m voicecoach.bench speech --denoise NAME``; see the README)."""
FALLBACK: tuple[str, ...] = ("webrtc", "speex")
"""Cheap suppressors tried, in order, when the one asked for by name cannot load."""
CHOICES: tuple[str, ...] = ("auto", *DENOISERS, "off")


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
        stages += _first_available([denoise, *(n for n in FALLBACK if n != denoise)])
    if level:
        stages.append(Level())
    return Chain(stages)


def _first_available(names: Iterable[str]) -> list[Stage]:
    names = list(names)
    for name in names:
        try:
            return [_create(name)]
        except AudioError as err:
            log.warning("noise suppression: %s; trying the next one", err)
    if names:
        log.warning("noise suppression: none available, audio goes on without it")
    return []


def _create(name: str) -> Stage:
    module = importlib.import_module(DENOISERS[name])
    create: Callable[[], Stage] = module.create
    return create()
