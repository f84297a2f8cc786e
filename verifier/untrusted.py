"""Text read from input (names, keys, paths, descriptions, waiver reasons), made safe for each output format.

Anything in a file that a pull request can change is untrusted: a service name can
hold an escape sequence that clears the terminal, a newline followed by
`::error file=...::`, which GitHub Actions reads as a workflow command, or
Markdown that closes a table and adds a heading or an image. Every report builds
its output through these functions, one per format, so that such text is shown,
never obeyed:

* `terminal`: control characters, newlines, bidi overrides and lone surrogates as
  visible escapes (`\\x1b`, `\\n`, `\\u202e`), and no workflow command at a line's start;
* `markdown_text` and `markdown_code`: the same, then Markdown syntax escaped;
* `html_in_markdown`: the same, then markup and Markdown syntax as numeric character references;
* `html_text`, `xml_text`: the same, then markup escaped (XML 1.0 forbids most
  control characters even as character references, so they are shown escaped);
* `uri`: a path percent-encoded as a URI reference (SARIF's artifact locations).
JSON needs nothing more than `json.dumps`, which escapes every control character.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import quote

# C0 and C1 controls (C1 holds CSI, U+009B, which some terminals obey like ESC [), DEL,
# the bidi marks, embeddings, overrides and isolates (text that reads differently than it is
# stored), the Unicode line and paragraph separators, lone surrogates (which no encoder
# writes) and the two non-characters XML forbids.
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}

# GitHub Actions reads `::command::` at the start of a line (after spaces) and `##[command]` anywhere.
_COMMAND_START = re.compile(r"^(\s*):(?=:)")
_OLD_COMMAND = "##["

# Markdown syntax anywhere in a line: escapes, code, emphasis, links and images, HTML and
# entities, table cells, strikethrough, issue references, math.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>!|#~&$])")
# What HTML inside Markdown writes as a character reference: markup, quotes and Markdown syntax.
_HTML_OR_MARKDOWN = re.compile(r"""[\\`*_\[\]<>!|#~&$"'(){}+=:-]""")
# ...and what only counts at the start of a line: list items, quotes, breaks, ordered lists.
_MARKDOWN_START = re.compile(r"^(\s*)([-+=]|\d+(?=[.)]))")


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def terminal(text: object) -> str:
    """`text` on one line, every character that is not plainly visible shown as an escape.

    Escaping is idempotent (the result holds nothing left to escape), so text that is
    already safe can pass through again, for example an error message inside a report.
    """
    shown = _HIDDEN.sub(_escape_one, str(text))
    shown = _COMMAND_START.sub(lambda m: m.group(1) + "\\x3a", shown)
    return shown.replace(_OLD_COMMAND, "##\\u005b")   # also a valid escape inside a JSON string


def terminal_lines(lines: Iterable[str]) -> str:
    """Lines joined for a terminal: each one made safe by `terminal`, so none can start another."""
    return "\n".join(terminal(line) for line in lines)


def markdown_text(text: object) -> str:
    """`text` as literal Markdown inline text: it can neither format, link, embed nor end a table cell."""
    shown = _MARKDOWN.sub(r"\\\1", terminal(text))
    return _MARKDOWN_START.sub(lambda m: m.group(1) + "\\" + m.group(2) if not m.group(2).isdigit()
                               else m.group(1) + m.group(2) + "\\", shown, count=1)


def markdown_code(text: object, in_table: bool = False) -> str:
    """`text` as a Markdown code span, fenced with more backticks than it holds in a row.

    In a GitHub table a pipe ends the cell even inside code, so there it is written `\\|`.
    """
    shown = terminal(text)
    if in_table:
        shown = shown.replace("|", "\\|")
    longest = max((len(run) for run in re.findall("`+", shown)), default=0)
    fence = "`" * (longest + 1)
    if shown.startswith(("`", " ")) or shown.endswith(("`", " ")):
        shown = f" {shown} "   # CommonMark strips one space each side, so a backtick cannot touch the fence
    return f"{fence}{shown}{fence}"


def markdown_block(text: str) -> str:
    """Plain text as a fenced Markdown code block, the fence longer than any run of backticks inside."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def html_text(text: object) -> str:
    """`text` for HTML content or a quoted attribute value."""
    return html.escape(terminal(text))


def html_in_markdown(text: object) -> str:
    """`text` for HTML inside Markdown (a `<summary>` line): markup and Markdown syntax as character references.

    GitHub reads such a line as raw HTML, other renderers as Markdown; a numeric reference such as
    `&#91;` shows its character in both and is syntax in neither.
    """
    return _HTML_OR_MARKDOWN.sub(lambda m: f"&#{ord(m.group())};", terminal(text))


def xml_text(text: object) -> str:
    """`text` for an XML 1.0 attribute or element (ElementTree then escapes the markup)."""
    return terminal(text)


def uri(path: object) -> str:
    """A relative path as a URI reference: spaces, `#`, `?`, `%` and controls percent-encoded."""
    return quote(str(path), safe="/", errors="surrogatepass")
