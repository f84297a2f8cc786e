"""The `rollproof` command line: parse, load, verify, print, exit 0/1/2/3 (docs/semantics.md#exit-codes)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from verifier import __version__
from verifier.errors import RollproofError, UsageError
from verifier.explicit.explore import DEFAULT_MAX_STATES
from verifier.results import Status, Verdict
from verifier.model.records import Model
from verifier.model.loading import load_model, model_from_document
from verifier.check.ranges import RangeResult
from verifier.reports.json_output import range_json, result_json, suggestion_json
from verifier.reports.text import render, render_labels, render_range, render_suggestion
from verifier.smt.solver import DEFAULT_TIMEOUT_MS, SolverUnknown
from verifier.check.suggest import suggest
from verifier.check.verify import ENGINES, Options, check_model
from verifier.model.yamlsource import Document

EXIT_HOLDS, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_INCONCLUSIVE = 0, 1, 2, 3

DESCRIPTION = """\
Check an Amazon ECS rolling deployment before you ship it: will it finish or get
stuck, how low does healthy capacity dip, does it fit the cluster, how long does
it take. Give a model file (see models/ for examples) or the numbers as flags.

exit codes: 0 every property holds, 1 a property is violated,
            2 bad input or usage, 3 inconclusive (a search budget was hit)
