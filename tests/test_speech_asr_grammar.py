"""Grammars come from the intent phrase data: vosk phrase lists and the pocketsphinx LM."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from voicecoach.speech.asr import grammar

PHRASES = {
    "stop": ("stop", "stop now", "please stop"),
    "dizzy": ("i feel dizzy", "dizzy"),
    "yes": ("yes", "yeah sure", "yes please"),
    "start": ("start back twist", "start the back twist", "let's go", "begin", "start"),
}


def test_sentences_are_unique_and_stable() -> None:
    items = grammar.sentences({"a": ["stop", " stop  now "], "b": ["stop", ""]})
    assert items == ["stop", "stop now"]


def test_vocabulary() -> None:
    assert grammar.vocabulary(PHRASES) >= {"stop", "dizzy", "twist", "let's"}


def test_unknown_words_are_dropped_with_one_warning(caplog: pytest.LogCaptureFixture) -> None:
    known = grammar.vocabulary(PHRASES) - {"twist", "dizzy"}
    kept = grammar.keep_known(PHRASES, known.__contains__, "fake-engine")
    assert kept["start"] == ("start back", "start the back", "let's go", "begin", "start")
    assert kept["dizzy"] == ("i feel",)  # "dizzy" alone became empty and was dropped
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "fake-engine" in warnings[0].message and "dizzy twist" in warnings[0].message


def test_nothing_known_gives_nothing() -> None:
    assert grammar.keep_known(PHRASES, lambda word: False, "x") == {}


@pytest.mark.parametrize("unk", [True, False])
def test_vosk_grammar_is_a_json_phrase_list(unk: bool) -> None:
    items = json.loads(grammar.vosk_grammar(PHRASES, unk=unk))
    assert "i feel dizzy" in items and "start back twist" in items
    assert (items[-1] == "[unk]") is unk
    assert len(items) == len(set(items))


def _parse_arpa(text: str) -> dict[int, dict[tuple[str, ...], tuple[float, float]]]:
    grams: dict[int, dict[tuple[str, ...], tuple[float, float]]] = {}
    order = 0
    for line in text.splitlines():
        header = re.match(r"\\(\d)-grams:", line)
        if header:
            order = int(header.group(1))
            grams[order] = {}
        elif order and line.strip() and not line.startswith("\\"):
            fields = line.split("\t")
            bow = float(fields[2]) if len(fields) > 2 else 0.0
            grams[order][tuple(fields[1].split())] = (float(fields[0]), bow)
    return grams


def test_arpa_lm_is_a_proper_backoff_model() -> None:
    background = {"the": 0.5, "cat": 0.3, "stop": 0.2}
    grams = _parse_arpa(grammar.arpa_lm(PHRASES, background, background_weight=0.1))
    unigrams = {k: 10**p for k, (p, _) in grams[1].items() if k != ("<s>",)}
    assert sum(unigrams.values()) == pytest.approx(1.0, abs=1e-3)
    assert ("cat",) in unigrams  # background-only words are possible
    assert unigrams[("dizzy",)] > unigrams[("cat",)]
    # every history: seen continuations plus the backed-off rest sum to one
    vocab = [k[0] for k in unigrams]
    for hist in grams[1]:
        total = sum(_prob(grams, (*hist, w)) for w in vocab)
        assert total == pytest.approx(1.0, abs=1e-3), hist


def _prob(
    grams: dict[int, dict[tuple[str, ...], tuple[float, float]]], gram: tuple[str, ...]
) -> float:
    if gram in grams.get(len(gram), {}):
        return 10 ** grams[len(gram)][gram][0]
    if len(gram) == 1:
        return 0.0
    bow = grams[len(gram) - 1].get(gram[:-1], (0.0, 0.0))[1]
    return 10**bow * _prob(grams, gram[1:])


def test_each_intent_weighs_the_same_whatever_its_number_of_sentences() -> None:
    phrases = {"a": tuple(f"alpha {i}" for i in range(50)), "b": ("bravo",)}
    grams = _parse_arpa(grammar.arpa_lm(phrases, {}, background_weight=0.0))
    assert 10 ** grams[2][("<s>", "alpha")][0] == pytest.approx(10 ** grams[2][("<s>", "bravo")][0])


def test_boosted_intents_weigh_more_and_the_model_stays_proper() -> None:
    phrases = {"a": ("alpha",), "b": ("bravo",), "c": ("charlie",)}
    grams = _parse_arpa(grammar.arpa_lm(phrases, {}, background_weight=0.0, boost={"b": 4.0}))
    start = {w: 10 ** grams[2][("<s>", w)][0] for w in ("alpha", "bravo", "charlie")}
    assert start["bravo"] == pytest.approx(4 * start["alpha"])
    assert start["alpha"] == pytest.approx(start["charlie"])
    unigrams = [10**p for k, (p, _) in grams[1].items() if k != ("<s>",)]
    assert sum(unigrams) == pytest.approx(1.0, abs=1e-3)


def test_kept_intents_keep_their_share_when_others_are_boosted() -> None:
    phrases = {"a": ("alpha",), "b": ("bravo",), "c": ("charlie",), "d": ("delta",)}

    def shares(**kw: object) -> dict[str, float]:
        arpa = grammar.arpa_lm(phrases, {}, background_weight=0.0, **kw)  # type: ignore[arg-type]
        bigrams = _parse_arpa(arpa)[2]
        starts = {g[1]: 10**p for g, (p, _) in bigrams.items() if g[0] == "<s>"}
        return {w: p / sum(starts.values()) for w, p in starts.items()}

    assert shares()["delta"] == pytest.approx(0.25, abs=1e-4)
    assert shares(boost={"a": 20.0})["delta"] == pytest.approx(1 / 23, abs=1e-4)
    kept = shares(boost={"a": 20.0}, keep_share={"d"})
    assert kept["delta"] == pytest.approx(0.25, abs=1e-4)
    assert kept["alpha"] > 2 * kept["delta"] > 2 * kept["bravo"]


def test_pocketsphinx_loads_the_model(tmp_path: Path) -> None:
    ps = pytest.importorskip("pocketsphinx")
    path = tmp_path / "lm.arpa"
    path.write_text(grammar.arpa_lm(PHRASES, {"the": 1.0}), encoding="utf-8")
    config = ps.Config(lm=None, loglevel="FATAL")
    lm = ps.NGramModel(config, ps.LogMath(), str(path))
    # prob() takes the word first, then its history, most recent first
    assert lm.prob(["dizzy", "feel", "i"]) > lm.prob(["the", "feel", "i"]) > lm.prob(["aardvark"])


def test_the_shipped_phrases_are_sayable_by_pocketsphinx() -> None:
    ps = pytest.importorskip("pocketsphinx")
    phrases = grammar.load_phrases()
    assert {"stop", "pain", "dizzy", "yes", "no", "start"} <= set(phrases)
    decoder = ps.Decoder(ps.Config(lm=None, loglevel="FATAL"))
    words = grammar.vocabulary(phrases)
    unknown = {w for w in words if decoder.lookup_word(w) is None}
    assert len(unknown) <= 0.03 * len(words), sorted(unknown)
