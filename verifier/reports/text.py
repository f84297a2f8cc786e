"""Text for a terminal: results, desired-count ranges, suggestions, the gate summary and diffs.

Names, paths and descriptions come from files a pull request can change: every
renderer joins its lines with `terminal_lines`, which shows control characters
and newlines escaped, so no input can add a line or send the terminal a command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from verifier.check.placement_verify import NOT_SEARCHED
from verifier.check.ranges import RangeResult
from verifier.check.suggest import Fix, Suggestion
from verifier.check.verify import Result
from verifier.ci.answers import capacity_assumed, cause, counts_checked, edits_for
from verifier.ci.diff import Change
from verifier.ci.gate import GateReport, GateRow, location_for, unanalysed, violated
from verifier.counterexample import Counterexample, fault_columns
from verifier.format import duration, pair_trace, plural
from verifier.ingest import ServiceSpec
from verifier.model.records import Model
from verifier.model.reproduce import reproduce_command
from verifier.reports.placement_text import LEGEND, layout_cell, placement_lines, scale_out_lines, scale_out_text
from verifier.reports.rules import labelled
from verifier.reports.summary import capacity_text, gate_summary, result_summary, timing_text
from verifier.results import Status, Verdict
from verifier.schedules.ecs_faults import FaultRun
from verifier.schedules.ecs_faults_text import describe_fault_run
from verifier.schedules.optimal import no_makespan_text
from verifier.schedules.step_plan import shown_trace
from verifier.semantics import State
from verifier.untrusted import terminal, terminal_lines

MARKS = {Status.HOLDS: "✓", Status.VIOLATED: "✗", Status.UNKNOWN: "?"}
MAX_TRACE_ROWS = 40  # a longer trace keeps its first and last rows
MAX_EXAMPLES = 3  # counterexamples printed per property in a range report (JSON has one per interval)


def render(result: Result, timing: bool = True, quiet: bool = False) -> str:
    """The report; `timing=False` leaves out the wall time, for reports kept in the repository.

    `quiet`: the summary, and only for a result that does not hold, its failing findings.
    """
    model, bounds = result.model, result.bounds
    if quiet:
        return _quiet(result)
    lines = [result_summary(result), "",
             f"{model.name}" + (f"  ({model.source.shown})" if model.source.shown else "")]
    if model.description:
        lines.append(f"  {model.description}")
    lines += [
        f"  desiredCount {bounds.desired}: at least {bounds.min_healthy} healthy "
        f"(minimumHealthyPercent {bounds.min_healthy_percent}), at most {plural(bounds.max_tasks, 'task')} "
        f"(maximumPercent {bounds.max_percent}), capacity {capacity_text(model, model.settings)}",
    ]
    if model.placement is not None:
        lines += placement_lines(model.placement)
    if result.abstraction:   # answered by the count model the instances reduce to, and how exact that is
        lines.append(f"  {result.abstraction}")
    lines += [f"  {timing_text(model.settings)}", ""]
    width = max(len(labelled(f.property_id)) for f in result.findings)
    said: set[str] = set()  # advice shared by several findings is printed once
    for finding in result.findings:
        lines.append(f"  {MARKS[finding.status]} {labelled(finding.property_id):<{width}}  {finding.message}")
        lines += [f"      {detail}" for detail in finding.details if detail not in said]
        said.update(finding.details)
        if finding.counterexample is not None and finding.status is Status.VIOLATED:
            lines += trace_table(finding.counterexample, indent="      ")
    if result.invariants:
        lines += ["", "  inductive invariant (checked by Z3; every proof above rests on it)"]
        lines += [f"    {text}" for text in result.invariants]
    lines += ["", "  schedules"] + _schedules(result)
    spent = f"{result.seconds:.2f} s, " if timing else ""
    searched = f"{result.states:,} state{'s' * (result.states != 1)}, " if result.engine == "explicit" else ""
    lines += ["", f"  verdict: {result.verdict.value.upper()}   ({searched}{spent}{result.engine} engine)",
              f"  reproduce: {reproduce_command(model)}"]
    return terminal_lines(lines)


def _quiet(result: Result | RangeResult) -> str:
    """`--quiet`: the summary; under it, for a result that does not hold, what fails and how to see it again."""
    lines = [result_summary(result)]
    bad = [f for f in result.findings if f.status is not Status.HOLDS]
    if bad:
        lines += [f"  {MARKS[f.status]} {labelled(f.property_id)}  {f.message}" for f in bad]
        lines.append(f"  reproduce: {reproduce_command(result.model)}")
    return terminal_lines(lines)


def trace_table(trace: Counterexample, indent: str) -> list[str]:
    actions = ["(start)"] + [str(action) for action in trace.actions]
    extra = fault_columns(trace.fault_states)   # a bad release's trace: what it adds, where not 0 throughout
    if trace.instances:            # a trace over instances: each one's counts, and how to read them
        extra.append(("instances", [layout_cell(layout) for layout in trace.instances]))
    legend = [indent + LEGEND] if trace.instances else []
    return _table(trace.states, actions, trace.times, extra, indent) + legend


def fault_run_table(run: FaultRun, indent: str) -> list[str]:
    """ECS's run with a bad release, step by step, with the columns the release adds where not 0."""
    counts = [State(*state[:4]) for state in run.trace.states]
    return _table(counts, ["(start)", *run.trace.actions], run.trace.times, fault_columns(run.trace.states), indent)


