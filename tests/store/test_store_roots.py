"""Roots keep their directory as pathlib would spell it, without importing pathlib
(unless it holds `..`)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path, PurePosixPath

from hypothesis import given
from hypothesis import strategies as st

from sessionview.store.index import disk_cache, walk_cache
from sessionview.store.roots import Root, normalized, resolve_roots
from sessionview.store.writer import SessionWriter


@given(st.lists(st.sampled_from(["", ".", "..", "a", "b c", "~", "/"]), max_size=8).map("/".join))
def test_a_root_is_spelled_as_purepath_spells_it(text: str) -> None:
    assert normalized(text) == str(PurePosixPath(text))


@given(st.text(alphabet="/.a", max_size=12))
def test_a_root_on_slashes_and_dots_is_spelled_as_purepath_spells_it(text: str) -> None:
    assert normalized(text) == str(PurePosixPath(text))


def test_root_takes_a_path_or_a_string_and_gives_a_path(tmp_path: Path) -> None:
    assert Root(tmp_path / "x", "openrath") == Root(f"{tmp_path}/x/", "openrath")
    assert Root(tmp_path).path == tmp_path and Root(tmp_path).format is None
    assert [r.dir for r in resolve_roots([f"{tmp_path}//a/./b/"])] == [f"{tmp_path}/a/b"]


def test_a_warm_listing_imports_no_pathlib_records_or_json_library(tmp_path: Path) -> None:
    """Start-up is most of a warm `ls --json`: these imports alone cost ~30 ms here."""
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    with SessionWriter(directory=sessions) as w:
        w.append("user", {"content": "closed"})
    crashed = SessionWriter(directory=sessions)
    crashed.append("user", {"content": "crashed"})
    crashed.abandon()
    cache = tmp_path / "cache"
    code = (
        "import sys\n"
        "from sessionview.cli import main\n"
        f"main(['ls', '--json', '--dir', {str(sessions)!r}])\n"
        "heavy = {'pathlib', 'dataclasses', 'orjson', 'typing', 'platformdirs', 'textual'}\n"
        "print(repr(sorted(heavy & set(sys.modules))))\n"
    )
    env = {"XDG_CACHE_HOME": str(cache), "HOME": str(tmp_path), "PATH": os.environ["PATH"]}

    def run() -> list[str]:
        proc = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        *rows, imported = proc.stdout.splitlines()
        assert {r["state"] for r in json.loads("".join(rows))} == {"closed", "crashed"}
        return ast.literal_eval(imported)

    assert run(), "a cold listing reads files with the adapters"
    # Age the directory listing, as if the directory had been quiet for a while.
    index_bin = str(cache / "sessionview" / "index.bin")
    files, walks = disk_cache.load(index_bin)
    walks = {k: (v[0] + 10 * walk_cache.RACY_NS, *v[1:]) for k, v in walks.items()}
    disk_cache.save(index_bin, files, walks)
    assert run() == []
