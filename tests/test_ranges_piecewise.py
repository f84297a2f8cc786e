"""ECS's run by pieces of the desired count, deadline over ranges, and the least-change walk of suggest.

The independent reference throughout is the per-count path: `simulate` (ECS's
run for one count) and `check_model` (the full verification of one count).
"""

import time

from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.check.ranges import verify_every_count_from, verify_range
from verifier.check.suggest import suggest
from verifier.check.verify import Options, check_model
from verifier.model.records import Model, Requirements, Settings
from verifier.properties.count_spans import Span, union
from verifier.results import Status, Verdict
from verifier.schedules.ecs_controller import simulate, worst_makespan
from verifier.schedules.ecs_pieces import ecs_pieces
from verifier.semantics import deployment_of

TERA = 10**12


def model_of(low, high, m=100, x=200, headroom=None, capacity=None, timing=(150, 300), knob=False,
             requirements=Requirements()):
    if headroom is not None:   # as a model file with capacityHeadroomTasks gives it
        capacity = low + headroom
    return Model("range", Settings(low, m, x, capacity, timing[0], timing[1], knob), requirements,
                 desired_range=(low, high), capacity_headroom=headroom)


def makespan(model, desired):
    run = simulate(deployment_of(model.at(desired).settings))
    return run.makespan_seconds if run.completes else None


shapes = st.fixed_dictionaries({
    "m": st.sampled_from([0, 25, 33, 50, 67, 75, 90, 100, 120]),
    "x": st.sampled_from([90, 100, 101, 110, 125, 150, 175, 200, 250]),
    "room": st.sampled_from([("headroom", 0), ("headroom", 1), ("headroom", 2), ("headroom", 5),
                             ("unlimited", None), ("fixed", 7), ("fixed", 40)]),
    "timing": st.sampled_from([(150, 300), (7, 13), (10, 10), (300, 150), (37, 120)]),
    "knob": st.booleans(),
    "low": st.integers(1, 30),
    "width": st.integers(0, 45),
})


def shaped(shape, requirements=Requirements()):
    kind, slots = shape["room"]
    return model_of(shape["low"], shape["low"] + shape["width"], shape["m"], shape["x"],
                    headroom=slots if kind == "headroom" else None, capacity=slots if kind == "fixed" else None,
                    timing=shape["timing"], knob=shape["knob"], requirements=requirements)


@settings(max_examples=60, deadline=None)
@given(shapes)
def test_pieces_agree_with_ecs_run_count_by_count(shape):
    model = shaped(shape)
    low, high = model.desired_range
    pieces = ecs_pieces(model, low, high)
    covered = []
    for run in pieces:
        assert not run.unknown
        for t in range(run.piece.lo, run.piece.hi + 1):
            desired = run.piece.count(t)
            covered.append(desired)
            assert (run.seconds(t) if run.completes else None) == makespan(model, desired), desired
    assert sorted(covered) == list(range(low, high + 1))  # every count once


@settings(max_examples=40, deadline=None)
@given(shapes, st.integers(0, 6000))
def test_deadline_over_a_range_agrees_with_each_count(shape, limit):
    model = shaped(shape, Requirements(max_deploy_seconds=limit))
    low, high = model.desired_range
    finding = next(f for f in verify_range(model).findings if f.property_id == "deadline")
    late = {d for d in range(low, high + 1) if (s := makespan(model, d)) is None or s > limit}
    reported = {d for interval in finding.failing for d in interval.span}
    assert reported == late
    assert finding.status is (Status.VIOLATED if late else Status.HOLDS)
    for interval in finding.failing:  # each shown with ECS's run at its first count, which misses the limit
        assert interval.example == interval.low and interval.counterexample.states


