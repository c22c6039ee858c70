"""JSON from the standard library encoder, byte for byte as orjson writes it.

`jsonl.dumps_lenient` falls back to this for what orjson refuses (strings that are
not UTF-8, nesting deeper than it goes). A command that prints a few rows and never
needs orjson otherwise (a search answered from kept rows) writes with it directly:
importing orjson loads `dataclasses`, `uuid` and more, a tenth of such a search.
A test checks both encoders agree on everything but floats (`1.5e-07` here, `1.5e-7`
from orjson), which the rows printed this way do not hold.
"""

from __future__ import annotations

import json
import sys

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any


def dumps(data: Any, *, indent: bool = False) -> bytes:
    """`data` as UTF-8 JSON, 2-space indented with `indent`, compact without; bytes of a
    string that are not UTF-8 shown as `\\xff` escapes."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # orjson reads at most 1024 levels
    try:
        text = json.dumps(
            _utf8_safe(data),
            ensure_ascii=False,
            indent=2 if indent else None,
            separators=None if indent else (",", ":"),
        )
    finally:
        sys.setrecursionlimit(limit)
    return text.encode("utf-8")


def _utf8_safe(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            try:
                raw = value.encode("utf-8", "surrogateescape")
            except UnicodeEncodeError:
                return value.encode("utf-8", "backslashreplace").decode("utf-8")
            return raw.decode("utf-8", "backslashreplace")
    if isinstance(value, dict):
        return {_utf8_safe(str(k)): _utf8_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_utf8_safe(v) for v in value]
    return value
