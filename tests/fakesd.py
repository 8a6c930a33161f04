"""A hand-written fake of the ``sounddevice`` module: a microphone that plays a recording,
a speaker that records what it is given. Used by test_audio and test_speech."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any


class FakePortAudioError(Exception):
    pass


class FakeCallbackStop(Exception):
    pass


class FakeCallbackAbort(Exception):
    pass


class FakeStream:
    """Calls ``callback`` from a thread, one block at a time, ``speed`` times real time."""

    def __init__(
        self,
        sd: FakeSoundDevice,
        samplerate: float,
        blocksize: int,
        callback: Callable[..., None],
        finished_callback: Callable[[], None],
        **settings: Any,
    ) -> None:
        self.sd = sd
        self.rate = samplerate
        self.blocksize = blocksize
        self.callback = callback
        self.finished_callback = finished_callback
        self.settings = settings
        self.closed = False
        self.kind = "input" if isinstance(self, FakeInputStream) else "output"
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        sd.streams.append(self)

    def start(self) -> None:
        self._thread.start()

    def abort(self) -> None:
        self._halt.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(2.0)

    def close(self) -> None:
        self.abort()
        self.closed = True

    def _pause(self) -> None:
        self._halt.wait(self.blocksize / self.rate / self.sd.speed)

    def _time(self) -> SimpleNamespace:
        """PortAudio's callback times from the device's clock for this direction, which
        advances one block per callback (so tests can line up microphone and speaker)."""
        at = self.sd.clock[self.kind]
        self.sd.clock[self.kind] = at + self.blocksize / self.rate
        return SimpleNamespace(inputBufferAdcTime=at, outputBufferDacTime=at, currentTime=at)

    def _run(self) -> None:
        raise NotImplementedError


class FakeInputStream(FakeStream):
    """Feeds the WAV, then does what ``sd.after_input`` says: silence, stall or end."""

    def _run(self) -> None:
        pcm, size = self.sd.input_pcm, self.blocksize * 2
        for start in range(0, len(pcm), size):
            if self._halt.is_set():
                return
            block = pcm[start : start + size]
            self.callback(memoryview(block + bytes(size - len(block))), self.blocksize,
                          self._time(), None)
            self._pause()
        if self.sd.after_input == "end":
            self.finished_callback()
            return
        while not self._halt.is_set():
            if self.sd.after_input == "silence":
                self.callback(memoryview(bytes(size)), self.blocksize, self._time(), None)
            self._pause()


class FakeOutputStream(FakeStream):
    """Collects what the callback writes into ``sd.played``."""

    def _run(self) -> None:
        while not self._halt.is_set():
            out = memoryview(bytearray(self.blocksize * 2))
            try:
                self.callback(out, self.blocksize, self._time(), None)
            except FakeCallbackStop:
                self.sd.played += bytes(out)
                break
            except FakeCallbackAbort:
                break
            self.sd.played += bytes(out)
            self._pause()
        self.finished_callback()


class FakeDuplexStream(FakeStream):
    """One stream both ways: each callback gets the next block of the WAV (plus the echo of
    what was played ``sd.echo_blocks`` callbacks earlier, times ``sd.echo_gain``) and fills
    a block to play, collected into ``sd.played``; after the WAV, ``sd.after_input``."""

    def _run(self) -> None:
        pcm, size = self.sd.input_pcm, self.blocksize * 2
        sent: list[bytes] = []
        for start in range(0, 10**12, size):
            if self._halt.is_set():
                return
            block = pcm[start : start + size]
            if start >= len(pcm):
                if self.sd.after_input == "end":
                    self.finished_callback()
                    return
                if self.sd.after_input == "stall":
                    self._pause()
                    continue
            block = self._echoed(block + bytes(size - len(block)), sent)
            out = memoryview(bytearray(size))
            self.callback(memoryview(block), out, self.blocksize, self._time(), None)
            sent.append(bytes(out))
            self.sd.played += bytes(out)
            self._pause()

    def _echoed(self, block: bytes, sent: list[bytes]) -> bytes:
        delay = self.sd.echo_blocks
        if not self.sd.echo_gain or len(sent) < delay:
            return block
        import numpy as np

        mic = np.frombuffer(block, dtype="<i2").astype(np.float64)
        echo = np.frombuffer(sent[-delay], dtype="<i2").astype(np.float64)
        mixed = np.clip(mic + self.sd.echo_gain * echo, -32768, 32767)
        return mixed.astype("<i2").tobytes()


class FakeSoundDevice:
    """Enough of the sounddevice module for voicecoach.audio.devices."""

    PortAudioError = FakePortAudioError
    CallbackStop = FakeCallbackStop
    CallbackAbort = FakeCallbackAbort

    def __init__(
        self,
        input_pcm: bytes = b"",
        *,
        after_input: str = "silence",
        speed: float = 20.0,
        input_error: Exception | None = None,
        output_error: Exception | None = None,
        output_rates: tuple[int, ...] = (16000, 22050, 48000),
        duplex_error: Exception | None = None,
        echo_gain: float = 0.0,
        echo_blocks: int = 2,
    ) -> None:
        self.input_pcm = input_pcm
        self.after_input = after_input
        self.speed = speed
        self.input_error = input_error
        self.output_error = output_error
        self.output_rates = output_rates
        self.open_error: Exception | None = None
        self.duplex_error = duplex_error
        """Raised when a duplex stream is opened (a device that cannot do both at once)."""
        self.echo_gain = echo_gain
        self.echo_blocks = echo_blocks
        """A duplex stream's microphone hears what it played, this many callbacks later."""
        self.streams: list[FakeStream] = []
        self.played = bytearray()
        self.clock = {"input": 100.0, "output": 100.0}
        """Stream time of the next input and output block (see FakeStream._time)."""
        self.default = SimpleNamespace(device=[0, 1])

    def query_devices(self, device: Any = None, kind: str | None = None) -> Any:
        devices = [
            {
                "index": 0,
                "name": "Fake Mic",
                "max_input_channels": 1,
                "max_output_channels": 0,
                "default_samplerate": 44100.0,
            },
            {
                "index": 1,
                "name": "Fake Speaker",
                "max_input_channels": 0,
                "max_output_channels": 2,
                "default_samplerate": 48000.0,
            },
        ]
        return devices[1] if kind == "output" else devices

    def check_input_settings(self, **settings: Any) -> None:
        if self.input_error:
            raise self.input_error

    def check_output_settings(self, samplerate: float | None = None, **settings: Any) -> None:
        if self.output_error:
            raise self.output_error
        if samplerate is not None and samplerate not in self.output_rates:
            raise FakePortAudioError("Invalid sample rate [PaErrorCode -9997]")

    def RawInputStream(self, **kwargs: Any) -> FakeInputStream:  # noqa: N802 (sounddevice's name)
        if self.open_error:
            raise self.open_error
        return FakeInputStream(self, **kwargs)

    def RawOutputStream(self, **kwargs: Any) -> FakeOutputStream:  # noqa: N802
        if self.open_error:
            raise self.open_error
        return FakeOutputStream(self, **kwargs)

    def RawStream(self, **kwargs: Any) -> FakeDuplexStream:  # noqa: N802
        if self.open_error:
            raise self.open_error
        if self.duplex_error:
            raise self.duplex_error
        return FakeDuplexStream(self, **kwargs)

