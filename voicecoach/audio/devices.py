"""Sound in and out: with :mod:`voicecoach.audio.duplex`, the only code that touches sounddevice.

* :func:`list_devices` for ``voicecoach devices``;
* :func:`microphone_chunks` yields 16-bit mono PCM blocks from a microphone and never hangs;
* :class:`Player` plays 16-bit PCM without blocking and stops at once when asked.

Every failure (no PortAudio, no device, a device that vanishes) becomes an
:class:`~voicecoach.errors.AudioError` whose message says what to do. ``sounddevice`` is
imported lazily through :func:`load_sounddevice`; tests pass a fake module as ``sd=``.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.audio.wav import CHUNK_SAMPLES
from voicecoach.errors import AudioError

log = logging.getLogger(__name__)

Device = int | str | None
"""A PortAudio device index, a substring of its name, or None for the default."""

NO_AUDIO_TIMEOUT = 2.0
"""Seconds without a microphone block before the device is taken to be gone."""


def load_sounddevice() -> Any:
    """Import sounddevice, turning a missing package or PortAudio into an AudioError."""
    try:
        import sounddevice  # type: ignore[import-untyped]  # the package has no type hints
    except ImportError as exc:
        raise AudioError("sounddevice is not installed: pip install sounddevice") from exc
    except OSError as exc:  # raised by sounddevice when libportaudio cannot be loaded
        raise AudioError(
            "PortAudio library not found: install libportaudio2 "
            "(Debian/Ubuntu: sudo apt install libportaudio2)"
        ) from exc
    return sounddevice


def _device(device: Device) -> int | str | None:
    """Accept "3" from the command line as device index 3."""
    if isinstance(device, str) and device.strip().isdigit():
        return int(device)
    return device


def _device_error(exc: Exception, device: Device, kind: str) -> AudioError:
    """Turn a sounddevice/PortAudio error into one line saying what to do."""
    text = str(exc)
    device = _device(device)
    fallback = "use --text" if kind == "input" else "use --output text"
    noun = "microphone" if kind == "input" else "speaker"
    if "device -1" in text or (device is None and "querying device" in text):
        problem = f"no {noun} found: connect one or {fallback}"
    elif f"Not an {kind} device" in text:
        problem = f"device {device!r} is not a {noun}: pick one from `voicecoach devices`"
    elif "querying device" in text or "matching" in text:
        problem = f"no {noun} {device!r}: pick one from `voicecoach devices`"
    else:
        problem = f"{noun} error: {text}; check `voicecoach devices` or {fallback}"
    return AudioError(problem)


# ---------------------------------------------------------------- devices


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """One PortAudio device, as ``voicecoach devices`` lists it."""

    index: int
    name: str
    input_channels: int
    output_channels: int
    default_samplerate: float
    default_input: bool
    """The system's default microphone."""
    default_output: bool
    """The system's default speaker."""

    def describe(self) -> str:
        """One line: ``> 3 USB Mic (in 1, out 0, 48000 Hz)`` with ``>``/``<`` for defaults."""
        mark = (">" if self.default_input else " ") + ("<" if self.default_output else " ")
        return (
            f"{mark} {self.index} {self.name} (in {self.input_channels}, "
            f"out {self.output_channels}, {self.default_samplerate:.0f} Hz)"
        )


def list_devices(*, sd: Any = None) -> list[DeviceInfo]:
    """All audio devices PortAudio sees (an empty list on a machine without sound)."""
    sd = sd or load_sounddevice()
    try:
        found = list(sd.query_devices())
        default_in, default_out = (int(i) for i in sd.default.device)
    except Exception as exc:  # any PortAudio failure: report it, never a traceback
        raise AudioError(f"cannot list audio devices: {exc}") from exc
    return [
        DeviceInfo(
            index=int(d.get("index", i)),
            name=str(d["name"]),
            input_channels=int(d["max_input_channels"]),
            output_channels=int(d["max_output_channels"]),
            default_samplerate=float(d["default_samplerate"]),
            default_input=i == default_in,
            default_output=i == default_out,
        )
        for i, d in enumerate(found)
    ]


# ---------------------------------------------------------------- microphone


