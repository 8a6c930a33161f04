"""The history, shown: a table, a terminal chart, JSON lines, CSV and a picture (matplotlib)."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Sequence
from pathlib import Path

from voicecoach.app.history import SessionRow
from voicecoach.errors import VoiceCoachError

log = logging.getLogger(__name__)

CSV_COLUMNS = ("id", "started", "ended", "outcome", "target", "minutes", "right", "left",
               "tempo", "phases", "halts", "questions")


def table(rows: Sequence[SessionRow]) -> str:
    """One line per session, newest last."""
    lines = [f"{'#':>4}  {'started':<16}  {'outcome':<11}  {'target':>6}  {'right':>5}  "
             f"{'left':>4}  {'s/twist':>7}  halts"]
    for row in rows:
        tempo = f"{row.tempo:.2f}" if row.tempo else "-"
        lines.append(f"{row.id:>4}  {row.started:%Y-%m-%d %H:%M}  {row.outcome:<11}  "
                     f"{row.target:>6}  {row.right:>5}  {row.left:>4}  {tempo:>7}  "
                     f"{', '.join(row.halts) or '-'}")
    return "\n".join(lines)


def chart(rows: Sequence[SessionRow], width: int = 40) -> str:
    """Twists per side over time: one bar per session, ``|`` marks its target."""
    top = max([width, *(max(r.right, r.left, r.target) for r in rows)])
    scale = width / top
    lines = [f"twists per side (each # is {1 / scale:.2g}; | is the target)"]
    for row in rows:
        done = round(min(row.right, row.left) * scale)
        mark = round(row.target * scale)
        bar = "".join(_cell(i, done, mark) for i in range(max(done, mark + 1)))
        lines.append(f"{row.started:%m-%d %H:%M}  {bar:<{width + 1}} {min(row.right, row.left):>3}"
                     f"  {row.outcome}")
    return "\n".join(lines)


def _cell(i: int, done: int, mark: int) -> str:
    if i == mark:
        return "|"
    return "#" if i < done else " "


def json_lines(rows: Sequence[SessionRow]) -> str:
    return "\n".join(json.dumps(row.as_json(), ensure_ascii=False) for row in rows)


def csv_text(rows: Sequence[SessionRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        data = row.as_json()
        writer.writerow([data["id"], data["started"], data["ended"], row.outcome, row.target,
                         row.minutes if row.minutes is not None else "", row.right, row.left,
                         row.tempo if row.tempo is not None else "", " ".join(row.phases),
                         " ".join(row.halts), " ".join(row.questions)])
    return out.getvalue()


def plot(rows: Sequence[SessionRow], path: str | Path) -> None:
    """Write a PNG of twists per side (and the target) per session."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt
    except ImportError:
        raise VoiceCoachError(
            "--plot needs matplotlib: pip install 'voicecoach[plot]' (or: pip install matplotlib)"
        ) from None
    when = [row.started for row in rows]
    figure, axes = plt.subplots(figsize=(8, 4))
    axes.plot(when, [r.right for r in rows], "o-", label="right")
    axes.plot(when, [r.left for r in rows], "s-", label="left")
    axes.step(when, [r.target for r in rows], "--", where="mid", label="target", color="grey")
    axes.set(title="Back Twist: twists per side", ylabel="twists per side", ylim=(0, None))
    axes.legend()
    locator = mdates.AutoDateLocator()
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    try:
        figure.savefig(path, dpi=100)
    except OSError as err:
        raise VoiceCoachError(f"{path}: cannot write the picture: {err.strerror or err}") from None
    finally:
        plt.close(figure)
