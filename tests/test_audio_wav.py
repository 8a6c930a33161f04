"""voicecoach.audio.wav: any WAV in, 16 kHz mono int16 chunks out, bounded memory, clear errors."""

from __future__ import annotations

import struct
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio.wav import (
    CHUNK_SAMPLES,
    RATE,
    Resampler,
    blocks,
    iter_chunks,
    read_info,
    read_pcm,
    read_pcm16k,
    resample,
    write_wav,
)
from voicecoach.errors import AudioError

_PCM, _FLOAT, _EXTENSIBLE = 1, 3, 0xFFFE


def riff(
    fmt_tag: int,
    channels: int,
    rate: int,
    bits: int,
    data: bytes,
    extensible: bool = False,
    data_size: int | None = None,
) -> bytes:
    """A hand-built WAV file (the stdlib writer cannot do 24-bit, float or EXTENSIBLE)."""
    block = channels * bits // 8
    tag = _EXTENSIBLE if extensible else fmt_tag
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    if extensible:
        guid = (
            struct.pack("<H", fmt_tag) + b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        )
        fmt += struct.pack("<HHI", 22, bits, 0) + guid
    size = len(data) if data_size is None else data_size
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"LIST" + struct.pack("<I", 4) + b"INFO"  # a chunk to skip
    body += b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def encode(x: np.ndarray, bits: int, is_float: bool = False) -> bytes:
    """Samples in -1..1 (frames x channels) to interleaved little-endian bytes."""
    if is_float:
        return x.astype("<f4").tobytes()
    if bits == 8:
        return np.clip(np.rint(x * 127 + 128), 0, 255).astype(np.uint8).tobytes()
    scaled = np.rint(x * (2 ** (bits - 1) - 1)).astype(np.int64)
    if bits == 24:
        b = scaled.astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
        return b.tobytes()
    return scaled.astype("<i2" if bits == 16 else "<i4").tobytes()


def tone(
    rate: int, seconds: float, channels: int, freq: float = 440.0, amp: float = 0.5
) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    x = amp * np.sin(2 * np.pi * freq * t)
    return np.repeat(x[:, None], channels, axis=1)


def dominant_freq(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * RATE / len(x))


@pytest.mark.parametrize(
    ("rate", "channels", "bits", "is_float", "extensible"),
    [
        (16000, 1, 16, False, False),
        (8000, 1, 16, False, False),
        (22050, 1, 16, False, False),
        (44100, 2, 16, False, False),
        (48000, 2, 16, False, False),
        (48000, 2, 24, False, True),
        (16000, 1, 24, False, False),
        (44100, 1, 32, False, False),
        (48000, 1, 32, True, False),
        (11025, 1, 8, False, False),
    ],
)
def test_any_format_becomes_16k_mono(
    tmp_path: Path, rate: int, channels: int, bits: int, is_float: bool, extensible: bool
) -> None:
    data = encode(tone(rate, 1.0, channels), bits, is_float)
    path = tmp_path / "in.wav"
    path.write_bytes(riff(_FLOAT if is_float else _PCM, channels, rate, bits, data, extensible))
    pcm = read_pcm16k(path)
    samples = np.frombuffer(pcm, dtype="<i2")
    assert abs(len(samples) - RATE) <= 2
    assert dominant_freq(pcm) == pytest.approx(440, abs=3)
    peak = np.abs(samples[800:-800]).max()
    assert peak == pytest.approx(0.5 * 32767, rel=0.03)


def test_stereo_is_averaged(tmp_path: Path) -> None:
    left = tone(16000, 0.5, 1, amp=0.4)
    both = np.concatenate([left, np.zeros_like(left)], axis=1)
    path = tmp_path / "s.wav"
    path.write_bytes(riff(_PCM, 2, 16000, 16, encode(both, 16)))
    samples = np.frombuffer(read_pcm16k(path), dtype="<i2")
    assert np.abs(samples).max() == pytest.approx(0.2 * 32767, rel=0.02)


def test_read_pcm_keeps_the_rate_for_playback(tmp_path: Path) -> None:
    path = tmp_path / "s.wav"
    path.write_bytes(riff(_PCM, 2, 22050, 24, encode(tone(22050, 0.5, 2, amp=0.4), 24)))
    pcm, rate = read_pcm(path)
    assert rate == 22050
    samples = np.frombuffer(pcm, dtype="<i2")
    assert len(samples) == 11025
    assert np.abs(samples).max() == pytest.approx(0.4 * 32767, rel=0.01)


