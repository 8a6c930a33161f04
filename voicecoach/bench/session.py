"""How fast a whole scripted session plays in virtual time: ``python -m voicecoach.bench session``.

Plays the README's session (start, no, ready, questions, a pain halt, confirmation) through the
real matcher and coach, with the JSON records built but not printed, and reports the wall time
per session against the virtual time it covered.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time

from voicecoach.app.session import Session, parse_script, run_script
from voicecoach.coach.dialog import Dialog
from voicecoach.coach.machine import Coach, CoachConfig
from voicecoach.nlu.matcher import IntentMatcher

SCRIPT = """start back twist
no
I'm ready
@150 how many reps
@170 ouch my back
I feel fine now
yes
@230 faster
@260 what are the benefits
"""


def play(dialog: Dialog, matcher: IntentMatcher, reps: int, seed: int) -> tuple[float, float]:
    """One session: (wall seconds, virtual seconds)."""
    records: list[dict] = []
    session = Session(Coach(dialog, random.Random(seed), CoachConfig(target=reps)), matcher,
                      lambda r: records.append(json.loads(json.dumps(r))))
    started = time.perf_counter()
    run_script(session, parse_script(SCRIPT))
    return time.perf_counter() - started, float(records[-1]["t"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m voicecoach.bench session")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reps", type=int, default=15, help="twists per side")
    args = parser.parse_args(argv)
    dialog, matcher = Dialog.load(), IntentMatcher.load()
    results = [play(dialog, matcher, args.reps, seed) for seed in range(args.runs)]
    walls = sorted(wall for wall, _ in results)
    virtual = statistics.mean(v for _, v in results)
    print(f"{args.runs} sessions, {args.reps} twists per side, "
          f"{virtual:.0f} s of virtual time each")
    print(f"wall time per session: median {statistics.median(walls) * 1000:.1f} ms, "
          f"max {walls[-1] * 1000:.1f} ms (target: well under 1 s)")
    return 0 if walls[-1] < 1.0 else 1