def _table(states: Sequence[State], actions: Sequence[str], times: Sequence[int] | None,
           extra: list[tuple[str, list[str]]], indent: str) -> list[str]:
    """A trace as a table: step, time, action, the four counts and the `extra` columns."""
    columns = ["step"] + (["time"] if times is not None else []) + ["action", "old", "stopping", "pending", "new"]
    columns += [heading for heading, _ in extra]
    rows = []
    for index, state in enumerate(states):
        when = [f"{times[index]} s"] if times is not None else []
        rows.append([str(index)] + when + [actions[index], str(state.old), str(state.stopping),
                                           str(state.pending), str(state.new)]
                    + [values[index] for _, values in extra])
    widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(columns)]
    action_column = columns.index("action")

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) if i == action_column else cell.rjust(width)
                         for i, (cell, width) in enumerate(zip(cells, widths, strict=True))).rstrip()

    shown = [line(row) for row in rows]
    if len(shown) > MAX_TRACE_ROWS:
        half = MAX_TRACE_ROWS // 2
        shown = shown[:half] + [f"... {len(shown) - 2 * half} more rows (--format json has them all)"] + shown[-half:]
    return [indent + line(columns)] + [indent + row for row in shown]


def _schedules(result: Result) -> list[str]:
    plan, ecs, optimal = result.step_plan, result.ecs, result.optimal
    lines = []
    bad_release = result.fault_run is not None and result.model.faults.any
    if bad_release:
        assert result.fault_run is not None
        lines.append(f"    {describe_fault_run(result.fault_run, result.model.faults)}")
        lines += fault_run_table(result.fault_run, indent="      ")
        lines.append("    if the release were healthy:")
    if result.model.placement is not None:
        lines.append(f"    fewest steps     {NOT_SEARCHED}")
    elif plan.certificate and plan.complete and plan.min_steps is None:
        lines.append("    fewest steps     none: no step plan finishes the deployment")
        lines.append(f"      certificate: {plan.certificate}")
    elif plan.certificate:
        # "never" only where no plan finishes is proved; a figure the bounds do not pin down is unknown.
        steps = plan.min_steps if plan.min_steps is not None else (
            f"unknown, at most {plan.upper_steps}" if plan.upper_steps is not None else "unknown")
        seconds = duration(plan.sequential_seconds) if plan.sequential_seconds is not None else (
            f"unknown, at most {duration(plan.upper_seconds)}" if plan.upper_seconds is not None else "unknown")
        lines.append(f"    fewest steps     {steps}; step plan time {seconds}")
        lines.append(f"      certificate: {plan.certificate}")
        if plan.trace:
            lines.append(f"      plan: {shown_trace(plan.trace, plan.trace_repeats)}")
    elif plan.skipped:
        lines.append("    fewest steps     not searched: the state space is beyond the budget")
    elif not plan.complete:
        lines.append("    fewest steps     unknown: the step-plan search stopped at its budget")
    elif plan.min_steps is None:
        lines.append("    fewest steps     none: no step plan finishes the deployment")
    else:
        lines.append(f"    fewest steps     {plan.min_steps}: {pair_trace(plan.trace)}  "
                     f"[{', '.join(map(str, plan.steps))}]")
        lines.append(f"    step plan time   {duration(plan.sequential_seconds)}: "
                     f"{pair_trace(plan.sequential_trace)}  [{', '.join(map(str, plan.sequential_steps))}]")
    if ecs.completes:
        lines.append(f"    ECS controller   finishes in {duration(ecs.makespan_seconds)}; lowest healthy "
                     f"{ecs.min_healthy_seen}, peak {plural(ecs.max_counted_seen, 'task')} counted, "
                     f"{plural(ecs.max_occupied_seen, 'slot')} used")
    elif ecs.exhausted:
        lines.append(f"    ECS controller   unknown: the simulation stopped at its budget of "
                     f"{len(ecs.trace.states):,} recorded states, neither finished nor stuck")
    else:
        end = ecs.trace.states[-1]
        assert ecs.trace.times is not None  # ECS's own run is a timed trace
        lines.append(f"    ECS controller   never finishes: stuck at {end.old} old, {end.new} new tasks "
                     f"after {duration(ecs.trace.times[-1])}")
    lines += scale_out_lines(ecs.scale_outs)
    lines += trace_table(ecs.trace, indent="      ")
    if result.fault_run is not None and not bad_release:   # a breaker or alarms that a healthy release never trips
        lines.append(f"    {describe_fault_run(result.fault_run, result.model.faults)}")
    if optimal.makespan_seconds is not None:
        when = "; ".join(f"at {d.second} s {d}" for d in optimal.schedule) or "nothing to do"
        lines.append(f"    optimal timed    {duration(optimal.makespan_seconds)}: {when}")
    else:
        lines.append(f"    optimal timed    {no_makespan_text(optimal)}")
    return lines


