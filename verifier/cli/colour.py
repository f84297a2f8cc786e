"""Colour for the verdict marks of text output, and when to use it.

`--color auto` (the default) colours only when stdout is a terminal and NO_COLOR is
unset or empty (https://no-color.org) and TERM is not `dumb`; `always` colours even
when piped or under NO_COLOR (an explicit flag beats the environment, as in git and
ls); `never` does not colour. Plain ANSI SGR codes: every terminal rollproof runs in
reads them, and a library would add a dependency for four colours.

Colour is added after the text has been made safe (`verifier.untrusted.terminal`), and
only around fixed words and marks, so input can neither add a code nor remove one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TextIO

CHOICES = ("auto", "always", "never")
_RESET = "\033[0m"
_GREEN, _RED, _YELLOW = "\033[32m", "\033[1;31m", "\033[33m"

# The mark that opens a finding's line, and the verdict words of summaries, tables and diffs.
_PATTERNS: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (re.compile(r"^(\s*)([✓✗?])(?= )", re.MULTILINE), {"✓": _GREEN, "✗": _RED, "?": _YELLOW}),
    (re.compile(r"()\b(PROVED|VIOLATED|INCONCLUSIVE)\b"),
     {"PROVED": _GREEN, "VIOLATED": _RED, "INCONCLUSIVE": _YELLOW}),
    # The gate table's verdict column and a diff line's verdict: after two spaces, before two or the end.
    (re.compile(r"(?<=  )()(proved|violated|inconclusive|safer|less safe)(?=  |$)", re.MULTILINE),
     {"proved": _GREEN, "violated": _RED, "inconclusive": _YELLOW, "safer": _GREEN, "less safe": _RED}),
)


def colour_wanted(choice: str, stream: TextIO) -> bool:
    """Whether to colour what goes to `stream` under `--color choice`."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except ValueError:  # a closed stream
        return False


def coloured(text: str) -> str:
    """`text` (already made safe) with its verdict marks and words in colour."""
    for pattern, colours in _PATTERNS:
        text = pattern.sub(_painter(colours), text)
    return text


def _painter(colours: dict[str, str]) -> Callable[[re.Match[str]], str]:
    def paint(match: re.Match[str]) -> str:
        lead, word = match.group(1), match.group(2)
        return f"{lead}{colours[word]}{word}{_RESET}"
    return paint
