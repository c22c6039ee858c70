"""`ls` and `serve` read without argparse give what argparse gives, or defer to it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sessionview.cli import quick_args
from sessionview.cli.parser import build_parser

WORDS = st.sampled_from(
    ["--json", "--dir", "--dir=x", "d1", "--state", "running,crashed", "--state=closed",
     "--format", "claude", "--format=codex", "--format=bogus", "-x", "--js", "--", "", "=",
     "--dir=", "--help", "-h", "show", "--host", "devbox", "--host=ci-1", "--stdio"]
)  # fmt: skip


@given(st.lists(WORDS, max_size=7))
def test_quick_parse_agrees_with_argparse(rest: list[str]) -> None:
    words = ["ls", *rest]
    quick = quick_args(words)
    if quick is None:
        return  # argparse decides
    full = build_parser().parse_args(words)
    assert vars(quick) == vars(full)


@given(st.lists(WORDS, max_size=7))
def test_quick_serve_agrees_with_argparse(rest: list[str]) -> None:
    words = ["serve", *rest]
    quick = quick_args(words)
    if quick is None:
        return
    full = build_parser().parse_args(words)
    assert vars(quick) == vars(full)


def test_the_plain_forms_are_read_quickly() -> None:
    args = quick_args(["ls", "--json", "--dir", "a", "--dir=b", "--state", "running"])
    assert args is not None and args.dir == ["a", "b"] and args.json and args.state == "running"
    for deferred in (["ls", "--js"], ["ls", "--dir"], ["ls", "--dir", "-x"], ["show", "x"], []):
        assert quick_args(deferred) is None
    args = quick_args(["ls", "--json", "--host", "devbox", "--host=ci-1"])
    assert args is not None and args.host == ["devbox", "ci-1"]
    # What the client starts on every host (PROTOCOL.md), read without argparse there.
    args = quick_args(["serve", "--stdio", "--dir", "a b", "--format", "claude"])
    assert args is not None and args.stdio and args.dir == ["a b"] and args.format == "claude"
