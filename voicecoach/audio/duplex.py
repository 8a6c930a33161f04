"""Speaker and microphone on one PortAudio duplex stream (``sounddevice.RawStream``).

Each callback of a duplex stream hands over the block just captured and asks for the block to
play, on one device clock: so every microphone block comes paired with exactly the samples
played in the same callback, and the echo canceller gets its far end sample-aligned, with no
drift between two clocks (FIELD_NOTES: 100 ppm of drift took Speex from 30 dB to 8). The echo
of a block played shows up a fixed delay later in the capture (the device's output plus input
latency, tens of milliseconds: inside the canceller's 200 ms tail).

:func:`open_duplex` opens one where the devices allow it, else raises
:class:`~voicecoach.errors.AudioError` saying why (the caller falls back to two streams:
:func:`voicecoach.audio.devices.microphone_chunks` and :class:`voicecoach.audio.devices.Player`
lined up by timestamps). :class:`Duplex` is the stream; :attr:`Duplex.player` plays clips as
:class:`~voicecoach.audio.devices.Player` does (and cuts them within one block);
:meth:`Duplex.pairs` yields ``(microphone, played)`` blocks of 0.1 s and raises AudioError when
the device goes away.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from voicecoach.audio.devices import (
    NO_AUDIO_TIMEOUT,
    Device,
    _device,
    _device_error,
    check_microphone,
    load_sounddevice,
    wait_idle,
)
from voicecoach.audio.wav import CHUNK_SAMPLES
from voicecoach.errors import AudioError

log = logging.getLogger(__name__)

RATE = 16000
STREAM_BLOCK = 320
"""Frames per callback (20 ms): a stop cuts the voice within one of these."""
PAIR_BLOCKS = CHUNK_SAMPLES // STREAM_BLOCK
"""Callbacks per microphone block handed on (as the two-stream microphone's)."""
_ENDED = object()


@dataclass(frozen=True, slots=True)
class _Clip:
    pcm: bytes
    text: str
    at: float | None
    """When to start (``time.monotonic()``); None: after the clip before it."""


class DuplexPlayer:
    """Plays 16 kHz clips on the duplex stream (the ClipPlayer a VoiceSpeaker needs): queued
    by :meth:`play`, sounded by the stream's callback, cut at once by :meth:`stop`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clips: deque[_Clip] = deque()
        self._current: _Clip | None = None
        self._pos = 0
        self.last_text: str | None = None
        self.ended_at = float("-inf")
        """When the last clip ended or was cut (``time.monotonic()``)."""
        self.started_at = float("-inf")
        """When the clip sounding now (or the last one) began (``time.monotonic()``)."""
        self.error: AudioError | None = None
        self.closed = False
        self.gone = False
        """The stream ended (the device went away): lines are dropped, the session goes on
        typed with printed replies."""

    @property
    def current_text(self) -> str | None:
        clip = self._current
        return clip.text if clip else None

    def play(self, pcm: bytes, rate: int, text: str = "", at: float | None = None) -> None:
        if self.error:
            raise self.error
        if self.closed:
            raise AudioError("the player is closed")
        if self.gone:
            log.debug("not said (the audio device is gone): %s", text)
            return
        if rate != RATE:
            from voicecoach.audio.wav import resample

            pcm = resample(pcm, rate, RATE)
        with self._lock:
            self._clips.append(_Clip(pcm, text, at))

    def stop(self) -> None:
        """Silence from the next block on; everything queued dropped."""
        with self._lock:
            self._clips.clear()
            if self._current is not None:
                self.ended_at = time.monotonic()
            self._current = None

    def busy(self) -> bool:
        with self._lock:
            return self._current is not None or bool(self._clips)

    def wait(self, timeout: float | None = None) -> bool:
        return wait_idle(self.busy, timeout)

    def close(self) -> None:
        self.stop()
        self.closed = True

    def fill(self, size: int, now: float) -> bytes:
        """The next ``size`` bytes to play (silence where nothing is due)."""
        out = bytearray()
        with self._lock:
            while len(out) < size and self._next(now):
                assert self._current is not None
                piece = self._current.pcm[self._pos : self._pos + size - len(out)]
                out += piece
                self._pos += len(piece)
                if self._pos >= len(self._current.pcm):
                    self._current, self.ended_at = None, now
        return bytes(out) + bytes(size - len(out))

    def _next(self, now: float) -> bool:
        """A clip is sounding (the next one started if its time has come)."""
        if self._current is not None:
            return True
        if not self._clips or (self._clips[0].at is not None and self._clips[0].at > now):
            return False
        self._current, self._pos, self.started_at = self._clips.popleft(), 0, now
        self.last_text = self._current.text
        return True


class Duplex:
    """One duplex stream: the player's audio out, the microphone in, paired block by block."""

    def __init__(self, sd: Any, input_device: Device, output_device: Device,
                 no_audio_timeout: float = NO_AUDIO_TIMEOUT) -> None:
        self.player = DuplexPlayer()
        self._sd = sd
        self._timeout = no_audio_timeout
        self._blocks: queue.Queue[object] = queue.Queue(maxsize=1500)
        self._stream = sd.RawStream(
            samplerate=RATE, blocksize=STREAM_BLOCK,
            device=(_device(input_device), _device(output_device)), channels=(1, 1),
            dtype="int16", callback=self._callback,
            finished_callback=lambda: self._blocks.put(_ENDED))
        self._stream.start()

    def _callback(self, indata: Any, outdata: Any, frames: int, time_info: Any,
                  status: Any) -> None:
        if status:
            log.debug("duplex status: %s", status)
        played = self.player.fill(len(outdata), time.monotonic())
        outdata[:] = played
        try:
            self._blocks.put_nowait((bytes(indata), played))
        except queue.Full:
            log.warning("microphone blocks dropped: the recognizer is falling behind")

    def pairs(self, stop: threading.Event | None = None) -> Iterator[tuple[bytes, bytes]]:
        """(microphone, played) blocks of 0.1 s until ``stop`` is set; AudioError when the
        audio dries up or the stream ends by itself (the device went away)."""
        stop = stop or threading.Event()
        mic, ref, count = bytearray(), bytearray(), 0
        for block_in, block_out in self._drain(stop):
            mic += block_in
            ref += block_out
            count += 1
            if count == PAIR_BLOCKS:
                yield bytes(mic), bytes(ref)
                mic, ref, count = bytearray(), bytearray(), 0

    def _drain(self, stop: threading.Event) -> Iterator[tuple[bytes, bytes]]:
        last = time.monotonic()
        while not stop.is_set():
            try:
                block = self._blocks.get(timeout=0.05)
            except queue.Empty:
                if time.monotonic() - last > self._timeout:
                    raise AudioError(f"no audio from the microphone for {self._timeout:g} s: "
                                     "check it is connected, or use --text") from None
                continue
            if block is _ENDED:
                self.player.gone = True
                raise AudioError("the microphone stopped (disconnected?): reconnect it or "
                                 "use --text")
            last = time.monotonic()
            assert isinstance(block, tuple)
            yield block

    def close(self) -> None:
        self.player.close()
        self._stream.abort()
        self._stream.close()


def open_duplex(input_device: Device = None, output_device: Device = None, *, sd: Any = None,
                no_audio_timeout: float = NO_AUDIO_TIMEOUT) -> Duplex:
    """A duplex stream on the two devices, or AudioError saying why there can be none (the
    caller then uses two streams)."""
    sd = sd or load_sounddevice()
    check_microphone(input_device, RATE, sd=sd)
    try:
        sd.check_output_settings(device=_device(output_device), channels=1, dtype="int16",
                                 samplerate=RATE)
    except (ValueError, sd.PortAudioError) as exc:
        raise _device_error(exc, output_device, "output") from exc
    if not hasattr(sd, "RawStream"):
        raise AudioError("this sounddevice has no duplex stream")
    try:
        return Duplex(sd, input_device, output_device, no_audio_timeout)
    except (ValueError, sd.PortAudioError) as exc:
        raise AudioError(f"no duplex stream on these devices: {exc}") from exc
