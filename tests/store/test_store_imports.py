"""Import hygiene: the store and the CLI never pull in Textual (nor OpenRath)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sessionview

PACKAGE = Path(sessionview.__file__).parent

CHECK = r"""
import importlib, pkgutil, sys
import sessionview.store
names = ["sessionview.store"]
for mod in pkgutil.walk_packages(sessionview.store.__path__, "sessionview.store."):
    names.append(mod.name)
for name in sys.argv[1:]:
    names.append(name)
for name in names:
    importlib.import_module(name)
bad = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual.")
             or m == "rath" or m.startswith("rath."))
print(len(names), ",".join(names))
print("BAD", ",".join(bad))
"""


def _imports(*extra: str) -> tuple[list[str], list[str]]:
    out = subprocess.run(
        [sys.executable, "-c", CHECK, *extra],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.splitlines()
    names = out[0].split(" ", 1)[1].split(",")
    bad = [b for b in out[1].removeprefix("BAD").strip().split(",") if b]
    return names, bad


def test_store_and_every_module_under_it_import_without_textual() -> None:
    names, bad = _imports()
    on_disk = {
        "sessionview." + ".".join(p.relative_to(PACKAGE).with_suffix("").parts)
        for p in (PACKAGE / "store").rglob("*.py")
    }
    on_disk = {n.removesuffix(".__init__") for n in on_disk}
    assert on_disk <= set(names), f"not imported: {on_disk - set(names)}"
    assert {"sessionview.store.index", "sessionview.store.tail", "sessionview.store.watch"} <= set(
        names
    )
    assert bad == [], f"the store imported {bad}"


def test_cli_imports_without_textual() -> None:
    assert (PACKAGE / "cli" / "__init__.py").is_file(), "sessionview.cli is the entry point"
    names, bad = _imports("sessionview.cli")
    assert "sessionview.cli" in names
    assert bad == [], f"`import sessionview.cli` imported {bad}"


def test_the_check_can_fail() -> None:
    """Control: importing Textual itself is reported, so the two tests above can fail."""
    _names, bad = _imports("textual.app")
    assert "textual" in bad
