"""``voicecoach history [--json | --csv | --plot FILE.png] [--last N]``: past sessions."""

from __future__ import annotations

import argparse
from pathlib import Path

from voicecoach.app import report
from voicecoach.app.config import history_path
from voicecoach.app.history import SqliteHistory


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("history", help="past sessions: a table and a chart")
    shape = parser.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="one JSON object per session per line")
    shape.add_argument("--csv", action="store_true", help="CSV with a header line")
    shape.add_argument("--plot", metavar="FILE.png", help="draw twists per side to a picture")
    parser.add_argument("--last", type=int, metavar="N", help="only the last N sessions")
    return parser


def run(args: argparse.Namespace) -> int:
    path = history_path()
    if not path.exists():
        rows = []
    else:
        store = SqliteHistory(path)
        try:
            rows = store.sessions(args.last)
        finally:
            store.close()
    if args.json:
        _out(report.json_lines(rows))
    elif args.csv:
        print(report.csv_text(rows), end="")
    elif args.plot:
        report.plot(rows, Path(args.plot))
        print(f"wrote {args.plot} ({len(rows)} sessions)")
    elif not rows:
        print(f"no sessions recorded yet ({path})")
    else:
        print(report.table(rows))
        print()
        print(report.chart(rows))
    return 0


def _out(text: str) -> None:
    if text:
        print(text)
