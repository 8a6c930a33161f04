"""English recognition with pocketsphinx and the model inside its wheel: zero downloads.

Decoding uses a small language model built at start-up from the intent phrases plus a
background of common English words (:func:`voicecoach.speech.asr.grammar.arpa_lm`): commands come
out as commands, other speech comes out as other words, and the intent matcher rejects it.
(A pure JSGF grammar was measured first: it maps almost every out-of-domain sentence onto a
command, and pocketsphinx's per-frame score normalization makes its scores useless for
rejection.) Utterances are cut by pocketsphinx's own voice-activity endpointer.

A little dither (Gaussian noise, RMS 20 of 32768, fixed seed) is added to the input: digital
silence, as written by speech synthesizers, wrecks the decoder's cepstral normalization.
"""

from __future__ import annotations

import logging
import math
import os
import tempfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import voicecoach.speech.asr.grammar as grammar
from voicecoach.errors import RecognizerError
from voicecoach.nlu.rules import HALTING
from voicecoach.speech.asr.base import RATE, Transcript, Word

log = logging.getLogger(__name__)

BACKGROUND_WORDS = 3000
"""How many of the most frequent English words make the background."""
BACKGROUND_WEIGHT = 0.3
"""Share of unigram probability given to the background words."""
PREFERRED_BOOST = 20.0
"""How much more the language model weighs the intents :meth:`prefer` names (the answers to
the coach's question); the halting intents keep their usual share. Measured with
``python -m voicecoach.bench speech --per-voice 0 --only yes,no [--prefer yes,no]`` (251
yes/no answers): 43.8 -> 48.6 % right in quiet, 8.0 -> 25.1 % with noise at 10 dB SNR."""
MAX_UTTERANCE = 8.0
"""Seconds after which an utterance is cut even if the endpointer still hears speech."""
DITHER_RMS = 20.0
INITIAL_CMN = "44.57,1.33,-1.06,0.79,-1.90,-0.03,-1.36,-0.97,-0.23,-0.34,-0.24,-0.25,0.17"
"""Cepstral mean each stream starts from: the median over the human recordings in
``../shared/speech`` (the model's default, 40,3,-1, is far off for the first utterance)."""
VAD_MODE = 3
"""Aggressiveness of pocketsphinx's voice activity detector, 0 (loose) to 3 (strict)."""
PRE_ROLL = 0.8
"""Seconds of audio before the endpointer's speech start that the decoder also gets."""
_HISTORY_FRAMES = 40
"""Endpointer frames (30 ms) kept for the pre-roll: more than its window plus PRE_ROLL."""
_LOGBASE = math.log(1.0001)


def _import() -> Any:
    try:
        import pocketsphinx  # type: ignore[import-untyped]
    except ImportError as exc:
        raise RecognizerError("pocketsphinx is not installed: pip install pocketsphinx") from exc
    return pocketsphinx


