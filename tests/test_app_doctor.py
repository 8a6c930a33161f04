"""The doctor's checks: real speech at real levels through a fake sound device, real engines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from fakesd import FakePortAudioError, FakeSoundDevice
from speechkit import spoken

from voicecoach.app.doctor import (
    FIX_CLIP,
    FIX_MIC,
    FIX_QUIET,
    Check,
    Level,
    Report,
    config_check,
    history_check,
    microphone_check,
    recognizer_check,
    speaker_check,
    speech_engine_check,
)
from voicecoach.app.settings import EngineSettings, RunSettings
from voicecoach.errors import AudioError


def speech(tmp_path: Path, gain: float) -> bytes:
    samples = spoken("start back twist", tmp_path).astype(np.float64) * gain
    return np.clip(samples, -32768, 32767).astype("<i2").tobytes()


def test_levels_of_real_speech(tmp_path: Path) -> None:
    assert Level.of(speech(tmp_path, 1.0)).check().ok
    quiet = Level.of(speech(tmp_path, 0.005)).check()
    assert (quiet.ok, quiet.fix) == (False, FIX_QUIET) and "too quiet" in quiet.detail
    loud = Level.of(speech(tmp_path, 30.0)).check()
    assert (loud.ok, loud.fix) == (False, FIX_CLIP) and "clipping" in loud.detail
    assert not Level.of(b"").check().ok


def test_the_microphone_is_heard_through_the_device(tmp_path: Path) -> None:
    prompts: list[str] = []
    sd = FakeSoundDevice(speech(tmp_path, 1.0), speed=50.0)
    check = microphone_check(None, 1.0, prompts.append, sd=sd)
    assert check.ok and "heard you" in check.detail and len(prompts) == 1


def test_silence_at_the_microphone_is_too_quiet() -> None:
    check = microphone_check(None, 0.5, lambda _: None, sd=FakeSoundDevice(bytes(16000)))
    assert not check.ok and check.fix == FIX_QUIET


def test_no_microphone_says_how_to_get_one() -> None:
    sd = FakeSoundDevice(input_error=FakePortAudioError("Error querying device -1"))
    check = microphone_check(None, 0.5, lambda _: None, sd=sd)
    assert not check.ok and check.fix == FIX_MIC and "microphone" in check.detail


class FakeSpeaker:
    def __init__(self, fail: bool = False) -> None:
        self.said: list[str] = []
        self.fail = fail
        self.closed = False

    def say(self, text: str) -> None:
        if self.fail:
            raise AudioError("the speaker went away")
        self.said.append(text)

    def busy(self) -> bool:
        return False

    def close(self) -> None:
        self.closed = True


def test_the_speaker_plays_a_line() -> None:
    speaker = FakeSpeaker()
    check = speaker_check(RunSettings(), speaker)
    assert check.ok and speaker.said and speaker.closed


def test_a_failing_speaker_is_a_failed_check_with_a_fix() -> None:
    check = speaker_check(RunSettings(), FakeSpeaker(fail=True))
    assert not check.ok and "went away" in check.detail and "--output-device" in check.fix


def test_the_speech_engine_and_voice() -> None:
    assert speech_engine_check(RunSettings()).ok
    bad = speech_engine_check(RunSettings(voice="no-such-voice"))
    assert not bad.ok and "unknown voice" in bad.detail and "espeak-ng --voices" in bad.fix


def test_the_recognizer() -> None:
    assert "pocketsphinx" in recognizer_check(
        RunSettings(engine=EngineSettings(engine="pocketsphinx"))).detail
    missing = recognizer_check(RunSettings(engine=EngineSettings(engine="vosk",
                                                                 model="/nowhere")))
    assert not missing.ok and "models download" in missing.fix


def test_the_history_is_checked_but_not_required(tmp_path: Path) -> None:
    good = history_check(str(tmp_path / "h.sqlite3"))
    assert good.ok and "0 sessions, integrity ok" in good.detail
    (tmp_path / "bad.sqlite3").write_bytes(b"junk" * 1000)
    bad = history_check(str(tmp_path / "bad.sqlite3"))
    assert not bad.ok and not bad.required and "mv " in bad.fix
    assert history_check(None).ok


def test_the_config_check(tmp_path: Path) -> None:
    assert config_check(None, tmp_path / "config.toml").ok
    bad = config_check("config.toml:3: reps: out of range", tmp_path / "config.toml")
    assert not bad.ok and "config set" in bad.fix


def test_a_spoken_session_needs_every_required_check() -> None:
    fine = Check("history", False, "damaged", "mv it", required=False)
    assert Report((Check("microphone", True, "ok"), fine)).ok
    broken = Report((Check("microphone", False, "none", FIX_MIC), fine))
    assert not broken.ok
    assert broken.as_json() == {"ok": False, "checks": [
        {"name": "microphone", "ok": False, "detail": "none", "fix": FIX_MIC, "required": True},
        {"name": "history", "ok": False, "detail": "damaged", "fix": "mv it", "required": False},
    ]}


def test_the_doctor_says_which_audio_path_runs() -> None:
    from fakesd import FakePortAudioError, FakeSoundDevice

    from voicecoach.app.doctor import audio_path_check
    from voicecoach.app.settings import RunSettings

    duplex = audio_path_check(RunSettings(), FakeSoundDevice(bytes(3200)))
    assert duplex.ok and duplex.detail.startswith("one duplex stream") and not duplex.required
    refused = FakeSoundDevice(duplex_error=FakePortAudioError("Invalid number of channels"))
    two = audio_path_check(RunSettings(), refused)
    assert two.ok and two.detail.startswith("two streams") and "Invalid number" in two.detail
