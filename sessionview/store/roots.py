"""Which directories to watch, and with which format.

`--dir` (repeatable) wins, then `SESSIONVIEW_DIR`, then every agent's default
store that exists on this machine plus the directories named in config.toml.
"""

from __future__ import annotations

import os
from collections import namedtuple
from pathlib import Path

from sessionview.store.paths import split_dir_list

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence


class Root(namedtuple("Root", ("path", "format"), defaults=(None,))):
    """A directory to list (`path`, a Path); `format` forces one adapter, None detects
    per file.

    A named tuple rather than a dataclass only because a warm `sessionview ls` is
    mostly start-up time and `dataclasses` is among the slowest imports it would pay.
    """

    __slots__ = ()


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
        roots = [Root(Path(d).expanduser(), forced_format) for d in cli_dirs]
    elif env.get("SESSIONVIEW_DIR", "").strip():
        roots = [Root(p, forced_format) for p in split_dir_list(env["SESSIONVIEW_DIR"])]
    else:
        from sessionview.store.formats import ADAPTERS

        for adapter in ADAPTERS.values():
            if forced_format and adapter.name != forced_format:
                continue
            for path in adapter.default_roots(env):
                if path.is_dir():
                    roots.append(Root(path, adapter.name))
        roots += [Root(Path(d).expanduser(), forced_format) for d in config_dirs]
    seen: set[tuple[str, str | None]] = set()
    unique: list[Root] = []
    for root in roots:
        try:
            key = (str(root.path.resolve()), root.format)
        except OSError:
            key = (str(root.path), root.format)
        if key not in seen:
            seen.add(key)
            unique.append(root)
    return unique
