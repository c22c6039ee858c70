"""The base of the app's full screens: the sessionview App, typed.

Screens read the App's state through `sv_app` (its rows, its config), typed, and hear
of changed rows through `rows_changed`, which the App calls on every screen in its
stack (no screen polls the rows). To make the App act they post a request message
(`self.post_message(DeleteRequested(...))`, see `sessionview.app.messages`), which
bubbles from the screen to the App's `@on` handler.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from sessionview.app.app import SessionViewApp
    from sessionview.store.model import SessionInfo


class SessionViewScreen(Screen):
    """A `Screen` of the `SessionViewApp`."""

    @property
    def sv_app(self) -> SessionViewApp:
        """`self.app`, as the App it always is for these screens."""
        return cast("SessionViewApp", self.app)

    def rows_changed(self, old: dict[str, SessionInfo], new: dict[str, SessionInfo]) -> None:
        """The App replaced its rows, `old` by `new` (keyed by `session_key`; an
        unchanged row keeps its object). Called on every screen in the stack, mounted
        or not yet; a screen that shows rows overrides it. Nothing by default."""
