"""One line to the user about how the session runs."""

from __future__ import annotations

import sys


def note(message: str) -> None:
    """Say ``message`` on stderr (so --json output stays clean)."""
    print(f"voicecoach: {message}", file=sys.stderr, flush=True)
