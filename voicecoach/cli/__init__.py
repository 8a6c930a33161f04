"""Command line: argument parsing and wiring only. The only module that prints."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from voicecoach import __version__
from voicecoach.cli.flags import engine_settings, run_settings, settings_of

__all__ = ["build_parser", "engine_settings", "main", "run_settings", "settings_of"]
from voicecoach.errors import VoiceCoachError
from voicecoach.speech.asr.engines import ENGINES

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="voicecoach", description="An offline voice coach for the standing Back Twist."
    )
    parser.add_argument("--version", action="version", version=f"voicecoach {__version__}")
    _add_output(parser)
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
    from voicecoach.cli import config as cli_config
    from voicecoach.cli import doctor as cli_doctor
    from voicecoach.cli import history as cli_history
    from voicecoach.cli import models as cli_models

    cli_models.add_parser(sub)
    for module in (cli_history, cli_config, cli_doctor):  # issue 9
        module.add_parser(sub)
    for command in sub.choices.values():
        _add_output(command)
    return parser


def _add_output(parser: argparse.ArgumentParser) -> None:
    """--verbose/--quiet, accepted before or after the command."""
    default = argparse.SUPPRESS if parser.prog != "voicecoach" else False
    parser.add_argument("-v", "--verbose", action="store_true", default=default,
                        help="log transcripts, confidences and decisions")
    parser.add_argument("-q", "--quiet", action="store_true", default=default,
                        help="print only what the coach says")


def _add_engine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=ENGINES,
                        help="speech recognizer (default auto: Whisper tiny.en when installed, "
                        "else vosk with a model, else pocketsphinx)")
    parser.add_argument("--model", help="path of a vosk model folder")
    parser.add_argument("--denoise", metavar="auto|NAME|off",
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
    parser.add_argument("--reps", type=int,
                        help="twists per side (default: today's target from your history)")
    parser.add_argument("--minutes", type=float, help="twist for this long instead of counting")
    parser.add_argument("--seed", type=int, help="fix the choice of wordings")
    parser.add_argument("--lang", default="en")
    _add_engine(parser)
    # issue 9: settings also in the config file (see: voicecoach config)
    parser.add_argument("--output-device", help="speaker (index or name)")
    parser.add_argument("--voice", help="espeak-ng voice, e.g. en-us")
    parser.add_argument("--rate", type=int, help="speech rate, words per minute")
    parser.add_argument("--volume", type=float, help="speech volume, 0 to 1")
    parser.add_argument("--tempo", type=float, help="starting tempo, seconds per twist")
    parser.add_argument("--no-history", action="store_true",
                        help="neither read nor record the history of sessions")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    command = args.command or "run"
    if args.command is None:
        args = parser.parse_args(["run", *(sys.argv[1:] if argv is None else argv)])
    _setup_logging(args)
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
    finally:
        logging.getLogger("voicecoach").setLevel(logging.NOTSET)  # main() may run again


def _setup_logging(args: argparse.Namespace) -> None:
    """--verbose: every event and decision logged; --quiet: only the coach's words."""
    level = logging.INFO if args.verbose else logging.ERROR if args.quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("voicecoach").setLevel(level)


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


def _cmd_module(name: str) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        import importlib

        return importlib.import_module(f"voicecoach.cli.{name}").run(args)  # type: ignore[no-any-return]

    return command


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "run": _cmd_run,
    "understand": _cmd_understand,
    "transcribe": _cmd_transcribe,
    "devices": _cmd_devices,
    "models": _cmd_models,
    "history": _cmd_module("history"),
    "config": _cmd_module("config"),
    "doctor": _cmd_module("doctor"),
}

