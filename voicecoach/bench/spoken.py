"""Spoken-session benchmark: ``python -m voicecoach.bench spoken [options] [--json]``.

Whole planned sessions (``benchmarks/spoken_sessions.yaml``: 10+ commands each, with halts,
confirmations, questions mid-twist, barge-in answers) are said by synthetic voices (espeak-ng
and flite; ``--voices`` takes any of theirs) or by the user's own recordings
(``--recordings DIR``), and streamed through exactly what ``run --audio-in`` runs
(:func:`voicecoach.app.spoken.play_stream`), in three conditions: ``clean``; ``noisy``, real
kitchen noise (``../shared/speech/noise/picovoice_kitchen.wav``, looped) throughout at 10 dB
SNR below the voice's speech level; ``far``, the speech 25 dB quieter.

The user's track is made closed-loop (:mod:`voicecoach.bench.user`): chunk by chunk, the
simulated user says the next command when its moment comes (an answer once the coach has
asked, a question at a given twist, a barge-in a second into a line), repeats what was not
understood, and answers unforeseen checks; ``--keep DIR`` writes each track as a WAV that
``python -m voicecoach run --audio-in TRACK.wav --json --seed S --reps R --no-history``
replays into the same events (a test checks).

Reported per voice and condition:

- **acted on**: planned commands the coach acted on the first time they were said: an
  ``intent`` event with the command's intent (what the intent matcher makes of its typed
  words), then, before the user says anything else but answers to unforeseen checks, the
  reaction the plan expects (a phase, halt, end, a line by response key, or a counted twist).
  ``eventually``: acted on at any of up to three attempts.
- **completed**: sessions that ended as planned (``done``, or ``quit`` after a "goodbye").
- **ended by misrecognition**: sessions that ended any other way (silence, not cleared,
  quit, a halt for pain...; a user not understood three times in a row where the session
  waits on an answer walks away, and the coach then ends by silence); ``unfinished``: the
  coach had not ended when the track ended and nothing more was due.
- **false halts**: halts other than the first halt after a spoken stop/pain/dizzy command.
- **misheard**: intent events (not ``none``) other than the one the user was saying.
- **said**: planned commands said at all (a user who walked away leaves the rest unsaid).
- **delay**: median seconds from the end of a command to the coach's reaction.
- **unsaid counts**: twists counted while the coach was talking, so their number went unsaid.

Targets: every session completes in quiet; >= 95 % of commands acted on in quiet, >= 85 %
with noise or at a distance; no session ended by misrecognition; no false halt in quiet.
Exit status 0 when every target is met, 1 when one is not, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.app.settings import EngineSettings
from voicecoach.bench.guard import guarded
from voicecoach.bench.sessionplan import DEFAULT_PLANS, Plan, Plans
from voicecoach.bench.targets import judge
from voicecoach.bench.user import CHUNK, RATE, Attempt, Outcome, Tally, User, Voice, tally
from voicecoach.bench.voices import (
    NEURAL,
    NOISE_FILE,
    SHARED,
    VOICES,
    active_power,
    choose_voices,
    load_noise,
    noise_gain,
    synthesize,
)

DEFAULT_VOICES = ("flite-slt", "flite-awb", "espeak-en-gb", "espeak-rp-f3")
LIMIT = 1200.0
"""Seconds of audio after which the user's track ends (a planned session takes ~5 minutes)."""
TAIL = 150.0
"""Seconds the track goes on after the user's last command (the cool-down takes ~90)."""
TARGETS = {
    "completed_clean": (">=", 1.0),
    "acted_on_clean": (">=", 0.95),
    "acted_on_noisy": (">=", 0.85),
    "acted_on_far": (">=", 0.85),
    "ended_by_misrecognition": ("<=", 0),
    "false_halts_clean": ("<=", 0),
}


@dataclass(frozen=True, slots=True)
class Condition:
    name: str
    speech_db: float
    """Gain of the user's speech (-25: a few metres away)."""
    snr_db: float | None
    """Kitchen noise this far below the speech level, or None for none."""


CONDITIONS = (
    Condition("clean", 0.0, None),
    Condition("noisy", 0.0, 10.0),
    Condition("far", -25.0, None),
)


