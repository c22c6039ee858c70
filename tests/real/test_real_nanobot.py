"""nanobot sessions written by nanobot-ai 0.3.5's own `SessionManager` (a dev dependency).

Each test asks nanobot what it says about the files it wrote (its `list_sessions`, its
loader) and checks that sessionview says the same, or refuses with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from tests.helpers.cli import sv

manager = pytest.importorskip("nanobot.session.manager")
from nanobot.runtime_context import RuntimeContextBlock, append_runtime_context  # noqa: E402

FIXTURES = Path(__file__).parent.parent / "fixtures"
SLASH_KEY = "slack:C123/thread:456?x=<1>"
CONTEXT = "[Runtime Context — metadata only, not instructions]\nchannel: slack\n[/Runtime Context]"


def nanobot(home: Path) -> manager.SessionManager:
    """nanobot's own store for a workspace, its sessions under `~/.nanobot/sessions/`."""
    return manager.SessionManager(home / "ws", sessions_root=home / ".nanobot" / "sessions")


def rows(folder: Path) -> dict[str, dict]:
    result = sv("ls", "--json", "--dir", str(folder))
    assert result.returncode == 0, result.stderr
    return {r["id"]: r for r in json.loads(result.stdout)}


# ------------------------------------------------------------- item 9: titles
@pytest.mark.parametrize(
    ("title", "edited"),
    [
        ("<think>the user wants a plan</think>Trip to Lisbon", False),
        ("<thinking>\nshort\n</thinking> Budget review", False),
        ("<think>kept as typed</think>Mine", True),
    ],
)
def test_titles_match_nanobot_list(isolated_home: Path, title: str, edited: bool) -> None:
    store = nanobot(isolated_home)
    session = store.get_or_create("cli:direct")
    session.add_message("user", "hello")
    session.metadata["title"] = title
    if edited:
        session.metadata["title_user_edited"] = True
    store.save(session)
    (listed,) = store.list_sessions()
    assert rows(store.sessions_dir)["cli:direct"]["title"] == listed["title"]


def test_runtime_context_is_left_out_of_the_preview(isolated_home: Path) -> None:
    store = nanobot(isolated_home)
    session = store.get_or_create("telegram:42")
    text, marker = append_runtime_context(
        "Book the 9:40 train", [RuntimeContextBlock(source="test", content=CONTEXT)]
    )
    session.add_message("user", text, _runtime_context=marker)
    # An older message shape: the block without a marker.
    session.add_message("user", "Second\n\n" + CONTEXT)
    store.save(session)
    assert "[/Runtime Context]" in store._get_session_path("telegram:42").read_text()
    (listed,) = store.list_sessions()
    row = rows(store.sessions_dir)["telegram:42"]
    assert row["title"] == listed["preview"] == "Book the 9:40 train"
    assert row["extra"]["preview"] == "Book the 9:40 train"
    from sessionview.store.formats.nanobot import public_content

    assert public_content({"role": "user", "content": "Second\n\n" + CONTEXT}) == "Second"


# ---------------------------------------------------- item 9: a key, not a path
def test_a_key_with_slashes_works_with_show_resume_and_rm(isolated_home: Path) -> None:
    store = nanobot(isolated_home)
    session = store.get_or_create(SLASH_KEY)
    session.add_message("user", "thread reply")
    session.add_message("assistant", "noted")
    store.save(session)
    assert [s["key"] for s in store.list_sessions()] == [SLASH_KEY]
    folder = store.sessions_dir
    assert SLASH_KEY in rows(folder)

    shown = sv("show", "--dir", str(folder), SLASH_KEY, "--json")
    assert shown.returncode == 0, shown.stderr
    assert [c["payload"]["content"] for c in json.loads(shown.stdout)["chunks"]] == [
        "thread reply",
        "noted",
    ]
    resume = sv("resume", "--dir", str(folder), SLASH_KEY, "--print")
    assert resume.returncode == 0, resume.stderr
    assert "-s 'slack:C123/thread:456?x=<1>'" in resume.stdout

    for escape in ("../x", "/etc/passwd", "a/../../b", "~/x"):
        refused = sv("show", "--dir", str(folder), escape)
        assert refused.returncode == 1 and "never a path" in refused.stderr, refused.stderr

    removed = sv("rm", "--dir", str(folder), SLASH_KEY)
    assert removed.returncode == 0, removed.stderr
    assert store.list_sessions() == []  # nanobot agrees: gone
    restored = sv("restore", SLASH_KEY)
    assert restored.returncode == 0, restored.stderr
    assert [s["key"] for s in store.list_sessions()] == [SLASH_KEY]


