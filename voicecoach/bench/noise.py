"""Noise alone must never become a command: ``python -m voicecoach.bench noise``.

Minutes of each noise (:mod:`voicecoach.bench.noises`: the shared kitchen recording, babble,
television, music, a fan; at the level of speech) go through the microphone path (front-end,
recognizer, matcher: :func:`voicecoach.speech.listen.listen`), as if the user stood silent in
that room. Reported per noise: intents acted on (target 0), halting doubts and other guesses
(the coach would pause and ask, or confirm), utterances the recognizer heard at all, and the
recognizer's CPU time per second of audio.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from voicecoach.audio.wav import blocks
from voicecoach.bench.guard import guarded
from voicecoach.bench.noises import NAMES, make
from voicecoach.bench.voices import SHARED


def run_noise(name: str, minutes: float, recognizer: Any, matcher: Any, frontend: Any,
              cache: Path, shared: Path) -> dict[str, Any]:
    """One noise through the path; its counts."""
    import numpy as np

    from voicecoach.speech.listen import listen

    pcm = np.clip(np.rint(make(name, minutes * 60, cache, shared)), -32768, 32767)
    data = pcm.astype("<i2").tobytes()
    begin = time.process_time()
    heard = list(listen(blocks(data), recognizer, matcher, frontend=frontend))
    cpu = time.process_time() - begin
    acted = [h for h in heard if h.intent != "none"]
    return {
        "noise": name, "minutes": minutes, "acted": len(acted), "doubts": sum(1 for h in heard
        if h.doubt), "guesses": sum(1 for h in heard if h.guess), "utterances": len(heard),
        "cpu_per_second": round(cpu / (minutes * 60), 4),
        "acted_on": [f"{h.t:.1f}s {h.text!r} -> {h.intent}" for h in acted],
    }


def render(rows: list[dict[str, Any]], engine: str) -> str:
    head = (f"{'noise':<10}{'minutes':>8}{'acted':>7}{'doubts':>8}{'guesses':>9}{'heard':>7}"
            f"{'cpu/s':>8}")
    lines = [f"engine: {engine}", head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['noise']:<10}{r['minutes']:>8.1f}{r['acted']:>7}{r['doubts']:>8}"
                     f"{r['guesses']:>9}{r['utterances']:>7}{r['cpu_per_second']:>8.3f}")
        lines += [f"  acted on: {a}" for a in r["acted_on"]]
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m voicecoach.bench noise",
                                description=__doc__.split("\n")[0])
    p.add_argument("--engine", default="auto", help="auto, whisper, vosk or pocketsphinx")
    p.add_argument("--model", default=None, help="vosk model folder")
    p.add_argument("--noises", default=",".join(NAMES), help="comma-separated, of: "
                   + ", ".join(NAMES))
    p.add_argument("--minutes", type=float, default=10.0, help="minutes of each noise")
    p.add_argument("--denoise", default="auto", help="front-end noise suppression")
    p.add_argument("--shared", type=Path, default=SHARED, help="the shared speech folder")
    p.add_argument("--json", action="store_true", help="one JSON object")
    return p


def main(argv: list[str]) -> int:
    return guarded("noise benchmark", _run, _parser().parse_args(argv))


def _run(args: argparse.Namespace) -> int:
    from voicecoach.app.ear import open_ear
    from voicecoach.app.settings import EngineSettings
    from voicecoach.nlu.matcher import IntentMatcher

    ear = open_ear(EngineSettings(args.engine, args.model, args.denoise), fresh=True)
    recognizer, matcher, frontend = ear.recognizer, IntentMatcher.load(), ear.frontend
    with tempfile.TemporaryDirectory(prefix="voicecoach-noise-") as cache:
        rows = [run_noise(name, args.minutes, recognizer, matcher, frontend, Path(cache),
                          args.shared) for name in args.noises.split(",") if name]
    print(json.dumps({"engine": recognizer.name, "noises": rows}) if args.json
          else render(rows, recognizer.name))
    return 0 if all(r["acted"] == 0 for r in rows) else 1
