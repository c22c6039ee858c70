"""`python -m sessionview`."""

from sessionview.cli import run

run()
