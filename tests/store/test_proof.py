"""The proof that a listing is unchanged (`store/index/proof.py`): its stat loop split
with a forked child, checked in a fresh single-threaded process (as the CLI runs it)
against the same loop in one process, on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = r"""
import json, os, sys
from sessionview.store.index import proof
from sessionview.store.index.walk_cache import RACY_NS

directory = sys.argv[1]
forks = []
real_fork = os.fork
def fork():
    pid = real_fork()
    if pid:
        forks.append(pid)
    return pid
os.fork = fork
proof.SPLIT_AT = 4  # split even these few files

def facts():
    out = []
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        st = os.stat(path)
        out.append((path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, None))
    return tuple(out)

def walks():
    st = os.stat(directory)
    return ((st.st_ctime_ns + RACY_NS + 1, ((directory, st.st_ino, st.st_ctime_ns),), (), 0),)

kept, kept_walks = proof.pack(facts()), walks()
assert proof.unpack(kept) == list(facts())
answers = {"unchanged": proof.changed_files(kept_walks, kept, 5)}
paths, stats, _ = proof._loaded(kept)
for which, path in (("second", paths[-2]), ("first", paths[1])):
    with open(path, "ab") as fh:
        fh.write(b"more\n")
    answers[which] = proof.changed_files(kept_walks, kept, 5)
for path in paths[-6:]:
    with open(path, "ab") as fh:
        fh.write(b"more\n")
answers["too many"] = proof.changed_files(kept_walks, kept, 5)
answers["one process"] = proof._moved(paths, stats, 0, len(paths), 100)
os.unlink(paths[-1])
child = proof._Child.start(paths, stats, 100)
answers["vanished"] = child.answer() if child is not None else "no fork"
answers["forks"] = len(forks)
print(json.dumps(answers))
"""


def test_the_forked_half_and_the_parents_half_each_report_what_moved(tmp_path: Path) -> None:
    directory = tmp_path / "files"
    directory.mkdir()
    for i in range(40):
        (directory / f"{i:03}.jsonl").write_text(f"line {i}\n")
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(directory)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    answers = json.loads(result.stdout)
    paths = sorted(str(p) for p in directory.iterdir()) + [str(directory / "039.jsonl")]
    assert answers["unchanged"] == []
    assert answers["second"] == [paths[-2]], "the child's half"
    assert sorted(answers["first"]) == sorted([paths[1], paths[-2]]), "the parent's half"
    assert answers["too many"] is None, "more than the limit moved"
    assert sorted(answers["one process"]) == sorted([paths[1], *paths[-6:]])
    assert answers["vanished"] is None, "a file the child could not stat"
    assert answers["forks"] >= 4, "every check above but the one-process one forked"
    assert result.stderr == ""


def test_damaged_facts_prove_nothing(tmp_path: Path) -> None:
    """Kept facts that unmarshal but make no sense are no proof (never an error)."""
    from sessionview.store.index import proof

    (tmp_path / "a.jsonl").write_text("x\n")
    path = str(tmp_path / "a.jsonl")
    st = (tmp_path / "a.jsonl").stat()
    fact = (path, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, None)
    packed = proof.pack([fact])
    assert packed is not None
    text, raw, _ = packed
    assert proof.changed_files((), packed, 0) == []
    for damaged in (
        (None, raw, ()),  # not a string of paths
        (text, raw[:-1], ()),  # numbers cut short
        (text, raw, ((5, (True, "held")),)),  # a verdict for a file not kept
        (text, raw, ("x",)),
    ):
        assert proof.changed_files((), damaged, 0) is None  # type: ignore[arg-type]
