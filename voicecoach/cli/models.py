"""``voicecoach models list|download|verify|remove``: the command line over ``models``.

Wiring (in ``cli.py``): ``cli_models.add_parser(subparsers)`` registers the ``models``
command; when it was chosen, ``return cli_models.run(args)``. A global ``--model PATH`` option,
if the main parser has one (``args.model``), is honoured by ``list`` and ``verify``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, TextIO

from voicecoach.errors import ModelError, VoiceCoachError
from voicecoach.speech import models


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``models`` and its four subcommands; returns the ``models`` parser."""
    parser = subparsers.add_parser("models", help="list, download, verify or remove vosk models")
    sub = parser.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="installed models and the catalog, with where each is")
    dl = sub.add_parser("download", help="download, check and install a model")
    dl.add_argument("name", help=f"catalog name: {', '.join(models.CATALOG)}")
    dl.add_argument("--url", help="download from this URL instead (http, https or file)")
    dl.add_argument("--sha256", help="expected SHA-256 of the archive (with --url)")
    dl.add_argument("--dest", type=Path, help="install here instead of the user data dir")
    dl.add_argument("--force", action="store_true", help="replace an installed model")
    dl.add_argument("--timeout", type=float, default=30.0, help="network timeout in seconds")
    dl.add_argument("--no-verify", action="store_true",
                    help="skip loading the new model with vosk before installing it")
    ver = sub.add_parser("verify", help="load a model with vosk and report ok or the error")
    ver.add_argument("target", nargs="?", help="model name or folder (default: the one in use)")
    rm = sub.add_parser("remove", help="delete an installed model")
    rm.add_argument("name", help="model name or folder name")
    rm.add_argument("--dest", type=Path, help="the folder it was installed into")
    return parser


def run(args: argparse.Namespace) -> int:
    """Run the chosen ``models`` subcommand; 0 on success, 1 on a clear one-line error."""
    action = {"list": _list, "download": _download, "verify": _verify, "remove": _remove}
    try:
        return action[args.models_command](args)
    except ModelError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _list(args: argparse.Namespace) -> int:
    explicit = getattr(args, "model", None)
    print(f"speech recognizer (--engine auto): {_auto_reason(explicit)}")
    _whisper_line()
    try:
        active = models.find_model(explicit, lang="en")
    except ModelError as exc:
        print(f"warning: {exc}", file=sys.stderr)
        active = None
    for info in models.list_models(explicit):
        mark = "*" if active is not None and info.path == active else " "
        if info.path is None:
            where = f"not installed (voicecoach models download {info.name})"
        else:
            where = f"{info.source}: {info.path}"
        print(f"{mark} {info.name:<28} {info.lang or '?':<4} {where}")
    return 0


def _auto_reason(explicit: str | None) -> str:
    from voicecoach.speech.asr.engines import choose_engine

    try:
        return choose_engine("auto", explicit).reason
    except VoiceCoachError as exc:
        return f"none ({exc})"


def _whisper_line() -> None:
    from voicecoach.speech.asr import whisper_model

    if not whisper_model.available():
        where = f"not installed ({whisper_model.INSTALL})"
    else:
        where = f"package {whisper_model.PACKAGE}: {whisper_model.model_dir()}"
    print(f"  {whisper_model.NAME:<28} en   {where}")


def _download(args: argparse.Namespace) -> int:
    bar = ProgressBar(sys.stderr)
    try:
        result = models.download(
            args.name, dest_dir=args.dest, url=args.url, progress=bar, timeout=args.timeout,
            sha256=args.sha256, force=args.force, load_check=not args.no_verify,
        )
    except KeyboardInterrupt:
        bar.close()
        print("error: download interrupted; nothing was installed", file=sys.stderr)
        return 130
    finally:
        bar.close()
    if result.downloaded:
        print(f"installed {args.name} at {result.path}")
    else:
        print(f"{args.name} is already installed at {result.path} (--force replaces it)")
    return 0


def _verify(args: argparse.Namespace) -> int:
    path = _resolve(args.target, getattr(args, "model", None))
    result = models.verify(path)
    if result.ok:
        print(f"ok {result.path} (loaded in {result.seconds:.1f} s)")
        return 0
    print(f"error: {result.path}: {result.error}", file=sys.stderr)
    return 1


def _remove(args: argparse.Namespace) -> int:
    path = models.remove(args.name, dest_dir=args.dest)
    print(f"removed {path}")
    return 0


def _resolve(target: str | None, explicit: str | None) -> Path:
    """A model folder from a name, a path, or (no target) the model the coach would use."""
    if target is None:
        found = models.find_model(explicit, lang="en")
        if found is None:
            raise ModelError("no vosk model installed; run: voicecoach models download small-en-us")
        return found
    if Path(target).expanduser().exists():
        return Path(target).expanduser()
    for info in models.list_models(explicit):
        if info.path is not None and target in (info.name, info.path.name):
            return info.path
    raise ModelError(f"no installed model or folder {target!r}; see: voicecoach models list")


class ProgressBar:
    """A download progress callback ``(done, total)`` drawn by tqdm on ``stream``."""

    def __init__(self, stream: TextIO, desc: str = "download") -> None:
        self._stream = stream
        self._desc = desc
        self._bar: Any = None

    def __call__(self, done: int, total: int | None) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self._desc, unit="B", unit_scale=True,
                             unit_divisor=1024, file=self._stream, mininterval=0.2)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        """End the bar's line (idempotent)."""
        if self._bar is not None:
            self._bar.close()
        self._bar = None
