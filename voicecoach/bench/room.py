"""Room benchmark: ``python -m voicecoach.bench room [options]``.

Whole sessions of the real live loop in a simulated room (:mod:`voicecoach.app.room`): the
coach's lines rendered by the real TTS and played on a virtual speaker, heard back by the
microphone as echo (``--echo-db`` relative to the user, 10-80 ms delay, a little
reverberation), with noise (``--noise``, ``--snr``), cancelled by SpeexDSP before recognition.
The user types the dialogue moves (start, answers, "keep going" after a halt) and *says*
commands at random moments, most of them while the coach talks: halting commands (stop, pain,
dizzy) and questions. Commands come from ``--commands MANIFEST.tsv`` (rows ``path<TAB>intent``,
WAVs of any rate) or, by default, from the held-out paraphrases rendered with voices the tests
do not use (flite and espeak-ng variants, one voice per session, in turn).

Reports, overall and per voice: halting commands caught (halted, or heard unsure so that the
coach paused to ask "did you say stop?": ``halting_halted`` counts halts alone), stop latency (end
of the utterance -> ``halt`` or the check-in, plus the time the front-end and recognizer took
on this machine, queued as in real time: :attr:`voicecoach.speech.listen.Heard.lag`; the
simulated room itself runs in audio time), how long the voice went on after a halt,
self-triggers (intents acted on that nobody said), end of a question -> first audio of its
answer, counts skipped, count audio against its beat, and drift between the coach's timeline
and the audio played. ``--json``:
the last line is one object. ``--recognizer oracle`` bypasses speech recognition (each command
is understood the moment it ends) so the loop's own share is visible.
Exit status 0 when every target is met, 1 when one is not, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from voicecoach.app.room import RoomRun, Said, UserLine
from voicecoach.bench.targets import meets
from voicecoach.errors import VoiceCoachError

HALTING = frozenset({"stop", "pain", "dizzy"})
QUESTIONS = frozenset({"ask_reps", "ask_duration", "ask_benefits"})
ANSWER_KEYS = {"ask_reps": "reps.", "ask_duration": "duration.", "ask_benefits": "benefits",
               "ask_precautions": "precautions", "ask_technique": "technique."}
REPLIES = {"idle": "start back twist", "start_check": "yes", "safety": "no",
           "safety_check": "no", "safety_confirm": "yes", "setup": "ready", "explain": "ready",
           "stopped": "keep going", "paused": "keep going", "checking": "keep going",
           "halted": "i feel fine now", "halt_confirm": "yes", "halt_check": "yes"}
"""What the user types when the coach waits at each step (asked again, the same answer: a
session whose "are you completely fine?" was asked again after noise was heard over the
answer used to end in silence, the user never answering)."""
CHECK_KEYS = tuple(f"check.{intent}" for intent in sorted(HALTING))
"""The coach's "did you say stop?" after a halting word heard unsure (caught, not halted)."""
HALT_WINDOW = 2.5
"""Seconds after the end of a command within which its effect counts as its own."""
TARGETS = {
    "halting_caught": (">=", 0.98),
    "stop_latency_p50_ms": ("<=", 300),
    "stop_latency_p95_ms": ("<=", 600),
    "silent_after_halt_ms": ("<=", 50),
    "self_triggers": ("<=", 0),
    "answer_start_p95_ms": ("<=", 1000),
    "counts_skipped": ("<=", 0),
    "beat_offset_max_ms": ("<=", 150),
    "drift_ms": ("<=", 100),
}


# ---------------------------------------------------------------- the user


