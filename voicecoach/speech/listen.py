"""The one streaming path from audio chunks to heard utterances (microphone and WAV alike).

``listen`` takes any iterable of 16 kHz mono int16 chunks (~0.1 s each: the microphone's
blocks, or :func:`voicecoach.audio.wav.iter_chunks` of a recording), feeds the recognizer, and
yields :class:`Heard` events stamped with the audio time ``t`` at which they became known.
It touches no device and no clock, so a WAV file replays a session exactly.

Halting words (stop / pain / dizzy) act from *partial* results: as soon as the recognizer's
running guess for a short utterance (at most ``trust.early_words`` words) matches a halting
intent and has held it for ``hold`` seconds of audio (the engine's ``partial_hold``:
pocketsphinx's partials flicker, Whisper's come from a whole decode that is only given when
sure), an early event goes out, without waiting for the endpoint (partials of long sentences
flicker onto "hurt" or "woozy" in noise: measured). The final result of that utterance is then
dropped unless it is another halting intent ("stop, my back hurts": pain): never acted on
twice, and never undone by a second reading of the same words (a neural voice's "stop stop"
halted from its partial "stop", then its final "start" resumed the twisting).
When the engine gives an n-best list (:attr:`Transcript.alternatives`), the intent is taken
from the best-scoring hypothesis (:func:`voicecoach.nlu.matcher.ranked_match`: each rank down
costs a little match confidence), so "pick up the base" can still be faster when the second
guess says "pace"; a halting intent only in a runner-up is a doubt.

A final transcript is acted on only if the recognizer was sure enough of it, by the engine's
own :class:`~voicecoach.speech.asr.base.Trust` (its confidences are its own): an exact phrase
needs ``trust.exact``, a fuzzy intent match needs more (``trust.fuzzy``, ``trust.loose``), and
a halting word inside it must itself be sure (``trust.halt_word``), or be read the same by the
engine without its bias to the coach's words (:attr:`Transcript.unbiased`), or its text be
nearly as likely without the bias (:attr:`Transcript.likely_unbiased`). Otherwise it is reported
with intent ``none``: never act on what was barely heard. (Measured: garbage recognized from
noise or unrelated speech fuzzy-matches some phrase at 0.67-0.83.) A halting intent so reported
is kept as ``doubt``, so that the coach can pause and ask rather than count on; so is the
matcher's own doubt about a sentence it understood as nothing (talk about one's body: "i did
something to my back", :mod:`voicecoach.nlu.body`). Words that mean nothing at all and that the
engine is less sure of than its floor (``trust.heard``) are not reported. A final that meant
nothing (no intent, doubt or guess) is read again if the engine can (its optional ``reread``:
Whisper encodes the utterance in its full 30 s window, ~0.4 s more), and that reading stands
if it means something.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.nlu.matcher import ANSWERS, ranked_match
from voicecoach.nlu.rules import ASKING
from voicecoach.speech.asr.base import RATE, Recognizer, Transcript, Trust

if TYPE_CHECKING:
    from voicecoach.audio.frontend import Chain
    from voicecoach.nlu.matcher import IntentMatch, Matcher

log = logging.getLogger(__name__)

FUZZY_MATCH = 0.8
"""Below this intent-match confidence a match is loose (``trust.loose``), at or above it
close (``trust.fuzzy``)."""
PARTIAL_HOLD = 0.4
"""Seconds of audio a halting partial must hold before it acts (an engine's ``partial_hold``
may say otherwise)."""
EARLY_MATCH = 0.99
"""A partial acts early only if it is a halting phrase this exactly (measured: in kitchen noise,
partials such as "i have a" fuzzy-match "i have a pain" at 0.84 and halted ordinary speech)."""
EARLY_LETTERS = 3
"""A partial acts early only if its halting meaning holds without its shorter words that mean
it alone (measured: kitchen noise over real "yes"/"no" recordings gave steady partials "ow",
"ow thank", "ow up": pain on the strength of "ow"). Its final still can halt, if the halting
word is sure. Until stop 29 a word of this many letters had to mean it alone, so a sure "i
don't feel well at all" or "i can't catch my breath" waited for its final: in kitchen noise
(piper-joe, flite-slt) 0.5-0.7 s after the words instead of ~0.3 s."""
NONE = "none"
ENDING = frozenset({"quit"})
"""Intents that end the session: like halting ones, never taken from a runner-up hypothesis
alone (in the simulated kitchen, Whisper's "thank you" for the noise's voices had a runner-up
that meant quit, and the session ended), and acted on only as surely as a loose match
(``trust.loose``), exact phrase or not: an end cannot be undone. Below that the intent is kept
as ``guess`` and the coach asks (in the simulated kitchen, Whisper heard "bye" in the noise
twice and the session ended). Tuning phrases (8 voices): every quit said clean came with at
least 0.49 from Whisper; in kitchen noise at 10 dB, 2 of 25 with 0.38 and 0.43 (asked)."""
RUNNER_UP_GUESSES = ENDING | ANSWERS
"""Intents never acted on from a runner-up hypothesis alone, only kept as a ``guess``: an end,
and yes and no, the answers to the safety questions (a runner-up "no" would otherwise be a sure
"no back problems"; in the simulated kitchen Whisper's best "thank you" for the noise had a
runner-up "yes")."""


@dataclass(frozen=True, slots=True)
class Heard:
    """Something the recognizer heard, with the intent it means."""

    t: float
    """Seconds of audio from the stream start at which this became known."""
    text: str
    confidence: float
    """The recognizer's confidence, 0..1 (0 for partials: engines give none)."""
    intent: str
    """The matched intent, ``none`` if out of domain or too uncertain."""
    intent_confidence: float
    final: bool
    """False for an early halting hit taken from a partial result."""
    start: float
    """When the utterance started (seconds of audio); for partials, an estimate."""
    doubt: str = ""
    """A halting intent heard too unsure to act on (``intent`` is then ``none``), else ""."""
    guess: str = ""
    """Any other intent heard too unsure to act on (``intent`` is then ``none``), else "":
    the coach confirms it at a safety question, never acts on it."""
    unclear: bool = False
    """Nothing understood (at most a ``guess``), and the recognizer less sure of the words than
    any intent would need (its trust for an exact phrase): noise or speech not meant for the
    coach, not worth a "sorry" (in the simulated kitchen most of those answered noise); a guess
    is still confirmed at a safety question."""
    lag: float = 0.0
    """Seconds after ``t`` at which a real-time machine would have known it: the time the
    front-end and recognizer took, queued as audio arrives (measured only when :func:`listen`
    is given a clock; 0 otherwise, so a recording replays exactly)."""

    @property
    def empty(self) -> bool:
        """Nothing understood: no intent, no doubt, no guess."""
        return self.intent == NONE and not self.doubt and not self.guess

    @property
    def halting(self) -> bool:
        from voicecoach.nlu.matcher import HALTING

        return self.intent in HALTING