@dataclass
class SessionRun:
    """One planned session said by one voice in one condition."""

    voice: str
    condition: str
    plan: Plan
    outcomes: list[Outcome]
    attempts: list[Attempt]
    tally: Tally
    records: list[dict[str, Any]]
    track: bytes
    cpu_seconds: float
    walked_away: float | None = None
    """When the user gave up on an answer the session waited on (then fell silent)."""
    engine: str = ""
    """The recognizer that ran."""

    @property
    def audio_seconds(self) -> float:
        return len(self.track) / (2 * RATE)

    @property
    def completed(self) -> bool:
        return self.tally.end == self.plan.end

    @property
    def ended_early(self) -> bool:
        return not self.completed and self.tally.end != "unfinished"


# -- the user's voice and room -------------------------------------------------------------


class SynthVoice:
    """Words said by a synthesizer voice, as float samples (rendered once per text)."""

    def __init__(self, voice: Any, cache: Path) -> None:
        self.name = voice.name
        self._voice, self._cache = voice, cache
        self._said: dict[str, Any] = {}

    def __call__(self, text: str) -> Any:
        if text not in self._said:
            self._said[text] = _floats(synthesize(self._voice, text, self._cache))
        return self._said[text]


class RecordedVoice:
    """The user's own recordings: ``manifest.tsv`` (``words<TAB>file.wav`` per line) in
    ``folder``, else one WAV per text named by :func:`slug` (``i_feel_fine_now.wav``)."""

    def __init__(self, folder: Path) -> None:
        self.name = f"recorded:{folder.name}"
        self.folder = folder
        self.files = _manifest(folder)
        self._said: dict[str, Any] = {}

    def path(self, text: str) -> Path:
        return self.files.get(text.lower()) or self.folder / f"{slug(text)}.wav"

    def __call__(self, text: str) -> Any:
        if text not in self._said:
            from voicecoach.audio.wav import read_pcm16k

            self._said[text] = _floats(read_pcm16k(self.path(text)))
        return self._said[text]

    def missing(self, texts: list[str]) -> list[str]:
        return [t for t in texts if not self.path(t).is_file()]


def slug(text: str) -> str:
    """The file name (without ``.wav``) of a recording of ``text``."""
    return "_".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def _manifest(folder: Path) -> dict[str, Path]:
    path = folder / "manifest.tsv"
    if not path.is_file():
        return {}
    files = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        words, sep, name = line.partition("\t")
        if not sep or not name.strip():
            raise ValueError(f"{path}:{number}: expected 'words<TAB>file.wav'")
        files[words.strip().lower()] = folder / name.strip()
    return files


def _floats(pcm: bytes) -> Any:
    import numpy as np

    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


class Room:
    """Mixes the user's speech into the stream for one condition."""

    def __init__(self, condition: Condition, noise: Any, speech_power: float, seed: int) -> None:
        self.speech_gain = 10 ** (condition.speech_db / 20)
        self.noise = noise if condition.snr_db is not None else None
        self.noise_gain = 0.0
        if self.noise is not None and condition.snr_db is not None:
            self.noise_gain = noise_gain(speech_power, self.noise, condition.snr_db)
        self.offset = random.Random(seed).randrange(len(noise)) if noise is not None else 0

    def mix(self, speech: Any, n: int) -> bytes:
        """Chunk ``n`` of the stream, with ``speech`` (float samples) in it."""
        import numpy as np

        x = speech * self.speech_gain
        if self.noise is not None:
            index = (self.offset + n * CHUNK + np.arange(CHUNK)) % len(self.noise)
            x = x + self.noise_gain * self.noise[index]
        return np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()


# -- one session ---------------------------------------------------------------------------


@dataclass
class Setup:
    """What every session of a run shares."""

    plans: Plans
    engine: EngineSettings
    noise: Any
    limit: float = LIMIT


