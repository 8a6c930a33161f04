"""Benchmark targets: ``(op, limit)`` pairs, ``op`` one of ``>=`` and ``<=``."""

from __future__ import annotations

from collections.abc import Mapping


def meets(value: float, op: str, limit: float) -> bool:
    """Whether ``value`` meets the target ``op limit``."""
    return value >= limit if op == ">=" else value <= limit


def judge(values: Mapping[str, float | None],
          targets: Mapping[str, tuple[str, float]]) -> dict[str, bool]:
    """Each target that ``values`` has a figure for: met or not (no figure, None: not met)."""
    return {key: values[key] is not None and meets(values[key], op, limit)  # type: ignore[arg-type]
            for key, (op, limit) in targets.items() if key in values}
