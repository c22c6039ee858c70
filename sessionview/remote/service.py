"""What a host answers about its own sessions, decided by the store code on that host.

`serve --stdio` puts this behind the protocol; the fleet commands call it directly for
`local`, so this machine and a remote one answer from the same code. Every answer is
plain JSON data (rows exactly as `ls --json` prints them).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from sessionview.store.index import SessionIndex
from sessionview.store.model import SessionInfo


class Service:
    """One host's sessions: listing, transcripts, follow and watch streams, actions."""

    def __init__(self, index: SessionIndex, *, polling: bool = False) -> None:
        self.index = index
        self.polling = polling
        self._lock = threading.Lock()  # one scan at a time (watch and list share the index)

    # ------------------------------------------------------------- listing
    def list_json(self, states: list[str] | None = None, *, host: str | None = None) -> bytes:
        """The `ls --json` array, as bytes; see `list_rows`."""
        rows = self.list_rows(states, host=host)
        return b"[" + b",".join(rows) + b"]"

    def list_rows(self, states: list[str] | None = None, *, host: str | None = None) -> list[bytes]:
        """The rows of `ls --json`, each as bytes; with `host`, every row ends with
        `"host": host` (the row as the client prints it, so it need not encode it
        again). The collector is paused meanwhile, as `ls` does: the listing makes
        ~100,000 small objects and no cycles (~10% of a warm listing otherwise)."""
        import gc

        with self._lock:
            was_enabled = gc.isenabled()
            gc.disable()
            try:
                from sessionview.store import fast_paths

                return self.index.scan_json_rows(
                    states,
                    extra={"host": host} if host else None,
                    reuse_last=fast_paths.enabled("last_listing"),
                )
            finally:
                if was_enabled:
                    gc.enable()

    def finish(self, timeout: float) -> None:
        """Before the process ends: let the index cache the listing wrote land."""
        self.index.wait_saved(timeout)

    def problems(self) -> list[str]:
        return [str(p) for p in self.index.problems]

    def resolve(self, ident: str) -> SessionInfo:
        with self._lock:
            self.index.scan()
        return self.index.resolve(ident)

    def _readable(self, ident: str) -> SessionInfo:
        """The session `ident` names, refused (one line) when its file cannot be read."""
        from sessionview.store.errors import PersistenceError
        from sessionview.store.model import SessionState

        info = self.resolve(ident)
        if info.state is SessionState.CORRUPT:
            raise PersistenceError(info.error or f"{info.path}: cannot be read")
        return info

    # ---------------------------------------------------------- transcript
    def show(self, ident: str) -> dict[str, Any]:
        """`show --json`'s object plus the row (`session`)."""
        from pathlib import Path

        from sessionview.remote.protocol import chunk_message

        info = self._readable(ident)
        adapter = self.index.adapter_for(info)
        chunks, header = adapter.load_transcript(Path(info.path))
        return {
            "session": info.to_json(),
            "header": header,
            "chunks": [chunk_message(c) for c in chunks],
        }

    def follow(
        self, ident: str, from_chunk: int, stop: threading.Event
    ) -> Iterator[dict[str, Any]]:
        """The follow stream's messages (without ids): chunks, reset, end."""
        from sessionview.remote.protocol import chunk_message
        from sessionview.store.follow import ChunksAppended, FollowEnded, FollowReset, follow

        info = self._readable(ident)
        yield {"type": "session", "session": info.to_json()}
        # The same follower as `show --follow` and the transcript screen (store/follow.py).
        for event in follow(info, from_chunk=from_chunk, stop=stop):
            if isinstance(event, ChunksAppended):
                yield {"type": "chunks", "chunks": [chunk_message(c) for c in event.chunks]}
            elif isinstance(event, FollowReset):
                yield {"type": "reset", "reason": event.reason}
            elif isinstance(event, FollowEnded):
                state = "deleted" if event.deleted else event.state.value
                yield {"type": "end", "state": state, "reason": event.reason}

    # --------------------------------------------------------------- watch
    def watch(self, stop: threading.Event) -> Iterator[dict[str, Any]]:
        """The whole listing once (`rows`), then `changed` messages: rows that are new or
        changed and paths that are gone, as the host's watcher sees them, and liveness
        flips found by re-checking every second (a writer can die without a write)."""
        import time

        import orjson

        from sessionview.store.watch import watch

        rows_now = orjson.loads(self.list_json())
        yield {"type": "rows", "rows": rows_now}
        # Liveness is re-checked only while some session runs (as the app does): with
        # none running, a new writer shows itself by writing, which the watcher sees.
        running = {r["path"] for r in rows_now if r.get("state") == "running"}
        del rows_now
        dirs = [root.path for root in self.index.roots]
        changes: list[Any] = []
        ready = threading.Event()
        guard = threading.Lock()

        def pump() -> None:
            for batch in watch(dirs, stop_event=stop, polling=self.polling):
                with guard:
                    changes.extend(batch)
                ready.set()

        threading.Thread(target=pump, name="serve-watch", daemon=True).start()
        last_liveness = time.monotonic()
        while not stop.is_set():
            ready.wait(0.25)
            with guard:
                batch, changes[:] = list(changes), []
                ready.clear()
            rows: dict[str, dict[str, Any]] = {}
            removed: list[str] = []
            for change in batch:
                with self._lock:
                    info = self.index.refresh(change.path)
                if info is None:
                    removed.append(change.path)
                else:
                    rows[info.path] = info.to_json()
            for path in removed:
                running.discard(path)
            for path, row in rows.items():
                if row["state"] == "running":
                    running.add(path)
                else:
                    running.discard(path)
            if running and time.monotonic() - last_liveness >= 1.0:
                last_liveness = time.monotonic()
                with self._lock:
                    flipped = self.index.recheck_liveness()
                for info in flipped:
                    rows[info.path] = info.to_json()
                    if info.state.value != "running":
                        running.discard(info.path)
            if rows or removed:
                yield {"type": "changed", "rows": list(rows.values()), "removed": removed}

    # -------------------------------------------------------------- search
    def search(
        self,
        text: str,
        *,
        formats: list[str] | None = None,
        states: list[str] | None = None,
        kinds: list[str] | None = None,
        since: str | None = None,
        limit: int | None = 20,
    ) -> dict[str, Any]:
        """`search --json`'s rows (plus `updated_at`, `matching_chunks` and `score` for the
        client's text output and merge), found by the same store search as locally, and
        the search index's notices (one-line strings)."""
        from sessionview.store.search import SearchIndex, SearchUnavailable, search_rows

        with self._lock:
            sessions = self.index.scan()
        search = SearchIndex()
        try:
            rows = search_rows(
                search,
                text,
                sessions,
                formats=formats,
                states=states,
                kinds=kinds or (),
                since=since,
                limit=limit,
            )
        except SearchUnavailable as exc:
            raise ValueError(str(exc)) from None
        return {"results": rows, "notices": list(search.notices)}

    # ------------------------------------------------------------- actions
    def _roots(self) -> list[Any]:
        return [r.path for r in self.index.roots]

    def rm(self, ident: str, *, force: bool, purge: bool) -> dict[str, Any]:
        from sessionview.store.actions import delete_session

        info = self.resolve(ident)
        entry = delete_session(info, force=force, purge=purge, roots=self._roots())
        with self._lock:
            self.index.forget(info.path)
        return {"session": info.to_json(), "trash": _trash_json(entry), "purged": purge}

    def trash(self) -> dict[str, Any]:
        from sessionview.store.actions import list_trash

        return {"entries": [_trash_json(e) for e in list_trash()]}

    def restore(self, ident: str) -> dict[str, Any]:
        from sessionview.store.actions import find_trash, restore

        entry = find_trash(ident)
        return {"session": entry.id, "restored": restore(entry)}

    def prune(
        self,
        *,
        older_than: str,
        by: str,
        states: list[str],
        dry_run: bool,
        purge: bool,
        sessions: list[str] | None = None,
    ) -> dict[str, Any]:
        """`prune --json`'s object. `sessions`: prune only these ids of what the criteria
        choose here (the TUI's preview: nothing it did not show is removed)."""
        from dataclasses import replace

        from sessionview.store.actions import execute_prune, parse_age, plan_prune

        age = parse_age(older_than)
        with self._lock:
            listed = self.index.scan()
        plan = plan_prune(listed, older_than=age, by=by, states=states)
        if sessions is not None:
            shown = set(sessions)
            plan = replace(plan, sessions=tuple(s for s in plan.sessions if s.id in shown))
        if dry_run:
            removed, skipped = list(plan.sessions), list[tuple[Any, str]]()
        else:
            entries, skipped = execute_prune(plan, purge=purge, roots=self._roots())
            done = {e.id for e in entries}
            removed = [s for s in plan.sessions if s.id in done]
        return {
            "dry_run": dry_run,
            "removed": [s.to_json() for s in removed],
            "skipped": [{"id": s.id, "reason": why} for s, why in skipped],
            "bytes": sum(s.bytes for s in removed),
        }


def _trash_json(entry: Any) -> dict[str, Any]:
    return {
        "id": entry.id,
        "format": entry.format,
        "folder": entry.folder,
        "deleted_at": entry.deleted_at,
        "files": [a for a, _ in entry.files],
        "bytes": entry.bytes,
    }
