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
    from sessionview.cli import fleet

    specs = fleet.host_specs(args, config)  # a hostile host name: exit 2 before any ssh
    if specs is not None and not any(s.is_local for s in specs):
        from sessionview.store.index import SessionIndex

        index = SessionIndex([])  # `--host devbox` alone: that host only
    else:
        # A mistyped --dir is said on screen (the app still watches it: it may appear).
        index = open_index(args, config, check=False)
    from sessionview.app import make_app

    remote = [s for s in specs or () if not s.is_local]
    make_app(
        index,
        config,
        dir_problems=bad_dirs(args.dir),
        hosts=remote,
        remote_args=fleet.remote_args(args),
    ).run()
    return 0
