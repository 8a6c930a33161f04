"""Speech wired to sessions: --audio-in through the microphone path, understand/transcribe WAVs.

Test speech is espeak-ng's en-us voice (the speech benchmark uses other voices), through the
real pocketsphinx recognizer.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from speechkit import recording
from test_speech_listen import ScriptedRecognizer, final

from voicecoach.app.ear import Ear
from voicecoach.app.session import Session
from voicecoach.app.spoken import Saying, is_echo, stream_session, ticked
from voicecoach.audio.stage import Chain
from voicecoach.cli import main
from voicecoach.coach.dialog import Dialog
from voicecoach.coach.events import Begin
from voicecoach.coach.machine import Coach
from voicecoach.coach.steps import GO_ON
from voicecoach.nlu.matcher import IntentMatcher


@pytest.mark.parametrize(
    ("heard", "saying", "echo"),
    [("stop", "Say stop at any time and I'll stop at once.", True),
     ("right", "Right.", True),
     ("stop", "Left, 4.", False),
     ("i feel dizzy", "Stop if you experience pain or dizziness.", False),
     ("stop", None, False),
     ("hi and you're back to this coach hey half back this when you're ready",
      "Hi, I'm your Back Twist coach. Say \"start back twist\" when you're ready.", True),
     ("what do i do with my arms", "Slightly bend your knees.", False),
     ("", "Right.", False)],
)
def test_echo_is_only_what_the_coach_is_saying(heard: str, saying: str | None, echo: bool) -> None:
    assert is_echo(heard, saying) is echo


GREETING = "Hi, I'm your Back Twist coach. Say \"start back twist\" when you're ready."


@pytest.mark.parametrize(
    ("heard", "saying", "converged", "invited", "own"),
    [("hi and you're back to this coach hey half back this when you're ready", GREETING,
      True, True, True),  # the line again: the canceller is no excuse, nor what it waits for
     ("start back twist", GREETING, False, True, False),  # the answer it asks for
     ("okay start back twist when you're ready", GREETING, True, True, False),
     ("how many reps", "You can ask how many reps are left.", True, False, False),
     ("you can ask how many reps are left", "You can ask how many reps are left.", True, False,
      True),
     ("right", "Right.", False, False, True), ("right", "Right.", True, False, False)],
)
def test_the_line_said_again_is_always_the_coachs_own(
        heard: str, saying: str, converged: bool, invited: bool, own: bool) -> None:
    assert Saying(saying, converged).own_voice(heard, invited) is own


@pytest.mark.parametrize(("converged", "own"), [(False, True), (True, False)])
def test_while_converging_words_meaning_nothing_over_the_coach_are_its_echo(
        converged: bool, own: bool) -> None:
    line = Saying('Hi there. When you want to stretch, say "start back twist".', converged)
    garbled = "try there when you want to go straight take our hand please"  # the room's
    assert line.own_voice(garbled, meant=False) is own
    assert not line.own_voice("how many reps do i do", meant=True)


@pytest.mark.parametrize(
    ("reference", "opened", "own"),
    [(4.3, 0.3, True),  # opened with the greeting, before the canceller had learnt
     (4.3, 5.1, False),  # the answer, after the line
     (None, 0.2, True),  # no canceller at all
     (None, 1.0, False),  # said over the line, once it was under way
     (20.0, 0.3, False)],  # a line begun over a trusted canceller: the canceller's
)
def test_an_utterance_opening_with_a_line_begun_unconverged_is_its_echo(
        reference: float | None, opened: float, own: bool) -> None:
    line = Saying.over(GREETING, reference, began=0.0, now=5.6)
    garbled = "hi and you're back to this coach hey half back this then we're ready"  # the room's
    assert line.own_voice(garbled, invited=True, opened=opened) is own


def test_a_live_line_is_placed_in_stream_time_by_the_wall_clock() -> None:
    """The live check places the line on the stream's clock (seconds since it was set up)."""
    import time

    from voicecoach.app.spoken import _echo_of

    class Speaker:
        began = time.monotonic() + 0.25

        def now_saying(self, tail: float = 0.0) -> str:
            return GREETING

        def line_began(self) -> float:
            return self.began

    class Ear:
        canceller = None

    saying = _echo_of(Speaker(), Ear())()  # type: ignore[arg-type]
    assert saying is not None and saying.began == pytest.approx(0.25, abs=0.05)
    assert saying.own_voice("hi and you're back", invited=True, opened=0.3)


@pytest.mark.parametrize(("text", "intent", "passed"),
                         [("right", "none", False), ("stop", "stop", True),
                          ("say stop", "stop", True), ("how many reps", "ask_reps", True),
                          ("start back twist", "start", True), ("say right", "help", False)])
