"""Benchmark targets are judged one way in every benchmark."""

from __future__ import annotations

import pytest

from voicecoach.bench.targets import judge, meets


@pytest.mark.parametrize(("value", "op", "limit", "met"), [
    (0.95, ">=", 0.95, True), (0.94, ">=", 0.95, False),
    (300, "<=", 300, True), (301, "<=", 300, False),
])
def test_a_figure_meets_its_target_or_not(value: float, op: str, limit: float, met: bool) -> None:
    assert meets(value, op, limit) is met


def test_only_targets_with_a_figure_are_judged_and_none_is_not_met() -> None:
    targets = {"caught": (">=", 0.99), "p50": ("<=", 300.0), "rss": ("<=", 600.0)}
    assert judge({"caught": 0.995, "p50": None}, targets) == {"caught": True, "p50": False}