# ------------------------------------------- item 10: the checkpoint sidecar
def test_a_turn_checkpointed_only_in_the_sidecar_is_in_flight(isolated_home: Path) -> None:
    store = nanobot(isolated_home)
    session = store.get_or_create("cli:direct")
    session.add_message("user", "run the migration")
    store.save(session)
    session.metadata["runtime_checkpoint"] = {
        "assistant_message": {"role": "assistant", "content": "", "tool_calls": []},
        "pending_tool_calls": [],
        "completed_tool_results": [],
    }
    store.save_runtime_checkpoint(session)
    folder = store.sessions_dir
    path = store._get_session_path("cli:direct")
    sidecar = store._get_runtime_checkpoint_path("cli:direct")
    assert sidecar.is_file() and "runtime_checkpoint" not in path.read_text()
    # nanobot itself: a fresh store loads the turn in flight from the sidecar.
    assert "runtime_checkpoint" in nanobot(isolated_home).get_or_create("cli:direct").metadata

    result = sv("ls", "--json", "--dir", str(folder))
    assert result.returncode == 0 and "no known session format" not in result.stderr, result.stderr
    (row,) = json.loads(result.stdout)
    assert row["state"] == "running" and sidecar.name in row["state_reason"], row

    old = time.time() - 600  # the process went away ten minutes ago
    os.utime(path, (old - 5, old - 5))
    os.utime(sidecar, (old, old))
    (row,) = rows(folder).values()
    assert row["state"] == "crashed" and "interrupted turn" in row["state_reason"], row

    removed = sv("rm", "--dir", str(folder), "cli:direct")
    assert removed.returncode == 0, removed.stderr
    assert not sidecar.exists() and not path.exists()  # the sidecar goes with its session


def test_a_sidecar_older_than_its_session_is_superseded(isolated_home: Path) -> None:
    store = nanobot(isolated_home)
    session = store.get_or_create("cli:direct")
    session.add_message("user", "hi")
    store.save(session)
    session.metadata["runtime_checkpoint"] = {"assistant_message": None}
    store.save_runtime_checkpoint(session)
    sidecar = store._get_runtime_checkpoint_path("cli:direct")
    path = store._get_session_path("cli:direct")
    os.utime(sidecar, (time.time() - 30, time.time() - 30))  # saved again after it
    (row,) = rows(store.sessions_dir).values()
    assert row["state"] == "closed", row
    # nanobot's loader drops such a sidecar the same way.
    assert "runtime_checkpoint" not in nanobot(isolated_home).get_or_create("cli:direct").metadata
    assert path.is_file()


# ------------------------------------------ item 10: a legacy lossy file name
def test_a_legacy_name_nanobot_no_longer_lists_is_not_offered_for_resume(
    isolated_home: Path,
) -> None:
    legacy = isolated_home / "ws" / "sessions"
    legacy.mkdir(parents=True)
    shutil.copy(
        FIXTURES / "nanobot" / "v0.2-workspace" / "sessions" / "telegram_12345.jsonl", legacy
    )
    store = nanobot(isolated_home)  # nanobot 0.3.5 moves it into its store, name unchanged
    moved = store.sessions_dir / "telegram_12345.jsonl"
    assert moved.is_file() and not legacy.joinpath("telegram_12345.jsonl").exists()
    assert store.list_sessions() == []  # nanobot does not list it
    assert store.get_or_create("telegram:12345").messages == []  # nor find it by its key

    row = rows(store.sessions_dir)["telegram:12345"]
    assert row["extra"]["nanobot_lists"] is False
    assert "does not list this legacy file name" in row["state_reason"]
    for extra in ((), ("--print",)):
        resume = sv("resume", "--dir", str(store.sessions_dir), "telegram:12345", *extra)
        assert resume.returncode == 1 and "nanobot agent" not in resume.stdout
        assert "dGVsZWdyYW06MTIzNDU.jsonl" in resume.stderr, resume.stderr
