"""Format adapters, one per agent, and the registry that picks one for a file."""

from __future__ import annotations

import importlib
from pathlib import Path

from sessionview.store.formats.base import DecodeState, FormatAdapter
from sessionview.store.registry import BUILTIN_ADAPTERS

ADAPTERS: dict[str, FormatAdapter] = {}


def register(adapter: FormatAdapter) -> None:
    """Add an adapter; later registrations are tried after earlier ones."""
    ADAPTERS[adapter.name] = adapter


def _register_builtins() -> None:
    """Every adapter of `store.registry`, in its order (each sniff is specific)."""
    for name, module, class_name in BUILTIN_ADAPTERS:
        adapter = getattr(importlib.import_module(module), class_name)()
        if adapter.name != name:
            raise RuntimeError(
                f"registry line {name!r} names {class_name}, whose name is {adapter.name!r}"
            )
        register(adapter)


_register_builtins()


def get_adapter(name: str) -> FormatAdapter:
    """The adapter for a format id; `KeyError` names the known ones."""
    try:
        return ADAPTERS[name]
    except KeyError:
        raise KeyError(f"unknown format {name!r}; known: {', '.join(ADAPTERS)}") from None


def detect(path: Path, forced: str | None = None) -> FormatAdapter | None:
    """The adapter for this file: by name, then by its first bytes when several claim it.

    When no adapter's `sniff` accepts the content, the first claimant is returned so
    the file is shown (as corrupt, with the reason) rather than hidden.
    """
    if forced is not None:
        adapter = get_adapter(forced)
        return adapter if adapter.claims(path) else None
    candidates = [a for a in ADAPTERS.values() if a.claims(path)]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return candidates[0]
    for adapter in candidates:
        if adapter.sniff(head):
            return adapter
    return candidates[0]


__all__ = ["ADAPTERS", "DecodeState", "FormatAdapter", "detect", "get_adapter", "register"]
