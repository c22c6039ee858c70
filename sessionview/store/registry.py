"""The built-in agents' formats: one line each, the one list of format names.

Adding an agent = its adapter module in `store/formats/` + one line here. The list
is plain data (no adapter is imported to read it): the CLI's `--format` choices and
the index's cached walks use the names on a warm start, when no adapter is needed.
`store.formats` imports and registers the adapters from it, in this order (the
order in which they sniff a file several of them claim).
"""

from __future__ import annotations

#: (format name, adapter module, adapter class), in registration order.
BUILTIN_ADAPTERS: tuple[tuple[str, str, str], ...] = (
    ("openrath", "sessionview.store.formats.openrath", "OpenRathFormat"),
    ("nanobot", "sessionview.store.formats.nanobot", "NanobotFormat"),
    ("codex", "sessionview.store.formats.codex", "CodexFormat"),
    ("claude", "sessionview.store.formats.claude", "ClaudeFormat"),
    ("snapshot", "sessionview.store.formats.snapshot", "SnapshotFormat"),
)
FORMAT_NAMES: tuple[str, ...] = tuple(name for name, _, _ in BUILTIN_ADAPTERS)
#: The built-in formats whose running session lives in a partial file renamed when it
#: closes: format name -> its adapter's `partial_suffix` (a test checks), so that a warm
#: listing folds a final/partial pair without importing an adapter.
BUILTIN_PARTIAL_SUFFIXES: dict[str, str] = {"openrath": ".__partial__"}
