"""Replay benchmark: ``python -m voicecoach.bench replay DIR [options]``.

Plays the tapes of simulated room sessions (:mod:`voicecoach.bench.tape`: made with
``python -m voicecoach.bench room --tape DIR ...``) to a recognizer, through the same
:func:`voicecoach.speech.listen.listen` as every stream, and measures what it heard against
the user's lines: halting commands caught (acted on, or a doubt the coach asks about) and
halted, and how long after the words ended (audio time plus the time recognition took here,
queued as in real time: :attr:`voicecoach.speech.listen.Heard.lag`); questions heard (the
intent itself) and how long after; and what was heard while nobody spoke: intents acted on,
doubts, guesses. Unlike ``bench room`` the audio is the same for every ear, so two versions
of the recognizer or the matcher are compared on equal terms (the coach does not answer: what
it would have done differently is not played out). ``--json``: the last line is one object.
Exit status 0, or 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.bench.room import HALTING, QUESTIONS, _pct, _ratio, pct
from voicecoach.bench.tape import Taped, read_tape
from voicecoach.errors import VoiceCoachError
from voicecoach.speech.asr.base import RATE, Recognizer
from voicecoach.speech.listen import Heard

WINDOW = 5.0
"""Seconds after a line's words end within which what is heard is that line's."""
BEFORE = 0.2
"""... and before they begin (an utterance opens on the speech's first frames)."""


@dataclass(frozen=True, slots=True)
class Line:
    """A user line scored: what it meant, and when (and whether) the ear got it."""

    intent: str
    text: str
    heard: str
    """What was heard that got it, or (missed) everything heard near it, " / " between."""
    ms: int | None
    """Milliseconds from the end of the words to when it was known."""
    halted: bool = False


def replay(tape: Taped, recognizer: Recognizer) -> list[Heard]:
    """Everything ``recognizer`` hears on ``tape``, given the same hints and resets at the
    same chunks as when it was recorded."""
    from voicecoach.speech.listen import listen

    recognizer.reset()
    return list(listen(_played(tape, recognizer), recognizer, clock=time.perf_counter))


def _played(tape: Taped, recognizer: Recognizer) -> Iterator[bytes]:
    for index, chunk in enumerate(tape.chunks):
        if index in tape.resets:
            recognizer.reset()
        if index in tape.hints:
            recognizer.prefer(tape.hints[index])
        yield chunk


def score(tape: Taped, heard: list[Heard]) -> dict[str, Any]:
    """Each user line of ``tape`` scored (:class:`Line`), and what was heard from no one;
    what the session would have taken for the coach's own voice is left out first."""
    heard = [h for h in heard if not _own_voice(tape, h)]
    lines = [_line(said, heard) for said in tape.said]
    nobody = [h for h in heard if not any(_near(h, said) for said in tape.said)]
    return {"lines": lines, "acted": [_what(h) for h in nobody if h.intent != "none"],
            "doubts": [_what(h) for h in nobody if h.doubt],
            "guesses": [_what(h) for h in nobody if h.guess]}


def _own_voice(tape: Taped, heard: Heard) -> bool:
    """The session's check (:func:`voicecoach.app.spoken.feed`): words heard while a line of
    the coach's sounds, or just after, that are that line; the echo canceller taken as
    trusted once ``CONVERGED`` seconds of the coach's voice were played."""
    from voicecoach.app.spoken import ECHO_TAIL, Saying

    line = next((c for c in reversed(tape.coach) if not c["dropped"]
                 and c["start"] <= heard.t < c["end"] + ECHO_TAIL), None)
    if line is None or heard.halting:
        return False
    played = sum(min(c["end"], heard.t) - c["start"] for c in tape.coach
                 if not c["dropped"] and c["start"] < heard.t)
    meant = heard.intent != "none" or bool(heard.doubt or heard.guess)
    saying = Saying.over(line["text"], played, line["start"], heard.t)
    return saying.own_voice(heard.text, heard.intent in tape.hint_at(heard.t), meant,
                            heard.start)


def _line(said: dict[str, Any], heard: list[Heard]) -> Line:
    want, end = said["intent"], said["end"]
    for h in heard:
        if _near(h, said) and _gets(h, want):
            ms = round(1000 * (h.t + h.lag - end))
            return Line(want, said["text"], h.text, ms, h.intent in HALTING)
    return Line(want, said["text"], " / ".join(h.text for h in heard if _near(h, said)), None)


def _gets(heard: Heard, want: str) -> bool:
    """Whether ``heard`` gets a line meaning ``want``: its intent; for a halting line any
    halting intent or doubt, as in the room (every one halts, or asks: "i feel faint" heard
    as "i feel pain" halts)."""
    if want not in HALTING:
        return heard.intent == want
    return heard.intent in HALTING or heard.doubt in HALTING


def _near(heard: Heard, said: dict[str, Any]) -> bool:
    return said["start"] - BEFORE <= heard.t <= said["end"] + WINDOW


def _what(heard: Heard) -> str:
    meant = heard.intent if heard.intent != "none" else heard.doubt or heard.guess
    return f"{heard.t:.2f}: {heard.text!r} ({meant}, {heard.confidence:.2f})"


def summarize(scores: list[dict[str, Any]], audio: float, cpu: float) -> dict[str, Any]:
    lines = [line for s in scores for line in s["lines"]]
    halting = [x for x in lines if x.intent in HALTING]
    questions = [x for x in lines if x.intent in QUESTIONS]
    return {
        "halting": len(halting),
        "halting_caught": _share([x.ms is not None for x in halting]),
        "halting_halted": _share([x.halted for x in halting]),
        "halting_p50_ms": pct(_times(halting), 0.5),
        "halting_p95_ms": pct(_times(halting), 0.95),
        "questions": len(questions),
        "questions_heard": _share([x.ms is not None for x in questions]),
        "questions_p50_ms": pct(_times(questions), 0.5),
        "questions_p95_ms": pct(_times(questions), 0.95),
        **{key: sum(len(s[key]) for s in scores) for key in ("acted", "doubts", "guesses")},
        "audio_minutes": round(audio / 60, 1),
        "cpu_per_s": round(cpu / max(audio, 1e-9), 3),
    }


def _times(lines: list[Line]) -> list[int]:
    return [x.ms for x in lines if x.ms is not None]


def _share(flags: list[bool]) -> float | None:
    return _ratio(sum(flags), len(flags))


def render(summary: dict[str, Any], scores: list[dict[str, Any]], misses: bool) -> str:
    s = summary
    out = [f"halting: {s['halting']} lines, caught {_pct(s['halting_caught'])}, halted "
           f"{_pct(s['halting_halted'])}, known p50/p95 {s['halting_p50_ms']}/"
           f"{s['halting_p95_ms']} ms after the words",
           f"questions: {s['questions']} lines, heard {_pct(s['questions_heard'])}, known "
           f"p50/p95 {s['questions_p50_ms']}/{s['questions_p95_ms']} ms after the words",
           f"nobody speaking: {s['acted']} acted on, {s['doubts']} doubts, {s['guesses']} "
           f"guesses; {s['audio_minutes']} min of audio, {s['cpu_per_s']} CPU s per s"]
    for tape in scores if misses else []:
        out += [f"  {tape['name']}: missed {x.text!r} ({x.intent}), heard {x.heard!r}"
                for x in tape["lines"] if x.ms is None]
        out += [f"  {tape['name']}: nobody, {what}" for key in ("acted", "doubts")
                for what in tape[key]]
    return "\n".join(out)


def run(folder: Path, engine: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Every tape in ``folder`` replayed to ``engine``: the summary and each tape's score."""
    from voicecoach.app.ear import open_ear
    from voicecoach.app.settings import EngineSettings

    wavs = sorted(folder.glob("*.wav"))
    if not wavs:
        raise ValueError(f"{folder}: no tapes (make them: python -m voicecoach.bench room "
                         "--tape DIR ...)")
    recognizer = open_ear(EngineSettings(engine), fresh=True).recognizer  # no earlier stream
    scores, audio, begin = [], 0.0, time.process_time()
    for wav in wavs:
        tape = read_tape(wav)
        scores.append({"name": tape.name, **score(tape, replay(tape, recognizer))})
        audio += sum(map(len, tape.chunks)) / (2 * RATE)
    return summarize(scores, audio, time.process_time() - begin), scores


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m voicecoach.bench replay",
                                description=__doc__.split("\n")[0])
    p.add_argument("folder", type=Path, help="tapes made by bench room --tape")
    p.add_argument("--engine", default="auto", help="auto, whisper, vosk or pocketsphinx")
    p.add_argument("--misses", action="store_true",
                   help="list every line missed and what was heard from nobody")
    p.add_argument("--json", action="store_true", help="last line: one JSON object")
    return p


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        summary, scores = run(args.folder, args.engine)
    except (OSError, ValueError, KeyError, VoiceCoachError) as exc:
        print(f"replay benchmark: {exc}", file=sys.stderr)
        return 2
    print(render(summary, scores, args.misses))
    if args.json:
        print(json.dumps(summary))
    return 0