def render_labels(rows: list[tuple[str, str, str, bool]]) -> str:
    """The `--check-labels` table: model, verdict got, verdict expected, whether they match."""
    width = max((len(terminal(name)) for name, *_ in rows), default=5)
    lines = [f"  {'✓' if ok else '✗'} {terminal(name):<{width}}  {got:<34} expected {expected}"
             for name, got, expected, ok in rows]
    matched = sum(ok for *_, ok in rows)
    lines.append(f"{matched} of {len(rows)} models match their expect: label")
    return terminal_lines(lines)


def render_range(result: RangeResult, timing: bool = True, quiet: bool = False) -> str:
    model, settings = result.model, result.model.settings
    if quiet:
        return _quiet(result)
    lines = [result_summary(result), "", model.name + (f"  ({model.source.shown})" if model.source.shown else "")]
    if model.description:
        lines.append(f"  {model.description}")
    lines += [f"  desiredCount {result.low}..{result.high}: minimumHealthyPercent {settings.min_healthy_percent}, "
              f"maximumPercent {settings.max_percent}, capacity {capacity_text(model, settings)}",
              f"  {timing_text(settings)}", ""]
    width = max(len(labelled(f.property_id)) for f in result.findings)
    for finding in result.findings:
        lines.append(f"  {MARKS[finding.status]} {labelled(finding.property_id):<{width}}  {finding.message}")
        lines += [f"      {detail}" for detail in finding.details]
        for interval in finding.failing[:MAX_EXAMPLES]:
            lines.append(f"      e.g. desiredCount {interval.example}:")
            lines += [f"        {why}" for why in interval.why]
            lines += trace_table(interval.counterexample, indent="        ")
        if len(finding.failing) > MAX_EXAMPLES:
            lines.append(f"      ... {len(finding.failing) - MAX_EXAMPLES} more intervals (--format json has them all)")
    lines += ["", "  inductive invariant (checked by Z3 for every desired count in the range)"]
    lines += [f"    {text}" for text in result.invariants]
    spent = f"{result.seconds:.2f} s, " if timing else ""
    lines += ["", f"  verdict: {result.verdict.value.upper()}   ({spent}{result.engine} engine)",
              f"  reproduce: {reproduce_command(model)}"]
    return terminal_lines(lines)


_PATHS = {
    "minimumHealthyPercent": ("service", "deploymentConfiguration", "minimumHealthyPercent"),
    "maximumPercent": ("service", "deploymentConfiguration", "maximumPercent"),
    "capacityTasks": ("cluster", "capacityTasks"),
    "capacityHeadroomTasks": ("cluster", "capacityHeadroomTasks"),
}
_FLAGS = {"minimumHealthyPercent": "--min-healthy-percent", "maximumPercent": "--max-percent",
          "capacityTasks": "--capacity", "capacityHeadroomTasks": "--capacity-headroom"}


def setting_changes(model: Model, fix: Fix) -> dict[str, tuple[int | None, int]]:
    """Each setting the fix changes, by its model-file name: (old value, new value)."""
    settings = model.settings
    pairs = {
        "minimumHealthyPercent": (settings.min_healthy_percent, fix.min_healthy_percent),
        "maximumPercent": (settings.max_percent, fix.max_percent),
        "capacityTasks": (None if model.capacity_headroom is not None else settings.capacity, fix.capacity),
        "capacityHeadroomTasks": (model.capacity_headroom, fix.capacity_headroom),
    }
    return {key: (old, new) for key, (old, new) in pairs.items() if new is not None and old != new}


