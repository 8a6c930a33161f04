"""WAV files in, 16 kHz mono int16 chunks out (and a small writer for tests and benchmarks).

Reading is streamed: the file is read a block at a time, so a ten-minute recording costs the
same memory as a one-second one. Any rate is accepted; channels are averaged into mono and the
rate is converted with a windowed-sinc polyphase resampler (a Kaiser-windowed sinc evaluated at
the ``up`` phases of the rational ratio ``out/in``; its cut-off sits at the lower Nyquist
frequency, so 44.1/48 kHz audio does not alias into the speech band the way plain linear
interpolation would). Sample formats: unsigned 8-bit, signed 16/24/32-bit PCM and 32/64-bit
float, plain or ``WAVE_FORMAT_EXTENSIBLE``.
"""

from __future__ import annotations

import logging
import struct
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import IO, TYPE_CHECKING

from voicecoach.errors import AudioError

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

RATE = 16000
"""The one rate every recognizer gets."""
CHUNK_SAMPLES = 640
"""40 ms at 16 kHz: the block size of every stream (the microphone, ``--audio-in``, the
simulated room, the benchmarks). What is heard is known at the end of its block, so the block
is latency: 0.1 s blocks added 50 ms to a stop on average."""
_READ_FRAMES = 16384
"""Input frames read from disk per step (about 0.4 s at 44.1 kHz)."""
_OUT_BLOCK = 2048
"""Output samples computed at once (bounds the resampler's scratch memory to ~1 MB)."""
_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


@dataclass(frozen=True, slots=True)
class WavInfo:
    """What the header of a WAV file says."""

    path: Path
    rate: int
    channels: int
    sample_width: int
    """Bytes per sample of one channel (1, 2, 3, 4 or 8)."""
    is_float: bool
    frames: int
    """Frames actually present (a truncated data chunk is clipped to the file's end)."""
    data_offset: int

    @property
    def duration(self) -> float:
        return self.frames / self.rate if self.rate else 0.0


def read_info(path: str | Path) -> WavInfo:
    """Parse the RIFF header of ``path``; :class:`AudioError` naming the file if it is unusable."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            size = path.stat().st_size
            return _parse_riff(f, path, size)
    except OSError as exc:
        raise AudioError(f"{path}: cannot read: {exc.strerror or exc}") from exc


def _parse_riff(f: IO[bytes], path: Path, size: int) -> WavInfo:
    if size == 0:
        raise AudioError(f"{path}: empty file, not a WAV recording")
    head = f.read(12)
    if len(head) < 12 or head[:4] not in (b"RIFF", b"RF64") or head[8:12] != b"WAVE":
        raise AudioError(f"{path}: not a WAV file (no RIFF/WAVE header)")
    fmt: tuple[int, int, int, int] | None = None
    while True:
        header = f.read(8)
        if len(header) < 8:
            raise AudioError(f"{path}: broken WAV file (no data chunk)")
        chunk_id, chunk_size = header[:4], struct.unpack("<I", header[4:])[0]
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(f.read(chunk_size), path)
        elif chunk_id == b"data":
            if fmt is None:
                raise AudioError(f"{path}: broken WAV file (data before fmt chunk)")
            return _info_from(path, fmt, f.tell(), chunk_size, size)
        else:
            f.seek(chunk_size + (chunk_size & 1), 1)


def _parse_fmt(body: bytes, path: Path) -> tuple[int, int, int, int]:
    """Return (format tag, channels, rate, bits) of a ``fmt`` chunk."""
    if len(body) < 16:
        raise AudioError(f"{path}: broken WAV file (short fmt chunk)")
    tag, channels, rate, _, _, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == _EXTENSIBLE and len(body) >= 26:
        tag = struct.unpack("<H", body[24:26])[0]
    if tag not in (_PCM, _FLOAT):
        raise AudioError(f"{path}: unsupported WAV encoding (format tag {tag}); use PCM")
    if channels < 1 or rate < 1000 or rate > 384000:
        raise AudioError(f"{path}: implausible WAV header ({channels} channels, {rate} Hz)")
    if (tag == _PCM and bits not in (8, 16, 24, 32)) or (tag == _FLOAT and bits not in (32, 64)):
        raise AudioError(f"{path}: unsupported sample size {bits} bits")
    return tag, channels, rate, bits


def _info_from(
    path: Path, fmt: tuple[int, int, int, int], offset: int, data_size: int, size: int
) -> WavInfo:
    tag, channels, rate, bits = fmt
    width = bits // 8
    present = max(0, size - offset)
    if data_size > present:
        if data_size != 0xFFFFFFFF:
            log.warning("%s: truncated WAV (%d of %d data bytes)", path, present, data_size)
        data_size = present
    frames = data_size // (width * channels)
    if frames == 0:
        raise AudioError(f"{path}: WAV file holds no audio")
    return WavInfo(path, rate, channels, width, tag == _FLOAT, frames, offset)


def blocks(pcm: bytes) -> list[bytes]:
    """16 kHz mono int16 audio held in memory, in the microphone's blocks (the last shorter)."""
    size = 2 * CHUNK_SAMPLES
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def iter_chunks(path: str | Path, chunk_samples: int = CHUNK_SAMPLES) -> Iterator[bytes]:
    """Yield the recording as 16 kHz mono int16 chunks of ``chunk_samples`` (the last shorter).

    Memory stays bounded whatever the length: the file is read and converted block by block.
    """
    info = read_info(path)
    return _chunks(_converted(info), chunk_samples)


