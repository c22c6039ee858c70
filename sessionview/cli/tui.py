"""The bare `sessionview` (and `--demo`): the live terminal UI, the only path importing Textual."""

from __future__ import annotations

from sessionview.cli.common import bad_dirs, load_config, open_index

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse


def run(args: argparse.Namespace) -> int:
    if args.demo:
        from sessionview.demo import run_demo

        return run_demo()  # its own config, cache and trash: never the user's
    config = load_config()
    # A mistyped --dir is said on screen (the app still watches it: it may appear).
    index = open_index(args, config, check=False)
    from sessionview.app import make_app

    make_app(index, config, dir_problems=bad_dirs(args.dir)).run()
    return 0
