"""`ls` read without argparse gives what argparse gives, or defers to it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sessionview.cli import quick_ls_args
from sessionview.cli.parser import build_parser

WORDS = st.sampled_from(
    ["--json", "--dir", "--dir=x", "d1", "--state", "running,crashed", "--state=closed",
     "--format", "claude", "--format=codex", "--format=bogus", "-x", "--js", "--", "", "=",
     "--dir=", "--help", "-h", "show"]
)  # fmt: skip


@given(st.lists(WORDS, max_size=7))
def test_quick_parse_agrees_with_argparse(rest: list[str]) -> None:
    words = ["ls", *rest]
    quick = quick_ls_args(words)
    if quick is None:
        return  # argparse decides
    full = build_parser().parse_args(words)
    assert vars(quick) == vars(full)


def test_the_plain_forms_are_read_quickly() -> None:
    args = quick_ls_args(["ls", "--json", "--dir", "a", "--dir=b", "--state", "running"])
    assert args is not None and args.dir == ["a", "b"] and args.json and args.state == "running"
    for deferred in (["ls", "--js"], ["ls", "--dir"], ["ls", "--dir", "-x"], ["show", "x"], []):
        assert quick_ls_args(deferred) is None
