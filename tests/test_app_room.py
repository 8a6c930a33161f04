"""voicecoach.app.room: short sessions of the real live loop in a simulated room.

The coach's lines are rendered by the real TTS, its voice comes back into the microphone as
echo (-6 dB, 40 ms, a little reverberation), SpeexDSP cancels it and the real pocketsphinx
recognizer listens. The user types the dialogue moves and *says* (espeak-ng en-us, the test
voice) the commands under test.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from speechkit import spoken

from voicecoach.app.ear import open_ear
from voicecoach.app.room import RoomRun, UserLine
from voicecoach.app.settings import EngineSettings
from voicecoach.audio.echo import EchoCanceller
from voicecoach.audio.room import Room, RoomSettings, VirtualSpeaker
from voicecoach.coach.dialog import Dialog
from voicecoach.coach.machine import Coach, CoachConfig
from voicecoach.nlu.matcher import IntentMatcher
from voicecoach.speech.asr.base import Recognizer
from voicecoach.speech.tts import LineAudio

KITCHEN = Path(__file__).resolve().parents[1].parent / "shared/speech/noise/picovoice_kitchen.wav"
REPLIES = {"idle": "start back twist", "safety": "no", "setup": "ready", "stopped": "keep going",
           "halted": "i feel fine now", "halt_confirm": "yes"}
LINES = LineAudio()
"""One render cache for the whole module: the coach says the same lines in every test."""


class User:
    """Types the replies; says ``line`` once ``when(run)`` holds (at most once)."""

    def __init__(self, line: UserLine | None = None,
                 when: Callable[[RoomRun], bool] = lambda run: False,
                 then: float | None = None) -> None:
        self.line, self.when, self.then = line, when, then
        self.said_at: float | None = None

    def act(self, run: RoomRun) -> None:
        coach = run.coach
        if coach.ended:
            return
        if coach.awaiting_answer and coach.step in REPLIES and _quiet(run):
            run.type(REPLIES[coach.step])
        elif self.line is not None and self.said_at is None and self.when(run):
            self.said_at = run.say(self.line).end
            if self.then is not None:  # the rest of the session is not under test
                run.limit = self.said_at + self.then


def _quiet(run: RoomRun) -> bool:
    return all(c.end + 0.5 <= run.now for c in run.speaker.log)


def room_run(user: User | None, reps: int = 4, echo_db: float | None = -6.0,
             fails_at: float | None = None, denoise: str = "auto", snr: float | None = None,
             recognizer: Recognizer | None = None) -> RoomRun:
    """A session in the room (kitchen noise at ``snr`` dB below the user, if given)."""
    rng = random.Random(3)
    noise = kitchen() if snr is not None else None
    room = Room(VirtualSpeaker(), RoomSettings(echo_db=echo_db, delay=0.04, snr_db=snr),
                noise, rng=rng)
    coach = Coach(Dialog.load(), random.Random(3), CoachConfig(target=reps),
                  durations=LINES.duration)
    ear = open_ear(EngineSettings("pocketsphinx", denoise=denoise), playback=True,
                   recognizer=recognizer)
    run = RoomRun(coach, IntentMatcher.load(), ear, LINES, room, user, limit=400.0,
                  mic_fails_at=fails_at)
    follow = getattr(recognizer, "follow", None)
    if follow is not None:
        follow(run)
    return run.run()


def kitchen() -> np.ndarray:
    """The shared kitchen noise (skipped, or failed where CI=true, when absent)."""
    from test_audio_devices import shared_file

    from voicecoach.audio.wav import read_pcm16k

    pcm = read_pcm16k(shared_file(KITCHEN))
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def of(run: RoomRun, event: str) -> list[dict]:
    return [r for r in run.records if r["event"] == event]


def saying_long(run: RoomRun) -> bool:
    """While twisting, the coach is saying a line with more than 1.5 s still to go."""
    clip = run.speaker.saying(run.now)
    return run.coach.phase == "twisting" and clip is not None and clip.end - run.now > 1.5


def saying_count(run: RoomRun, at_least: int) -> bool:
    """The coach is saying a count line, at least ``at_least`` twists in, with 0.3 s left."""
    clip = run.speaker.saying(run.now)
    reps = of(run, "rep")
    return (clip is not None and clip.key.startswith("twist.") and len(reps) >= at_least
            and clip.end - run.now > 0.3)


def test_stop_over_the_coachs_voice_halts_and_cuts_it(tmp_path: Path) -> None:
    stop = UserLine(spoken("stop", tmp_path).tobytes(), "stop", "stop")
    user = User(stop, saying_long, then=3.0)
    run = room_run(user)
    assert user.said_at is not None
    said = run.said[0]
    assert said.over_coach
    halts = of(run, "halt")
    assert halts and said.start <= halts[0]["t"] <= said.end + 0.6
    t = halts[0]["t"]
    cut = [c for c in run.speaker.log if c.cut and c.start < t]
    assert cut and all(c.end <= t + 0.05 for c in cut)  # silent within one output block or so
    assert not [c for c in run.speaker.log if c.start < t < c.end and not c.cut]


def test_stop_over_the_coachs_voice_in_kitchen_noise_halts_and_cuts_it(tmp_path: Path) -> None:
    """Kitchen noise 10 dB below the user, the coach's echo 6 dB below, the whole chain running
    (canceller, front-end): "stop" said over a long line halts at once and the line is cut
    within an output block. The recognizer is the benchmark's oracle (it understands each user
    line as it ends): whether a real one catches it in this noise is measured, over many
    sessions, by ``bench room --matrix``. (Whisper caught it here alone, and missed it after
    other tests had run: its catch depends on how the TTS renders the coach's lines, which
    other tests change; pocketsphinx acts on the noise and misses it.)"""
    from voicecoach.bench.room import OracleRecognizer

    stop = UserLine(spoken("stop", tmp_path).tobytes(), "stop", "stop")
    user = User(stop, saying_long, then=3.0)
    run = room_run(user, snr=10.0, recognizer=OracleRecognizer())
    said = run.said[0]
    assert said.over_coach
    halts = [h for h in of(run, "halt") if h["t"] >= said.start]
    assert halts and halts[0]["t"] <= said.end + 0.2
    t = halts[0]["t"]
    cut = [c for c in run.speaker.log if c.cut and c.start < t]
    assert cut and all(c.end <= t + 0.05 for c in cut)
    assert not [c for c in run.speaker.log if c.start < t < c.end and not c.cut]


def test_a_kitchen_noise_session_without_the_user_speaking_acts_on_nothing() -> None:
    """The loop in noise: the whole chain runs on kitchen noise and the coach's echo, the
    recognizer is the benchmark's oracle (it hears only what the user says: nothing here), so
    no intent is acted on, and every twist is counted on its beat. (Whether a real recognizer
    hears commands in such noise is measured by ``bench room --matrix``: pocketsphinx does.)"""
    from voicecoach.bench.room import OracleRecognizer

    run = room_run(User(), reps=4, snr=10.0, recognizer=OracleRecognizer())
    assert of(run, "end")[-1]["reason"] == "done"
    typed = {r["t"] for r in of(run, "typed")}
    assert [r for r in of(run, "intent") if r["t"] not in typed] == []
    reps = of(run, "rep")
    assert [r["count"] for r in reps if r["side"] == "left"] == [1, 2, 3, 4]
    counts = [c for c in run.speaker.log if re.match(r"twist\.(right|left)$", c.key)]
    for rep in reps:
        said = [c for c in counts if abs(c.due - rep["t"]) < 0.01 and rep["side"] in c.key]
        assert said and abs(said[0].start - rep["t"]) <= 0.15 and not said[0].cut


def test_a_whole_session_of_echo_alone_never_acts() -> None:
    run = room_run(User(), reps=3)
    assert of(run, "end") and of(run, "end")[-1]["reason"] == "done"
    assert not of(run, "halt")
    typed = {r["t"] for r in of(run, "typed")}
    acted = [r for r in of(run, "intent") if r["intent"] != "none" and r["t"] not in typed]
    assert acted == []


def test_a_question_mid_twist_is_answered_at_once_with_the_current_count(tmp_path: Path) -> None:
    ask = UserLine(spoken("how many reps", tmp_path).tobytes(), "ask_reps", "how many reps")
    user = User(ask, lambda run: saying_count(run, 4), then=8.0)
    # WebRTC's suppressor on this voice said over the count made pocketsphinx hear "how many
    # minutes" (measured); the loop's timing is what is tested here
    run = room_run(user, reps=6, denoise="off")
    said = run.said[0]
    answer = next(c for c in run.speaker.log if c.key.startswith("reps.") and c.due >= said.start)
    assert answer.start - said.end <= 1.0
    done = {side: max((r["count"] for r in of(run, "rep")
                       if r["side"] == side and r["t"] <= answer.start), default=0)
            for side in ("right", "left")}
    assert re.search(rf"\b{min(done.values())}\b", answer.text), (done, answer.text)


def test_no_count_is_skipped_and_each_is_on_its_beat() -> None:
    run = room_run(User(), reps=8)
    reps = of(run, "rep")
    counts = [c for c in run.speaker.log if re.match(r"twist\.(right|left)$", c.key)]
    assert len(reps) == 16
    for rep in reps:
        said = [c for c in counts if abs(c.due - rep["t"]) < 0.01 and rep["side"] in c.key]
        assert said, f"count {rep['side']} {rep['count']} was not said"
        assert abs(said[0].start - rep["t"]) <= 0.15 and not said[0].cut


def test_a_device_error_mid_session_goes_on_typed() -> None:
    run = room_run(User(), reps=4, fails_at=40.0)
    fallback = of(run, "fallback")
    assert fallback and fallback[0]["t"] == pytest.approx(40.0, abs=0.11)
    assert of(run, "end")[-1]["reason"] == "done"
    reps = of(run, "rep")
    assert [r["count"] for r in reps if r["side"] == "right"] == [1, 2, 3, 4]
    assert run.typing


def test_without_echo_cancelling_the_text_check_still_guards() -> None:
    """The echo guard: text checking until the canceller has heard enough of the coach."""
    from voicecoach.app.spoken import Saying, echo_guard

    fresh = EchoCanceller()
    assert echo_guard("Right, 3.", None) == Saying("Right, 3.")
    assert echo_guard("Right, 3.", fresh) == Saying("Right, 3.")
    assert echo_guard(None, fresh) is None
    fresh.reference_seconds = 5.0
    assert echo_guard("Right, 3.", fresh) == Saying("Right, 3.", converged=True)
    assert not Saying("Right, 3.", converged=True).own_voice("right")