def run_session(setup: Setup, plan: Plan, voice: Voice, name: str,
                condition: Condition) -> SessionRun:
    """Say ``plan`` with ``voice`` in ``condition`` through the ``run --audio-in`` path."""
    from voicecoach.app.ear import open_ear
    from voicecoach.app.runner import build_session
    from voicecoach.app.settings import RunSettings
    from voicecoach.app.spoken import play_stream

    records: list[dict[str, Any]] = []
    settings = RunSettings(engine=setup.engine, reps=plan.reps, seed=plan.seed, json=True)
    session = build_session(settings, records.append)
    user = User(plan, voice, session.coach, records)
    power = active_power(_concat([voice(c.say) for c in plan.commands]))
    room = Room(condition, setup.noise, power, zlib.crc32(plan.name.encode()))
    ear = open_ear(setup.engine, fresh=True)  # a reused recognizer keeps its last stream's state
    track: list[bytes] = []
    begin = time.process_time()
    play_stream(session, _user_track(user, room, track, setup.limit), ear)
    cpu = time.process_time() - begin
    user.conclude()
    records = [json.loads(json.dumps(r)) for r in records]  # as run --json prints them
    return SessionRun(name, condition.name, plan, user.outcomes, user.attempts,
                      tally(records, user.attempts), records, b"".join(track), cpu,
                      user.abandoned, ear.recognizer.name)


def _concat(parts: list[Any]) -> Any:
    import numpy as np

    return np.concatenate(parts)


def _user_track(user: User, room: Room, kept: list[bytes], limit: float) -> Iterator[bytes]:
    """The microphone stream, made as the session goes: the user speaks when it is time.

    It ends with the session, at ``limit`` seconds, :data:`TAIL` seconds after the user's
    last command, or when the user walks away (the coach then runs on in silence, as after a
    recording's end)."""
    n = 0
    done_at: float | None = None
    while not user.coach.ended and n * CHUNK < limit * RATE:
        t = round(n * CHUNK / RATE, 3)
        if done_at is None and user.finished:
            done_at = t if user.abandoned is None else t - TAIL
        if done_at is not None and t >= done_at + TAIL:
            return
        chunk = room.mix(user.step(t), n)
        kept.append(chunk)
        yield chunk
        n += 1


# -- the whole run -------------------------------------------------------------------------


def run_all(setup: Setup, voices: list[Any], conditions: list[Condition],
            keep: Path | None = None) -> list[SessionRun]:
    runs = []
    for voice in voices:
        for condition in conditions:
            for plan in setup.plans.sessions:
                run = run_session(setup, plan, voice, voice.name, condition)
                _progress(run)
                if keep is not None:
                    write_run(run, keep)
                runs.append(run)
    return runs


def _progress(run: SessionRun) -> None:
    acted = sum(o.acted_on == 1 for o in run.outcomes)
    print(f"{run.voice}/{run.condition}/{run.plan.name}: {acted}/{len(run.outcomes)} acted on, "
          f"end {run.tally.end}, {run.audio_seconds:.0f} s audio, {run.cpu_seconds:.1f} s CPU",
          file=sys.stderr, flush=True)


def write_run(run: SessionRun, folder: Path) -> Path:
    """The user's track (WAV), the events (JSON lines) and the user's attempts (JSON)."""
    from voicecoach.audio.wav import write_wav

    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / f"{_safe(run.voice)}-{run.condition}-{run.plan.name}"
    write_wav(stem.with_suffix(".wav"), run.track)
    lines = [json.dumps(r, ensure_ascii=False) for r in run.records]
    stem.with_suffix(".jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    user = {"reps": run.plan.reps, "seed": run.plan.seed, "outcomes": _dicts(run.outcomes),
            "attempts": _dicts(run.attempts)}
    stem.with_suffix(".user.json").write_text(json.dumps(user, indent=1), encoding="utf-8")
    return stem.with_suffix(".wav")


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def _dicts(items: list[Any]) -> list[dict[str, Any]]:
    return [{k: getattr(i, k) for k in i.__dataclass_fields__} for i in items]


# -- scoring -------------------------------------------------------------------------------


