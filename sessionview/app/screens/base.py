"""The base of the app's full screens: the sessionview App, typed.

Screens ask the App to act (`self.sv_app.request_delete(...)`), and the type checker
then knows every such request exists, with its arguments.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.screen import Screen

if TYPE_CHECKING:
    from sessionview.app.app import SessionViewApp


class SessionViewScreen(Screen):
    """A `Screen` of the `SessionViewApp`."""

    @property
    def sv_app(self) -> SessionViewApp:
        """`self.app`, as the App it always is for these screens."""
        return cast("SessionViewApp", self.app)
