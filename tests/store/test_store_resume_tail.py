"""Issue 13.7: a failed resume command's error output is kept for the app to show."""

from __future__ import annotations

from pathlib import Path

from sessionview.store.actions import STDERR_TAIL, run_resume
from sessionview.store.resume import ResumePlan


def test_stderr_tail_keeps_the_last_lines_and_the_status(tmp_path: Path) -> None:
    command = "for i in $(seq 1 20); do echo line $i >&2; done; echo out; exit 3"
    tail: list[str] = []
    status = run_resume(ResumePlan(command=command, cwd=str(tmp_path)), stderr_tail=tail)
    assert status == 3
    assert tail == [f"line {i}" for i in range(21 - STDERR_TAIL, 21)]


def test_a_missing_program_says_so(tmp_path: Path) -> None:
    tail: list[str] = []
    plan = ResumePlan(command="no-such-agent-program --resume x", cwd=str(tmp_path))
    assert run_resume(plan, stderr_tail=tail) == 127
    assert any("not found" in line for line in tail), tail
