"""Speech in, wired to sessions and commands: microphone, ``--audio-in`` WAV, understand/transcribe.

Both the microphone and a recording go through :func:`voicecoach.speech.listen.listen`, chunk by
chunk; the session is ticked at each chunk's audio time, so a recording replays a session
exactly as the microphone would have heard it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from voicecoach.app.notice import note
from voicecoach.app.session import Session, finish_virtual
from voicecoach.app.settings import EngineSettings
from voicecoach.audio.frontend import Chain, build_frontend
from voicecoach.errors import AudioError, VoiceCoachError
from voicecoach.nlu.matcher import IntentMatch, IntentMatcher
from voicecoach.speech.asr.base import RATE, Recognizer
from voicecoach.speech.asr.engines import choose_engine, start_engine
from voicecoach.speech.listen import Heard, listen

log = logging.getLogger(__name__)

_RECOGNIZERS: dict[tuple[str, str | None], tuple[Recognizer, str]] = {}


def open_recognizer(engine: EngineSettings) -> tuple[Recognizer, str]:
    """The recognizer ``engine`` asks for (built once per process) and why."""
    key = (engine.engine, engine.model)
    if key not in _RECOGNIZERS:
        recognizer, ran = start_engine(choose_engine(engine.engine, engine.model))
        _RECOGNIZERS[key] = (recognizer, ran.reason)
    recognizer, reason = _RECOGNIZERS[key]
    recognizer.reset()
    return recognizer, reason


_FRONTENDS: dict[str, Chain] = {}


def open_frontend(engine: EngineSettings) -> Chain:
    """The front-end ``engine.denoise`` asks for (noise suppression, then automatic gain),
    built once per process; :func:`listen` starts it afresh with each stream."""
    if engine.denoise not in _FRONTENDS:
        _FRONTENDS[engine.denoise] = build_frontend(engine.denoise)
    return _FRONTENDS[engine.denoise]


def ticked(chunks: Iterable[bytes], tick: Callable[[float], None]) -> Iterator[bytes]:
    """Pass chunks through, ticking ``tick`` with the audio time reached before each."""
    consumed = 0
    for chunk in chunks:
        tick(consumed / (2 * RATE))
        consumed += len(chunk)
        yield chunk
    tick(consumed / (2 * RATE))


def feed(session: Session, heard: Heard, echo: Callable[[], str | None] | None = None) -> None:
    """Hand one heard utterance to the session, unless it is the coach's own voice.

    A halting utterance always goes through: a false halt is safe, a missed one is not; so
    does an answer the coach is waiting for (its line may well say the words to answer with:
    'Say "start back twist" when you're ready').
    """
    invited = heard.intent in session.coach.likely_intents
    if echo is not None and not heard.halting and not invited and is_echo(heard.text, echo()):
        log.info("ignoring %r: the coach is saying it", heard.text)
        return
    match = IntentMatch(heard.intent, heard.intent_confidence, heard.text)
    session.heard(heard.t, heard.text, match=match, partial=not heard.final, doubt=heard.doubt,
                  guess=heard.guess)


def is_echo(text: str, saying: str | None) -> bool:
    """True when every word heard is in the line the coach is saying right now."""
    if not saying or not text.strip():
        return False
    said = set("".join(c if c.isalnum() or c == "'" else " " for c in saying.lower()).split())
    return set(text.lower().split()) <= said


CONVERGED = 3.0
"""Seconds of the coach's voice an echo canceller needs before it is trusted alone (it removes
~6 dB in its first 2 s, ~30 dB after 8 s: FIELD_NOTES and the room benchmark)."""


def echo_guard(saying: str | None, canceller: Any = None) -> str | None:
    """The line to check heard text against (:func:`is_echo`), or None for no text check.

    Without an echo canceller the text check is the only defence against the coach's own
    voice. With one, the text check stays only while it is still converging: afterwards it
    could only swallow a user who repeats the coach's words ("how many reps" while the coach
    says "ask how many reps").
    """
    if canceller is not None and canceller.reference_seconds >= CONVERGED:
        return None
    return saying


def stream_session(
    session: Session,
    chunks: Iterable[bytes],
    recognizer: Recognizer,
    echo: Callable[[], str | None] | None = None,
    frontend: Chain | None = None,
) -> float:
    """Run the session on an audio stream; returns the audio time reached."""
    reached = [0.0]

    def tick(t: float) -> None:
        reached[0] = t
        if not session.coach.ended:
            session.tick(t)
        recognizer.prefer(session.coach.likely_intents)

    heard_all = listen(ticked(chunks, tick), recognizer, session.matcher, frontend=frontend)
    for heard in heard_all:
        if session.coach.ended:
            break
        feed(session, heard, echo)
    return reached[0]


def run_audio_file(session: Session, path: str, engine: EngineSettings) -> int:
    """``run --audio-in FILE.wav``: the microphone path, fed from a recording, in audio time."""
    from voicecoach.audio.wav import iter_chunks

    recognizer, reason = open_recognizer(engine)
    frontend = open_frontend(engine)
    note(f"speech recognizer: {reason}; front-end: {frontend.name}")
    play_stream(session, iter_chunks(path), recognizer, frontend)
    return 0


def play_stream(
    session: Session, chunks: Iterable[bytes], recognizer: Recognizer, frontend: Chain | None
) -> float:
    """A whole session on recorded audio, in audio time: what ``--audio-in`` runs (and the
    spoken-session benchmark, on the user's track as it makes it). Returns the audio time."""
    session.begin(0.0)
    end = stream_session(session, chunks, recognizer, frontend=frontend)
    finish_virtual(session, end)
    return end


def run_microphone(session: Session, device: str | None, engine: EngineSettings) -> bool:
    """Listen on the microphone; False (after one line saying why) when typing must do."""
    from voicecoach.app.live import run_typed
    from voicecoach.audio import devices as audio

    speaker = getattr(session.sink, "speaker", None)
    echo = _echo_path(speaker)
    try:
        chunks = audio.microphone_chunks(device, echo=echo)
        recognizer, reason = open_recognizer(engine)
        frontend = open_frontend(engine)
    except VoiceCoachError as err:
        note(f"{err} (typing instead)")
        return False
    note(f"listening; speech recognizer: {reason}; front-end: {frontend.name}")
    session.begin(0.0)
    try:
        reached = stream_session(
            session, chunks, recognizer, _echo_of(speaker, echo), frontend
        )
    except AudioError as err:
        note(f"{err} (typing instead)")
        import sys

        run_typed(session, sys.stdin, start_at=session.coach.now, begin=False)
        return True
    log.info("microphone stream ended at %.1f s", reached)
    return True


def _echo_path(speaker: Any) -> Any:
    """Echo cancellation with the speaker's playback as reference, or None (said why)."""
    tap = getattr(speaker, "tap", None)
    if tap is None:
        return None
    from voicecoach.audio.echo import EchoPath

    try:
        return EchoPath(tap)
    except AudioError as err:
        note(f"{err} (no echo cancelling: the coach may hear itself)")
        return None


def _echo_of(speaker: Any, echo: Any) -> Callable[[], str | None]:
    """What the text-based echo check compares heard text with (see :func:`echo_guard`)."""
    if speaker is None:
        return lambda: None
    canceller = echo.canceller if echo is not None else None
    return lambda: echo_guard(speaker.now_saying(), canceller)


# -- understand / transcribe -----------------------------------------------------------


def understand_wav(path: str, matcher: IntentMatcher, engine: EngineSettings) -> dict[str, Any]:
    """What a session would have acted on in the recording at ``path``, heard from a fresh
    start: the halting intent it halted on (``early`` with the partial text when that came
    before the end of the utterance), else the last command; ``doubt`` names a halting intent
    heard too unsure to act on (the coach would pause and check in)."""
    recognizer, _ = open_recognizer(engine)
    from voicecoach.audio.wav import iter_chunks

    heard = list(listen(iter_chunks(path), recognizer, matcher, frontend=open_frontend(engine)))
    finals = [h for h in heard if h.final]
    chosen = _meaning(heard)
    record: dict[str, Any] = {
        "input": path,
        "transcript": " ".join(h.text for h in finals),
        "intent": chosen.intent if chosen else "none",
        "confidence": round(chosen.intent_confidence if chosen else 0.0, 3),
        "engine": recognizer.name,
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

    recognizer, _ = open_recognizer(engine)
    found = recognize_file(path, recognizer, open_frontend(engine))
    confidence = min((t.confidence for t in found), default=0.0)
    return {
        "input": path,
        "transcript": " ".join(t.text for t in found),
        "confidence": round(confidence, 3),
        "engine": recognizer.name,
    }
