"""`sessionview prune`: remove old closed or crashed sessions, never running ones."""

from __future__ import annotations

from sessionview.cli.common import (
    CliError,
    dir_options,
    host_option,
    load_config,
    open_index,
    parse_states,
    safe_line,
    write_json,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

HELP = "remove old closed/crashed sessions (never running ones)"
DESCRIPTION = (
    "Remove sessions older than a cutoff. Running sessions and files "
    "that cannot be parsed are never touched."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    dir_options(p)
    host_option(p)
    p.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 30d, 12h, 2w")
    p.add_argument(
        "--by", choices=("created", "updated"), default="created", help="which time to compare"
    )
    p.add_argument(
        "--state", default="closed,crashed", metavar="S", help="states to prune (closed,crashed)"
    )
    p.add_argument("--dry-run", action="store_true", help="only print what would be removed")
    p.add_argument("--purge", action="store_true", help="unlink instead of moving to the trash")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from sessionview.render.humanize import human_bytes
    from sessionview.store.actions import execute_prune, parse_age, plan_prune

    try:
        age = parse_age(args.older_than)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    states = parse_states(args.state, ("closed", "crashed"))
    config = load_config()
    from sessionview.cli import fleet

    specs = fleet.host_specs(args, config)
    if specs is not None:
        return fleet.prune(args, config, specs, states)
    index = open_index(args, config)
    plan = plan_prune(index.scan(), older_than=age, by=args.by, states=states)
    if args.dry_run:
        removed, skipped = list(plan.sessions), []
    else:
        entries, skipped_pairs = execute_prune(
            plan, purge=args.purge, roots=[r.path for r in index.roots]
        )
        done_ids = {e.id for e in entries}
        removed = [s for s in plan.sessions if s.id in done_ids]
        skipped = skipped_pairs
    reclaimed = sum(s.bytes for s in removed)
    if args.json:
        write_json(
            {
                "dry_run": args.dry_run,
                "removed": [s.to_json() for s in removed],
                "skipped": [{"id": s.id, "reason": why} for s, why in skipped],
                "bytes": reclaimed,
            }
        )
        return 0
    verb = "would remove" if args.dry_run else "removed"
    for s in removed:
        print(f"{verb} {safe_line(s.id)}  {s.format}  {s.state.value}  {human_bytes(s.bytes)}")
    for s, why in skipped:
        print(f"skipped {safe_line(s.id)}: {safe_line(why)}")
    print(f"{verb} {len(removed)} session(s), {human_bytes(reclaimed)}")
    return 0
