"""Where the language data lives, in a source checkout and in an installed wheel, and how its
YAML is read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from voicecoach.errors import DataError

_PACKAGE_DIR = Path(__file__).resolve().parent


def data_dir(lang: str = "en") -> Path:
    """Return the folder holding the phrase, response and script files for ``lang``.

    A wheel carries the repository's ``intents/`` folder as ``voicecoach/_data/intents``;
    a source checkout or an editable install reads ``intents/`` beside the package.
    """
    for root in (_PACKAGE_DIR / "_data" / "intents", _PACKAGE_DIR.parent / "intents"):
        if (root / lang).is_dir():
            return root / lang
    return _PACKAGE_DIR / "_data" / "intents" / lang


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key written twice in one mapping."""

    def construct_mapping(self, node: Any, deep: bool = False) -> Any:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} written twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_yaml(text: str) -> Any:
    """``text`` parsed as YAML, like ``yaml.safe_load``, but a key written twice in one mapping
    is an error (``yaml.YAMLError`` naming the key and line), not the second silently winning:
    a second ``ready:`` under ``paraphrases`` once hid the first one's phrases."""
    return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)


def read_yaml(path: Path) -> Any:
    """The YAML file ``path`` parsed (:func:`load_yaml`); ``DataError`` naming it if it is
    missing, unreadable or malformed."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(source, None, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(source, None, f"cannot read the file: {exc}") from exc
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        raise DataError(source, None, f"malformed YAML: {exc}") from exc
