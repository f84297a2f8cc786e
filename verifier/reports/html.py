"""One self-contained HTML page per model: verdicts, counterexamples, ECS's run and the step plan.

Each run is drawn as a timeline (reports/svg_chart.py): ECS's own run, which is also the
fastest schedule (schedules/optimal.py proves no schedule is faster), the fewest-steps plan
over its steps, and every counterexample over its steps, ending at the violation. The
shell, style and tables are in reports/html_parts.py; the pages of other results (ranges,
suggestions, gate runs, diffs) in reports/html_pages.py. Output is deterministic (no
dates, no timings) so reports/ can be kept current by a test.
"""

from __future__ import annotations

from dataclasses import replace

from verifier.check.placement_verify import NOT_SEARCHED
from verifier.check.verify import Result
from verifier.counterexample import Counterexample
from verifier.format import duration, plural
from verifier.model.records import Requirements
from verifier.model.reproduce import reproduce_command
from verifier.reports.html_parts import MARK, badge, page, trace_table
from verifier.reports.placement_text import placement_lines
from verifier.reports.summary import capacity_text
from verifier.reports.svg_chart import Required, timeline
from verifier.reports.svg_faults import fault_section
from verifier.results import Status
from verifier.schedules.optimal import no_makespan_text
from verifier.schedules.step_plan import StepPlan, shown_trace
from verifier.semantics import Action, Bounds, RepeatStep, State
from verifier.untrusted import html_text as escape


def chart(trace: Counterexample, element_id: str, title: str, bounds: Bounds | None = None,
          violation: str = "", requirements: Requirements | None = None) -> str:
    """A timeline of `trace`; without `bounds` the limits are those the trace starts in."""
    if bounds is None:
        start = trace.states[0]
        desired = start.old + start.stopping + start.pending + start.new
        bounds = Bounds(desired, 0, desired, None, 0, 100)
    required = Required() if requirements is None else Required(
        requirements.healthy_needed(bounds.desired, bounds.min_healthy),
        requirements.tasks_allowed(bounds.desired, bounds.max_tasks))
    return timeline(trace, bounds, element_id, title, violation=violation, required=required)


def settings_text(bounds: Bounds, health_check_seconds: int | None = None, drain_seconds: int | None = None,
                  capacity: str | None = None) -> str:
    """The bounds in one sentence; `capacity` as the caller words it (default: the slots, or unlimited)."""
    if capacity is None:
        capacity = "unlimited" if bounds.capacity is None else f"{plural(bounds.capacity, 'task slot')} in all"
    timing = "" if health_check_seconds is None else (
        f" A new task is healthy {plural(health_check_seconds, 'second')} after its launch; a stopped task "
        f"is gone {plural(drain_seconds or 0, 'second')} after its stop.")
    return (f"desiredCount {bounds.desired:,}: at least {bounds.min_healthy:,} healthy (minimumHealthyPercent "
            f"{bounds.min_healthy_percent}), at most {plural(bounds.max_tasks, 'task')} (maximumPercent "
            f"{bounds.max_percent}), capacity {capacity}.{timing}")


def plan_trace(plan: StepPlan, bounds: Bounds) -> Counterexample:
    """The fewest-steps plan as a trace over steps: settled states, its repeat markers as repeats."""
    jumps = {r.at - 1: r.periods for r in plan.trace_repeats}
    states = tuple(State(old, 0, 0, new) for old, new in plan.trace)
    actions: list[Action | RepeatStep] = []
    for i in range(len(states) - 1):
        if i in jumps:
            actions.append(RepeatStep(jumps[i]))
        else:
            stopped = states[i].old - states[i + 1].old
            actions.append(Action("stop", stopped) if stopped > 0 else
                           Action("launch", max(states[i + 1].new - states[i].new, 1)))
    return Counterexample(states, tuple(actions))


def _plan_section(result: Result) -> list[str]:
    """The fewest-steps view, in the words the terminal uses."""
    plan = result.step_plan
    body = ["<h2>Step plan (the fewest steps)</h2>"]
    if result.model.placement is not None:
        return body + [f"<p>{NOT_SEARCHED}</p>"]
    if plan.skipped:
        return body + ["<p>not searched: the state space is beyond the budget</p>"]
    if plan.min_steps is None and plan.upper_steps is None:
        said = ("none: no step plan finishes the deployment" if plan.complete
                else "unknown: the step-plan search stopped at its budget")
        return body + [f"<p>{said}</p>"]
    steps = plan.min_steps if plan.min_steps is not None else plan.upper_steps or 0
    exact = "" if plan.min_steps is not None else " (the best found; the fewest is not proved)"
    body.append(f"<p>{plural(steps, 'step')}{exact}: <code>{escape(shown_trace(plan.trace, plan.trace_repeats))}</code>"
                + (f" ({escape(', '.join(map(str, plan.steps)))})" if plan.steps else "") + "</p>")
    if plan.sequential_seconds is not None:
        body.append(f"<p>least time as sequential steps: {escape(duration(plan.sequential_seconds))}</p>")
    if plan.certificate:
        body.append(f'<p class="muted">certificate: {escape(plan.certificate)}</p>')
    if len(plan.trace) > 1:
        body.append(chart(plan_trace(plan, result.bounds), "plan-timeline",
                          "tasks by state along the fewest-steps plan, settled after each step", result.bounds))
    return body


