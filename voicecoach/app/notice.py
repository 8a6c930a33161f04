"""One line to the user about how the session runs."""

from __future__ import annotations

import logging
import sys

log = logging.getLogger(__name__)


def note(message: str) -> None:
    """Say ``message`` on stderr (so --json output stays clean); ``--quiet`` silences it."""
    if log.isEnabledFor(logging.WARNING):
        print(f"voicecoach: {message}", file=sys.stderr, flush=True)
    else:
        log.debug("%s", message)