def read_pcm16k(path: str | Path) -> bytes:
    """The whole recording as 16 kHz mono int16 bytes (for short files)."""
    return b"".join(iter_chunks(path, chunk_samples=RATE))


def read_pcm(path: str | Path) -> tuple[bytes, int]:
    """The whole recording as mono int16 bytes at its own sample rate (for playback)."""
    info = read_info(path)
    return b"".join(_to_int16(block) for block in _read_blocks(info)), info.rate


def resample(pcm: bytes, rate: int, new_rate: int) -> bytes:
    """Mono int16 ``pcm`` at ``rate`` converted to ``new_rate`` (what a speaker accepts)."""
    if rate == new_rate:
        return pcm
    np = _numpy()
    resampler = Resampler(rate, new_rate)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32)
    return _to_int16(np.concatenate([resampler.process(samples), resampler.flush()]))


def _converted(info: WavInfo) -> Iterator[np.ndarray]:
    """Blocks of float32 mono samples at 16 kHz (full scale = 32768)."""
    resampler = Resampler(info.rate, RATE)
    for block in _read_blocks(info):
        out = resampler.process(block)
        if out.size:
            yield out
    tail = resampler.flush()
    if tail.size:
        yield tail


def _read_blocks(info: WavInfo) -> Iterator[np.ndarray]:
    frame_bytes = info.sample_width * info.channels
    left = info.frames
    try:
        with info.path.open("rb") as f:
            f.seek(info.data_offset)
            while left > 0:
                raw = f.read(min(left, _READ_FRAMES) * frame_bytes)
                usable = len(raw) // frame_bytes
                if usable == 0:
                    return
                left -= usable
                yield _to_mono_float(raw[: usable * frame_bytes], info)
    except OSError as exc:
        raise AudioError(f"{info.path}: read failed: {exc.strerror or exc}") from exc


def _to_mono_float(raw: bytes, info: WavInfo) -> np.ndarray:
    """Decode interleaved samples to float32 mono, scaled so that int16 full scale is 32768."""
    np = _numpy()
    width = info.sample_width
    if info.is_float:
        x = np.frombuffer(raw, dtype="<f4" if width == 4 else "<f8").astype(np.float32) * 32768.0
    elif width == 1:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) * 256.0
    elif width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32)
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        x = ((b[:, 0] << 8) | (b[:, 1] << 16) | (b[:, 2] << 24)).astype(np.float32) / 65536.0
    else:
        x = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 65536.0
    if info.channels > 1:
        x = x.reshape(-1, info.channels).mean(axis=1, dtype=np.float32)
    return x


def _chunks(blocks: Iterator[np.ndarray], chunk_samples: int) -> Iterator[bytes]:
    np = _numpy()
    pending = np.zeros(0, dtype=np.float32)
    for block in blocks:
        pending = np.concatenate([pending, block])
        whole = len(pending) - len(pending) % chunk_samples
        for start in range(0, whole, chunk_samples):
            yield _to_int16(pending[start : start + chunk_samples])
        pending = pending[whole:]
    if len(pending):
        yield _to_int16(pending)


def _to_int16(x: np.ndarray) -> bytes:
    np = _numpy()
    return np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()