class BenchUser:
    """Types the dialogue moves; while twisting, says a command every few seconds, most of
    them while the coach is talking (a random moment inside the line being said)."""

    def __init__(self, commands: list[UserLine], rng: random.Random, over_coach: float = 0.75):
        self.commands = commands
        self.rng = rng
        self.over_coach = over_coach
        self._next: float | None = None
        self._busy_until = 0.0

    def act(self, run: RoomRun) -> None:
        coach = run.coach
        if coach.ended:
            return
        if coach.awaiting_answer and coach.step in REPLIES and self._quiet(run, 0.6):
            if run.now >= self._busy_until:
                run.type(REPLIES[coach.step])
            return
        if coach.step == "pacing" and self.commands and run.now >= self._busy_until:
            self._maybe_say(run)

    def _quiet(self, run: RoomRun, gap: float) -> bool:
        ends = [c.end for c in run.speaker.log if not c.dropped]
        return run.now >= max(ends, default=0.0) + gap

    def _maybe_say(self, run: RoomRun) -> None:
        if self._next is None:
            self._next = run.now + self.rng.uniform(1.0, 5.0)
        if run.now < self._next:
            return
        clip = run.speaker.saying(run.now)
        wants_overlap = self.rng.random() < self.over_coach
        if wants_overlap and (clip is None or clip.end - run.now < 0.3):
            return  # wait for the coach to be talking
        line = self.commands.pop(0)
        said = run.say(line)
        self._next = None
        self._busy_until = said.end + HALT_WINDOW + 0.5


# ---------------------------------------------------------------- commands


