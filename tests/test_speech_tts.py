"""voicecoach.speech.tts: real speech rendered with pyttsx3/espeak-ng; speakers, fake player."""

from __future__ import annotations

import io
import threading
import time
import wave
from array import array
from pathlib import Path

import numpy as np
import pytest

from voicecoach.errors import AudioError
from voicecoach.speech import tts


def wav_stats(path: Path) -> tuple[int, int, int, float, float]:
    """(channels, sample width, rate, seconds, RMS) of a WAV."""
    with wave.open(str(path), "rb") as w:
        samples = array("h", w.readframes(w.getnframes()))
        params = w.getnchannels(), w.getsampwidth(), w.getframerate()
        seconds = w.getnframes() / w.getframerate()
    rms = (sum(s * s for s in samples) / max(1, len(samples))) ** 0.5
    return (*params, seconds, rms)


@pytest.fixture
def fresh_engine(monkeypatch: pytest.MonkeyPatch) -> tts._Pyttsx3:
    """A renderer of our own, so a test that breaks it leaves the shared one alone."""
    engine = tts._Pyttsx3()
    monkeypatch.setattr(tts, "_ENGINE", engine)
    return engine


class HangingPyttsx3(tts._Pyttsx3):
    """pyttsx3 as issue #126 reports it: the run loop never returns."""

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def _render(self, *args: object) -> None:
        self.release.wait(10)


# ---------------------------------------------------------------- rendering


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [("Right.", 0.3, 1.5), ("Twist to the right until you are looking behind you.", 1.8, 6.0)],
)
def test_render_wav_with_pyttsx3_is_real_speech(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, low: float, high: float
) -> None:
    path = tts.render_wav(text, tmp_path / "line.wav")
    channels, width, rate, seconds, rms = wav_stats(path)
    assert (channels, width, rate) == (1, 2, 22050)  # what pyttsx3's espeak driver writes
    assert low < seconds < high
    assert rms > 300  # not silence
    assert tts._ENGINE.broken is None  # pyttsx3 did it, not the fallback
    assert capsys.readouterr().out == ""  # its "Audio saved to" print is kept off stdout


ESPEAK_GETS_THE_TEXT = """
from pyttsx3.drivers import _espeak
from voicecoach.speech import tts
tts._ENGINE._load()
_espeak.Synth(b"a " * 50000)  # 100 KB: pyttsx3 said 1 MB, and espeak read that far
_espeak.Cancel()
"""