def _edit_lines(model: Model, fix: Fix) -> list[str]:
    lines = []
    for key, (old, new) in setting_changes(model, fix).items():
        path = _PATHS[key]
        if model.source.shown:
            line = model.lines.get(path)
            if line is not None:
                lines.append(f"    {model.source}:{line}   {key}: {old} -> {new}")
            else:
                parent = model.line_of(*path[:-1])
                where = f"{model.source}:{parent}" if parent else model.source.shown
                lines.append(f"    {where}   add {'.'.join(path[:-1])}.{key}: {new}")
        else:
            lines.append(f"    {_FLAGS[key]} {new}   (was {old})")
    return lines


def render_suggestion(result: Suggestion, spec: ServiceSpec | None = None) -> str:
    """`spec`: the service the model was read from, so the edits name its file's own settings and lines."""
    model = result.model

    def edit_lines(fix: Fix) -> list[str]:
        if spec is None:
            return _edit_lines(model, fix)
        return [f"    {edit.file}:{edit.line}   {edit.text}" for edit in edits_for(spec, model, fix)]

    lines = [model.name + (f"  ({model.source.shown})" if model.source.shown else "")]
    if result.already_holds:
        lines.append("  every property already holds: nothing to change")
        return terminal_lines(lines)
    if result.breaker_fix is not None:  # a bad release: the breaker and the minimum, not the percentages' search
        lines.append(f"  smallest change under the bad release ({result.model.faults.new_revision}), verified: "
                     f"{'every property holds' if result.verdict_after is Verdict.PROVED else 'not proved'}:")
        lines += [f"    {change}" for change in result.breaker_fix.changes]
        return terminal_lines(lines)
    if result.fix is not None:
        lines.append(f"  smallest change to the percentages ({result.fix.total_change} percentage points, "
                     "verified: every property holds):")
        lines += edit_lines(result.fix)
        lines.append(f"    worst-case ECS deployment: {duration(result.fix.worst_deploy_seconds)}"
                     if result.fix.worst_deploy_seconds is not None else
                     "    worst-case ECS deployment: not compared (too many desired counts)")
    else:
        lines.append(f"  no change to the percentages: {result.note}")
    if result.capacity_fix is not None:
        lines.append("  alternative, capacity only (verified):")
        lines += edit_lines(result.capacity_fix)
        if result.capacity_fix.worst_deploy_seconds is not None:
            lines.append(f"    worst-case ECS deployment: {duration(result.capacity_fix.worst_deploy_seconds)}")
    for found in result.placement_fixes:   # cluster.instances: in the documented order, each verified
        lines.append(f"  alternative, {found.kind} (verified): {found.change}")
        lines.append(f"    costs: {found.cost}")
        if found.makespan_seconds is not None:
            lines.append(f"    ECS deployment: {duration(found.makespan_seconds)}")
    return terminal_lines(lines)


def gate_verdict(row: GateRow) -> str:
    """The verdict word every gate format shows, `not analysed` for a service that was not checked."""
    if row.verdict is None:
        return "not analysed"
    return row.verdict.value


def gate_message(row: GateRow) -> str:
    """One line on a service: why it was not analysed, its waivers, and what failed or holds."""
    if row.result is None:
        return row.spec.reason
    extra = [f"{pid} waived until {w.expires.isoformat()}: {w.reason}" for pid, w in row.waived] + list(row.notes)
    if extra:
        return "; ".join(extra + [_findings_message(row)])
    return _findings_message(row)


def _findings_message(row: GateRow) -> str:
    bad = violated(row)
    if bad:
        return "; ".join(f"{labelled(f.property_id)}: {f.message}" for f in bad)
    assert row.result is not None  # gate_message answers for a row without a result
    unknown = [f for f in row.result.findings if f.status is Status.UNKNOWN]
    holds = "every other property holds" if row.waived else "every property holds"
    return "; ".join(f"{labelled(f.property_id)}: {f.message}" for f in unknown) or holds


def service_assumptions(row: GateRow) -> list[str]:
    """What a checked service's answer covers: its desired counts and the capacity assumed."""
    if row.result is None:
        return []
    model = row.result.model
    ecs = row.result.ecs if isinstance(row.result, Result) else None   # a desired range has no one run
    said = scale_out_text(ecs.scale_outs) if ecs is not None else ""
    scaled = [f"scales out: {said}"] if said else []
    return [f"checked: {counts_checked(row.spec, model)}", capacity_assumed(row.spec, model), *scaled]


