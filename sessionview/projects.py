"""The project (working directory) a session belongs to, for grouping and filtering.

Claude Code, Codex, nanobot and JSON snapshots record a working directory (`cwd`);
for a format that records none, its adapter says (`FormatAdapter.project_dir`).
"""

from __future__ import annotations

from sessionview.store.model import SessionInfo


def project_of(info: SessionInfo) -> str | None:
    if info.cwd:
        return info.cwd.rstrip("/") or "/"
    from sessionview.store.formats import get_adapter

    try:
        return get_adapter(info.format).project_dir(info)
    except KeyError:  # a remote row of a format this machine does not know
        return None


def in_project(info: SessionInfo, project: str) -> bool:
    """The session's project is `project` or a directory inside it."""
    found = project_of(info)
    if found is None:
        return False
    project = project.rstrip("/") or "/"
    return found == project or found.startswith(project.rstrip("/") + "/")
