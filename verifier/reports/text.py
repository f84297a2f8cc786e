"""The report a person reads in a terminal: bounds, a tick or cross per property, the schedules."""

from __future__ import annotations

from verifier.counterexample import Counterexample
from verifier.results import Status
from verifier.format import duration, pair_trace
from verifier.model.reproduce import reproduce_command
from verifier.check.verify import Result

MARKS = {Status.HOLDS: "✓", Status.VIOLATED: "✗", Status.UNKNOWN: "?"}
MAX_TRACE_ROWS = 40  # a longer trace keeps its first and last rows


def render(result: Result, timing: bool = True) -> str:
    """The report; `timing=False` leaves out the wall time, for reports kept in the repository."""
    model, bounds = result.model, result.bounds
    lines = [f"{model.name}" + (f"  ({model.source.shown})" if model.source.shown else "")]
    if model.description:
        lines.append(f"  {model.description}")
    capacity = "unlimited" if bounds.capacity is None else f"{bounds.capacity} task slots"
    lines += [
        f"  desiredCount {bounds.desired}: at least {bounds.min_healthy} healthy "
        f"(minimumHealthyPercent {bounds.min_healthy_percent}), at most {bounds.max_tasks} tasks "
        f"(maximumPercent {bounds.max_percent}), capacity {capacity}",
        "",
    ]
    width = max(len(f.property_id) for f in result.findings)
    said: set[str] = set()  # advice shared by several findings is printed once
    for finding in result.findings:
        lines.append(f"  {MARKS[finding.status]} {finding.property_id:<{width}}  {finding.message}")
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
    return "\n".join(lines)


def trace_table(trace: Counterexample, indent: str) -> list[str]:
    columns = ["step"] + (["time"] if trace.times is not None else []) + ["action", "old", "stopping", "pending", "new"]
    rows = []
    for index, state in enumerate(trace.states):
        action = "(start)" if index == 0 else str(trace.actions[index - 1])
        when = [f"{trace.times[index]} s"] if trace.times is not None else []
        rows.append([str(index)] + when + [action, str(state.old), str(state.stopping),
                                           str(state.pending), str(state.new)])
    widths = [max(len(column), *(len(row[i]) for row in rows)) for i, column in enumerate(columns)]
    action_column = columns.index("action")

    def line(cells: list[str]) -> str:
        return "  ".join(cell.ljust(width) if i == action_column else cell.rjust(width)
                         for i, (cell, width) in enumerate(zip(cells, widths))).rstrip()

    shown = [line(row) for row in rows]
    if len(shown) > MAX_TRACE_ROWS:
        half = MAX_TRACE_ROWS // 2
        shown = shown[:half] + [f"... {len(shown) - 2 * half} more rows (--format json has them all)"] + shown[-half:]
    return [indent + line(columns)] + [indent + row for row in shown]


def _schedules(result: Result) -> list[str]:
    plan, ecs, optimal = result.step_plan, result.ecs, result.optimal
    lines = []
    if plan.certificate:
        lines.append(f"    fewest steps     {plan.min_steps if plan.min_steps is not None else 'not exact'}; "
                     f"step plan time {duration(plan.sequential_seconds)}")
        lines.append(f"      certificate: {plan.certificate}")
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
                     f"{ecs.min_healthy_seen}, peak {ecs.max_counted_seen} tasks counted, "
                     f"{ecs.max_occupied_seen} slots used")
    else:
        end = ecs.trace.states[-1]
        lines.append(f"    ECS controller   never finishes: stuck at {end.old} old, {end.new} new tasks "
                     f"after {duration(ecs.trace.times[-1])}")
    lines += trace_table(ecs.trace, indent="      ")
    if optimal.makespan_seconds is not None:
        when = "; ".join(f"at {d.second} s {d}" for d in optimal.schedule) or "nothing to do"
        lines.append(f"    optimal timed    {duration(optimal.makespan_seconds)}: {when}")
    elif optimal.skipped:
        lines.append("    optimal timed    not searched: the state space is beyond the budget")
    elif not optimal.complete:
        lines.append(f"    optimal timed    unknown: the search stopped at {optimal.states:,} timed states")
    else:
        lines.append("    optimal timed    none: no schedule finishes the deployment")
    return lines


def render_labels(rows: list[tuple[str, str, str, bool]]) -> str:
    """The `--check-labels` table: model, verdict got, verdict expected, whether they match."""
    width = max((len(name) for name, *_ in rows), default=5)
    lines = [f"  {'✓' if ok else '✗'} {name:<{width}}  {got:<34} expected {expected}"
             for name, got, expected, ok in rows]
    matched = sum(ok for *_, ok in rows)
    lines.append(f"{matched} of {len(rows)} models match their expect: label")
    return "\n".join(lines)
