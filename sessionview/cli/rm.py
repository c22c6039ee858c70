"""`sessionview rm`: move sessions to the trash (or unlink them with `--purge`)."""

from __future__ import annotations

import sys

from sessionview.cli.common import dir_options, host_option, load_config, open_index, safe_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

HELP = "move sessions to the trash (restorable)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    dir_options(p)
    host_option(p)
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--force", action="store_true", help="also delete a running session")
    p.add_argument("--purge", action="store_true", help="unlink instead of moving to the trash")


def run(args: argparse.Namespace) -> int:
    from sessionview.render.humanize import plural
    from sessionview.store.actions import delete_session
    from sessionview.store.errors import PersistenceError, SessionBusy

    config = load_config()
    from sessionview.cli import fleet

    specs = fleet.host_specs(args, config)
    if specs is not None:
        return fleet.rm(args, config, specs)
    index = open_index(args, config)
    index.scan()
    # One session named twice (`rm 3f6c 3f6c0a`) is removed once, not refused the second time.
    targets = list({t.path: t for t in (index.resolve(ident) for ident in args.ids)}.values())
    roots = [r.path for r in index.roots]
    status = 0
    for info in targets:
        try:
            entry = delete_session(info, force=args.force, purge=args.purge, roots=roots)
        except SessionBusy as exc:
            print(
                f"sessionview: {safe_line(exc)}; --force deletes it anyway "
                "(its writer may still write to it)",
                file=sys.stderr,
            )
            status = 1
            continue
        except PersistenceError as exc:
            print(f"sessionview: {safe_line(exc)}", file=sys.stderr)
            status = 1
            continue
        if args.purge:
            print(f"deleted {safe_line(info.ref)} ({plural(len(entry.files), 'file')})")
        else:
            sid = safe_line(info.ref)
            print(f"moved {sid} to the trash; undo with: sessionview restore {sid}")
    return status
