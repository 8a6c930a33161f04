"""``voicecoach config [path | set KEY VALUE | unset KEY]``: the settings and their sources."""

from __future__ import annotations

import argparse
import sys

from voicecoach.app import config


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "config", help="show the settings and where each came from; set one in the config file")
    sub = parser.add_subparsers(dest="config_command", metavar="ACTION")
    sub.add_parser("show", help="every setting, its value and its source (the default action)")
    sub.add_parser("path", help="print the config file's path")
    set_ = sub.add_parser("set", help="write one setting into the config file")
    set_.add_argument("key", choices=list(config.KEYS), metavar="KEY")
    set_.add_argument("value", metavar="VALUE")
    unset = sub.add_parser("unset", help="remove one setting from the config file")
    unset.add_argument("key", choices=list(config.KEYS), metavar="KEY")
    return parser


def run(args: argparse.Namespace) -> int:
    action = args.config_command or "show"
    if action == "path":
        print(config.config_path())
        return 0
    if action in ("set", "unset"):
        value = config.set_value(config.config_path(), args.key, getattr(args, "value", None))
        shown = "(removed)" if value is None else _shown(value)
        print(f"{args.key} = {shown}  ({config.config_path()})")
        return 0
    return _show()


def _show() -> int:
    from voicecoach.cli.flags import settings_of

    found = settings_of(argparse.Namespace())
    print(f"# config file: {found.path}{'' if found.path.exists() else ' (absent)'}")
    print(f"# history:     {config.history_path()}")
    for name, key in config.KEYS.items():
        value = _shown(found[name])
        print(f"{name:<14} {value:<10} {found.sources[name]:<34} # {key.help}")
    sys.stdout.flush()
    return 0


def _shown(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
