"""``voicecoach doctor``: can a spoken session run here? One check per part, each with its fix.

Checks: the config, the microphone (present, and its level while the user says something:
too quiet or clipping), the speaker (plays a short line), the audio path (one duplex stream,
or two streams as the fallback), the recognizer engine and model,
the speech engine and voice, and the history database. A spoken session can run when every
``required`` check passes; the history is not required (a session runs without it).
"""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voicecoach.app.settings import RunSettings
from voicecoach.errors import VoiceCoachError

log = logging.getLogger(__name__)

RATE = 16000
QUIET_DBFS = -40.0
"""Loudest 100 ms of speech below this: too quiet for the recognizers."""
CLIP_LEVEL = 32000
CLIP_SHARE = 0.001
"""More than this share of samples at full scale: clipping."""

FIX_MIC = ("connect a microphone, then pick it: `voicecoach devices`, `--device N` or "
           "`voicecoach config set input_device N` (Debian: sudo apt-get install libportaudio2)")
FIX_QUIET = ("raise the microphone's input level (alsamixer or pavucontrol), move closer, "
             "or pick another microphone with --device")
FIX_CLIP = "lower the microphone's input level (alsamixer or pavucontrol), or step back a little"
FIX_SPEAKER = ("connect a speaker, then pick it: `voicecoach devices`, `--output-device N` or "
               "`voicecoach config set output_device N`")
FIX_TTS = "sudo apt-get install espeak-ng (and: pip install pyttsx3)"
FIX_RECOGNIZER = ("reinstall voicecoach (pip install .: it brings Whisper tiny.en), or use "
                  "--engine pocketsphinx, or install a vosk model: "
                  "voicecoach models download small-en-us")


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the doctor's report."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    """What to do about a failure ("" when ok)."""
    required: bool = True
    """Whether a spoken session needs it."""

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Report:
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        """A spoken session can run."""
        return all(c.ok for c in self.checks if c.required)

    def as_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [c.as_json() for c in self.checks]}


@dataclass(frozen=True, slots=True)
class Level:
    """How loud a recording is."""

    loudest_dbfs: float
    """The loudest 100 ms, in dB below full scale."""
    clipped: float
    """Share of samples at (or next to) full scale."""

    @classmethod
    def of(cls, pcm: bytes) -> Level:
        samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
        if not samples.size:
            return cls(-120.0, 0.0)
        window = RATE // 10
        usable = samples[: max(window, samples.size - samples.size % window)]
        blocks = usable.reshape(-1, min(window, usable.size))
        rms = np.sqrt(np.mean(blocks**2, axis=1)).max()
        loudest = 20 * np.log10(max(rms, 1.0) / 32768)
        return cls(round(float(loudest), 1), float(np.mean(np.abs(samples) >= CLIP_LEVEL)))

    def check(self) -> Check:
        detail = f"loudest {self.loudest_dbfs:.0f} dBFS, {100 * self.clipped:.2f} % clipped"
        if self.clipped > CLIP_SHARE:
            return Check("microphone", False, f"clipping ({detail})", FIX_CLIP)
        if self.loudest_dbfs < QUIET_DBFS:
            return Check("microphone", False, f"too quiet ({detail}; did you speak?)", FIX_QUIET)
        return Check("microphone", True, f"heard you ({detail})")


# -- the checks ----------------------------------------------------------------------------


def config_check(problem: str | None, path: Path) -> Check:
    if problem:
        return Check("config", False, problem, f"fix or remove that line of {path}, or run "
                     "`voicecoach config set KEY VALUE`")
    where = path if path.exists() else f"{path} (absent: defaults)"
    return Check("config", True, f"{where}")


def microphone_check(device: str | None, seconds: float, prompt: Callable[[str], None],
                     sd: Any = None) -> Check:
    from voicecoach.audio.devices import microphone_chunks

    stop = threading.Event()
    try:
        chunks = microphone_chunks(device, RATE, stop=stop, sd=sd)
        prompt(f"say something for {seconds:g} seconds, e.g. \"start back twist\"...")
        pcm = _take(chunks, int(seconds * RATE * 2), stop)
    except VoiceCoachError as err:
        return Check("microphone", False, str(err), FIX_MIC)
    return Level.of(pcm).check()


