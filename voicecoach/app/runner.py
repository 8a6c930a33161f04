"""Wiring for the commands: which input, which output, which recognizer.

Every decision that falls back (no microphone, no speech engine) is said in one line on
stderr; nothing here raises past the CLI but :class:`VoiceCoachError`.
"""

from __future__ import annotations

import json
import logging
import random
import sys
import time
from pathlib import Path
from typing import Any

from voicecoach.app.history import HistoryStore, NullHistory
from voicecoach.app.notice import note
from voicecoach.app.record import Recorder, open_store, plan
from voicecoach.app.session import Session, Sink, load_script, run_script
from voicecoach.app.settings import EngineSettings, RunSettings
from voicecoach.coach.dialog import Dialog
from voicecoach.coach.machine import Coach, CoachConfig
from voicecoach.coach.pacing import Tempo
from voicecoach.coach.progression import START_TARGET, Progress
from voicecoach.errors import AudioError, VoiceCoachError
from voicecoach.nlu.matcher import IntentMatcher

log = logging.getLogger(__name__)

def coach_config(settings: RunSettings, progress: Progress | None = None) -> CoachConfig:
    reps, minutes = settings.reps, settings.minutes
    if reps is None:
        reps = progress.target if progress is not None else START_TARGET
    if not 1 <= reps <= 100:
        raise VoiceCoachError(f"--reps must be between 1 and 100, not {reps}")
    if minutes is not None and not 0 < minutes <= 30:
        raise VoiceCoachError(f"--minutes must be above 0 and at most 30, not {minutes}")
    tempo = Tempo(start=settings.tempo)
    return CoachConfig(target=reps, minutes=minutes, tempo=tempo, progress=progress)


def build_session(settings: RunSettings, sink: Sink, store: HistoryStore | None = None) -> Session:
    """The session; with a voice, the coach's timeline runs on its lines' rendered lengths.
    Every event also goes to ``store`` (kept nowhere by default)."""
    store = store or NullHistory()
    config = coach_config(settings, plan(store))
    rng = random.Random(settings.seed)
    durations = getattr(getattr(sink, "speaker", None), "duration", None)
    coach = Coach(Dialog.load(settings.lang), rng, config, durations=durations)
    recorder = Recorder(store, logged(sink), config.target, config.minutes)
    return Session(coach, IntentMatcher.load(settings.lang), recorder)


def logged(sink: Sink) -> Sink:
    """``sink``, with every event logged (seen with ``--verbose``)."""
    if not log.isEnabledFor(logging.INFO):
        return sink

    def both(record: dict[str, Any]) -> None:
        log.info("%s", " ".join(f"{k}={v}" for k, v in record.items()))
        sink(record)

    both.speaker = getattr(sink, "speaker", None)  # type: ignore[attr-defined]
    return both


# -- output sinks ---------------------------------------------------------------------


