"""The pocketsphinx path for real: espeak-ng speaks, the bundled model listens.

Commands are synthesized with ``espeak-ng -v en-us`` (the benchmark uses other voices), fed
through the WAV path and the streaming path, and matched to intents. Real human recordings
from ``../shared/speech``: yes/no must be understood, everything else must come back ``none``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from speechkit import speak

from voicecoach.audio.wav import iter_chunks, read_pcm16k, write_wav
from voicecoach.nlu.matcher import IntentMatcher
from voicecoach.speech.asr.base import Recognizer
from voicecoach.speech.listen import Heard, listen, recognize_file

pytest.importorskip("pocketsphinx")

OOD_FILES = [
    "voice2json/turn_on_living_room_lamp.wav",
    "voice2json/what_time_is_it.wav",
    "voice2json/would_you_please_turn_on_living_room_lamp.wav",
    "voice2json/hey_mycroft.wav",
    "voice2json/launch_firefox.wav",
    "librispeech/armkit_another_door.wav",
    "librispeech/armkit_another_engineer.wav",
    "librispeech/armkit_i_tell_you.wav",
    "librispeech/armkit_testing_routine.wav",
    "pocketsphinx/goforward.wav",
    "pocketsphinx/numbers.wav",
    "pocketsphinx/something.wav",
    "pocketsphinx/forever_input_2_16k.wav",
    "pocketsphinx/cards_001.wav",
    "pocketsphinx/cards_002.wav",
    "pocketsphinx/cards_003.wav",
    "pocketsphinx/cards_004.wav",
    "pocketsphinx/cards_005.wav",
    "pocketsphinx/librivox_0870.wav",
    "pocketsphinx/librivox_0880.wav",
    "pocketsphinx/librivox_0890.wav",
    "pocketsphinx/librivox_0920.wav",
    "pocketsphinx/librivox_0930.wav",
    "vosk/vosk_test.wav",
    "picovoice_rhino/test_within_context.wav",
    "picovoice_rhino/test_out_of_context.wav",
]

COMMANDS = [
    ("stop now", "stop"),
    ("please stop", "stop"),
    ("i feel dizzy now", "dizzy"),
    ("it hurts", "pain"),
    ("ouch", "pain"),
    ("start back twist", "start"),
    ("how many reps", "ask_reps"),
    ("what are the benefits", "ask_benefits"),
    ("what do i do with my arms", "ask_technique"),
    ("what can i say", "help"),
    ("i'm ready", "ready"),
    ("no thanks", "no"),
    ("nope", "no"),
    ("keep going", "resume"),
    ("skip", "skip"),
    ("repeat", "repeat"),
    ("go faster", "faster"),
    ("go slower", "slower"),
    ("i want to quit", "quit"),
]
"""Phrases espeak-ng's en-us voice says well enough for pocketsphinx (many others fail with
this robotic voice: see the speech benchmark for accuracy on other voices and paraphrases).
Which ones pass shifts with the phrase data: adding the "ready" intent turned en-us's "i feel
dizzy" into "i feel really" (and another voice's miss into a hit: 46 vs 47 of 65 halting and
answer clips on five espeak voices, before and after), so this row says "i feel dizzy now"."""


def chunks_of(pcm: bytes, size: int = 3200) -> list[bytes]:
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]


def heard(recognizer: Recognizer, matcher: IntentMatcher, pcm: bytes) -> list[Heard]:
    return list(listen(chunks_of(pcm), recognizer, matcher))


def intents(events: list[Heard]) -> list[str]:
    return [e.intent for e in events if e.intent != "none"]


@pytest.fixture(scope="session")
def recognizer() -> Recognizer:
    from voicecoach.speech.asr.pocketsphinx import PocketsphinxRecognizer

    return PocketsphinxRecognizer()


@pytest.fixture(scope="session")
def matcher() -> IntentMatcher:
    return IntentMatcher.load()


@pytest.mark.parametrize(("text", "intent"), COMMANDS)
def test_spoken_commands_from_a_file(
    tmp_path: Path, recognizer: Recognizer, matcher: IntentMatcher, text: str, intent: str
) -> None:
    pcm = read_pcm16k(speak(text, tmp_path / "c.wav"))
    path = write_wav(tmp_path / "padded.wav", bytes(16000) + pcm + bytes(16000))
    results = recognize_file(path, recognizer)
    assert [matcher.match(r.text).intent for r in results] == [intent], results


def test_a_stream_of_commands_in_audio_time(
    tmp_path: Path, recognizer: Recognizer, matcher: IntentMatcher
) -> None:
    said = ["start back twist", "how many reps", "i feel dizzy", "go slower"]
    silence = np.zeros(16000, dtype="<i2").tobytes()
    pcm, starts = silence, []
    for text in said:
        starts.append(len(pcm) / 32000)
        pcm += read_pcm16k(speak(text, tmp_path / "s.wav")) + silence
    events = heard(recognizer, matcher, pcm)
    assert intents(events) == ["start", "ask_reps", "dizzy", "slower"]
    times = [e.t for e in events if e.intent != "none"]
    assert times == sorted(times)
    for event, start in zip([e for e in events if e.intent != "none"], starts, strict=True):
        assert start - 0.3 <= event.start < event.t <= start + 3.0


def test_stop_acts_from_a_partial_before_the_endpoint(
    tmp_path: Path, recognizer: Recognizer, matcher: IntentMatcher
) -> None:
    pcm = bytes(16000) + read_pcm16k(speak("stop stop stop", tmp_path / "stop.wav"))
    events = heard(recognizer, matcher, pcm + bytes(32000))
    assert events and events[0].intent == "stop"
    assert not events[0].final
    assert events[0].t < len(pcm) / 32000  # while the user is still speaking
    assert intents(events) == ["stop"]  # the final "stop" is not acted on twice


@pytest.mark.parametrize(
    ("name", "intent"),
    [("speech_commands/armkit_yes.wav", "yes"), ("speech_commands/tflm_no_1000ms.wav", "no")],
)
def test_real_human_yes_and_no(
    recognizer: Recognizer, matcher: IntentMatcher, name: str, intent: str
) -> None:
    pcm = read_pcm16k(shared_path(f"speech/{name}"))
    assert intents(heard(recognizer, matcher, bytes(8000) + pcm + bytes(16000))) == [intent]


@pytest.mark.parametrize("name", OOD_FILES)
def test_real_human_out_of_domain_speech_is_none(
    recognizer: Recognizer, matcher: IntentMatcher, name: str
) -> None:
    pcm = read_pcm16k(shared_path(f"speech/{name}"))
    events = heard(recognizer, matcher, pcm + bytes(16000))
    assert intents(events) == [], [(e.text, e.confidence, e.intent) for e in events]


@pytest.mark.parametrize("name", ["noise/tflm_noise_1000ms.wav", "noise/tflm_silence_1000ms.wav"])
def test_noise_and_silence_invent_nothing(
    recognizer: Recognizer, matcher: IntentMatcher, name: str
) -> None:
    assert intents(heard(recognizer, matcher, read_pcm16k(shared_path(f"speech/{name}")))) == []


def test_pure_silence_and_low_noise(recognizer: Recognizer, matcher: IntentMatcher) -> None:
    assert heard(recognizer, matcher, bytes(5 * 32000)) == []
    hiss = np.random.default_rng(3).normal(0, 100, 5 * 16000).astype("<i2").tobytes()
    assert intents(heard(recognizer, matcher, hiss)) == []


def test_a_ten_minute_recording_streams_through(
    tmp_path: Path, recognizer: Recognizer, matcher: IntentMatcher
) -> None:
    noise = np.random.default_rng(4).normal(0, 30, 16000 * 60).astype("<i2").tobytes()
    path = tmp_path / "long.wav"
    write_wav(path, noise * 10)
    events = list(listen(iter_chunks(path), recognizer, matcher))
    assert intents(events) == []


def test_recognizer_restarts_stream_time_after_finish(
    tmp_path: Path, recognizer: Recognizer
) -> None:
    path = speak("how many reps", tmp_path / "r.wav")
    recognize_file(speak("i feel dizzy", tmp_path / "other.wav"), recognizer)
    first = recognize_file(path, recognizer)
    second = recognize_file(path, recognizer)
    assert [(t.text, t.start) for t in first] == [(t.text, t.start) for t in second]
    assert first and 0 <= first[0].start < first[0].end <= 2.0
    assert all(0 <= w.confidence <= 1 for w in first[0].words)


def test_speech_from_the_very_first_sample(tmp_path: Path, recognizer: Recognizer) -> None:
    """A file cut right at the start of a word (no silence before it) is still heard."""
    pcm = np.frombuffer(read_pcm16k(speak("how many reps", tmp_path / "r.wav")), dtype="<i2")
    onset = int(np.argmax(np.abs(pcm) > 0.02 * np.abs(pcm).max()))
    path = write_wav(tmp_path / "cut.wav", pcm[onset:].tobytes() + bytes(16000))
    results = recognize_file(path, recognizer)
    assert [r.text for r in results] == ["how many reps"]
    assert all(0.0 <= w.start < w.end for w in results[0].words)
    assert results[0].words[0].start < 0.2


def test_favouring_the_awaited_answers(
    tmp_path: Path, recognizer: Recognizer, matcher: IntentMatcher
) -> None:
    """With yes/no favoured (the coach asked a question), an answer the general model misses
    is heard; other commands are still heard; the general model comes back afterwards."""
    answer = speak("nah i'm good", tmp_path / "a.wav")
    other = speak("how many reps", tmp_path / "o.wav")

    def heard_in(path: Path) -> list[str]:
        return [matcher.match(t.text).intent for t in recognize_file(path, recognizer)]

    general = heard_in(answer)
    try:
        recognizer.prefer(frozenset({"yes", "no"}))
        assert heard_in(answer) == ["no"]
        assert heard_in(other) == ["ask_reps"]
    finally:
        recognizer.prefer(frozenset())
    assert general != ["no"]
    assert heard_in(answer) == general
