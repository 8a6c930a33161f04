"""Speech in, wired to sessions and commands: microphone, ``--audio-in`` WAV, understand/transcribe.

The microphone, a recording and the simulated room are heard through one chain
(:func:`voicecoach.app.ear.open_ear`: echo cancelling where there is playback, front-end,
recognizer, matcher), chunk by chunk; the session is ticked at each chunk's audio time, so a
recording replays a session exactly as the microphone would have heard it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from voicecoach.app.ear import Ear, open_ear
from voicecoach.app.notice import note
from voicecoach.app.session import Session, finish_virtual
from voicecoach.app.settings import EngineSettings
from voicecoach.errors import AudioError, VoiceCoachError
from voicecoach.nlu.matcher import IntentMatch, IntentMatcher
from voicecoach.speech.asr.base import RATE
from voicecoach.speech.listen import Heard

log = logging.getLogger(__name__)

def ticked(chunks: Iterable[bytes], tick: Callable[[float], None]) -> Iterator[bytes]:
    """Pass chunks through, ticking ``tick`` with the audio time reached before each."""
    consumed = 0
    for chunk in chunks:
        tick(consumed / (2 * RATE))
        consumed += len(chunk)
        yield chunk
    tick(consumed / (2 * RATE))


def feed(session: Session, heard: Heard, echo: Callable[[], Saying | None] | None = None) -> None:
    """Hand one heard utterance to the session, unless it is the coach's own voice.

    A halting utterance always goes through: a false halt is safe, a missed one is not; so
    does an answer the coach is waiting for (its line may well say the words to answer with:
    'Say "start back twist" when you're ready'), unless it is most of that line again.
    """
    invited = heard.intent in session.coach.likely_intents
    meant = heard.intent != "none" or bool(heard.doubt or heard.guess)
    line = echo() if echo is not None else None
    if line is not None and not heard.halting and line.own_voice(heard.text, invited, meant,
                                                                 heard.start):
        log.info("ignoring %r: the coach is saying it", heard.text)
        return
    match = IntentMatch(heard.intent, heard.intent_confidence, heard.text)
    session.heard(heard.t, heard.text, match=match, partial=not heard.final, doubt=heard.doubt,
                  guess=heard.guess, lag=heard.lag, asr=heard.confidence, unclear=heard.unclear)


ECHO_SHARE = 0.5
"""Share of the words heard that, found in the line the coach is saying, make it its echo: the
recognizer garbles the rest ("hi and you're back to this coach hey half back this when you're
ready" for the greeting)."""

REPEAT_WORDS = 4
"""Words heard, at least, for :func:`repeats` to call them the coach's line said again."""

REPEAT_START = 3
"""The line said again begins with one of its first words, among the first words heard (the
utterance opened when the line began)."""


def _words(text: str) -> list[str]:
    return "".join(c if c.isalnum() or c == "'" else " " for c in text.lower()).split()


def is_echo(text: str, saying: str | None) -> bool:
    """True when most words heard (:data:`ECHO_SHARE`) are in the line the coach is saying."""
    words = text.lower().split()
    if not saying or not words:
        return False
    said = set(_words(saying))
    return sum(word in said for word in words) >= ECHO_SHARE * len(words)


def repeats(text: str, saying: str | None) -> bool:
    """True when the words heard are the coach's line again: :func:`is_echo`, they begin as
    it begins (:data:`REPEAT_START`) and hold half of its words. A user answers in a few words
    of a line, or speaks over it and is heard with its end, never from its start."""
    words = text.lower().split()
    said = _words(saying or "")
    if len(words) < REPEAT_WORDS or not is_echo(text, saying):
        return False
    begins = bool(set(words[:REPEAT_START]) & set(said[:REPEAT_START]))
    return begins and len(set(words) & set(said)) >= ECHO_SHARE * len(set(said))


CONVERGED = 3.0
"""Seconds of the coach's voice an echo canceller needs before it is trusted alone (it removes
~6 dB in its first 2 s, ~30 dB after 8 s: FIELD_NOTES and the room benchmark)."""

ONSET = 0.6
"""Seconds after a line begins within which an utterance that opens is that line's echo, if the
canceller had not converged when the line began: the echo opens one with the line's first words
(the room's greeting, garbled into "hi and you're back to this coach hey half back this then
we're ready", was taken for "ready" and started the session); a user answers after the line,
or over it once it is under way."""

ECHO_TAIL = 1.5
"""Seconds after a line ends during which heard text is still checked against it: the
utterance that carries its echo is heard ~0.5 s after the line, once the pause is long enough
(the room's garbled greeting was heard at 4.8 s, the line ended at 4.3 s)."""


@dataclass(frozen=True)
class Saying:
    """The coach's line being said (or just said), for the text-based echo check."""

    text: str
    converged: bool = False
    """True once an echo canceller is trusted alone: only the line said again is its echo."""
    began: float | None = None
    """When the line began (stream seconds), if no trusted canceller was there then; else
    None."""

    @classmethod
    def over(cls, text: str, reference: float | None, began: float | None = None,
             now: float = 0.0) -> Saying:
        """``text``, begun at ``began`` (stream seconds), heard at ``now`` over a canceller
        that has had ``reference`` seconds of the coach's voice by then (None: no canceller)."""
        converged = reference is not None and reference >= CONVERGED
        fresh = began is not None and (reference is None or reference - (now - began) < CONVERGED)
        return cls(text, converged, began if fresh else None)

    def own_voice(
        self, heard: str, invited: bool = False, meant: bool = True, opened: float | None = None
    ) -> bool:
        """True when ``heard`` (an utterance that began at ``opened``) is this line's echo.
        While the canceller converges, most words in the line make it so, unless they mean what
        the coach waits for, and so do words that mean nothing (not ``meant``: the room's
        greeting came back as "try there when you want to go straight take our hand please",
        and was answered "sorry"); afterwards, and for what it waits for, only most of the line
        said again (:func:`repeats`) does, or an utterance that opened as a line began before
        the canceller converged (:data:`ONSET`)."""
        if repeats(heard, self.text) or self.opened_with(opened):
            return True
        if self.converged or invited:
            return False
        return not meant or is_echo(heard, self.text)

    def opened_with(self, opened: float | None) -> bool:
        """An utterance that began at ``opened`` began with this line, unconverged
        (:data:`ONSET`)."""
        if self.began is None or opened is None:
            return False
        return -ONSET / 2 <= opened - self.began <= ONSET


def echo_guard(
    saying: str | None, canceller: Any = None, began: float | None = None, now: float = 0.0
) -> Saying | None:
    """The line to check heard text against (:class:`Saying`), or None when nothing is said.

    Without an echo canceller the text check is the only defence against the coach's own
    voice. With one, the full check stays only while it is still converging: afterwards it
    could only swallow a user who repeats the coach's words ("how many reps" while the coach
    says "ask how many reps"), so only the line said again is taken for its echo. ``began``,
    ``now``: when the line began and the time now (stream seconds), if known
    (:meth:`Saying.opened_with`).
    """
    if not saying:
        return None
    reference = canceller.reference_seconds if canceller is not None else None
    return Saying.over(saying, reference, began, now)


def stream_session(
    session: Session,
    chunks: Iterable[bytes],
    ear: Ear,
    echo: Callable[[], Saying | None] | None = None,
) -> float:
    """Run the session on an audio stream (echo already removed) heard through ``ear``;
    returns the audio time reached."""
    reached = [0.0]

    def tick(t: float) -> None:
        reached[0] = t
        if not session.coach.ended:
            session.tick(t)
        ear.recognizer.prefer(session.coach.likely_intents)

    for heard in ear.hear(ticked(chunks, tick), session.matcher):
        if session.coach.ended:
            break
        feed(session, heard, echo)
    return reached[0]


def run_audio_file(session: Session, path: str, engine: EngineSettings) -> int:
    """``run --audio-in FILE.wav``: the microphone path, fed from a recording, in audio time."""
    from voicecoach.audio.wav import iter_chunks

    ear = open_ear(engine)
    note(ear.describe())
    play_stream(session, iter_chunks(path), ear)
    return 0


def play_stream(session: Session, chunks: Iterable[bytes], ear: Ear) -> float:
    """A whole session on recorded audio, in audio time: what ``--audio-in`` runs (and the
    spoken-session benchmark, on the user's track as it makes it). Returns the audio time."""
    session.begin(0.0)
    end = stream_session(session, chunks, ear)
    finish_virtual(session, end)
    return end


def run_microphone(
    session: Session, device: str | None, engine: EngineSettings, duplex: Any = None
) -> bool:
    """Listen on the microphone; False (after one line saying why) when typing must do.

    With ``duplex`` (:class:`voicecoach.audio.duplex.Duplex`), the microphone blocks come
    paired with what the stream played; else the microphone is a stream of its own, and the
    speaker's tap, lined up by timestamps, is the echo reference (the fallback)."""
    from voicecoach.app.live import run_typed

    speaker = getattr(session.sink, "speaker", None)
    try:
        ear, chunks, how = _live_input(device, engine, speaker, duplex)
    except VoiceCoachError as err:
        note(f"{err} (typing instead)")
        return False
    note(f"listening ({how}); {ear.describe()}")
    session.begin(0.0)
    try:
        reached = stream_session(session, chunks, ear, _echo_of(speaker, ear))
    except AudioError as err:
        note(f"{err} (typing instead)")
        import sys

        run_typed(session, sys.stdin, start_at=session.coach.now, begin=False)
        return True
    log.info("microphone stream ended at %.1f s", reached)
    return True


def _live_input(
    device: str | None, engine: EngineSettings, speaker: Any, duplex: Any
) -> tuple[Ear, Iterable[bytes], str]:
    """The ear, the microphone's blocks through its echo stage, and which audio path runs."""
    if duplex is not None:
        ear = _open_live_ear(engine, speaker is not None)
        return ear, ear.clean(duplex.pairs()), "one duplex stream"
    from voicecoach.audio import devices as audio

    tap = getattr(speaker, "tap", None)
    ear = _open_live_ear(engine, tap is not None)
    chunks = audio.microphone_chunks(device, echo=_echo_stage(tap, ear))
    return ear, chunks, "two streams" if tap is not None else "microphone only"


def _open_live_ear(engine: EngineSettings, playback: bool) -> Ear:
    """The live chain; without SpeexDSP, without echo cancelling (said why)."""
    try:
        return open_ear(engine, playback=playback)
    except AudioError as err:
        if not playback:
            raise
        note(f"{err} (no echo cancelling: the coach may hear itself)")
        return open_ear(engine)


def _echo_stage(tap: Any, ear: Ear) -> Any:
    """The microphone's echo stage: the tap's reference through the ear (its canceller, and
    the front-end told when the coach's voice plays)."""
    if tap is None or ear.canceller is None:
        return None
    from voicecoach.audio.echo import EchoPath

    return EchoPath(tap, ear)


def _echo_of(speaker: Any, ear: Ear) -> Callable[[], Saying | None]:
    """What the text-based echo check compares heard text with (see :func:`echo_guard`)."""
    if speaker is None:
        return lambda: None
    import time

    zero = time.monotonic()  # the stream starts now: its seconds are the wall clock's from here

    def saying() -> Saying | None:
        now = time.monotonic() - zero
        began = speaker.line_began() - zero if hasattr(speaker, "line_began") else None
        return echo_guard(speaker.now_saying(ECHO_TAIL), ear.canceller, began, now)

    return saying


# -- understand / transcribe -----------------------------------------------------------


def understand_wav(path: str, matcher: IntentMatcher, engine: EngineSettings) -> dict[str, Any]:
    """What a session would have acted on in the recording at ``path``, heard from a fresh
    start: the halting intent it halted on (``early`` with the partial text when that came
    before the end of the utterance), else the last command; ``doubt`` names a halting intent
    heard too unsure to act on (the coach would pause and check in)."""
    from voicecoach.audio.wav import iter_chunks

    ear = open_ear(engine)
    heard = list(ear.hear(iter_chunks(path), matcher))
    finals = [h for h in heard if h.final]
    chosen = _meaning(heard)
    record: dict[str, Any] = {
        "input": path,
        "transcript": " ".join(h.text for h in finals),
        "intent": chosen.intent if chosen else "none",
        "confidence": round(chosen.intent_confidence if chosen else 0.0, 3),
        "engine": ear.recognizer.name,
    }
    if chosen is not None and not chosen.final:
        record.update(early=True, partial=chosen.text)
    doubts = [h.doubt for h in heard if h.doubt]
    if doubts and (chosen is None or not chosen.halting):
        record["doubt"] = doubts[0]
    return record


def _meaning(heard: list[Heard]) -> Heard | None:
    """The utterance that decides a file's intent: the first halting one (early or final),
    else the last command."""
    halting = [h for h in heard if h.halting]
    if halting:
        return halting[0]
    commands = [h for h in heard if h.intent != "none"]
    return commands[-1] if commands else None


def transcribe_wav(path: str, engine: EngineSettings) -> dict[str, Any]:
    from voicecoach.speech.listen import recognize_file

    ear = open_ear(engine)
    found = recognize_file(path, ear.recognizer, ear.frontend)
    confidence = min((t.confidence for t in found), default=0.0)
    return {
        "input": path,
        "transcript": " ".join(t.text for t in found),
        "confidence": round(confidence, 3),
        "engine": ear.recognizer.name,
    }
