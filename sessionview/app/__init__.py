"""The Textual UI. `make_app` is the one way the CLI and the tests build it."""

from __future__ import annotations

from typing import Any

from sessionview.config import Config
from sessionview.store.index import SessionIndex

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionview.app.app import SessionViewApp


def make_app(index: SessionIndex, config: Config, **options: Any) -> SessionViewApp:
    """`SessionViewApp(index, config, **options)` (its `__init__` says what each option
    does), with Textual imported only now: `sessionview.app` stays cheap to import."""
    from sessionview.app.app import SessionViewApp

    return SessionViewApp(index, config, **options)


__all__ = ["make_app"]
