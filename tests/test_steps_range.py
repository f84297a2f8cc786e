"""maxSteps over ranges of desired counts: the fewest steps in closed form, its pieces, its proof.

Independent references: the search over every step plan (`plan_steps`, Dijkstra
over the settled-state graph) for the closed form; the per-count `check_model`
(the single-count steps answer, exact at small counts) for the range answer;
and derivations by hand, written beside each expected value.
"""

import json
import time

from conftest import assert_valid_json_output, run_in_process
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.check.ranges import verify_every_count_from, verify_range
from verifier.check.verify import Options, check_model
from verifier.counterexample import step_count
from verifier.model.records import Model, Requirements, Settings
from verifier.properties import steps_range
from verifier.properties.range_scan import RangeScan
from verifier.replay import replay
from verifier.results import PropertyId, Status
from verifier.rounding import ceil_percent, floor_percent
from verifier.schedules.step_counts import fewest_steps, over_limit
from verifier.schedules.step_plan import plan_steps
from verifier.semantics import Bounds, Deployment, goal_state

TERA = 10**12


def model_of(low, high, m=100, x=200, headroom=None, capacity=None, limit=3, timing=(150, 300)):
    if headroom is not None:   # as a model file with capacityHeadroomTasks gives it
        capacity = low + headroom
    return Model("range", Settings(low, m, x, capacity, timing[0], timing[1]), Requirements(max_steps=limit),
                 desired_range=(low, high), capacity_headroom=headroom)


def steps_finding(result):
    return next(f for f in result.findings if f.property_id == PropertyId.STEPS)


def members(finding, low, high):
    """Failing counts of a finding within low..high, from its spans (periodic ones included)."""
    return {d for d in range(low, high + 1) if any(d in interval.span for interval in finding.failing)}


percents = st.sampled_from([0, 10, 25, 33, 50, 67, 75, 90, 100, 120])
maxima = st.sampled_from([50, 100, 101, 110, 125, 150, 175, 200, 250])


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 14), percents, maxima, st.sampled_from([None, 0, 1, 2, 3, 5, -1, "2D"]),
       st.sampled_from([(150, 300), (7, 13), (300, 150), (1, 1)]))
def test_closed_form_equals_search_over_every_plan(d, m, x, room, timing):
    capacity = room if room is None else 2 * d if room == "2D" else max(0, d + room)
    deployment = Deployment(Bounds(d, ceil_percent(d, m), floor_percent(d, x), capacity, m, x), *timing)
    searched = plan_steps(deployment, 10**6)
    assert searched.complete
    figures = fewest_steps(deployment)
    assert (figures.steps, figures.seconds) == (searched.min_steps, searched.sequential_seconds)
    for limit in range(-1, 16):
        assert over_limit(deployment.bounds, limit) == (searched.min_steps is None or searched.min_steps > limit)


def test_spec_reference_rows_by_hand():
    # SPEC section 7: D = 6 with room for 8 (100/200): 6 steps; min 50 room 8: 4; min 50 room 10: 3; 100/100: none.
    def steps(m, x, capacity):
        return fewest_steps(Deployment(Bounds(6, ceil_percent(6, m), floor_percent(6, x), capacity, m, x), 150, 300))
    assert steps(100, 200, 8).steps == 6
    assert steps(50, 200, 8).steps == 4 and steps(50, 200, 8).seconds == 900
    assert steps(50, 200, 10).steps == 3 and steps(50, 200, 10).seconds == 600
    assert steps(100, 100, 8).steps is None


def test_min_50_max_200_unlimited_two_steps_at_every_count():
    # By hand: launch D new (D old + D new = 2D <= U = 2D), then stop all D old (D new healthy >= L =
    # ceil(D/2)): 2 steps. One step cannot do it (it changes only the old count or only the new one).
    model = model_of(1, TERA, 50, 200, limit=2)
    assert steps_finding(verify_range(model)).status is Status.HOLDS
    one = steps_finding(verify_range(model_of(1, TERA, 50, 200, limit=1)))
    assert one.status is Status.VIOLATED and one.failing_desired() == [[1, TERA]]
    assert len(one.failing[0].counterexample.actions) == 4   # launch, ready, stop, gone


