"""`sessionview search`: every session whose chunks contain the query, best first."""

from __future__ import annotations

import sys

from sessionview.cli import common

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable
    from typing import Any

    from sessionview.store.search import SearchIndex, SessionHits
    from sessionview.store.search.listing import Listed

HELP = "full-text search over every session's transcript"
DESCRIPTION = (
    'Words are whole words, all required within a session; "a phrase" matches the words in '
    "order; word* is a prefix; case and accents are ignored. Anything else is searched as text."
)
KINDS = ("user", "assistant", "tool", "system")


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.dir_options(p)
    common.host_option(p)
    p.add_argument("query", metavar="QUERY", nargs="+", help="what to find")
    p.add_argument("--json", action="store_true", help="print one JSON array")
    p.add_argument("--agent", metavar="F", help=f"only these formats ({', '.join(common.FORMATS)})")
    p.add_argument(
        "--state", metavar="S", help=f"only these states ({', '.join(common.state_names())})"
    )
    p.add_argument(
        "--kind",
        metavar="K",
        help=f"only chunks of these kinds ({', '.join(KINDS)}; tool = tool calls and results)",
    )
    p.add_argument("--since", metavar="AGE", help="only sessions active within AGE (7d, 12h)")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N sessions (20)")


def _names(text: str, allowed: tuple[str, ...], what: str) -> set[str]:
    """`--agent claude,codex` or `--kind user,tool` as a set; one line naming the bad one."""
    names = {n.strip() for n in text.split(",") if n.strip()}
    bad = names - set(allowed)
    if bad or not names:
        shown = ", ".join(sorted(bad)) or repr(text)
        raise common.UsageError(
            f"invalid {what} {common.safe_line(shown)}: use {', '.join(allowed)}"
        )
    return names


def _progress_line() -> Any:
    """A progress line on stderr, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int, done_bytes: int, total_bytes: int) -> None:
        share = done_bytes / total_bytes if total_bytes else done / max(total, 1)
        sys.stderr.write(f"\rindexing sessions for search: {done}/{total} files, {share:.0%}")
        sys.stderr.flush()

    return show


def _search_listing(
    args: argparse.Namespace,
    search: SearchIndex,
    roots: list[Any],
    reuse: bool,
    text: str,
    keep: Callable[[Listed], bool],
    kinds: list[str],
) -> tuple[list[SessionHits], list[str]]:
    """The search the long way: list, bring the index up to date, search, and keep
    what the listing rested on for the next search."""
    from sessionview.store.index import SessionIndex
    from sessionview.store.search.listing import as_listed

    index = SessionIndex(roots, reuse_listings=reuse)
    entries = index.scan_entries()  # no SessionInfo per row: see search/listing.py
    sessions = as_listed(entries)
    progress = _progress_line()
    try:
        stats = search.update(sessions, progress=progress)
    finally:
        if progress is not None:
            sys.stderr.write("\r\x1b[K")
    results = search.search(text, [s for s in sessions if keep(s)], kinds=kinds, limit=args.limit)
    if not stats.stopped:
        search.remember(roots, index, entries, reuse_listings=reuse)
    return results, list(index.problems)


def run(args: argparse.Namespace) -> int:
    from sessionview.store.search import SearchIndex, SearchUnavailable

    text = " ".join(args.query)
    if not text.strip():
        # Any text is a valid query: a blank one finds nothing, and says what to type.
        if args.json:
            common.write_json([], few=True)
        else:
            print('nothing to search for: give words, "a phrase" or prefix*')
        return 0
    formats = _names(args.agent, common.FORMATS, "format") if args.agent else None
    states = common.parse_states(args.state, common.state_names()) if args.state else None
    kinds = sorted(_names(args.kind, KINDS, "kind")) if args.kind else []
    if args.limit is not None and args.limit < 1:
        raise common.UsageError("--limit must be at least 1")
    cutoff = None
    if args.since:
        from datetime import UTC, datetime

        from sessionview.store.actions import parse_age

        try:
            cutoff = datetime.now(UTC) - parse_age(args.since)
        except ValueError as exc:
            raise common.UsageError(str(exc)) from None
    config = common.load_config(only_if_present=True)
    if getattr(args, "host", None) or (config is not None and config.hosts):
        from sessionview.cli import fleet

        specs = fleet.host_specs(args, config)
        if specs is not None:
            return fleet.search(
                args,
                config,
                specs,
                text=text,
                formats=sorted(formats) if formats is not None else None,
                states=sorted(states) if states is not None else None,
                kinds=kinds,
            )
    search = SearchIndex()

    def keep(s: Listed) -> bool:
        return (
            (formats is None or s.format in formats)
            and (states is None or s.state in states)
            and (cutoff is None or (s.updated_at() or cutoff) >= cutoff)
        )

    roots, reuse = common.index_roots(args, config)
    try:
        # Nothing changed since the last search (or a few files): no listing, see
        # store/search/snapshot.py.
        filtered = formats is not None or states is not None or cutoff is not None
        found = search.search_if_current(
            text,
            roots,
            reuse_listings=reuse,
            keep=keep if filtered else None,
            kinds=kinds,
            limit=args.limit,
        )
        if found is None:
            found = _search_listing(args, search, roots, reuse, text, keep, kinds)
    except SearchUnavailable as exc:
        raise common.CliError(str(exc)) from None
    finally:
        for notice in search.notices:
            print(f"sessionview: {common.safe_line(notice)}", file=sys.stderr)
        search.notices.clear()
    results, problems = found
    for problem in problems:
        print(f"sessionview: {common.safe_line(problem)}", file=sys.stderr)
    if args.json:
        common.write_json([r.to_json() for r in results], few=True)
        return 0
    if not results:
        filtered = args.agent or args.state or args.kind or args.since
        where = " with these filters (--agent/--state/--kind/--since)" if filtered else ""
        print(f"no session contains {common.safe_line(text)}{where}")
        return 0
    from sessionview.render.humanize import ago
    from sessionview.render.safe import one_line

    out = sys.stdout
    for r in results:
        info = r.info
        more = r.matching_chunks - len(r.hits)
        out.write(
            f"{info.glyph} {one_line(info.id)}  {info.format}  {ago(info.updated_at)}  "
            f"{one_line(info.title, 60)}\n"
        )
        for hit in r.hits:
            out.write(f"  #{hit.chunk} {one_line(hit.kind)}: {hit.marked()}\n")
        if more > 0:
            out.write(f"  ... {more} more matching chunks\n")
    return 0
