"""Learn the recognizer's slips: ``python -m voicecoach.bench confusions [options]``.

The development tables (``benchmarks/dev/*.tsv``: never the benchmark's own table), the rows
with a word that matters in them ("stop", "pain", "ready", ...: the lists of
``intents/en/soundalike.yaml``), are spoken by voices that neither the benchmarks nor the tests
use (:data:`LEARN_VOICES`), clean and in the kitchen noise, through the real path (front-end,
voice-activity detection, the recognizer). Where the recognizer wrote one word for another
that matters, that is a slip (:mod:`voicecoach.nlu.confusions`); the slips that pass its tests
are printed, and with ``--write`` stored as ``heard_as`` in ``soundalike.yaml``. The report
lists every slip seen, so what was left out (a known word, one voice only) is visible.
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path
from typing import Any

from tqdm import tqdm

from voicecoach.bench.guard import guarded
from voicecoach.bench.intents import read_table
from voicecoach.bench.speech import prepare, run_clip
from voicecoach.bench.voices import NOISE_FILE, SHARED, choose_voices, load_noise, synthesize
from voicecoach.data import data_dir, load_yaml
from voicecoach.nlu.confusions import Evidence, learn, observed
from voicecoach.nlu.rules import normalize

DEV_TABLES = Path(__file__).resolve().parents[2] / "benchmarks" / "dev"
LEARN_VOICES = ("espeak-ng:en-us+m3", "espeak-ng:en+f2", "espeak-ng:en-gb-x-gbclan",
                "espeak-ng:en-gb-x-gbcwmd", "flite:kal", "espeak-ng:en-us-nyc")
"""Voices of neither the benchmarks (:data:`voicecoach.bench.voices.VOICES`) nor the tests
(plain ``en-us``)."""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m voicecoach.bench confusions",
                                description=__doc__.split("\n")[0])
    p.add_argument("--tables", type=Path, nargs="*", default=sorted(DEV_TABLES.glob("*.tsv")))
    p.add_argument("--voices", default=",".join(LEARN_VOICES))
    p.add_argument("--conditions", default="clean,noisy", help="of: clean, noisy")
    p.add_argument("--engine", default="auto")
    p.add_argument("--cache", type=Path, default=None, help="keep synthesized clips here")
    p.add_argument("--min-count", type=int, default=2)
    p.add_argument("--min-sources", type=int, default=2, help="voices a slip needs")
    p.add_argument("--file", type=Path, default=None,
                   help="the sound-alike file (default: intents/en/soundalike.yaml)")
    p.add_argument("--write", action="store_true", help="store the slips in that file")
    return p


def main(argv: list[str]) -> int:
    return guarded("confusions", _run, _parser().parse_args(argv))


def _run(args: argparse.Namespace) -> int:
    from voicecoach.app.ear import open_ear
    from voicecoach.app.settings import EngineSettings
    from voicecoach.nlu import soundalike
    from voicecoach.nlu.matcher import IntentMatcher

    path = args.file or data_dir("en") / soundalike.FILE_NAME
    lists = load_yaml(path.read_text(encoding="utf-8"))
    matter = frozenset(lists["words"]) | frozenset(lists["safety_words"])
    ear = open_ear(EngineSettings(args.engine, None, "auto"), fresh=True)
    matcher = IntentMatcher.load()
    evidence = _gather(args, matter, ear, matcher)
    table = learn(evidence, matter, matcher.says, args.min_count, args.min_sources)
    for (heard, said), count, sources in observed(evidence, matter):
        mark = "KEEP" if table.get(heard) == said else "    "
        print(f"{mark} {heard!r:>16} for {said!r:10} {count:3}x, {sources} voices"
              f"{'' if matcher.says(heard) else ', unknown word'}")
    print(f"{len(table)} slips kept: {table}")
    if args.write:
        soundalike.write_heard_as(path, table)
        print(f"written to {path}")
    return 0


def _gather(args: argparse.Namespace, matter: frozenset[str], ear: Any, matcher: Any) -> Evidence:
    """Speak every row with a word that matters in every voice and condition; the slips."""
    rows = [r for t in args.tables for r in read_table(t)
            if matter & set(normalize(r.text).split())]
    cache = args.cache or Path(tempfile.mkdtemp(prefix="voicecoach-slips-"))
    cache.mkdir(parents=True, exist_ok=True)
    noise = load_noise(SHARED / NOISE_FILE)
    rng, evidence = random.Random(0), Evidence()
    jobs = [(v, r, c) for v in choose_voices(args.voices) for r in rows
            for c in args.conditions.split(",")]
    for voice, row, condition in tqdm(jobs, desc="slips", unit="clip"):
        pcm = prepare(synthesize(voice, row.text, cache), noise if condition == "noisy" else None,
                      rng, condition)
        ear.recognizer.reset()
        outcome = run_clip(ear.recognizer, matcher, pcm, ear.frontend)
        evidence.add(voice.name, row.text, " ".join(outcome.texts))
    return evidence
