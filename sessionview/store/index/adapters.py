"""The adapter registry as the index needs it: imported on first need.

A warm listing reads no file, so it must not pay for importing the adapters (and the
JSON library, dataclasses and pathlib they import).
"""

from __future__ import annotations

import sys

from sessionview.store.registry import BUILTIN_PARTIAL_SUFFIXES, FORMAT_NAMES

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

    from sessionview.store.formats.base import FormatAdapter
    from sessionview.store.roots import Root

#: The built-in formats in registration order (`formats.ADAPTERS`; a test checks).
#: A cached directory walk is valid for the adapters it was made with.
BUILTIN_FORMATS = FORMAT_NAMES

_FORMATS: Any = None


def formats() -> Any:
    """The `sessionview.store.formats` module, imported on first need."""
    global _FORMATS
    if _FORMATS is None:
        from sessionview.store import formats as module

        _FORMATS = module
    return _FORMATS


def active_formats(root: Root) -> tuple[str, ...]:
    """The formats a root is walked for: its forced one, or every registered one."""
    if root.format:
        return (root.format,)
    if "sessionview.store.formats" in sys.modules:
        return tuple(formats().ADAPTERS)
    return BUILTIN_FORMATS


def walk_key(root: Root) -> tuple[str, str, tuple[str, ...]]:
    """A root as its walk is cached and a proof of its listing is keyed: its directory,
    its forced format ("" for none) and the formats it is walked for."""
    return (root.dir, root.format or "", active_formats(root))


def adapter_of(claimants: tuple[str, ...]) -> FormatAdapter:
    """The adapter that reads a file first: the first of its claimants."""
    return formats().get_adapter(claimants[0])


def partial_suffixes() -> dict[str, str]:
    """Format name -> its adapter's `partial_suffix`, for the formats that have one:
    the registered adapters' when they are imported, else the built-in table (a warm
    listing imports no adapter)."""
    if "sessionview.store.formats" not in sys.modules:
        return BUILTIN_PARTIAL_SUFFIXES
    return {
        name: adapter.partial_suffix
        for name, adapter in formats().ADAPTERS.items()
        if adapter.partial_suffix is not None
    }