class Resampler:
    """Streaming rational-ratio resampler (Kaiser-windowed sinc, polyphase table).

    ``process`` takes float32 blocks at ``rate_in`` and returns what can be computed so far at
    ``rate_out``; ``flush`` returns the rest (the input is padded with silence at the end).
    """

    def __init__(self, rate_in: int, rate_out: int = RATE, half_taps: int = 16) -> None:
        np = _numpy()
        ratio = Fraction(rate_out, rate_in).limit_denominator(1000)
        self.up, self.down = ratio.numerator, ratio.denominator
        self.identity = self.up == self.down
        cutoff = min(1.0, self.up / self.down)
        self.k = int(np.ceil(half_taps / cutoff))
        self.table = _phase_table(self.up, self.k, cutoff)
        self.buf = np.zeros(self.k, dtype=np.float32)
        self.start = -self.k
        """Input index of ``buf[0]`` (the stream starts with ``k`` samples of silence)."""
        self.n = 0
        """Index of the next output sample."""
        self.consumed = 0
        """Input samples received so far."""

    def process(self, x: np.ndarray) -> np.ndarray:
        if self.identity:
            return x.astype("float32", copy=False)
        np = _numpy()
        self.buf = np.concatenate([self.buf, x.astype(np.float32, copy=False)])
        self.consumed += len(x)
        return self._emit(self.start + len(self.buf))

    def flush(self) -> np.ndarray:
        if self.identity:
            return _numpy().zeros(0, dtype="float32")
        np = _numpy()
        total = -(-self.consumed * self.up // self.down)
        self.buf = np.concatenate([self.buf, np.zeros(2 * self.k, dtype=np.float32)])
        out = self._emit(self.start + len(self.buf))
        return out[: max(0, total - (self.n - len(out)))]

    def _emit(self, available: int) -> np.ndarray:
        """Compute every output sample whose taps lie below input index ``available``."""
        np = _numpy()
        # output n is centred on input n*down/up and needs inputs centre-k+1 .. centre+k
        last = ((available - self.k) * self.up - 1) // self.down
        if last < self.n:
            return np.zeros(0, dtype=np.float32)
        parts = [
            self._compute(np.arange(first, min(first + _OUT_BLOCK, last + 1), dtype=np.int64))
            for first in range(self.n, last + 1, _OUT_BLOCK)
        ]
        out = np.concatenate(parts)
        self.n = last + 1
        keep_from = (self.n * self.down) // self.up - self.k + 1 - self.start
        self.buf = self.buf[keep_from:]
        self.start += keep_from
        return out

    def _compute(self, n: np.ndarray) -> np.ndarray:
        """Output samples ``n``: each a dot product of 2k inputs with its phase's taps."""
        np = _numpy()
        centre, phase = np.divmod(n * self.down, self.up)
        idx = (centre - self.k + 1 - self.start)[:, None] + np.arange(2 * self.k)
        return np.einsum("ij,ij->i", self.buf[idx], self.table[phase]).astype(np.float32)


def _phase_table(up: int, k: int, cutoff: float) -> np.ndarray:
    """Filter taps for each of the ``up`` phases: row p is for fractional offset p/up."""
    np = _numpy()
    beta = 8.0
    frac = np.arange(up, dtype=np.float64)[:, None] / up
    offsets = np.arange(-k + 1, k + 1, dtype=np.float64)[None, :] - frac
    window = np.i0(beta * np.sqrt(np.clip(1.0 - (offsets / k) ** 2, 0.0, 1.0))) / np.i0(beta)
    taps = cutoff * np.sinc(cutoff * offsets) * window
    return (taps / taps.sum(axis=1, keepdims=True)).astype(np.float32)


def write_wav(path: str | Path, pcm: bytes | np.ndarray, rate: int = RATE) -> Path:
    """Write mono int16 samples (bytes or an array, floats are clipped) to a WAV file."""
    np = _numpy()
    data = pcm if isinstance(pcm, bytes) else _to_int16(np.asarray(pcm, dtype=np.float32))
    path = Path(path)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(data)
    return path


def _numpy() -> ModuleType:
    try:
        import numpy
    except ImportError as exc:  # pragma: no cover - numpy is a dependency
        raise AudioError("reading audio needs numpy: pip install numpy") from exc
    return numpy
