"""The shape of a construct call in CDK source: its arguments and the properties they write, with their offsets.

Nothing here evaluates code. The text is first masked (`masked`): comments become
spaces and the inside of every string literal becomes `_`, offsets and newlines
kept, so that a brace, comma or parenthesis inside a string or comment never
counts. Brackets are then matched on the masked text, within MAX_CALL_CHARS
(a construct call longer than that is not a literal worth reading), and each
value is read back from the original text at the same offsets.

Languages, by file ending: TypeScript and JavaScript (`//`, `/* */`, '', "", ``),
Python (`#`, '', "", triple quotes), Java and C# (`//`, `/* */`, "", '', C#'s
@"" with "" inside), Go (`//`, `/* */`, "", '', raw ``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

MAX_CALL_CHARS = 20_000
_OPEN, _CLOSE = "([{", ")]}"
LANGUAGES = {".ts": "js", ".js": "js", ".py": "py", ".java": "java", ".cs": "cs", ".go": "go"}


@dataclass(frozen=True, slots=True)
class Span:
    """Text between two offsets of the original source (start inclusive, end exclusive)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Written:
    """One property of a construct call: its name as written and where its value is."""

    name: str
    value: Span


def masked(text: str, language: str) -> str:
    """`text` with comments blanked and string contents replaced by `_`, offsets and newlines unchanged."""
    out = list(text)
    line_comment = "#" if language == "py" else "//"
    quotes = {"js": "'\"`", "py": "'\"", "java": "'\"", "cs": "'\"", "go": "'\"`"}[language]
    index, size = 0, len(text)
    while index < size:
        char = text[index]
        if text.startswith(line_comment, index):
            end = text.find("\n", index)
            end = size if end < 0 else end
            _blank(out, index, end, " ")
            index = end
        elif language != "py" and text.startswith("/*", index):
            end = text.find("*/", index + 2)
            end = size if end < 0 else end + 2
            _blank(out, index, end, " ")
            index = end
        elif char in quotes:
            end = _string_end(text, index, language)
            _blank(out, index + 1, max(index + 1, end - 1), "_")
            index = end
        else:
            index += 1
    return "".join(out)


def _blank(out: list[str], start: int, end: int, filler: str) -> None:
    for at in range(start, end):
        if out[at] != "\n":
            out[at] = filler


def _string_end(text: str, start: int, language: str) -> int:
    """The offset just after the string literal opening at `start` (the end of the text if it never closes)."""
    quote = text[start]
    if language == "py" and text.startswith(quote * 3, start):
        end = start + 3
        while end < len(text):
            if text[end] == "\\":
                end += 2
            elif text.startswith(quote * 3, end):
                return end + 3
            else:
                end += 1
        return len(text)
    raw = (language == "go" and quote == "`") or (language == "cs" and start > 0 and text[start - 1] == "@")
    multiline = quote == "`"
    end = start + 1
    while end < len(text):
        char = text[end]
        if char == "\\" and not raw:
            end += 2
            continue
        if char == quote:
            if language == "cs" and raw and text.startswith(quote * 2, end):
                end += 2  # "" inside a verbatim string
                continue
            return end + 1
        if char == "\n" and not multiline and not raw:
            return end  # an unterminated literal ends at its line
        end += 1
    return len(text)


def closing(mask: str, open_at: int) -> int | None:
    """The offset of the bracket that closes the one at `open_at`, or None within MAX_CALL_CHARS."""
    depth = 0
    for index in range(open_at, min(len(mask), open_at + MAX_CALL_CHARS)):
        char = mask[index]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth == 0:
                return index
    return None


def _top_level(mask: str, span: Span) -> Iterator[int]:
    """The offsets in `span` outside every bracket opened within it (the brackets themselves left out)."""
    depth = 0
    for index in range(span.start, span.end):
        char = mask[index]
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif depth == 0:
            yield index


def split_top(mask: str, span: Span, separator: str = ",") -> list[Span]:
    """The parts of `span` between separators outside any bracket, each trimmed of whitespace; empty parts dropped."""
    parts: list[Span] = []
    start = span.start
    for index in _top_level(mask, span):
        if mask[index] == separator:
            parts.append(Span(start, index))
            start = index + 1
    parts.append(Span(start, span.end))
    return [trimmed for part in parts if (trimmed := trim(mask, part)).end > trimmed.start]


def trim(mask: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and mask[start].isspace():
        start += 1
    while end > start and mask[end - 1].isspace():
        end -= 1
    return Span(start, end)


def _key_value(mask: str, text: str, part: Span, separator: str) -> Written | None:
    """`key: value` (or `key = value`) at the top level of `part`; a bare name is `name: name` (shorthand)."""
    for index in _top_level(mask, part):
        if mask[index] == separator and (separator != "=" or mask[index + 1:index + 2] != "="):
            key = text[part.start:index].strip().strip("'\"")
            return Written(key, trim(mask, Span(index + 1, part.end)))
    bare = text[part.start:part.end]
    return Written(bare, part) if re.fullmatch(r"[A-Za-z_$][\w$]*", bare) else None


SPREAD = "..."  # the name given to a spread (`...props`, `**kwargs`): any property may come from it


def entries(mask: str, text: str, inside: Span, separator: str) -> list[Written]:
    """The properties of an object literal, initializer or keyword-argument list, in order."""
    found = []
    for part in split_top(mask, inside):
        written = text[part.start:part.end]
        if written.startswith(("...", "**")):
            found.append(Written(SPREAD, part))
            continue
        pair = _key_value(mask, text, part, separator)
        if pair is not None:
            found.append(pair)
    return found


_CHAIN_LINK = re.compile(r"\s*\.\s*([A-Za-z_]\w*)\s*\(")


def chain(mask: str, text: str, start: int, limit: int) -> tuple[list[Written], int]:
    """Java builder calls `.name(value)` from `start` up to `.build()`, and the offset after the chain."""
    found: list[Written] = []
    index = start
    while index < limit:
        link = _CHAIN_LINK.match(mask, index)
        if link is None:
            break
        open_at = link.end() - 1
        close = closing(mask, open_at)
        if close is None or close >= limit:
            break
        if link.group(1) != "build":
            found.append(Written(text[link.start(1):link.end(1)], trim(mask, Span(open_at + 1, close))))
        index = close + 1
    return found, index


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
