"""The export writers on real session files: Markdown, HTML and JSON, redaction,
streaming, and no half-written file under the target name."""

from __future__ import annotations

import html.parser
import io
import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from export_helpers import (
    HOSTILE,
    assistant,
    hostile_chunks,
    session_info,
    tool,
    user,
    write_session,
)

from sessionview.export import ExportError, export_session, file_name, write_export
from sessionview.export.source import open_transcript
from sessionview.store.errors import PersistenceError
from sessionview.store.formats import get_adapter

AWS = "AKIAIOSFODNN7EXAMPLE"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
FIXTURES = Path(__file__).parent.parent / "fixtures"


def _export(info, fmt: str, *, redact: bool = True) -> tuple[str, dict[str, int]]:
    out = io.BytesIO()
    result = write_export(info, fmt, out, redact=redact)
    return out.getvalue().decode("utf-8"), result.redacted


@pytest.fixture
def secret_session(tmp_path: Path):
    sessions = tmp_path / "sessions"
    sid = write_session(
        sessions,
        [
            user(f"deploy with AWS key {AWS} please"),
            assistant("Sure.", ("call_1", "bash", {"cmd": f"GH_TOKEN={GITHUB} gh pr list"})),
            tool("call_1", "bash", '{"password": "hunter22", "ok": true}'),
        ],
        usage={"prompt_tokens": 120, "completion_tokens": 45, "total_tokens": 165},
    )
    return session_info(sessions, sid)


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_secrets_are_redacted_in_every_format_and_counted(secret_session, fmt: str) -> None:
    text, counts = _export(secret_session, fmt)
    assert AWS not in text and GITHUB not in text and "hunter22" not in text
    assert "[REDACTED:aws_access_key]" in text and "[REDACTED:github_token]" in text
    assert counts == {"aws_access_key": 1, "github_token": 1, "password": 1}


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_no_redact_keeps_every_secret(secret_session, fmt: str) -> None:
    text, counts = _export(secret_session, fmt, redact=False)
    assert AWS in text and GITHUB in text and "hunter22" in text
    assert counts == {}


def test_markdown_has_the_header_roles_and_fenced_tool_calls(secret_session) -> None:
    text, _ = _export(secret_session, "md", redact=False)
    assert text.startswith(f"# deploy with AWS key {AWS} please\n")
    for fact in ("| agent | openrath |", "| state | closed", "| usage | prompt\\_tokens 120"):
        assert fact in text
    assert "### 0 · user" in text and "### 1 · assistant" in text and "### 2 · tool" in text
    assert '<a id="chunk-1"></a>' in text
    assert '**→ tool call `bash`** `call_1`\n\n```json\n{\n  "cmd":' in text


def test_markdown_fences_outgrow_backticks_and_long_results_fold(tmp_path: Path) -> None:
    long_output = "\n".join(f"line {i} ```` ``" for i in range(100))
    sid = write_session(
        tmp_path / "s",
        [
            user("see ```` this"),
            assistant(None, ("c1", "weird`name", {"code": "```python\nx = 1\n```"})),
            assistant(None, ("c2", "evil\n# heading", {})),
            tool("c1", "bash", long_output),
            assistant("```python\nnever closed\n<details>"),
            user("<details><summary>x</summary>\nafter"),
        ],
    )
    text, _ = _export(session_info(tmp_path / "s", sid), "md")
    assert "**→ tool call ``weird`name``**" in text
    assert "**→ tool call `evil\\x0a# heading`**" in text  # one line, not a heading
    assert '````json\n{\n  "code": "```python' in text  # 3 backticks inside: a fence of 4
    assert "<details><summary>result 100 lines" in text
    assert "`````text\nline 0 ```` ``" in text  # 4 backticks inside: a fence of 5
    assert "```python\nnever closed\n<details>\n```\n" in text  # the open fence is closed
    assert "\\<details><summary>x</summary>\nafter" in text  # not a raw HTML block


