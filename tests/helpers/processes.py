"""Ending the writer processes tests start: ask them to exit, wait, close their pipes."""

from __future__ import annotations

import subprocess


def stop_holder(proc: subprocess.Popen[str], *, timeout: float) -> None:
    """Tell a writer that holds its lock (`exit` on stdin) to finish, then reap it."""
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    if proc.poll() is None:
        try:
            proc.stdin.write("exit\n")
            proc.stdin.flush()
        except BrokenPipeError:
            pass
    try:
        proc.wait(timeout=timeout)
    finally:
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
