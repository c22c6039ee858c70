"""sessionview's own directories (config, cache, data), as platformdirs gives them.

`sessionview ls` on a warm cache takes a few tens of milliseconds, and importing
platformdirs is a measurable part of that, so on Linux the common case (the XDG
variable set to an absolute path, or an absolute `$HOME`) is answered here by the
same rules platformdirs applies; anything else asks platformdirs itself. A test
checks both agree.
"""

from __future__ import annotations

import os
import sys

APP = "sessionview"

_XDG = {
    "cache": ("XDG_CACHE_HOME", ".cache"),
    "config": ("XDG_CONFIG_HOME", ".config"),
    "data": ("XDG_DATA_HOME", ".local/share"),
}


def _linux_dir(kind: str) -> str | None:
    """platformdirs' Unix rule, for the cases that need no lookup; None for the rest."""
    if sys.platform != "linux" or hasattr(sys, "getandroidapilevel"):
        return None
    variable, default = _XDG[kind]
    xdg = os.environ.get(variable, "")
    if xdg.startswith("/"):
        return os.path.join(xdg, APP)
    home = os.environ.get("HOME", "")
    if home.startswith("/"):
        return os.path.join(os.path.expanduser("~/" + default), APP)
    return None


def user_dir(kind: str) -> str:
    """The user `cache`, `config` or `data` directory of sessionview (not created)."""
    from sessionview.store import fast_paths

    found = _linux_dir(kind) if fast_paths.enabled("userdirs") else None
    if found is not None:
        return found
    import platformdirs

    lookup = {
        "cache": platformdirs.user_cache_dir,
        "config": platformdirs.user_config_dir,
        "data": platformdirs.user_data_dir,
    }[kind]
    return lookup(APP, appauthor=False)


def config_file() -> str:
    """`config.toml` in sessionview's config directory (`$SESSIONVIEW_CONFIG_DIR` overrides)."""
    override = os.environ.get("SESSIONVIEW_CONFIG_DIR", "").strip()
    directory = os.path.expanduser(override) if override else user_dir("config")
    return os.path.join(directory, "config.toml")
