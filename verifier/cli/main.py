"""The `rollproof` command line: parse, run one command, and turn how it ended into an exit code.

0 holds, 1 violated, 2 bad input or usage, 3 inconclusive, 4 internal error (docs/semantics.md#exit-codes).
An internal error is a bug in rollproof, never the user's: one line says so, with
the command that shows it again; `--debug` adds the traceback.
"""

from __future__ import annotations

import shlex
import sys
import traceback

from verifier.cli.output import warn
from verifier.cli.parser import build_parser
from verifier.errors import InconclusiveError, RollproofError
from verifier.results import ExitCode
from verifier.untrusted import terminal

INTERRUPTED = 130  # the shell's code for a program stopped by Ctrl-C (128 + SIGINT)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse: --help / --version exit 0, mistakes exit 2
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
            return ExitCode.BAD_INPUT
        return ExitCode.BAD_INPUT if stop.code else ExitCode.HOLDS
    if args.command is None:
        parser.print_help()
        return ExitCode.BAD_INPUT
    from verifier.cli.commands import COMMANDS
    try:
        return ExitCode(COMMANDS[args.command](args))
    except InconclusiveError as unknown:
        warn(f"rollproof: inconclusive: the solver gave no answer ({unknown}); try a longer --solver-timeout")
        return ExitCode.INCONCLUSIVE
    except RollproofError as error:
        warn(str(error))
        return ExitCode.BAD_INPUT
    except KeyboardInterrupt:
        print("rollproof: interrupted", file=sys.stderr)
        return INTERRUPTED
    except Exception as bug:
        return _internal_error(bug, argv, args.debug)


def _internal_error(bug: Exception, argv: list[str], debug: bool) -> ExitCode:
    if debug:
        traceback.print_exc()
    message = terminal(" ".join(str(bug).split()))  # one line, whatever the message holds
    again = shlex.join(["rollproof", *argv] + ([] if debug else ["--debug"]))
    print(f"rollproof: internal error, a bug in rollproof: {type(bug).__name__}: {message} "
          f"(to reproduce: {again})", file=sys.stderr)
    return ExitCode.INTERNAL_ERROR


if __name__ == "__main__":
    sys.exit(main())
