"""`sessionview ls`: the listing, as a table or one JSON array."""

from __future__ import annotations

import sys

from sessionview.cli import common

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

HELP = "list sessions, newest activity first"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.dir_options(p)
    common.host_option(p)
    p.add_argument(
        "--state",
        metavar="S",
        help=f"only these states, comma-separated ({', '.join(common.state_names())})",
    )
    p.add_argument(
        "--project",
        metavar="DIR",
        help="only sessions whose project or working directory is DIR (or inside it)",
    )
    p.add_argument("--json", action="store_true", help="print one JSON array")


def run(args: argparse.Namespace) -> int:
    import gc

    # A listing holds 100,000 small objects from the index cache and makes no cycles:
    # the collector would only walk them again and again (measured: ~10% of a warm ls).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _ls(args)
    finally:
        if was_enabled:
            gc.enable()


def _ls(args: argparse.Namespace) -> int:
    config = common.load_config(only_if_present=True)
    wanted = common.parse_states(args.state, common.state_names()) if args.state else None
    if getattr(args, "host", None) or (config is not None and config.hosts):
        from sessionview.cli import fleet

        specs = fleet.host_specs(args, config)
        if specs is not None:
            return fleet.ls(args, config, specs, wanted)
    index = common.open_index(args, config)
    project = getattr(args, "project", None)
    if project:
        import os

        project = os.path.abspath(os.path.expanduser(project))
    if args.json and not project:
        # Rows of unchanged files are the cached bytes (see SessionIndex.scan_json), or
        # the whole last listing when nothing it rested on changed (`last_listing`).
        from sessionview.store import fast_paths

        listing = index.scan_json(wanted, reuse_last=fast_paths.enabled("last_listing"))
        for problem in index.problems:
            print(f"sessionview: {common.safe_line(problem)}", file=sys.stderr)
        sys.stdout.buffer.write(listing)
        sys.stdout.buffer.write(b"\n")
        return 0
    sessions = index.scan()
    found = len(sessions)
    if wanted:
        sessions = [s for s in sessions if s.state.value in wanted]
    if project:
        from sessionview.projects import in_project

        sessions = [s for s in sessions if in_project(s, project)]
    if args.json:
        from sessionview.cli.common import write_json

        for problem in index.problems:
            print(f"sessionview: {common.safe_line(problem)}", file=sys.stderr)
        write_json([s.to_json() for s in sessions])
        return 0
    for problem in index.problems:
        print(f"sessionview: {common.safe_line(problem)}", file=sys.stderr)
    if not sessions and found:
        # There are sessions; --state / --project left none (the demo is no answer).
        given = [f"--state {args.state}"] if wanted else []
        given += [f"--project {project}"] if project else []
        print(f"none of the {found} sessions matches {common.safe_line(' '.join(given))}")
        return 0
    if not sessions:
        where = ", ".join(r.dir for r in index.roots) or "no directory found"
        print(f"no sessions in {common.safe_line(where)}; try `sessionview --demo`")
        return 0
    from sessionview.render.humanize import ago, human_bytes, reason_without_path
    from sessionview.render.safe import one_line

    rows = [
        (
            f"{s.glyph} {s.state.value}",
            s.short_id + (f"@{s.qualifier}" if s.qualifier else ""),  # a name `show` takes
            s.format,
            ago(s.updated_at),
            str(s.chunks),
            human_bytes(s.bytes),
            str(s.total_tokens or "-"),
            one_line(s.title or reason_without_path(s.error or "", s.path), 60),
        )
        for s in sessions
    ]
    header = ("STATE", "ID", "FORMAT", "ACTIVITY", "CHUNKS", "SIZE", "TOKENS", "TITLE")
    out = sys.stdout
    cells = [tuple(one_line(cell) for cell in row) for row in rows]  # ids come from files
    widths = [max(len(r[i]) for r in [header, *cells]) for i in range(len(header) - 1)]
    for row in [header, *cells]:
        padded = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        out.write("  ".join(padded) + "  " + row[-1] + "\n")
    return 0
