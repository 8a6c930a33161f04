"""Speech out: the Speaker protocol, a printed-text speaker and a voice through the speaker.

:class:`LineAudio` renders the coach's lines once, as 16 kHz samples (the rate the microphone
path and the echo canceller work at, so the samples played are the echo reference), and
gives their durations: what the coach's timeline uses (``Coach(durations=...)``), so that it
counts, waits and reprompts in step with the audio the user hears.

Speech is rendered to a WAV with pyttsx3 (espeak-ng on Linux; the ``espeak-ng`` command
when pyttsx3 fails) and played through :class:`voicecoach.audio.devices.Player`, never through
pyttsx3's own playback: that blocks on ``aplay`` and cannot be interrupted, and
re-entering its run loop raises "run loop already started".
"""

from __future__ import annotations

import atexit
import gc
import logging
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from array import array
from collections import OrderedDict
from pathlib import Path
from typing import Any, Protocol, TextIO

from voicecoach.audio.devices import Device, Player
from voicecoach.audio.echo import PlaybackTap
from voicecoach.audio.wav import read_pcm, read_pcm16k
from voicecoach.errors import AudioError

log = logging.getLogger(__name__)

DEFAULT_RATE = 175
"""Words per minute when no rate is given (espeak's own default)."""

LINE_RATE = 16000
"""Lines are played at the microphone's rate, so the samples played are the echo reference."""

RENDER_TIMEOUT = 5.0
"""Seconds one line may take to render before the engine is taken to be hung."""


class Speaker(Protocol):
    """What the session speaks through."""

    def say(self, text: str) -> None:
        """Start saying ``text`` after anything already queued; returns at once."""

    def stop(self) -> None:
        """Fall silent at once and forget queued lines."""

    def busy(self) -> bool:
        """True while a line is being said or waits to be said."""

    def now_saying(self, tail: float = 0.0) -> str | None:
        """The line being said now, or the last one if it ended less than ``tail`` seconds
        ago (for echo suppression), or None."""

    def close(self) -> None:
        """Stop and release the audio device."""


class ClipPlayer(Protocol):
    """The part of :class:`voicecoach.audio.devices.Player` a VoiceSpeaker uses."""

    @property
    def current_text(self) -> str | None: ...

    last_text: str | None
    ended_at: float
    """When the last clip ended or was cut (``time.monotonic()``)."""
    started_at: float
    """When the clip playing now (or the last one) began (``time.monotonic()``)."""

    def play(self, pcm: bytes, rate: int, text: str = "", at: float | None = None) -> None: ...

    def stop(self) -> None: ...

    def busy(self) -> bool: ...

    def close(self) -> None: ...


class TextSpeaker:
    """Writes each line to a text stream (stdout by default), e.g. ``coach: Twist right.``"""

    def __init__(self, stream: TextIO | None = None, prefix: str = "coach: ") -> None:
        self._stream = stream
        self._prefix = prefix

    def say(self, text: str) -> None:
        stream = self._stream or sys.stdout
        stream.write(f"{self._prefix}{text}\n")
        stream.flush()

    def stop(self) -> None:
        """Nothing to stop: printing is instant."""

    def busy(self) -> bool:
        return False

    def now_saying(self, tail: float = 0.0) -> str | None:
        return None

    def close(self) -> None:
        """Nothing to release."""


# ---------------------------------------------------------------- rendering


def _speakable(text: str) -> str:
    """The text with surrounding blanks removed; AudioError if nothing is left to say.

    pyttsx3's espeak driver loops forever on an empty text, so this guard matters.
    """
    cleaned = " ".join(text.split())
    if not cleaned:
        raise AudioError("nothing to say: the text is empty")
    return cleaned


class _UnknownVoice(AudioError):
    """The voice asked for is not installed (no point trying the espeak-ng command)."""