def listen(
    chunks: Iterable[bytes],
    recognizer: Recognizer,
    matcher: Matcher | None = None,
    *,
    trust: Trust | None = None,
    hold: float | None = None,
    frontend: Chain | None = None,
    clock: Callable[[], float] | None = None,
) -> Iterator[Heard]:
    """Feed ``chunks`` to ``recognizer``; yield what was heard, in audio time.

    ``hold`` defaults to the engine's ``partial_hold`` (``PARTIAL_HOLD`` if it has
    none), ``trust`` to the engine's ``trust`` (:class:`Trust`'s defaults if it has none).
    ``frontend`` (noise suppression, gain: :mod:`voicecoach.audio.frontend`) processes each
    chunk first; it starts afresh with the stream and adapts for as long as the stream lasts.
    ``clock`` (seconds, e.g. :func:`time.perf_counter`) measures each event's :attr:`Heard.lag`.
    """
    from voicecoach.nlu.matcher import HALTING, IntentMatcher

    if hold is None:
        hold = getattr(recognizer, "partial_hold", PARTIAL_HOLD)
    trust = trust or getattr(recognizer, "trust", Trust())
    stream = _Stream(matcher or IntentMatcher.load(), frozenset(HALTING), trust, hold)
    if frontend is not None:
        frontend.reset()
    consumed = 0
    lag = _Lag(clock)
    for chunk in chunks:
        consumed += len(chunk)
        t = round(consumed / (2 * RATE), 3)
        lag.begin()
        result = recognizer.accept(frontend.process(chunk) if frontend else chunk)
        heard = _final(stream, recognizer, result, t) if result else stream.partial(
            recognizer.partial(), t)
        behind = lag.end(t)
        if heard is not None:
            yield replace(heard, lag=behind) if behind else heard
    last = recognizer.finish()
    if last is not None:
        heard = _final(stream, recognizer, last, round(consumed / (2 * RATE), 3))
        if heard is not None:
            yield heard


