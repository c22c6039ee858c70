"""`sessionview resume`: run (or print) the agent's own way to resume a session."""

from __future__ import annotations

import sys

from sessionview.cli.common import dir_options, host_option, load_config, open_index, resolve

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

HELP = "resume a session with its agent"


def add_arguments(p: argparse.ArgumentParser) -> None:
    dir_options(p)
    host_option(p)
    p.add_argument("id", metavar="ID")
    p.add_argument("--print", action="store_true", help="only print the command")


def run(args: argparse.Namespace) -> int:
    config = load_config()
    from sessionview.cli import fleet

    specs = fleet.host_specs(args, config)
    if specs is not None:
        return fleet.resume(args, config, specs)
    return run_local(args, config)


def run_local(args: argparse.Namespace, config: Any) -> int:
    from sessionview.store.actions import resume_plan, run_resume

    index = open_index(args, config)
    info = resolve(index, args.id)
    plan = resume_plan(info, config.resume)
    if plan.command is None and not plan.snippet:
        from sessionview.cli.common import CliError

        raise CliError(plan.hint)  # nothing to run or show: the reason, exit 1
    if args.print or plan.command is None:
        from sessionview.render.safe import safe_text

        print(safe_text(plan.display()))
        if plan.command is None:
            print(f"# {plan.hint}", file=sys.stderr)
        return 0
    return run_resume(plan)
