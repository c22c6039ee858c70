"""The exported HTML of a hostile session in a real browser (headless Chromium):
no script runs and no request leaves the page.

The page is served by a local HTTP server that records every request; the hostile
chunks point their scripts, images, frames, styles and refreshes at that same
server, so anything the browser fetched or ran would show up there, or in the DOM
Chromium dumps after the page settled (a script would have set `document.title`)."""

from __future__ import annotations

import html.parser
import http.server
import io
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import chromium_path, run_chromium
from export_helpers import assistant, session_info, tool, user, write_session

from sessionview.export import write_export

pytestmark = pytest.mark.slow


class _Recorder(http.server.SimpleHTTPRequestHandler):
    paths: list[str]

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        self.paths.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, list[str], Path]]:
    """A server on 127.0.0.1 over `tmp_path/www`: its base URL and the paths requested."""
    www = tmp_path / "www"
    www.mkdir()
    paths: list[str] = []
    handler = type("Handler", (_Recorder,), {"paths": paths})
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: handler(*a, directory=str(www))
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", paths, www
    finally:
        httpd.shutdown()
        httpd.server_close()


def _hostile(base: str) -> list[str]:
    return [
        f"<script>document.title='PWNED';fetch('{base}/fetch')</script>",
        f'<script src="{base}/script.js"></script>',
        f'<img src="{base}/img.png" onerror="document.title=\'PWNED\'">',
        "<img src=x onerror=\"document.title='PWNED'\">",
        f'<a href="javascript:document.title=\'PWNED\'">click</a> <a href="{base}/a">a</a>',
        f"</pre></details></article><script>document.title='PWNED'</script><img src={base}/x>",
        f'"><svg onload="document.title=\'PWNED\'"><image href="{base}/svg.png"/></svg>',
        f"<style>body{{background:url({base}/css.png)}}</style>",
        f'<link rel="stylesheet" href="{base}/link.css"><link rel="prefetch" href="{base}/pf">',
        f'<iframe src="{base}/frame"></iframe><object data="{base}/obj"></object>',
        f'<meta http-equiv="refresh" content="0;url={base}/refresh">',
        f'<base href="{base}/base/"><form action="{base}/form"><input autofocus onfocus="document.title=\'PWNED\'"></form>',
    ]


def _session(tmp_path: Path, base: str):
    chunks = []
    for i, text in enumerate(_hostile(base)):
        chunks += [
            user(text),
            assistant(text, (f"c{i}", text, {"html": text})),
            tool(f"c{i}", text, text),
        ]
    sid = write_session(tmp_path / "sessions", [user("hostile session"), *chunks])
    return session_info(tmp_path / "sessions", sid)


class _Dom(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.title: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append(tag)
        self._in_title = tag == "title"

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self._in_title = False

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        if self._in_title:
            self.title.append(data)


@pytest.fixture(autouse=True)
def _needs_chromium() -> None:
    if chromium_path() is None:
        pytest.skip("chromium is not installed and .ci/run could not install it")


def test_hostile_html_runs_no_script_and_requests_nothing(tmp_path: Path, server) -> None:
    base, paths, www = server
    info = _session(tmp_path, base)
    out = io.BytesIO()
    write_export(info, "html", out)
    (www / "page.html").write_bytes(out.getvalue())

    result = run_chromium("--virtual-time-budget=3000", "--dump-dom", f"{base}/page.html")
    assert result.returncode == 0, result.stderr[-2000:]
    dom = _Dom()
    dom.feed(result.stdout)
    assert "".join(dom.title) == "hostile session"  # no script changed it
    assert "PWNED" not in "".join(dom.title)
    for tag in ("script", "img", "iframe", "object", "svg", "form", "input", "base"):
        assert tag not in dom.tags, f"a <{tag}> element was built"
    assert dom.tags.count("article") == 1 + 3 * len(_hostile(base))
    assert "&lt;script&gt;document.title='PWNED'" in result.stdout  # shown as text
    assert paths == ["/page.html"], f"the page made requests: {paths}"


def test_a_normal_export_renders_in_chromium(tmp_path: Path) -> None:
    from browser import screenshot

    sid = write_session(
        tmp_path / "s",
        [user("Fix the failing test"), assistant("Looking.", ("c1", "bash", {"cmd": "pytest"}))],
    )
    out = io.BytesIO()
    write_export(session_info(tmp_path / "s", sid), "html", out)
    page = tmp_path / "page.html"
    page.write_bytes(out.getvalue())
    png = tmp_path / "shot.png"
    screenshot(page, png, (800, 600))
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
