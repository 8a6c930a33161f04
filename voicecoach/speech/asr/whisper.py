"""Streaming English recognition with Whisper tiny.en (CTranslate2), biased to the coach's words.

The stream goes through Silero's voice-activity detector first
(:mod:`voicecoach.speech.asr.vad`): noise that is not speech never reaches Whisper. While an
utterance grows, it is decoded every ``PARTIAL_EVERY`` seconds (greedy, utterance-length
encoding: ~50 ms for a short command on 2 cores), so a halting word can act before the
utterance ends; its end gets a beam search with ``HYPOTHESES`` hypotheses (the n-best goes to
the matcher as :attr:`Transcript.alternatives`). A final that meant nothing may be read again,
in Whisper's full window (:meth:`WhisperRecognizer.reread`, ``FULL_WINDOW``).

Whisper invents text from noise, and a prompt of the coach's words makes it invent commands.
An utterance is taken as nothing when Whisper itself finds no speech in it
(``no_speech`` probability above ``NO_SPEECH``) or its text is improbable (average token
log-probability below ``MIN_LOGPROB``), and as at most a doubt when Whisper is unsure of it
(from ``UNSURE_NO_SPEECH``). The confidence is the mean token probability, less the
no-speech chance, scaled by how much of the speech the words can cover (``MIN_COVERAGE``);
below ``MIN_CONFIDENCE`` it is nothing. Far too few words for the speech are *thin*
(:attr:`Transcript.thin`), at most a doubt that the listener asks about: babble the prompt
wrote its words over ("I feel dizzy. I feel nervous." for 8 s of voices: before, any such
transcript was nothing) or a command said over other speech ("stop twisting" over the coach's
line, "stop what's thing" for 4.7 s of voice, which Whisper without the prompt heard as "stuff
was thing": a halting word is asked about, never let pass). Measured with thin transcripts
kept: 10 minutes each of kitchen noise, babble and TV gave 11, 0 and 3 check-ins (10, 0, 3
when they were nothing) and no intent. A stretch of speech that never paused for
``MAX_UTTERANCE`` is a television or a conversation, not a command: its confidence is halved
and capped below what any intent needs, so a halting word in it is at most a doubt (the coach
asks), and its continuation gets no partials. A partial acts only when it is surer still
(``UNSURE_NO_SPEECH``, ``PARTIAL_LOGPROB``) and it is settled: the speaker paused after it
(``PAUSE_FRAMES``), or ``AGREE`` decodes in a row say the same (speech that never pauses, as
over the coach's own voice). Otherwise "stop the music" halted on its first word, and a partial
"I feel" came out as the prompt's "I feel dizzy" (measured; with two decodes agreeing, "stop
sign ahead" still halted: "sign" was not yet in the second). At a pause, a partial less sure
than that still acts if Whisper writes it word for word without the prompt too
(:meth:`WhisperRecognizer._read_alike`). An utterance of more words than
``PARTIAL_WORDS`` is decoded only at pauses, or, once a decode of it read words (not
garbage), every ``PARTIAL_EVERY`` while Silero finds no pause; when ``AGREE`` of those read the
same, the utterance ends there (:meth:`WhisperRecognizer._steady`) and its final decides what
it means, as at any end: over the coach's echo or kitchen noise Silero may find no pause for
seconds (in the simulated kitchen, "what will this do for me" was answered 2 s after its last
word; with the steady end the answers' p95 went from 2.2 to 1.4 s). Until stop 35 the decodes
had to be sure of every word: "how many to go" (its "to" at 0.3) was read alike six times over
the coach's "Keep it flowing." and the noise after it, and answered 2.7 s after its last word.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import voicecoach.speech.asr.grammar as grammar
from voicecoach.speech.asr import bias, whisper_model
from voicecoach.speech.asr.base import RATE, Transcript, Trust, Word
from voicecoach.speech.asr.vad import (
    END_SILENCE,
    FRAME_SAMPLES,
    PRE_ROLL,
    START_FRAMES,
    START_PROB,
    Endpointer,
    Frame,
)
from voicecoach.speech.asr.whisper_model import (
    Decoded,
    WhisperModel,
    first_sentence,
    plain_text,
    plain_words,
    token_budget,
)

log = logging.getLogger(__name__)

PARTIAL_EVERY = 0.2
"""Seconds of new speech between two partial decodes."""
PARTIAL_UP_TO = 2.0
"""Partials come every ``PARTIAL_EVERY`` for the first seconds of an utterance, while they have
at most ``PARTIAL_WORDS`` words (short halting commands: "stop", "ouch", "I feel dizzy"); after
that at a pause (``PAUSE_FRAMES``), up to ``PAUSE_PARTIALS_UP_TO`` seconds ("my knee hurts
when I turn" halts at the pause after it, not 0.35 s later at the utterance's end), and while
what they read holds steady (see the module)."""
PAUSE_PARTIALS_UP_TO = 5.0
PARTIAL_WORDS = 3
PAUSE_FRAMES = 3
"""Frames (96 ms) below Silero's start threshold that settle a partial (a pause after a word);
its partial is decoded ``DECODE_EARLY`` frames before it. Tuning phrases, halting rows, 8
voices and the 31 real recordings: stop p50 410 / 387 / 340 ms clean at 5 / 4 / 3 frames
(kitchen 709 / 686 / 682 ms); on 30 sentences that begin like a halt and go on ("stop sign on
the corner", "the bus stop is near the house"), no more halts or check-ins at 3 frames than
at 5."""
PAUSE_PROB = START_PROB
"""Silero's speech probability under which a frame is quiet (a pause, counted in ``quiet``).
Silero stays above 0.9 for ~0.1 s after a word and falls through 0.7 a frame before 0.5.
Measured at 0.7 on 6 December (dev_m's halting rows, 4 voices, run alone, against 0.5 the same
hour): clean stop p50/p95 378/848 -> 362/820 ms with the same halts (61.5 %), kitchen 662/1069
-> 692/1140 ms (per voice 20-180 ms sooner, pooled later), caught in the kitchen 59.4 -> 58.3 %
and one more real out-of-domain recording acted on (96.4 -> 92.9 % of 28): not taken."""
DECODE_EARLY = 1
"""Frames before a pause settles (``PAUSE_FRAMES``) at which its partial is decoded: the decode
(~110 ms on 2 cores: most of a halt's delay) runs while the last frame of the pause arrives,
and the partial acts when the pause is there (speech again before it: dropped unheard).
Measured on 6 December against decoding at the pause: the halting rows of a tuning table
(dev_m, 4 voices, 192 clips each) stop p50 423 -> 393 ms clean, 602 -> 638 ms in kitchen noise
(runs of the same code differ by ~40 ms), halts 119 -> 118 clean and 71 -> 69 in noise; the
held-out piper-joe rows stop p50 359 -> 335 ms clean, 522 -> 526 ms in kitchen noise, halts
the same clean and 40 -> 42 of 52 in noise; 10 minutes of kitchen noise alone 17 check-ins
instead of 14 (utterances cut elsewhere: the same "i feel dizzy" the prompt writes), the same
CPU; on sentences that begin like a halt (dev_p, 5 voices) 2 more false halts of 190 in each
condition ("full stop at the end of the sentence": the decode a frame sooner did not hear the
next word begin)."""
AHEAD_FRAMES = PAUSE_FRAMES
"""Frames of pause after which the final is decoded ahead (:meth:`_decode_ahead`), if the
partial at the pause was sure: at the pause that settles a partial (96 ms; in a block after
the one it is heard in, so a halt in it is not held up), the beam search (~250 ms on 2 cores)
runs while the pause goes on, and the final is ready about when the utterance ends (0.35 s)
instead of ~0.2 s after it. Measured on 7 December against 8 frames (256 ms), each run alone
on one machine: the questions of a tuning table (dev_n, 48 rows, piper-joe, flite-slt and
espeak-en-gb) known after the words p50/p95 566/656 -> 473/635 ms clean, 660/995 -> 590/969
ms in kitchen noise, 130 -> 130 and 96 -> 99 of 144 right; its halting rows (dev_m, 4
voices) stop p50/p95 266/707 -> 258/666 ms clean (the same halts), 619/1074 -> 497/1067 ms in
the kitchen (halted 79 -> 78, caught 118 -> 116 of 192: 5 rows changed both ways, the final
hearing less of the pause); the issue's conditions (flite and espeak-ng, 8 voices, 30 rows):
commands 81.0 / 58.4 -> 81.0 / 57.9 % clean / pink, halts and caught the same, one more
false check-in clean; the held-out natural voice's 370 rows: kitchen commands 84.0 -> 84.6 %,
caught 88.5 -> 90.4 %, clean the same; 10 minutes each of kitchen noise, TV and babble alone
the same events, the same CPU. Before (4-6 December): tuning phrases in kitchen
noise, right / wrong intent acted on 108 / 14 decoded at the end, 109 / 12 ahead at 8 frames,
108 / 16 at 5; decoded ahead whatever the partial heard, 10 minutes of kitchen noise gave 17
check-ins instead of 10 (13 when a final decoded ahead was dropped if the utterance stayed
open longer than its closing silence): still only after a sure partial."""
READ_AHEAD = 2
"""Partial decodes in a row that read the same words, sure or not, after which a pause decodes
the final ahead as after a sure partial (and may end the utterance early, ``SETTLED_FRAMES``):
"my hip is sore", read alike three times over the coach's voice in kitchen noise and never
sure, had waited 0.96 s of pause for Silero. Measured on 7 December against only after a sure
partial: replayed kitchen rooms (6 sessions, 10 dB) questions known p50/p95 532/1162 ->
495/842 ms, halting p95 1036 -> 959 ms, the same caught and halted; at 5 dB (4 sessions)
halting p95 2034 -> 1401 ms, halted 43 -> 50 %, caught 80 -> 73 %; a tuning table in kitchen
noise (dev_m, 4 voices, 919 clips) commands 51.2 -> 52.0 %, caught 63.0 -> 62.5 %, false
check-ins 4.1 -> 4.5 %, stop p50/p95 564/1117 -> 505/1083 ms; flite and espeak-ng (8 voices,
30 rows) commands 83.7 / 62.6 -> 83.2 / 61.6 % clean / pink, false check-ins pink 3.9 -> 5.2
%; the natural voice 94.2 / 86.0 -> 94.2 / 86.4 % clean / kitchen; 10 minutes of kitchen
noise 2 -> 3 check-ins, 0 acted on but the recording's own "no"."""
FULL_WINDOW = 30.0
"""Seconds of the window a final is encoded in when it is read again (:meth:`reread`): the
window Whisper was trained on. ~350 ms of encoder on 2 cores against ~25 ms for 6 s, so only
finals that meant nothing are read again. Measured on 7 December with every final in it
(flite and espeak-ng, 8 voices, 30 rows): commands 81.0 / 57.9 -> 87.9 / 64.7 % clean / pink,
caught 90.5 / 69.0 -> 95.2 / 71.4 %, out-of-domain rejected 93.8 / 91.4 -> 95.1 / 96.3 %, but
stop p95 679 -> 1515 ms; 15 and 20 s windows gained clean (85.3, 86.8 %) but not pink (58.4,
57.4 %); 36 of the 46 rows the 30 s window put right had meant nothing in 6 s. Read again only
then (and taken only if sure, :func:`voicecoach.speech.listen.listen`): commands 83.7 / 62.6 %,
caught 92.9 / 69.0 %, the same false halts and out-of-domain rejections; the natural voice
93.2 / 84.6 -> 94.2 / 86.0 % clean / kitchen (one each from the matcher), out-of-domain in the
kitchen 96.1 -> 93.5 % rejected (2 of 77); 10 minutes of kitchen noise, TV and babble alone
the same events, kitchen CPU 0.072 -> 0.084 s per s."""
SETTLED_FRAMES = round(END_SILENCE * RATE / FRAME_SAMPLES)
"""Frames of pause (352 ms, the detector's own ``END_SILENCE``) after which an utterance whose
final was decoded ahead ends, even if blips of echo or clatter in the pause (fewer frames in a
row than open an utterance) kept Silero from closing it. Measured in the simulated kitchen:
the echo of the coach's "Right." after "how long does this usually take" kept the utterance
open 1.7 s after the user's last word, and its answer came that late."""
SETTLED_VOICED = 0.75
"""Silero's mean speech probability, over the utterance before the pause, that ends it early
on a pause with blips: clearly speech (the 5th percentile of commands in kitchen noise at
10 dB is 0.77, see ``MIN_VOICED``). The coach's echo under kitchen noise, heard as "see you
later" at 0.51 and 0.64 voiced, ended a simulated session when it ended early; left open,
more echo followed and the whole was not speech enough."""
AGREE = 3
PARTIAL_TOKENS = 11
"""Token budget of a partial (three or four short words and their punctuation)."""
MAX_UTTERANCE = 8.0
BEAM = 3
HYPOTHESES = 3
NO_SPEECH = 0.45
"""Whisper's no-speech probability above which an utterance is nothing (hallucinations on
noise measured 0.42-0.74 in the issue's test, prompted real commands at most 0.24)."""
MIN_LOGPROB = -1.6
"""Average token log-probability below which the text is garbage (above it, a low confidence
still keeps an unsure text from being acted on: :mod:`voicecoach.speech.listen`)."""
WORDS_PER_SECOND = 2.0
"""Words a second of speech holds at least, counting one more word (ordinary speech has 2.5-3:
a transcript with half as many covers only part of what was said)."""
MIN_COVERAGE = 0.5
MIN_CONFIDENCE = 0.15
"""Below this a transcript is nothing; from here to ``trust.exact`` it can only be a doubt."""
MIN_THIN = MIN_CONFIDENCE * MIN_COVERAGE
"""Below this a thin transcript is nothing: what ``MIN_CONFIDENCE`` asks of the mean token
probability at the least coverage that is not thin (0.5), asked of the probability times the
coverage (a word heard well in a long stretch of other speech passes, a mumbled one not)."""
UNPAUSED = 0.5
"""Confidence factor for a stretch of speech cut at ``MAX_UTTERANCE`` (before the cap)."""
UNSURE_NO_SPEECH = 0.3
"""Whisper's no-speech probability from which it is unsure there were words at all: a partial
does not act, a final is at most a doubt or a guess. Measured on the tuning tables' short
commands (312 clips, 3 voices, clean and kitchen 10 dB): every one acted on rightly had at most
0.25; a voice in the kitchen recording said "no" at 0.31, which acted."""
PARTIAL_LOGPROB = -0.7
PARTIAL_WORD = 0.35
"""Every word of a partial that could tell an intent must be this sure (a paused "how many on
..." came out as the prompt's "how many are dizzy" and halted; its "dizzy" was the unsure
word); the grammar words many intents share need not be (:func:`_sure`)."""
SURE = 0.5
"""A final transcript less sure than this is checked against a decode without the prompt ..."""
PROMPTED_ONLY = 0.5
"""... and if fewer than half its words are there, its confidence is multiplied by this (the
prompt put them there: below any intent's need, a halting word in it a check-in)."""
PROMPT_GAIN = 0.69
"""... unless the prompt made them no more than about twice as likely a token (ln 2 of mean
log-probability) as the audio alone does (:meth:`WhisperModel.unprompted_logprob`): then the
audio says them and the prompt only chose their spelling (espeak-ng's "the room is spinning",
-0.69 a token, -0.82 alone; the prompt's "I feel dizzy" on kitchen noise, -0.9 to -1.4, alone
-3.2 to -4.1). Measured on 6 December: on 60 minutes of six noises, what the prompt alone
wrote gained 1.3-2.9 and what the noise said itself -0.02-0.58 (0 acted before and after);
flite and espeak-ng commands in pink noise 57.2 -> 60.4 %, clean 78.6 -> 79.1 %."""
PROMPT_WROTE = 1.5
"""... and if the prompt made them more than about 4.5 times as likely a token (e^1.5) and
Whisper is unsure of them, the prompt wrote them: nothing was heard, not even a check-in.
Measured on 7 December, the gain of every final checked: what kitchen noise alone became ("i
feel dizzy", "i'm dizzy", "stop it", "i'm nervous") 1.3-2.9, the prompt's "I feel dizzy"
2.1-2.7; what a natural voice said in kitchen noise and Whisper wrote right at most 0.94, a
mumbled "im dizy" written "i'm dizzy" 1.19. A tuning table's halting rows in kitchen noise
(dev_m, 4 voices, 919 clips): false check-ins 8.0 -> 4.1 %, caught 64.6 -> 63.0 % (3 of 192
were caught only by the prompt's words: in the simulated kitchen at 5 dB, "stop twisting"
written "stop it" at 1.82); 10 minutes of kitchen noise alone 12 check-ins -> 2. The gain of
the words that tell an intent alone was tried: it runs higher than the whole text's on real
words too ("dizzy" 1.79, "my tip is" 1.53), no better a line."""
MIN_VOICED = 0.6
"""Silero's mean speech probability over an utterance (the pause after it left out) below which
it is not speech, whatever Whisper makes of it. Measured on the tuning phrases through the
front-end: commands in kitchen noise at 10 dB SNR 0.64 at the 1st percentile, 0.77 at the 5th
(clean 0.85 / 0.88); what kitchen noise alone opened, half below 0.6 (0.34-0.88)."""


@dataclass(slots=True)
class _Utterance:
    start: float
    audio: list[bytes] = field(default_factory=list)
    decoded_at: float = 0.0
    """Seconds of audio the last partial decode saw."""
    quiet: int = 0
    """Frames in a row, up to now, that Silero found unlikely to be speech."""
    loud: int = 0
    """Frames in a row, up to now, that Silero found likely to be speech."""
    still: int = 0
    """Frames since the last run of speech long enough to open an utterance (``START_FRAMES``):
    a pause, with a blip or two of echo or clatter in it."""
    probs: list[float] = field(default_factory=list)
    """Silero's speech probability of each frame since the utterance opened."""
    agreeing: tuple[str, int] = ("", 0)
    """The last partial decode's text (settled or not), and how many decodes in a row gave
    it."""
    long: bool = False
    """A partial already had more than ``PARTIAL_WORDS`` words: only pauses decode now, or
    ``PARTIAL_EVERY`` while it holds steady (:attr:`read`)."""
    read: tuple[str, int] = ("", 0)
    """What the last partial decode read, sure or not ("" for garbage), and how many decodes
    in a row read it: a long utterance goes on being decoded without a pause once one read
    words, and ends when ``AGREE`` in a row read the same (:meth:`WhisperRecognizer._steady`)."""
    no_partials: bool = False
    """This continues speech that never paused (a television): no partials at all."""
    steady: bool = False
    """It held steady with a settled partial: it ends on the next frame, once the partial
    was heard (:meth:`WhisperRecognizer._steady`)."""
    held: str | None = None
    """A pause's partial, decoded ``DECODE_EARLY`` frames before the pause settles ("": not
    sure), waiting for it; None when there is none."""
    confirmed: str = ""
    """The last settled partial that Whisper also heard without the prompt."""
    last: Decoded | None = None
    """The last partial decode: the final's beam search will likely choose its words
    (:meth:`WhisperModel.closing`, scored beside the search)."""
    ahead: Transcript | None = None
    """The final, decoded ahead at a pause and kept while no speech follows
    (:meth:`WhisperRecognizer._decode_ahead`)."""

    size: int = 0
    """Bytes of audio so far (kept as it grows: ``seconds`` is read every frame)."""
    encoding: tuple[tuple[int, bool], Any] = ((-1, False), None)
    """The last encoding (see :meth:`encoded`) and the size and window it was made for."""
    plain: tuple[tuple[int, bool], Callable[[], Decoded] | None] = ((-1, False), None)
    """The decode without the prompt begun for an encoding (see :meth:`unprompted`)."""
    window: float = 0.0
    """The shortest window to encode in, in seconds (0: as a partial or a final wants it,
    :meth:`WhisperModel.encode`)."""

    def __post_init__(self) -> None:
        self.size = sum(len(a) for a in self.audio)

    def add(self, audio: bytes) -> None:
        self.audio.append(audio)
        self.size += len(audio)

    def hear(self, prob: float) -> None:
        """Silero's speech probability of the frame just added."""
        self.probs.append(prob)
        self.quiet = self.quiet + 1 if prob < PAUSE_PROB else 0
        self.loud = self.loud + 1 if prob >= START_PROB else 0
        self.still = 0 if self.loud >= START_FRAMES else self.still + 1

    @property
    def seconds(self) -> float:
        return self.size / (2 * RATE)

    def samples(self) -> Any:
        """The audio as float32 samples, as Whisper takes them."""
        import numpy as np

        return np.frombuffer(b"".join(self.audio), dtype="<i2").astype(np.float32) / 32768.0

    def encoded(self, model: WhisperModel, beam: int | None = None) -> Any:
        """The audio so far through Whisper's encoder, once per size and window (a final's
        prompted decode and its check without the prompt share one encoding); ``beam`` None
        takes whichever window this size has (a partial's if none)."""
        (size, wide), encoded = self.encoding
        if size == self.size and (beam is None or wide == (beam > 1)):
            return encoded
        beam = beam or 1
        self.encoding = ((self.size, beam > 1), model.encode(self.samples(), beam, self.window))
        return self.encoding[1]

    def unprompted(self, model: WhisperModel, beam: int | None = None) -> Callable[[], Decoded]:
        """A greedy decode without the prompt of the audio so far (encoded as for ``beam``),
        begun once per encoding: a settling partial or a final begins it beside its prompted
        decode (:meth:`WhisperRecognizer._heard_unprompted` may want it; both run at once,
        :data:`whisper_model.WORKERS`)."""
        encoded = self.encoded(model, beam)
        key, pending = self.plain
        if key != self.encoding[0] or pending is None:
            pending = model.begin(encoded, (), token_budget(self.seconds))
            self.plain = (self.encoding[0], pending)
        return pending

    @property
    def voiced(self) -> float:
        """Silero's mean speech probability over the utterance, the pause after it left out."""
        return self.voiced_before(self.quiet)

    def voiced_before(self, pause: int) -> float:
        """The same, the last ``pause`` frames left out (measured: leaving out the blips of a
        pause too, ``still``, let kitchen noise through ``MIN_VOICED`` and made 22 check-ins
        in 6 simulated sessions instead of 7-9)."""
        kept = self.probs[: len(self.probs) - pause] or self.probs
        return sum(kept) / len(kept) if kept else 1.0


class WhisperRecognizer:
    """Whisper behind a voice-activity detector, with partials while the user speaks."""

    name = "whisper"
    partial_hold = 0.0
    """A partial acts on its first sure decode (each is ``PARTIAL_EVERY`` of speech apart)."""
    trust = Trust(exact=0.3, fuzzy=0.3, loose=0.45, halt_word=0.35, early_words=10,
                  question=0.2, fuzzy_halts=True, heard=MIN_CONFIDENCE)
    """Whisper writes real words, so the matcher does most of the rejecting, and a sentence
    with a sure halting word in it ("that really hurts my neck") halts; its confidences (mean
    token probability) run lower than pocketsphinx's on right answers. Measured on the tuning
    phrases (8 voices): every right command acted on had at least 0.3 in kitchen noise and 30 dB
    down; what kitchen noise at speech level made Whisper say ("it hurts", "no", "wait i see
    you") mostly 0.22-0.29 (with 0.2, 19 commands acted on in 10 minutes of it). A question
    needs 0.2: in 8 simulated kitchen sessions the 5 heard at 0.22-0.42 were all the user's,
    and noise alone (kitchen, TV, babble, 10 minutes each) was never heard as one. Words that
    mean nothing below ``MIN_CONFIDENCE`` (only the prompt check lowers one there: the prompt
    made them) are not heard at all: in 24 simulated kitchen sessions and 16 quiet ones, 56 of
    the 59 such utterances were the noise's ("i'm nervous" at 0.09-0.13: a "sorry, I didn't
    catch that" to nobody whenever the coach had asked something), 3 a user's words misheard
    ("mc and task" for "i'm seeing stars")."""

    def __init__(
        self, phrases: grammar.Phrases | None = None, *, model: WhisperModel | None = None
    ) -> None:
        self._model = whisper_model.load() if model is None else model
        self._phrases = grammar.load_phrases() if phrases is None else phrases
        self._shared = bias.shared_words(self._phrases)
        self._halting = bias.halting_words(self._phrases, self._shared)
        self._prompts: dict[frozenset[str], tuple[int, ...]] = {}
        self._wanted: frozenset[str] = frozenset()
        self._ep = Endpointer()
        self._utt: _Utterance | None = None
        self._partial = ""
        self._ended: tuple[_Utterance, float] | None = None
        """The utterance that ended last and where its speech ended, until :meth:`reread`."""

    @property
    def vad(self) -> str:
        """The voice-activity detector's backend (for ``doctor``)."""
        return self._ep.detector

    # -- the Recognizer protocol

    def accept(self, chunk: bytes) -> Transcript | None:
        self._decode_ahead()
        done = None
        for frame in self._ep.feed(chunk):
            done = self._frame(frame) or done
        return done

    def partial(self) -> str:
        return self._partial

    def finish(self) -> Transcript | None:
        """End of stream: the utterance in progress ends; the next chunk starts at t=0."""
        result = None
        if self._utt is not None:
            self._utt.add(self._ep.flush())
            result = self._end(self._utt.start + self._utt.seconds)
        self._ep.reset(0.0)
        return result

    def reset(self) -> None:
        self._utt, self._partial, self._ended = None, "", None
        self._ep.reset(self._ep.now)

    def prefer(self, intents: frozenset[str]) -> None:
        self._wanted = frozenset(intents) & frozenset(self._phrases)

    def reread(self) -> Transcript | None:
        """A second reading of the utterance whose final came last, its audio encoded in
        Whisper's own 30 s window (:data:`FULL_WINDOW`), for a final that meant nothing
        (:func:`voicecoach.speech.listen.listen` asks); None if there is none to reread. Its
        best hypothesis alone: with the runner-ups, out-of-domain speech in kitchen noise
        was acted on (the natural voice's 77 sentences: 96.1 -> 89.6 % rejected, "what time
        is it" taken for ask_benefits)."""
        ended, self._ended = self._ended, None
        if ended is None:
            return None
        utt, stop = ended
        again = _Utterance(utt.start, utt.audio, window=FULL_WINDOW)  # no Silero scores: its
        # first final already passed their check (MIN_VOICED)
        result = self._final(again, stop, max(0.3, stop - utt.start), False)
        return replace(result, alternatives=())

    # -- internals

    def _frame(self, frame: Frame) -> Transcript | None:
        if frame.opened:
            start = frame.t - len(frame.pre) * FRAME_SAMPLES / RATE
            self._utt = _Utterance(round(start, 3), [*frame.pre, frame.audio], probs=[frame.prob],
                                   loud=START_FRAMES)
            return None
        if self._utt is None:
            return None
        if frame.closed:
            return self._end(frame.t, trailing=END_SILENCE)
        utt = self._utt
        utt.add(frame.audio)
        utt.hear(frame.prob)
        if not utt.still:
            utt.ahead = None  # speech again: the final decoded ahead is stale
        if utt.seconds >= MAX_UTTERANCE:
            return self._cut(frame.t + FRAME_SAMPLES / RATE)
        if self._settled(utt):
            return self._settle(frame.t + FRAME_SAMPLES / RATE)
        if utt.steady:
            return self._steady(frame.t + FRAME_SAMPLES / RATE)
        if self._maybe_partial(utt):
            if not self._partial:
                return self._steady(frame.t + FRAME_SAMPLES / RATE)
            utt.steady = True  # its settled partial is heard first: a halt acts on it
        return None

    @staticmethod
    def _settled(utt: _Utterance) -> bool:
        return (utt.ahead is not None and utt.still >= SETTLED_FRAMES and not utt.loud
                and utt.voiced_before(utt.still) >= SETTLED_VOICED)

    def _settle(self, t: float) -> Transcript:
        """The utterance ends with the final decoded ahead: clearly speech
        (``SETTLED_VOICED``), then a pause of ``SETTLED_FRAMES`` with no more than blips in
        it, however likely Silero found the blips to be speech (the frame now is not one: it
        might begin more speech)."""
        assert self._utt is not None
        self._ep.close()
        return self._end(t, trailing=self._utt.still * FRAME_SAMPLES / RATE)

    def _maybe_partial(self, utt: _Utterance) -> bool:
        """Decode a partial if one is due; True if the utterance holds steady (its end)."""
        if self._hear_held(utt):
            return False
        seconds = utt.seconds
        paused = utt.quiet == PAUSE_FRAMES - DECODE_EARLY and seconds <= PAUSE_PARTIALS_UP_TO
        due = seconds - utt.decoded_at >= PARTIAL_EVERY and utt.quiet == 0  # else a pause
        cadence = due and seconds <= PARTIAL_UP_TO and not utt.long
        steady = due and utt.long and bool(utt.read[0]) and seconds <= PAUSE_PARTIALS_UP_TO
        if utt.no_partials or not (paused or cadence or steady):
            return False
        utt.decoded_at = seconds
        text = self._partial_text(utt, seconds, paused)
        same = utt.agreeing[1] + 1 if text == utt.agreeing[0] else 1
        utt.agreeing = (text, same)
        settled = (paused or same >= AGREE) and self._unbiased(utt, text)
        if paused:
            utt.held = text if settled else ""
            self._hear_held(utt)  # at once if the pause is already there
        else:
            self._partial = text if settled else ""
        return steady and utt.read[1] >= AGREE

    def _hear_held(self, utt: _Utterance) -> bool:
        """Whether the pause is there for the partial decoded ``DECODE_EARLY`` frames before it
        (:attr:`_Utterance.held`), which is heard now; speech again drops it unheard."""
        if not utt.quiet:
            utt.held = None
        if utt.held is None or utt.quiet < PAUSE_FRAMES:
            return False
        self._partial, utt.held = utt.held, None
        return True

    def _steady(self, t: float) -> Transcript:
        """A long utterance ends without a pause: ``AGREE`` decodes in a row, each
        ``PARTIAL_EVERY`` of audio apart, read the same (:func:`_read`), so what follows added
        no words (the coach's echo or the noise under it, which keep Silero from a pause).
        If the last of them settled a partial, the utterance ends a frame later
        (:attr:`_Utterance.steady`): the partial is heard first, and a halt in it acts without
        waiting for the final's beam search (in kitchen noise, "i need you to stop this
        instant" halted on its final, 0.5 s after its last word plus that search)."""
        self._ep.close()
        return self._end(t)

    def _partial_text(self, utt: _Utterance, seconds: float, paused: bool) -> str:
        """The partial's text if it is sure (:func:`_sure`), at a pause its sure first sentence
        (:func:`_said_before_pause`), else "". What Silero does not take for speech so far
        (``MIN_VOICED``) is not decoded at all: never sure."""
        if utt.voiced < MIN_VOICED:
            return ""
        decoded = self._partial_decode(utt, seconds, paused)
        utt.last = decoded
        text = plain_text(decoded.texts[0]) if decoded.texts else ""
        utt.long = utt.long or len(text.split()) > PARTIAL_WORDS
        _read(utt, decoded, text)
        if _sure(decoded, text, self._shared) or (paused and self._read_alike(utt, decoded, text)):
            return text
        return _said_before_pause(decoded, text, self._shared) if paused else ""

    def _read_alike(self, utt: _Utterance, decoded: Decoded, text: str) -> bool:
        """Whether an unsure partial at a pause is one Whisper writes word for word without the
        prompt too (begun beside it: :meth:`_partial_decode`), and takes for speech: the prompt
        did not put its words there. Measured on the halting rows of a tuning table (dev_m, 4
        voices, clean): stop p50 372 -> 362 ms (espeak-ng's Scottish voice 614 -> 352), the same
        halts; no more halts or check-ins on sentences that begin like a halt (dev_p) or from
        10 minutes each of five noises (which Whisper does write alike: "no", "thank you")."""
        if not text or _garbage(decoded, text) or decoded.no_speech >= UNSURE_NO_SPEECH:
            return False  # garbage: a real "no" in kitchen noise, its word at 0.06
        plain = utt.unprompted(self._model)().texts
        return bool(plain) and plain_text(plain[0]) == text

    def _unbiased(self, utt: _Utterance, text: str) -> bool:
        """Whether a settled partial may act at once: Whisper hears at least half its words
        without the prompt too (see :meth:`_heard_unprompted`)."""
        if not text or text == utt.confirmed:
            return bool(text)
        if not self._heard_unprompted(utt, text):
            return False
        utt.confirmed = text
        return True

    def _heard_unprompted(self, utt: _Utterance, text: str) -> bool:
        """Whether a greedy decode without the prompt has at least half the words of ``text``
        that could tell an intent (:func:`bias.cues`): kitchen noise at the start of a session
        came out as the prompt's "I feel dizzy", surely, and halted it (without the prompt,
        "see if it's either"); its "I'm dizzy" passed as "I'm here" until "i'm" stopped
        counting."""
        plain = utt.unprompted(self._model)().texts
        heard = set(plain_words(plain[0])) if plain else set()
        words = bias.cues(text.split(), self._shared)
        if 2 * sum(word in heard for word in words) >= len(words):
            return True
        log.debug("%r not heard without the prompt (%r)", text, plain[:1])
        return False

    def _partial_decode(self, utt: _Utterance, seconds: float, paused: bool) -> Decoded:
        """Greedy (a beam search at the pause took ~130 ms more on 2 cores: a halting word
        acts that much sooner); at a pause with the budget of the whole speech."""
        if paused:
            utt.unprompted(self._model, 1)  # the check a sure partial needs, begun beside it
            quiet = utt.quiet * FRAME_SAMPLES / RATE
            return self._decode(utt, 1, token_budget(max(0.3, seconds - quiet)))
        if utt.long:  # holding steady: the whole text
            return self._decode(utt, 1, token_budget(seconds))
        return self._decode(utt, 1, min(token_budget(seconds), PARTIAL_TOKENS))

    def _cut(self, t: float) -> Transcript:
        """An utterance too long to be a command ends here; speech goes on as a new one."""
        result = self._end(t, cut=True)
        self._utt = _Utterance(round(t, 3), no_partials=True)
        return result

    def _end(self, end: float, trailing: float = 0.0, cut: bool = False) -> Transcript:
        """The utterance's transcript; ``end`` is stream time, the last ``trailing`` seconds
        before it were the silence that closed the utterance."""
        utt, self._utt, self._partial = self._utt, None, ""
        assert utt is not None
        stop = round(end - trailing, 3)
        if utt.ahead is not None and not cut:
            result = replace(utt.ahead, end=stop)
        else:
            result = self._final(utt, stop, max(0.3, utt.seconds - trailing), cut)
        self._ended = (utt, stop) if result.text and not cut else None
        return result

    def _decode_ahead(self) -> None:
        """At a pause whose partial was sure (or read alike, :data:`READ_AHEAD`), the final
        transcript is made a block after it is heard (never before: a halt in it would wait
        for the beam search): if the utterance ends without more speech, the final is ready
        about when it ends instead of ~250 ms after (the beam search's time on 2 cores, begun
        at ``AHEAD_FRAMES`` of pause)."""
        utt = self._utt
        if (utt is None or utt.ahead is not None or utt.no_partials or not _heard_steadily(utt)
                or utt.held is not None or utt.still < AHEAD_FRAMES or utt.loud
                or utt.seconds > PAUSE_PARTIALS_UP_TO):
            return  # nothing heard steadily at the pause (noise, mostly): decoded at the end
        pause = utt.still * FRAME_SAMPLES / RATE
        stop = round(utt.start + utt.seconds - pause, 3)
        utt.ahead = self._final(utt, stop, max(0.3, utt.seconds - pause), False)

    def _final(self, utt: _Utterance, stop: float, speech: float, cut: bool) -> Transcript:
        """The transcript of ``utt``, whose ``speech`` seconds end at stream time ``stop``."""
        if utt.voiced < MIN_VOICED:
            log.debug("%.2f-%.2f: not speech enough (Silero %.2f)", utt.start, stop, utt.voiced)
            return Transcript("", 0.0, utt.start, stop)
        utt.unprompted(self._model, BEAM)  # the check an unsure final needs, begun beside it
        guess = self._model.closing(utt.last) if utt.last else ()
        decoded = self._decode(utt, BEAM, token_budget(speech), guess)
        return self._checked(utt, _transcript(decoded, utt.start, stop, speech, cut), decoded)

    def _checked(self, utt: _Utterance, result: Transcript, decoded: Decoded) -> Transcript:
        """``result`` (of ``decoded``) with its reading without the prompt
        (:attr:`Transcript.unbiased`) and, if that reading has other words, whether the audio
        alone makes its text nearly as likely (:attr:`Transcript.likely_unbiased`); less sure if
        it is unsure and the prompt alone put its words there."""
        if not result.text:
            return result
        plain = utt.unprompted(self._model)().texts
        result = replace(result, unbiased=plain_text(plain[0]) if plain else "")
        heard = self._heard_unprompted(utt, result.text) and self._halts_read(result)
        if heard or (result.confidence >= SURE and _words_sure(result, self.trust.halt_word)):
            return result  # nothing a score without the prompt could add (~50 ms a final)
        gain = self._prompt_gain(utt, decoded, result.text)
        if gain >= PROMPT_WROTE and result.confidence < SURE:
            return Transcript("", 0.0, result.start, result.end)
        result = replace(result, likely_unbiased=gain <= PROMPT_GAIN)
        if result.confidence >= SURE or result.likely_unbiased:
            return result
        return replace(result, confidence=round(result.confidence * PROMPTED_ONLY, 3))

    def _halts_read(self, result: Transcript) -> bool:
        """Whether the reading without the prompt has every word of ``result`` that the halting
        phrases use (:attr:`_halting`): kitchen noise's "it's not like an uncomfortable thing"
        came out as the prompt's "i feel dizzy not like an uncomfortable thing" at 0.37, its
        "dizzy" at 0.64, half its words heard alike without the prompt ("it's either not like
        ..."), and halted a simulated session."""
        heard = set(result.unbiased.split())
        return all(word in heard for word in result.text.split() if word in self._halting)

    def _prompt_gain(self, utt: _Utterance, decoded: Decoded, text: str) -> float:
        """How much likelier, in mean log-probability a token, the prompt made the final's
        ``text`` than the audio alone does (:data:`PROMPT_GAIN`, :data:`PROMPT_WROTE`)."""
        alone = self._model.unprompted_logprob(utt.encoded(self._model, BEAM), decoded.texts[0])
        gain = _text_logprob(decoded, text) - alone
        log.debug("%r: the prompt's gain %.2f a token", text, gain)
        return gain

    def _decode(
        self, utt: _Utterance, beam: int, max_tokens: int, guess: tuple[int, ...] = ()
    ) -> Decoded:
        """The utterance so far, with per-word probabilities (``guess``: the tokens a beam
        search will likely choose, see :meth:`WhisperModel.begin`)."""
        encoded = utt.encoded(self._model, beam)
        return self._model.decode(encoded, self._prompt(), max_tokens, beam, HYPOTHESES, True,
                                  guess)

    def _prompt(self) -> tuple[int, ...]:
        if self._wanted not in self._prompts:
            text = bias.prompt_text(self._phrases, self._wanted)
            self._prompts[self._wanted] = self._model.encode_prompt(text)
        return self._prompts[self._wanted]


def _transcript(decoded: Decoded, start: float, end: float, speech: float, cut: bool) -> Transcript:
    """What the coach may act on: empty for no speech or garbage (see the module)."""
    texts = [t for t in dict.fromkeys(plain_text(raw) for raw in decoded.texts) if t]
    coverage = _coverage(texts, speech - PRE_ROLL)
    confidence = _confidence(decoded, texts) * coverage * (UNPAUSED if cut else 1.0)
    log.debug("whisper %.2f-%.2f: %r no-speech %.2f confidence %.2f coverage %.2f", start, end,
              texts[:1], decoded.no_speech, confidence, coverage)
    thin = coverage < MIN_COVERAGE
    if confidence < (MIN_THIN if thin else MIN_CONFIDENCE):
        return Transcript("", 0.0, start, end)
    if cut or thin or decoded.no_speech >= UNSURE_NO_SPEECH:
        confidence = min(confidence, MIN_CONFIDENCE)
    words = tuple(Word(w, round(p, 3), start, end) for w, p in kept(decoded.words, texts[0]))
    return Transcript(texts[0], round(confidence, 3), start, end, words, tuple(texts[1:]), thin)


def _heard_steadily(utt: _Utterance) -> bool:
    """Whether the partials of ``utt`` heard something: the last one was sure, or
    ``READ_AHEAD`` decodes in a row read the same words (:attr:`_Utterance.read`)."""
    return bool(utt.agreeing[0]) or utt.read[1] >= READ_AHEAD


def _read(utt: _Utterance, decoded: Decoded, text: str) -> None:
    """Count ``text`` into what the decodes of ``utt`` read in a row (:attr:`_Utterance.read`),
    unless it is garbage (``MIN_LOGPROB``, ``NO_SPEECH``)."""
    if decoded.no_speech >= NO_SPEECH or _garbage(decoded, text):
        text = ""
    utt.read = (text, utt.read[1] + 1 if text and text == utt.read[0] else int(bool(text)))


def _words_sure(result: Transcript, least: float) -> bool:
    """Whether every word of ``result`` is at least ``least`` sure."""
    return all(word.confidence >= least for word in result.words)


def _garbage(decoded: Decoded, text: str) -> bool:
    """Whether the words of ``text`` in ``decoded`` are improbable (``MIN_LOGPROB``)."""
    return _text_logprob(decoded, text) < MIN_LOGPROB


def _text_logprob(decoded: Decoded, text: str) -> float:
    """The mean token log-probability of the words of ``text`` in ``decoded``
    (:func:`_logprob` of the words :func:`kept`)."""
    return _logprob(decoded, kept_at(decoded.words, text))


def _sure(partial: Decoded, text: str, shared: frozenset[str] = frozenset()) -> bool:
    """Whether a partial decode (of what Silero took for speech) may act: Whisper sure of every
    word of its ``text`` that could tell an intent (not the ``shared`` grammar words: "i think
    i have pulled something in my back", its "have" at 0.33, waited in kitchen noise for the
    final) and of the text as a whole (what a loop added after it does not count: greedy
    decodes of a short window loop, "I feel pain. I feel." whose last "feel" at 0.11 took the
    whole decode's mean below ``PARTIAL_LOGPROB`` at a pause; measured in the simulated
    kitchen, such a "stop" or "i feel pain" waited 0.3-1 s longer for its final)."""
    at = kept_at(partial.words, text)
    cues = set(bias.cues([partial.words[i][0] for i in at], shared))
    sure = min((partial.words[i][1] for i in at if partial.words[i][0] in cues), default=0.0)
    return (partial.no_speech < UNSURE_NO_SPEECH and _logprob(partial, at) >= PARTIAL_LOGPROB
            and sure >= PARTIAL_WORD)


def _said_before_pause(partial: Decoded, text: str, shared: frozenset[str]) -> str:
    """The first sentence of a pause's partial when it is sure and no word after it that could
    tell an intent is (:data:`PARTIAL_WORD`): Whisper going on into the pause ("I'm dizzy. I'm
    busy.", its "busy" at 0.11), not more speech; "" otherwise. Measured on 6 December, alone:
    dev_m's halting rows (4 voices) in kitchen noise stop p50/p95 662/1069 -> 552/1078 ms, one
    halt more (35.9 -> 36.5 %), the same caught; clean the same halts; on sentences that begin
    like a halt (dev_p, 5 voices) one kitchen check-in became a false halt (24.0 -> 24.4 %);
    10 minutes of kitchen noise alone the same 0 acted, 17 check-ins, 3 guesses."""
    first = first_sentence(partial.texts[0]) if partial.texts else ""
    if not first or not text.startswith(f"{first} "):
        return ""
    rest = [partial.words[i] for i in kept_at(partial.words, text)[len(first.split()):]]
    cues = set(bias.cues([word for word, _ in rest], shared))
    if any(p >= PARTIAL_WORD for word, p in rest if word in cues):
        return ""
    return first if _sure(partial, first, shared) else ""


def _logprob(decoded: Decoded, at: list[int]) -> float:
    """The mean token log-probability of the words at ``at`` if a loop after them was left out
    (:attr:`Decoded.spans`), else of the whole best hypothesis (its end included: Whisper
    unsure the speech is over is unsure of the text)."""
    if not at or len(at) == len(decoded.words) or len(decoded.spans) != len(decoded.words):
        return decoded.logprobs[0]
    total, count = (sum(part) for part in zip(*(decoded.spans[i] for i in at), strict=True))
    return total / count


def kept(words: tuple[tuple[str, float], ...], text: str) -> list[tuple[str, float]]:
    """The decoded ``words`` that ``text`` kept (:func:`plain_text` drops a loop's repeats:
    "Stop it now. Stop it." keeps the first "stop", whose probability is the one that counts)."""
    return [words[i] for i in kept_at(words, text)]


def kept_at(words: tuple[tuple[str, float], ...], text: str) -> list[int]:
    """Where the words :func:`kept` are in ``words`` (all of them if ``text`` is no
    subsequence: never seen)."""
    out: list[int] = []
    for wanted in text.split():
        start = out[-1] + 1 if out else 0
        found = next((i for i in range(start, len(words)) if words[i][0] == wanted), None)
        if found is None:
            return list(range(len(words)))
        out.append(found)
    return out


def _confidence(decoded: Decoded, texts: list[str]) -> float:
    """0..1: the best hypothesis' mean token probability, less the chance of no speech; 0 for
    no speech or garbage."""
    if not texts or decoded.no_speech > NO_SPEECH or decoded.logprobs[0] < MIN_LOGPROB:
        return 0.0
    return math.exp(decoded.logprobs[0]) * (1.0 - decoded.no_speech)


def _coverage(texts: list[str], speech: float) -> float:
    """How much of ``speech`` seconds the best hypothesis' words can cover (1: all of it)."""
    if not texts:
        return 0.0
    return min(1.0, (len(texts[0].split()) + 1) / (WORDS_PER_SECOND * max(speech, 0.1)))