def cell(runs: list[SessionRun]) -> dict[str, Any]:
    """The numbers of a group of sessions."""
    outcomes = [o for r in runs for o in r.outcomes]
    delays = [o.delay for o in outcomes if o.acted_on and o.delay is not None]
    audio = sum(r.audio_seconds for r in runs)
    return {
        "sessions": len(runs),
        "completed": sum(r.completed for r in runs),
        "ended_by_misrecognition": sum(r.ended_early for r in runs),
        "unfinished": sum(r.tally.end == "unfinished" for r in runs),
        "commands": len(outcomes),
        "said": _ratio(sum(o.attempts > 0 for o in outcomes), len(outcomes)),
        "acted_on": _ratio(sum(o.acted_on == 1 for o in outcomes), len(outcomes)),
        "eventually": _ratio(sum(o.acted_on > 0 for o in outcomes), len(outcomes)),
        "false_halts": sum(r.tally.false_halts for r in runs),
        "misheard": sum(r.tally.misheard for r in runs),
        "delay": round(statistics.median(delays), 2) if delays else None,
        "counts_unsaid": sum(r.tally.counts_unsaid for r in runs),
        "audio_seconds": round(audio, 1),
        "rtf": round(sum(r.cpu_seconds for r in runs) / audio, 4) if audio else None,
    }


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def result_of(runs: list[SessionRun], engine: str) -> dict[str, Any]:
    groups: dict[str, list[SessionRun]] = {}
    totals: dict[str, list[SessionRun]] = {}
    for run in runs:
        groups.setdefault(f"{run.voice}/{run.condition}", []).append(run)
        totals.setdefault(run.condition, []).append(run)
    result: dict[str, Any] = {
        "engine": engine,
        "cells": {name: cell(group) for name, group in groups.items()},
        "totals": {name: cell(group) for name, group in totals.items()},
        "sessions": [_session_json(r) for r in runs],
    }
    result["summary"] = summary(result["totals"], cell(runs))
    result["targets"] = check(result["summary"])
    return result


def _session_json(run: SessionRun) -> dict[str, Any]:
    return {"voice": run.voice, "condition": run.condition, "plan": run.plan.name,
            "end": run.tally.end, "false_halts": run.tally.false_halts,
            "misheard": run.tally.misheard, "audio_seconds": round(run.audio_seconds, 1),
            "walked_away": run.walked_away,
            "commands": _dicts(run.outcomes)}


def summary(totals: dict[str, dict[str, Any]], overall: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"ended_by_misrecognition": overall["ended_by_misrecognition"]}
    clean = totals.get("clean")
    if clean is not None:
        values["completed_clean"] = _ratio(clean["completed"], clean["sessions"])
        values["false_halts_clean"] = clean["false_halts"]
    for name, numbers in totals.items():
        values[f"acted_on_{name}"] = numbers["acted_on"]
    return values


def check(values: dict[str, Any]) -> dict[str, bool]:
    return judge(values, TARGETS)


def render(result: dict[str, Any]) -> str:
    head = (f"{'voice/condition':30} {'sess':>4} {'done':>4} {'m.end':>5} {'cmds':>4} "
            f"{'said':>6} {'acted':>6} {'event.':>6} {'f.halt':>6} {'mishrd':>6} {'delay':>5} "
            f"{'unsaid':>6} {'rtf':>6}")
    lines = [f"engine: {result['engine']}", head, "-" * len(head)]
    rows = [*result["cells"].items(), *(("ALL/" + k, v) for k, v in result["totals"].items())]
    for name, c in rows:
        lines.append(
            f"{name:30} {c['sessions']:4} {c['completed']:4} {c['ended_by_misrecognition']:5} "
            f"{c['commands']:4} {_pct(c['said']):>6} {_pct(c['acted_on']):>6} "
            f"{_pct(c['eventually']):>6} "
            f"{c['false_halts']:6} {c['misheard']:6} {_num(c['delay']):>5} "
            f"{c['counts_unsaid']:6} {_num(c['rtf']):>6}")
    lines.append("")
    for key, ok in result["targets"].items():
        op, target = TARGETS[key]
        value = result["summary"][key]
        lines.append(f"{'ok ' if ok else 'MISS'} {key:26} {value!s:>8}  (target {op} {target})")
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


