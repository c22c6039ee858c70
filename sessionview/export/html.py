"""A session as one self-contained HTML page: no script, no request, light and dark.

Inline CSS only, and a Content-Security-Policy that forbids scripts and every
fetch, as a second wall behind the escaping: every string from the session goes
through `safe_text` then `html.escape(..., quote=True)`, so `<script>`,
`<img onerror=...>`, a `javascript:` link or a `</details>` in a chunk is text.
The only links are the page's own anchors (`#chunk-N`).

The page is written in one pass, chunk by chunk. The table of contents (one entry
per user turn) is only known at the end, so it is written after the transcript and
placed first on screen by CSS grid.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import BinaryIO

from sessionview.export import common
from sessionview.export.source import Transcript
from sessionview.render.redact import Redactor
from sessionview.store.model import Chunk

#: A table-of-contents entry shows this much of its user turn.
TOC_WIDTH = 80

CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

STYLE = """
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --panel: #f6f8fa; --border: #d1d9e0;
  --user: #0969da; --assistant: #1a7f37; --tool: #8250df; --system: #9a6700; --link: #0969da; }
@media (prefers-color-scheme: dark) { :root {
  --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --panel: #161b22; --border: #3d444d;
  --user: #4493f8; --assistant: #3fb950; --tool: #ab7df8; --system: #d29922; --link: #4493f8; } }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
a { color: var(--link); }
.page { display: grid; grid-template-columns: 17rem minmax(0, 1fr); gap: 0 2rem;
  max-width: 78rem; margin: 0 auto; padding: 1rem 1.5rem; }
main { grid-column: 2; grid-row: 1; min-width: 0; }
nav { grid-column: 1; grid-row: 1; position: sticky; top: 0; align-self: start;
  max-height: 100vh; overflow-y: auto; padding: 1rem 0; font-size: 13px; }
nav h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
nav ol { list-style: none; padding: 0; margin: 0; }
nav li { margin: 0 0 .35rem; overflow-wrap: anywhere; }
nav li a { text-decoration: none; }
nav li .n { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .3rem; }
@media (max-width: 60rem) { .page { grid-template-columns: minmax(0, 1fr); }
  nav { grid-column: 1; grid-row: 1; position: static; max-height: none; }
  main { grid-column: 1; grid-row: 2; } }
h1 { font-size: 1.5rem; margin: 1rem 0 .5rem; overflow-wrap: anywhere; }
table.facts { border-collapse: collapse; margin: 0 0 1.5rem; font-size: 13px; }
table.facts th { text-align: left; color: var(--muted); font-weight: normal; padding: .1rem 1rem .1rem 0;
  vertical-align: top; }
table.facts td { overflow-wrap: anywhere; }
article { border-left: 3px solid var(--border); padding: .1rem 0 .1rem 1rem; margin: 0 0 1.2rem; }
article.user { border-color: var(--user); }
article.assistant { border-color: var(--assistant); }
article.tool { border-color: var(--tool); }
article.system { border-color: var(--system); }
article h3 { font-size: 13px; margin: 0 0 .3rem; color: var(--muted); font-weight: 600; }
article h3 .role { text-transform: uppercase; letter-spacing: .05em; }
article.user h3 .role { color: var(--user); }
article.assistant h3 .role { color: var(--assistant); }
article.tool h3 .role { color: var(--tool); }
article.system h3 .role { color: var(--system); }
article h3 a { color: inherit; text-decoration: none; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 .5rem; }
details { background: var(--panel); border: 1px solid var(--border); border-radius: 6px;
  margin: 0 0 .5rem; }
summary { cursor: pointer; padding: .3rem .6rem; font-size: 13px; color: var(--muted); }
summary code { color: var(--fg); }
pre { margin: 0; padding: .5rem .7rem; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere;
  font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
  border-top: 1px solid var(--border); }
.placeholder { color: var(--muted); font-style: italic; }
"""


def _e(text: str) -> str:
    """Untrusted text as HTML text or an attribute value: terminal-safe, then escaped."""
    return html.escape(common.safe(text), quote=True)


def write_html(transcript: Transcript, out: BinaryIO, redactor: Redactor | None) -> int:
    """Write the whole page; returns the number of chunks written."""
    info = transcript.info

    def put(text: str) -> None:
        out.write(text.encode("utf-8", "backslashreplace"))

    title = _e(common.title_of(info, redactor))
    put(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<link rel="icon" href="data:,">\n'  # no favicon request either
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f'<div class="page">\n<main>\n<h1>{title}</h1>\n<table class="facts">\n'
    )
    for label, value in common.header_facts(info, redactor):
        put(f"<tr><th>{_e(label)}</th><td>{_e(value)}</td></tr>\n")
    put("</table>\n")
    toc: list[str] = []
    count = 0
    for chunk, line in transcript.entries:
        count += 1
        out.write(_chunk(chunk, *common.chunk_checks(redactor, line), toc))
    if count == 0:
        put('<p class="placeholder">(no chunks)</p>\n')
    put('</main>\n<nav aria-label="User turns">\n<h2>User turns</h2>\n<ol>\n')
    put("".join(toc) or '<li class="placeholder">none</li>\n')
    put("</ol>\n</nav>\n</div>\n</body>\n</html>\n")
    return count


def _body(text: str, escape: Callable[[str], str]) -> bytes:
    """A block's text as escaped HTML, in UTF-8: the bytes of
    `html.escape(escape(text), quote=True)`, escaped after encoding because a text with
    an emoji is 4 bytes a character as a `str` and ~1.3 as UTF-8, and five passes
    over it cost in proportion."""
    data = escape(text).encode("utf-8", "backslashreplace")
    return (
        data.replace(b"&", b"&amp;")
        .replace(b"<", b"&lt;")
        .replace(b">", b"&gt;")
        .replace(b'"', b"&quot;")
        .replace(b"'", b"&#x27;")
    )


def _chunk(
    chunk: Chunk, redactor: Redactor | None, escape: Callable[[str], str], toc: list[str]
) -> bytes:
    """One chunk's `<article>`, in UTF-8; `escape` makes its texts terminal-safe (`safe`,
    or nothing when the chunk's line holds nothing to escape)."""

    def _e(text: str) -> str:
        return html.escape(escape(text), quote=True)

    who = common.role(chunk)  # user, assistant, tool or system: nothing to escape
    index = int(chunk.index)
    found = common.chunk_blocks(chunk, redactor)
    # `when` and `size_note` write digits, letters, `-:,.` and spaces: nothing to escape.
    stamp = f" · {common.when(chunk.timestamp)}" if chunk.timestamp else ""
    parts: list[str | bytes] = [
        f'<article class="{who}" id="chunk-{index}">\n'
        f'<h3><a href="#chunk-{index}">#{index}</a> <span class="role">{who}</span>{stamp}</h3>\n'
    ]
    if who == "user":
        first = next((b.text for b in found if b.kind == "text" and b.text.strip()), "")
        label = common.one_line(first.strip(), TOC_WIDTH) or "(empty)"
        toc.append(
            f'<li><a href="#chunk-{index}"><span class="n">#{index}</span>'
            f"{html.escape(label, quote=True)}</a></li>\n"
        )
    for block in found:
        body = _body(block.text, escape)
        if block.kind == "text":
            parts += ['<div class="text">', body, "</div>\n"]
        elif block.kind == "tool_call":
            call = f" <small>{_e(block.call_id)}</small>" if block.call_id else ""
            parts += [
                f'<details class="tool-call" open><summary>tool call <code>{_e(block.tool_name or "?")}'
                f"</code>{call}</summary>\n<pre>",
                body,
                "</pre>\n</details>\n",
            ]
        elif block.kind == "tool_result":
            name = f" <code>{_e(block.tool_name)}</code>" if block.tool_name else ""
            opened = "" if common.is_long(block.text) else " open"
            parts += [
                f'<details class="tool-result"{opened}><summary>result{name} · '
                f"{common.size_note(block.text)}</summary>\n<pre>",
                body,
                "</pre>\n</details>\n",
            ]
        elif block.kind == "thinking":
            parts += [
                f'<details class="thinking"><summary>thinking · {common.size_note(block.text)}'
                "</summary>\n<pre>",
                body,
                "</pre>\n</details>\n",
            ]
        else:
            parts += ['<p class="placeholder">', body, "</p>\n"]
    parts.append("</article>\n")
    return b"".join(
        part if isinstance(part, bytes) else part.encode("utf-8", "backslashreplace")
        for part in parts
    )
