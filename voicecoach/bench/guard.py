"""What every benchmark does with a failure it can explain: one line, exit code 2."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable

from voicecoach.errors import VoiceCoachError

EXPLAINED = (OSError, ValueError, VoiceCoachError, subprocess.SubprocessError)
"""A missing file or program, a bad option value, a data error: said, not a traceback."""


def guarded(name: str, run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """``run(args)``, or 2 after one line on stderr naming the benchmark and the problem."""
    try:
        return run(args)
    except EXPLAINED as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 2
