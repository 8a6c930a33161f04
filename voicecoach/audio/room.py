"""A room in software: a virtual speaker, a virtual microphone, echo, reverberation and noise.

Pure numpy DSP in virtual time, 16 kHz mono; nothing here touches a device or a clock.

* :class:`VirtualSpeaker` plays clips, each starting at its own time (never overlapping), and
  can be cut mid-word exactly as :class:`voicecoach.audio.devices.Player` is: silence from the
  next output block on, anything queued dropped. :attr:`VirtualSpeaker.log` says what was
  played, from when to when, and where it was cut.
* :class:`Room` is the microphone: the user's utterances placed at chosen times, plus the
  speaker's output as echo (delayed, attenuated relative to the user, through a short
  synthetic reverberation), plus noise at a chosen SNR. :meth:`Room.block` returns each block of
  microphone audio together with the exact samples the speaker played meanwhile (the
  reference an echo canceller needs).

The helpers (:func:`active_rms`, :func:`speech_span`, :func:`synthetic_rir`, :func:`gain_for`)
are public so that other benchmarks can mix their own rooms.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

import numpy as np

RATE = 16000
FULL_SCALE = 32768.0


def as_samples(pcm: bytes | np.ndarray) -> np.ndarray:
    """16 kHz int16 bytes (or an array) as float64 samples, full scale 32768."""
    if isinstance(pcm, bytes):
        return np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    return np.asarray(pcm, dtype=np.float64)


def to_pcm(samples: np.ndarray) -> bytes:
    """Float samples as int16 bytes, clipped to full scale."""
    return np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes()


def active_rms(samples: np.ndarray, floor: float = 0.05) -> float:
    """RMS over the samples above ``floor`` times the peak: the level of the speech itself,
    not of the pauses around it (1.0 for silence, so gains stay finite)."""
    peak = float(np.abs(samples).max()) if samples.size else 0.0
    active = samples[np.abs(samples) > floor * peak] if peak else samples[:0]
    return math.sqrt(float(np.mean(active**2))) if active.size else 1.0


def speech_span(samples: np.ndarray, threshold_db: float = -35.0) -> tuple[float, float]:
    """(start, end) in seconds of the speech in a clip: the first and last 10 ms frame within
    ``threshold_db`` of the loudest frame."""
    frames = samples[: len(samples) // 160 * 160].reshape(-1, 160)
    if not frames.size:
        return 0.0, 0.0
    energy = np.sqrt(np.mean(frames**2, axis=1)) + 1e-9
    loud = np.flatnonzero(20 * np.log10(energy / energy.max()) > threshold_db)
    return loud[0] * 0.01, (loud[-1] + 1) * 0.01


def gain_for(level: float, reference: float, db: float) -> float:
    """The gain that brings a signal of RMS ``level`` to ``db`` relative to ``reference``."""
    return reference * 10 ** (db / 20) / max(level, 1e-9)


def synthetic_rir(
    delay: float, rt60: float, rng: random.Random, direct_to_reverb_db: float = 6.0
) -> np.ndarray:
    """An impulse response: a direct path after ``delay`` seconds, then exponentially decaying
    noise reaching -60 dB after ``rt60`` seconds (cut there), ``direct_to_reverb_db`` below the
    direct path in energy. Unit gain on the direct path."""
    lead = int(round(delay * RATE))
    length = max(1, int(rt60 * RATE))
    noise = np.array([rng.gauss(0.0, 1.0) for _ in range(length)])
    decay = np.exp(-6.9 * np.arange(length) / length)
    tail = noise * decay
    tail *= math.sqrt(10 ** (-direct_to_reverb_db / 10) / float(np.sum(tail**2)))
    rir = np.zeros(lead + 32 + length)
    rir[lead] = 1.0
    rir[lead + 32 :] += tail  # the first reflections 2 ms after the direct sound
    return rir


# ---------------------------------------------------------------- the speaker


@dataclass(slots=True)
class Played:
    """One clip the virtual speaker played (or was to play)."""

    text: str
    key: str
    due: float
    """When the coach's timeline said it starts."""
    start: float
    """When its first sample sounded (later than ``due`` if the speaker was still busy)."""
    end: float
    """When it fell silent: its natural end, or where it was cut."""
    length: float
    """Its full duration."""
    cut: bool = False
    dropped: bool = False
    """Cut before it ever started."""
    samples: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    @property
    def offset(self) -> float:
        """How late it started against the coach's timeline, in seconds."""
        return self.start - self.due


class VirtualSpeaker:
    """A speaker in virtual time, cut within one output block like the real player.

    :meth:`play` starts a clip at its time, or when the clip before it ends; :meth:`cut` at
    ``t`` silences the clip sounding then from the next block boundary (``block`` seconds,
    as the real player's callback) and drops every clip not yet started.
    """

    def __init__(self, block: float = 0.02) -> None:
        self.block = block
        self.log: list[Played] = []

    def play(self, samples: np.ndarray, at: float, text: str = "", key: str = "") -> Played:
        busy_until = max((p.end for p in self.log if not p.dropped), default=0.0)
        start = max(at, busy_until)
        length = len(samples) / RATE
        clip = Played(text, key, at, start, start + length, length, samples=samples)
        self.log.append(clip)
        return clip

    def cut(self, t: float) -> float:
        """Cut the voice at ``t``; returns when it actually fell silent (``t`` if it was)."""
        silent = t
        for clip in self.log:
            if clip.dropped or clip.end <= t:
                continue
            if clip.start >= t:
                clip.dropped = clip.cut = True
                clip.end = clip.start
                continue
            blocks = math.ceil((t - clip.start) / self.block - 1e-9)
            clip.end = min(clip.end, clip.start + blocks * self.block)
            clip.cut = True
            silent = max(silent, clip.end)
        return silent

    def saying(self, t: float, tail: float = 0.0) -> Played | None:
        """The clip sounding at ``t``, or the latest one that ended less than ``tail`` s before."""
        for clip in reversed(self.log):
            if not clip.dropped and clip.start <= t < clip.end + tail:
                return clip
        return None

    def render(self, first: int, count: int) -> np.ndarray:
        """The speaker's output for samples ``first`` .. ``first + count``."""
        out = np.zeros(count)
        for clip in self.log:
            _add_clip(out, first, clip)
        return out

    def prune(self, before: float) -> None:
        """Forget sample data of clips that ended before ``before`` (keeps the log)."""
        for clip in self.log:
            if clip.end < before and clip.samples.size:
                clip.samples = np.zeros(0)