class PocketsphinxRecognizer:
    """Streaming recognizer over pocketsphinx's bundled US English model."""

    name = "pocketsphinx"

    def __init__(
        self,
        phrases: grammar.Phrases | None = None,
        *,
        background_words: int = BACKGROUND_WORDS,
        background_weight: float = BACKGROUND_WEIGHT,
        max_utterance: float = MAX_UTTERANCE,
        vad_mode: int | None = None,
        remove_noise: bool = True,
    ) -> None:
        ps = _import()
        self._ps = ps
        phrases = grammar.load_phrases() if phrases is None else phrases
        self._decoder = _decoder(ps, remove_noise)
        self._decoder.set_cmn(INITIAL_CMN)
        self._known = grammar.keep_known(phrases, self._knows, self.name)
        if not self._known:
            raise RecognizerError("pocketsphinx: no phrase word is in its dictionary")
        self._background = _background(ps, self._decoder, background_words)
        self._background_weight = background_weight
        self._intents = frozenset(self._known)
        self._searches: dict[frozenset[str], str] = {}
        self._wanted: frozenset[str] = frozenset()
        self._active: str | None = None
        self._activate(self._wanted)
        self._max_bytes = int(max_utterance * RATE) * 2
        self._vad_mode = VAD_MODE if vad_mode is None else vad_mode
        self._dither = _Dither()
        self._consumed = 0
        """Bytes of the stream handed to the endpointer so far (stream time = this / 32000)."""
        self._pending = b""
        self._new_stream()

    def _knows(self, word: str) -> bool:
        return self._decoder.lookup_word(word) is not None

    # -- the Recognizer protocol

    def accept(self, chunk: bytes) -> Transcript | None:
        self._pending += self._dither.apply(chunk)
        done: Transcript | None = None
        size = self._ep.frame_bytes
        while len(self._pending) >= size:
            frame, self._pending = self._pending[:size], self._pending[size:]
            done = self._frame(frame) or done
        return done

    def partial(self) -> str:
        if not self._in_utt:
            return ""
        hyp = self._decoder.hyp()
        return hyp.hypstr if hyp is not None else ""

    def finish(self) -> Transcript | None:
        """End of stream: the utterance in progress ends; the next chunk starts a new stream
        at t=0, with fresh noise and cepstral-mean statistics (so files do not sway files)."""
        result = None
        if self._in_utt:
            if self._pending:
                self._feed(self._pending)
            result = self._end(self._now())
        self._pending = b""
        self._consumed = 0
        self._decoder.set_cmn(INITIAL_CMN)
        self._dither = _Dither()
        self._new_stream()
        return result

    def prefer(self, intents: frozenset[str]) -> None:
        self._wanted = frozenset(intents) & self._intents

    def reset(self) -> None:
        if self._in_utt:
            self._decoder.end_utt()
        self._consumed += len(self._pending)
        self._pending = b""
        self._new_stream()

    # -- internals

    def _new_stream(self) -> None:
        """A fresh endpointer from the current stream position."""
        self._ep = self._ps.Endpointer(vad_mode=self._vad_mode)
        self._offset = self._consumed / (2 * RATE)
        self._history: deque[tuple[float, bytes]] = deque(maxlen=_HISTORY_FRAMES)
        self._in_utt = False
        self._utt_bytes = 0
        self._utt_start = 0.0

    def _now(self) -> float:
        return self._consumed / (2 * RATE)

    def _frame(self, frame: bytes) -> Transcript | None:
        """Run one endpointer frame; the decoder gets the audio from just before speech on."""
        self._history.append((self._now(), frame))
        self._consumed += len(frame)
        was_speech = self._ep.in_speech
        self._ep.process(frame)
        if not was_speech and self._ep.in_speech:
            start = self._offset + self._ep.speech_start
            self._begin(start)
            kept = [(t, old) for t, old in self._history if t >= start - PRE_ROLL]
            self._audio_start = kept[0][0]
            for _, old in kept:
                self._feed(old)
            return None
        if not self._in_utt:
            return None
        self._feed(frame)
        if was_speech and not self._ep.in_speech:
            return self._end(self._offset + self._ep.speech_end)
        if self._utt_bytes >= self._max_bytes:
            return self._cut()
        return None

    def _activate(self, wanted: frozenset[str]) -> None:
        """Decode with the language model that favours ``wanted`` (built on first use)."""
        if wanted not in self._searches:
            name = f"commands-{len(self._searches)}"
            arpa = grammar.arpa_lm(
                self._known,
                self._background,
                self._background_weight,
                boost=dict.fromkeys(wanted, PREFERRED_BOOST),
                keep_share=HALTING,
            )
            _load_lm(self._ps, self._decoder, name, arpa)
            self._searches[wanted] = name
        if self._active != self._searches[wanted]:
            # (not decoder.current_search(): it crashes while no search is active)
            self._decoder.activate_search(self._searches[wanted])
            self._active = self._searches[wanted]

    def _begin(self, start: float) -> None:
        self._activate(self._wanted)
        self._decoder.start_utt()
        self._in_utt = True
        self._utt_bytes = 0
        self._utt_start = start
        self._audio_start = start
        """Stream time of the first sample the decoder got for this utterance."""

    def _feed(self, audio: bytes) -> None:
        self._decoder.process_raw(audio, False, False)
        self._utt_bytes += len(audio)

    def _cut(self) -> Transcript:
        """An utterance too long to be a command: end it here, go on with a new one."""
        result = self._end(self._now())
        self._begin(self._now())
        return result

    def _end(self, end: float) -> Transcript:
        self._decoder.end_utt()
        self._in_utt = False
        hyp = self._decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return Transcript("", 0.0, round(self._utt_start, 3), round(end, 3))
        words = tuple(self._words())
        confidence = sum(w.confidence for w in words) / len(words) if words else 0.0
        start, end = round(self._utt_start, 3), round(end, 3)
        return Transcript(hyp.hypstr, round(confidence, 3), start, end, words)

    def _words(self) -> Iterator[Word]:
        base = self._audio_start
        for seg in self._decoder.seg():
            word = seg.word.split("(", 1)[0]
            if word.startswith(("<", "[", "+")):
                continue
            start, end = base + seg.start_frame / 100, base + (seg.end_frame + 1) / 100
            yield Word(word, _probability(seg.prob), round(start, 2), round(end, 2))


