"""Themes are data: TOML files parsed with `tomllib` into `textual.theme.Theme`.

Built-in themes live in the repository's top-level `themes/` directory, which the wheel
ships as `sessionview/_builtin_themes`. User themes are `*.toml` files in
`user_themes_dir()`; a user theme with the same `name` as a built-in replaces it.

Parsing is split in two so it can be tested without an App:

* `read_theme_toml(path)` reads and decodes the file (TOML syntax errors, with line);
* `validate_theme_data(data, source)` checks every field and returns `Theme` keyword
  arguments (missing `name`/`primary`, bad colours, wrong types, unknown keys);
* `parse_theme_file(path)` does both and builds the `Theme`.

Every failure is a `ThemeError` whose message is one line naming the file and the field.
`load_all_themes()` collects them instead of raising, and `apply_themes()` shows them all
in one notification, then falls back to `DEFAULT_THEME` if the configured theme is unknown.

A theme file looks like `themes/sessionview-dark.toml`: the `Theme` fields at the top level
and our own CSS variables (`sv-running`, ...) in a `[variables]` table.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from sessionview import config as _config

if TYPE_CHECKING:
    from textual.app import App

DEFAULT_THEME = "sessionview-dark"
"""The fallback theme; also `Config.theme`'s default."""

HIGH_CONTRAST_THEME = "sessionview-high-contrast"
"""Picked instead of the default theme when `NO_COLOR` is set (see `apply_themes`)."""

STATE_VARIABLES = ("sv-running", "sv-crashed", "sv-closed", "sv-corrupt")
"""Colours of the session states; every built-in theme defines them."""

CHUNK_VARIABLES = ("sv-user", "sv-assistant", "sv-tool", "sv-system")
"""Colours of the transcript chunk kinds; every built-in theme defines them."""

STATE_VARIABLE_DEFAULTS: dict[str, str] = {
    # The sessionview-dark values: used when a theme without them is active.
    "sv-running": "#5CD68C",
    "sv-crashed": "#FF7A72",
    "sv-closed": "#A3AAB6",
    "sv-corrupt": "#E08CF0",
    "sv-user": "#72BCFF",
    "sv-assistant": "#E3E6EB",
    "sv-tool": "#E8B867",
    "sv-system": "#9CA3AF",
}
"""Static defaults for every `sv-*` variable (tuned for dark backgrounds).

An App returns these (or, better, `variable_defaults_for(self.current_theme)`) from
`App.get_theme_variable_defaults()`, so CSS using `$sv-running` parses and renders while a
theme that does not define them (e.g. Textual's "nord") is active."""

_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
    "warning",
    "error",
    "success",
)
_BOOL_FIELDS = ("dark", "ansi")
_FLOAT_FIELDS = ("luminosity_spread", "text_alpha")
_KNOWN_KEYS = frozenset({"name", "variables", *_COLOUR_FIELDS, *_BOOL_FIELDS, *_FLOAT_FIELDS})
# Textual turns the theme name into the CSS class `-theme-<name>`, and variable names into
# `$names`: both must be CSS identifiers (same pattern as Textual's tokenizer).
_IDENTIFIER = re.compile(r"[a-zA-Z_\-][a-zA-Z0-9_\-]*")


class ThemeError(ValueError):
    """A theme file that cannot be used; the message is one line naming file and field."""


@dataclass(slots=True)
class ThemeLoadResult:
    """Every theme that loaded (built-ins first, user overrides applied) and every problem."""

    themes: list[Theme] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


# --- locations ---------------------------------------------------------------------------


def builtin_themes_dir() -> Path:
    """The built-in themes: `sessionview/_builtin_themes` in an installed wheel, else the
    repository's top-level `themes/` (a development checkout)."""
    try:
        installed = resources.files("sessionview") / "_builtin_themes"
    except ModuleNotFoundError:  # pragma: no cover - the package is always importable here
        installed = None
    if installed is not None and installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parents[2] / "themes"


def user_themes_dir() -> Path:
    """`themes/` in sessionview's config directory; not created here."""
    return _config.config_dir() / "themes"


# --- parsing -----------------------------------------------------------------------------