def test_echo_never_swallows_a_halt(text: str, intent: str, passed: bool) -> None:
    from voicecoach.app.spoken import feed
    from voicecoach.speech.listen import Heard

    heard: list[str] = []

    class Recorder:
        coach = Coach(Dialog.load(), random.Random(0))  # at the greeting: awaits a start

        def heard(
            self, t: float, said: str, match: object = None, partial: bool = False, doubt: str = "",
            guess: str = "", lag: float = 0.0, asr: float = 0.0, unclear: bool = False,
        ) -> None:
            heard.append(said)

    event = Heard(1.0, text, 0.9, intent, 0.9, True, 0.5)
    Recorder.coach.handle(Begin(0.0))
    echo = Saying('Right. Say stop at any time, or "start back twist".')
    feed(Recorder(), event, lambda: echo)  # type: ignore[arg-type]
    assert (heard == [text]) is passed


def test_ticked_ticks_at_audio_time() -> None:
    times: list[float] = []
    chunks = list(ticked([b"\0" * 3200] * 3, times.append))
    assert len(chunks) == 3 and times == [0.0, 0.1, 0.2, 0.3]


def test_audio_in_runs_a_session_in_audio_time(tmp_path: Path, capsys) -> None:  # type: ignore
    wav = recording(tmp_path / "session.wav", [2.0, "start back twist", 20.0, "no", 25.0,
                                                "i'm ready", 95.0, "stop now", 5.0])
    assert main(["run", "--audio-in", str(wav), "--json", "--seed", "1"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    intents = [(r["t"], r["intent"]) for r in records if r["event"] == "intent"]
    assert [i for _, i in intents] == ["start", "no", "ready", "stop"], intents
    assert all(t <= 2.0 + 22 + 27 + 100 + 5 for t, _ in intents)
    phases = [r["phase"] for r in records if r["event"] == "phase"]
    assert phases[:3] == ["safety_check", "setup", "twisting"]
    halt = next(r for r in records if r["event"] == "halt")
    reps_before = [r for r in records if r["event"] == "rep" and r["t"] <= halt["t"]]
    assert halt["reason"] == "stop" and reps_before
    assert not [r for r in records if r["event"] == "rep" and r["t"] > halt["t"]]


def test_understand_takes_wavs_and_reports_bad_files_per_line(
    tmp_path: Path, capsys  # type: ignore
) -> None:
    good = recording(tmp_path / "dizzy.wav", [1.0, "i feel dizzy", 1.0])
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF\x00\x00junk")
    code = main(["understand", "--json", str(good), str(broken), "how many reps"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1 and len(lines) == 3
    assert lines[0]["intent"] == "dizzy" and lines[0]["engine"] == "whisper"  # the default
    assert "error" in lines[1] and "broken.wav" in lines[1]["error"]
    assert lines[2]["intent"] == "ask_reps"


def test_transcribe_prints_the_words(tmp_path: Path, capsys) -> None:  # type: ignore
    wav = recording(tmp_path / "reps.wav", [1.0, "how many reps", 1.0])
    assert main(["transcribe", "--json", str(wav)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line["transcript"] == "how many reps" and line["engine"] == "whisper"


def test_microphone_session_then_typing_when_the_device_vanishes(
    tmp_path: Path, capsys, monkeypatch  # type: ignore
) -> None:
    """The real microphone path (fake device): speech is heard, then the mic vanishes."""
    import io

    from fakesd import FakeSoundDevice

    from voicecoach.audio import devices as audio
    from voicecoach.audio.wav import read_pcm16k

    wav = recording(tmp_path / "mic.wav", [1.0, "start back twist", 2.0])
    fake = FakeSoundDevice(read_pcm16k(wav), after_input="end", speed=20.0)
    monkeypatch.setattr(audio, "load_sounddevice", lambda: fake)
    monkeypatch.setattr("sys.stdin", io.StringIO("quit\n"))
    assert main(["run", "--json", "--seed", "1"]) == 0
    out = capsys.readouterr()
    records = [json.loads(line) for line in out.out.splitlines()]
    intents = [r for r in records if r["event"] == "intent"]
    assert [r["intent"] for r in intents] == ["start", "quit"]
    assert intents[1]["t"] >= 4.0  # typing carries on the session's clock, not from zero
    assert records[-1] == {**records[-1], "event": "end", "reason": "quit"}
    notes = out.err.strip().splitlines()
    assert notes[0].startswith(
        "voicecoach: listening (microphone only); speech recognizer: Whisper tiny.en")
    assert "typing instead" in notes[-1] and len(notes) == 2


def test_no_microphone_falls_back_to_typing_in_one_line(capsys, monkeypatch) -> None:  # type: ignore
    import io

    from fakesd import FakePortAudioError, FakeSoundDevice

    from voicecoach.audio import devices as audio

    fake = FakeSoundDevice(input_error=FakePortAudioError("Error querying device -1"))
    monkeypatch.setattr(audio, "load_sounddevice", lambda: fake)
    monkeypatch.setattr("sys.stdin", io.StringIO("start back twist\nquit\n"))
    assert main(["run", "--json"]) == 0
    out = capsys.readouterr()
    assert [line for line in out.err.splitlines() if line] == [
        "voicecoach: no microphone found: connect one or use --text (typing instead)"]
    assert '"intent": "start"' in out.out


def test_the_recognizer_is_told_what_answers_the_coach_awaits() -> None:
    """Greeting: a start; the safety question: yes or no; setup's "ready?": ready, yes, no, go
    on or wait; while the coach talks or counts twists: nothing."""
    rec = ScriptedRecognizer(
        finals={30: final("start back twist"), 250: final("no"), 550: final("yes")}
    )
    coach = Coach(Dialog.load(), random.Random(1))
    session = Session(coach, IntentMatcher.load(), lambda record: None)
    session.begin(0.0)
    stream_session(session, [bytes(3200)] * 1500, Ear(rec, Chain()))
    assert coach.step == "pacing"
    favoured = [(count, set(intents)) for count, intents in rec.preferred]
    assert [intents for _, intents in favoured] == [
        set(GO_ON),
        set(),
        {"yes", "no"},
        set(),
        {"ready", "yes", "no", "resume", "pause"},
        set(),
    ]
    assert [count for count, _ in favoured][1::2] == [30, 250, 550]


def test_a_barely_heard_stop_while_twisting_pauses_the_count() -> None:
    """The recognizer is unsure of "stop" (confidence 0.1): no halt, but no counting on."""
    records: list[dict[str, object]] = []
    rec = ScriptedRecognizer(
        finals={
            30: final("start back twist"),
            250: final("no"),
            550: final("yes"),
            1300: final("stop", confidence=0.1),
        }
    )
    coach = Coach(Dialog.load(), random.Random(1))
    session = Session(coach, IntentMatcher.load(), records.append)
    session.begin(0.0)
    stream_session(session, [bytes(3200)] * 1600, Ear(rec, Chain()))
    reps = [r for r in records if r["event"] == "rep"]
    assert reps and all(float(r["t"]) <= 130.0 for r in reps)  # type: ignore[arg-type]
    assert not [r for r in records if r["event"] == "halt"]
    said = [r["key"] for r in records if r["event"] == "say"]
    assert "check.stop" in said and coach.step == "checking"


def test_the_microphone_path_cancels_the_coachs_voice(
    tmp_path: Path, capsys, monkeypatch  # type: ignore
) -> None:
    """With a voice, the microphone's blocks go through echo cancelling, with what the
    player played as the reference; a halt cuts the voice."""
    import io

    from fakesd import FakeSoundDevice

    from voicecoach.app.runner import HumanSink
    from voicecoach.app.settings import EngineSettings
    from voicecoach.app.spoken import run_microphone
    from voicecoach.audio import devices as audio
    from voicecoach.audio.echo import EchoPath, PlaybackTap
    from voicecoach.audio.wav import read_pcm16k
    from voicecoach.speech.tts import VoiceSpeaker

    # said 8 s in, after the greeting on both clocks: the player's runs at the wall's pace,
    # the microphone's at 10 times it, so a line cannot be placed in stream time here (echo
    # onset: :data:`spoken.ONSET`); and a loaded machine cleans the queued blocks late, when
    # the greeting's audio is in the tap for their times, so said over it the canceller
    # would take "start" for double talk
    wav = recording(tmp_path / "mic.wav", [8.0, "start back twist", 10.0, "stop", 2.0])
    fake = FakeSoundDevice(read_pcm16k(wav), after_input="end", speed=10.0)
    monkeypatch.setattr(audio, "load_sounddevice", lambda: fake)
    monkeypatch.setattr("sys.stdin", io.StringIO("quit\n"))
    cleaned: list[float] = []
    real_call = EchoPath.__call__

    def spy(self: EchoPath, block: bytes, at: float) -> bytes:
        cleaned.append(at)
        return real_call(self, block, at)

    monkeypatch.setattr(EchoPath, "__call__", spy)
    tap = PlaybackTap()
    speaker = VoiceSpeaker(audio.Player(sd=fake, tap=tap.played), tap=tap)
    records: list[dict] = []
    sink = HumanSink(speaker)
    coach = Coach(Dialog.load(), random.Random(1))
    session = Session(coach, IntentMatcher.load(),
                      lambda r: (records.append(r), sink(r)))  # type: ignore[func-returns-value]
    session.sink.speaker = speaker  # type: ignore[attr-defined]
    try:
        assert run_microphone(session, None, EngineSettings("pocketsphinx"))
    finally:
        speaker.close()
    assert len(cleaned) > 100 and cleaned == sorted(cleaned)
    assert any(tap.reference(t - 0.05, 1600) != bytes(3200) for t in cleaned)
    intents = [r["intent"] for r in records if r["event"] == "intent"]
    assert intents[0] == "start" and "stop" in intents
    assert "no echo cancelling" not in capsys.readouterr().err


def _understood(monkeypatch: pytest.MonkeyPatch, rec: ScriptedRecognizer, path: Path) -> dict:
    from voicecoach.app import ear, spoken
    from voicecoach.app.settings import EngineSettings

    monkeypatch.setattr(ear, "open_recognizer", lambda engine: (rec, "scripted"))
    return spoken.understand_wav(str(path), IntentMatcher.load(), EngineSettings(denoise="off"))


def test_understand_reports_the_early_halt_the_session_acts_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The halt came from a partial; the final saying the same is dropped: still a stop."""
    wav = recording(tmp_path / "quiet.wav", [2.0])
    rec = ScriptedRecognizer(partials={3: "stop"}, finals={30: final("stop")})  # 40 ms chunks
    record = _understood(monkeypatch, rec, wav)
    assert record["intent"] == "stop" and record["early"] is True
    assert record["partial"] == "stop" and "doubt" not in record


def test_understand_reports_a_halting_word_heard_unsure_as_a_doubt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wav = recording(tmp_path / "quiet.wav", [2.0])
    rec = ScriptedRecognizer(finals={12: final("stop", confidence=0.1)})
    record = _understood(monkeypatch, rec, wav)
    assert (record["intent"], record["doubt"], record["transcript"]) == ("none", "stop", "stop")
    assert "early" not in record


def test_each_file_is_heard_from_the_same_start(tmp_path: Path, capsys) -> None:  # type: ignore
    """A file's result does not depend on the files before it in the same command."""
    first = recording(tmp_path / "go.wav", [0.3, "keep going, go on", 0.5])
    noisy = tmp_path / "noise.wav"
    from voicecoach.audio.wav import write_wav

    write_wav(noisy, np.random.default_rng(5).normal(0, 3000, 16000 * 3))
    target = recording(tmp_path / "pain.wav", [0.3, "ouch my back hurts", 0.8])
    main(["understand", "--json", str(target)])
    alone = json.loads(capsys.readouterr().out)
    main(["understand", "--json", str(first), str(noisy), str(target)])
    after = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert after == alone


def test_a_duplex_session_cancels_its_own_voice_and_types_on_when_the_device_goes(
    tmp_path: Path, capsys, monkeypatch  # type: ignore
) -> None:
    """Speaker and microphone on one duplex stream: the coach speaks through it, the user is
    heard through the ear's canceller, and when the device goes away mid-session the session
    goes on typed."""
    import io

    from fakesd import FakeSoundDevice

    from voicecoach.app.ear import open_ear
    from voicecoach.app.runner import HumanSink
    from voicecoach.app.settings import EngineSettings
    from voicecoach.app.spoken import run_microphone
    from voicecoach.audio.duplex import open_duplex
    from voicecoach.audio.wav import read_pcm16k
    from voicecoach.speech.tts import open_voice

    # the fake device runs 10 times faster than the coach's clock, so where its lines fall in
    # the stream depends on the machine's load: no echo here (the canceller on a duplex
    # stream's echo is tested in test_audio_duplex, talk-over in the room)
    wav = recording(tmp_path / "mic.wav", [12.0, "start back twist", 4.0])
    fake = FakeSoundDevice(read_pcm16k(wav), after_input="end", speed=10.0)
    monkeypatch.setattr("sys.stdin", io.StringIO("quit\n"))
    open_ear(EngineSettings("pocketsphinx"))  # loaded before the stream starts: no lag
    duplex = open_duplex(sd=fake)
    speaker = open_voice(player=duplex.player)
    records: list[dict] = []
    sink = HumanSink(speaker)
    session = Session(Coach(Dialog.load(), random.Random(1)), IntentMatcher.load(),
                      lambda r: (records.append(r), sink(r)))  # type: ignore[func-returns-value]
    session.sink.speaker = speaker  # type: ignore[attr-defined]
    try:
        assert run_microphone(session, None, EngineSettings("pocketsphinx"), duplex)
    finally:
        speaker.close()
        duplex.close()
    intents = [r["intent"] for r in records if r["event"] == "intent"]
    assert intents[0] == "start" and intents[-1] == "quit"
    assert any(fake.played)  # the coach spoke through the duplex stream
    err = capsys.readouterr().err
    assert "listening (one duplex stream)" in err and "echo cancelling: SpeexDSP" in err
    assert "microphone stopped" in err and "typing instead" in err
