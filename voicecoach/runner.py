"""Wiring for the commands: which input, which output, which recognizer.

Every decision that falls back (no microphone, no speech engine) is said in one line on
stderr; nothing here raises past the CLI but :class:`VoiceCoachError`.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from pathlib import Path
from typing import Any

from voicecoach.coach import Coach, CoachConfig
from voicecoach.dialog import Dialog
from voicecoach.errors import AudioError, VoiceCoachError
from voicecoach.intents import IntentMatcher
from voicecoach.session import Session, Sink, load_script, run_script

log = logging.getLogger(__name__)

def note(message: str) -> None:
    """One line to the user about how the session runs (stderr, so --json stays clean)."""
    print(f"voicecoach: {message}", file=sys.stderr, flush=True)


def coach_config(args: argparse.Namespace) -> CoachConfig:
    if not 1 <= args.reps <= 100:
        raise VoiceCoachError(f"--reps must be between 1 and 100, not {args.reps}")
    if args.minutes is not None and not 0 < args.minutes <= 30:
        raise VoiceCoachError(f"--minutes must be above 0 and at most 30, not {args.minutes}")
    return CoachConfig(target=args.reps, minutes=args.minutes)


def build_session(args: argparse.Namespace, sink: Sink) -> Session:
    coach = Coach(Dialog.load(args.lang), random.Random(args.seed), coach_config(args))
    return Session(coach, IntentMatcher.load(args.lang), sink)


# -- output sinks ---------------------------------------------------------------------


def json_sink(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)


class HumanSink:
    """Print what the coach says (and say it aloud through ``speaker``)."""

    def __init__(self, speaker: Any | None = None, stamps: bool = False) -> None:
        self.speaker = speaker
        self.stamps = stamps

    def __call__(self, record: dict[str, Any]) -> None:
        event = record["event"]
        stamp = f"[{record['t']:7.1f}] " if self.stamps else ""
        if event == "halt" and self.speaker is not None:
            self.speaker.stop()
        elif event == "say":
            print(f"{stamp}coach: {record['text']}", flush=True)
            if self.speaker is not None:
                self.speaker.say(record["text"])
        elif event == "heard" and self.stamps:
            print(f"{stamp}  you: {record['text']}", flush=True)


def _open_speaker(args: argparse.Namespace) -> Any | None:
    if args.output == "text" or args.json:
        return None
    from voicecoach.tts import open_voice

    try:
        return open_voice()
    except AudioError as err:
        note(f"{err} (printing replies instead)")
        return None


# -- run ------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> int:
    if args.script:
        lines = load_script(args.script)
        session = build_session(args, json_sink if args.json else HumanSink(stamps=True))
        if args.clock == "real":
            note("scripts play in virtual time; --clock real is ignored with --script")
        run_script(session, lines)
        return 0
    if args.audio_in:
        from voicecoach.speech import run_audio_file

        session = build_session(args, json_sink if args.json else HumanSink(stamps=True))
        return run_audio_file(session, args)
    speaker = _open_speaker(args)
    try:
        sink = json_sink if args.json else HumanSink(speaker)
        session = build_session(args, sink)
        if not args.text:
            from voicecoach.speech import run_microphone

            if run_microphone(session, args):
                return 0
        return _run_typed(session)
    finally:
        if speaker is not None:
            speaker.close()


def _run_typed(session: Session) -> int:
    from voicecoach.live import run_typed

    if sys.stdin.isatty():
        note('type what you would say (e.g. "start back twist"); "quit" or Ctrl-C ends')
    run_typed(session, sys.stdin)
    return 0


# -- understand / transcribe --------------------------------------------------------


def is_audio_path(text: str) -> bool:
    return text.lower().endswith((".wav", ".wave")) or (
        len(text) < 4096 and "\n" not in text and Path(text).is_file()
    )


def understand(args: argparse.Namespace) -> int:
    matcher = IntentMatcher.load()
    failures = 0
    for item in args.inputs:
        try:
            if is_audio_path(item):
                from voicecoach.speech import understand_wav

                record = understand_wav(item, matcher, args)
            else:
                match = matcher.match(item)
                record = {"input": item, "transcript": item, "intent": match.intent,
                          "confidence": round(match.confidence, 3)}
        except VoiceCoachError as err:
            failures += 1
            record = {"input": item, "error": str(err)}
        _print_record(record, args.json)
    return 1 if failures else 0


def transcribe(args: argparse.Namespace) -> int:
    from voicecoach.speech import transcribe_wav

    failures = 0
    for item in args.inputs:
        try:
            record = transcribe_wav(item, args)
        except VoiceCoachError as err:
            failures += 1
            record = {"input": item, "error": str(err)}
        _print_record(record, args.json)
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
