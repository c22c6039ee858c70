"""A separate process that updates a search index (for the kill -9 and concurrency tests).

python index_proc.py DIR INDEX [--batch N]   prints "file N" after each file read,
                                              then "found <ids>" for the word "common"
"""

from __future__ import annotations

import json
import sys

from sessionview.store.index import SessionIndex
from sessionview.store.search import SearchIndex, indexer


def main() -> None:
    directory, index_path = sys.argv[1], sys.argv[2]
    if "--batch" in sys.argv:
        indexer.BATCH_FILES = int(sys.argv[sys.argv.index("--batch") + 1])
    sessions = SessionIndex([directory], use_cache=False).scan()
    search = SearchIndex(index_path)

    def progress(done: int, total: int, _b: int, _tb: int) -> None:
        print(f"file {done} {total}", flush=True)

    stats = search.update(sessions, progress=progress)
    found = sorted(r.info.id for r in search.search("common", sessions, limit=None))
    print("stats " + json.dumps([stats.files_read, stats.chunks_added]), flush=True)
    print("found " + json.dumps(found), flush=True)


if __name__ == "__main__":
    main()
