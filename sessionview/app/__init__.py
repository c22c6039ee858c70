"""The Textual UI. `make_app` is the one way the CLI and the tests build it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from sessionview.config import Config
from sessionview.store.index import SessionIndex


def make_app(
    index: SessionIndex,
    config: Config,
    *,
    watch: bool = True,
    banner: str | None = None,
    now: Callable[[], datetime] | None = None,
    dir_problems: Sequence[str] = (),
    hosts: list | None = None,
    remote_args: list[str] | None = None,
):
    """The App over `index`. `watch=False` turns off the file watcher and liveness polling
    (snapshot tests); `now` is the clock behind "12s ago"; `banner` is a line shown on top;
    `dir_problems` are lines about directories the user named that are not there;
    `hosts` (remote `HostSpec`s) join the list live over ssh, with `remote_args` (`--dir`)."""
    from sessionview.app.app import SessionViewApp

    app = SessionViewApp(
        index, config, watch=watch, banner=banner, now=now, dir_problems=dir_problems
    )
    if hosts:
        app.set_remote_hosts(hosts, remote_args or [])
    return app


__all__ = ["make_app"]
