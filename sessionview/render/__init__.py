"""Untrusted session data turned into display text: one rule set for every output.

`safe` (terminal-safe text), `humanize` (sizes, ages, times) and `chunk_text` (a chunk's
blocks and its layouts) are used by the CLI, the TUI and, later, search and export. No
textual or rich import here: the TUI wraps these strings in its own `Text` objects.
"""
