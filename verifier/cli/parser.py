"""The `rollproof` argument parser: commands, flags and their checks (docs/semantics.md#exit-codes).

It imports nothing heavy: `rollproof --help` and `--version` must not load Z3,
networkx or the infrastructure readers, so the defaults come from verifier.defaults.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from verifier import __version__
from verifier.defaults import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_STATES, DEFAULT_TIMEOUT_MS, ENGINES, MAX_TIMEOUT_MS

DESCRIPTION = """\
Check an Amazon ECS rolling deployment before you ship it: will it finish or get
stuck, how low does healthy capacity dip, does it fit the cluster, how long does
it take. Give a model file (see models/ for examples) or the numbers as flags.

exit codes: 0 every property holds, 1 a property is violated,
            2 bad input or usage, 3 inconclusive (a search budget was hit),
            4 internal error (a bug in rollproof; --debug shows the traceback)
"""

EXAMPLES = """\
examples:
  rollproof verify models/min50-room8.yaml
  rollproof verify --desired 6 --min-healthy-percent 50 --max-percent 200 --capacity 8
  rollproof verify models/*.yaml --format json > results.json
  rollproof verify --check-labels models/*.yaml
  rollproof verify models/min50-room8.yaml --what-if broken
  rollproof verify --desired-range 1..5000 --min-healthy-percent 50 --max-percent 150
  rollproof suggest models/both100.yaml
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # exit 2 with one line, as for any bad input
        self.print_usage(sys.stderr)
        raise SystemExit(f"rollproof: error: {message}")


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{value} must not be negative")
    return value


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _desired_range(text: str) -> tuple[int, int]:
    low, dots, high = text.partition("..")
    try:
        bounds = int(low), int(high)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range such as 1..5000") from None
    if not dots or bounds[0] < 0 or bounds[0] > bounds[1]:
        raise argparse.ArgumentTypeError(f"{text!r} is not a range such as 1..5000 (lowest first, not negative)")
    return bounds


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="rollproof", description=DESCRIPTION, epilog=EXAMPLES,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"rollproof {__version__}")
    _debug_argument(parser, False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    verify_cmd = commands.add_parser(
        "verify", help="check deployment models and print verdicts",
        description="Check each model: every property with a verdict, a shortest counterexample "
                    "for each violation, and the schedules.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _model_arguments(verify_cmd)
    verify_cmd.add_argument("--format", choices=("text", "json"), default="text",
                            help="text for people (default), json for programs "
                                 "(schema rollproof/result/v2, or rollproof/range/v2 for a range)")
    verify_cmd.add_argument("--max-states", type=_positive, default=DEFAULT_MAX_STATES, metavar="N",
                            help=f"state budget per search; past it the answer is inconclusive "
                                 f"(default {DEFAULT_MAX_STATES:,})")
    verify_cmd.add_argument("--max-memory-mb", type=_positive, default=DEFAULT_MAX_MEMORY_MB, metavar="MB",
                            help=f"memory an explicit search may hold; past it the answer is inconclusive "
                                 f"(default {DEFAULT_MAX_MEMORY_MB:,})")
    verify_cmd.add_argument("--engine", choices=ENGINES, default="auto",
                            help="explicit: search every state (exact, small services); smt: Z3 proofs "
                                 "(any size); auto (default): explicit when the states surely fit the budget")
    _timeout_argument(verify_cmd)
    _text_arguments(verify_cmd, quiet="print only the summary line, and what fails under it")
    verify_cmd.add_argument("--what-if", choices=("broken", "failsToStart"), metavar="RELEASE",
                            help="also check each model under a bad release: broken (every new task fails its "
                                 "health checks) or failsToStart; prints both answers, exits with the worse")
    verify_cmd.add_argument("--check-labels", action="store_true",
                            help="compare each model's verdict with its expect: label; "
                                 "exit 0 when all match, 1 otherwise")
    suggest_cmd = commands.add_parser(
        "suggest", help="find the smallest settings change that makes every property hold",
        description="Find, with Z3 Optimize, the smallest change to minimumHealthyPercent and "
                    "maximumPercent (and, as an alternative, to the capacity) that makes every property "
                    "and requirement hold over the whole desired range; verify it before printing it. "
                    "Exit 0 when a verified change is printed (or none is needed), 1 when none was found.")
    _model_arguments(suggest_cmd)
    suggest_cmd.add_argument("--format", choices=("text", "json", "html"), default="text",
                             help="text (default), json (schema rollproof/suggestion/v2), or html (a page: "
                                  "ECS's run before and after each change, side by side)")
    _timeout_argument(suggest_cmd)
    _text_arguments(suggest_cmd)
    gate_cmd = commands.add_parser(
        "gate", help="verify every ECS service in CloudFormation templates and ECS JSON files",
        description="Find every AWS::ECS::Service (CloudFormation YAML or JSON) and every ECS service in "
                    "CreateService / UpdateService input or describe-services output under the given files "
                    "and folders, verify each, and exit 0 (all hold), 1 (a violation), 2 (a file could not "
                    "be read) or 3 (inconclusive).")
    gate_cmd.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders to search")
    gate_cmd.add_argument("--format", choices=("text", "json", "sarif", "junit", "markdown", "html"), default="text",
                          help="text (default), json (rollproof/gate/v2), sarif (SARIF 2.1.0), junit (JUnit "
                               "XML), markdown (for a pull-request comment) or html (an index page of every "
                               "service, sortable; 'rollproof report' writes a page per service)")
    gate_cmd.add_argument("--output", type=Path, metavar="FILE", help="write the report here instead of stdout")
    gate_cmd.add_argument("--service", metavar="NAME",
                          help="check only the services with this name (the resource's logical id or its "
                               "service name); exit 2 when none has it")
    gate_cmd.add_argument("--policy", type=Path, metavar="FILE",
                          help="policy file (capacity, requirements, desired ranges, waivers, exclude); "
                               "default: rollproof.yaml in the current folder or a folder above it, up to "
                               "the repository root")
    _exclude_argument(gate_cmd)
    gate_cmd.add_argument("--verbose", action="store_true",
                          help="list the files that hold no ECS service and the files skipped, each with why")
    gate_cmd.add_argument("--base", metavar="GIT_REF",
                          help="also compare with the same paths at this git revision (see 'rollproof diff')")
    gate_cmd.add_argument("--fail-on-less-safe", action="store_true",
                          help="with --base: exit 1 when a service becomes less safe")
    gate_cmd.add_argument("--jobs", type=_positive, metavar="N",
                          help="check services in N processes (default: one per core; 1: in this process); "
                               "the report is the same whatever N is")
    gate_cmd.add_argument("--fail-on-unanalysed", action="store_true",
                          help="exit 1 when a service exists that rollproof does not analyse (DAEMON, "
                               "blue/green, external controllers); by default they are listed and pass")
    _timeout_argument(gate_cmd)
    _text_arguments(gate_cmd, quiet="print the summary line and only the services that fail or are inconclusive")
    report_cmd = commands.add_parser(
        "report", help="write an HTML page and a Markdown summary per model or service",
        description="For each model file, or each ECS service in infrastructure code, write a self-contained "
                    "HTML page (verdicts, counterexamples as tables and charts, ECS's timeline, the step "
                    "plan, a reproduce command) and a Markdown summary into DIR.")
    report_cmd.add_argument("paths", nargs="+", type=Path, metavar="MODEL_OR_PATH")
    report_cmd.add_argument("--output", type=Path, required=True, metavar="DIR", help="folder to write into")
    report_cmd.add_argument("--policy", type=Path, metavar="FILE", help="policy file, as for gate")
    _timeout_argument(report_cmd)
    _text_arguments(report_cmd)
    diff_cmd = commands.add_parser(
        "diff", help="compare the ECS services of two files or folders: safer, less safe, mixed, unchanged",
        description="Per service: what the change does to the lowest healthy count, the peak task count, "
                    "the deploy time and the stuck desired counts, and a verdict safer / less safe / mixed / "
                    "unchanged (added / removed for services on one side only).")
    diff_cmd.add_argument("old", type=Path, metavar="OLD", help="file or folder before the change")
    diff_cmd.add_argument("new", type=Path, metavar="NEW", help="file or folder after the change")
    diff_cmd.add_argument("--format", choices=("text", "json", "html"), default="text",
                          help="text (default), json (rollproof/diff/v2) or html (a page: each service's ECS "
                               "run after the change, the run before drawn over it)")
    diff_cmd.add_argument("--policy", type=Path, metavar="FILE", help="policy file, as for gate")
    _exclude_argument(diff_cmd)
    diff_cmd.add_argument("--fail-on-less-safe", action="store_true", help="exit 1 when a service becomes less safe")
    _timeout_argument(diff_cmd)
    _text_arguments(diff_cmd)
    return parser


def _text_arguments(command: argparse.ArgumentParser, quiet: str | None = None) -> None:
    """--color for every command that prints text, and --quiet where there is something to leave out."""
    command.add_argument("--color", "--colour", choices=("auto", "always", "never"), default="auto",
                         help="colour the verdict marks: auto (default) when stdout is a terminal and NO_COLOR is "
                              "not set, always (even piped or under NO_COLOR), never")
    if quiet is not None:
        command.add_argument("--quiet", "-q", action="store_true", help=quiet)


def _exclude_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                         help="leave out the paths this .gitignore-style pattern matches (relative to the folder "
                              "searched or the current folder); repeat for more. .gitignore'd files and .git, "
                              ".venv, node_modules and .terraform are always left out")


def _timeout_seconds(text: str) -> int:
    seconds = _positive(text)
    if seconds * 1000 > MAX_TIMEOUT_MS:  # Z3 would wrap it round to a short timeout without a word
        raise argparse.ArgumentTypeError(f"{seconds} is longer than Z3 accepts (at most "
                                         f"{MAX_TIMEOUT_MS // 1000} seconds)")
    return seconds


def _timeout_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("--solver-timeout", type=_timeout_seconds, default=DEFAULT_TIMEOUT_MS // 1000,
                         metavar="S", help="seconds per Z3 query before the answer is inconclusive (default "
                                           f"{DEFAULT_TIMEOUT_MS // 1000})")
    # Every command takes --debug after its name too; SUPPRESS keeps one given before the name.
    _debug_argument(command, argparse.SUPPRESS)


def _debug_argument(parser: argparse.ArgumentParser, default: bool | str) -> None:
    parser.add_argument("--debug", action="store_true", default=default,
                        help="on an internal error, print the traceback")


def _model_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("models", nargs="*", metavar="MODEL_OR_PATH", type=Path,
                         help="model files (format: docs/semantics.md#model-files, examples in models/), or "
                              "infrastructure code as for gate (a template, ECS JSON, a .tf file or a folder); "
                              "omit to give the numbers as flags")
    command.add_argument("--service", metavar="NAME",
                         help="the service to check in infrastructure code (its logical id, resource name or "
                              "service name); needed when the paths hold more than one")
    command.add_argument("--policy", type=Path, metavar="FILE",
                         help="policy file for infrastructure code, as for gate")
    numbers = command.add_argument_group("a model from flags (instead of a file)")
    numbers.add_argument("--desired", type=_non_negative, metavar="D", help="desiredCount")
    numbers.add_argument("--desired-range", type=_desired_range, metavar="LOW..HIGH",
                         help="check every desiredCount from LOW to HIGH (autoscaling), with Z3")
    numbers.add_argument("--min-healthy-percent", type=_non_negative, metavar="M",
                         help="minimumHealthyPercent (default 100)")
    numbers.add_argument("--max-percent", type=_non_negative, metavar="X", help="maximumPercent (default 200)")
    numbers.add_argument("--capacity", type=_non_negative, metavar="C",
                         help="task slots the service may occupy in the cluster, in total: its old tasks' "
                              "slots included (default: unlimited, as on Fargate)")
    numbers.add_argument("--capacity-headroom", type=_non_negative, metavar="H",
                         help="capacity as desiredCount + H task slots in total (follows the desired count)")
    numbers.add_argument("--health-check-seconds", type=_non_negative, metavar="S",
                         help="seconds for a new task to become healthy (default 150)")
    numbers.add_argument("--drain-seconds", type=_non_negative, metavar="S",
                         help="seconds for a stopping task to be gone (default 300)")
    numbers.add_argument("--stopping-counts-toward-max", action="store_true",
                         help="count stopping tasks toward maximumPercent")
    numbers.add_argument("--circuit-breaker", choices=("rollback", "no-rollback"), metavar="MODE",
                         help="enable the deployment circuit breaker, rolling back (rollback) or not (no-rollback)")
