"""Sound-alike words for the words that matter, built from a pronunciation dictionary.

A recognizer that writes what it heard may write a word that sounds like the one said:
"pane" for "pain", "hertz" for "hurts", "paws" for "pause", "reddy" for "ready". The table
``intents/<lang>/soundalike.yaml`` maps such words to the word meant; the matcher respells a
sentence with it only when the sentence as written matched nothing, and only words the phrase
data does not know ("know" is in a phrase, so it is never taken for "no").

The table is built, not written by hand: the key of a word is its pronunciation in CMUdict
(the copy inside the pocketsphinx wheel, a dependency), phones without stress marks, and
:func:`build_table` maps every word whose key equals the key of a word of the file's ``words``
or ``safety_words`` lists to that word. Homophones only: words one phone away were tried and
brought mostly names and other words ("red", "read", "already" for "ready"; "lower", "sloth"
for "slower"), and near a safety word they would halt the session ("stock", "busy"). A word
that sounds like two of the words is left out. The benchmark tables play no part, so the
table cannot fit them. ``python -m voicecoach.nlu.soundalike`` rewrites the file; a test
checks it is up to date.

Words one consonant away from a safety word ("busy" for "dizzy", "stock" for "stop") are a
second table, ``near_safety`` (:func:`build_near`): never respelled into a command, they only
make a doubt of a sentence made of nothing else ("busy busy": the coach pauses and asks "did
you say dizzy?"; "I'm busy" is nothing). An unsure halting word is a question, never silence.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from voicecoach.data import data_dir, load_yaml
from voicecoach.errors import DataError

log = logging.getLogger(__name__)

FILE_NAME = "soundalike.yaml"
Phones = tuple[str, ...]
VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW",
                    "OY", "UH", "UW"})
"""CMUdict's vowels: a near word keeps the safety word's vowels (its other sounds may blur)."""


def cmudict_path() -> Path | None:
    """The CMUdict shipped in the pocketsphinx wheel, without importing pocketsphinx."""
    spec = importlib.util.find_spec("pocketsphinx")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "model" / "en-us"
    path = path / "cmudict-en-us.dict"
    return path if path.is_file() else None


def pronunciations(lines: Iterable[str]) -> dict[str, set[Phones]]:
    """Word → its pronunciations (phones without stress marks) from CMUdict lines."""
    found: dict[str, set[Phones]] = {}
    for line in lines:
        word, *phones = line.split()
        if phones and "#" not in phones:
            stripped = tuple(phone.rstrip("012") for phone in phones)
            found.setdefault(word.split("(")[0], set()).add(stripped)
    return found


def build_table(
    prons: Mapping[str, Collection[Phones]], words: Iterable[str], safety: Iterable[str]
) -> dict[str, str]:
    """Sound-alike word → the word of ``words`` or ``safety`` it sounds like (module doc)."""
    targets = list(dict.fromkeys([*words, *safety]))
    keys: dict[Phones, set[str]] = {}
    for word, found in prons.items():
        if word not in targets and word.isalpha():
            for phones in found:
                keys.setdefault(phones, set()).add(word)
    claims: dict[str, set[str]] = {}
    for target in targets:
        for phones in prons.get(target, ()):
            for word in keys.get(phones, ()):
                claims.setdefault(word, set()).add(target)
    return _claimed_once(claims)


def build_near(prons: Mapping[str, Collection[Phones]], safety: Iterable[str]) -> dict[str, str]:
    """Word one consonant from a word of ``safety`` → that word (module doc); a word near two
    of them, or a homophone of one, is left out."""
    targets = {target: prons.get(target, ()) for target in dict.fromkeys(safety)}
    claims: dict[str, set[str]] = {}
    for word, found in prons.items():
        if word not in targets and word.isalpha():
            for target, meant in targets.items():
                if any(_one_consonant(a, b) for a in found for b in meant):
                    claims.setdefault(word, set()).add(target)
    return _claimed_once(claims)


def _claimed_once(claims: Mapping[str, set[str]]) -> dict[str, str]:
    """Word -> the one word it was claimed for; a word claimed for two or more is left out."""
    return {word: next(iter(t)) for word, t in sorted(claims.items()) if len(t) == 1}


def _one_consonant(heard: Phones, meant: Phones) -> bool:
    """Whether the two differ in exactly one phone, a consonant in both."""
    if len(heard) != len(meant):
        return False
    changed = [(a, b) for a, b in zip(heard, meant, strict=True) if a != b]
    return len(changed) == 1 and VOWELS.isdisjoint(changed[0])


def cmudict() -> dict[str, set[Phones]] | None:
    """pocketsphinx's CMUdict (:func:`pronunciations`); None when it is not installed."""
    source = cmudict_path()
    if source is None:
        return None
    return pronunciations(source.read_text(encoding="utf-8", errors="replace").splitlines())


def build_from_cmudict(words: Iterable[str], safety: Iterable[str]) -> dict[str, str] | None:
    """:func:`build_table` over pocketsphinx's CMUdict; None when it is not installed."""
    prons = cmudict()
    return None if prons is None else build_table(prons, words, safety)


def load(path: Path) -> Any:
    """The parsed file; ``DataError`` naming it if it cannot be read."""
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise DataError(str(path), None, f"cannot read the file: {exc}") from exc


