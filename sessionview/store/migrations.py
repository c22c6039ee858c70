"""OpenRath's schema-migration chain, kept compatible.

A header's `schema_version` lower than `CURRENT_SCHEMA_VERSION` is upgraded in memory
one version at a time; a gap in the chain or a newer version is refused. Loading
never rewrites a file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CURRENT_SCHEMA_VERSION = 1

HeaderMigration = Callable[[dict[str, Any]], dict[str, Any]]
ChunkMigration = Callable[[dict[str, Any]], dict[str, Any]]

_HEADER_MIGRATIONS: dict[int, HeaderMigration] = {}
_CHUNK_MIGRATIONS: dict[int, ChunkMigration] = {}


def register_header_migration(from_version: int, fn: HeaderMigration) -> None:
    """Register a header migrator from `from_version` to `from_version + 1`."""
    if from_version >= CURRENT_SCHEMA_VERSION:
        raise ValueError(
            f"refusing to register migration from version {from_version} >= "
            f"CURRENT_SCHEMA_VERSION={CURRENT_SCHEMA_VERSION}"
        )
    _HEADER_MIGRATIONS[from_version] = fn


def register_chunk_migration(from_version: int, fn: ChunkMigration) -> None:
    """Register a chunk migrator, chosen by the header's original version."""
    if from_version >= CURRENT_SCHEMA_VERSION:
        raise ValueError(
            f"refusing to register migration from version {from_version} >= "
            f"CURRENT_SCHEMA_VERSION={CURRENT_SCHEMA_VERSION}"
        )
    _CHUNK_MIGRATIONS[from_version] = fn


def header_version(record: dict[str, Any]) -> int:
    """The header's declared version; a non-integer is a `ValueError`."""
    value = record.get("schema_version", 0)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"schema_version must be an integer, got {value!r}")
    return value


def upgrade_header(record: dict[str, Any]) -> dict[str, Any]:
    """Walk the migrators up to the current version; `ValueError` when impossible."""
    current = header_version(record)
    if current > CURRENT_SCHEMA_VERSION:
        raise ValueError(
            f"unsupported schema: schema_version={current} is newer than this "
            f"sessionview understands ({CURRENT_SCHEMA_VERSION}); upgrade sessionview"
        )
    while current < CURRENT_SCHEMA_VERSION:
        migrator = _HEADER_MIGRATIONS.get(current)
        if migrator is None:
            raise ValueError(
                f"no header migrator registered for schema_version={current}; "
                f"file may be from a newer OpenRath release"
            )
        record = migrator(dict(record))
        current += 1
        record["schema_version"] = current
    return record


def upgrade_chunk(record: dict[str, Any], *, header_version: int) -> dict[str, Any]:
    """Apply the chunk migrators from the header's original version on."""
    current = header_version
    while current < CURRENT_SCHEMA_VERSION:
        migrator = _CHUNK_MIGRATIONS.get(current)
        if migrator is not None:
            record = migrator(dict(record))
        current += 1
    return record