def fix_lines(row: GateRow) -> list[str]:
    """The verified fixes of a violated service, each as the edits to make and the counts it holds for."""
    advice = row.advice
    if advice is None:
        return []
    lines = []
    for remedy in advice.remedies:
        verified = f"verified for {remedy.holds_for}" + (f"; it {remedy.leaves}" if remedy.leaves else "")
        edits = "; ".join(f"{edit.file}:{edit.line}: {edit.text}" for edit in remedy.edits)
        lines.append(f"fix ({verified}): {edits}")
    if advice.note:
        lines.append(f"fix: {advice.note}" if not advice.remedies else f"note: {advice.note}")
    return lines


def finding_lines(row: GateRow) -> list[tuple[str, str, str]]:
    """(location, the finding, its cause) for each violation that counts."""
    assert row.result is not None or not violated(row)
    found = []
    for finding in violated(row):
        line, column = location_for(row.spec, finding.property_id)
        found.append((f"{row.spec.file}:{line}:{column}", f"{labelled(finding.property_id)}: {finding.message}",
                      cause(row.result.model, finding) if row.result is not None else ""))
    return found


def render_gate(report: GateReport, verbose: bool = False, quiet: bool = False) -> str:
    """The gate's table under its summary line; `quiet` keeps only the services that fail or are inconclusive."""
    lines = [gate_summary(report)] + list(report.errors)
    shown = [r for r in report.rows if r.verdict in (Verdict.VIOLATED, Verdict.INCONCLUSIVE)] if quiet else report.rows
    if quiet and not shown:
        return terminal_lines(lines)
    if shown:
        name_width = max(len(terminal(f"{r.spec.file}:{r.spec.line or 1} {r.spec.name}")) for r in shown)
        lines.append(f"{'service':<{name_width}}  {'verdict':<12}  details")
        for row in shown:
            where = terminal(f"{row.spec.file}:{row.spec.line or 1} {row.spec.name}")
            lines.append(f"{where:<{name_width}}  {gate_verdict(row):<12}  {gate_message(row)}")
            lines += [f"  {line}" for line in service_assumptions(row)]
            for location, finding, why in finding_lines(row):
                lines += [f"  {location}: {finding}", f"    cause: {why}"]
            lines += [f"  {line}" for line in fix_lines(row)]
            if violated(row) and row.result is not None:
                lines.append(f"  reproduce: {reproduce_command(row.result.model)}")
    if quiet:
        return terminal_lines(lines)
    lines += gate_file_summary(report, verbose)
    skipped = unanalysed(report)
    if skipped:
        lines.append(f"{len(skipped)} service(s) exist but are not analysed (listed above with the reason); "
                     "--fail-on-unanalysed makes them fail the run")
    counts: dict[str, int] = {}
    for row in report.rows:
        counts[gate_verdict(row)] = counts.get(gate_verdict(row), 0) + 1
    lines.append(", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "nothing checked")
    return terminal_lines(lines)


def gate_file_summary(report: GateReport, verbose: bool = False) -> list[str]:
    """A count of the files read that hold no service, and of those skipped; each named with `verbose`.

    A repository holds thousands of such files: one line each would bury the findings.
    """
    lines = []
    if report.unrecognised:
        lines.append(f"{len(report.unrecognised):,} file(s) hold no ECS service"
                     + (":" if verbose else " (--verbose lists them)"))
        if verbose:
            lines += [f"  {terminal(file)}" for file in report.unrecognised]
    if report.skipped:
        lines.append(f"{len(report.skipped):,} file(s) skipped: they do not parse and hold no ECS service, or hold "
                     "template placeholders" + (":" if verbose else " (--verbose lists them)"))
        if verbose:
            lines += [f"  {terminal(skip.file)}: {terminal(skip.reason)}" for skip in report.skipped]
    return lines


def render_changes(changes: list[Change]) -> str:
    if not changes:
        return "no ECS service on either side"
    # One name may be in two files; names and files come from input.
    labels = [terminal(f"{c.name} ({c.file})" if c.file else c.name) for c in changes]
    width = max(map(len, labels))
    lines = []
    for label, change in zip(labels, changes, strict=True):
        lines.append(f"{label:<{width}}  {change.verdict}")
        for detail in change.details:  # a figure that changed: before as `-`, after as `+`, as diff(1) shows them
            figure = _BEFORE_AFTER.match(detail)
            lines += ([f"  - {figure['what']}: {figure['old']}", f"  + {figure['what']}: {figure['new']}"]
                      if figure else [f"    {detail}"])
    return terminal_lines(lines)


_BEFORE_AFTER = re.compile(r"(?P<what>[^:]+): (?P<old>.+) -> (?P<new>.+)")
