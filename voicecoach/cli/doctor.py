"""``voicecoach doctor [--json]``: one line per check, with the fix for each failure.

Exit status 0 when a spoken session can run here, 1 when not.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from voicecoach.app.config import ConfigError, config_path, history_path
from voicecoach.app.settings import RunSettings


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "doctor", help="check microphone, speaker, recognizer, speech engine, config, history")
    parser.add_argument("--json", action="store_true",
                        help='one object: {"ok": bool, "checks": [{"name", "ok", "detail", '
                             '"fix"}, ...]}')
    parser.add_argument("--listen", type=float, default=3.0, metavar="SECONDS",
                        help="how long to listen to the microphone (default 3)")
    return parser


def run(args: argparse.Namespace) -> int:
    from voicecoach.app.doctor import diagnose

    settings, problem = _settings()
    report = diagnose(settings, problem, config_path(), _prompt(args.json), args.listen)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        for check in report.checks:
            mark = "ok  " if check.ok else ("FAIL" if check.required else "warn")
            print(f"{mark} {check.name:<14} {check.detail}")
            if check.fix:
                print(f"     {'':<14} fix: {check.fix}")
        print("a spoken session can run here" if report.ok else
              "a spoken session cannot run here: fix the FAIL lines above")
    return 0 if report.ok else 1


def _settings() -> tuple[RunSettings, str | None]:
    """The settings a plain ``voicecoach`` would run with, or the defaults and the problem."""
    from voicecoach.cli.flags import run_settings

    try:
        return run_settings(argparse.Namespace()), None
    except ConfigError as err:
        return RunSettings(history=str(history_path())), str(err)


def _prompt(quiet: bool) -> Callable[[str], None]:
    def prompt(message: str) -> None:
        if not quiet:
            print(f"     {message}", file=sys.stderr, flush=True)

    return prompt
