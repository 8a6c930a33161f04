"""The small interface every speech recognizer backend implements, and its results."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

RATE = 16000
"""Every recognizer takes 16 kHz mono signed 16-bit little-endian audio."""


@dataclass(frozen=True, slots=True)
class Word:
    """One recognized word with the engine's confidence in it."""

    text: str
    confidence: float
    """0..1 (pocketsphinx: lattice posterior; vosk: its per-word ``conf``)."""
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Transcript:
    """One recognized utterance."""

    text: str
    """Lowercase words separated by single spaces; empty when nothing was recognized."""
    confidence: float
    """0..1, the mean of the engine's word confidences."""
    start: float
    """Seconds from the start of the stream fed to the recognizer."""
    end: float
    words: tuple[Word, ...] = ()
    """Per-word detail, when the engine gives it."""
    alternatives: tuple[str, ...] = ()
    """The engine's next-best transcripts (n-best, best first, ``text`` excluded), when it
    gives them: the matcher may find the intent in one of them."""
    thin: bool = False
    """The words cover only part of the speech (a command said over other speech: the coach's
    own voice, a television): the transcript may say that a halting word was heard, and
    nothing more."""
    unbiased: str | None = None
    """The engine's second reading of the same audio without its bias to the coach's words
    (Whisper without the prompt), when it made one: what the bias alone did not put there."""
    likely_unbiased: bool = False
    """The engine, scoring ``text`` without its bias, found it nearly as likely: the audio says
    these words and the bias only chose how to spell them (Whisper's prompt gain)."""


@dataclass(frozen=True, slots=True)
class Trust:
    """How sure an engine's transcript must be to be acted on (its confidences are its own:
    pocketsphinx's lattice posteriors run high on garbage, Whisper's token probabilities run
    low on right answers). A recognizer may carry its own as ``trust``."""

    exact: float = 0.3
    """Confidence a final needs when it is one of the phrases exactly."""
    fuzzy: float = 0.6
    """... when it matches an intent closely (match confidence at least 0.8) ..."""
    loose: float = 0.8
    """... and when it matches loosely."""
    halt_word: float = 0.5
    """Confidence a word that alone means stop/pain/dizzy needs to halt."""
    early_words: int = 3
    """Longest partial result (in words) that may halt before the utterance ends."""
    question: float | None = None
    """Confidence a question needs (:data:`voicecoach.nlu.rules.ASKING`: "how many are left"),
    however closely it matched; None: as any other intent. Answering one changes nothing but a
    line said; leaving it unanswered leaves the user waiting."""
    heard: float = 0.0
    """Below this confidence, words that mean nothing (no intent, no doubt, no guess) were not
    heard at all: not even a "sorry" when the coach has asked (an engine whose own floor comes
    before a check that lowers a confidence, as Whisper's prompt check does)."""
    fuzzy_halts: bool = False
    """Whether a halting intent matched only closely (not one of the phrases exactly: "that
    really hurts my neck") halts, or only pauses and asks (a doubt). An engine that forces
    noise onto phrase words (pocketsphinx) must not; one that writes what it heard may. The
    same holds for a partial result."""


@runtime_checkable
class Recognizer(Protocol):
    """Streaming speech recognizer: feed ~0.1 s chunks, get a transcript at each endpoint."""

    name: str
    """``whisper``, ``vosk`` or ``pocketsphinx``."""

    def accept(self, chunk: bytes) -> Transcript | None:
        """Feed 16 kHz mono int16 audio; a final transcript when an utterance just ended."""
        ...

    def partial(self) -> str:
        """The current utterance's best guess so far ("" between utterances)."""
        ...

    def finish(self) -> Transcript | None:
        """End of stream: flush the utterance in progress, if any."""
        ...

    def reset(self) -> None:
        """Forget the utterance in progress and start afresh (stream time goes on)."""
        ...

    def prefer(self, intents: frozenset[str]) -> None:
        """Hint: the next utterance most likely means one of ``intents`` (the answers to what
        the coach just asked); empty for no preference. Takes effect from the next utterance;
        an engine that cannot weigh phrases ignores it. Other commands stay possible."""
        ...


def samples_to_seconds(n_bytes: int) -> float:
    """Duration of ``n_bytes`` of 16 kHz int16 audio."""
    return n_bytes / (2 * RATE)
