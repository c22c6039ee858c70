"""The listing's fast paths, switched in one place.

A fast path stands in for a standard piece (argparse, pathlib, platformdirs) on the
warm `ls` path, and is kept only while `benchmarks/bench_ls.py`, which measures the
listing with each one switched off in the same run, shows the listing needs it.
`SESSIONVIEW_PLAIN=name[,name...]` (or `all`) switches pieces off: for that benchmark,
and to rule a fast path out when something looks wrong.
"""

from __future__ import annotations

import os

#: Every fast path, by the name `SESSIONVIEW_PLAIN` takes.
NAMES = ("quick_args", "userdirs", "last_listing", "split_stat")

_PLAIN = frozenset(os.environ.get("SESSIONVIEW_PLAIN", "").replace(" ", "").split(","))


def enabled(name: str) -> bool:
    """Whether the fast path `name` (one of `NAMES`) is in use."""
    return name not in _PLAIN and "all" not in _PLAIN
