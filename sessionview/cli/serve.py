"""`sessionview serve --stdio`: answer another machine's sessionview over ssh (PROTOCOL.md)."""

from __future__ import annotations

from sessionview.cli.common import UsageError, dir_options, load_config, open_index

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

HELP = "speak the remote protocol on stdin/stdout (started by `sessionview --host`)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    dir_options(p)
    p.add_argument(
        "--stdio", action="store_true", help="the protocol on stdin/stdout (the only transport)"
    )


def run(args: argparse.Namespace) -> int:
    if not args.stdio:
        raise UsageError("serve needs --stdio (it never listens on a port)")
    import io
    import sys

    # Config problems go to stderr (the client shows them); stdout is the protocol's.
    saved, sys.stdout = sys.stdout, io.StringIO()
    try:
        # Without a config.toml its module is not even imported (a warm start-up counts:
        # every remote command waits for it).
        config = load_config(only_if_present=True)
    finally:
        sys.stdout = saved
    index = open_index(args, config)
    from sessionview.remote.server import serve_stdio
    from sessionview.remote.service import Service

    return serve_stdio(Service(index, polling=bool(config and config.polling)))