def test_one_free_slot_takes_two_steps_per_task():
    # By hand, 100/200 with capacity D + 1: L = D, so no stop before a new task is healthy, and room
    # for one more task, so each launch adds one: launch 1, stop 1, D times = 2D steps. With
    # maxSteps 7, D <= 3 holds and every D from 4 on fails; the plan shown at 4 has 8 steps.
    finding = steps_finding(verify_range(model_of(1, TERA, headroom=1, limit=7)))
    assert finding.status is Status.VIOLATED
    assert finding.failing_desired() == [[4, TERA]]
    example = finding.failing[0]
    assert example.example == 4 and step_count(example.counterexample) == 16   # 8 steps, 2 actions each
    assert "are 8" in example.why[0]


def test_max_125_fails_where_a_quarter_does_not_divide():
    # By hand, 100/125 unlimited: L = D, M = U = floor(5D/4), each round adds delta = floor(D/4) new
    # tasks, so (launch first; stop first is blocked at L = D) the fewest steps are 2 * ceil(D/delta),
    # none for D <= 3. D = 4k + j (j < 4) gives 2 * (4 + ceil(j/k)): 8 if j = 0, else 10 while j <= k,
    # and 12 for D = 6, 7 (k = 1) and 11 (k = 2). So maxSteps 10 fails exactly at 1..3, 6, 7 and 11.
    finding = steps_finding(verify_range(model_of(1, TERA, 100, 125, limit=10)))
    assert finding.status is Status.VIOLATED
    assert finding.failing_desired() == [[1, 3], [6, 7], [11, 11]]
    # maxSteps 8: fails at 1..3 and wherever 4 does not divide D (from 5 on): periodic spans.
    eight_model = model_of(1, TERA, 100, 125, limit=8)
    spans = steps_range.failing_spans(RangeScan(eight_model, 1, TERA, 20_000), 8)
    assert {d for d in range(1, 1001) if any(d in s for s in spans)} == {1, 2, 3} | {d for d in range(5, 1001) if d % 4}
    assert {d for d in range(TERA - 999, TERA + 1) if any(d in s for s in spans)} == \
        {d for d in range(TERA - 999, TERA + 1) if d % 4}
    eight = steps_finding(verify_range(eight_model))   # the first spans are shown, the rest counted
    assert eight.failing[0].low == 1 and any("more failing spans" in detail for detail in eight.details)
    # From 12 on, 10 steps always suffice, and Z3 proves it for every count with no upper end.
    assert steps_finding(verify_every_count_from(model_of(12, 12, 100, 125, limit=10), 12)).status is Status.HOLDS


def test_open_ended_violation_goes_on():
    finding = steps_finding(verify_every_count_from(model_of(1, 1, headroom=1, limit=7), 1))
    assert finding.status is Status.VIOLATED and "on past" in finding.message


shapes = st.fixed_dictionaries({
    "m": percents, "x": maxima,
    "room": st.sampled_from([("headroom", 0), ("headroom", 1), ("headroom", 2), ("headroom", 5),
                             ("unlimited", None), ("fixed", 7), ("fixed", 12)]),
    "limit": st.integers(0, 9),
    "low": st.integers(1, 8),
    "width": st.integers(0, 6),
})


def shaped(shape, high=None):
    kind, slots = shape["room"]
    low = shape["low"]
    return model_of(low, high or low + shape["width"], shape["m"], shape["x"],
                    headroom=slots if kind == "headroom" else None, capacity=slots if kind == "fixed" else None,
                    limit=shape["limit"])


@settings(max_examples=40, deadline=None)
@given(shapes)
def test_range_agrees_with_each_count_verified_alone(shape):
    model = shaped(shape)
    low, high = model.desired_range
    finding = steps_finding(verify_range(model))
    each = {d: steps_finding(check_model(model.at(d), Options())).status for d in range(low, high + 1)}
    assert set(each.values()) <= {Status.HOLDS, Status.VIOLATED}   # small counts: every plan searched
    assert members(finding, low, high) == {d for d, status in each.items() if status is Status.VIOLATED}
    assert finding.status is (Status.VIOLATED if Status.VIOLATED in each.values() else Status.HOLDS)
    for interval in finding.failing:   # each example is the first count of its span, and replays there
        bounds = model.at(interval.example).settings
        assert interval.example == interval.low and each[interval.example] is Status.VIOLATED
        assert interval.counterexample.states[0].old == bounds.desired


