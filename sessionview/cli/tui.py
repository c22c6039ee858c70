"""The bare `sessionview` (and `--demo`): the live terminal UI, the only path importing Textual."""

from __future__ import annotations

from sessionview.cli.common import load_config, open_index

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def run(args: argparse.Namespace) -> int:
    config = load_config()
    if args.demo:
        from sessionview.demo import run_demo

        return run_demo(config)
    index = open_index(args, config)
    from sessionview.app import make_app

    make_app(index, config).run()
    return 0
