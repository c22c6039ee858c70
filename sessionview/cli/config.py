"""`sessionview config`: where config.toml lives, and what it says."""

from __future__ import annotations

from sessionview.cli.common import load_config

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

HELP = "configuration helpers"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("what", choices=("path", "show"), help="path: where config.toml is")


def run(args: argparse.Namespace) -> int:
    from sessionview.config import SETTINGS, config_path

    if args.what == "path":
        print(config_path())
        return 0
    config = load_config()
    print(f"# {config.source}")
    for key in SETTINGS:
        print(f"{key} = {getattr(config, key)!r}")
    return 0
