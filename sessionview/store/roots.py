"""Which directories to watch, and with which format.

`--dir` (repeatable) wins, then `SESSIONVIEW_DIR`, then every agent's default
store that exists on this machine plus the directories named in config.toml.
"""

from __future__ import annotations

import os
from collections import namedtuple

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from pathlib import Path


def normalized(text: str) -> str:
    """The directory as `str(PurePosixPath(text))` spells it: `os.path.normpath` gives
    the same without importing pathlib, except for `..`, which it folds away (and
    `a/link/..` is not `a` when `link` is a symlink): such a path asks pathlib."""
    if ".." in text.split("/"):
        from pathlib import PurePosixPath

        return str(PurePosixPath(text))
    return os.path.normpath(text)


class Root(namedtuple("Root", ("dir", "format"), defaults=(None,))):
    """A directory to list: `dir` as a normalized string (`path` as a Path); `format`
    forces one adapter, None detects per file.

    A named tuple of strings rather than a dataclass of a Path only because a warm
    `sessionview ls` is mostly start-up time, and `dataclasses` and `pathlib` (with
    the `re` it pulls in) are among the slowest imports it would pay.
    """

    __slots__ = ()

    def __new__(cls, path: str | os.PathLike[str], format: str | None = None) -> Root:  # noqa: A002
        return super().__new__(cls, normalized(os.fspath(path)), format)

    @property
    def path(self) -> Path:
        from pathlib import Path

        return Path(self.dir)


def resolve_roots(
    cli_dirs: Sequence[str | Path] = (),
    *,
    env: Mapping[str, str] | None = None,
    config_dirs: Iterable[str | Path] = (),
    forced_format: str | None = None,
) -> list[Root]:
    """The roots to scan, deduplicated, in a stable order."""
    env = os.environ if env is None else env
    roots: list[Root] = []
    if cli_dirs:
        roots = [Root(os.path.expanduser(os.fspath(d)), forced_format) for d in cli_dirs]
    elif env.get("SESSIONVIEW_DIR", "").strip():
        from sessionview.store.paths import split_dir_list

        roots = [Root(p, forced_format) for p in split_dir_list(env["SESSIONVIEW_DIR"])]
    else:
        from sessionview.store.formats import ADAPTERS

        for adapter in ADAPTERS.values():
            if forced_format and adapter.name != forced_format:
                continue
            for path in adapter.default_roots(env):
                if path.is_dir():
                    roots.append(Root(path, adapter.name))
        roots += [Root(os.path.expanduser(os.fspath(d)), forced_format) for d in config_dirs]
    seen: set[tuple[str, str | None]] = set()
    unique: list[Root] = []
    for root in roots:
        try:
            key = (os.path.realpath(root.dir), root.format)  # as Path.resolve()
        except OSError:
            key = (root.dir, root.format)
        if key not in seen:
            seen.add(key)
            unique.append(root)
    return unique