def check_microphone(device: Device = None, rate: int = 16000, *, sd: Any = None) -> None:
    """Raise AudioError unless ``device`` can record 16-bit mono at ``rate``."""
    sd = sd or load_sounddevice()
    try:
        sd.check_input_settings(device=_device(device), channels=1, dtype="int16", samplerate=rate)
    except (ValueError, sd.PortAudioError) as exc:
        raise _device_error(exc, device, "input") from exc


def microphone_chunks(
    device: Device = None,
    rate: int = 16000,
    block_seconds: float = CHUNK_SAMPLES / 16000,
    stop: threading.Event | None = None,
    *,
    sd: Any = None,
    no_audio_timeout: float = NO_AUDIO_TIMEOUT,
    echo: EchoStage | None = None,
) -> Iterator[bytes]:
    """Yield blocks of 16-bit mono PCM (``rate * block_seconds`` frames each) from a microphone.

    The device is checked now, so a missing microphone raises here, not on the first block.
    Iteration ends when ``stop`` is set; it raises AudioError if no audio arrives for
    ``no_audio_timeout`` seconds or the stream ends by itself (the device vanished).
    ``echo(block, captured_at)`` cleans each block before it is yielded (echo cancellation;
    ``captured_at`` is PortAudio's capture time of its first sample, see :func:`stream_time`).
    """
    sd = sd or load_sounddevice()
    check_microphone(device, rate, sd=sd)
    blocksize = max(1, round(rate * block_seconds))
    stop = stop or threading.Event()
    blocks = _record(sd, _device(device), rate, blocksize, stop, no_audio_timeout)
    return _cleaned(blocks, echo)


def _cleaned(blocks: Iterator[tuple[bytes, float]], echo: EchoStage | None) -> Iterator[bytes]:
    """The blocks, through ``echo`` if given; closing this closes the stream at once."""
    try:
        for block, at in blocks:
            yield block if echo is None else echo(block, at)
    finally:
        blocks.close()  # type: ignore[attr-defined]


EchoStage = Callable[[bytes, float], bytes]
"""Cleans one microphone block given its capture time (see :mod:`voicecoach.audio.echo`)."""


def stream_time(time_info: Any, field: str, fallback: float) -> float:
    """A PortAudio callback time (``inputBufferAdcTime``/``outputBufferDacTime``), on the
    clock all streams of a host API share; ``fallback`` when the host gives none (0)."""
    value = float(getattr(time_info, field, 0.0) or 0.0)
    return value if value > 0 else fallback


_ENDED = object()
"""Put on the queue by the stream's finished callback."""


