"""Dialogs on a short terminal: form widgets take one row each, so buttons stay on screen."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, RadioButton, RadioSet

#: Terminal heights below this get compact dialogs (80x24 must show every button).
SHORT_BELOW = 30


def is_short(height: int) -> bool:
    return height < SHORT_BELOW


def fit_height(screen: Screen) -> None:
    """Compact buttons, inputs and toggles while the terminal is short; the normal
    bordered ones otherwise. Called on mount and on every resize."""
    short = is_short(screen.app.size.height)
    for widget in screen.query("Button, Input, Checkbox, RadioSet, RadioButton"):
        if isinstance(widget, Button | Input | Checkbox | RadioSet | RadioButton):
            widget.compact = short
