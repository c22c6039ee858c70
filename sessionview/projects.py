"""The project (working directory) a session belongs to, for grouping and filtering.

Claude Code, Codex, nanobot and JSON snapshots record a working directory (`cwd`).
OpenRath records none, but a project-local store is `<project>/.openrath/sessions`
(OpenRath's own resolution), so the project is the directory holding `.openrath`;
the user-wide `~/.openrath/sessions` belongs to no project.
"""

from __future__ import annotations

import os

from sessionview.store.model import SessionInfo


def project_of(info: SessionInfo) -> str | None:
    if info.cwd:
        return info.cwd.rstrip("/") or "/"
    if info.format == "openrath":
        store = os.path.dirname(info.path)
        dot, name = os.path.split(store)
        if name == "sessions" and os.path.basename(dot) == ".openrath":
            project = os.path.dirname(dot)
            if project and project != os.path.expanduser("~"):
                return project
    return None


def in_project(info: SessionInfo, project: str) -> bool:
    """The session's project is `project` or a directory inside it."""
    found = project_of(info)
    if found is None:
        return False
    project = project.rstrip("/") or "/"
    return found == project or found.startswith(project.rstrip("/") + "/")
