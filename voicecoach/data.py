"""Where the language data lives, in a source checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

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
