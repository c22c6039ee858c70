"""The config keys are listed once (`config.SETTINGS`, from `Config`'s fields): the
parser knows exactly them and `sessionview config show` prints every one."""

from __future__ import annotations

from dataclasses import fields

import pytest

from sessionview.cli import main
from sessionview.config import SETTINGS, Config, parse_config


def test_settings_are_the_config_fields_a_file_can_set() -> None:
    names = {f.name for f in fields(Config)} - {"problems", "source", "host_settings"}
    assert set(SETTINGS) == names | {"host"}  # [host.NAME] tables fill host_settings
    problems = parse_config({"nope": 1}).problems
    assert len(problems) == 1 and problems[0].startswith("nope: unknown key")
    assert all(key in problems[0] for key in SETTINGS)
    assert parse_config({key: getattr(Config(), key) for key in ("theme", "bell")}).problems == ()


def test_config_show_prints_every_setting(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "show"]) == 0
    lines = capsys.readouterr().out.splitlines()[1:]
    top = [line.split(" = ", 1)[0] for line in lines[: lines.index("")]]
    tables = [line.strip("[]") for line in lines if line.startswith("[")]
    assert top + tables == [k for k in SETTINGS if k not in (*tables, "host")] + tables
    assert set(top + tables) | {"host"} == set(SETTINGS)  # no [host.NAME] table here