def read_theme_toml(path: Path) -> dict[str, Any]:
    """Read and decode one theme file; `ThemeError` for I/O, encoding and TOML syntax."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ThemeError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ThemeError(f"{path}: not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message already ends in "(at line N, column M)".
        raise ThemeError(f"{path}: not valid TOML: {exc}") from exc


def _type_name(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string", dict: "table"}.get(
        type(value), "array" if isinstance(value, list) else type(value).__name__
    )


def _check_colour(source: str, where: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ThemeError(f"{source}: {where}: expected a colour string, got {_type_name(value)}")
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise ThemeError(f"{source}: {where}: {value!r} is not a colour") from exc
    return value


def validate_theme_data(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Check decoded TOML and return keyword arguments for `textual.theme.Theme`.

    `source` (usually the file path) starts every error message. Raises `ThemeError` on the
    first problem, naming the field: unknown top-level keys, a missing or malformed `name`,
    a missing `primary`, a value `textual.color.Color.parse` rejects, a non-boolean `dark`,
    a `[variables]` entry that is not a string (`sv-*` entries must be colours).
    """
    unknown = sorted(key for key in data if key not in _KNOWN_KEYS)
    if unknown:
        raise ThemeError(
            f"{source}: field {unknown[0]!r}: unknown key (known: {', '.join(sorted(_KNOWN_KEYS))})"
        )
    kwargs: dict[str, Any] = {}

    if "name" not in data:
        raise ThemeError(f"{source}: field 'name': missing (required)")
    name = data["name"]
    if not isinstance(name, str):
        raise ThemeError(f"{source}: field 'name': expected a string, got {_type_name(name)}")
    if not _IDENTIFIER.fullmatch(name):
        raise ThemeError(
            f"{source}: field 'name': {name!r} must be letters, digits, '-' or '_' "
            "(not starting with a digit)"
        )
    kwargs["name"] = name

    if "primary" not in data:
        raise ThemeError(f"{source}: field 'primary': missing (required)")
    for key in _COLOUR_FIELDS:
        if key in data:
            kwargs[key] = _check_colour(source, f"field {key!r}", data[key])

    for key in _BOOL_FIELDS:
        if key in data:
            value = data[key]
            if not isinstance(value, bool):
                raise ThemeError(
                    f"{source}: field {key!r}: expected true or false, got {_type_name(value)}"
                )
            kwargs[key] = value

    for key in _FLOAT_FIELDS:
        if key in data:
            value = data[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ThemeError(
                    f"{source}: field {key!r}: expected a number, got {_type_name(value)}"
                )
            if not (math.isfinite(value) and 0 <= value <= 1):
                raise ThemeError(f"{source}: field {key!r}: {value!r} is not between 0 and 1")
            kwargs[key] = float(value)

    if "variables" in data:
        table = data["variables"]
        if not isinstance(table, dict):
            raise ThemeError(
                f"{source}: field 'variables': expected a table, got {_type_name(table)}"
            )
        variables: dict[str, str] = {}
        for key, value in table.items():
            where = f"field 'variables.{key}'"
            if not _IDENTIFIER.fullmatch(key):
                raise ThemeError(f"{source}: {where}: not a valid CSS variable name")
            if key.startswith("sv-"):
                variables[key] = _check_colour(source, where, value)
            elif isinstance(value, str):
                variables[key] = value  # a Textual variable: any CSS value, Textual checks it
            else:
                raise ThemeError(f"{source}: {where}: expected a string, got {_type_name(value)}")
        kwargs["variables"] = variables
    return kwargs


def parse_theme_file(path: Path) -> Theme:
    """Read one TOML theme file into a `Theme`; `ThemeError` (one line) if it is unusable."""
    path = Path(path)
    return Theme(**validate_theme_data(read_theme_toml(path), str(path)))


# --- loading -----------------------------------------------------------------------------


def _theme_files(directory: Path, problems: list[str]) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.suffix == ".toml" and p.is_file())
    except FileNotFoundError:
        return []
    except OSError as exc:
        problems.append(f"{directory}: cannot list theme directory: {exc.strerror or exc}")
        return []


def load_all_themes(
    builtin_dir: Path | None = None, user_dir: Path | None = None
) -> ThemeLoadResult:
    """Built-in themes, then user themes (same `name` replaces); never raises.

    Each broken file is one line in `problems`. Two user files defining the same name is
    reported too (the later file, in name order, wins).
    """
    builtin_dir = builtin_dir or builtin_themes_dir()
    user_dir = user_dir or user_themes_dir()
    result = ThemeLoadResult()
    themes: dict[str, Theme] = {}
    for directory in (builtin_dir, user_dir):
        seen: dict[str, Path] = {}
        for path in _theme_files(directory, result.problems):
            try:
                theme = parse_theme_file(path)
            except ThemeError as exc:
                result.problems.append(str(exc))
                continue
            if theme.name in seen:
                result.problems.append(
                    f"{path}: field 'name': {theme.name!r} is also defined in "
                    f"{seen[theme.name].name}; using {path.name}"
                )
            seen[theme.name] = path
            themes[theme.name] = theme
    result.themes = list(themes.values())
    return result


