"""Issue 11, item 2: a detect-per-file root that is the parent of several agents' stores.

Each agent's files are found below it and detected by content, the agents' sidecar
files are not taken for sessions (neither by a scan nor by a watcher's refresh), and
a cached verdict is reused only for the same detection.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

from sessionview.store.index import SessionIndex
from sessionview.store.roots import Root

FIXTURES = Path(__file__).parent.parent / "fixtures"
CLAUDE = FIXTURES / "claude/projects/-home-alice-src-app/5d2c8e1a-7b3f-4a9e-b1c2-d3e4f5a6b7c8.jsonl"
OPENRATH = FIXTURES / "openrath/24d17466-8c81-478b-ab51-29cbc79b9a05.jsonl"
CRASHED = FIXTURES / "openrath/7d949ee9-6a32-412f-af30-bc225daa0e93.jsonl.__partial__"


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "agents"
    project = tree / "claude" / "projects" / "-home-alice-src-app"
    project.mkdir(parents=True)
    shutil.copyfile(CLAUDE, project / CLAUDE.name)
    subagents = project / CLAUDE.name.removesuffix(".jsonl") / "subagents"
    subagents.mkdir(parents=True)
    shutil.copyfile(CLAUDE, subagents / "agent-a1.jsonl")  # a subagent: a child row
    (tree / "codex").mkdir()
    (tree / "codex" / "session_index.jsonl").write_text('{"id":"x","thread_name":"t"}\n')
    (tree / "openrath").mkdir()
    shutil.copyfile(OPENRATH, tree / "openrath" / OPENRATH.name)
    shutil.copyfile(CRASHED, tree / "openrath" / CRASHED.name)
    junk = tree / "app" / "node_modules" / "pkg"
    junk.mkdir(parents=True)
    shutil.copyfile(OPENRATH, junk / f"{uuid.uuid4()}.jsonl")  # never searched
    return tree


def _formats(index: SessionIndex, tree: Path) -> dict[str, str]:
    return {str(Path(r.path).relative_to(tree)): r.format for r in index.scan()}


def test_a_parent_folder_lists_each_agents_files_by_content(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    index = SessionIndex([tree], use_cache=False)
    assert _formats(index, tree) == {
        f"claude/projects/-home-alice-src-app/{CLAUDE.name}": "claude",
        f"claude/projects/-home-alice-src-app/{CLAUDE.stem}/subagents/agent-a1.jsonl": "claude",
        f"openrath/{OPENRATH.name}": "openrath",
        f"openrath/{CRASHED.name}": "openrath",
    }
    assert index.problems == []
    # A watcher's event for a new file below the root follows the same rule.
    subagents = tree / "claude/projects/-home-alice-src-app" / CLAUDE.stem / "subagents"
    shutil.copyfile(CLAUDE, subagents / "agent-b2.jsonl")
    child = index.refresh(subagents / "agent-b2.jsonl")
    assert child is not None and child.format == "claude" and CLAUDE.stem in child.parents
    new = tree / "openrath" / f"{uuid.uuid4()}.jsonl"
    new.write_bytes(OPENRATH.read_bytes())
    row = index.refresh(new)
    assert row is not None and row.format == "openrath" and row.chunks == 6
    assert len(index.sessions()) == 6  # 4 listed, a new subagent, a new session


def test_a_cached_verdict_is_kept_only_for_the_same_detection(tmp_path: Path) -> None:
    tree = _tree(tmp_path)
    cache = tmp_path / "index.bin"
    openrath = tree / "openrath"

    def listing(*roots: Root) -> dict[str, tuple[str, int]]:
        index = SessionIndex(list(roots), cache_path=cache)
        rows = index.scan()
        index.save_cache()
        return {Path(r.path).name: (r.format, r.chunks) for r in rows}

    assert listing(Root(tree))[OPENRATH.name] == ("openrath", 6)
    assert listing(Root(openrath, "claude"))[OPENRATH.name] == ("claude", 0)  # forced
    assert listing(Root(openrath))[OPENRATH.name] == ("openrath", 6)
    assert listing(Root(tree))[OPENRATH.name] == ("openrath", 6)