def _decoder(ps: Any, remove_noise: bool) -> Any:
    try:
        config = ps.Config(lm=None, loglevel="FATAL", bestpath=True, remove_noise=remove_noise)
        return ps.Decoder(config)
    except (RuntimeError, ValueError, OSError) as exc:
        raise RecognizerError(
            f"pocketsphinx cannot load its bundled model from {ps.get_model_path()}: {exc}"
        ) from exc


def _background(ps: Any, decoder: Any, count: int) -> dict[str, float]:
    """The ``count`` most frequent words of the bundled general English language model."""
    if count <= 0:
        return {}
    config = decoder.get_config()
    general = ps.NGramModel(config, decoder.logmath, ps.get_model_path("en-us/en-us.lm.bin"))
    scored = sorted(
        ((general.prob([word]), word) for word in _dictionary_words(config["dict"])),
        reverse=True,
    )
    return {word: math.exp(score * _LOGBASE) for score, word in scored[:count]}


def _dictionary_words(path: str) -> Iterator[str]:
    """Plain words of the pronunciation dictionary (no alternates, no odd punctuation)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            word = line.split(" ", 1)[0]
            if word.isascii() and "(" not in word and word.replace("'", "").isalpha():
                yield word


def _load_lm(ps: Any, decoder: Any, search: str, arpa: str) -> None:
    """Add the ARPA model ``arpa`` to ``decoder`` as the search named ``search``."""
    fd, path = tempfile.mkstemp(prefix="voicecoach-", suffix=".arpa")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(arpa)
        lm = ps.NGramModel(decoder.get_config(), decoder.logmath, path)
        decoder.add_lm(search, lm)
    except (RuntimeError, ValueError) as exc:
        raise RecognizerError(f"pocketsphinx rejected the command language model: {exc}") from exc
    finally:
        Path(path).unlink(missing_ok=True)


def _probability(value: float) -> float:
    return max(0.0, min(1.0, float(value)))


class _Dither:
    """Adds a fixed, repeating pattern of low-level Gaussian noise to int16 audio."""

    def __init__(self, rms: float = DITHER_RMS, seconds: int = 3) -> None:
        import numpy as np

        self._np = np
        self._noise = np.random.default_rng(1234).normal(0.0, rms, seconds * RATE)
        self._pos = 0

    def apply(self, chunk: bytes) -> bytes:
        np = self._np
        x = np.frombuffer(chunk[: len(chunk) - len(chunk) % 2], dtype="<i2").astype(np.float64)
        idx = (self._pos + np.arange(len(x))) % len(self._noise)
        self._pos = (self._pos + len(x)) % len(self._noise)
        return np.clip(np.rint(x + self._noise[idx]), -32768, 32767).astype("<i2").tobytes()
