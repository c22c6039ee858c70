"""`sessionview prune`: remove old closed or crashed sessions, never running ones."""

from __future__ import annotations

from sessionview.cli import common

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

HELP = "move old closed/crashed sessions to the trash (never running ones)"
#: How many ids the restore hint after a prune names.
RESTORE_HINT_IDS = 10
DESCRIPTION = (
    "Move sessions older than a cutoff to the trash (`restore` brings them back; "
    "--purge unlinks). Running sessions and files that cannot be parsed are never touched."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.dir_options(p)
    common.host_option(p)
    p.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 30d, 12h, 2w")
    p.add_argument(
        "--by", choices=("created", "updated"), default="created", help="which time to compare"
    )
    p.add_argument(
        "--state", default="closed,crashed", metavar="S", help="states to prune (closed,crashed)"
    )
    p.add_argument("--dry-run", action="store_true", help="only print what would be moved")
    p.add_argument("--purge", action="store_true", help="unlink instead of moving to the trash")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from sessionview.render.humanize import human_bytes, plural
    from sessionview.store.actions import execute_prune, parse_age, plan_prune

    try:
        age = parse_age(args.older_than)
    except ValueError as exc:
        raise common.UsageError(str(exc)) from None
    from sessionview.config import KNOWN_STATES

    states = common.parse_states(args.state, KNOWN_STATES)
    config = common.load_config()
    from sessionview.cli import fleet

    specs = fleet.host_specs(args, config)
    if specs is not None:
        return fleet.prune(args, config, specs, states)
    index = common.open_index(args, config)
    plan = plan_prune(index.scan(), older_than=age, by=args.by, states=states)
    if args.dry_run:
        removed, skipped = list(plan.sessions), list(plan.unparseable)
    else:
        entries, skipped = execute_prune(
            plan, purge=args.purge, roots=[r.path for r in index.roots]
        )
        done_paths = {original for e in entries for original, _ in e.files}
        removed = [s for s in plan.sessions if s.path in done_paths]
    reclaimed = sum(s.bytes for s in removed)
    if args.json:
        common.write_json(
            {
                "dry_run": args.dry_run,
                "removed": [s.to_json() for s in removed],
                "skipped": [{"id": s.ref, "reason": why} for s, why in skipped],
                "bytes": reclaimed,
            }
        )
        return 0
    if args.purge:
        verb = "would delete" if args.dry_run else "deleted"
        where = ""
    else:
        verb = "would move" if args.dry_run else "moved"
        where = " to the trash"
    for s in removed:
        print(
            f"{verb} {common.safe_line(s.ref)}  {s.format}  {s.state.value}  {human_bytes(s.bytes)}"
        )
    for s, why in skipped:
        print(f"skipped {common.safe_line(s.ref)}: {common.safe_line(why)}")
    print(f"{verb} {plural(len(removed), 'session')} ({human_bytes(reclaimed)}){where}")
    if removed and not args.purge and not args.dry_run:
        ids = " ".join(common.safe_line(s.ref) for s in removed[:RESTORE_HINT_IDS])
        more = " ..." if len(removed) > RESTORE_HINT_IDS else ""
        print(
            f"undo with: sessionview restore {ids}{more}  (sessionview restore --list shows the trash)"
        )
    return 0
