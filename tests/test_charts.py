"""The SVG timelines and the HTML pages built on them, read back as XML.

Expected values are worked out by hand beside each test from the chart's layout constants
(plot from x=LEFT to x=RIGHT, counts from y=BOTTOM up to y=TOP) and the traces written here.
"""

import re
import xml.etree.ElementTree as ET

import pytest
from conftest import ROOT

from verifier.counterexample import Counterexample, Repeat
from verifier.model.records import Settings
from verifier.reports.svg_chart import BOTTOM, LEFT, RIGHT, TOP, Required, axis_of, timeline, x_ticks
from verifier.schedules.ecs_controller import simulate
from verifier.semantics import Action, RepeatStep, State, bounds_of, deployment_of

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element, cls: str) -> list[str]:
    return ["".join(g.itertext()) for g in root.iter() if cls in g.get("class", "").split()]


def area_extent(root: ET.Element) -> tuple[float, float]:
    """The widest x range any area path covers."""
    xs = [float(n) for p in root.iter(f"{SVG}path") if "area" in p.get("class", "")
          for n in re.findall(r"[ML]\s*([\d.]+),", p.get("d", ""))]
    return min(xs), max(xs)


def test_a_one_state_counterexample_is_one_step_wide():
    # A counterexample that is violated in its initial state (surge with maximumPercent 50):
    # one state, drawn one step wide, so it fills the plot from LEFT to RIGHT; the old chart
    # drew it zero-width and wrote "1 steps".
    bounds = bounds_of(Settings(4, 100, 50))
    trace = Counterexample((State(4, 0, 0, 0),), ())
    svg = timeline(trace, bounds, "c", "one state", violation="surge violated")
    root = parse(svg)
    assert area_extent(root) == (LEFT, RIGHT)
    assert "1 steps" not in svg and "steps taken" in svg
    assert "surge violated" in svg
    assert any(e.get("class") == "violation" and float(e.get("width")) > 0 for e in root.iter(f"{SVG}rect"))


def test_limit_lines_sit_at_their_counts_and_share_a_line_when_equal():
    # desiredCount 4, 100/100: L = U = 4; capacity 6. The y axis runs to a tick at or above 6
    # (ticks 0,1,...,6 with a step of 1), so y(4) = BOTTOM - 4 * (BOTTOM - TOP) / 6.
    bounds = bounds_of(Settings(4, 100, 100, capacity=6))
    trace = Counterexample((State(4, 0, 0, 0), State(3, 1, 0, 0)), (Action("stop", 1),))
    root = parse(timeline(trace, bounds, "c", "t", violation="progress violated"))
    limits = [g for g in root.iter(f"{SVG}g") if "limit" in g.get("class", "").split()]
    classes = sorted(g.get("class") for g in limits)
    assert classes == ["limit limit-C", "limit limit-L limit-U"]
    shared = next(g for g in limits if "limit-L" in g.get("class"))
    line = shared.find(f"{SVG}line")
    assert float(line.get("y1")) == pytest.approx(BOTTOM - 4 * (BOTTOM - TOP) / 6, abs=0.1)
    labels = "".join(shared.itertext())
    assert "healthy minimum L = 4" in labels and "maximum U = 4" in labels
    assert [t for t in texts(root, "y-tick")] == ["0", "1", "2", "3", "4", "5", "6"]


def test_time_ticks_in_minutes_for_a_long_run_and_seconds_for_a_short_one():
    # 750 s plus a 4% tail is 780 s; minute steps 60 s give 13 ticks (more than 8), 120 s give
    # 6.5: ticks every 2 minutes, 0 to 12.
    long = Counterexample((State(2, 0, 0, 0), State(0, 0, 0, 2)), (Action("launch", 2),), times=(0, 750))
    ticks, title = x_ticks(axis_of(long))
    assert title == "time (minutes)" and [label for _, label in ticks] == ["0", "2", "4", "6", "8", "10", "12"]
    # 90 s plus 3.6 s: seconds; a step of 15 gives 6.2 ticks, 10 gives 9.4: every 15 s, 0 to 90.
    short = Counterexample((State(2, 0, 0, 0), State(0, 0, 0, 2)), (Action("launch", 2),), times=(0, 90))
    ticks, title = x_ticks(axis_of(short))
    assert title == "time (seconds)" and [label for _, label in ticks] == ["0", "15", "30", "45", "60", "75", "90"]


