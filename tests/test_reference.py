"""docs/semantics.md#reference-scenarios: the four reference scenarios from AWS's best-practice page.

Durations: health checks 150 s, draining 300 s. Each figure is derived by hand
in the comment beside it; a trace given there is checked to be a valid plan of
the stated length rather than compared as the only answer, because several
plans can share the fewest steps.
"""

import itertools

from conftest import make_model

from verifier.check.verify import verify
from verifier.model.records import PlanStep
from verifier.results import Status, Verdict


def status(result, property_id):
    return next(f.status for f in result.findings if f.property_id == property_id)


def as_plan(pairs):
    """(old, new) pairs -> the steps between them."""
    steps = []
    for (o1, n1), (o2, n2) in itertools.pairwise(pairs):
        steps.append(PlanStep("stop", o1 - o2) if o2 < o1 else PlanStep("launch", n2 - n1))
    return tuple(steps)


def test_defaults_room_for_eight():
    result = verify(make_model(6, 100, 200, 8))
    # L = 6, U = 12, C = 8. Healthy may never drop below 6, so every stop must be
    # preceded by as many healthy new tasks; only 8 - 6 = 2 slots are free, so each
    # round launches 2 and stops 2: three launch steps and three stop steps = 6 steps,
    # 3 x 150 + 3 x 300 = 1350 s. ECS does exactly these rounds one after another
    # (each stop waits for a ready, each launch for a gone), so it takes 1350 s too,
    # and no overlap helps: a stop needs 2 new healthy tasks, which need the 2 slots.
    assert result.verdict is Verdict.PROVED
    assert result.step_plan.min_steps == 6
    assert result.step_plan.trace == ((6, 0), (6, 2), (4, 2), (4, 4), (2, 4), (2, 6), (0, 6))
    assert result.step_plan.sequential_seconds == 1350
    assert result.ecs.completes and result.ecs.makespan_seconds == 1350
    assert result.optimal.makespan_seconds == 1350
    # The ECS run never dips below 6 healthy and peaks at 6 old + 2 new = 8 counted.
    assert (result.ecs.min_healthy_seen, result.ecs.max_counted_seen) == (6, 8)


def test_min50_room_for_eight():
    model = make_model(6, 50, 200, 8)
    result = verify(model)
    # L = 3. At least two stop steps: stopping all 6 at once needs 3 new healthy
    # tasks first, but 6 old + 3 new = 9 > 8 slots. At least two launch steps: one
    # launch of 6 needs old + stopping <= 2, i.e. 4 old stopped and gone while
    # healthy >= 3 with no new task. So 4 steps, and 2 x 300 + 2 x 150 = 900 s.
    assert result.step_plan.min_steps == 4
    assert result.step_plan.sequential_seconds == 900
    # ECS: t=0 stop 3, launch 2 (8 slots); t=150 2 ready, stop 2 more (healthy 3);
    # t=300 3 gone, launch 3; t=450 3 ready and 2 gone, stop the last old, launch 1;
    # t=600 ready; t=750 the last old task is gone.
    assert result.ecs.makespan_seconds == 750
    # Optimal is also 750: the last old task can only stop once 3 new tasks are
    # healthy; the first launch can only start 2 (8 slots), the third new task
    # needs a slot freed by a gone at 300 at the earliest, so it is healthy at 450,
    # and the last old task stopped then is gone at 750.
    assert result.optimal.makespan_seconds == 750
    # The example trace in docs/semantics.md#reference-scenarios (6,0)(3,0)(3,5)(0,5)(0,6) is one valid 4-step plan.
    spec_plan = as_plan(((6, 0), (3, 0), (3, 5), (0, 5), (0, 6)))
    checked = verify(make_model(6, 50, 200, 8, plan=spec_plan))
    assert status(checked, "plan") is Status.HOLDS
    assert len(result.step_plan.trace) == 5


def test_min50_room_for_ten():
    result = verify(make_model(6, 50, 200, 10))
    # Two steps cannot do it: launch 6 first needs 12 slots; stop 6 first leaves 0 healthy.
    # Three suffice, e.g. stop 3, then (those 3 gone) launch 6: 3 old + 6 new = 9 <= 10 slots, stop 3.
    assert result.step_plan.min_steps == 3
    spec_plan = as_plan(((6, 0), (3, 0), (3, 6), (0, 6)))
    assert status(verify(make_model(6, 50, 200, 10, plan=spec_plan)), "plan") is Status.HOLDS
    # The fastest step plan uses two launches and one stop: launch 4 (10 slots),
    # stop 6 (4 healthy >= 3), launch 2: 150 + 300 + 150 = 600 s.
    assert result.step_plan.sequential_seconds == 600
    # ECS (our figure): t=0 stop 3, launch 4; t=150 4 ready, stop the last 3 (healthy 4);
    # t=300 3 gone, launch 2; t=450 the other 3 gone and 2 ready: 450 s. No schedule is
    # faster: the last old task needs 3 healthy new tasks (>= 150 s) and 300 s to drain.
    assert result.ecs.makespan_seconds == 450
    assert result.optimal.makespan_seconds == 450


def test_both_100_is_stuck_at_the_start():
    result = verify(make_model(6, 100, 100, 8))
    # L = 6 = U: stopping one leaves 5 < 6 healthy; launching one makes 7 > 6 tasks.
    assert result.verdict is Verdict.VIOLATED
    progress = next(f for f in result.findings if f.property_id == "progress")
    assert progress.status is Status.VIOLATED
    assert progress.counterexample.states == (result.ecs.trace.states[0],)  # stuck in the initial state
    assert result.step_plan.min_steps is None
    assert not result.ecs.completes and result.ecs.makespan_seconds is None
    assert result.optimal.makespan_seconds is None
