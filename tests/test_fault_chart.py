"""ECS's run with a bad release on the report page: failures, the trip and the rollback marked on its timeline.

Positions are worked out by hand from the chart's layout (plot from x=LEFT to x=RIGHT over the
run's seconds plus a tail of 4 %), for SPEC 11's min-50 row: 6 new tasks fail at 150 s, the
breaker trips then, the service is rolled back at 300 s (see test_ecs_faults).
"""

import xml.etree.ElementTree as ET
from pathlib import Path

from conftest import run_in_process

from verifier.model.faults import FAILS_HEALTH_CHECKS, Breaker, Faults
from verifier.model.records import Settings
from verifier.reports.svg_chart import BOTTOM, LEFT, RIGHT, TOP
from verifier.reports.svg_faults import chart_trace, fault_timeline
from verifier.schedules.ecs_faults import fault_run
from verifier.semantics import State, bounds_of

SVG = "{http://www.w3.org/2000/svg}"
MIN_50 = Settings(6, 50, breaker=Breaker(rollback=True))


def groups(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def test_failures_trip_and_rollback_are_marked_where_they_happen() -> None:
    run = fault_run(MIN_50, Faults(new_revision=FAILS_HEALTH_CHECKS))
    root = ET.fromstring(fault_timeline(run, bounds_of(MIN_50), "f", "broken"))
    # 300 s of run and a 12 s tail (4 %): 150 s is at LEFT + 150 * (RIGHT - LEFT) / 312.
    at_150, at_300 = LEFT + 150 * (RIGHT - LEFT) / 312, LEFT + 300 * (RIGHT - LEFT) / 312
    fails = groups(root, "fault-fail")
    assert len(fails) == 1 and "6 new tasks fail at 150 s" in "".join(fails[0].itertext())
    (trip,) = groups(root, "fault-trip")
    (back,) = groups(root, "fault-rolled-back")
    for group, at, words in ((trip, at_150, "breaker trips at 150 s"), (back, at_300, "rolled back at 300 s")):
        line = group.find(f"{SVG}line")
        assert line is not None
        assert abs(float(line.get("x1", "0")) - at) < 0.1
        assert (float(line.get("y1", "0")), float(line.get("y2", "0"))) == (TOP, BOTTOM)
        assert words in "".join(group.itertext())


def test_old_tasks_launched_by_the_rollback_are_drawn_as_pending() -> None:
    # After the trip at 150 s: 3 old healthy, 3 old draining, 3 old launched (not yet healthy).
    run = fault_run(MIN_50, Faults(new_revision=FAILS_HEALTH_CHECKS))
    states = chart_trace(run).states
    assert State(3, 3, 3, 0) in states and states[-1] == State(6, 0, 0, 0)


def test_the_report_page_has_the_bad_release_section(tmp_path: Path) -> None:
    model = tmp_path / "broken.yaml"
    model.write_text("service:\n  desiredCount: 6\n  deploymentConfiguration:\n    minimumHealthyPercent: 50\n"
                     "    deploymentCircuitBreaker: {enable: true, rollback: true}\n"
                     "faults:\n  newRevision: failsHealthChecks\n")
    run_in_process("report", model, "--output", tmp_path / "out")
    page = next((tmp_path / "out").glob("*.html")).read_text()
    assert "What ECS does with a bad release" in page and 'id="fault-timeline"' in page
    assert "breaker trips at 150 s (threshold 3), rolled back at 300 s" in page
