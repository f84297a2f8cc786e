"""The one family of errors rollproof raises for a user's mistake.

Every class also inherits the matching builtin, so a caller that only knows
Python's exceptions can still catch them. The CLI turns any of these into a
one-line message and exit code 2. An `InternalError`, or any other exception, is
a bug in rollproof: exit code 4, with the traceback under `--debug`.
"""

from __future__ import annotations

from verifier.untrusted import terminal


class RollproofError(Exception):
    """Base of every error rollproof reports to a user."""


class ModelError(RollproofError, ValueError):
    """A model file or command-line model that cannot be analysed as written."""

    def __init__(self, message: str, source: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line

    def __str__(self) -> str:
        where = self.source or "<command line>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        # The file name and the message echo what the file holds: shown escaped, on one line.
        return terminal(f"{where}: error: {self.message}")


class UsageError(RollproofError, ValueError):
    """A command line that does not say what to check."""

    def __str__(self) -> str:
        return terminal(f"rollproof: error: {self.args[0]}")


class InconclusiveError(Exception):
    """No answer within a budget (a solver timeout): neither a mistake nor a bug, exit code 3."""


class InternalError(Exception):
    """Two parts of rollproof disagree: a bug to report, never a user's mistake (exit code 4)."""


class ReplayError(InternalError, AssertionError):
    """A counterexample that the plain semantics does not reproduce.

    This is never a user's mistake: it means two parts of rollproof disagree,
    and the finding is withheld rather than reported unchecked.
    """