def test_lowest_healthy_and_peak_are_annotated_where_they_are():
    # healthy (old + new) along the trace: 6, 3, 3, 6 -> lowest 3 (first at state 1);
    # counted (old + pending + new): 6, 3, 6, 6 -> peak 6 (first at state 0).
    bounds = bounds_of(Settings(6, 50, 200))
    trace = Counterexample((State(6, 0, 0, 0), State(3, 3, 0, 0), State(3, 0, 3, 0), State(3, 0, 0, 3)),
                           (Action("stop", 3), Action("launch", 3), Action("ready", 3)))
    root = parse(timeline(trace, bounds, "c", "t"))
    assert texts(root, "annotation-lowest") == ["lowest healthy 3"]
    assert texts(root, "annotation-peak") == ["peak 6 tasks"]
    events = sorted(e.get("class") for e in root.iter(f"{SVG}polygon") if "event" in e.get("class", ""))
    assert events == ["event event-launch", "event event-stop"]   # "ready" is no decision: not marked
    legend = "".join(next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend").itertext())
    for name in ("old healthy", "new healthy", "new pending", "old stopping", "stop", "launch"):
        assert name in legend


def test_a_repeated_period_is_drawn_once_and_marked():
    # Two plain steps, then the pair repeated 999,998 more times: the chart keeps the states it is
    # given (4 of them), marks the jump, and never writes a point per period.
    trace = Counterexample(
        (State(10, 0, 0, 0), State(9, 1, 0, 0), State(9, 0, 0, 1), State(0, 0, 0, 10)),
        (Action("stop", 1), Action("launch", 1), RepeatStep(999_998)),
        repeats=(Repeat(0, 2, 999_998, State(-1, 0, 0, 1)),))
    svg = timeline(trace, bounds_of(Settings(10, 90, 110)), "r", "t")
    assert "repeat \u00d7999,998" in svg
    assert len(svg) < 20_000


def test_ecs_run_at_scale_stays_small():
    # One free slot and 100,000 tasks: ECS replaces one task at a time, a run that repeats
    # itself; the chart is drawn from the folded trace, not 100,000 rounds.
    run = simulate(deployment_of(Settings(100_000, 100, 200, capacity=100_001)))
    assert any(isinstance(a, RepeatStep) for a in run.trace.actions)
    svg = timeline(run.trace, deployment_of(Settings(100_000, 100, 200, capacity=100_001)).bounds, "e", "t")
    root = parse(svg)
    assert texts(root, "repeat") and len(svg) < 200_000
    low, high = area_extent(root)
    assert high - low > (RIGHT - LEFT) * 0.9


def test_names_in_chart_titles_are_escaped():
    bounds = bounds_of(Settings(2, 100, 200))
    trace = Counterexample((State(2, 0, 0, 0),), ())
    svg = timeline(trace, bounds, 'x"><script>', "<script>alert(1)</script>")
    assert "<script" not in svg
    parse(svg)  # still well-formed


REPR = re.compile(r"\b(None|True|False)\b")
ONE_PLURAL = re.compile(r"(?<![\d,.])1 (tasks|steps|slots|seconds|services|counts)\b")


@pytest.mark.parametrize("path", [pytest.param(p, id=p.name) for p in sorted((ROOT / "reports").iterdir())
                                  if p.is_file()])
def test_reports_hold_no_python_repr_and_no_wrong_plural(path):
    text = path.read_text()
    assert not REPR.search(text), REPR.search(text)
    assert not ONE_PLURAL.search(text), ONE_PLURAL.search(text)


def test_a_requirement_above_the_healthy_minimum_gets_its_own_line():
    # One task at minimumHealthyPercent 0: L = 0, but the model requires 1 healthy; the
    # counterexample (stop the task) is below the requirement, not below L, so both lines show.
    bounds = bounds_of(Settings(1, 0, 100))
    trace = Counterexample((State(1, 0, 0, 0), State(0, 1, 0, 0)), (Action("stop", 1),))
    root = parse(timeline(trace, bounds, "c", "t", violation="availability violated", required=Required(1, None)))
    labels = {"".join(g.itertext()) for g in root.iter(f"{SVG}g") if "limit" in g.get("class", "").split()}
    assert "healthy minimum L = 0" in labels
    assert any("required: at least 1 healthy" in label for label in labels)


def test_a_limit_far_above_the_run_is_named_not_drawn():
    # maximumPercent 10^18 with one task: U = 10^16. Drawing it would flatten the run to nothing
    # (and the tick search ran out of steps: an internal error in `report`); it is named instead.
    bounds = bounds_of(Settings(1, 0, 10**18))
    trace = Counterexample((State(1, 0, 0, 0), State(0, 1, 0, 0)), (Action("stop", 1),))
    root = parse(timeline(trace, bounds, "c", "t"))
    assert "maximum U = 10,000,000,000,000,000: above the chart" in texts(root, "off-chart")
    assert not [g for g in root.iter(f"{SVG}g") if "limit-U" in g.get("class", "").split()]
    assert texts(root, "y-tick") == ["0", "1"]   # the run's own scale: one task at most, L = 0