def json_sink(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


class HumanSink:
    """Print what the coach says (and say it aloud through ``speaker``)."""

    def __init__(self, speaker: Any | None = None, stamps: bool = False) -> None:
        self.speaker = speaker
        self.stamps = stamps
        self.origin: float | None = None
        """``time.monotonic()`` at session time 0 (from the first record: the live loops
        emit each record when its time comes), so each line starts at its own time."""

    def __call__(self, record: dict[str, Any]) -> None:
        event = record["event"]
        if self.origin is None:
            self.origin = time.monotonic() - float(record["t"])
        stamp = f"[{record['t']:7.1f}] " if self.stamps else ""
        if event in ("halt", "hush") and self.speaker is not None:
            self.speaker.stop()
        elif event == "say":
            print(f"{stamp}coach: {record['text']}", flush=True)
            if self.speaker is not None:
                self._say(record)
        elif event == "heard" and self.stamps:
            print(f"{stamp}  you: {record['text']}", flush=True)

    def _say(self, record: dict[str, Any]) -> None:
        if hasattr(self.speaker, "duration"):  # a voice: each line at its own time
            self.speaker.say(record["text"], at=(self.origin or 0.0) + float(record["t"]))
        else:
            self.speaker.say(record["text"])


def _open_speaker(settings: RunSettings, duplex: Any = None) -> Any | None:
    if not settings.speak or settings.json:
        return None
    from voicecoach.speech.tts import open_voice

    player = duplex.player if duplex is not None else None
    try:
        return open_voice(settings.output_device, settings.voice, settings.rate,
                          volume=settings.volume, player=player)
    except AudioError as err:
        note(f"{err} (printing replies instead)")
        return None


def _open_duplex(settings: RunSettings) -> Any | None:
    """Speaker and microphone on one duplex stream, for a spoken session, where the devices
    allow it; else None (two streams), said in the log."""
    if settings.text or not settings.speak or settings.json:
        return None
    from voicecoach.audio.duplex import open_duplex

    try:
        duplex = open_duplex(settings.device, settings.output_device)
    except AudioError as err:
        log.info("audio: two streams (%s)", err)
        return None
    log.info("audio: one duplex stream (the echo reference is sample-aligned)")
    return duplex


# -- run ------------------------------------------------------------------------------


def run(settings: RunSettings) -> int:
    store = open_store(settings.history)
    try:
        return _run(settings, store)
    finally:
        store.close()


def _run(settings: RunSettings, store: HistoryStore) -> int:
    if settings.script:
        lines = load_script(settings.script)
        session = build_session(settings, _stamped_sink(settings), store)
        if settings.real_clock:
            note("scripts play in virtual time; --clock real is ignored with --script")
        run_script(session, lines)
        return 0
    if settings.audio_in:
        from voicecoach.app.spoken import run_audio_file

        session = build_session(settings, _stamped_sink(settings), store)
        return run_audio_file(session, settings.audio_in, settings.engine)
    duplex = _open_duplex(settings)
    speaker = _open_speaker(settings, duplex)
    try:
        sink = json_sink if settings.json else HumanSink(speaker)
        session = build_session(settings, sink, store)
        if not settings.text:
            from voicecoach.app.spoken import run_microphone

            if run_microphone(session, settings.device, settings.engine, duplex):
                return 0
        return _run_typed(session)
    finally:
        if speaker is not None:
            speaker.close()
        if duplex is not None:
            duplex.close()


def _stamped_sink(settings: RunSettings) -> Sink:
    return json_sink if settings.json else HumanSink(stamps=True)


def _run_typed(session: Session) -> int:
    from voicecoach.app.live import run_typed

    if sys.stdin.isatty():
        note('type what you would say (e.g. "start back twist"); "quit" or Ctrl-C ends')
    run_typed(session, sys.stdin)
    return 0


# -- understand / transcribe --------------------------------------------------------


def is_audio_path(text: str) -> bool:
    return text.lower().endswith((".wav", ".wave")) or (
        len(text) < 4096 and "\n" not in text and Path(text).is_file()
    )


def understand(inputs: list[str], engine: EngineSettings, as_json: bool = False) -> int:
    matcher = IntentMatcher.load()
    failures = 0
    for item in inputs:
        try:
            if is_audio_path(item):
                from voicecoach.app.spoken import understand_wav

                record = understand_wav(item, matcher, engine)
            else:
                match = matcher.match(item)
                record = {"input": item, "transcript": item, "intent": match.intent,
                          "confidence": round(match.confidence, 3)}
        except VoiceCoachError as err:
            failures += 1
            record = {"input": item, "error": str(err)}
        _print_record(record, as_json)
    return 1 if failures else 0


def transcribe(inputs: list[str], engine: EngineSettings, as_json: bool = False) -> int:
    from voicecoach.app.spoken import transcribe_wav

    failures = 0
    for item in inputs:
        try:
            record = transcribe_wav(item, engine)
        except VoiceCoachError as err:
            failures += 1
            record = {"input": item, "error": str(err)}
        _print_record(record, as_json)
    return 1 if failures else 0


def _print_record(record: dict[str, Any], as_json: bool) -> None:
    if as_json:
        json_sink(record)
    elif "error" in record:
        print(f"{record['input']}: error: {record['error']}", flush=True)
    elif "intent" in record:
        print(f"{record['input']}: {record['intent']} ({record['confidence']:.2f})"
              f"  heard: {record['transcript']!r}", flush=True)
    else:
        print(f"{record['input']}: {record['transcript']}", flush=True)
