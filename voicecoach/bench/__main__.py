"""Dispatch ``python -m voicecoach.bench NAME ...`` to ``voicecoach.bench.NAME.main``."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = ("intents", "speech", "session", "room", "spoken", "noise", "confusions",
              "replay")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in BENCHMARKS:
        print(f"usage: python -m voicecoach.bench {{{','.join(BENCHMARKS)}}} [options]")
        return 2
    module = importlib.import_module(f"voicecoach.bench.{args[0]}")
    return int(module.main(args[1:]))


if __name__ == "__main__":
    sys.exit(main())