def _final(stream: _Stream, recognizer: Recognizer, result: Transcript, t: float) -> Heard | None:
    """What the final ``result`` says; if it meant nothing (no intent, doubt or guess), what
    the recognizer's second reading of it says instead (``reread``, an engine's optional
    slower reading: Whisper's full window), when that means something and the engine is as
    sure of it as an exact phrase needs (``trust.exact``: Whisper's second reading of kitchen
    noise and of robotic voices wrote the prompt's "i feel dizzy" at 0.12 and "open ow" for
    "no pain now" at 0.24, each a check-in)."""
    heard = stream.final(result, t)
    reread = getattr(recognizer, "reread", None)
    if reread is None or heard is None or not heard.empty:
        return heard
    again = reread()
    sure = again is not None and again.confidence >= stream.trust.exact
    better = stream.final(again, t) if sure else None
    if better is None or better.empty:
        return heard
    log.debug("%r read again: %r (%s)", result.text, again.text, better.intent)
    return better


class _Lag:
    """How far a real-time machine would be behind the audio: each chunk is worked on from when
    it arrives (its end, ``t``) or when the work before it is done, whichever is later."""

    def __init__(self, clock: Callable[[], float] | None) -> None:
        self.clock, self.began, self.ready = clock, 0.0, 0.0

    def begin(self) -> None:
        if self.clock is not None:
            self.began = self.clock()

    def end(self, t: float) -> float:
        """Seconds behind ``t`` once this chunk's work is done (0 without a clock)."""
        if self.clock is None:
            return 0.0
        self.ready = max(self.ready, t) + (self.clock() - self.began)
        return round(self.ready - t, 3)


