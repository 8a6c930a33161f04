"""The spoken-session benchmark on one tiny session, said by espeak-ng's en-us voice as the
user's "own recordings" (the benchmark's voices stay unused by the tests), through the real
pocketsphinx recognizer; its user track replays through ``run --audio-in`` into the same events.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, shared_path
from speechkit import speak

from voicecoach.bench import spoken
from voicecoach.bench.voices import active_power, load_noise

TINY = """
sessions:
  - name: tiny
    reps: 2
    seed: 7
    end: quit
    commands:
      - {say: start back twist, when: answer, expect: phase safety_check}
      - {say: "no", when: answer, expect: phase setup}
      - {say: stop, when: during setup.cue, expect: halt stop}
      - {say: keep going, when: answer, expect: say setup.intro}
      - {say: goodbye, when: after 3, expect: end quit}
"""


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    """The benchmark's JSON result and the folder of kept tracks."""
    folder = tmp_path_factory.mktemp("spoken")
    plans = folder / "plans.yaml"
    plans.write_text(TINY, encoding="utf-8")
    recordings = folder / "me"
    recordings.mkdir()
    for text in ("start back twist", "no", "stop", "keep going", "goodbye"):
        speak(text, recordings / f"{spoken.slug(text)}.wav")
    argv = ["--voices", "", "--recordings", str(recordings), "--plans", str(plans),
            "--conditions", "clean", "--engine", "pocketsphinx", "--keep", str(folder / "keep"),
            "--json"]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert spoken.main(argv) in (0, 1), err.getvalue()
    return json.loads(out.getvalue()), folder / "keep"


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def test_a_spoken_stop_halts_and_the_session_ends_as_planned(tiny_run: tuple[dict, Path]) -> None:
    result, _ = tiny_run
    assert set(result["cells"]) == {"recorded:me/clean"} and set(result["totals"]) == {"clean"}
    (session,) = result["sessions"]
    assert session["plan"] == "tiny" and session["end"] == "quit"
    outcomes = {c["text"]: c for c in session["commands"]}
    assert outcomes["stop"]["acted_on"] == 1 and outcomes["stop"]["delay"] < 1.0
    assert session["false_halts"] == 0
    clean = result["totals"]["clean"]
    assert clean["sessions"] == 1 and clean["commands"] == 5 and clean["said"] == 1.0
    assert clean["completed"] + clean["ended_by_misrecognition"] + clean["unfinished"] == 1
    assert 0 < clean["rtf"] < 1 and clean["audio_seconds"] > 30
    assert set(result["targets"]) == set(spoken.TARGETS) - {"acted_on_noisy", "acted_on_far"}


def test_the_user_track_replays_through_run_audio_in(tiny_run: tuple[dict, Path]) -> None:
    _, keep = tiny_run
    (track,) = keep.glob("*.wav")
    events = [json.loads(line) for line in track.with_suffix(".jsonl").read_text().splitlines()]
    user = json.loads(track.with_suffix(".user.json").read_text())
    argv = ["run", "--audio-in", str(track), "--json", "--seed", str(user["seed"]),
            "--reps", str(user["reps"]), "--engine", "pocketsphinx", "--no-history"]
    env = {**_env(), "VOICECOACH_HOME": str(keep.parent / "home")}  # no config file of yours
    out = subprocess.run([sys.executable, "-m", "voicecoach", *argv], capture_output=True,
                         text=True, timeout=60, cwd=REPO, env=env)
    assert out.returncode == 0, out.stderr
    replayed = [json.loads(line) for line in out.stdout.splitlines()]
    assert replayed == events
    halt = next(e for e in events if e["event"] == "halt")
    said = next(a for a in user["attempts"] if a["text"] == "stop")
    assert halt["reason"] == "stop" and said["start"] < halt["t"] < said["end"] + 1.0


def test_noise_is_mixed_at_the_signal_to_noise_ratio_asked() -> None:
    noise = load_noise(shared_path("speech/noise/picovoice_kitchen.wav"))
    speech = 3000 * np.sin(np.arange(spoken.CHUNK) / 5.0)
    noisy = spoken.Room(spoken.CONDITIONS[1], noise, active_power(speech), seed=1)
    far = spoken.Room(spoken.CONDITIONS[2], noise, active_power(speech), seed=1)
    silent = np.zeros(spoken.CHUNK)
    loop = b"".join(noisy.mix(silent, n) for n in range(len(noise) // spoken.CHUNK))
    power = np.mean(np.frombuffer(loop, dtype="<i2").astype(float) ** 2)
    assert abs(10 * np.log10(active_power(speech) / power) - 10) < 0.1
    quiet = np.frombuffer(far.mix(speech, 0), dtype="<i2").astype(float)
    assert abs(20 * np.log10(np.abs(speech).max() / np.abs(quiet).max()) - 25) < 0.1


def test_what_to_record_is_listed_and_missing_recordings_are_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert spoken.main(["--list-texts", "--sessions", "basic"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert "start_back_twist.wav\tstart back twist" in listed
    assert "i_m_ready.wav\tI'm ready" not in listed  # another session's
    assert spoken.main(["--voices", "", "--recordings", str(tmp_path), "--sessions", "basic"]) == 2
    assert "no recording of: start_back_twist.wav" in capsys.readouterr().err


def test_unknown_voices_conditions_or_sessions_are_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert spoken.main(["--voices", "hal9000", "--conditions", "clean"]) == 2
    assert "unknown voices: hal9000" in capsys.readouterr().err
    assert spoken.main(["--conditions", "underwater"]) == 2
    assert "unknown conditions: underwater" in capsys.readouterr().err
    assert spoken.main(["--sessions", "marathon"]) == 2
    assert "unknown sessions: marathon" in capsys.readouterr().err


def test_a_manifest_names_the_recording_of_each_text(tmp_path: Path) -> None:
    (tmp_path / "manifest.tsv").write_text("# words<TAB>file\nStop\ttakes/stop-2.wav\n")
    voice = spoken.RecordedVoice(tmp_path)
    assert voice.path("stop") == tmp_path / "takes" / "stop-2.wav"
    assert voice.path("keep going") == tmp_path / "keep_going.wav"
    assert voice.missing(["stop", "keep going"]) == ["stop", "keep going"]
    (tmp_path / "manifest.tsv").write_text("stop takes/stop.wav\n")
    with pytest.raises(ValueError, match=r"manifest.tsv:1: expected 'words<TAB>file.wav'"):
        spoken.RecordedVoice(tmp_path)
