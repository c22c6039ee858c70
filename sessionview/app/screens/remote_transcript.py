"""A transcript on another host: the same screen, fed by that host's `follow` stream.

The remote `serve` tails the file with the store's own reader; this screen asks for the
chunks from index 0, and after a dropped connection (network, a killed serve) waits
for the host's feed to reconnect and asks again from the first chunk it has not shown:
no chunk is missed or shown twice.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.message import Message

from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.widgets.transcript_view import measure
from sessionview.store.follow import FollowEnded
from sessionview.store.model import SessionInfo, SessionState

BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0)


class RemoteTranscriptScreen(TranscriptScreen):
    """`TranscriptScreen` over a remote host's follow stream instead of a local file."""

    class Reconnecting(Message, bubble=False):
        """The connection dropped (`reason`) and the stream is asked again; None: it is back."""

        def __init__(self, reason: str | None) -> None:
            super().__init__()
            self.reason = reason

    def __init__(self, info: SessionInfo, feed: Any, *, follow: bool = True) -> None:
        super().__init__(info, follow=follow)
        self.feed = feed
        #: The connection dropped and the stream is being asked again (for the status).
        self.reconnecting: str | None = None

    def _load_and_follow(self) -> None:
        from sessionview.remote.client import HostError, RemoteError
        from sessionview.remote.protocol import ProtocolError, chunk_from_message

        next_index = 0
        reset = False
        attempt = 0
        # This worker's own record of the first `chunks` message (`self.loaded` is set by
        # the `Loaded` handler, later, on the UI thread).
        loaded = False
        reconnecting = False
        while not self._stop.is_set():
            try:
                connection = self.feed.connection()
                stream = connection.stream(
                    "follow", session=self.info.id, from_chunk=next_index, stop=self._stop
                )
                for message in stream:
                    kind = message.get("type")
                    attempt = 0
                    if kind == "session":
                        if reconnecting:
                            reconnecting = False
                            self.post_message(self.Reconnecting(None))
                    elif kind == "chunks":
                        chunks = [chunk_from_message(c) for c in message.get("chunks") or ()]
                        chunks = [c for c in chunks if c.index >= next_index or reset]
                        if not loaded:  # the first message: what is written so far
                            loaded = True
                            next_index = chunks[-1].index + 1 if chunks else 0
                            self.post_message(self.Loaded(chunks, [measure(c) for c in chunks]))
                        elif chunks:
                            next_index = chunks[-1].index + 1
                            self.post_message(
                                self.Appended(chunks, [measure(c) for c in chunks], reset)
                            )
                            reset = False
                    elif kind == "reset":
                        next_index, reset = 0, True
                    elif kind == "end":
                        # The local screen's end rule (`_follow_ended`) decides what is said.
                        self.post_message(self.Ended(_end_of(message)))
                        return
                if self._stop.is_set():
                    return
                raise HostError(self.feed.name, "the follow stream ended")
            except RemoteError as exc:
                # `_load_failed` says "stopped following" once loaded, else "cannot open".
                self.post_message(
                    self.LoadFailed(str(exc) if loaded else f"{self.feed.name}: {exc}")
                )
                return
            except (HostError, ProtocolError) as exc:
                reconnecting = True
                self.post_message(self.Reconnecting(str(exc)))
                if self._stop.wait(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]):
                    return
                attempt += 1

    @on(Reconnecting)
    def _reconnecting(self, message: Reconnecting) -> None:
        self.reconnecting = message.reason
        self._render_status()

    def _render_title(self) -> None:
        """The local screen's title line, with `HOST:~/path` for the path."""
        from textual.content import Content
        from textual.widgets import Static

        from sessionview.app.display import keep_end
        from sessionview.app.remote_rows import display_path
        from sessionview.render.safe import first_line, screen_text

        info = self.info
        state = f"{info.glyph} {info.state.value}  "
        meta = f"  {screen_text(info.short_id)} · {screen_text(info.format)} · "
        room = max(0, (self.size.width or 120) - 2 - len(state) - len(meta))
        path = display_path(info)
        title = first_line(info.title, max(12, room - min(len(path), 16))) or "(no title)"
        self.query_one("#transcript-title", Static).update(
            Content.assemble(
                (state, f"bold $sv-{info.state.value}"),
                (title, "bold"),
                (meta + keep_end(path, max(12, room - len(title))), "$text-muted"),
            )
        )

    def _render_status(self) -> None:
        super()._render_status()
        if self.reconnecting is not None:
            from textual.content import Content
            from textual.widgets import Static

            from sessionview.render.safe import first_line

            self.query_one("#transcript-status", Static).update(
                Content.styled(
                    f"{first_line(self.reconnecting, 160)} · reconnecting…", "bold $warning"
                )
            )


def _end_of(message: dict[str, Any]) -> FollowEnded:
    """A remote `end` message as the store follower's event."""
    state = str(message.get("state"))
    known = {s.value for s in SessionState}
    return FollowEnded(
        SessionState(state) if state in known else SessionState.CLOSED,
        str(message.get("reason") or state),
        deleted=state == "deleted",
    )
