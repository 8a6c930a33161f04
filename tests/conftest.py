"""Shared fixtures: the data files, and the path of ../shared (skip, or fail under CI)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(relative: str) -> Path:
    """A file of ../shared; skips where it is absent, fails where CI=true."""
    path = SHARED / relative
    if not path.exists():
        message = f"{path} is absent (it ships beside the repository, not in it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(autouse=True)
def _own_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config or history: $VOICECOACH_HOME is a
    fresh folder for each test."""
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path_factory.mktemp("home")))