class _Elements(html.parser.HTMLParser):
    """Every element and attribute the browser would build."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.depth: dict[str, int] = {}
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        self.tags.append((tag, dict(attrs)))
        self.depth[tag] = self.depth.get(tag, 0) + 1

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        self.depth[tag] = self.depth.get(tag, 0) - 1

    def handle_data(self, data):  # type: ignore[no-untyped-def]
        self.text.append(data)


def test_html_shows_hostile_chunks_as_text(tmp_path: Path) -> None:
    sid = write_session(tmp_path / "s", hostile_chunks())
    page, _ = _export(session_info(tmp_path / "s", sid), "html")
    parsed = _Elements()
    parsed.feed(page)
    tags = [tag for tag, _ in parsed.tags]
    assert "script" not in tags and "img" not in tags and "iframe" not in tags
    assert [a for t, a in parsed.tags if t == "link"] == [{"rel": "icon", "href": "data:,"}]
    assert "svg" not in tags
    assert tags.count("style") == 1 and tags.count("meta") == 4
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        if "href" in attrs and tag != "link":
            assert re.fullmatch(r"#chunk-\d+", attrs["href"] or ""), attrs
        assert "src" not in attrs
    for tag in ("details", "pre", "article", "div", "main", "nav"):
        assert parsed.depth.get(tag, 0) == 0, f"unbalanced <{tag}>"
    text = "".join(parsed.text)
    for hostile in HOSTILE[:-1]:
        assert hostile in text  # shown literally
    assert "\\e]0;evil title\\x07\\e[2J\\u202e bidi" in text  # controls made visible
    csp = next(a for t, a in parsed.tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in (csp["content"] or "")


def test_html_has_a_table_of_contents_by_user_turn_and_anchors(secret_session) -> None:
    page, _ = _export(secret_session, "html")
    assert 'id="chunk-0"' in page and 'id="chunk-2"' in page
    nav = page[page.index("<nav") :]
    assert 'href="#chunk-0"' in nav and 'href="#chunk-1"' not in nav  # user turns only
    assert "prefers-color-scheme: dark" in page
    assert "http" not in page.replace("http-equiv", "")  # nothing to fetch


def test_json_is_show_json_and_with_redaction_still_parses(secret_session) -> None:
    text, _ = _export(secret_session, "json")
    doc = json.loads(text)
    assert list(doc) == ["id", "format", "state", "header", "chunks", "usage"]
    assert (
        doc["chunks"][2]["payload"]["content"] == '{"password": "[REDACTED:password]", "ok": true}'
    )


def _fixture_sessions() -> list[tuple[str, Path]]:
    """(format, a --dir) holding one real file of each agent."""
    return [
        ("openrath", FIXTURES / "openrath"),
        ("claude", FIXTURES / "claude" / "projects" / "-home-alice-src-app"),
        ("codex", FIXTURES / "codex" / "sessions" / "2026" / "03" / "02"),
        ("nanobot", FIXTURES / "nanobot" / "v0.2-workspace" / "sessions"),
        ("snapshot", FIXTURES / "snapshot" / "workspace" / ".sessions"),
    ]


@pytest.mark.parametrize(("fmt_name", "directory"), _fixture_sessions())
def test_every_agent_exports_and_json_matches_show_json(
    fmt_name: str, directory: Path, tmp_path: Path, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    from sessionview.cli import main
    from sessionview.store.index import SessionIndex
    from sessionview.store.roots import resolve_roots

    copy = tmp_path / "d"
    shutil.copytree(directory, copy)
    index = SessionIndex(resolve_roots([copy]))
    infos = [s for s in index.scan() if s.format == fmt_name and s.state.value != "corrupt"]
    assert infos, f"no {fmt_name} session in {directory}"
    for info in infos:
        for fmt in ("md", "html"):
            page, _ = _export(info, fmt)
            assert f"{info.format}" in page
        assert main(["show", "--dir", str(copy), info.id, "--json"]) == 0
        shown = capsysbinary.readouterr().out
        exported, _ = _export(info, "json", redact=False)
        assert exported.encode() == shown, info.id


def test_openrath_is_read_as_a_stream_with_the_loader_semantics(openrath_dir: Path) -> None:
    from sessionview.store.index import SessionIndex
    from sessionview.store.roots import resolve_roots

    index = SessionIndex(resolve_roots([openrath_dir]))
    for info in index.scan():
        if info.format != "openrath" or info.state.value == "corrupt":
            continue
        transcript = open_transcript(info)
        assert list(transcript.chunks) == get_adapter("openrath").load_chunks(Path(info.path))


def test_a_bad_line_midway_fails_the_export_and_leaves_no_file(tmp_path: Path) -> None:
    sid = write_session(tmp_path / "s", [user("one"), user("two"), user("three")])
    path = tmp_path / "s" / f"{sid}.jsonl"
    info = session_info(tmp_path / "s", sid)
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = "{not json\n"
    path.write_text("".join(lines))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(PersistenceError, match=":3: invalid JSON"):
        export_session(info, "html", out / "x.html")
    assert os.listdir(out) == []


def test_an_existing_file_is_refused_without_force_and_replaced_with_it(
    secret_session, tmp_path: Path
) -> None:
    target = tmp_path / "out.md"
    target.write_text("mine")
    with pytest.raises(ExportError, match="already exists"):
        export_session(secret_session, "md", target)
    assert target.read_text() == "mine"
    os.chmod(target, 0o640)
    result = export_session(secret_session, "md", target, force=True)
    assert result.path == str(target) and result.chunks == 3
    assert target.read_text().startswith("# deploy")
    assert os.stat(target).st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ["home", "out.md", "sessions"]


def test_a_directory_target_gets_a_safe_name_from_title_and_short_id(tmp_path: Path) -> None:
    sid = write_session(tmp_path / "s", [user("Fix ../../etc/passwd & the \u00e9l\u00e8ve's bug!")])
    info = session_info(tmp_path / "s", sid)
    result = export_session(info, "html", tmp_path)
    assert Path(result.path).name == f"fix-etc-passwd-the-eleve-s-bug-{sid[:8]}.html"
    assert file_name(info, "json").endswith(f"-{sid[:8]}.json")


def test_a_title_holding_a_secret_does_not_name_the_file(tmp_path: Path) -> None:
    sid = write_session(tmp_path / "s", [user(f"{AWS}")])
    info = session_info(tmp_path / "s", sid)
    assert AWS.lower() not in file_name(info, "md")
    assert AWS.lower() in file_name(info, "md", redact=False)


def test_an_unwritable_directory_is_one_clear_error(secret_session, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no such directory"):
        export_session(secret_session, "md", tmp_path / "missing" / "x.md")


def _can_mount_tmpfs(where: Path) -> str | None:
    """None when a tiny tmpfs can be mounted here, else why not."""
    if os.geteuid() != 0:
        return "mounting a tmpfs needs root"
    where.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        return f"mount -t tmpfs is not permitted here: {result.stderr.strip()}"
    return None


def test_a_full_disk_midway_leaves_no_half_written_file(tmp_path: Path) -> None:
    sid = write_session(tmp_path / "s", [user("x" * 40_000) for _ in range(10)])
    info = session_info(tmp_path / "s", sid)
    disk = tmp_path / "tiny"
    reason = _can_mount_tmpfs(disk)
    if reason:
        pytest.skip(reason)
    try:
        (disk / "old.md").write_text("previous export")
        with pytest.raises(ExportError, match="No space left on device"):
            export_session(info, "md", disk / "new.md")
        with pytest.raises(ExportError, match="No space left on device"):
            export_session(info, "md", disk / "old.md", force=True)
        assert os.listdir(disk) == ["old.md"]
        assert (disk / "old.md").read_text() == "previous export"
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def test_an_empty_session_exports(tmp_path: Path) -> None:
    sid = write_session(tmp_path / "s", [], closed=False)
    info = session_info(tmp_path / "s", sid)
    for fmt in ("md", "html", "json"):
        text, _ = _export(info, fmt)
        assert text
    assert json.loads(_export(info, "json")[0])["chunks"] == []
    assert uuid.UUID(sid)


def test_the_fast_safe_path_escapes_exactly_what_safe_text_does() -> None:
    from sessionview.export.common import safe
    from sessionview.render.safe import UNSAFE, safe_text

    for code in sorted(UNSAFE) + [0x41, 0x4E2D, 0x1F600]:
        text = f"a{chr(code)}b\u4e2d"
        assert safe(text) == safe_text(text), hex(code)


def test_a_chunk_whose_line_holds_no_trigger_is_not_redacted_and_one_that_does_is(
    tmp_path: Path,
) -> None:
    from sessionview.render.redact import may_hold_secrets

    assert not may_hold_secrets(b'{"content": "plain words, \\u4e2d, code = 1"}')
    for raw in (
        b'{"content": "AKIAIOSFODNN7EXAMPLE"}',
        b'{"content": "x PASSWORD=y"}',
        b'{"content": "https:\\/\\/u:p@h"}',
        b'{"content": "\\u0073k-abc"}',
    ):
        assert may_hold_secrets(raw), raw


def test_export_and_redact_import_neither_textual_nor_rich() -> None:
    import sys

    check = (
        "import sys, sessionview.export, sessionview.export.markdown, sessionview.export.html, "
        "sessionview.export.json, sessionview.render.redact, sessionview.cli.export\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == ""