def test_one_free_slot_deadline_over_a_million_and_a_trillion_counts():
    # Defaults with one free slot: ECS launches one, waits 150 s, stops one, waits 300 s, per task,
    # so D tasks take 450*D s (e.g. 450,000 s at D = 1000). A limit of 100,000 s is missed from
    # D = 223 (450*222 = 99,900 <= 100,000 < 450*223).
    for high in (10**6, TERA):
        started = time.perf_counter()
        model = model_of(1, high, headroom=1, requirements=Requirements(max_deploy_seconds=100_000))
        finding = next(f for f in verify_range(model).findings if f.property_id == "deadline")
        assert [(i.low, i.high) for i in finding.failing] == [(223, high)]
        assert time.perf_counter() - started < 60  # the per-count walk took 87 s for 1..1000 alone
    assert makespan(model, 222) == 99_900 and makespan(model, 223) == 100_350


def test_open_ended_pieces_cover_every_count_from_low_up():
    # With one free slot the run is the same for every count from 3 up: 450*D s.
    model = model_of(3, 3, headroom=1)
    pieces = ecs_pieces(model, 3, None)
    assert pieces[-1].piece.hi is None and all(p.completes for p in pieces)
    for d in (3, 4, 57, 1000):
        run = next(p for p in pieces if p.piece.first <= d and (d - p.piece.offset) % p.piece.period == 0
                   and (p.piece.last is None or d <= p.piece.last))
        assert run.seconds((d - run.piece.offset) // run.piece.period) == 450 * d == makespan(model, d)


@settings(max_examples=30, deadline=None)
@given(shapes)
def test_worst_makespan_is_the_largest_of_each_count(shape):
    model = shaped(shape)
    low, high = model.desired_range
    each = [makespan(model, d) for d in range(low, high + 1)]
    expected = None if None in each else max(each)
    assert worst_makespan(model, 10**6) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.integers(0, 900), st.integers(1, 12), st.integers(1, 12)),
                min_size=1, max_size=6))
def test_union_has_the_same_counts_as_its_spans(raw):
    spans = [Span(low, low + length, period, min(width, period)) for low, length, period, width in raw]
    joined = union(spans)
    wanted = {d for s in spans for d in s}
    assert {d for s in joined for d in s} == wanted
    assert sum(s.size() for s in joined) == len(wanted)  # no count twice


def test_suggest_finds_maximum_200_for_two_steps_at_seven():
    # D = 7, 100/125, maxSteps 2: the minimum stays 100 (no minHealthy requirement), so nothing may
    # stop before new tasks are healthy; two steps must be launch(7) then stop(7), which needs
    # floor(7x/100) >= 14, i.e. x = 200: a change of 75 points. The old search refuted 40 candidates
    # one verification each and gave up.
    model = Model("seven", Settings(7, 100, 125), Requirements(max_steps=2))
    result = suggest(model)
    assert result.fix is not None, result.note
    assert (result.fix.min_healthy_percent, result.fix.max_percent, result.fix.total_change) == (100, 200, 75)
    assert result.verdict_after is Verdict.PROVED


def brute_force_least(model):
    """The least change of maximumPercent (the minimum may not drop) that the full verification proves."""
    m0, x0 = model.settings.min_healthy_percent, model.settings.max_percent
    for change in range(0, 101):
        for x in sorted({x0 - change, x0 + change}, reverse=True):
            if 100 <= x <= 200:
                candidate = Model(model.name, Settings(model.settings.desired, m0, x), model.requirements)
                if check_model(candidate, Options()).verdict is Verdict.PROVED:
                    return change
    return None


def test_suggest_change_is_least_by_brute_force():
    # D, maximumPercent and the limit; the minimum stays 100, so only maximumPercent may change.
    grid = [(5, 100, Requirements(max_deploy_seconds=900)), (5, 100, Requirements(max_deploy_seconds=1350)),
            (6, 110, Requirements(max_deploy_seconds=1350)), (3, 125, Requirements(max_deploy_seconds=900)),
            (5, 110, Requirements(max_deploy_seconds=900)), (6, 125, Requirements(max_deploy_seconds=1350)),
            (4, 110, Requirements(max_steps=2)), (3, 100, Requirements(max_steps=3))]
    cases = [Model(f"d{d}x{x}", Settings(d, 100, x), requirements) for d, x, requirements in grid]
    changed = 0
    for model in cases:
        result = suggest(model)
        least = brute_force_least(model)
        got = 0 if result.already_holds else None if result.fix is None else result.fix.total_change
        assert got == least, (model.name, result.note)
        changed += got != 0
    assert changed >= 3  # most cases need a change


