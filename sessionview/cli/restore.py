"""`sessionview restore`: put a deleted session back, or list the trash."""

from __future__ import annotations

from sessionview.cli.common import host_option, load_config, safe_line, write_json

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

HELP = "put a deleted session back from the trash"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("id", metavar="ID", nargs="?", help="session id or prefix")
    p.add_argument("--list", action="store_true", help="list what is in the trash")
    p.add_argument("--json", action="store_true", help="with --list: print JSON")
    host_option(p)


def run(args: argparse.Namespace) -> int:
    from sessionview.store.actions import find_trash, list_trash, restore

    config = load_config(only_if_present=True)
    if getattr(args, "host", None) or (config is not None and config.hosts):
        from sessionview.cli import fleet

        specs = fleet.host_specs(args, config)
        if specs is not None:
            return fleet.restore(args, config, specs)
    if args.list or not args.id:
        entries = list_trash()
        if args.json:
            write_json(
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
            print(
                f"{safe_line(e.deleted_at[:19])}  {e.format:<8}  {safe_line(e.id)}  "
                f"({len(e.files)} file(s))"
            )
        return 0
    entry = find_trash(args.id)
    for path in restore(entry):
        print(f"restored {safe_line(path)}")
    return 0
