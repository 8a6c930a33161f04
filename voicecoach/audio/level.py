"""Automatic gain for speech: quiet or distant speech is brought up to a normal level, noise is not.

:class:`DcBlock` removes a DC offset (a running mean) first of all, before any other stage.
Then :class:`Level`, per 10 ms frame: a noise floor is tracked
(falls at once, rises slowly), and frames well above that floor count as speech; the loudest
recent speech frames set the gain that brings them to :data:`TARGET_DBFS`
(:data:`MIN_GAIN_DB` to :data:`MAX_GAIN_DB`). The gain rises gradually and falls at once.
Speech at a normal level is changed by a few dB at most, and stationary noise with no speech in
it passes unchanged. A limiter keeps the lifted signal from clipping. The gain moves
smoothly inside each frame (no clicks).

Hand-written because the gain of the library adopted for noise suppression,
``webrtc-noise-gain``, adds at most ~9 dB (measured: speech 30 dB down stays 21 dB down).
(SpeexDSP's AGC was not tried.)
"""

from __future__ import annotations

import numpy as np

from voicecoach.audio.stage import Framed

TARGET_DBFS = -16.0
"""Where the loudest frames of speech are brought (the test voices and the human recordings
peak at -20..-12 dBFS per 10 ms frame)."""
MAX_GAIN_DB = 36.0
"""Most lift: speech 30 dB below normal still reaches the target."""
MIN_GAIN_DB = -20.0
"""Most cut: a shout that clips the microphone is turned down. Measured: "stop" amplified 8x
and clipped was not heard at all by pocketsphinx; the same, 10 dB down, was."""
SPEECH_ABOVE_FLOOR_DB = 12.0
"""A frame counts as speech this far above the noise floor ..."""
SILENCE_DBFS = -72.0
"""... and above this absolute level (below it: digital silence, dither, a quiet room)."""
FLOOR_RISE_DB = 0.02
"""Per frame (2 dB/s): how fast the noise floor follows a rising level."""
RISE_DB = 3.0
"""Per frame (300 dB/s): how fast the gain may grow; it falls at once. Measured: a gain that
jumped at the first, soft frame of a word made the recognizer hear an extra word there
("he can we skip this")."""
ENVELOPE_DECAY_DB = 0.01
"""Per frame (1 dB/s): how fast the speech level estimate forgets a loud frame."""
FAR_END_HOLD = 30
"""Frames (0.3 s: the room's reverberation) after the coach's voice during which the gain
stays held (see :meth:`Level.far_end`)."""
LIMIT = 30000.0
"""Peak sample value the limiter allows after the gain."""
DC_SMOOTHING = 0.95
"""Per-frame smoothing of the running mean removed as DC offset (a time constant of 0.2 s)."""


class DcBlock(Framed):
    name = "dc"

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        super().reset()
        self.dc: float | None = None

    def frame_out(self, frame: np.ndarray) -> np.ndarray:
        x = frame.astype(np.float64)
        mean = float(x.mean())
        self.dc = mean if self.dc is None else DC_SMOOTHING * self.dc + (1 - DC_SMOOTHING) * mean
        return np.clip(np.rint(x - self.dc), -32768, 32767)


class Level(Framed):
    name = "level"

    def __init__(self) -> None:
        super().__init__()
        self.reset()

    def reset(self) -> None:
        super().reset()
        self.floor: float | None = None
        self.envelope: float | None = None
        self.gain_db = 0.0
        self.hold = 0
        """Frames left during which the coach's voice may be in the input."""

    def far_end(self, active: bool, frames: int) -> None:
        """The next ``frames`` frames were captured while the coach's voice played (or not).

        While it plays (and :data:`FAR_END_HOLD` frames after), what is left of its echo is
        not taken for the user's speech: the speech level is not learnt and the gain does not
        lift (measured in the simulated room: echo left 30 dB down by the canceller, lifted
        back by the gain, was heard as words and the session never got past the greeting).
        """
        if active:
            self.hold = max(self.hold, frames + FAR_END_HOLD)

    @property
    def wanted_db(self) -> float:
        if self.envelope is None:
            return 0.0
        wanted = float(np.clip(TARGET_DBFS - self.envelope, MIN_GAIN_DB, MAX_GAIN_DB))
        return min(wanted, 0.0) if self.hold else wanted

    def frame_out(self, frame: np.ndarray) -> np.ndarray:
        x = frame.astype(np.float64)
        if self.hold:
            self.hold -= 1
        else:
            self._track(_dbfs(x))
        before = self.gain_db
        self.gain_db = min(self.wanted_db, before + RISE_DB)
        ramp = np.linspace(before, self.gain_db, len(x), endpoint=False)
        y = x * 10 ** (ramp / 20)
        peak = float(np.abs(y).max(initial=0.0))
        if peak > LIMIT:
            y *= LIMIT / peak
        return np.clip(np.rint(y), -32768, 32767)

    def _track(self, level: float) -> None:
        self.floor = level if self.floor is None else min(level, self.floor + FLOOR_RISE_DB)
        speech = level > max(self.floor + SPEECH_ABOVE_FLOOR_DB, SILENCE_DBFS)
        if self.envelope is not None:
            self.envelope -= ENVELOPE_DECAY_DB
        if speech and (self.envelope is None or level > self.envelope):
            self.envelope = level


def _dbfs(x: np.ndarray) -> float:
    power = float(np.mean(x * x)) if len(x) else 0.0
    return 10 * float(np.log10(power / 32768.0**2 + 1e-12))