class _Pyttsx3:
    """One pyttsx3 engine for the process, used by one render at a time under a timeout."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._engine: Any = None
        self._defaults: dict[str, Any] = {}
        self._voices: dict[str, str] = {}
        self._settings: dict[str, Any] = {}
        self.broken: str | None = None
        """Why the engine is no longer used (it failed to load or hung), if it isn't."""

    def render(
        self, text: str, path: Path, voice: str | None, rate: int | None, timeout: float
    ) -> None:
        with self._lock:
            if self.broken:
                raise AudioError(self.broken)
            errors: list[Exception] = []
            worker = threading.Thread(
                target=self._render,
                args=(text, path, voice, rate, errors),
                name="voicecoach-tts",
                daemon=True,
            )
            worker.start()
            worker.join(timeout)
            if worker.is_alive():
                self.broken = f"pyttsx3 hung for more than {timeout:g} s"
                raise AudioError(self.broken)
            if errors and isinstance(errors[0], _UnknownVoice):
                raise errors[0]
            if errors:
                raise AudioError(f"pyttsx3 failed: {errors[0]}") from errors[0]

    def _render(
        self, text: str, path: Path, voice: str | None, rate: int | None, errors: list[Exception]
    ) -> None:
        try:
            engine = self._load()
            self._configure(
                self._voice_id(voice) if voice else self._defaults["voice"],
                rate or self._defaults["rate"],
            )
            engine.save_to_file(text, str(path))
            engine.runAndWait()
            _espeak_idle()
        except Exception as exc:  # pyttsx3 and its drivers raise anything; fall back on all
            errors.append(exc)

    def _configure(self, voice: str, rate: int) -> None:
        """Set voice and rate when they change, then let espeak apply them.

        In pyttsx3's mode espeak applies settings on its own thread, and every
        ``runAndWait`` cancels what espeak has not done yet: a rate set just before it is
        lost at random (measured: 1 render in 3 when alternating rates). Waiting until
        espeak is idle first makes it reliable (0 in 120).
        """
        wanted = {"voice": voice, "rate": rate}
        changed = {k: v for k, v in wanted.items() if self._settings.get(k) != v}
        for name, value in changed.items():
            self._engine.setProperty(name, value)
        if changed:
            self._settings = wanted
            _espeak_idle()

    def _release(self) -> None:
        """Drop the engine while the interpreter is whole: pyttsx3's ``__del__`` breaks
        ("'NoneType' object has no attribute 'suppress'") if it runs during shutdown."""
        self._engine = None
        gc.collect()

    def _voice_id(self, voice: str) -> str:
        """The id of ``voice``, keeping an espeak variant: ``en-gb+f3`` -> ``gmw/en+f3``."""
        name, plus, variant = voice.partition("+")
        if name.lower() not in self._voices:
            raise _UnknownVoice(f"unknown voice {voice!r}: see `espeak-ng --voices`")
        return self._voices[name.lower()] + plus + variant

    def _load(self) -> Any:
        if self._engine is None:
            try:
                import pyttsx3  # type: ignore[import-untyped]  # the package has no type hints
            except ImportError as exc:
                self.broken = "pyttsx3 is not installed: pip install pyttsx3"
                raise AudioError(self.broken) from exc
            try:
                self._engine = pyttsx3.init()
            except Exception as exc:  # a missing libespeak-ng1 shows as OSError/RuntimeError
                self.broken = f"pyttsx3 cannot start ({exc}): install espeak-ng / libespeak-ng1"
                raise AudioError(self.broken) from exc
            atexit.register(self._release)
            self._defaults = {"voice": self._engine.getProperty("voice"), "rate": DEFAULT_RATE}
            self._voices = _voice_ids(self._engine)
            _quiet_espeak_driver()
            _bound_espeak_synth()
            _warm_up(self._engine)
        return self._engine


def _voice_ids(engine: Any) -> dict[str, str]:
    """Voice id by every lower-case name it answers to: ``gmw/en``, ``en``, ``en-gb``,
    ``english (great britain)`` (espeak's SetVoiceByName ignores some of these silently)."""
    ids: dict[str, str] = {}
    for voice in engine.getProperty("voices"):
        names = [voice.id, voice.id.rsplit("/", 1)[-1], voice.name, *(voice.languages or [])]
        ids.update({str(name).lower(): voice.id for name in names})
    return ids


def _espeak_idle(timeout: float = 1.0) -> None:
    """Wait (at most ``timeout``) until espeak's own thread has nothing left to do."""
    espeak = sys.modules.get("pyttsx3.drivers._espeak")
    end = time.monotonic() + timeout
    while espeak is not None and espeak.IsPlaying() and time.monotonic() < end:
        time.sleep(0.001)


def _warm_up(engine: Any) -> None:
    """One throw-away render: the first ``runAndWait`` runs queued commands and may cancel
    the driver's own start-up settings; afterwards commands run at once."""
    _espeak_idle()
    with tempfile.TemporaryDirectory(prefix="voicecoach-tts-") as tmp:
        engine.save_to_file("ready", str(Path(tmp) / "warm-up.wav"))
        engine.runAndWait()
    _espeak_idle()