def variable_defaults_for(theme: Theme | None) -> dict[str, str]:
    """`sv-*` defaults derived from a theme's own colours, for `get_theme_variable_defaults`.

    Textual's built-in themes do not know our variables; this maps them onto the readable
    text variants Textual generates for the theme (`$text-success` for running,
    `$text-error` for crashed, ...), so "nord" or "textual-light" get state colours that
    match and stay legible. Values the theme defines itself take precedence anyway.
    """
    if theme is None:
        return dict(STATE_VARIABLE_DEFAULTS)
    generated = theme.to_color_system().generate()
    mapping = {
        "sv-running": "text-success",
        "sv-crashed": "text-error",
        "sv-closed": "foreground-darken-1" if theme.dark else "foreground-lighten-2",
        "sv-corrupt": "text-accent",
        "sv-user": "text-primary",
        "sv-assistant": "foreground",
        "sv-tool": "text-warning",
        "sv-system": "foreground-darken-2" if theme.dark else "foreground-lighten-3",
    }
    return {
        name: generated.get(source, STATE_VARIABLE_DEFAULTS[name])
        for name, source in mapping.items()
    }


# --- the App side ------------------------------------------------------------------------


def no_color_requested(environ: Mapping[str, str] | None = None) -> bool:
    """True when `NO_COLOR` is set to a non-empty value (https://no-color.org)."""
    return bool((os.environ if environ is None else environ).get("NO_COLOR", ""))


def apply_themes(app: App[Any], config_theme: str, notify: bool = True) -> str:
    """Register every theme on `app`, activate the configured one, return its name.

    * All built-in and user themes are registered (Textual's own themes already are).
    * `app.theme` becomes `config_theme` if it is registered (ours, a user theme, or a
      Textual theme such as "nord"); otherwise `DEFAULT_THEME`, with the reason added to
      the problems.
    * If there are problems (broken theme files, unknown configured theme), ONE warning
      notification lists them all, one line each (unless `notify` is False).

    NO_COLOR: when `NO_COLOR` is set (non-empty) and the config asks for the default theme,
    `HIGH_CONTRAST_THEME` is used instead. Textual itself sees `NO_COLOR` and passes all
    output through a greyscale filter; that theme has a black background, 7:1 contrast for
    every state colour, and distinct lightness for the four states, so it stays legible in
    greyscale. A theme named explicitly in the config wins over `NO_COLOR` (no-color.org:
    user configuration overrides the variable). Colour is never the only signal: the
    session list shows a glyph and a word for every state.

    The theme chosen here is not a user choice: persist only later changes (see
    `remember_theme_changes`), or a NO_COLOR run or a typo in the config would overwrite
    the config file.
    """
    result = load_all_themes()
    for theme in result.themes:
        app.register_theme(theme)
    problems = list(result.problems)
    available = app.available_themes

    wanted = config_theme
    if config_theme == DEFAULT_THEME and no_color_requested() and HIGH_CONTRAST_THEME in available:
        wanted = HIGH_CONTRAST_THEME
    if wanted in available:
        active = wanted
    else:
        active = DEFAULT_THEME if DEFAULT_THEME in available else "textual-dark"
        problems.append(
            f"config: theme {config_theme!r} is not a built-in, Textual or user theme "
            f"(user themes go in {user_themes_dir()}); using {active!r}"
        )
    app.theme = active
    if problems and notify:
        app.notify(
            "\n".join(problems),
            title=f"Theme problems ({len(problems)})",
            severity="warning",
            timeout=15,
            markup=False,  # paths and TOML messages may contain [brackets]
        )
    return active


def remember_theme(name: str) -> str | None:
    """Save `name` as `theme` in config.toml, keeping every other line.

    Returns None on success, or a one-line problem (e.g. a read-only config directory) for
    the caller to show; it does not raise for I/O errors.
    """
    try:
        _config.save_theme(name)
    except OSError as exc:
        return f"{_config.config_path()}: cannot save theme {name!r}: {exc.strerror or exc}"
    return None


def remember_theme_changes(
    app: App[Any], active: str, save: Callable[[str], str | None] = remember_theme
) -> None:
    """Persist every theme the user picks from now on (e.g. from the command palette).

    Call right after `apply_themes` (the app must be running), with its return value:
    Textual announces the theme set by `apply_themes` on `App.theme_changed_signal` a moment
    later, and that one is skipped, so a fallback or a NO_COLOR choice is never written.
    A save failure becomes an error notification.
    """
    last = active

    def on_theme_changed(theme: Theme) -> None:
        nonlocal last
        if theme.name == last:
            return
        last = theme.name
        problem = save(theme.name)
        if problem:
            app.notify(problem, title="Theme not saved", severity="error", markup=False)

    app.theme_changed_signal.subscribe(app, on_theme_changed)