@settings(max_examples=25, deadline=None)
@given(shapes)
def test_pieces_equal_the_closed_form_count_by_count(shape):
    model = shaped(shape, high=2_600)
    scan = RangeScan(model, model.desired_range[0], 2_600, 20_000)
    original = steps_range.ENUMERATE_UP_TO
    steps_range.ENUMERATE_UP_TO = 0    # cut into pieces even where the range is small enough to list
    try:
        spans = steps_range.failing_spans(scan, shape["limit"])
    finally:
        steps_range.ENUMERATE_UP_TO = original
    listed = {d for d in scan.counts() if any(d in s for s in spans)}
    assert listed == {d for d in scan.counts() if over_limit(scan.bounds(d), shape["limit"])}


def test_witness_replays_at_a_large_count():
    # At D = 10^12 with 100/200 and 1,000 free slots, the fewest plan has 2 * 10^9 steps (see the
    # one-free-slot derivation: each round replaces 1,000 tasks); it is shown with repeats, replayed.
    model = model_of(TERA, TERA, headroom=1000, limit=10)
    scan = RangeScan(model, TERA, TERA, 20_000)
    trace, why = steps_range.witness(scan, TERA, 10)
    assert "2,000,000,000" in why[0]
    replay(scan.bounds(TERA), trace, lambda state: state == goal_state(scan.bounds(TERA)), "steps")


def test_no_plan_witness_ends_stuck():
    # 100/100: no stop (L = D) and no launch (U = D) at the start: stuck where it starts.
    finding = steps_finding(verify_range(model_of(1, TERA, 100, 100, limit=4)))
    assert finding.failing_desired() == [[1, TERA]]
    assert finding.failing[0].counterexample.actions == () and "no step plan" in finding.failing[0].why[0]


def test_ranges_of_a_million_and_a_trillion_answer_in_about_a_second():
    # Timings on a shared machine are indicative; the bound is generous.
    for high in (10**6, TERA):
        for model in (model_of(1, high, 50, 150, limit=3), model_of(1, high, headroom=3, limit=9),
                      model_of(1, high, 33, 117, capacity=5_000, limit=6)):
            scan = RangeScan(model, 1, high, 20_000)
            started = time.perf_counter()
            finding = steps_range.check_range(scan)
            assert time.perf_counter() - started < 10
            assert finding.status is not Status.UNKNOWN, finding.message


def test_one_count_at_scale_is_decided_where_the_lower_bound_is_loose():
    # D = 1323, 90/200, room for 1359 (too many settled states to search every plan). By hand:
    # L = ceil(1190.7) = 1191, M = min(2646, 1359) = 1359, delta = M - L = 168, eps = M - D = 36.
    # Stop first: p = ceil(1191/168) = 8 (1176 < 1191 <= 1344), q = ceil(1323/168) = 8: 9 + 8 = 17 steps.
    # Launch first: p' = 1 + ceil(1155/168) = 8, q' = 1 + ceil(1287/168) = 9: 17 steps. The lower bound
    # from the largest single steps says only 16, so the answer was unknown; it is 17 exactly.
    def status(limit):
        model = Model("one", Settings(1323, 90, 200, 1359, 150, 13), Requirements(max_steps=limit))
        return steps_finding(check_model(model, Options())).status
    assert status(16) is Status.VIOLATED
    assert status(17) is Status.HOLDS


def test_command_line_range_with_max_steps(tmp_path):
    # maxSteps 7 with one free slot: 2D steps (see above), so 1..3 hold and 4.. fail: exit 1.
    path = tmp_path / "steps.yaml"
    path.write_text("name: steps\nservice:\n  desiredRange: [1, 1000000000000]\ncluster:\n"
                    "  capacityHeadroomTasks: 1\nrequirements:\n  maxSteps: 7\n")
    run = run_in_process("verify", path, "--format", "json")
    assert run.code == 1
    assert_valid_json_output(run.out)
    steps = next(p for p in json.loads(run.out)["range"]["properties"] if p["id"] == "steps")
    assert steps["status"] == "violated" and steps["failing_desired"][0] == [4, TERA]
    path.write_text(path.read_text().replace("[1, 1000000000000]", "[1, 3]"))
    assert run_in_process("verify", path).code == 0
