"""The tempo of the twists: starts slow, changes gradually, never jumps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Tempo:
    """Seconds per twist (one side), and how fast the pace may drift toward its goal."""

    start: float = 3.0
    """The first, slow and gentle twists."""
    goal: float = 1.6
    """The pace the twisting builds up to."""
    fastest: float = 1.0
    slowest: float = 4.0
    ramp: float = 0.93
    """Per-twist factor by which the pace moves toward its goal: gradual, never sudden."""
    step: float = 1.25
    """How much one "faster"/"slower" moves the goal."""


@dataclass(slots=True)
class Pacer:
    """The current pace and the pace it is moving to."""

    tempo: Tempo
    current: float
    goal: float

    @classmethod
    def starting(cls, tempo: Tempo) -> Pacer:
        return cls(tempo, tempo.start, tempo.goal)

    def next_interval(self) -> float:
        """Move one step toward the goal and return the seconds until the next twist."""
        if self.current > self.goal:
            self.current = max(self.goal, self.current * self.tempo.ramp)
        elif self.current < self.goal:
            self.current = min(self.goal, self.current / self.tempo.ramp)
        return self.current

    def faster(self) -> bool:
        """Aim for a quicker pace; False when already at the fastest."""
        if self.goal <= self.tempo.fastest:
            return False
        self.goal = max(self.tempo.fastest, self.goal / self.tempo.step)
        return True

    def slower(self) -> bool:
        """Aim for a gentler pace; False when already at the slowest."""
        if self.goal >= self.tempo.slowest:
            return False
        self.goal = min(self.tempo.slowest, self.goal * self.tempo.step)
        return True

    def wind_down(self) -> float:
        """Cool-down: each twist a little slower than the last."""
        self.current = min(self.tempo.slowest, self.current * self.tempo.step)
        return self.current
