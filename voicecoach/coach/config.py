"""How a session is paced and timed."""

from __future__ import annotations

from dataclasses import dataclass, field

from voicecoach.coach.pacing import Tempo
from voicecoach.coach.progression import Progress


@dataclass(frozen=True, slots=True)
class CoachConfig:
    """How a session is paced; every number is in seconds unless it says otherwise."""

    target: int = 15
    """Twists per side (the seed: 10-15 for a beginner, building up to 30-40)."""
    minutes: float | None = None
    """Twist for this long instead of counting to ``target`` ("a couple of minutes")."""
    tempo: Tempo = field(default_factory=Tempo)
    answer_timeout: float = 10.0
    idle_timeout: float = 30.0
    pause_timeout: float = 60.0
    words_per_second: float = 2.8
    """Speaking rate of the coach's estimate of a line's length (espeak-ng's default rate,
    measured on its speech without the trailing silence)..."""
    line_overhead: float = 0.1
    """... plus this much per line. Used only when the app gives no rendered durations."""
    reminder_every: int = 3
    """A form reminder after every this many twists per side."""
    cooldown_twists: int = 6
    """Slower and slower twists, uncounted, before returning to the start position."""
    lead_in: float = 0.5
    """Gap between the coach's last word and the first paced twist."""
    breath: float = 3.0
    """Silence left for each slow breath in or out."""
    count_gap: float = 0.25
    """Least silence before a count: a beat that falls while the coach talks waits this long
    after the line ends, and a cue is said between counts only if it leaves this much."""
    sure_answer: float = 0.8
    """Below this match confidence an answer to a safety question is confirmed, not taken."""
    sure_end: float = 0.99
    """Below this match confidence (not one of its phrases) an end said while the user twists
    or is paused is confirmed, not taken: an end cannot be undone, and a phrase one word off
    is often another sentence ("i want to know" ~ "i want to go"; Whisper's "i want to do
    for me", for "what will this do for me", ended a simulated kitchen session at 0.92)."""
    progress: Progress | None = None
    """The user's history, when kept: the coach greets, plans and answers from it."""