def _add_clip(out: np.ndarray, first: int, clip: Played) -> None:
    if clip.dropped or not clip.samples.size:
        return
    begin, end = round(clip.start * RATE), round(clip.end * RATE)
    lo, hi = max(begin, first), min(end, first + len(out))
    if lo < hi:
        out[lo - first : hi - first] += clip.samples[lo - begin : hi - begin]


# ---------------------------------------------------------------- the microphone


@dataclass(frozen=True, slots=True)
class RoomSettings:
    """How the room sounds, relative to the user's speech."""

    echo_db: float | None = -6.0
    """The coach's voice at the microphone relative to the user's speech (None: no echo)."""
    delay: float = 0.03
    """Seconds from the speaker's output to the microphone (10-80 ms in a living room)."""
    rt60: float = 0.25
    """Reverberation time of the echo path."""
    snr_db: float | None = None
    """Noise level below the user's speech (None: no noise)."""
    user_dbfs: float = -26.0
    """The user's speech level (active RMS) at the microphone, in dB below full scale."""


@dataclass(slots=True)
class _Utterance:
    first: int
    samples: np.ndarray


class Room:
    """The microphone of a room with ``speaker`` in it, block by block in virtual time."""

    def __init__(
        self,
        speaker: VirtualSpeaker,
        settings: RoomSettings,
        noise: np.ndarray | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.speaker = speaker
        self.settings = settings
        self.rng = rng or random.Random(0)
        self.position = 0
        """Samples of audio produced so far."""
        self._user_rms = FULL_SCALE * 10 ** (settings.user_dbfs / 20)
        self._rir = synthetic_rir(settings.delay, settings.rt60, self.rng)
        self._history = np.zeros(len(self._rir) - 1)
        self._echo_gain: float | None = None
        self._utterances: list[_Utterance] = []
        self._noise = self._scaled_noise(noise)

    @property
    def now(self) -> float:
        return self.position / RATE

    def _scaled_noise(self, noise: np.ndarray | None) -> np.ndarray | None:
        if noise is None or self.settings.snr_db is None or not noise.size:
            return None
        rms = math.sqrt(float(np.mean(noise**2))) or 1.0
        return noise * gain_for(rms, self._user_rms, -self.settings.snr_db)

    def say(self, pcm: bytes | np.ndarray, at: float) -> tuple[float, float]:
        """The user says ``pcm`` (16 kHz) starting at ``at``, at the room's user level.

        Returns (start, end) of the speech itself, in room time.
        """
        samples = as_samples(pcm)
        samples = samples * gain_for(active_rms(samples), self._user_rms, 0.0)
        first = max(round(at * RATE), self.position)
        self._utterances.append(_Utterance(first, samples))
        lead, tail = speech_span(samples)
        return first / RATE + lead, first / RATE + tail

    def block(self, count: int) -> tuple[bytes, bytes]:
        """The next ``count`` samples: (microphone, what the speaker played meanwhile)."""
        played = self.speaker.render(self.position, count)
        mic = self._echo(played) + self._user(count) + self._noise_block(count)
        self.position += count
        self._utterances = [u for u in self._utterances if u.first + len(u.samples) > self.position]
        return to_pcm(mic), to_pcm(played)

    def _echo(self, played: np.ndarray) -> np.ndarray:
        signal = np.concatenate([self._history, played])
        self._history = signal[len(played) :]
        if self.settings.echo_db is None:
            return np.zeros(len(played))
        if self._echo_gain is None:
            if not played.any():
                return np.zeros(len(played))
            level = active_rms(next(c.samples for c in self.speaker.log if c.samples.size))
            level *= math.sqrt(float(np.sum(self._rir**2)))  # the room's own gain, broadband
            self._echo_gain = gain_for(level, self._user_rms, self.settings.echo_db)
        size = 1 << (len(signal) + len(self._rir)).bit_length()
        wet = np.fft.irfft(np.fft.rfft(signal, size) * np.fft.rfft(self._rir, size), size)
        return self._echo_gain * wet[len(self._rir) - 1 : len(signal)]

    def _user(self, count: int) -> np.ndarray:
        out = np.zeros(count)
        here = self.position
        for u in self._utterances:
            lo, hi = max(u.first, here), min(u.first + len(u.samples), here + count)
            if lo < hi:
                out[lo - here : hi - here] += u.samples[lo - u.first : hi - u.first]
        return out

    def _noise_block(self, count: int) -> np.ndarray:
        if self._noise is None:
            return np.zeros(count)
        index = (self.position + np.arange(count)) % len(self._noise)
        return self._noise[index]