class _Stream:
    """Per-stream state of :func:`listen`: the early halting hit of the current utterance."""

    def __init__(
        self, matcher: Matcher, halting: frozenset[str], trust: Trust, hold: float
    ) -> None:
        self.matcher = matcher
        self.halting = halting
        self.trust = trust
        self.hold = hold
        self.fired: str | None = None
        """The halting intent already sent for the current utterance."""
        self.streak: tuple[str, float] = ("", 0.0)
        """The halting intent the partials have held, and since when (audio seconds)."""
        self.last: tuple[str, IntentMatch | None] = ("", None)
        """The last partial matched, and its match (a partial often stays the same)."""

    def partial(self, text: str, t: float) -> Heard | None:
        if self.fired is not None:
            return None
        match = self._match_partial(text)
        if match is None or not self._may_act_early(text, match):
            self.streak = ("", 0.0)
            return None
        if self.streak[0] != match.intent:
            self.streak = (match.intent, t)
        since = self.streak[1]
        if t - since < self.hold - 1e-6:
            return None
        self.fired = match.intent
        return Heard(t, text, 0.0, match.intent, match.confidence, False, since)

    def _may_act_early(self, text: str, match: IntentMatch) -> bool:
        """A halting intent, exact enough, that the words so far say themselves (not a phrase
        they only begin, :attr:`IntentMatch.cut_short`: kitchen noise's partial "i'm going to",
        dizzy at 0.8 by "i'm going to faint", halted a simulated session)."""
        return (
            match.intent in self.halting
            and (match.confidence >= EARLY_MATCH or self.trust.fuzzy_halts)
            and not match.cut_short
            and self._not_on_a_short_word(text, match.intent)
        )

    def _not_on_a_short_word(self, text: str, intent: str) -> bool:
        """``text`` means ``intent`` without its short words that mean it alone (``EARLY_LETTERS``:
        "ow")."""
        words = text.split()
        kept = [w for w in words
                if len(w) >= EARLY_LETTERS or self.matcher.match(w).intent != intent]
        if kept == words:
            return True
        return bool(kept) and self.matcher.match(" ".join(kept)).intent == intent

    def _match_partial(self, text: str) -> IntentMatch | None:
        if text != self.last[0]:
            short = 0 < len(text.split()) <= self.trust.early_words
            self.last = (text, self.matcher.match(text) if short else None)
        return self.last[1]

    def final(self, result: Transcript, t: float) -> Heard | None:
        fired, self.fired, self.streak = self.fired, None, ("", 0.0)
        if not result.text.strip():
            return None
        match, rank = ranked_match(self.matcher, (result.text, *result.alternatives))
        intent, score = match.intent, match.confidence
        if fired is not None and (intent == fired or intent not in self.halting):
            log.debug("%r: the halt heard early stands (%s)", result.text, fired)
            return None  # acted on from a partial: only a halt that says more may follow
        if result.thin:
            return self._thin(result, match, t)
        first = match if rank == 0 else self.matcher.match(result.text)
        if first.noise:  # runner-ups of "thank you" for noise are noise too
            return self._noise(result, first, t)
        doubt, guess = (match.doubt if intent == NONE else ""), ""
        if intent != NONE and not self._acted_on(result, intent, score, rank):
            log.debug("ignoring %r (%s, hypothesis %d): recognizer %.2f, match %.2f",
                      result.text, intent, rank, result.confidence, score)
            doubt = intent if intent in self.halting else ""
            guess = "" if doubt or self._runner_up_of_unclear(result, rank) else intent
            intent, score = NONE, 0.0
        if intent == NONE and not doubt:
            doubt = self._halt_unbiased(result)
            guess = "" if doubt else guess
        unclear = intent == NONE and self._unclear(result, doubt)
        if unclear and not guess and result.confidence < self.trust.heard:
            log.debug("%r: not heard (recognizer %.2f)", result.text, result.confidence)
            return None
        return Heard(t, result.text, result.confidence, intent, score, True, result.start, doubt,
                     guess, unclear)

    def _halt_unbiased(self, result: Transcript, least: float = EARLY_MATCH) -> str:
        """The halting intent of the engine's reading without its bias, matched at least this
        closely (by default exactly: one of its phrases), else "". Exactly, it is asked about
        when the biased reading means nothing (flite's "the room is spinning", prompted "do you
        miss spinning", was let pass; on 10 minutes each of kitchen noise, TV and babble, no
        reading without the bias said a halt); at all, it confirms an unsure halt
        (:meth:`_read_twice`)."""
        found = self.matcher.match(result.unbiased) if result.unbiased else None
        if found is None or found.intent not in self.halting or found.confidence < least:
            return ""
        return found.intent

    def _thin(self, result: Transcript, match: IntentMatch, t: float) -> Heard | None:
        """Words heard over other speech (:attr:`Transcript.thin`): a halting word in them is
        asked about, anything else let pass (a television's words are no command)."""
        doubt = match.intent if match.intent in self.halting else match.doubt
        if not doubt:
            return None
        return Heard(t, result.text, result.confidence, NONE, 0.0, True, result.start, doubt)

    def _runner_up_of_unclear(self, result: Transcript, rank: int) -> bool:
        """Only a runner-up hypothesis of words heard unclearly means it: not even a guess
        (kitchen noise heard as "i am nervous" at 0.12, a runner-up "yes", was taken as an
        unsure yes to the safety question in the spoken sessions, and a session ended)."""
        return rank > 0 and result.confidence < self.trust.exact

    def _noise(self, result: Transcript, match: IntentMatch, t: float) -> Heard | None:
        """A phrase recognizers write for noise ("thank you", "bye"): nothing, or at most a
        guess if it is an intent's exact phrase (:mod:`voicecoach.nlu.noise`), unclear below
        the trust of an exact phrase (the simulated kitchen's "bye" at 0.15 cut the count to
        ask "did you want to finish?")."""
        if match.intent == NONE or match.confidence < EARLY_MATCH:
            log.debug("ignoring %r: a phrase recognizers write for noise", result.text)
            return None
        doubt = match.intent if match.intent in self.halting else ""
        return Heard(t, result.text, result.confidence, NONE, 0.0, True, result.start, doubt,
                     "" if doubt else match.intent, self._unclear(result, doubt))

    def _unclear(self, result: Transcript, doubt: str) -> bool:
        """Nothing understood (no doubt) and words less sure than an exact phrase needs
        (:attr:`Heard.unclear`)."""
        return not doubt and result.confidence < self.trust.exact

    def _acted_on(self, result: Transcript, intent: str, matched: float, rank: int) -> bool:
        """Trusted, and (for a halting intent) matched exactly enough to halt at once, in the
        best hypothesis (a halting word only in a runner-up is a doubt). An intent only a
        runner-up means needs the recognizer as sure as a loose match does (kitchen noise at
        speech level: Whisper's best "it's been", "thank you" came with a runner-up "yes")."""
        if intent in self.halting and (rank > 0 or (
                matched < EARLY_MATCH and not self.trust.fuzzy_halts)):
            return False
        if rank > 0 and (result.confidence < self.trust.loose or intent in RUNNER_UP_GUESSES):
            return False
        return self._trusted(result, intent, matched)

    def _trusted(self, result: Transcript, intent: str, matched: float) -> bool:
        """Garbage recognized from noise or other speech often fuzzy-matches some phrase."""
        trust = self.trust
        if matched >= 0.99:
            needed = trust.exact
        else:
            needed = max(trust.fuzzy if matched >= FUZZY_MATCH else trust.loose, trust.exact)
        if intent in ENDING:
            needed = max(needed, trust.loose)
        elif intent in ASKING and trust.question is not None:
            needed = trust.question
        if result.confidence < needed:
            return False
        return intent not in self.halting or self._halt_words_sure(result, intent)

    def _halt_words_sure(self, result: Transcript, intent: str) -> bool:
        """A hallucinated "lightheaded" inside a long sentence must not halt the session. A
        lone one neither: Whisper's "stop" for a real speaker's "right" in kitchen noise (sentence
        0.54, word 0.23) was as sure as a lone "dizzy" or "ouch" heard right (0.50-0.69, word
        0.14-0.32): asked about, unless the reading without the bias means the same halt (that
        "stop" was "crap" there)."""
        sure = all(
            word.confidence >= self.trust.halt_word
            for word in result.words
            if self.matcher.match(word.text).intent == intent
        )
        return sure or self._read_twice(result)

    def _read_twice(self, result: Transcript) -> bool:
        """The engine's reading without its bias means a halt too (the same or another: "i feel
        faint" in the simulated kitchen, "i feel pain" with the prompt, its "pain" at 0.3, and
        "i feel faint" without, was only asked about), or its scoring without the bias finds
        the text nearly as likely (:attr:`Transcript.likely_unbiased`: stop 42, flite and
        espeak-ng halted clean 69.0 -> 76.2 %, pink 54.8 -> 57.1 %, no more false halts): the
        prompt did not put the halting word there, however unsure its first token (Whisper
        splits a word's probability among its spellings and cases: " D" + "izzy" beside
        " dizz"). Only in a sentence as short as a partial that may halt
        (``trust.early_words``): a real speaker's 18 words read aloud, "had he married a more
        painful woman ...", read twice in kitchen noise, halted."""
        if len(result.text.split()) > self.trust.early_words:
            return False
        if result.likely_unbiased:
            return True
        return bool(self._halt_unbiased(result, least=0.0))


def recognize_file(
    path: str | Path, recognizer: Recognizer, frontend: Chain | None = None
) -> list[Transcript]:
    """Every utterance recognized in a WAV file (any rate, mono or stereo), in order.

    Raises :class:`voicecoach.errors.AudioError` naming the file if it cannot be read.
    """
    from voicecoach.audio.wav import iter_chunks

    found: list[Transcript] = []
    chunks = iter_chunks(path)
    if frontend is not None:
        frontend.reset()
        chunks = frontend.run(chunks)
    try:
        for chunk in chunks:
            result = recognizer.accept(chunk)
            if result is not None and result.text:
                found.append(result)
    finally:
        last = recognizer.finish()
    if last is not None and last.text:
        found.append(last)
    return found