"""

EXAMPLES = """\
examples:
  rollproof verify models/min50-room8.yaml
  rollproof verify --desired 6 --min-healthy-percent 50 --max-percent 200 --capacity 8
  rollproof verify models/*.yaml --format json > results.json
  rollproof verify --check-labels models/*.yaml
  rollproof verify --desired-range 1..5000 --min-healthy-percent 50 --max-percent 150
  rollproof suggest models/both100.yaml
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # exit 2 with one line, as for any bad input
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
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    verify_cmd = commands.add_parser(
        "verify", help="check deployment models and print verdicts",
        description="Check each model: every property with a verdict, a shortest counterexample "
                    "for each violation, and the schedules.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _model_arguments(verify_cmd)
    verify_cmd.add_argument("--format", choices=("text", "json"), default="text",
                            help="text for people (default), json for programs (schema rollproof/result/v2, or rollproof/range/v2 for a range)")
    verify_cmd.add_argument("--max-states", type=_positive, default=DEFAULT_MAX_STATES, metavar="N",
                            help=f"state budget per search; past it the answer is inconclusive "
                                 f"(default {DEFAULT_MAX_STATES:,})")
    verify_cmd.add_argument("--engine", choices=ENGINES, default="auto",
                            help="explicit: search every state (exact, small services); smt: Z3 proofs "
                                 "(any size); auto (default): explicit when the states surely fit the budget")
    _timeout_argument(verify_cmd)
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
    suggest_cmd.add_argument("--format", choices=("text", "json"), default="text",
                             help="text (default), or json (schema rollproof/suggestion/v2)")
    _timeout_argument(suggest_cmd)
    gate_cmd = commands.add_parser(
        "gate", help="verify every ECS service in CloudFormation templates and ECS JSON files",
        description="Find every AWS::ECS::Service (CloudFormation YAML or JSON) and every ECS service in "
                    "CreateService / UpdateService input or describe-services output under the given files "
                    "and folders, verify each, and exit 0 (all hold), 1 (a violation), 2 (a file could not "
                    "be read) or 3 (inconclusive).")
    gate_cmd.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders to search")
    gate_cmd.add_argument("--format", choices=("text", "json", "sarif", "junit", "markdown"), default="text",
                          help="text (default), json (rollproof/gate/v2), sarif (SARIF 2.1.0), junit (JUnit "
                               "XML) or markdown (for a pull-request comment)")
    gate_cmd.add_argument("--output", type=Path, metavar="FILE", help="write the report here instead of stdout")
    gate_cmd.add_argument("--policy", type=Path, metavar="FILE",
                          help="policy file (capacity, requirements, desired ranges, waivers); "
                               "default: rollproof.yaml in the current folder, if there is one")
    gate_cmd.add_argument("--base", metavar="GIT_REF",
                          help="also compare with the same paths at this git revision (see 'rollproof diff')")
    gate_cmd.add_argument("--fail-on-less-safe", action="store_true",
                          help="with --base: exit 1 when a service becomes less safe")
    _timeout_argument(gate_cmd)
    report_cmd = commands.add_parser(
        "report", help="write an HTML page and a Markdown summary per model or service",
        description="For each model file, or each ECS service in infrastructure code, write a self-contained "
                    "HTML page (verdicts, counterexamples as tables and charts, ECS's timeline, the step "
                    "plan, a reproduce command) and a Markdown summary into DIR.")
    report_cmd.add_argument("paths", nargs="+", type=Path, metavar="MODEL_OR_PATH")
    report_cmd.add_argument("--output", type=Path, required=True, metavar="DIR", help="folder to write into")
    report_cmd.add_argument("--policy", type=Path, metavar="FILE", help="policy file, as for gate")
    _timeout_argument(report_cmd)
    diff_cmd = commands.add_parser(
        "diff", help="compare the ECS services of two files or folders: safer, less safe, mixed, unchanged",
        description="Per service: what the change does to the lowest healthy count, the peak task count, "
                    "the deploy time and the stuck desired counts, and a verdict safer / less safe / mixed / "
                    "unchanged (added / removed for services on one side only).")
    diff_cmd.add_argument("old", type=Path, metavar="OLD", help="file or folder before the change")
    diff_cmd.add_argument("new", type=Path, metavar="NEW", help="file or folder after the change")
    diff_cmd.add_argument("--format", choices=("text", "json"), default="text",
                          help="text (default) or json (rollproof/diff/v2)")
    diff_cmd.add_argument("--policy", type=Path, metavar="FILE", help="policy file, as for gate")
    diff_cmd.add_argument("--fail-on-less-safe", action="store_true", help="exit 1 when a service becomes less safe")
    _timeout_argument(diff_cmd)
    return parser


def _timeout_argument(command: argparse.ArgumentParser) -> None:
    command.add_argument("--solver-timeout", type=_positive, default=DEFAULT_TIMEOUT_MS // 1000, metavar="S",
                         help="seconds per Z3 query before the answer is inconclusive (default "
                              f"{DEFAULT_TIMEOUT_MS // 1000})")


def _model_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("models", nargs="*", metavar="MODEL.yaml", type=Path,
                         help="model files (format: docs/semantics.md#model-files, examples in models/); "
                              "omit to give the numbers as flags")
    numbers = command.add_argument_group("a model from flags (instead of a file)")
    numbers.add_argument("--desired", type=_non_negative, metavar="D", help="desiredCount")
    numbers.add_argument("--desired-range", type=_desired_range, metavar="LOW..HIGH",
                         help="check every desiredCount from LOW to HIGH (autoscaling), with Z3")
    numbers.add_argument("--min-healthy-percent", type=_non_negative, metavar="M",
                         help="minimumHealthyPercent (default 100)")
    numbers.add_argument("--max-percent", type=_non_negative, metavar="X", help="maximumPercent (default 200)")
    numbers.add_argument("--capacity", type=_non_negative, metavar="C",
                         help="free task slots in the cluster (default: unlimited)")
    numbers.add_argument("--capacity-headroom", type=_non_negative, metavar="H",
                         help="free task slots as desiredCount + H (follows the desired count)")
    numbers.add_argument("--health-check-seconds", type=_non_negative, metavar="S",
                         help="seconds for a new task to become healthy (default 150)")
    numbers.add_argument("--drain-seconds", type=_non_negative, metavar="S",
                         help="seconds for a stopping task to be gone (default 300)")
    numbers.add_argument("--stopping-counts-toward-max", action="store_true",
                         help="count stopping tasks toward maximumPercent")


def _flag_model(args: argparse.Namespace) -> Model:
    deployment = {}
    if args.min_healthy_percent is not None:
        deployment["minimumHealthyPercent"] = args.min_healthy_percent
    if args.max_percent is not None:
        deployment["maximumPercent"] = args.max_percent
    service: dict = {"deploymentConfiguration": deployment}
    if args.desired_range is not None:
        service["desiredRange"] = list(args.desired_range)
    else:
        service["desiredCount"] = args.desired
    data: dict = {"service": service}
    if args.capacity is not None and args.capacity_headroom is not None:
        raise UsageError("give --capacity or --capacity-headroom, not both")
    if args.capacity is not None:
        data["cluster"] = {"capacityTasks": args.capacity}
    if args.capacity_headroom is not None:
        data["cluster"] = {"capacityHeadroomTasks": args.capacity_headroom}
    timing = {}
    if args.health_check_seconds is not None:
        timing["healthCheckSeconds"] = args.health_check_seconds
    if args.drain_seconds is not None:
        timing["drainSeconds"] = args.drain_seconds
    if args.stopping_counts_toward_max:
        timing["stoppingCountsTowardMax"] = True
    if timing:
        data["timing"] = timing
    desired = "{}-{}".format(*args.desired_range) if args.desired_range else args.desired
    name = f"desired{desired}-min{_or(args.min_healthy_percent, 100)}-max{_or(args.max_percent, 200)}"
    if args.capacity is not None:
        name += f"-cap{args.capacity}"
    if args.capacity_headroom is not None:
        name += f"-headroom{args.capacity_headroom}"
    return model_from_document(Document(data, "<command line>"), default_name=name)


def _or(value, default):
    return default if value is None else value


def _models(args: argparse.Namespace) -> list[Model]:
    flags_given = any(getattr(args, name) is not None for name in (
        "desired", "desired_range", "min_healthy_percent", "max_percent", "capacity", "capacity_headroom",
        "health_check_seconds", "drain_seconds"))
    flags_given = flags_given or args.stopping_counts_toward_max
    if args.models and flags_given:
        raise UsageError("give model files or model flags (--desired ...), not both")
    if args.models:
        return [load_model(path) for path in args.models]
    if args.desired is None and args.desired_range is None:
        raise UsageError("nothing to verify: give a model file, --desired D or --desired-range LOW..HIGH "
                         "(see 'rollproof verify --help')")
    if args.desired is not None and args.desired_range is not None:
        raise UsageError("give --desired or --desired-range, not both")
    return [_flag_model(args)]


def _progress_printer():
    if not sys.stderr.isatty():
        return None

    def show(line: str) -> None:
        sys.stderr.write(f"\r\033[K{line}")
        sys.stderr.flush()
    return show


def _label_row(result) -> tuple[str, str, str, bool]:
    violated = sorted(f.property_id for f in result.findings if f.status is Status.VIOLATED)
    got = result.verdict.value + (f" ({', '.join(violated)})" if violated else "")
    expect = result.model.expect
    if expect is None:
        return result.model.name, got, "nothing (no expect: label)", False
    wanted = expect.verdict + (f" ({', '.join(sorted(expect.violated))})" if expect.violated else "")
    return result.model.name, got, wanted, got == wanted


def _check(model: Model, args: argparse.Namespace, progress):
    if model.desired_range is not None and args.engine == "explicit":
        raise UsageError(f"{model.name}: a desired range is verified with Z3 over every count at once; "
                         "--engine explicit checks one desiredCount (drop --engine, or give --desired)")
    return check_model(model, Options(args.max_states, progress, args.engine, args.solver_timeout * 1000))


def run_verify(args: argparse.Namespace) -> int:
    models = _models(args)
    progress = _progress_printer()
    results = []
    for model in models:
        results.append(_check(model, args, progress))
        if progress:
            sys.stderr.write("\r\033[K")
    if args.check_labels:
        rows = [_label_row(result) for result in results]
        print(render_labels(rows))
        return EXIT_HOLDS if all(ok for *_, ok in rows) else EXIT_VIOLATED
    if args.format == "json":
        documents = [range_json(r) if isinstance(r, RangeResult) else result_json(r) for r in results]
        print(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        print("\n\n".join(render_range(r) if isinstance(r, RangeResult) else render(r) for r in results))
    return _worst({result.verdict for result in results})


def run_suggest(args: argparse.Namespace) -> int:
    results = [suggest(model, args.solver_timeout * 1000) for model in _models(args)]
    if args.format == "json":
        documents = [suggestion_json(result) for result in results]
        print(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        print("\n\n".join(render_suggestion(result) for result in results))
    helped = all(r.already_holds or r.fix is not None or r.capacity_fix is not None for r in results)
    return EXIT_HOLDS if helped else EXIT_VIOLATED


def _policy(args: argparse.Namespace):
    from verifier.ci.policy import Policy, load_policy
    policy_path = args.policy or (Path("rollproof.yaml") if Path("rollproof.yaml").exists() else None)
    return load_policy(policy_path) if policy_path else Policy()


def _print_changes(changes, form: str) -> None:
    from verifier.reports.json_output import diff_json
    from verifier.reports.text import render_changes
    print(json.dumps(diff_json(changes), indent=2) if form == "json" else render_changes(changes))


def run_diff(args: argparse.Namespace) -> int:
    from verifier.ci.diff import compare
    missing = [str(p) for p in (args.old, args.new) if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    changes = compare([args.old], [args.new], _policy(args), Options(timeout_ms=args.solver_timeout * 1000))
    _print_changes(changes, args.format)
    less_safe = any(c.verdict == "less safe" for c in changes)
    return EXIT_VIOLATED if args.fail_on_less_safe and less_safe else EXIT_HOLDS


def run_report(args: argparse.Namespace) -> int:
    from verifier.reports.files import write_reports
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    written, verdicts = write_reports(args.paths, args.output, Options(timeout_ms=args.solver_timeout * 1000),
                                      _policy(args))
    for path in written:
        print(path)
    if not written:
        print("rollproof: no model or ECS service found", file=sys.stderr)
    return _worst(verdicts)


def _worst(verdicts) -> int:
    if Verdict.VIOLATED in verdicts:
        return EXIT_VIOLATED
    if Verdict.INCONCLUSIVE in verdicts:
        return EXIT_INCONCLUSIVE
    return EXIT_HOLDS


def run_gate(args: argparse.Namespace) -> int:
    from verifier.ci.gate import gate
    from verifier.reports.json_output import gate_json
    from verifier.reports.junit import gate_junit
    from verifier.reports.markdown import gate_markdown
    from verifier.reports.sarif import gate_sarif
    from verifier.reports.text import render_gate
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    policy = _policy(args)
    options = Options(timeout_ms=args.solver_timeout * 1000)
    report = gate(args.paths, options, policy)
    writers = {"text": render_gate, "junit": gate_junit, "markdown": gate_markdown,
               "json": lambda r: json.dumps(gate_json(r), indent=2),
               "sarif": lambda r: json.dumps(gate_sarif(r), indent=2)}
    text = writers[args.format](report)
    if args.output:
        args.output.write_text(text + "\n")
        for error in report.errors:
            print(error, file=sys.stderr)
    else:
        print(text)
    code = report.exit_code
    if args.base:
        from verifier.ci.diff import compare
        from verifier.ci.revision import paths_at
        with paths_at(args.base, args.paths) as base_paths:
            changes = compare(base_paths, list(args.paths), policy, options)
        print(f"\ncompared with {args.base}:", file=sys.stderr if args.format != "text" else sys.stdout)
        if args.format == "text":
            _print_changes(changes, "text")
        else:
            from verifier.reports.text import render_changes
            print(render_changes(changes), file=sys.stderr)
        if args.fail_on_less_safe and any(c.verdict == "less safe" for c in changes) and code == EXIT_HOLDS:
            code = EXIT_VIOLATED
    return code


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # argparse: --help / --version exit 0, mistakes exit 2
        if isinstance(stop.code, str):
            print(stop.code, file=sys.stderr)
            return EXIT_BAD_INPUT
        return EXIT_BAD_INPUT if stop.code else EXIT_HOLDS
    if args.command is None:
        parser.print_help()
        return EXIT_BAD_INPUT
    try:
        runner = {"suggest": run_suggest, "gate": run_gate, "diff": run_diff,
                  "report": run_report}.get(args.command, run_verify)
        return runner(args)
    except SolverUnknown as unknown:
        print(f"rollproof: inconclusive: the solver gave no answer ({unknown}); "
              "try a longer --solver-timeout", file=sys.stderr)
        return EXIT_INCONCLUSIVE
    except RollproofError as error:
        print(error, file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("rollproof: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `rollproof verify ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return EXIT_HOLDS


if __name__ == "__main__":
    sys.exit(main())