@pytest.mark.parametrize(("rate", "new_rate", "frames"), [(22050, 48000, 960), (16000, 8000, 220)])
def test_resample_length(rate: int, new_rate: int, frames: int) -> None:
    pcm = bytes(2 * frames * rate // new_rate)
    assert abs(len(resample(pcm, rate, new_rate)) // 2 - frames) <= 1
    assert resample(pcm, rate, rate) is pcm


def test_chunks_are_blocks_and_the_last_is_shorter(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", np.zeros(int(RATE * 0.55)))
    sizes = [len(c) for c in iter_chunks(path)]
    whole, rest = divmod(int(RATE * 0.55), CHUNK_SAMPLES)
    assert rest and sizes == [2 * CHUNK_SAMPLES] * whole + [2 * rest]


def test_audio_in_memory_comes_in_the_same_blocks(tmp_path: Path) -> None:
    pcm = np.arange(int(RATE * 0.55), dtype="<i2").tobytes()
    path = write_wav(tmp_path / "a.wav", pcm)
    assert blocks(pcm) == list(iter_chunks(path)) and b"".join(blocks(pcm)) == pcm


def test_write_wav_round_trip(tmp_path: Path) -> None:
    samples = (np.arange(4000) % 200 - 100).astype(np.int16)
    path = write_wav(tmp_path / "w.wav", samples.tobytes())
    info = read_info(path)
    assert (info.rate, info.channels, info.sample_width, info.frames) == (RATE, 1, 2, 4000)
    assert read_pcm16k(path) == samples.tobytes()


def test_clipped_input_stays_in_range(tmp_path: Path) -> None:
    x = np.clip(tone(44100, 0.5, 1, amp=3.0), -1, 1)  # a square-ish, fully clipped wave
    path = tmp_path / "clip.wav"
    path.write_bytes(riff(_PCM, 1, 44100, 16, encode(x, 16)))
    samples = np.frombuffer(read_pcm16k(path), dtype="<i2")
    assert samples.max() <= 32767 and samples.min() >= -32768


@pytest.mark.parametrize("block", [1, 100, 1234, 44100])
def test_resampler_output_does_not_depend_on_block_size(block: int) -> None:
    x = np.random.default_rng(0).normal(0, 1000, 44100).astype(np.float32)
    whole = Resampler(44100)
    expected = np.concatenate([whole.process(x), whole.flush()])
    parts = Resampler(44100)
    pieces = [parts.process(x[i : i + block]) for i in range(0, len(x), block)]
    got = np.concatenate([*pieces, parts.flush()])
    assert len(got) == len(expected) == 16000
    assert np.allclose(got, expected, atol=1e-2)


def test_downsampling_filters_out_what_16k_cannot_hold() -> None:
    x = (10000 * np.sin(2 * np.pi * 11000 * np.arange(48000) / 48000)).astype(np.float32)
    r = Resampler(48000)
    y = np.concatenate([r.process(x), r.flush()])
    assert np.sqrt(np.mean(y[200:-200] ** 2)) < 50  # an 11 kHz tone would alias to 5 kHz


def test_a_ten_minute_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "long.wav"
    second = encode(tone(8000, 1.0, 1, amp=0.1), 16)
    with path.open("wb") as f:
        f.write(riff(_PCM, 1, 8000, 16, b"", data_size=len(second) * 600))
        for _ in range(600):
            f.write(second)
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_chunks(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 600 * RATE // CHUNK_SAMPLES
    assert peak < 4_000_000  # the decoded file would be 19 MB


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty file"),
        (b"hello, this is not audio at all" * 4, "not a WAV file"),
        (b"RIFF\x00\x00\x00\x00WAVE", "no data chunk"),
        (riff(2, 1, 16000, 4, b"\x00" * 100), "unsupported WAV encoding"),
        (riff(_PCM, 1, 16000, 12, b"\x00" * 100), "unsupported sample size"),
        (riff(_PCM, 1, 16000, 16, b""), "holds no audio"),
        (riff(_PCM, 0, 16000, 16, b"\x00" * 100), "implausible"),
    ],
    ids=["empty", "text", "no-data", "adpcm", "12-bit", "no-frames", "no-channels"],
)
def test_bad_files_raise_audio_error_naming_the_file(
    tmp_path: Path, content: bytes, problem: str
) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match=problem) as info:
        list(iter_chunks(path))
    assert str(path) in str(info.value)


def test_missing_file_raises_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="cannot read"):
        read_info(tmp_path / "nope.wav")


def test_truncated_data_is_read_as_far_as_it_goes(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = encode(tone(16000, 0.5, 1), 16)
    path = tmp_path / "cut.wav"
    path.write_bytes(riff(_PCM, 1, 16000, 16, data, data_size=len(data) * 4))
    assert len(read_pcm16k(path)) == len(data)
    assert "truncated" in caplog.text
