"""One self-contained HTML page per model: verdicts, traces, charts.

No scripts, no external files: the charts are inline SVG, so a report opens the
same from a CI artifact, an email or a file share. Every text goes through
`escape` (verifier.untrusted.html_text): a model's name cannot add markup. Output is deterministic (no
dates, no timings) so reports/ can be kept current by a test.
"""

from __future__ import annotations

from verifier.check.ranges import RangeResult
from verifier.check.verify import Result
from verifier.counterexample import Counterexample
from verifier.format import duration
from verifier.model.reproduce import reproduce_command
from verifier.reports.text import render_range
from verifier.results import Status
from verifier.schedules.step_plan import shown_trace
from verifier.untrusted import html_text as escape  # html.escape, and control characters shown escaped

SERIES = (("old", "#4c78a8"), ("stopping", "#f58518"), ("pending", "#e0c341"), ("new", "#54a24b"))
MARK = {Status.HOLDS: "✓", Status.VIOLATED: "✗", Status.UNKNOWN: "?"}

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:60rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} .muted{color:#666} table{border-collapse:collapse;margin:.5rem 0 1rem}
td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:right} th{background:#f4f4f4}
td.text,th.text{text-align:left} .holds{color:#1a7f37} .violated{color:#cf222e} .unknown{color:#9a6700}
.badge{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;color:#fff;font-weight:600}
.badge.proved{background:#1a7f37}.badge.violated{background:#cf222e}.badge.inconclusive{background:#9a6700}
code{background:#f4f4f4;padding:.1rem .3rem;border-radius:.2rem} svg{background:#fcfcfc;border:1px solid #eee}
"""


def chart(trace: Counterexample, element_id: str, title: str) -> str:
    """Tasks by state over time (or over steps for an untimed trace), as step lines."""
    width, height, left, bottom, top = 720, 250, 48, 28, 24
    xs = list(trace.times) if trace.times is not None else list(range(len(trace.states)))
    if len(xs) == 1:
        xs = xs + [xs[0] + 1]
        states = list(trace.states) * 2
    else:
        states = list(trace.states)
    span = max(xs[-1] - xs[0], 1)
    peak = max(max(max(s) for s in states), 1)

    def x(value: float) -> float:
        return left + (value - xs[0]) * (width - left - 10) / span

    def y(value: float) -> float:
        return height - bottom - value * (height - bottom - top) / peak

    parts = [f'<svg id="{element_id}" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
             f'<line x1="{left}" y1="{y(0)}" x2="{width - 10}" y2="{y(0)}" stroke="#999"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{y(0)}" stroke="#999"/>',
             f'<text x="{left - 6}" y="{y(peak) + 4}" text-anchor="end" font-size="11">{peak}</text>',
             f'<text x="{left - 6}" y="{y(0) + 4}" text-anchor="end" font-size="11">0</text>',
             f'<text x="{width - 10}" y="{height - 8}" text-anchor="end" font-size="11">'
             f'{escape(duration(xs[-1]) if trace.times is not None else f"{xs[-1]} steps")}</text>']
    for index, (name, colour) in enumerate(SERIES):
        points = []
        for i, state in enumerate(states):
            if i:
                points.append(f"{x(xs[i]):.1f},{y(states[i - 1][index]):.1f}")
            points.append(f"{x(xs[i]):.1f},{y(state[index]):.1f}")
        parts.append(f'<polyline class="series-{name}" fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{" ".join(points)}"/>')
        parts.append(f'<rect x="{left + 10 + index * 95}" y="4" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{left + 24 + index * 95}" y="13" font-size="11">{name}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _lines(text: str) -> str:
    """Several lines for a <pre>: each escaped on its own, so the line breaks stay."""
    return "\n".join(escape(line) for line in text.split("\n"))


def _table(trace: Counterexample) -> str:
    timed = trace.times is not None
    head = "<tr><th>step</th>" + ("<th>time</th>" if timed else "") + \
           '<th class="text">action</th><th>old</th><th>stopping</th><th>pending</th><th>new</th></tr>'
    rows = []
    for i, state in enumerate(trace.states):
        action = "(start)" if i == 0 else str(trace.actions[i - 1])
        when = f"<td>{escape(duration(trace.times[i]))}</td>" if trace.times is not None else ""
        rows.append(f"<tr><td>{i}</td>{when}<td class=\"text\">{escape(action)}</td>"
                    + "".join(f"<td>{v}</td>" for v in state) + "</tr>")
    return f"<table>{head}{''.join(rows)}</table>"


def render_html(result: Result) -> str:
    model, bounds, plan, ecs = result.model, result.bounds, result.step_plan, result.ecs
    verdict = result.verdict.value
    body = [f"<h1>{escape(model.name)} <span class=\"badge {verdict}\">{verdict}</span></h1>"]
    if model.description:
        body.append(f'<p class="muted">{escape(model.description)}</p>')
    capacity = "unlimited" if bounds.capacity is None else f"{bounds.capacity} task slots"
    body.append(f"<p>desiredCount {bounds.desired}: at least {bounds.min_healthy} healthy (minimumHealthyPercent "
                f"{bounds.min_healthy_percent}), at most {bounds.max_tasks} tasks (maximumPercent "
                f"{bounds.max_percent}), capacity {capacity}.</p>")
    body.append('<h2>Properties</h2><table><tr><th class="text">property</th><th class="text">status</th>'
                '<th class="text">finding</th></tr>')
    for f in result.findings:
        details = "".join(f"<br><span class=\"muted\">{escape(d)}</span>" for d in f.details)
        body.append(f'<tr><td class="text">{f.property_id}</td><td class="text {f.status.value}">'
                    f"{MARK[f.status]} {f.status.value}</td><td class=\"text\">{escape(f.message)}{details}</td></tr>")
    body.append("</table>")
    for f in result.findings:
        if f.status is Status.VIOLATED and f.counterexample is not None:
            body.append(f"<h2>Counterexample: {f.property_id}</h2>")
            body.append(chart(f.counterexample, f"counterexample-{f.property_id}",
                              f"tasks by state along the counterexample to {f.property_id}"))
            body.append(_table(f.counterexample))
    body.append("<h2>What ECS does</h2>")
    summary = (f"finishes in {duration(ecs.makespan_seconds)}; lowest healthy {ecs.min_healthy_seen}, "
               f"peak {ecs.max_counted_seen} tasks counted" if ecs.completes
               else "unknown: the simulation stopped at its budget" if ecs.exhausted else "never finishes")
    body.append(f"<p>{escape(summary)}</p>")
    body.append(chart(ecs.trace, "ecs-timeline", "tasks by state over time in ECS's own run"))
    body.append(_table(ecs.trace))
    body.append("<h2>Step plan</h2>")
    if plan.min_steps is not None:
        shown = shown_trace(plan.trace, plan.trace_repeats)
        body.append(f"<p>fewest steps: {plan.min_steps}: <code>{escape(shown)}</code>"
                    f" ({escape(', '.join(map(str, plan.steps)))})</p>")
    elif plan.upper_steps is not None:
        body.append(f"<p>a plan of {plan.upper_steps} steps: <code>"
                    f"{escape(shown_trace(plan.trace, plan.trace_repeats))}</code></p>")
    else:
        body.append("<p>no step plan was found within the budget, or none finishes</p>")
    if plan.sequential_seconds is not None:
        body.append(f"<p>least time as sequential steps: {escape(duration(plan.sequential_seconds))}</p>")
    if result.optimal.makespan_seconds is not None:
        body.append(f"<p>optimal overlapping schedule: {escape(duration(result.optimal.makespan_seconds))}</p>")
    if result.invariants:
        body.append("<h2>Inductive invariant</h2><ul>" +
                    "".join(f"<li><code>{escape(t)}</code></li>" for t in result.invariants) + "</ul>")
    body.append(f"<p>reproduce: <code>{escape(reproduce_command(model))}</code></p>")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>rollproof: {escape(model.name)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def render_range_html(result: RangeResult) -> str:
    """A desired-range result: the text report, and a chart for each failing interval's example."""
    body = [f"<h1>{escape(result.model.name)} <span class=\"badge {result.verdict.value}\">"
            f"{result.verdict.value}</span></h1>", f"<pre>{_lines(render_range(result, timing=False))}</pre>"]
    for finding in result.findings:
        for interval in finding.failing[:3]:
            body.append(f"<h2>{finding.property_id}: desiredCount {interval.example}</h2>")
            body.append(chart(interval.counterexample, f"counterexample-{finding.property_id}-{interval.example}",
                              f"tasks by state, desiredCount {interval.example}"))
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>rollproof: {escape(result.model.name)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")