def _ecs_section(result: Result) -> list[str]:
    ecs, optimal = result.ecs, result.optimal
    heading = "What ECS does (the fastest schedule)"
    if result.model.placement is not None:   # over instances the fastest schedule is not searched
        heading = "What ECS does"
    if result.model.faults.any:   # the bad release's run comes first; this one is the healthy release's
        heading = "If the release were healthy: what ECS does (the fastest schedule)"
    body = [f"<h2>{heading}</h2>"]
    if ecs.completes:
        said = (f"finishes in {duration(ecs.makespan_seconds)}; lowest healthy {ecs.min_healthy_seen:,}, "
                f"peak {plural(ecs.max_counted_seen, 'task')} counted, "
                f"{plural(ecs.max_occupied_seen, 'slot')} used")
    elif ecs.exhausted:
        said = (f"unknown: the simulation stopped at its budget of {len(ecs.trace.states):,} recorded states, "
                "neither finished nor stuck")
    else:
        end = ecs.trace.states[-1]
        said = (f"never finishes: stuck at {end.old:,} old, {plural(end.new, 'new task')} after "
                f"{duration(ecs.trace.times[-1] if ecs.trace.times else 0)}")
    body.append(f"<p>{escape(said)}</p>")
    if optimal.makespan_seconds is not None:
        same = optimal.makespan_seconds == ecs.makespan_seconds
        body.append(f"<p>fastest possible: {escape(duration(optimal.makespan_seconds))}"
                    + ("; ECS's own run is that fast, so this chart is the fastest schedule too" if same else "")
                    + "</p>")
    else:
        body.append(f"<p>fastest possible: {escape(no_makespan_text(optimal))}</p>")
    stuck = "" if ecs.completes or ecs.exhausted else "stuck: never finishes"
    body.append(chart(ecs.trace, "ecs-timeline", "tasks by state over time in ECS's own run", result.bounds, stuck,
                      result.model.requirements))
    body.append(trace_table(ecs.trace, folded=True))
    return body


def counterexample_chart(trace: Counterexample, property_id: str, bounds: Bounds, element_id: str,
                         requirements: Requirements | None = None) -> str:
    """Over time where the trace takes time (a deadline's), else over steps: a run of no seconds has no width."""
    timed = trace.times is not None and trace.times[-1] > trace.times[0]
    shown = trace if timed else replace(trace, times=None)
    return chart(shown, element_id, f"tasks by state along the counterexample to {property_id}", bounds,
                 f"{property_id} violated", requirements)


def render_html(result: Result) -> str:
    model, bounds = result.model, result.bounds
    settings = model.settings
    body = [f"<h1>{escape(model.name)} {badge(result.verdict)}</h1>"]
    if model.description:
        body.append(f'<p class="muted">{escape(model.description)}</p>')
    said = settings_text(bounds, settings.health_check_seconds, settings.drain_seconds, capacity_text(model, settings))
    body.append(f"<p>{escape(said)}</p>")
    if model.placement is not None:
        body.append("<ul>" + "".join(f"<li>{escape(line.strip())}</li>" for line in placement_lines(model.placement))
                    + "</ul>")
    body.append('<h2>Properties</h2><table><tr><th class="text">property</th><th class="text">status</th>'
                '<th class="text">finding</th></tr>')
    for f in result.findings:
        details = "".join(f"<br><span class=\"muted\">{escape(d)}</span>" for d in f.details)
        body.append(f'<tr><td class="text">{escape(f.property_id)}</td><td class="text {f.status.value}">'
                    f"{MARK[f.status]} {f.status.value}</td><td class=\"text\">{escape(f.message)}{details}</td></tr>")
    body.append("</table>")
    for f in result.findings:
        if f.status is Status.VIOLATED and f.counterexample is not None:
            body.append(f"<h2>Counterexample: {escape(f.property_id)}</h2>")
            body.append(counterexample_chart(f.counterexample, f.property_id, bounds,
                                             f"counterexample-{f.property_id}", model.requirements))
            body.append(trace_table(f.counterexample))
    body += fault_section(result)
    body += _ecs_section(result)
    body += _plan_section(result)
    if result.invariants:
        body.append("<h2>Inductive invariant</h2><ul>" +
                    "".join(f"<li><code>{escape(t)}</code></li>" for t in result.invariants) + "</ul>")
    body.append(f"<p>reproduce: <code>{escape(reproduce_command(model))}</code></p>")
    return page(model.name, body)

