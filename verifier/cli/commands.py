"""The five commands: verify, suggest, gate, diff, report. Each returns its exit code.

Engines, reports and infrastructure readers are imported inside the command that
needs them, so that starting the program (`--help`, `--version`) loads none of them.
Output goes through `emit`, so a reader that leaves early does not change the code.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.cli.colour import colour_wanted
from verifier.cli.inputs import existing, models_and_specs, models_of, policy_of
from verifier.cli.output import clear_progress, emit, progress_printer
from verifier.defaults import answer_flags
from verifier.errors import UsageError
from verifier.results import DiffVerdict, ExitCode, Status, Verdict, worst_of
from verifier.untrusted import terminal

if TYPE_CHECKING:  # imported inside the commands at run time (see above)
    from verifier.check.ranges import RangeResult
    from verifier.check.verify import Options, Result
    from verifier.ci.diff import Change
    from verifier.ci.gate import GateReport
    from verifier.ci.policy import Policy
    from verifier.model.records import Model


def _label_row(result: Result | RangeResult) -> tuple[str, str, str, bool]:
    violated = sorted(f.property_id for f in result.findings if f.status is Status.VIOLATED)
    got = result.verdict.value + (f" ({', '.join(violated)})" if violated else "")
    expect = result.model.expect
    if expect is None:
        return result.model.name, got, "nothing (no expect: label)", False
    wanted = expect.verdict + (f" ({', '.join(sorted(expect.violated))})" if expect.violated else "")
    return result.model.name, got, wanted, got == wanted


def _options(args: argparse.Namespace, progress: Callable[[str], None] | None = None,
             **verify_only: Any) -> Options:
    from verifier.check.verify import Options
    return Options(progress=progress, timeout_ms=args.solver_timeout * 1000, **verify_only)


def run_verify(args: argparse.Namespace) -> int:
    from verifier.check.ranges import RangeResult
    from verifier.check.verify import check_model
    from verifier.model.reproduce import with_check_flags
    from verifier.reports.json_output import range_json, result_json
    from verifier.reports.text import render, render_labels, render_range
    progress = progress_printer()
    options = _options(args, progress, max_states=args.max_states, engine=args.engine,
                       max_memory_mb=args.max_memory_mb)
    flags = answer_flags(args.engine, args.max_states, options.timeout_ms, args.max_memory_mb)
    if args.what_if:
        return _verify_what_if(args, options, flags)
    releases = _policy_releases(args)
    if releases and not isinstance(releases, str):
        return _verify_what_if(args, options, flags, releases)
    results = []
    models = models_of(args)
    for number, model in enumerate(models, 1):
        if model.desired_range is not None and args.engine == "explicit":
            raise UsageError(f"{model.name}: a desired range is verified with Z3 over every count at once; "
                             "--engine explicit checks one desiredCount (drop --engine, or give --desired)")
        if model.placement is not None and args.engine == "smt":
            raise UsageError(f"{model.name}: cluster.instances are checked by the explicit engine only "
                             "(drop --engine smt)")
        if progress and len(models) > 1:
            progress(f"[{number}/{len(models)}] {model.name}")
            options = replace(options, progress=_numbered(progress, number, len(models)))
        results.append(check_model(with_check_flags(model, flags), options))
    clear_progress(progress)
    colour = colour_wanted(args.color, sys.stdout)
    if args.check_labels:
        rows = [_label_row(result) for result in results]
        emit(render_labels(rows), colour)
        return ExitCode.HOLDS if all(ok for *_, ok in rows) else ExitCode.VIOLATED
    if args.format == "json":
        documents = [range_json(r) if isinstance(r, RangeResult) else result_json(r) for r in results]
        emit(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        quiet = args.quiet
        emit("\n\n".join(render_range(r, quiet=quiet) if isinstance(r, RangeResult) else render(r, quiet=quiet)
                          for r in results), colour)
    if isinstance(releases, str):  # the gate's check under the policy's release could not be made either
        sys.stderr.write(f"rollproof: {terminal(releases)}\n")
        return worst_of([*(result.verdict for result in results), Verdict.INCONCLUSIVE]).exit_code
    return worst_of(result.verdict for result in results).exit_code


def _numbered(progress: Callable[[str], None], number: int, total: int) -> Callable[[str], None]:
    """`progress` with each line prefixed by which of `total` models it is about."""
    return lambda line: progress(f"[{number}/{total}] {line}")


def _policy_releases(args: argparse.Namespace) -> list[tuple[Model, Model]] | str:
    """For `verify FILE --service NAME` (what a gate row's reproduce line runs): the service as written and
    under its policy's `faults:` release, so the line checks both as the gate did; [] when the policy asks
    for none; why not, where the gate found that check inconclusive (an unknown breaker or count)."""
    from verifier.check.what_if import at_one_count, release_label, under_release
    if not args.models or args.service is None or args.check_labels:
        return []
    pairs = models_and_specs(args)
    policy = policy_of(args)
    releases = []
    for model, spec in pairs:
        overrides = policy.for_service(spec.names, spec.cluster, spec.cluster_ref) if spec is not None else None
        if overrides is None or overrides.faults is None or spec is None:
            return []
        label = release_label(overrides.faults.faults)
        if spec.faults_unknown:
            return f"{spec.name}: not checked during a bad release ({label}): {spec.faults_unknown}"
        one = at_one_count(model)
        if one is None:
            return f"{spec.name}: not checked during a bad release ({label}): that check needs one desired count"
        releases.append((one, under_release(one, overrides.faults.faults, policy.fault_requirements_for(overrides))))
    return releases


def _verify_what_if(args: argparse.Namespace, options: Options, flags: tuple[str, ...],
                    releases: list[tuple[Model, Model]] | None = None) -> int:
    """Each model as written and under a bad release (`--what-if RELEASE`, or `releases` from the policy);
    the exit code is the worse."""
    from verifier.check.verify import verify
    from verifier.check.what_if import WhatIf, faults_for, under_release
    from verifier.model.reproduce import with_check_flags
    from verifier.reports.what_if import render_what_if, what_if_json
    if args.check_labels:
        raise UsageError("--what-if checks a second release, which no expect: label describes; "
                         "give --check-labels or --what-if, not both")
    if releases is None:
        releases = []
        for model in models_of(args):
            if model.desired_range is not None:
                raise UsageError(f"{model.name}: --what-if checks one desired count (the bad release is worked "
                                 "out for a known desiredCount); give --desired, or a model without desiredRange")
            # The second answer's reproduce command must check the release again, so it carries the option.
            releases.append((model, with_check_flags(under_release(model, faults_for(model, args.what_if)),
                                                     flags + ("--what-if", args.what_if))))
        flags_for_release = None
    else:
        flags_for_release = flags
    pairs = []
    for model, broken in releases:
        if flags_for_release is not None:
            broken = with_check_flags(broken, flags_for_release)
        pairs.append(WhatIf(verify(with_check_flags(model, flags), options), verify(broken, options)))
    if args.format == "json":
        documents = [what_if_json(pair) for pair in pairs]
        emit(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    else:
        emit("\n\n".join(render_what_if(pair) for pair in pairs), colour_wanted(args.color, sys.stdout))
    return worst_of(pair.verdict for pair in pairs).exit_code


def run_suggest(args: argparse.Namespace) -> int:
    from verifier.check.suggest import suggest
    from verifier.reports.json_output import suggestion_json
    from verifier.reports.text import render_suggestion
    progress = progress_printer()
    pairs = [(suggest(model, args.solver_timeout * 1000, progress), spec) for model, spec in models_and_specs(args)]
    clear_progress(progress)
    results = [result for result, _ in pairs]
    if args.format == "json":
        documents = [suggestion_json(result) for result in results]
        emit(json.dumps(documents[0] if len(documents) == 1 else documents, indent=2))
    elif args.format == "html":
        from verifier.reports.html_pages import suggestion_page
        emit(suggestion_page(results).rstrip("\n"))
    else:
        emit("\n\n".join(render_suggestion(result, spec) for result, spec in pairs),
             colour_wanted(args.color, sys.stdout))
    helped = all(r.already_holds or r.fix is not None or r.capacity_fix is not None or r.breaker_fix is not None
                 or bool(r.placement_fixes)
                 for r in results)
    return ExitCode.HOLDS if helped else ExitCode.VIOLATED


def _print_changes(changes: list[Change], form: str, colour: bool = False) -> None:
    from verifier.reports.json_output import diff_json
    from verifier.reports.text import render_changes
    if form == "json":
        emit(json.dumps(diff_json(changes), indent=2))
    else:
        emit(render_changes(changes), colour)


def run_diff(args: argparse.Namespace) -> int:
    from verifier.ci.diff import compare
    existing([args.old, args.new])
    policy, options = _with_exclusions(policy_of(args), args), _options(args)
    changes = compare([args.old], [args.new], policy, options)
    if not changes:
        _explain_no_service(args.old, args.new)
    if args.format == "html":
        from verifier.reports.files import diff_report
        emit(diff_report(args.old, args.new, changes, policy, options).rstrip("\n"))
    else:
        _print_changes(changes, args.format, colour_wanted(args.color, sys.stdout))
    less_safe = any(c.verdict is DiffVerdict.LESS_SAFE for c in changes)
    return ExitCode.VIOLATED if args.fail_on_less_safe and less_safe else ExitCode.HOLDS


def _explain_no_service(*sides: Path) -> None:
    """Model files given to diff: say what diff reads and how to compare models (exit 2)."""
    from verifier.ingest import discover
    from verifier.reports.files import model_file_or_error
    models = [str(path) for path in discover(list(sides)) if model_file_or_error(path)[0]]
    if models:
        raise UsageError(f"diff compares infrastructure code (CloudFormation, Terraform, ECS JSON), and "
                         f"{', '.join(models[:3])} {'is a model file' if len(models) == 1 else 'are model files'}; "
                         "to compare models, verify each: rollproof verify OLD.yaml NEW.yaml")
    print("rollproof: diff compares the ECS services in infrastructure code (CloudFormation, Terraform, "
          "ECS JSON); neither side has one", file=sys.stderr)


def run_report(args: argparse.Namespace) -> int:
    from verifier.reports.files import write_reports
    written, verdicts, notes = write_reports(existing(args.paths), args.output, _options(args), policy_of(args))
    for note in notes:
        print(note, file=sys.stderr)
    for path in written:
        emit(str(path))
    if not written:
        print("rollproof: no model or ECS service found", file=sys.stderr)
    return worst_of(verdicts).exit_code


def run_gate(args: argparse.Namespace) -> int:
    from verifier.ci.gate import gate, unanalysed, with_advice
    from verifier.reports.html_pages import gate_index
    from verifier.reports.json_output import gate_json
    from verifier.reports.junit import gate_junit
    from verifier.reports.markdown import gate_markdown
    from verifier.reports.sarif import gate_sarif
    from verifier.reports.text import render_gate
    if args.base is not None:  # checked first: an empty --base (an unset CI variable) must not skip the comparison
        from verifier.ci.revision import check_revision
        check_revision(args.base)
    elif args.fail_on_less_safe:
        raise UsageError("--fail-on-less-safe compares with a base revision: give --base GIT_REF too")
    policy = _with_exclusions(policy_of(args), args)
    progress = progress_printer()
    options = _options(args, progress)
    report = gate(existing(args.paths), options, policy, service=args.service, jobs=args.jobs)
    clear_progress(progress)  # before any warning, which would otherwise share the status line
    # With --service every other entry matches nothing by design; a file that could not be read
    # may hold the service an entry names.
    if args.service is None and not report.errors:
        for warning in policy.unmatched((row.spec.names, row.spec.cluster, row.spec.cluster_ref)
                                        for row in report.rows):
            print(terminal(warning), file=sys.stderr)
    if args.service is not None and not report.rows and not report.errors:
        raise UsageError(f"no ECS service named {args.service!r} in {', '.join(map(str, args.paths))}")
    report = with_advice(report, options, args.jobs)  # every format shows the same verified fixes
    code = ExitCode(report.exit_code)
    if args.fail_on_unanalysed and unanalysed(report) and code in (ExitCode.HOLDS, ExitCode.INCONCLUSIVE):
        code = ExitCode.VIOLATED
    changes = None
    if args.base is not None:  # before anything is written: the comparison can change the exit code stated
        changes = _changes_since_base(args, policy, options)
        less_safe = any(c.verdict is DiffVerdict.LESS_SAFE for c in changes)
        if args.fail_on_less_safe and less_safe and code == ExitCode.HOLDS:
            code = ExitCode.VIOLATED
    writers: dict[str, Callable[[GateReport], str]] = {
        "text": lambda r: render_gate(r, verbose=args.verbose, quiet=args.quiet), "junit": gate_junit,
        "markdown": lambda r: gate_markdown(r, exit_code=code),
        "json": lambda r: json.dumps(gate_json(r, exit_code=code), indent=2),
        "sarif": lambda r: json.dumps(gate_sarif(r), indent=2),
        "html": lambda r: gate_index(r, {}).rstrip("\n")}  # one page: `rollproof report` writes each service's
    text = writers[args.format](report)
    if changes is not None:  # in the report, in its format: a CI step reads stdout or --output, not stderr
        from verifier.reports.comparison import with_comparison
        text = with_comparison(text, args.format, args.base, changes, args.fail_on_less_safe)
    if args.output:
        _write_output(args.output, text + "\n")
        for problem in report.errors:
            print(problem, file=sys.stderr)
    else:
        emit(text, args.format == "text" and colour_wanted(args.color, sys.stdout))
    return code


def _with_exclusions(policy: Policy, args: argparse.Namespace) -> Policy:
    """The policy with the --exclude patterns added; they are relative to the current folder."""
    from verifier.ingest.discovery import Exclude
    given = tuple(Exclude(pattern, Path.cwd()) for pattern in getattr(args, "exclude", None) or ())
    return replace(policy, exclude=policy.exclude + given) if given else policy


def _write_output(target: Path, text: str) -> None:
    if target.is_dir():
        raise UsageError(f"--output {target} is a folder; give a file name to write the report into")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror}") from None


def _changes_since_base(args: argparse.Namespace, policy: Policy, options: Options) -> list[Change]:
    from verifier.ci.diff import compare
    from verifier.ci.revision import paths_at
    with paths_at(args.base, args.paths) as base_paths:
        return compare(base_paths, list(args.paths), policy, options)


COMMANDS = {"verify": run_verify, "suggest": run_suggest, "gate": run_gate, "diff": run_diff,
            "report": run_report}