# -- command line --------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m voicecoach.bench spoken", description=__doc__.split("\n")[0])
    p.add_argument("--engine", default="auto",
                   help="auto (as run: Whisper when installed), whisper, vosk or pocketsphinx")
    p.add_argument("--model", default=None, help="vosk model folder")
    p.add_argument("--voices", default=",".join(DEFAULT_VOICES),
                   help="comma-separated voices: " + ", ".join(v.name for v in VOICES + NEURAL)
                   + ", or any espeak-ng:VOICE / flite:VOICE (default: %(default)s)")
    p.add_argument("--recordings", type=Path, action="append", default=[],
                   help="a folder of your own recordings, one WAV per thing said (see "
                   "--list-texts; or a manifest.tsv of words<TAB>file.wav); repeatable")
    p.add_argument("--list-texts", action="store_true",
                   help="print what the sessions say and the file name of each, then exit")
    p.add_argument("--conditions", default="clean,noisy,far", help="clean, noisy and/or far")
    p.add_argument("--sessions", default="", help="comma-separated plan names (default: all)")
    p.add_argument("--plans", type=Path, default=DEFAULT_PLANS, help="the session plans")
    p.add_argument("--shared", type=Path, default=SHARED, help="the shared speech folder")
    p.add_argument("--cache", type=Path, default=None, help="keep synthesized speech here")
    p.add_argument("--keep", type=Path, default=None,
                   help="write each user track (WAV), its events and attempts here")
    p.add_argument("--limit", type=float, default=LIMIT, help="seconds of audio per session")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    return p


def main(argv: list[str]) -> int:
    return guarded("spoken benchmark", _run, _parser().parse_args(argv))


def _run(args: argparse.Namespace) -> int:
    plans = _plans(args.plans, args.sessions)
    if args.list_texts:
        for text in plans.texts():
            print(f"{slug(text)}.wav\t{text}")
        return 0
    cache = args.cache or Path(tempfile.mkdtemp(prefix="voicecoach-spoken-"))
    try:
        result = _measure(args, plans, cache)
    finally:
        if args.cache is None:
            shutil.rmtree(cache, ignore_errors=True)
    print(json.dumps(result, indent=1) if args.json else render(result))
    return 0 if all(result["targets"].values()) else 1


def _measure(args: argparse.Namespace, plans: Plans, cache: Path) -> dict[str, Any]:
    voices = _voices(args, plans, cache)
    conditions = _conditions(args.conditions)
    noise = load_noise(args.shared / NOISE_FILE) if any(c.snr_db for c in conditions) else None
    engine = EngineSettings(args.engine, args.model)
    runs = run_all(Setup(plans, engine, noise, args.limit), voices, conditions, args.keep)
    return result_of(runs, runs[0].engine if runs else engine.engine)


def _plans(path: Path, names: str) -> Plans:
    from voicecoach.bench.sessionplan import load_plans
    from voicecoach.coach.dialog import Dialog
    from voicecoach.nlu.matcher import IntentMatcher

    matcher = IntentMatcher.load()
    keys = frozenset(Dialog.load().responses.variants)
    plans = load_plans(path, lambda text: matcher.match(text).intent, keys)
    wanted = [n for n in names.split(",") if n]
    unknown = set(wanted) - {p.name for p in plans.sessions}
    if unknown:
        raise ValueError(f"unknown sessions: {', '.join(sorted(unknown))}")
    chosen = tuple(p for p in plans.sessions if not wanted or p.name in wanted)
    return Plans(chosen, plans.replies)


def _voices(args: argparse.Namespace, plans: Plans, cache: Path) -> list[Any]:
    voices: list[Any] = []
    if args.voices:
        cache.mkdir(parents=True, exist_ok=True)
        voices += [SynthVoice(v, cache) for v in choose_voices(args.voices)]
    for folder in args.recordings:
        recorded = RecordedVoice(folder)
        missing = recorded.missing(plans.texts())
        if missing:
            names = ", ".join(f"{slug(t)}.wav" for t in missing)
            raise ValueError(f"{folder}: no recording of: {names} (see --list-texts)")
        voices.append(recorded)
    if not voices:
        raise ValueError("no voices: give --voices and/or --recordings")
    return voices


def _conditions(names: str) -> list[Condition]:
    known = {c.name: c for c in CONDITIONS}
    wanted = [n for n in names.split(",") if n]
    unknown = set(wanted) - set(known)
    if unknown or not wanted:
        raise ValueError(f"unknown conditions: {', '.join(sorted(unknown)) or '(none)'} "
                         f"(use {', '.join(known)})")
    return [known[n] for n in wanted]
