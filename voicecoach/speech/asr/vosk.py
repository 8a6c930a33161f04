"""vosk backend: a Kaldi model from an explicit folder, constrained by a runtime grammar.

The grammar is the JSON list of the intent phrases
(:func:`voicecoach.speech.asr.grammar.vosk_grammar`) plus ``[unk]`` when the model has it,
so out-of-grammar speech can come out as ``[unk]``
instead of being forced onto a command. Words the model lacks are dropped with a warning
before vosk sees them. Only small and ``-lgraph`` models honour runtime grammars; a model with
a static ``HCLG.fst`` transcribes freely and the intent matcher does the rejecting.
``vosk.Model(lang=...)`` is never used: it downloads and can ``sys.exit``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import voicecoach.speech.asr.grammar as grammar
from voicecoach.errors import RecognizerError
from voicecoach.speech.asr.base import RATE, Transcript, Word

log = logging.getLogger(__name__)


def _import() -> Any:
    try:
        import vosk  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:
        raise RecognizerError(f"vosk cannot be imported ({exc}): pip install vosk") from exc
    vosk.SetLogLevel(-1)
    return vosk


@dataclass(frozen=True, slots=True)
class VoskModel:
    """A loaded vosk model (large: load it once and share it between recognizers)."""

    path: Path
    handle: Any
    """The ``vosk.Model``."""

    def knows(self, word: str) -> bool:
        return bool(self.handle.vosk_model_find_word(word) >= 0)

    @property
    def static_graph(self) -> bool:
        """True when the model has a precompiled HCLG graph and ignores runtime grammars."""
        return (self.path / "graph" / "HCLG.fst").is_file() or (self.path / "HCLG.fst").is_file()


def load_model(path: str | Path) -> VoskModel:
    """Load the model folder at ``path``; :class:`RecognizerError` naming it if that fails."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise RecognizerError(f"vosk model folder {path} does not exist")
    if not ((path / "am" / "final.mdl").is_file() or (path / "final.mdl").is_file()):
        raise RecognizerError(f"{path} is not a vosk model folder (no am/final.mdl)")
    vosk = _import()
    try:
        handle = vosk.Model(str(path))
    except Exception as exc:  # vosk raises a bare Exception on any failure
        raise RecognizerError(
            f"vosk cannot load the model at {path}: it is broken ({exc})"
        ) from exc
    return VoskModel(path.resolve(), handle)


class VoskRecognizer:
    """Streaming vosk recognizer with the intent phrases as grammar."""

    name = "vosk"

    def __init__(
        self,
        model: VoskModel | str | Path,
        phrases: grammar.Phrases | None = None,
        *,
        use_grammar: bool = True,
    ) -> None:
        self.model = model if isinstance(model, VoskModel) else load_model(model)
        self._vosk = _import()
        self.grammar = self._grammar(phrases) if use_grammar else None
        self._rec = self._recognizer()
        self._consumed = 0
        self._base = 0.0
        """Stream time at which vosk's own clock last restarted (creation or reset)."""

    def _grammar(self, phrases: grammar.Phrases | None) -> str | None:
        if self.model.static_graph:
            log.info("vosk model %s has a static graph: no runtime grammar", self.model.path)
            return None
        phrases = grammar.load_phrases() if phrases is None else phrases
        known = grammar.keep_known(phrases, self.model.knows, self.name)
        if not known:
            raise RecognizerError(
                f"the vosk model at {self.model.path} knows none of the phrase words "
                "(is it a model for another language?)"
            )
        return grammar.vosk_grammar(known, unk=self.model.knows(grammar.UNK))

    def _recognizer(self) -> Any:
        try:
            if self.grammar is None:
                rec = self._vosk.KaldiRecognizer(self.model.handle, RATE)
            else:
                rec = self._vosk.KaldiRecognizer(self.model.handle, RATE, self.grammar)
        except Exception as exc:  # vosk raises a bare Exception
            raise RecognizerError(f"vosk cannot start on {self.model.path}: {exc}") from exc
        rec.SetWords(True)
        rec.SetPartialWords(False)
        return rec

    # -- the Recognizer protocol

    def accept(self, chunk: bytes) -> Transcript | None:
        self._consumed += len(chunk)
        if not self._rec.AcceptWaveform(chunk):
            return None
        return self._transcript(self._rec.Result())

    def partial(self) -> str:
        return str(json.loads(self._rec.PartialResult()).get("partial", ""))

    def finish(self) -> Transcript | None:
        """End of stream: flush; the next chunk starts a new stream at t=0."""
        result = self._transcript(self._rec.FinalResult())
        self._rec = self._recognizer()
        self._consumed = 0
        self._base = 0.0
        return result

    def reset(self) -> None:
        """Drop the utterance in progress. (vosk's own ``Reset()`` still decodes audio it had
        buffered, measured with 0.3.45, so the recognizer is made anew.)"""
        self._rec = self._recognizer()
        self._base = self._consumed / (2 * RATE)

    def prefer(self, intents: frozenset[str]) -> None:
        """Ignored: a vosk phrase list has no weights, and narrowing it to the expected answers
        would force every other sentence (a halting one too) onto an answer."""

    def _transcript(self, raw: str) -> Transcript | None:
        data = json.loads(raw)
        text = " ".join(str(data.get("text", "")).split())
        if not text:
            return None
        words = tuple(
            Word(
                str(w["word"]),
                float(w.get("conf", 1.0)),
                round(self._base + float(w["start"]), 3),
                round(self._base + float(w["end"]), 3),
            )
            for w in data.get("result", [])
        )
        now = self._consumed / (2 * RATE)
        start = words[0].start if words else now
        end = words[-1].end if words else now
        confidence = sum(w.confidence for w in words) / len(words) if words else 1.0
        return Transcript(text, round(confidence, 3), start, end, words)
