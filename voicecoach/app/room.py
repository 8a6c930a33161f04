"""The live loop in a simulated room, in virtual time: listen -> session -> sink -> speaker.

:class:`RoomRun` runs the real streaming path (:func:`voicecoach.app.spoken.stream_session`
through the one chain, :class:`voicecoach.app.ear.Ear`: echo cancelling, front-end,
recognizer, matcher; the echo guard, the session and its coach) on a virtual microphone
(:class:`voicecoach.audio.room.Room`), and plays what the coach says, rendered by the real TTS
(:class:`voicecoach.speech.tts.LineAudio`), on a virtual speaker that a halt or hush cuts
exactly as the real player. The ear's echo canceller, when it has one, cleans each microphone
block with the samples played meanwhile, as a duplex device stream gives them.

A :class:`RoomUser` decides, before each microphone block, what the user says (audio placed
in the room) or types (dialogue moves that are not being measured). The run records every
event with its audio time, every clip played and where it was cut, and every user line.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from voicecoach.app.ear import Ear
from voicecoach.app.session import Session
from voicecoach.app.spoken import ECHO_TAIL, Saying, echo_guard, stream_session
from voicecoach.audio.room import RATE, Room, as_samples
from voicecoach.audio.wav import CHUNK_SAMPLES
from voicecoach.coach.machine import Coach
from voicecoach.errors import AudioError
from voicecoach.nlu.matcher import Matcher
from voicecoach.speech.tts import LineAudio

log = logging.getLogger(__name__)

BLOCK = CHUNK_SAMPLES
"""Microphone block, as the real microphone's."""
STOPS = ("halt", "hush")
"""Events that cut the coach's voice at once."""


@dataclass(frozen=True, slots=True)
class UserLine:
    """Something the user says: 16 kHz audio and what it means."""

    pcm: bytes
    intent: str
    text: str = ""
    voice: str = ""


@dataclass(frozen=True, slots=True)
class Said:
    """A user line as said in the room."""

    line: UserLine
    start: float
    """When the speech itself began (room time, seconds)."""
    end: float
    """When the speech itself ended."""
    over_coach: bool
    """The coach's voice was sounding when the user began."""
    typed: bool = False
    """Typed instead (after the microphone failed)."""


class RoomUser(Protocol):
    """The user in the room: acts before every microphone block."""

    def act(self, run: RoomRun) -> None: ...


@dataclass
class RoomRun:
    """One session in a room; :meth:`run` plays it to its end (or ``limit`` seconds)."""

    coach: Coach
    matcher: Matcher
    ear: Ear
    lines: LineAudio
    room: Room
    user: RoomUser | None = None
    limit: float = 900.0
    mic_fails_at: float | None = None
    """Simulate a microphone failure at this room time (the session goes on typed)."""
    text_check: bool = True
    """Keep the text-based echo check (:func:`voicecoach.app.spoken.echo_guard`)."""
    records: list[dict[str, Any]] = field(default_factory=list)
    said: list[Said] = field(default_factory=list)
    cuts: list[tuple[float, float]] = field(default_factory=list)
    """(time of the halt or hush, when the voice actually fell silent)."""
    typing: bool = False
    """True once the microphone failed and the user types."""
    track: list[bytes] | None = None
    """When a list, every microphone block as it enters the front-end (echo removed) is kept
    here: replayable with ``run --audio-in``."""

    def __post_init__(self) -> None:
        self.session = Session(self.coach, self.matcher, self._sink)
        self.speaker = self.room.speaker

    @property
    def now(self) -> float:
        return self.room.now

    # -- what the user does

    def say(self, line: UserLine, at: float | None = None) -> Said:
        """The user says ``line`` at ``at`` (default now); typed once the mic has failed."""
        at = self.now if at is None else at
        over = self.speaker.saying(at) is not None
        if self.typing:
            said = Said(line, at, at, over, typed=True)
            self.session.heard(self.now, line.text)
        else:
            start, end = self.room.say(line.pcm, at)
            said = Said(line, start, end, over)
        self.said.append(said)
        return said

    def type(self, text: str) -> None:
        """A dialogue move typed rather than spoken (not part of what is measured)."""
        self.records.append({"t": round(self.now, 3), "event": "typed", "text": text})
        self.session.heard(self.now, text)

    # -- the loop

    def run(self) -> RoomRun:
        self.session.begin(0.0)
        try:
            stream_session(self.session, self._kept(self.ear.clean(self._microphone())),
                           self.ear, self._echo)
        except AudioError as err:
            log.info("%s: the session goes on typed", err)
            self.records.append({"t": round(self.now, 3), "event": "fallback", "why": str(err)})
            self.typing = True
            self._typed_loop()
        return self

    def _microphone(self) -> Iterator[tuple[bytes, bytes]]:
        """(microphone, what the speaker played meanwhile), block by block."""
        while not self._over():
            if self.user is not None:
                self.user.act(self)
            if self.mic_fails_at is not None and self.now >= self.mic_fails_at:
                raise AudioError("the microphone stopped (disconnected?): reconnect it")
            pair = self.room.block(BLOCK)
            self.speaker.prune(self.now - 1.0)
            yield pair

    def _kept(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            if self.track is not None:
                self.track.append(chunk)
            yield chunk

    def _typed_loop(self) -> None:
        while not self._over():
            if self.user is not None:
                self.user.act(self)
            self.room.block(BLOCK)
            self.session.tick(self.now)

    def _over(self) -> bool:
        if self.now >= self.limit:
            return True
        if not self.coach.ended:
            return False
        return all(clip.end <= self.now for clip in self.speaker.log)

    def _echo(self) -> Saying | None:
        clip = self.speaker.saying(self.now, ECHO_TAIL)
        if clip is None or not self.text_check:
            return None
        return echo_guard(clip.text, self.ear.canceller, clip.start, self.now)

    def _sink(self, record: dict[str, Any]) -> None:
        self.records.append(record)
        event = record["event"]
        if event == "say":
            samples = as_samples(self.lines.pcm(record["text"]))
            self.speaker.play(samples, float(record["t"]), record["text"], record.get("key", ""))
        elif event in STOPS:
            t = max(float(record["t"]), self.now)
            self.cuts.append((t, self.speaker.cut(t)))

    # -- what happened

    def played(self) -> list[dict[str, Any]]:
        """Every clip: its text, key, due and real start, end, and whether it was cut."""
        return [
            {"text": c.text, "key": c.key, "due": round(c.due, 3), "start": round(c.start, 3),
             "end": round(c.end, 3), "length": round(c.length, 3), "cut": c.cut,
             "dropped": c.dropped}
            for c in self.speaker.log
        ]

    def audio_seconds(self) -> float:
        return self.room.position / RATE
