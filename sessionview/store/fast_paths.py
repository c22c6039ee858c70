"""The fast paths, switched in one place.

Each one buys start-up or I/O time with code a plain version would not need, and is
kept only while a benchmark that measures it switched off in the same run shows a
target needs it (ARCHITECTURE.md lists each with its numbers):

* `userdirs`: sessionview's directories without importing platformdirs
  (`store/userdirs.py`; a CLI search's 10x over grep needs it, `bench_search.py`);
* `last_listing`: `ls --json` prints its last output again when nothing it rested on
  changed (`store/index/last_listing.py`; the warm listing's 3x floor, `bench_ls.py`);
* `split_stat`: a proof's `stat` of every file shared with a forked child on another
  core (`store/index/proof.py`; both benchmarks).

`SESSIONVIEW_PLAIN=name[,name...]` (or `all`) switches pieces off: for the benchmarks,
and to rule a fast path out when something looks wrong.
"""

from __future__ import annotations

import os

#: Every fast path, by the name `SESSIONVIEW_PLAIN` takes.
NAMES = ("userdirs", "last_listing", "split_stat")

_PLAIN = frozenset(os.environ.get("SESSIONVIEW_PLAIN", "").replace(" ", "").split(","))


def enabled(name: str) -> bool:
    """Whether the fast path `name` (one of `NAMES`) is in use."""
    return name not in _PLAIN and "all" not in _PLAIN
