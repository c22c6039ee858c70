"""How to resume a session: a command to run, or text to show when there is none."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ResumePlan:
    """What `resume` does for one session.

    `command` is a shell command line (already quoted) to run in `cwd` with `env`
    added; when it is None, `snippet` is what the user can run by hand and `hint`
    says how to configure a command.
    """

    command: str | None
    cwd: str | None
    env: dict[str, str] = field(default_factory=dict)
    snippet: str | None = None
    hint: str = ""
    configured: bool = False

    def display(self) -> str:
        """The command (or snippet) as one would type it in a shell."""
        if self.command is None:
            return self.snippet or ""
        prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in self.env.items())
        where = f"cd {shlex.quote(self.cwd)} && " if self.cwd else ""
        return f"{where}{prefix}{self.command}"


def fill_template(template: str, values: dict[str, str]) -> str:
    """Replace `{id} {path} {dir} {home} {cwd}` with shell-quoted values.

    Unknown placeholders are left as they are, so a typo shows up in the command
    instead of raising.
    """
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", shlex.quote(value))
    return out
