"""ECS's run with a bad release on a report page: the timeline, with the failures, the trip and the rollback marked.

The run's states carry more counts than the chart's four layers (docs/semantics.md#faults):
old tasks launched by a crash or the rollback are drawn with the pending tasks (they are not
healthy yet, and count toward the maximum), and new tasks draining in a rollback with the
stopping ones (they hold a slot). On top of `svg_chart.timeline` this adds a red cross above
the plot per instant at which new tasks fail, and a labelled vertical line where the breaker
(or an alarm) trips and where the rollback ends.
"""

from __future__ import annotations

from verifier.check.verify import Result
from verifier.counterexample import Counterexample
from verifier.reports.svg_chart import BOTTOM, LEFT, RIGHT, TOP, axis_of, timeline
from verifier.schedules.ecs_faults import FaultRun
from verifier.schedules.ecs_faults_text import describe_fault_run
from verifier.semantics import Action, Bounds, State
from verifier.untrusted import html_text as escape

FAIL_COLOUR, TRIP_COLOUR, ROLLED_BACK_COLOUR = "#cf222e", "#0969da", "#1a7f37"
# Fault-run steps -> the chart's actions: only stops and launches are drawn as actions.
_CHART_ACTIONS = {"stop": "stop", "stop_new": "stop", "launch": "launch", "launch_old": "launch"}


def chart_trace(run: FaultRun) -> Counterexample:
    """The run as the chart's four counts (see the module docstring), with its times."""
    states = tuple(State(s.old, s.stopping + s.new_stopping, s.pending + s.old_pending, s.new)
                   for s in run.trace.states)
    actions = tuple(Action(_CHART_ACTIONS.get(_name(step), "ready"), _amount(step)) for step in run.trace.actions)
    return Counterexample(states, actions, run.trace.times)


def _name(step: str) -> str:
    return step.split("(")[0]


def _amount(step: str) -> int:
    return int(step[step.index("(") + 1:-1]) if "(" in step else 1


def fault_timeline(run: FaultRun, bounds: Bounds, element_id: str, title: str) -> str:
    trace = chart_trace(run)
    svg = timeline(trace, bounds, element_id, title)
    axis = axis_of(trace)

    def x(index: int) -> float:
        return LEFT + axis.starts[index] * (RIGHT - LEFT) / axis.end

    marks = []
    for i, step in enumerate(run.trace.actions):
        if _name(step) == "fail":
            at, amount = x(i + 1), _amount(step)
            said = f"{amount:,} new task{'s' * (amount != 1)} fail at {run.trace.times[i + 1]:,} s"
            marks.append(f'<g class="fault fault-fail"><title>{escape(said)}</title>'
                         f'<path d="M{at - 4:.1f},{TOP - 30} L{at + 4:.1f},{TOP - 22} M{at + 4:.1f},{TOP - 30} '
                         f'L{at - 4:.1f},{TOP - 22}" stroke="{FAIL_COLOUR}" stroke-width="2"/></g>')
    lines = []
    if run.tripped_at_seconds is not None:
        who = "an alarm fails it" if run.tripped_by == "alarm" else "breaker trips"
        lines.append(("trip", run.tripped_at_seconds, f"{who} at {run.tripped_at_seconds:,} s", TRIP_COLOUR))
    if run.rolled_back_at_seconds is not None:
        lines.append(("rolled-back", run.rolled_back_at_seconds, f"rolled back at {run.rolled_back_at_seconds:,} s",
                      ROLLED_BACK_COLOUR))
    for number, (kind, second, said, colour) in enumerate(lines):
        index = next(i for i, t in enumerate(run.trace.times) if t == second)
        at = x(index)
        anchor = "end" if at > RIGHT - 120 else "start"
        text_x = at - 4 if anchor == "end" else at + 4
        marks.append(f'<g class="fault fault-{kind}"><line x1="{at:.1f}" y1="{TOP}" x2="{at:.1f}" y2="{BOTTOM}" '
                     f'stroke="{colour}" stroke-width="2" stroke-dasharray="6 3"/><text x="{text_x:.1f}" '
                     f'y="{TOP + 40 + 14 * number}" text-anchor="{anchor}" fill="{colour}" font-weight="600" '
                     f'paint-order="stroke" stroke="#fff" stroke-width="3">{escape(said)}</text></g>')
    assert svg.endswith("</svg>")
    return svg[:-len("</svg>")] + "".join(marks) + "</svg>"


def fault_section(result: Result) -> list[str]:
    """The report page's section on ECS's run with the model's faults (nothing for a model without any)."""
    run = result.fault_run
    if run is None or not result.model.faults.any:
        return []
    body = ["<h2>What ECS does with a bad release</h2>",
            f"<p>{escape(describe_fault_run(run, result.model.faults))}</p>"]
    body.append(fault_timeline(run, result.bounds, "fault-timeline",
                               "tasks by state over time in ECS's run with the model's faults"))
    body.append("<p class=\"note\">In this chart the pending layer also holds the old tasks that the rollback "
                "or a crash replacement launched (not healthy yet), and the stopping layer the new tasks "
                "draining in the rollback; the table of the text and JSON reports has them apart.</p>")
    return body