def _record(
    sd: Any,
    device: int | str | None,
    rate: int,
    blocksize: int,
    stop: threading.Event,
    no_audio_timeout: float,
) -> Iterator[tuple[bytes, float]]:
    blocks: queue.Queue[object] = queue.Queue(maxsize=max(50, int(30 * rate / blocksize)))

    def callback(indata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status:
            log.debug("microphone status: %s", status)
        at = stream_time(time_info, "inputBufferAdcTime", time.monotonic() - frames / rate)
        try:
            blocks.put_nowait((bytes(indata), at))
        except queue.Full:
            log.warning("microphone blocks dropped: the recognizer is falling behind")

    try:
        stream = sd.RawInputStream(
            samplerate=rate,
            blocksize=blocksize,
            device=device,
            channels=1,
            dtype="int16",
            callback=callback,
            finished_callback=lambda: blocks.put(_ENDED),
        )
        stream.start()
    except (ValueError, sd.PortAudioError) as exc:
        raise _device_error(exc, device, "input") from exc
    try:
        yield from _drain(blocks, stop, no_audio_timeout)
    finally:
        stream.abort()
        stream.close()


def _drain(
    blocks: queue.Queue[object], stop: threading.Event, no_audio_timeout: float
) -> Iterator[tuple[bytes, float]]:
    """Yield blocks until ``stop`` is set; raise AudioError when the audio dries up."""
    last = time.monotonic()
    while not stop.is_set():
        try:
            block = blocks.get(timeout=0.05)
        except queue.Empty:
            if time.monotonic() - last > no_audio_timeout:
                raise AudioError(
                    f"no audio from the microphone for {no_audio_timeout:g} s: "
                    "check it is connected, or use --text"
                ) from None
            continue
        if block is _ENDED:
            if stop.is_set():
                return
            raise AudioError("the microphone stopped (disconnected?): reconnect it or use --text")
        last = time.monotonic()
        assert isinstance(block, tuple)
        yield block


# ---------------------------------------------------------------- output


@dataclass(frozen=True, slots=True)
class _Clip:
    pcm: bytes
    rate: int
    text: str
    generation: int
    """The player's generation when queued: :meth:`Player.stop` makes older clips stale."""
    at: float | None = None
    """When to start it (``time.monotonic()``); None: as soon as the clip before it ends."""


class Player:
    """Plays 16-bit mono PCM clips one after another on a worker thread.

    :meth:`play` queues a clip and returns at once; :meth:`stop` silences the current clip
    within one audio block and drops the queue; :attr:`current_text` says what is playing,
    so the session can ignore the coach's own voice in the microphone.
    """

    def __init__(
        self,
        device: Device = None,
        *,
        sd: Any = None,
        block_seconds: float = 0.02,
        tap: Tap | None = None,
    ):
        self._sd = sd or load_sounddevice()
        self.tap = tap
        """Told every block of 16 kHz audio played, with when it sounds (an echo reference)."""
        self._device = _device(device)
        self._block_seconds = block_seconds
        self._check(rate=None)
        self._queue: queue.Queue[_Clip | None] = queue.Queue()
        self._lock = threading.Lock()
        self._pending = 0
        self._generation = 0
        self._wake = threading.Event()
        self._current: _Clip | None = None
        self.last_text: str | None = None
        """The text of the clip played most recently (or playing now)."""
        self.ended_at = float("-inf")
        """When the last clip played ended or was cut (``time.monotonic()``)."""
        self.started_at = float("-inf")
        """When the clip playing now (or the last one) began (``time.monotonic()``)."""
        self.error: AudioError | None = None
        """The output failure that stopped playback, if any; :meth:`play` raises it."""
        self._thread = threading.Thread(target=self._run, name="voicecoach-player", daemon=True)
        self._thread.start()

    @property
    def current_text(self) -> str | None:
        """The text of the clip playing now, or None when silent."""
        clip = self._current
        return clip.text if clip else None

    def busy(self) -> bool:
        """True while a clip plays or waits in the queue."""
        with self._lock:
            return self._pending > 0

    def play(self, pcm: bytes, rate: int, text: str = "", at: float | None = None) -> None:
        """Queue a clip of 16-bit mono PCM at ``rate`` Hz, to start at ``at`` (monotonic
        clock; None or past: once the clip before it ends); returns at once."""
        if self.error:
            raise self.error
        if not self._thread.is_alive():
            raise AudioError("the player is closed")
        with self._lock:
            self._pending += 1
            self._queue.put(_Clip(pcm, rate, text, self._generation, at))

    def play_wav(self, path: str | Path, text: str = "") -> None:
        """Queue a WAV file (played at its own rate; stereo is mixed down)."""
        from voicecoach.audio.wav import read_pcm

        self.play(*read_pcm(path), text=text)

    def stop(self) -> None:
        """Silence the current clip at once and drop the queued ones; then not busy."""
        with self._lock:
            self._generation += 1
            closing = False
            while True:
                try:
                    clip = self._queue.get_nowait()
                except queue.Empty:
                    break
                closing = closing or clip is None
                self._pending -= clip is not None
            if closing:
                self._queue.put(None)
            self._wake.set()
        if threading.current_thread() is not self._thread:
            self.wait(timeout=0.5)  # the worker aborts the stream within a block or so

    def wait(self, timeout: float | None = None) -> bool:
        """Block until everything queued has played; False if ``timeout`` ran out first."""
        return wait_idle(self.busy, timeout)

    def close(self) -> None:
        """Stop playing and end the worker thread."""
        self.stop()
        self._queue.put(None)
        self._thread.join(timeout=2.0)

    # -- worker thread

    def _stale(self, clip: _Clip) -> bool:
        return clip.generation != self._generation

    def _check(self, rate: int | None) -> None:
        sd = self._sd
        try:
            sd.check_output_settings(
                device=self._device, channels=1, dtype="int16", samplerate=rate
            )
        except (ValueError, sd.PortAudioError) as exc:
            raise _device_error(exc, self._device, "output") from exc

    def _run(self) -> None:
        while (clip := self._queue.get()) is not None:
            self._wake.clear()
            try:
                self._wait_for(clip)
                if not self._stale(clip):
                    self._current, self.started_at = clip, time.monotonic()
                    self.last_text = clip.text
                    self._play_one(clip)
                    self.ended_at = time.monotonic()
            except AudioError as exc:
                log.warning("%s", exc)
                self.error = exc
                self.stop()
            finally:
                self._current = None
                with self._lock:
                    self._pending -= 1

    def _wait_for(self, clip: _Clip) -> None:
        """Wait until the clip's start time; :meth:`stop` ends the wait at once."""
        if clip.at is not None:
            self._wake.wait(max(0.0, clip.at - time.monotonic()))

    def _play_one(self, clip: _Clip) -> None:
        sd = self._sd
        pcm, rate = self._playable(clip)
        done = threading.Event()
        tap = self.tap if rate == TAP_RATE else None
        feed = _Feed(pcm, lambda: self._stale(clip), sd, tap, rate)

        def finished() -> None:
            done.set()
            self._wake.set()

        try:
            stream = sd.RawOutputStream(
                samplerate=rate,
                blocksize=max(1, round(rate * self._block_seconds)),
                device=self._device,
                channels=1,
                dtype="int16",
                callback=feed.callback,
                finished_callback=finished,
            )
            stream.start()
        except (ValueError, sd.PortAudioError) as exc:
            raise _device_error(exc, self._device, "output") from exc
        try:
            self._wake.wait(timeout=len(pcm) / 2 / rate + 2.0)
            if not done.is_set() and not self._stale(clip):
                raise AudioError("the speaker stopped responding: use --output text")
        finally:
            stream.abort()
            stream.close()

    def _playable(self, clip: _Clip) -> tuple[bytes, int]:
        """The clip at a rate the device takes (its default rate when it refuses the clip's)."""
        try:
            self._check(clip.rate)
            return clip.pcm, clip.rate
        except AudioError:
            pass
        try:
            info = self._sd.query_devices(self._device, "output")
        except (ValueError, self._sd.PortAudioError) as exc:
            raise _device_error(exc, self._device, "output") from exc
        new_rate = int(info["default_samplerate"])
        log.debug("speaker refuses %d Hz: resampling to %d Hz", clip.rate, new_rate)
        from voicecoach.audio.wav import resample

        return resample(clip.pcm, clip.rate, new_rate), new_rate


def wait_idle(busy: Callable[[], bool], timeout: float | None = None) -> bool:
    """Block until ``busy()`` is false; False if ``timeout`` seconds ran out first."""
    end = None if timeout is None else time.monotonic() + timeout
    while busy():
        if end is not None and time.monotonic() > end:
            return False
        time.sleep(0.01)
    return True


Tap = Callable[[bytes, float], None]
"""Called with each block played (16 kHz int16) and when it sounds, on the stream clock."""
TAP_RATE = 16000
"""Only clips played at this rate are tapped (the microphone's rate: the echo reference)."""


class _Feed:
    """The output callback: copies the clip block by block, aborts once the clip is stale."""

    def __init__(
        self, pcm: bytes, stale: Callable[[], bool], sd: Any, tap: Tap | None, rate: int
    ) -> None:
        self._pcm = pcm
        self._pos = 0
        self._stale = stale
        self._sd = sd
        self._tap = tap
        self._rate = rate

    def callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status:
            log.debug("speaker status: %s", status)
        size = len(outdata)
        if self._stale():
            outdata[:] = bytes(size)
            raise self._sd.CallbackAbort
        chunk = self._pcm[self._pos : self._pos + size]
        self._pos += size
        outdata[:] = chunk + bytes(size - len(chunk))
        if self._tap is not None and chunk:
            self._tap(chunk, stream_time(time_info, "outputBufferDacTime", time.monotonic()))
        if len(chunk) < size:
            raise self._sd.CallbackStop