def test_suggest_over_a_range_with_no_headroom_finishes():
    # Headroom 0 with the minimum at 100 is stuck at every count (no slot to start a new task, no stop
    # allowed); before, suggest walked ECS's run count by count and did not finish (over 100 s here).
    # With headroom h ECS moves h tasks per 450 s round (150 s health check, then 300 s drain), so
    # D = 100,000 takes 450 * ceil(100000 / h) s: 360,000 s allows 800 rounds, h = 125 (h = 124: 807).
    model = model_of(1, 100_000, headroom=0, requirements=Requirements(max_deploy_seconds=360_000))
    started = time.perf_counter()
    result = suggest(model)
    assert time.perf_counter() - started < 60
    assert result.capacity_fix is not None and result.capacity_fix.capacity_headroom == 125
    assert result.capacity_fix.worst_deploy_seconds == 360_000


def test_pieces_with_many_tasks_per_round_agree_with_sampled_counts():
    # 37 free slots: the number of rounds, ceil(D / 37), is cut into pieces by its value.
    model = model_of(1, 5000, headroom=37)
    pieces = ecs_pieces(model, 1, 5000)
    for desired in [1, 36, 37, 38, 73, 74, 75, 999, 1000, 4995, 4996, 5000]:
        run = next(p for p in pieces if (desired - p.piece.offset) % p.piece.period == 0
                   and p.piece.first <= desired <= p.piece.last)
        seconds = run.seconds((desired - run.piece.offset) // run.piece.period)
        assert seconds == makespan(model, desired) == 450 * -(-desired // 37)


def test_every_count_from_one_up_holds_with_two_free_slots():
    # Defaults with two free slots never get stuck and stay within every bound (the same model as
    # models/autoscaled-headroom.yaml, which is proved for 1..10000 count by count in its range).
    result = verify_every_count_from(model_of(1, 1, headroom=2), 1)
    assert result.open_ended and result.verdict is Verdict.PROVED
    assert all("from 1 up" in f.message for f in result.findings if f.property_id != "steps")


def test_every_count_from_one_up_both_100_is_stuck_at_every_count():
    # L = U = D: no stop (healthy would drop below D) and no launch (counted would exceed D), at every D.
    result = verify_every_count_from(model_of(1, 1, 100, 100), 1)
    progress = next(f for f in result.findings if f.property_id == "progress")
    assert progress.status is Status.VIOLATED
    assert [(i.low, i.high) for i in progress.failing] == [(1, result.high)]
    assert "and on past" in progress.message


def test_every_count_from_one_up_deadline_with_one_free_slot():
    # 450*D s per run (see above): every count from 223 on misses 100,000 s, for ever.
    model = model_of(1, 1, headroom=1, requirements=Requirements(max_deploy_seconds=100_000))
    finding = next(f for f in verify_every_count_from(model, 1).findings if f.property_id == "deadline")
    assert finding.status is Status.VIOLATED and finding.failing[0].low == 223


@settings(max_examples=6, deadline=None)
@given(shapes)
def test_every_count_from_low_up_agrees_with_each_count_near_low(shape):
    # Timings whose gcd is large: the per-count verification's optimal timed search ticks at it.
    shape = {**shape, "timing": (150, 300) if shape["timing"][0] < 100 else shape["timing"]}
    model = shaped(shape, Requirements(max_deploy_seconds=5000))
    low = model.desired_range[0]
    result = verify_every_count_from(model, low)
    each = {d: check_model(model.at(d), Options()).verdict for d in range(low, low + 5)}
    if result.verdict is Verdict.PROVED:
        assert set(each.values()) <= {Verdict.PROVED}
    for finding in result.findings:
        if finding.status is Status.VIOLATED:
            assert any(each.get(d) is Verdict.VIOLATED for d in range(low, low + 5)) or \
                finding.failing[0].low >= low + 5