def _quiet_espeak_driver() -> None:
    """pyttsx3's espeak driver prints "Audio saved to ..." to stdout, which would corrupt
    ``--json`` output: shadow ``print`` in that module only (not sys.stdout: other threads
    write there)."""
    driver = sys.modules.get("pyttsx3.drivers.espeak")
    if driver is not None:
        driver.print = _log_print  # type: ignore[attr-defined]


def _bound_espeak_synth() -> None:
    """pyttsx3 tells espeak a text is ten times its length, and espeak copies that many bytes:
    a read past the text that kills the process (SIGSEGV) when it reaches unmapped memory (a
    30 KB text always; a short line once in many CI runs). Give espeak the real size."""
    espeak = sys.modules.get("pyttsx3.drivers._espeak")
    if espeak is None or not hasattr(espeak, "cSynth"):
        log.warning("pyttsx3's espeak binding changed: its Synth is left as it is")
        return
    espeak.Synth = _in_bounds_synth(espeak)


def _in_bounds_synth(espeak: Any) -> Any:
    """``espeak.Synth`` with the size of the text (and its closing NUL) passed to espeak."""

    def synth(text: str | bytes, position: int = 0, position_type: int = espeak.POS_CHARACTER,
              end_position: int = 0, flags: int = 0, user_data: Any = None) -> int:
        data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
        return espeak.cSynth(data, len(data) + 1, position, position_type, end_position,
                             flags, None, user_data)

    return synth


def _log_print(*args: object, **kwargs: object) -> None:
    log.debug("pyttsx3: %s", " ".join(map(str, args)))


_ENGINE = _Pyttsx3()


def _espeak_ng(text: str, path: Path, voice: str | None, rate: int | None, timeout: float) -> None:
    """Render with the ``espeak-ng`` command (text on stdin, so no option injection)."""
    command = ["espeak-ng", "--stdin", "-w", str(path)]
    command += ["-v", voice] if voice else []
    command += ["-s", str(rate)] if rate else []
    try:
        done = subprocess.run(
            command, input=text, capture_output=True, text=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise AudioError("espeak-ng not found: install espeak-ng") from exc
    except subprocess.TimeoutExpired as exc:
        raise AudioError(f"espeak-ng hung for more than {timeout:g} s") from exc
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        raise AudioError(f"espeak-ng failed: {lines[-1]}")


def render_wav(
    text: str,
    path: str | Path,
    voice: str | None = None,
    rate: int | None = None,
    *,
    timeout: float = RENDER_TIMEOUT,
) -> Path:
    """Render ``text`` as speech into a 16-bit mono WAV at ``path`` and return the path.

    ``voice`` is an espeak-ng voice name (``en-us``), ``rate`` words per minute. Uses
    pyttsx3, else the ``espeak-ng`` command; raises AudioError when both fail.
    """
    text = _speakable(text)
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="voicecoach-tts-") as tmp:
        out = Path(tmp) / "speech.wav"  # a writable place: pyttsx3 hangs on a bad path
        try:
            _ENGINE.render(text, out, voice, rate, timeout)
            _check_wav(out)
        except _UnknownVoice:
            raise
        except AudioError as first:
            log.info("%s; trying the espeak-ng command", first)
            try:
                _espeak_ng(text, out, voice, rate, timeout)
                _check_wav(out)
            except AudioError as second:
                raise AudioError(f"cannot synthesize speech: {first}; {second}") from second
        try:
            shutil.move(out, path)
        except OSError as exc:
            raise AudioError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return path


def _check_wav(path: Path) -> None:
    pcm, _ = read_pcm(path)
    if not pcm:
        raise AudioError(f"the speech engine wrote an empty WAV ({path.name})")


def probe_speech_engine() -> str | None:
    """None if speech can be synthesized here, else a one-line reason."""
    try:
        with tempfile.TemporaryDirectory(prefix="voicecoach-probe-") as tmp:
            pcm, _ = read_pcm(render_wav("Ready.", Path(tmp) / "probe.wav"))
    except AudioError as exc:
        return str(exc)
    if max(map(abs, array("h", pcm)), default=0) < 100:
        return "the speech engine produced silence"
    return None


# ---------------------------------------------------------------- rendered lines


