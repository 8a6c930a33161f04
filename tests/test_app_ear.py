"""voicecoach.app.ear: one chain for every stream. The simulated room and ``run --audio-in``
hear the same microphone audio event for event (the room used to skip the front-end)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from speechkit import spoken
from test_app_room import LINES, REPLIES, of

from voicecoach.app import ear as ear_module
from voicecoach.app.ear import Ear, open_ear
from voicecoach.app.room import RoomRun, UserLine
from voicecoach.app.runner import build_session
from voicecoach.app.settings import EngineSettings, RunSettings
from voicecoach.audio.room import Room, RoomSettings, VirtualSpeaker
from voicecoach.audio.stage import Chain
from voicecoach.audio.wav import write_wav
from voicecoach.cli import main
from voicecoach.nlu.matcher import IntentMatcher

KITCHEN = Path(__file__).resolve().parents[1].parent / "shared/speech/noise/picovoice_kitchen.wav"
COMPARED = ("heard", "intent", "halt", "phase", "rep", "say")


class SpeakingUser:
    """Says every reply (no typing), then "stop" over the coach once twisting."""

    def __init__(self, folder: Path) -> None:
        self.lines = {text: UserLine(spoken(text, folder).tobytes(), "", text)
                      for text in {*REPLIES.values(), "stop"}}
        self.busy_until = 0.0
        self.stopped = False

    def act(self, run: RoomRun) -> None:
        coach, now = run.coach, run.now
        if coach.ended or self.stopped or now < self.busy_until:
            return
        quiet = all(c.end + 0.5 <= now for c in run.speaker.log)
        if coach.awaiting_answer and coach.step in REPLIES and quiet:
            self.busy_until = run.say(self.lines[REPLIES[coach.step]]).end + 1.0
        elif coach.phase == "twisting" and len(of(run, "rep")) >= 2 and run.speaker.saying(now):
            self.stopped = True
            run.limit = run.say(self.lines["stop"]).end + 3.0


def _events(records: list[dict], until: float) -> list[tuple]:
    return [(r["t"], r["event"], r.get("text", ""), r.get("intent", ""))
            for r in records if r["event"] in COMPARED and float(r["t"]) <= until]


def test_the_room_and_audio_in_hear_the_same_audio_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Headphones (no echo, so no canceller and no text check of the coach's line): the
    room's microphone track, played back with ``run --audio-in``, gives the same events at the
    same times. (With echo, the room's chain also knows when the coach talks, which a
    recording cannot carry: see Ear.process.)"""
    engine = EngineSettings("pocketsphinx")
    settings = RunSettings(engine=engine, reps=2, seed=4, json=True)
    coach = build_session(settings, lambda record: None).coach
    room = Room(VirtualSpeaker(), RoomSettings(echo_db=None))
    monkeypatch.setattr(ear_module, "_RECOGNIZERS", {})  # both start from a fresh recognizer
    run = RoomRun(coach, IntentMatcher.load(), open_ear(engine), LINES, room,
                  SpeakingUser(tmp_path), limit=240.0, text_check=False, track=[]).run()
    assert run.track is not None
    wav = write_wav(tmp_path / "track.wav", np.frombuffer(b"".join(run.track), dtype="<i2"))
    monkeypatch.setattr(ear_module, "_RECOGNIZERS", {})
    assert main(["run", "--audio-in", str(wav), "--json", "--seed", "4", "--reps", "2",
                 "--no-history", "--engine", "pocketsphinx"]) == 0
    replayed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    end = run.audio_seconds()
    room_events = _events(run.records, end - 0.2)
    assert room_events == _events(replayed, end - 0.2)
    assert {"start", "stop"} <= {e[3] for e in room_events if e[1] == "intent"}


def test_an_ear_without_a_canceller_passes_blocks_untouched() -> None:
    ear = Ear(object(), Chain())  # type: ignore[arg-type]
    assert list(ear.clean([(b"\1\0" * 4, b"\2\0" * 4)])) == [b"\1\0" * 4]
