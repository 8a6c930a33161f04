"""What the command line (and, later, a config file) decided: frozen values handed down.

Nothing below the CLI sees ``argparse``; it receives these.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class EngineSettings:
    """Which speech recognizer to run."""

    engine: str = "auto"
    """``auto``, ``vosk`` or ``pocketsphinx``."""
    model: str | None = None
    """A vosk model folder; None: look in the usual places."""
    denoise: str = "auto"
    """Front-end noise suppression: ``auto``, a backend name (``webrtc``, ``speex``,
    ``rnnoise``, ``deepfilter``) or ``off`` (see :mod:`voicecoach.audio.frontend`)."""


@dataclass(frozen=True, slots=True)
class RunSettings:
    """One coaching session: input, output and pacing."""

    engine: EngineSettings = field(default_factory=EngineSettings)
    reps: int = 15
    """Twists per side."""
    minutes: float | None = None
    """Twist for this long instead of counting to ``reps``."""
    seed: int | None = None
    """Fixes the choice of wordings."""
    lang: str = "en"
    text: bool = False
    """Typed input instead of the microphone."""
    speak: bool = True
    """Say replies aloud (else only print them)."""
    json: bool = False
    """Every event as one JSON line (implies not speaking)."""
    script: str | None = None
    """A session script to play in virtual time."""
    real_clock: bool = True
    """False: ``--clock virtual``."""
    audio_in: str | None = None
    """A recording to stream through the microphone path."""
    device: str | None = None
    """Microphone index or name."""
