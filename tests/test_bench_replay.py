"""voicecoach.bench.replay: tapes of room sessions heard again, and scored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_bench_room import manifest

from voicecoach.bench import replay
from voicecoach.bench.tape import Taped, read_tape
from voicecoach.speech.listen import Heard


class Hinted:
    """A recognizer that writes down, per chunk, the hint it had and whether it was reset."""

    name = "hinted"

    def __init__(self) -> None:
        self.hint: frozenset[str] = frozenset()
        self.log: list[tuple[int, frozenset[str], bool]] = []
        self.was_reset = False

    def accept(self, chunk: bytes) -> None:
        self.log.append((chunk[0], self.hint, self.was_reset))
        self.was_reset = False

    def partial(self) -> str:
        return ""

    def finish(self) -> None:
        return None

    def reset(self) -> None:
        self.was_reset = True

    def prefer(self, intents: frozenset[str]) -> None:
        self.hint = intents


def test_a_replay_gives_the_same_hints_and_resets_at_the_same_chunks() -> None:
    tape = Taped("t", [bytes([i, 0]) for i in range(4)], {1: frozenset({"yes"}), 3: frozenset()},
                 frozenset({2}), [])
    recognizer = Hinted()
    assert replay.replay(tape, recognizer) == []  # type: ignore[arg-type]
    assert recognizer.log == [(0, frozenset(), True), (1, frozenset({"yes"}), False),
                              (2, frozenset({"yes"}), True), (3, frozenset(), False)]


def heard(t: float, text: str, intent: str = "none", doubt: str = "", guess: str = "",
          lag: float = 0.0) -> Heard:
    return Heard(t, text, 0.5, intent, 0.9, True, t - 1.0, doubt, guess, lag=lag)


SAID = [{"start": 10.0, "end": 11.0, "intent": "stop", "text": "stop it now"},
        {"start": 20.0, "end": 21.0, "intent": "pain", "text": "ouch"},
        {"start": 30.0, "end": 31.5, "intent": "ask_reps", "text": "how many to go"},
        {"start": 40.0, "end": 41.0, "intent": "dizzy", "text": "i feel dizzy"},
        {"start": 60.0, "end": 61.0, "intent": "dizzy", "text": "i feel faint"}]


def test_each_line_is_caught_or_missed_and_what_nobody_said_is_counted() -> None:
    """A halt counts from when it was known (its audio time plus the ear's lag), whichever
    halting intent it was (each halts), a doubt is caught but not halted, a question needs its
    intent; anything heard far from every line was nobody's."""
    events = [heard(11.2, "stop it now", "stop", lag=0.1), heard(21.4, "oh", doubt="pain"),
              heard(31.9, "how many to go", guess="ask_reps"), heard(33.0, "yeah", guess="yes"),
              heard(36.6, "i feel dizzy", doubt="dizzy"), heard(55.0, "bye", "quit"),
              heard(61.5, "i feel pain", "pain")]
    scored = replay.score(Taped("t", [], {}, frozenset(), SAID), events)
    lines = scored["lines"]
    assert [(x.ms, x.halted) for x in lines] == [(300, True), (400, False), (None, False),
                                                 (None, False), (500, True)]
    assert lines[2].heard == "how many to go / yeah" and lines[3].heard == ""
    assert scored["acted"] == ["55.00: 'bye' (quit, 0.50)"]
    assert scored["doubts"] == ["36.60: 'i feel dizzy' (dizzy, 0.50)"]
    assert scored["guesses"] == []  # "yeah" came while "how many to go" was being heard
    summary = replay.summarize([scored], audio=60.0, cpu=6.0)
    assert summary["halting"] == 4 and summary["halting_caught"] == pytest.approx(0.75)
    assert summary["halting_halted"] == pytest.approx(0.5)
    assert summary["questions_heard"] == 0.0 and summary["cpu_per_s"] == 0.1


def test_a_room_session_taped_and_replayed_to_whisper(tmp_path: Path, capsys) -> None:  # type: ignore
    """The room keeps what its recognizer heard (here: the oracle's microphone, echo and all),
    and the replay plays it to the real engine. The room has no noise, so what Whisper heard
    from nobody came while the coach spoke (its echo, left over after the session's own check:
    the greeting's 'say "start back twist"' is let through while a start is awaited, and
    "i feel dizzy" is a doubt the session would ask about)."""
    from voicecoach.bench.room import main as room

    tapes = tmp_path / "tapes"
    room(["--commands", str(manifest(tmp_path)), "--sessions", "1", "--reps", "2",
          "--recognizer", "oracle", "--seed", "3", "--limit", "100", "--tape", str(tapes)])
    assert sorted(p.name for p in tapes.iterdir()) == ["session-1.json", "session-1.wav"]
    capsys.readouterr()
    assert replay.main([str(tapes), "--engine", "whisper", "--misses", "--json"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    summary = json.loads(out[-1])
    assert summary["halting"] == 1 and summary["halting_caught"] == 1.0  # "stop", 92.5 s in
    assert summary["audio_minutes"] == 1.7
    coach = read_tape(tapes / "session-1.wav").coach
    assert "start back twist" in coach[0]["text"]
    nobody = [float(line.split("nobody, ")[1].split(":")[0]) for line in out if "nobody, " in line]
    assert len(nobody) == summary["acted"] + summary["doubts"]
    assert all(any(c["start"] <= t < c["end"] + 1.5 for c in coach) for t in nobody)


def test_a_folder_without_tapes_is_a_usage_error(tmp_path: Path, capsys) -> None:  # type: ignore
    assert replay.main([str(tmp_path)]) == 2
    assert "no tapes (make them: python -m voicecoach.bench room --tape" in capsys.readouterr().err


def test_the_coachs_line_heard_again_is_left_out_as_the_session_would() -> None:
    """What the session takes for the coach's own voice is no one's words; a halting word
    never is."""
    coach = [{"text": "Feet forward, and twist gently to the right.", "start": 50.0,
              "end": 53.0, "dropped": False}]
    tape = Taped("t", [], {}, frozenset(), [], coach)
    events = [heard(52.0, "feet forward and twist gently to the", "ready"),
              heard(53.4, "stop", "stop"), heard(60.0, "feet forward", "ready")]
    assert replay.score(tape, events)["acted"] == ["53.40: 'stop' (stop, 0.50)",
                                                   "60.00: 'feet forward' (ready, 0.50)"]
