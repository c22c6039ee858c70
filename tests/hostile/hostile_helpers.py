"""Helpers for the hostile-input tests: run the CLI (in a subprocess or in process) and
measure what it costs."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPUS_DIR = REPO / "tests" / "corpus"

# What must never reach a terminal raw: C0 controls (but \n), DEL, C1, bidi controls,
# lone surrogates.
UNSAFE = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c"
    "\u2028\u2029\ud800-\udfff]"
)


def load_build():
    """`tests/corpus/build.py` as a module (it is not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("corpus_build", CORPUS_DIR / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("corpus_build", module)
    spec.loader.exec_module(module)
    return module


@dataclass
class Run:
    returncode: int
    stdout: bytes
    stderr: str
    maxrss_mb: float = 0.0

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8")


def sv(*args: str, timeout: float = 60, env: dict[str, str] | None = None) -> Run:
    """`python -m sessionview ARGS` in a subprocess."""
    result = subprocess.run(
        [sys.executable, "-m", "sessionview", *args],
        capture_output=True,
        timeout=timeout,
        env=env or os.environ.copy(),
    )
    return Run(result.returncode, result.stdout, result.stderr.decode("utf-8", "replace"))


_MEASURE = textwrap.dedent(
    """
    import resource, subprocess, sys
    out, err = open(sys.argv[1], "wb"), open(sys.argv[2], "wb")
    code = subprocess.call(sys.argv[3:], stdout=out, stderr=err)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(code, peak)
    """
)


def sv_measured(tmp: Path, *args: str, timeout: float = 120) -> Run:
    """Like `sv`, plus the peak RSS of the sessionview process.

    `RUSAGE_CHILDREN.ru_maxrss` is the largest RSS of any child ever reaped by the
    calling process, so a fresh wrapper process runs the command: its only child is
    the one measured.
    """
    out, err = tmp / "measured.out", tmp / "measured.err"
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(out), str(err), sys.executable, "-m", "sessionview"]
        + list(args),
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
    )
    code, peak_kb = result.stdout.split()
    return Run(
        int(code),
        out.read_bytes(),
        err.read_bytes().decode("utf-8", "replace"),
        int(peak_kb) / 1024,
    )


def sv_inproc(*args: str) -> Run:
    """`sessionview.cli.main(ARGS)` in this process, writing to a strict UTF-8 "terminal".

    Any exception escaping `main` fails the calling test with its traceback.
    """
    from sessionview.cli import main

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    err = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
        out.flush()
    return Run(code, raw.getvalue(), err.getvalue())


def one_line_error(run: Run) -> str:
    """The single stderr line of a failed command; asserts the contract."""
    assert run.returncode == 1, (run.returncode, run.stdout[:500], run.stderr[:2000])
    lines = [ln for ln in run.stderr.split("\n") if ln.strip()]
    assert len(lines) == 1, run.stderr[:2000]
    assert_clean_stderr(run)
    return lines[0]


def assert_clean_stderr(run: Run) -> None:
    assert "Traceback" not in run.stderr, run.stderr[:3000]
    assert "internal error" not in run.stderr, run.stderr[:3000]
    for ln in run.stderr.split("\n"):
        assert not UNSAFE.search(ln), repr(ln)
        assert not ln or ln.startswith(("sessionview:", "#")), repr(ln)


def assert_terminal_safe(text: str) -> None:
    """Plain output: nothing that could drive a terminal (\\n and \\t aside)."""
    bad = UNSAFE.search(text.replace("\t", " "))
    assert bad is None, repr(text[max(0, bad.start() - 80) : bad.end() + 80])


def parse_json(data: bytes):
    """JSON output parsed (orjson reads 1024 levels; the stdlib stops near 1000)."""
    import orjson

    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(20_000)
        try:
            return json.loads(data)
        finally:
            sys.setrecursionlimit(limit)


def json_name(name: str) -> str:
    """How a file name appears in `--json` output (non-UTF-8 bytes as `\\xff`)."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")