def test_espeak_is_given_the_texts_real_size() -> None:
    """pyttsx3 told espeak a text was ten times its length: espeak read past it and killed the
    process (SIGSEGV, exit 139) once in many CI runs. Run apart, so a crash fails one test."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", ESPEAK_GETS_THE_TEXT], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-500:]


def test_voice_and_rate_change_the_speech(tmp_path: Path) -> None:
    slow = tts.render_wav("keep your legs still", tmp_path / "slow.wav", voice="en-gb", rate=100)
    fast = tts.render_wav("keep your legs still", tmp_path / "fast.wav", voice="en-gb", rate=300)
    assert wav_stats(slow)[3] > 1.5 * wav_stats(fast)[3]


def test_espeak_ng_command_is_the_fallback(tmp_path: Path, fresh_engine: tts._Pyttsx3) -> None:
    fresh_engine.broken = "pyttsx3 cannot start (test)"
    path = tts.render_wav("Slow down gradually.", tmp_path / "line.wav", voice="en-us", rate=160)
    channels, width, _, seconds, rms = wav_stats(path)
    assert (channels, width) == (1, 2)
    assert 0.8 < seconds < 5 and rms > 300


def test_hung_pyttsx3_times_out_then_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = HangingPyttsx3()
    monkeypatch.setattr(tts, "_ENGINE", engine)
    try:
        path = tts.render_wav("Breathe slowly.", tmp_path / "a.wav", timeout=0.3)
        assert wav_stats(path)[4] > 300
        assert engine.broken == "pyttsx3 hung for more than 0.3 s"
        with pytest.raises(AudioError, match="hung"):
            engine.render("again", tmp_path / "b.wav", None, None, 0.3)  # never re-entered
    finally:
        engine.release.set()


def test_no_engine_at_all_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_engine: tts._Pyttsx3
) -> None:
    fresh_engine.broken = "pyttsx3 is not installed: pip install pyttsx3"
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng command either
    with pytest.raises(AudioError) as caught:
        tts.render_wav("hello", tmp_path / "x.wav")
    assert str(caught.value) == (
        "cannot synthesize speech: pyttsx3 is not installed: pip install pyttsx3; "
        "espeak-ng not found: install espeak-ng"
    )
    assert tts.probe_speech_engine() == str(caught.value)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("   ", "x.wav", "nothing to say"),
        ("hello", "no/such/dir/x.wav", "cannot write"),
    ],
)
def test_render_wav_bad_input(tmp_path: Path, text: str, where: str, message: str) -> None:
    with pytest.raises(AudioError, match=message):
        tts.render_wav(text, tmp_path / where)


def test_unknown_voice_is_named(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="unknown voice 'no-such-voice'"):
        tts.render_wav("hello", tmp_path / "x.wav", voice="no-such-voice")
    assert tts._ENGINE.broken is None  # a bad voice does not disable the engine


def test_probe_speech_engine_works_here() -> None:
    assert tts.probe_speech_engine() is None


# ---------------------------------------------------------------- speakers


def test_text_speaker_prints_with_a_prefix(capsys: pytest.CaptureFixture[str]) -> None:
    out = io.StringIO()
    speaker = tts.TextSpeaker(out, prefix="coach: ")
    speaker.say("Twist right.")
    speaker.say("Left.")
    assert out.getvalue() == "coach: Twist right.\ncoach: Left.\n"
    assert not speaker.busy() and speaker.now_saying() is None
    tts.TextSpeaker(prefix="").say("to stdout")  # stdout looked up when saying, not before
    assert capsys.readouterr().out == "to stdout\n"


class FakePlayer:
    """Records clips; 'plays' one until stop() (tests drive time by hand)."""

    def __init__(self) -> None:
        self.clips: list[tuple[bytes, int, str]] = []
        self.starts: list[float | None] = []
        self.playing: list[str] = []
        self.closed = False
        self.last_text: str | None = None
        self.ended_at = float("-inf")
        self.started_at = float("-inf")

    @property
    def current_text(self) -> str | None:
        return self.playing[0] if self.playing else None

    def play(self, pcm: bytes, rate: int, text: str = "", at: float | None = None) -> None:
        self.clips.append((pcm, rate, text))
        self.starts.append(at)
        if not self.playing:
            self.started_at = time.monotonic()
        self.playing.append(text)

    def stop(self) -> None:
        if self.playing:
            self.last_text, self.ended_at = self.playing[0], time.monotonic()
        self.playing.clear()

    def busy(self) -> bool:
        return bool(self.playing)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def counted_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The real render_wav, counting the texts it renders."""
    rendered: list[str] = []
    real = tts.render_wav

    def render_wav(text: str, path: Path, *args: object, **kwargs: object) -> Path:
        rendered.append(text)
        return real(text, path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(tts, "render_wav", render_wav)
    return rendered


def test_voice_speaker_caches_repeated_lines(counted_renders: list[str]) -> None:
    player = FakePlayer()
    speaker = tts.VoiceSpeaker(player, cache_size=2)
    for line in ["Right.", "Left.", "Right.", " Right. ", "Left.", "Keep breathing.", "Right."]:
        speaker.say(line)
    # LRU of 2: "Keep breathing." evicts "Right." (least recently said), so it renders again
    assert counted_renders == ["Right.", "Left.", "Keep breathing.", "Right."]
    assert [text for _, _, text in player.clips] == [
        "Right.",
        "Left.",
        "Right.",
        "Right.",
        "Left.",
        "Keep breathing.",
        "Right.",
    ]
    pcm, rate, _ = player.clips[0]
    assert rate == 16000 and len(pcm) > 10000 and player.clips[2][0] is pcm
    speaker.say("Left.")  # evicted too
    speaker.say("Left.")
    assert counted_renders[-2:] == ["Right.", "Left."]


def test_voice_speaker_is_interrupted_at_once() -> None:
    player = FakePlayer()
    speaker = tts.VoiceSpeaker(player)
    speaker.say("Twist right and look behind you.")
    speaker.say("Now left.")
    assert speaker.busy() and speaker.now_saying() == "Twist right and look behind you."
    speaker.stop()
    assert not speaker.busy() and speaker.now_saying() is None
    assert speaker.now_saying(tail=60.0) == "Twist right and look behind you."  # echo follows
    speaker.say("   ")  # nothing to say: nothing played
    assert len(player.clips) == 2
    speaker.close()
    assert player.closed


def test_open_voice_without_a_speaker_says_why() -> None:
    from voicecoach.audio.devices import list_devices

    if any(d.output_channels for d in list_devices()):
        pytest.skip("this machine has a speaker")
    with pytest.raises(AudioError, match="no speaker found"):
        tts.open_voice()


def test_a_line_is_rendered_once_and_its_duration_is_its_audio() -> None:
    lines = tts.LineAudio()
    pcm = lines.pcm("Twist to the right.")
    again = lines.pcm("  Twist to the   right. ")
    assert pcm is again and lines.renders == 1
    assert lines.duration("Twist to the right.") == len(pcm) / 32000
    assert 0.5 < lines.duration("Twist to the right.") < 3.0
    assert np.abs(np.frombuffer(pcm, dtype="<i2")).max() > 1000


def test_slower_speech_takes_longer_and_the_cache_is_bounded() -> None:
    fast, slow = tts.LineAudio(rate=220), tts.LineAudio(rate=120, cache_size=1)
    text = "Breathe in slowly through your nose."
    assert slow.duration(text) > 1.4 * fast.duration(text)
    slow.pcm("Right, 1.")
    slow.pcm(text)
    assert slow.renders == 3  # the first line was pushed out of a one-line cache


def test_a_rendered_line_ends_soon_after_its_last_sound() -> None:
    """espeak-ng leaves ~0.3 s of silence after a line: trimmed to TAIL_KEPT, so the coach's
    timeline (which runs on these durations) ends a line when the user stops hearing it."""
    import numpy as np

    from voicecoach.speech.tts import TAIL_KEPT, LineAudio, trim_tail

    pcm = LineAudio().pcm("Left, seven.")
    samples = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.int32))
    tail = len(samples) - 1 - int(np.flatnonzero(samples > 64)[-1])
    assert tail <= TAIL_KEPT * 16000
    silent = bytes(3200)
    assert trim_tail(silent) == silent and trim_tail(pcm + silent) == pcm