class LineAudio:
    """Rendered lines by text (at most ``cache_size`` kept), for one voice and speech rate."""

    def __init__(
        self, voice: str | None = None, rate: int | None = None, cache_size: int = 512
    ) -> None:
        self.voice = voice
        self.rate = rate
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._cache_size = cache_size
        self.renders = 0
        """How many lines were actually rendered (not taken from the cache)."""

    def pcm(self, text: str) -> bytes:
        """``text`` spoken, as 16 kHz mono int16; AudioError if speech cannot be rendered."""
        text = " ".join(text.split())
        if text in self._cache:
            self._cache.move_to_end(text)
            return self._cache[text]
        clip = self._render(text)
        self._cache[text] = clip
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return clip

    def duration(self, text: str) -> float:
        """Seconds ``text`` takes when spoken (rendered, so exact)."""
        return len(self.pcm(text)) / (2 * LINE_RATE)

    def _render(self, text: str) -> bytes:
        with tempfile.TemporaryDirectory(prefix="voicecoach-line-") as tmp:
            path = render_wav(text, Path(tmp) / "line.wav", self.voice, self.rate)
            self.renders += 1
            return trim_tail(read_pcm16k(path))


TAIL_KEPT = 0.08
"""Seconds of the synthesizer's trailing silence kept after a line's last sound."""


def trim_tail(pcm: bytes, floor: int = 64) -> bytes:
    """``pcm`` without the silence a synthesizer leaves after the last word (espeak-ng adds
    about 0.3 s): the coach's timeline then ends each line when its sound ends."""
    import numpy as np

    samples = np.frombuffer(pcm, dtype="<i2")
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > floor)
    if loud.size == 0:
        return pcm
    end = min(len(samples), int(loud[-1]) + 1 + int(TAIL_KEPT * LINE_RATE))
    return samples[:end].tobytes()


# ---------------------------------------------------------------- voice


class VoiceSpeaker:
    """Says lines aloud: renders each (cached by text, 16 kHz) and plays it through a Player.

    ``say`` returns after rendering (milliseconds), not after the audio; ``stop`` cuts
    the voice off at once. :meth:`duration` is the rendered length of a line (what the coach's
    timeline uses). ``tap``, when given, is the player's record of what it played: the echo
    canceller's reference. The speaker owns the player and closes it.
    """

    def __init__(
        self,
        player: ClipPlayer,
        voice: str | None = None,
        rate: int | None = None,
        cache_size: int = 256,
        tap: PlaybackTap | None = None,
        volume: float = 1.0,
    ) -> None:
        self._player = player
        self._lines = LineAudio(voice, rate, cache_size)
        self.tap = tap
        self._volume = volume

    def say(self, text: str, at: float | None = None) -> None:
        """Say ``text`` at ``at`` (``time.monotonic()``; None: after what is queued)."""
        text = " ".join(text.split())
        if text:
            self._player.play(scaled(self._lines.pcm(text), self._volume), LINE_RATE, text, at)

    def duration(self, text: str) -> float:
        """Seconds ``text`` takes to say (rendered now if it was not yet)."""
        return self._lines.duration(text)

    def stop(self) -> None:
        self._player.stop()

    def busy(self) -> bool:
        return self._player.busy()

    def now_saying(self, tail: float = 0.0) -> str | None:
        player = self._player
        if player.current_text is None and time.monotonic() - player.ended_at < tail:
            return player.last_text
        return player.current_text

    def line_began(self) -> float:
        """When the line being said (or the last one) began sounding (``time.monotonic()``)."""
        return self._player.started_at

    def close(self) -> None:
        self._player.stop()
        self._player.close()


def scaled(pcm: bytes, volume: float) -> bytes:
    """16-bit PCM at ``volume`` (0..1) of its level."""
    if volume >= 1.0:
        return pcm
    samples = array("h", pcm)
    return array("h", (int(s * volume) for s in samples)).tobytes()


def open_voice(
    device: Device = None, voice: str | None = None, rate: int | None = None,
    volume: float = 1.0, player: ClipPlayer | None = None,
) -> VoiceSpeaker:
    """A VoiceSpeaker on ``device`` (or on ``player``: a duplex stream's); AudioError (one
    line: why) when speech can't work here."""
    reason = probe_speech_engine()
    if reason:
        raise AudioError(f"no speech output ({reason}): replies will be printed")
    if player is not None:  # the duplex stream pairs what it plays with the microphone itself
        return VoiceSpeaker(player, voice=voice, rate=rate, volume=volume)
    tap = PlaybackTap()
    return VoiceSpeaker(Player(device, tap=tap.played), voice=voice, rate=rate, tap=tap,
                        volume=volume)
