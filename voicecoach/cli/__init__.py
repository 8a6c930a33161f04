"""Command line: argument parsing and wiring only. The only module that prints."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from voicecoach import __version__
from voicecoach.app.settings import EngineSettings, RunSettings
from voicecoach.errors import VoiceCoachError

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voicecoach", description="An offline voice coach for the standing Back Twist."
    )
    parser.add_argument("--version", action="version", version=f"voicecoach {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command")
    _add_run(sub.add_parser("run", help="start a coaching session (the default)"))
    understand = sub.add_parser("understand", help="print the intent of texts or WAV files")
    understand.add_argument("inputs", nargs="+", metavar="TEXT_OR_WAV")
    understand.add_argument("--json", action="store_true", help="one JSON line per input")
    _add_engine(understand)
    transcribe = sub.add_parser("transcribe", help="print what a WAV file says")
    transcribe.add_argument("inputs", nargs="+", metavar="WAV")
    transcribe.add_argument("--json", action="store_true")
    _add_engine(transcribe)
    sub.add_parser("devices", help="list audio devices")
    from voicecoach.cli import models as cli_models

    cli_models.add_parser(sub)
    return parser


def _add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), default="auto")
    parser.add_argument("--model", help="path of a vosk model folder")
    parser.add_argument("--denoise", default="auto", metavar="auto|NAME|off",
                        choices=("auto", "webrtc", "speex", "rnnoise", "deepfilter", "off"),
                        help="noise suppression before the recognizer (default auto)")


def _add_run(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text", action="store_true", help="type instead of speaking")
    parser.add_argument("--output", choices=("voice", "text"), default="voice",
                        help="speak replies (default) or only print them")
    parser.add_argument("--script", metavar="FILE", help="play a session script (see README)")
    parser.add_argument("--clock", choices=("real", "virtual"), default="real")
    parser.add_argument("--json", action="store_true", help="every event as a JSON line")
    parser.add_argument("--audio-in", metavar="WAV", help="listen to a recording, not the mic")
    parser.add_argument("--device", help="microphone (index or name; see 'voicecoach devices')")
    parser.add_argument("--reps", type=int, default=15, help="twists per side (default 15)")
    parser.add_argument("--minutes", type=float, help="twist for this long instead of counting")
    parser.add_argument("--seed", type=int, help="fix the choice of wordings")
    parser.add_argument("--lang", default="en")
    _add_engine(parser)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    command = args.command or "run"
    if args.command is None:
        args = parser.parse_args(["run", *(sys.argv[1:] if argv is None else argv)])
    try:
        return COMMANDS[command](args)
    except KeyboardInterrupt:
        print("\nbye", file=sys.stderr)
        return 130
    except VoiceCoachError as err:
        print(f"voicecoach: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0


def run_settings(args: argparse.Namespace) -> RunSettings:
    """The run command's flags as the frozen settings the app takes."""
    return RunSettings(
        engine=engine_settings(args), reps=args.reps, minutes=args.minutes, seed=args.seed,
        lang=args.lang, text=args.text, speak=args.output == "voice", json=args.json,
        script=args.script, real_clock=args.clock == "real", audio_in=args.audio_in,
        device=args.device,
    )


def engine_settings(args: argparse.Namespace) -> EngineSettings:
    return EngineSettings(engine=args.engine, model=args.model, denoise=args.denoise)


def _cmd_run(args: argparse.Namespace) -> int:
    from voicecoach.app import runner

    return runner.run(run_settings(args))


def _cmd_understand(args: argparse.Namespace) -> int:
    from voicecoach.app import runner

    return runner.understand(args.inputs, engine_settings(args), args.json)


def _cmd_transcribe(args: argparse.Namespace) -> int:
    from voicecoach.app import runner

    return runner.transcribe(args.inputs, engine_settings(args), args.json)


def _cmd_devices(args: argparse.Namespace) -> int:
    from voicecoach.audio.devices import list_devices

    devices = list_devices()
    for device in devices:
        print(device.describe())
    if not devices:
        print("no audio devices found")
    return 0


def _cmd_models(args: argparse.Namespace) -> int:
    from voicecoach.cli import models as cli_models

    return cli_models.run(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _cmd_run,
    "understand": _cmd_understand,
    "transcribe": _cmd_transcribe,
    "devices": _cmd_devices,
    "models": _cmd_models,
}