def read(path: Path, vocabulary: Collection[str] = ()) -> dict[str, str]:
    """The sound-alike table of a file; ``DataError`` names the file and key of a bad entry.
    Every word meant must be in ``vocabulary`` (when given)."""
    return parse(load(path), str(path), vocabulary)


def parse(data: Any, source: str, vocabulary: Collection[str] = ()) -> dict[str, str]:
    """Validate parsed sound-alike data (``words``, ``safety_words``, ``sounds_like`` and the
    optional ``heard_as``: slips learnt from a recognizer, :mod:`voicecoach.nlu.confusions`);
    the table is both mappings in one."""
    if not isinstance(data, Mapping) or not isinstance(data.get("sounds_like"), Mapping):
        raise DataError(source, "sounds_like", "expected a mapping of word: word meant")
    words = _listed(data, "words", source) + _listed(data, "safety_words", source)
    table = _section(data, "sounds_like", source, words, vocabulary)
    learnt = _section(data, "heard_as", source, words, vocabulary)
    for heard, meant in learnt.items():
        if table.setdefault(heard, meant) != meant:
            raise DataError(source, f"heard_as.{heard}", "already a sound-alike of another word")
    return table


def tables(data: Any, source: str, vocabulary: Collection[str] = ()
           ) -> tuple[dict[str, str], dict[str, str]]:
    """The sound-alike table (:func:`parse`) and the near-safety one (:func:`parse_near`)."""
    return parse(data, source, vocabulary), parse_near(data, source, vocabulary)


def parse_near(data: Any, source: str, vocabulary: Collection[str] = ()) -> dict[str, str]:
    """The ``near_safety`` table of parsed sound-alike data (absent: empty); every word meant
    is a safety word."""
    if not isinstance(data, Mapping):
        raise DataError(source, "near_safety", "expected a mapping of word: safety word")
    return _section(data, "near_safety", source, _listed(data, "safety_words", source), vocabulary)


def _listed(data: Mapping[str, Any], part: str, source: str) -> list[str]:
    listed = data.get(part)
    if not isinstance(listed, list) or not all(isinstance(w, str) for w in listed):
        raise DataError(source, part, "expected a list of words (quote yes and no)")
    return listed


def _section(data: Mapping[str, Any], part: str, source: str, words: Collection[str],
             vocabulary: Collection[str]) -> dict[str, str]:
    """One mapping of heard word -> word meant (an absent ``heard_as`` or ``near_safety`` is
    empty)."""
    mapping = data.get(part) or {}
    if not isinstance(mapping, Mapping):
        raise DataError(source, part, "expected a mapping of word: word meant")
    table: dict[str, str] = {}
    for heard, meant in mapping.items():
        key = f"{part}.{heard}"
        if not isinstance(heard, str) or not heard.isalpha() or not heard.islower():
            raise DataError(source, key, "a sound-alike is one lowercase word (quote yes/no)")
        if meant not in words or (vocabulary and meant not in vocabulary):
            raise DataError(source, key, f"{meant!r} is not one of the words meant")
        table[heard] = meant
    return table


def render(words: list[str], safety: list[str], table: Mapping[str, str],
           heard_as: Mapping[str, str] | None = None,
           near: Mapping[str, str] | None = None) -> str:
    """The file's text."""
    head = (
        "# Sound-alike words (voicecoach/nlu/soundalike.py): `sounds_like` and `near_safety`\n"
        "# are generated from CMUdict by `python -m voicecoach.nlu.soundalike`; edit the two\n"
        "# lists, then run it. `heard_as`: slips learnt from the recognizer on the development\n"
        "# phrases, written by `python -m voicecoach.bench confusions --write`\n"
        "# (voicecoach/nlu/confusions.py). `near_safety` words only make a doubt.\n"
    )
    body = {"words": words, "safety_words": safety, "sounds_like": dict(table),
            "heard_as": dict(sorted((heard_as or {}).items())), "near_safety": dict(near or {})}
    return head + yaml.safe_dump(body, sort_keys=False, width=100)


def write_heard_as(path: Path, heard_as: Mapping[str, str]) -> None:
    """Replace the learnt slips of the file at ``path``, keeping everything else."""
    old = load_yaml(path.read_text(encoding="utf-8"))
    text = render(old["words"], old["safety_words"], old["sounds_like"], heard_as,
                  old.get("near_safety"))
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Rebuild ``intents/<lang>/soundalike.yaml`` from its two lists (argv: [lang])."""
    logging.basicConfig(level=logging.INFO)
    lang = (argv if argv is not None else sys.argv[1:] or ["en"])[0]
    path = data_dir(lang) / FILE_NAME
    old = load_yaml(path.read_text(encoding="utf-8"))
    words, safety = list(old["words"]), list(old["safety_words"])
    prons = cmudict()
    if prons is None:
        log.error("pocketsphinx's CMUdict is not installed")
        return 1
    table, near = build_table(prons, words, safety), build_near(prons, safety)
    path.write_text(render(words, safety, table, old.get("heard_as"), near), encoding="utf-8")
    log.info("%s: %d sound-alike words, %d near safety words", path, len(table), len(near))
    return 0


if __name__ == "__main__":
    sys.exit(main())