def _take(chunks: Iterator[bytes], size: int, stop: threading.Event) -> bytes:
    got = bytearray()
    try:
        for chunk in chunks:
            got += chunk
            if len(got) >= size:
                break
    finally:
        stop.set()
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return bytes(got)


def speaker_check(settings: RunSettings, say: Any = None) -> Check:
    """Play a short line; ``say`` (a Speaker) is for tests."""
    line = "Hello, this is your Back Twist coach."
    try:
        speaker = say or _open_voice(settings)
    except VoiceCoachError as err:
        return Check("speaker", False, str(err), FIX_SPEAKER)
    try:
        speaker.say(line)
        end = time.monotonic() + 8.0
        while speaker.busy() and time.monotonic() < end:
            time.sleep(0.05)
    except VoiceCoachError as err:
        return Check("speaker", False, str(err), FIX_SPEAKER)
    finally:
        speaker.close()
    where = settings.output_device or "the default output"
    return Check("speaker", True, f"played \"{line}\" on {where} (heard nothing? check the volume)")


def _open_voice(settings: RunSettings) -> Any:
    from voicecoach.speech.tts import open_voice

    return open_voice(settings.output_device, settings.voice, settings.rate,
                      volume=settings.volume)


def audio_path_check(settings: RunSettings, sd: Any = None) -> Check:
    """Which audio path a spoken session runs: one duplex stream (speaker and microphone on
    one device clock, the echo reference sample-aligned) or, where the devices cannot do both
    at once, two streams lined up by timestamps. Either works: not required."""
    from voicecoach.audio.duplex import open_duplex

    try:
        open_duplex(settings.device, settings.output_device, sd=sd).close()
    except VoiceCoachError as err:
        return Check("audio path", True, f"two streams, the echo reference lined up by "
                     f"timestamps (no duplex stream: {err})", required=False)
    return Check("audio path", True, "one duplex stream: speaker and microphone on one clock, "
                 "the echo reference sample-aligned", required=False)


def speech_engine_check(settings: RunSettings) -> Check:
    from voicecoach.speech.tts import render_wav

    voice = settings.voice or "the default voice"
    try:
        with tempfile.TemporaryDirectory(prefix="voicecoach-doctor-") as tmp:
            render_wav("Ready.", Path(tmp) / "probe.wav", settings.voice, settings.rate)
    except VoiceCoachError as err:
        fix = FIX_TTS if "unknown voice" not in str(err) else (
            "pick a voice from `espeak-ng --voices`: voicecoach config set voice en-us")
        return Check("speech engine", False, str(err), fix)
    return Check("speech engine", True, f"espeak-ng speaks with {voice}")


def recognizer_check(settings: RunSettings) -> Check:
    from voicecoach.speech.asr.engines import choose_engine, start_engine

    try:
        recognizer, ran = start_engine(
            choose_engine(settings.engine.engine, settings.engine.model))
    except VoiceCoachError as err:
        return Check("recognizer", False, str(err), FIX_RECOGNIZER)
    vad = getattr(recognizer, "vad", "")
    return Check("recognizer", True, f"{ran.reason}; voice activity: {vad}" if vad else ran.reason)


def history_check(path: str | None) -> Check:
    from voicecoach.app.history import SqliteHistory

    if path is None:
        return Check("history", True, "off (--no-history)", required=False)
    fix = f"move the file aside (mv {path} {path}.old) or run with --no-history"
    try:
        store = SqliteHistory(path)
    except VoiceCoachError as err:
        return Check("history", False, str(err), fix, required=False)
    try:
        found, count = store.integrity(), len(store.sessions())
    finally:
        store.close()
    if found != "ok":
        return Check("history", False, f"{path}: {found}", fix, required=False)
    return Check("history", True, f"{path}: {count} sessions, integrity ok", required=False)


def diagnose(settings: RunSettings, config_problem: str | None, config_path: Path,
             prompt: Callable[[str], None], listen_seconds: float = 3.0,
             sd: Any = None) -> Report:
    """Run every check in turn (a few seconds: most of it listening)."""
    return Report((
        config_check(config_problem, config_path),
        microphone_check(settings.device, listen_seconds, prompt, sd),
        speaker_check(settings),
        audio_path_check(settings, sd),
        recognizer_check(settings),
        speech_engine_check(settings),
        history_check(settings.history),
    ))
