"""Writing a command's output to stdout and stderr, and what to do when the reader has gone.

Reports escape what they take from input (verifier.untrusted); `emit` and `warn`
pass every line through `terminal` once more, so that no line written to a CI log
can start a workflow command or send the terminal a control sequence. For JSON this
changes nothing but `##[`, written with a JSON escape.

`rollproof verify ... | head -1` closes the pipe early. The answer is still the
answer: the command goes on to return its verdict's exit code, and stdout points
at devnull so that nothing more (not even the flush at exit) raises, as Python's
documentation on SIGPIPE recommends.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from verifier.cli.colour import coloured
from verifier.errors import UsageError
from verifier.untrusted import terminal, terminal_lines


def emit(text: str, colour: bool = False) -> None:
    """Print `text` and a newline to stdout; a closed pipe ends the output, not the command.

    `colour`: verdict marks in colour (verifier.cli.colour), added after the text is made safe.
    """
    safe = terminal_lines(text.split("\n"))
    try:
        sys.stdout.write((coloured(safe) if colour else safe) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        silence_stdout()
    except OSError as error:  # a full disk, /dev/full: the user's output cannot be written (exit 2)
        silence_stdout()
        raise UsageError(f"cannot write the output: {error.strerror or error}") from None


def warn(text: str) -> None:
    """Print `text` and a newline to stderr, each line made safe like `emit`'s."""
    print(terminal_lines(text.split("\n")), file=sys.stderr)


def silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def progress_printer() -> Callable[[str], None] | None:
    """A function that shows one status line on a terminal; None when stderr is not one.

    Each line replaces the last (`\\r` and erase-line); `clear_progress` removes the last one.
    Nothing is written when stderr is piped or a file, so logs and JSON stay clean.
    """
    if not sys.stderr.isatty():
        return None

    def show(line: str) -> None:
        sys.stderr.write(f"\r\033[K{terminal(line)}")
        sys.stderr.flush()
    return show


def clear_progress(progress: Callable[[str], None] | None) -> None:
    """Erase the status line `progress_printer` left, if it made one."""
    if progress is not None:
        sys.stderr.write("\r\033[K")
        sys.stderr.flush()
