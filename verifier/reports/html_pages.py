"""HTML pages for the results beside a single model's: desired ranges, suggestions, gate runs, diffs.

Each page is built from the records the checks return, with the shared shell of
reports/html_parts.py and the charts of reports/svg_chart.py and reports/svg_range.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from verifier.check.ranges import RangeFinding, RangeResult
from verifier.check.suggest import Fix, Suggestion
from verifier.ci.diff import Change
from verifier.ci.gate import GateReport
from verifier.findings import Finding
from verifier.format import duration, plural
from verifier.model.placement import Placement
from verifier.model.records import Model
from verifier.placement_semantics import initial_layout
from verifier.properties.count_spans import Span
from verifier.reports.html import counterexample_chart, settings_text
from verifier.reports.html_parts import MARK, badge, page, trace_table
from verifier.reports.svg_chart import Overlay, timeline
from verifier.reports.svg_range import range_chart
from verifier.reports.text import gate_message, setting_changes
from verifier.results import Status, Verdict
from verifier.schedules.ecs_controller import EcsRun, simulate
from verifier.schedules.ecs_placement import not_started, simulate_placement
from verifier.semantics import Bounds, Deployment, RepeatStep, deployment_of
from verifier.untrusted import html_text as escape
from verifier.untrusted import uri

SAMPLED_COUNTS = 60        # ECS runs simulated for the deploy-time line of a range
FAILING_SHOWN = 3          # counterexamples drawn per property; the rest are listed


def deploy_times(model: Model, low: int, high: int, interesting: list[int]) -> list[tuple[int, int | None]]:
    """ECS's deploy time at evenly spread counts of low..high and at `interesting` ones (interval ends)."""
    spread = max(1, (high - low) // SAMPLED_COUNTS)
    counts = sorted({*range(low, high + 1, spread), high, *(c for c in interesting if low <= c <= high)})
    times = []
    for count in counts:
        run = simulate(deployment_of(model.at(count).settings))
        times.append((count, run.makespan_seconds if run.completes else None))
    return times


def range_page(result: RangeResult) -> str:
    """The verdict across the range, ECS's deploy time across it, and each failing interval's counterexample."""
    model = result.model
    low = model.at(result.low)
    body = [f"<h1>{escape(model.name)} {badge(result.verdict)}</h1>"]
    if model.description:
        body.append(f'<p class="muted">{escape(model.description)}</p>')
    settings = low.settings
    body.append(f"<p>desiredCount {result.low:,}..{result.high:,}: minimumHealthyPercent "
                f"{settings.min_healthy_percent}, maximumPercent {settings.max_percent}, capacity "
                + escape(f"{settings.capacity:,} task slots in all" if model.capacity_headroom is None and
                         settings.capacity is not None else
                         f"desiredCount + {model.capacity_headroom:,} task slots" if model.capacity_headroom
                         is not None else "unlimited")
                + f". A new task is healthy {plural(settings.health_check_seconds, 'second')} after its launch; "
                f"a stopped task is gone {plural(settings.drain_seconds, 'second')} after its stop.</p>")
    ends = [c for f in result.findings for i in f.failing for c in (i.low - 1, i.low, i.example, i.high, i.high + 1)]
    body.append("<h2>Across the range</h2>")
    body.append(range_chart(result.low, result.high, result.findings,
                            deploy_times(model, result.low, result.high, ends), "range-chart"))
    body.append('<table><tr><th class="text">property</th><th class="text">status</th>'
                '<th class="text">desired counts that fail</th><th class="text">finding</th></tr>')
    for f in result.findings:
        failing = ", ".join(_span_text(i.span) for i in f.failing) or "none"
        body.append(f'<tr><td class="text">{escape(f.property_id)}</td><td class="text {f.status.value}">'
                    f'{MARK[f.status]} {f.status.value}</td><td class="text">{escape(failing)}</td>'
                    f'<td class="text">{escape(f.message)}'
                    + "".join(f'<br><span class="muted">{escape(d)}</span>' for d in f.details) + "</td></tr>")
    body.append("</table>")
    for f in result.findings:
        for number, interval in enumerate(f.failing):
            bounds = deployment_of(model.at(interval.example).settings).bounds
            heading = (f"{escape(f.property_id)}: desiredCount {escape(_span_text(interval.span))}, "
                       f"counterexample at {interval.example:,}")
            if number >= FAILING_SHOWN:
                body.append(f"<p>{heading} (not drawn: the first {FAILING_SHOWN} intervals are)</p>")
                continue
            body.append(f"<h3>{heading}</h3>")
            body += [f'<p class="muted">{escape(w)}</p>' for w in interval.why]
            body.append(counterexample_chart(interval.counterexample, f.property_id, bounds,
                                             f"counterexample-{f.property_id}-{interval.example}", model.requirements))
            body.append(trace_table(interval.counterexample, folded=True))
    body.append(f"<h2>What ECS does at desiredCount {result.high:,}, the top of the range</h2>")
    deployment = deployment_of(model.at(result.high).settings)
    run = simulate(deployment)
    body.append(f"<p>{escape(_run_said(run))}</p>")
    body.append(timeline(run.trace, deployment.bounds, "ecs-timeline",
                         f"tasks by state over time in ECS's own run at desiredCount {result.high:,}",
                         "" if run.completes or run.exhausted else "stuck: never finishes"))
    if result.invariants:
        body.append("<h2>Inductive invariant</h2><ul>" +
                    "".join(f"<li><code>{escape(t)}</code></li>" for t in result.invariants) + "</ul>")
    return page(model.name, body)


def _span_text(span: Span) -> str:
    runs = f"{span.low:,}..{span.high:,}" if span.low != span.high else f"{span.low:,}"
    if span.period > 1 and span.width < span.period:
        runs += f" (every {span.period:,}, {plural(span.width, 'count')} wide)"
    return runs


def _after(model: Model, fix: Fix) -> Model:
    settings = replace(model.settings, min_healthy_percent=fix.min_healthy_percent, max_percent=fix.max_percent,
                       capacity=fix.capacity if fix.capacity is not None else model.settings.capacity)
    return replace(model, settings=settings, capacity_headroom=fix.capacity_headroom
                   if fix.capacity_headroom is not None else model.capacity_headroom)


def _run_column(heading: str, model: Model, desired: int, element_id: str) -> str:
    deployment = deployment_of(model.at(desired).settings)
    run = simulate(deployment) if model.placement is None else _placed_run(model.placement, deployment)
    return (f"<div><h3>{escape(heading)}</h3><p>{escape(settings_text(deployment.bounds))}</p><p>"
            + escape(_run_said(run)) + "</p>"
            + timeline(run.trace, deployment.bounds, element_id, f"ECS's run {heading}",
                       "" if run.completes or run.exhausted else "stuck: never finishes") + "</div>")


def _placed_run(placement: Placement, deployment: Deployment) -> EcsRun:
    """ECS's run on the instances (the count run alone would ignore them)."""
    initial, problem = initial_layout(placement, deployment.bounds.desired)
    return simulate_placement(placement, deployment, initial) if problem is None else not_started(deployment, initial)


def _run_said(run: EcsRun) -> str:
    if run.completes:
        return (f"ECS finishes in {duration(run.makespan_seconds)}; lowest healthy {run.min_healthy_seen:,}, "
                f"peak {plural(run.max_counted_seen, 'task')}")
    return "ECS's run is unknown: the simulation stopped at its budget" if run.exhausted else "ECS never finishes"


def suggestion_page(results: list[Suggestion]) -> str:
    """`suggest --format html`: each model's fixes, before and after side by side."""
    body: list[str] = []
    for number, result in enumerate(results):
        body += _suggestion(result, f"m{number}-" if len(results) > 1 else "")
    name = results[0].model.name if len(results) == 1 else f"{len(results)} models"
    return page(f"{name}: suggestion", body)


def _suggestion(result: Suggestion, prefix: str) -> list[str]:
    """ECS's run before and after each verified fix, at the model's desiredCount (a range's high end)."""
    model = result.model
    # Every fix shown is verified: the page is good news when there is one.
    fixed = result.already_holds or result.fix is not None or result.capacity_fix is not None \
        or bool(result.placement_fixes)
    body = [f"<h1>{escape(model.name)}: suggested change {badge(Verdict.PROVED if fixed else Verdict.VIOLATED)}</h1>"]
    if result.already_holds:
        return body + ["<p>every property already holds: nothing to change</p>"]
    desired = model.desired_range[1] if model.desired_range else model.settings.desired
    if result.fix is None:
        body.append(f"<p>no change to the percentages: {escape(result.note)}</p>")
    for number, (what, fix) in enumerate((("the percentages", result.fix), ("capacity only", result.capacity_fix))):
        if fix is None:
            continue
        body.append(f"<h2>Change {escape(what)} (verified: every property holds)</h2>")
        body.append('<table><tr><th class="text">setting</th><th>before</th><th>after</th></tr>' + "".join(
            f'<tr><td class="text">{escape(key)}</td><td>{"unset" if old is None else f"{old:,}"}</td>'
            f"<td>{new:,}</td></tr>" for key, (old, new) in setting_changes(model, fix).items()) + "</table>")
        if fix.worst_deploy_seconds is not None:
            body.append(f"<p>worst-case ECS deployment after the change: {duration(fix.worst_deploy_seconds)}</p>")
        body.append(f'<div class="side">{_run_column("before", model, desired, f"{prefix}before-{number}")}'
                    f'{_run_column("after", _after(model, fix), desired, f"{prefix}after-{number}")}</div>')
    for found in result.placement_fixes:   # cluster.instances: in the documented order, each verified
        body.append(f"<h2>Or: {escape(found.kind)} (verified: every property holds)</h2>")
        body.append(f"<p>{escape(found.change)}</p><p>costs: {escape(found.cost)}</p>")
    return body


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One service on a gate run's index page."""

    name: str
    file: str
    verdict: Verdict | None      # None: not analysed
    message: str
    page: str = ""               # the service's own page, relative to the index; "" when it has none


ORDER = {Verdict.VIOLATED: 0, Verdict.INCONCLUSIVE: 1, None: 2, Verdict.PROVED: 3}
COLUMNS = ("verdict", "service", "file", "finding")

# Sorting without a script: the table is written once per column, and the heading links
# (#by-service...) show the copy sorted by that column through CSS :target; the copy by
# verdict, worst first, is last so that a targeted copy before it can hide it.
SORT_STYLE = """
.sorted{display:none} #by-verdict{display:table} .sorted:target{display:table}
.sorted:target ~ #by-verdict{display:none} th a{color:inherit}
"""


def _sort_key(entry: IndexEntry, column: str) -> tuple[object, ...]:
    keys: dict[str, tuple[object, ...]] = {
        "verdict": (ORDER[entry.verdict], entry.name.casefold(), entry.file),
        "service": (entry.name.casefold(), entry.file), "file": (entry.file, entry.name.casefold()),
        "finding": (entry.message, entry.name.casefold())}
    return keys[column]


def index_page(title: str, entries: list[IndexEntry]) -> str:
    """Every service of a run, worst first, sortable by any column, each linking to its page."""
    counts = {v: sum(1 for e in entries if e.verdict is v) for v in ORDER}
    said = ", ".join(f"{counts[v]:,} {'not analysed' if v is None else v.value}" for v in ORDER if counts[v])
    body = [f"<style>{SORT_STYLE}</style><h1>{escape(title)}</h1>",
            f"<p>{plural(len(entries), 'service')}: {said or 'none found'}</p>", "<div>"]
    for column in COLUMNS[1:] + COLUMNS[:1]:
        body.append(f'<table class="sorted" id="by-{column}"><thead><tr>' + "".join(
            f'<th class="text"><a href="#by-{name}">{name}</a>{" ▾" if name == column else ""}</th>'
            for name in COLUMNS) + "</tr></thead><tbody>")
        for entry in sorted(entries, key=lambda e: _sort_key(e, column)):
            name = (f'<a href="{escape(uri(entry.page))}">{escape(entry.name)}</a>' if entry.page
                    else escape(entry.name))
            body.append(f'<tr><td class="text">{badge(entry.verdict)}</td><td class="text">{name}</td>'
                        f'<td class="text">{escape(entry.file)}</td><td class="text">{escape(entry.message)}</td></tr>')
        body.append("</tbody></table>")
    body.append("</div>")
    return page(title, body)


def gate_index(report: GateReport, pages: dict[tuple[str, str], str]) -> str:
    """A gate run's index: every service, analysed or not; `pages` maps (file, name) to a service's page."""
    entries = [IndexEntry(row.spec.name, row.spec.file, row.verdict, gate_message(row),
                          pages.get((row.spec.file, row.spec.name), "")) for row in report.rows]
    return index_page("rollproof gate", entries)


def findings_message(findings: Sequence[Finding | RangeFinding]) -> str:
    """What failed (or is unknown) in a result, or that every property holds."""
    bad = [f for f in findings if f.status is Status.VIOLATED] or [f for f in findings if f.status is Status.UNKNOWN]
    return "; ".join(f"{f.property_id}: {f.message}" for f in bad) or "every property holds"


@dataclass(frozen=True, slots=True)
class DiffRun:
    """ECS's run on one side of a diff, at the service's desired count (its range's high end)."""

    run: EcsRun
    bounds: Bounds


def diff_page(title: str, changes: list[Change], runs: dict[str, tuple[DiffRun | None, DiffRun | None]]) -> str:
    """Per service: the verdict, what changed, and the after run drawn with the before run overlaid."""
    body = [f"<h1>{escape(title)}</h1>", '<table><tr><th class="text">service</th><th class="text">change</th>'
            '<th class="text">details</th></tr>']
    for change in changes:
        body.append(f'<tr><td class="text">{escape(change.name)}</td><td class="text">{escape(change.verdict)}</td>'
                    f'<td class="text">{escape("; ".join(change.details)) or "no difference"}</td></tr>')
    body.append("</table>")
    for number, change in enumerate(changes):
        before, after = runs.get(change.name, (None, None))
        body.append(f"<h2>{escape(change.name)}: {escape(change.verdict)}</h2>")
        if after is not None:
            # Runs that repeat a period are drawn on a broken time axis: an overlay would not line up,
            # so such a before is drawn beside the after instead.
            folded = before is not None and any(isinstance(a, RepeatStep) for run in (before.run, after.run)
                                                for a in run.trace.actions)
            overlay = (Overlay(before.run.trace, before.bounds, "before the change")
                       if before is not None and not folded else None)
            body.append(f"<p>after: {escape(_run_said(after.run))}"
                        + (f"; before: {escape(_run_said(before.run))}" if before is not None else "") + "</p>")
            body.append(timeline(after.run.trace, after.bounds, f"diff-{number}",
                                 f"ECS's run after the change, {change.name}", before=overlay))
            if before is not None and folded:
                body.append(timeline(before.run.trace, before.bounds, f"diff-{number}-before",
                                     f"ECS's run before the change, {change.name}"))
        elif before is not None:
            body.append(f"<p>removed; before: {escape(_run_said(before.run))}</p>")
            body.append(timeline(before.run.trace, before.bounds, f"diff-{number}", "ECS's run before the change"))
    return page(title, body)