def builtin_commands(cache: Path, voices: list[str], per_voice: int, seed: int) -> dict:
    """Held-out paraphrases of halting commands and questions, per voice (rendered, cached)."""
    from voicecoach.bench.intents import DEFAULT_TABLE, read_table
    from voicecoach.bench.voices import VOICES, choose_voices, synthesize

    rows = [r for r in read_table(DEFAULT_TABLE) if r.expected in HALTING | QUESTIONS]
    chosen = {v.name: v for v in choose_voices(",".join(voices), default=VOICES)}
    out: dict[str, list[UserLine]] = {}
    for index, (name, voice) in enumerate(chosen.items()):
        rng = random.Random(seed * 1000 + index)
        halting = [r for r in rows if r.expected in HALTING]
        questions = [r for r in rows if r.expected in QUESTIONS]
        picks = rng.sample(halting, min(len(halting), per_voice * 2 // 3))
        picks += rng.sample(questions, min(len(questions), per_voice - len(picks)))
        rng.shuffle(picks)
        out[name] = [UserLine(synthesize(voice, r.text, cache), r.expected, r.text, name)
                     for r in picks]
    return out


def manifest_commands(path: Path) -> dict[str, list[UserLine]]:
    """``path<TAB>intent`` rows (paths relative to the manifest); ``#`` comments skipped."""
    from voicecoach.audio.wav import read_pcm16k
    from voicecoach.nlu.matcher import INTENTS

    lines: list[UserLine] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        wav, _, intent = raw.partition("\t")
        if intent.strip() not in INTENTS:
            raise ValueError(f"{path}:{number}: unknown intent {intent.strip()!r}")
        full = (path.parent / wav.strip()) if not Path(wav.strip()).is_absolute() else Path(wav)
        lines.append(UserLine(read_pcm16k(full), intent.strip(), "", "manifest"))
    if not lines:
        raise ValueError(f"{path}: no rows")
    return {"manifest": lines}


# ---------------------------------------------------------------- one session


@dataclass(frozen=True, slots=True)
class Condition:
    echo_db: float | None
    snr: float | None
    noise: Any
    aec: bool
    oracle: bool
    reps: int
    engine: str
    text_check: bool = True
    limit: float = 900.0
    """Seconds of audio at most per session."""


def play_session(cond: Condition, commands: list[UserLine], seed: int, recognizer: Any,
                 lines: Any, taped: bool = False) -> RoomRun:
    """One whole session in a room; returns the finished run. ``taped``: the recognizer is
    a :class:`voicecoach.bench.tape.Tape` of itself (what it heard, to replay)."""
    from voicecoach.app.ear import open_ear
    from voicecoach.app.room import RoomRun
    from voicecoach.app.settings import EngineSettings
    from voicecoach.audio.room import Room, RoomSettings, VirtualSpeaker
    from voicecoach.coach.dialog import Dialog
    from voicecoach.coach.machine import Coach, CoachConfig
    from voicecoach.nlu.matcher import IntentMatcher

    rng = random.Random(seed)
    settings = RoomSettings(echo_db=cond.echo_db, delay=rng.uniform(0.01, 0.08),
                            snr_db=cond.snr if cond.noise is not None else None)
    room = Room(VirtualSpeaker(), settings, cond.noise, rng)
    coach = Coach(Dialog.load(), random.Random(seed), CoachConfig(target=cond.reps),
                  durations=lines.duration)
    # the recognizer through the engine choice (reset), unless the oracle stands in for it
    ear = open_ear(EngineSettings(cond.engine), playback=cond.aec, recognizer=recognizer).timed()
    if taped:
        from voicecoach.bench.tape import Tape

        ear = replace(ear, recognizer=Tape(ear.recognizer))
    run = RoomRun(coach, IntentMatcher.load(), ear, lines, room, BenchUser(list(commands), rng),
                  text_check=cond.text_check, limit=cond.limit)
    if cond.oracle:
        recognizer.follow(run)
    ear.recognizer.reset()
    return run.run()


class OracleRecognizer:
    """Speech recognition bypassed: each user line is understood, exactly, the moment it ends
    (its text, or the intent's name when a manifest row has no text). Echo never is heard."""

    name = "oracle"

    def __init__(self) -> None:
        self.run: RoomRun | None = None
        self._t = 0.0
        self._done = 0

    def follow(self, run: RoomRun) -> None:
        self.run, self._t, self._done = run, 0.0, 0

    def accept(self, chunk: bytes) -> Any:
        from voicecoach.speech.asr.base import Transcript

        self._t += len(chunk) / 32000
        said = self.run.said if self.run else []
        if self._done < len(said) and said[self._done].end <= self._t:
            line = said[self._done]
            self._done += 1
            text = line.line.text or line.line.intent.replace("_", " ")
            return Transcript(text.lower(), 1.0, line.start, line.end)
        return None

    def partial(self) -> str:
        return ""

    def finish(self) -> Any:
        return None

    def reset(self) -> None:
        self._t, self._done = 0.0, 0

    def prefer(self, intents: frozenset[str]) -> None:
        """The oracle needs no hints."""


# ---------------------------------------------------------------- measuring


def measure(run: RoomRun) -> dict[str, Any]:
    """Everything the benchmark reports about one finished run."""
    records = run.records
    halts = [r for r in records if r["event"] == "halt" or r.get("key") in CHECK_KEYS]
    spoken = [s for s in run.said if not s.typed]
    out: dict[str, Any] = defaultdict(list)
    for said in spoken:
        _measure_command(run, said, halts, out)
    out["silences"] = [round(1000 * (silent - t)) for t, silent in run.cuts]
    out["self_triggers"] = _self_triggers(records, spoken)
    out["noise_replies"] = _noise_replies(records, spoken)
    out["self_over_coach"] = [x for x in out["self_triggers"]
                              if run.speaker.saying(float(x.split(":")[0]) - 0.3) is not None]
    out.update(_counts(run))
    out["audio_seconds"] = run.audio_seconds()
    out["twisting"] = any(r["event"] == "phase" and r["phase"] == "twisting" for r in records)
    ends = [r["reason"] for r in records if r["event"] == "end"]
    out["end"] = ends[-1] if ends else "limit"
    return dict(out)


def _measure_command(run: RoomRun, said: Said, halts: list[dict], out: dict) -> None:
    voice, intent = said.line.voice, said.line.intent
    window = [h for h in halts if said.start <= h["t"] <= said.end + HALT_WINDOW]
    if intent in HALTING:
        halted = any(h["event"] == "halt" for h in window)
        out["halting"].append((voice, bool(window), said.over_coach, halted))
        if window:
            acted = max(window[0]["t"], _known(run.records, said.start, window[0]["t"]))
            out["latency"].append((voice, round(1000 * (acted - said.end))))
    elif intent in QUESTIONS:
        start = _answer_start(run, said)
        out["questions"].append((voice, start is not None))
        if start is not None:
            out["answer"].append((voice, round(1000 * (start - said.end))))


def _known(records: list[dict], since: float, t: float) -> float:
    """When a real machine would have known the last utterance heard from ``since`` to ``t``:
    its audio time plus the time the front-end and recognizer took here
    (:attr:`voicecoach.speech.listen.Heard.lag`; the room itself runs in audio time)."""
    heard = [r for r in records if r["event"] == "heard" and since <= r["t"] <= t]
    return heard[-1]["t"] + heard[-1].get("lag", 0.0) if heard else t


def _answer_start(run: RoomRun, said: Said) -> float | None:
    """When the answer began to sound: as played, or later if the ear's lag would have made
    it later (an answer waiting for the line being said does not wait for the ear too)."""
    prefix = ANSWER_KEYS[said.line.intent]
    for clip in run.speaker.log:
        if clip.key.startswith(prefix) and clip.due >= said.start and not clip.dropped:
            late = clip.start - clip.due  # the speaker's own delay
            start = max(clip.start, _known(run.records, said.start, clip.due) + late)
            return start if start <= said.end + 10 else None
    return None


def _self_triggers(records: list[dict], spoken: list[Said]) -> list[str]:
    """Intents acted on (not let pass: :func:`_answered`), heard from the microphone,
    with no user line in time to explain them; one let pass (a "no" to nothing asked) is not."""
    typed = {r["t"] for r in records if r["event"] == "typed"}
    acted = [r for i, r in enumerate(records) if r["event"] == "intent"
             and r["intent"] != "none" and r["t"] not in typed and _answered(records, i)]
    return [f"{r['t']}: {r['intent']}" for r in _unexplained(acted, spoken)]


def _answered(records: list[dict], at: int) -> bool:
    """The coach acted on the intent record ``records[at]``: it did not let it pass (the
    session's "passed" record: nothing done, as for a "no" to nothing asked)."""
    after = records[at + 1] if at + 1 < len(records) else {}
    return after.get("event") != "passed"


def _noise_replies(records: list[dict], spoken: list[Said]) -> list[str]:
    """What the coach said to nobody: "sorry, I didn't catch that" and "did you say stop?"
    with no user line in time to explain them (the noise's or the echo's words)."""
    replies = [r for r in records if r["event"] == "say"
               and (r.get("key", "").startswith("sorry") or r.get("key") in CHECK_KEYS)]
    return [f"{r['t']}: {r['key']}" for r in _unexplained(replies, spoken)]


def _unexplained(records: list[dict], spoken: list[Said]) -> list[dict]:
    return [r for r in records
            if not any(s.start - 0.2 <= r["t"] <= s.end + HALT_WINDOW for s in spoken)]


def _counts(run: RoomRun) -> dict[str, Any]:
    """Counts skipped, count audio against its beat, drift of the audio from the timeline."""
    reps = [r for r in run.records if r["event"] == "rep"]
    counts = [c for c in run.speaker.log if c.key.startswith("twist.") and not c.dropped
              and c.key.split(".")[1] in ("right", "left")]
    skipped, offsets = 0, []
    for rep in reps:
        match = [c for c in counts if abs(c.due - rep["t"]) < 0.05 and rep["side"] in c.key]
        if not match:
            skipped += 1
        else:
            offsets.append(round(1000 * abs(match[0].start - rep["t"])))
    played = [c for c in run.speaker.log if not c.dropped]
    return {"reps": len(reps), "counts_skipped": skipped, "beat_offsets": offsets,
            "drift": [round(1000 * c.offset) for c in played]}


# ---------------------------------------------------------------- summary


def pct(values: list[int], q: float) -> int | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize(results: list[dict[str, Any]], voice: str | None = None) -> dict[str, Any]:
    def pick(key: str) -> list:
        return [x for r in results for x in r.get(key, []) if voice is None or x[0] == voice]

    halting, latency, answer = pick("halting"), pick("latency"), pick("answer")
    over = [h for h in halting if h[2]]
    return {
        "commands": len(halting) + len(pick("questions")),
        "halting": len(halting),
        "halting_over_coach": len(over),
        "halting_caught": _ratio(sum(h[1] for h in halting), len(halting)),
        "halting_halted": _ratio(sum(h[3] for h in halting), len(halting)),
        "halting_caught_over_coach": _ratio(sum(h[1] for h in over), len(over)),
        "stop_latency_p50_ms": pct([x[1] for x in latency], 0.5),
        "stop_latency_p95_ms": pct([x[1] for x in latency], 0.95),
        "questions_answered": _ratio(sum(q[1] for q in pick("questions")), len(pick("questions"))),
        "answer_start_p95_ms": pct([x[1] for x in answer], 0.95),
    }


def _ratio(hits: int, total: int) -> float | None:
    return round(hits / total, 4) if total else None


def overall(results: list[dict[str, Any]]) -> dict[str, Any]:
    summary = summarize(results)
    silences = [s for r in results for s in r["silences"]]
    offsets = [o for r in results for o in r["beat_offsets"]]
    summary.update(
        silent_after_halt_ms=max(silences, default=0),
        self_triggers=sum(len(r["self_triggers"]) for r in results),
        self_triggers_over_coach=sum(len(r["self_over_coach"]) for r in results),
        noise_replies=sum(len(r["noise_replies"]) for r in results),
        counts_skipped=sum(r["counts_skipped"] for r in results),
        reps=sum(r["reps"] for r in results),
        beat_offset_max_ms=max(offsets, default=None),
        drift_ms=max((abs(d) for r in results for d in r["drift"]), default=None),
        audio_seconds=round(sum(r["audio_seconds"] for r in results), 1),
        sessions=len(results),
        reached_twisting=sum(bool(r.get("twisting")) for r in results),
        ended_as_planned=sum(r.get("end") == "done" for r in results),
    )
    return summary


def check(summary: dict[str, Any], echo_only: bool) -> dict[str, bool]:
    ok = {}
    for key, (op, target) in TARGETS.items():
        value = summary.get(key)
        if value is None:
            ok[key] = echo_only or key in ("answer_start_p95_ms",)
            continue
        ok[key] = meets(value, op, target)
    return ok


def render(result: dict[str, Any]) -> str:
    head = (f"{'voice':16} {'cmds':>4} {'halt':>4} {'over':>4} {'caught':>7} {'halted':>7} "
            f"{'p50 ms':>7} "
            f"{'p95 ms':>7} {'answered':>8} {'ans p95':>7}")
    lines = [result["condition"], head, "-" * len(head)]
    for name, s in [*result["voices"].items(), ("ALL", result["summary"])]:
        caught = _pct(s["halting_caught"])
        answered = _pct(s["questions_answered"])
        lines.append(f"{name:16} {s['commands']:4} {s['halting']:4} {s['halting_over_coach']:4} "
                     f"{caught:>7} {_pct(s['halting_halted']):>7} "
                     f"{s['stop_latency_p50_ms']!s:>7} {s['stop_latency_p95_ms']!s:>7} "
                     f"{answered:>8} {s['answer_start_p95_ms']!s:>7}")
    lines.append("")
    for key, (op, target) in TARGETS.items():
        mark = "ok " if result["targets"][key] else "MISS"
        lines.append(f"{mark} {key:24} {result['summary'].get(key)!s:>8}  (target {op} {target})")
    s = result["summary"]
    lines.append(f"self-triggers while the coach was talking: {s['self_triggers_over_coach']}"
                 f" of {s['self_triggers']}; said to nobody (sorry, did you say stop?):"
                 f" {s['noise_replies']}")
    lines.append(f"{s['reps']} reps counted, {s['audio_seconds']} s of audio in "
                 f"{result['cpu_seconds']} s CPU (RTF {result['rtf']})")
    return "\n".join(lines)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


# ---------------------------------------------------------------- command line


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m voicecoach.bench room",
                                description=__doc__.split("\n")[0])
    p.add_argument("--commands", type=Path, help="MANIFEST.tsv: path<TAB>intent rows")
    p.add_argument("--noise", type=Path, help="noise WAV mixed into the microphone")
    p.add_argument("--snr", type=float, default=10.0, help="noise level below the user, dB")
    p.add_argument("--echo-db", type=float, default=-6.0,
                   help="the coach's voice at the mic relative to the user, dB")
    p.add_argument("--no-echo", action="store_true", help="a clean room: no echo at all")
    p.add_argument("--sessions", type=int, default=None,
                   help="sessions (default 4; with --matrix, per cell, default 10)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reps", type=int, default=15, help="twists per side")
    p.add_argument("--limit", type=float, default=900.0,
                   help="seconds of audio at most per session (default 900)")
    p.add_argument("--per-session", type=int, default=16, help="commands said per session")
    p.add_argument("--echo-only", action="store_true",
                   help="no commands: the coach's own voice is all the microphone hears")
    p.add_argument("--no-aec", action="store_true", help="no echo cancellation")
    p.add_argument("--no-text-check", action="store_true",
                   help="no text-based echo check (the canceller alone)")
    p.add_argument("--recognizer", default="pocketsphinx",
                   help="pocketsphinx, vosk, auto, or oracle (recognition bypassed)")
    p.add_argument("--voices", default="", help="comma-separated user voices, e.g. piper-joe "
                   "(default: the 8 espeak-ng and flite ones)")
    p.add_argument("--cache", type=Path, help="keep rendered user commands here")
    p.add_argument("--log", type=Path,
                   help="write each session's events, user lines and clips played here")
    p.add_argument("--tape", type=Path,
                   help="keep what the recognizer heard here, to replay to another "
                   "(python -m voicecoach.bench replay DIR)")
    p.add_argument("--json", action="store_true", help="last line: one JSON object")
    _matrix_options(p)
    return p


def _matrix_options(p: argparse.ArgumentParser) -> None:
    """``--matrix``: recognizer x noise x SNR x echo level (:mod:`voicecoach.bench.roommatrix`)."""
    m = p.add_argument_group("matrix")
    m.add_argument("--matrix", action="store_true",
                   help="every cell of recognizers x noises x SNRs x echo levels; "
                   "--sessions per cell (default 10)")
    m.add_argument("--recognizers", default="auto,pocketsphinx,oracle",
                   help="comma-separated: auto, whisper, vosk, pocketsphinx, oracle")
    m.add_argument("--noises", default="none,kitchen,babble,tv",
                   help="comma-separated: none, kitchen (the shared recording), babble, tv "
                   "(made from synthetic speech), music, fan")
    m.add_argument("--snrs", default="20,10,5", help="comma-separated SNRs, dB")
    m.add_argument("--echo-dbs", default="-6",
                   help="comma-separated echo levels relative to the user, dB ('none': no echo)")
    m.add_argument("--shared", type=Path, default=None, help="the shared speech folder")
    m.add_argument("--plot", type=Path, default=None,
                   help="FILE.png: halting caught and self-triggers against SNR (matplotlib)")


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    if args.matrix:
        from voicecoach.bench.roommatrix import run_matrix_command

        return run_matrix_command(args, _cell_player(args))
    try:
        result = run_bench(args)
    except (OSError, ValueError, VoiceCoachError) as exc:
        print(f"room benchmark: {exc}", file=sys.stderr)
        return 2
    print(render(result))
    if args.json:
        print(json.dumps({**result["summary"], "targets": result["targets"],
                          "voices": result["voices"], "condition": result["condition"]}))
    return 0 if all(result["targets"].values()) else 1


def run_bench(args: argparse.Namespace) -> dict[str, Any]:
    from voicecoach.speech.tts import LineAudio

    cond = _condition(args)
    begin = time.process_time()
    results, by_voice = run_sessions(cond, _commands(args), args, _recognizer(args.recognizer),
                                     LineAudio())
    cpu = time.process_time() - begin
    summary = overall(results)
    return {
        "condition": _describe(args),
        "summary": summary,
        "voices": {v: summarize(rs, v) for v, rs in by_voice.items()},
        "targets": check(summary, args.echo_only),
        "cpu_seconds": round(cpu, 1),
        "rtf": round(cpu / max(summary["audio_seconds"], 1e-9), 3),
        "self_triggers": [t for r in results for t in r["self_triggers"]],
        "noise_replies": [t for r in results for t in r["noise_replies"]],
    }


def run_sessions(cond: Condition, commands: dict[str, list[UserLine]], args: argparse.Namespace,
                 recognizer: Any, lines: Any) -> tuple[list[dict], dict[str, list[dict]]]:
    """``args.sessions`` seeded sessions in ``cond``, voices in turn; each one's measures,
    and the same grouped by voice."""
    results: list[dict[str, Any]] = []
    by_voice: dict[str, list[dict[str, Any]]] = defaultdict(list)
    voices = list(commands)
    for n in range(args.sessions or 4):
        voice = voices[n % len(voices)] if voices else "none"
        said = _take(commands.get(voice, []), args.per_session, args.seed + n)
        run = play_session(cond, said, args.seed * 100 + n, recognizer, lines, bool(args.tape))
        if args.log:
            write_log(run, args.log / f"session-{n + 1}.jsonl")
        if args.tape:
            run.ear.recognizer.save(args.tape / f"session-{n + 1}", _said(run), run.played())
        result = measure(run)
        results.append(result)
        by_voice[voice].append(result)
    return results, by_voice


def _cell_player(args: argparse.Namespace) -> Any:
    """Plays the sessions of one matrix cell (:data:`voicecoach.bench.roommatrix.CellRunner`):
    the same commands, seeds and options in every cell."""
    from voicecoach.speech.tts import LineAudio

    state: dict[str, Any] = {}

    def play(cell: Any, noise: Any, sessions: int) -> tuple[list[dict], dict[str, Any]]:
        if not state:
            state.update(commands=_commands(args), lines=LineAudio())
        cond = Condition(cell.echo_db, cell.snr, noise, not args.no_aec, cell.oracle, args.reps,
                         cell.recognizer, not args.no_text_check, args.limit)
        own = argparse.Namespace(**{**vars(args), "sessions": sessions})
        for folder in ("log", "tape"):
            if getattr(args, folder):
                setattr(own, folder, getattr(args, folder) / cell.label.replace("/", "_"))
        results, _ = run_sessions(cond, state["commands"], own, _recognizer(cell.recognizer),
                                  state["lines"])
        return results, overall(results)

    return play


def write_log(run: RoomRun, path: Path) -> None:
    """The session's events (audio times), the user's lines, and every clip played with
    where it was cut, one JSON object a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    said = [{"event": "user", **line} for line in _said(run)]
    played = [{"event": "played", **clip} for clip in run.played()]
    with path.open("w", encoding="utf-8") as out:
        for record in [*run.records, *said, *played]:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def _said(run: RoomRun) -> list[dict[str, Any]]:
    """The user's lines as said (typed ones left out: the microphone never heard them)."""
    return [{"start": round(s.start, 3), "end": round(s.end, 3), "intent": s.line.intent,
             "text": s.line.text, "voice": s.line.voice, "over_coach": s.over_coach}
            for s in run.said if not s.typed]


def _take(pool: list[UserLine], count: int, seed: int) -> list[UserLine]:
    if not pool:
        return []
    rng = random.Random(seed)
    return [pool[i % len(pool)] for i in rng.sample(range(len(pool)), min(count, len(pool)))]


def _condition(args: argparse.Namespace) -> Condition:
    noise = None
    if args.noise:
        import numpy as np

        from voicecoach.audio.wav import read_pcm16k

        noise = np.frombuffer(read_pcm16k(args.noise), dtype="<i2").astype(np.float64)
    echo = None if args.no_echo else args.echo_db
    return Condition(echo, args.snr, noise, not args.no_aec, args.recognizer == "oracle",
                     args.reps, args.recognizer, not args.no_text_check, args.limit)


def _commands(args: argparse.Namespace) -> dict[str, list[UserLine]]:
    if args.echo_only:
        return {"none": []}
    if args.commands:
        return manifest_commands(args.commands)
    cache = args.cache or Path(tempfile.mkdtemp(prefix="voicecoach-room-"))
    cache.mkdir(parents=True, exist_ok=True)
    voices = [v for v in args.voices.split(",") if v]
    return builtin_commands(cache, voices, max(args.per_session, 12), args.seed)


def _recognizer(name: str) -> Any:
    """The oracle, or None: the engine choice picks the recognizer (:func:`open_ear`)."""
    return OracleRecognizer() if name == "oracle" else None


def _describe(args: argparse.Namespace) -> str:
    echo = "no echo" if args.no_echo else f"echo {args.echo_db:g} dB"
    noise = f", noise {args.noise.name} at {args.snr:g} dB SNR" if args.noise else ", no noise"
    who = "no user (echo only)" if args.echo_only else (
        f"commands from {args.commands}" if args.commands else "built-in commands")
    aec = ("no AEC" if args.no_aec else "SpeexDSP AEC") + (
        ", no text check" if args.no_text_check else "")
    return (f"{echo}{noise}, {aec}, recognizer {args.recognizer}, {who}, "
            f"{args.sessions or 4} sessions, seed {args.seed}, {args.reps} reps/side")
