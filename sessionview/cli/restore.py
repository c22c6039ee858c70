"""`sessionview restore`: put deleted sessions back (one, several or all), or list the trash."""

from __future__ import annotations

import sys

from sessionview.cli import common

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from sessionview.store.actions import TrashEntry

HELP = "put deleted sessions back from the trash"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("ids", metavar="ID", nargs="*", help="session ids or prefixes")
    p.add_argument("--all", action="store_true", help="restore everything in the trash")
    p.add_argument("--list", action="store_true", help="list what is in the trash")
    p.add_argument("--json", action="store_true", help="with --list: print JSON")
    p.add_argument(
        "--dir",
        action="append",
        metavar="DIR",
        help="only sessions deleted from this directory (repeatable)",
    )
    common.host_option(p)


def _from_dirs(entry: TrashEntry, dirs: list[str]) -> bool:
    import os

    for original, _ in entry.files:
        parent = os.path.dirname(os.path.abspath(original))
        for directory in dirs:
            if parent == directory or parent.startswith(directory.rstrip("/") + "/"):
                return True
    return False


def run(args: argparse.Namespace) -> int:
    import os

    from sessionview.render.humanize import plural
    from sessionview.store.actions import find_trash, list_trash, restore
    from sessionview.store.errors import PersistenceError

    config = common.load_config(only_if_present=True)
    if getattr(args, "host", None) or (config is not None and config.hosts):
        from sessionview.cli import fleet

        specs = fleet.host_specs(args, config)
        if specs is not None:
            if len(args.ids) > 1 or args.all or args.dir:
                raise common.CliError("with --host, restore one id at a time (no --all or --dir)")
            return fleet.restore(args, config, specs)
    problems = common.bad_dirs(args.dir)
    if problems:
        raise common.CliError("; ".join(problems))
    dirs = [os.path.abspath(os.path.expanduser(d)) for d in args.dir or ()]
    entries = [e for e in list_trash() if not dirs or _from_dirs(e, dirs)]
    if args.all and args.ids:
        raise common.UsageError("give ids or --all, not both")
    if args.list or not (args.ids or args.all):
        return _list(entries, as_json=args.json)
    if args.all:
        targets = entries
        if not targets:
            print("the trash is empty")
            return 0
    else:
        wanted = {e.folder for e in entries}
        targets = []
        for ident in args.ids:
            entry = find_trash(ident)
            if dirs and entry.folder not in wanted:
                raise common.CliError(f"{ident}: not deleted from {', '.join(args.dir)}")
            if entry not in targets:
                targets.append(entry)
    status = 0
    restored = 0
    for entry in targets:
        try:
            paths = restore(entry)
        except PersistenceError as exc:
            print(f"sessionview: {common.safe_line(exc)}", file=sys.stderr)
            status = 1
            continue
        restored += 1
        for path in paths:
            print(f"restored {common.safe_line(path)}")
    if len(targets) > 1:
        print(f"restored {plural(restored, 'session')} of {len(targets)}")
    return status


def _list(entries: list[TrashEntry], *, as_json: bool) -> int:
    from sessionview.render.humanize import human_bytes, plural

    if as_json:
        common.write_json(
            [
                {
                    "id": e.id,
                    "format": e.format,
                    "deleted_at": e.deleted_at,
                    "files": [a for a, _ in e.files],
                    "bytes": e.bytes,
                }
                for e in entries
            ]
        )
        return 0
    if not entries:
        print("the trash is empty")
    for e in entries:
        where = e.files[0][0] if e.files else ""
        print(
            f"{common.safe_line(e.deleted_at[:19])}  {e.format:<8}  {common.safe_line(e.id)}  "
            f"{human_bytes(e.bytes):>8}  {plural(len(e.files), 'file')}  {common.safe_line(where)}"
        )
    return 0
