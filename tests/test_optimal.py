"""The optimal timed schedule: ECS's run against exact searches, hand derivations, and every size.

Three independent computations of the least makespan meet here: the tick search
(decisions at every multiple of gcd(health, drain)), the event search (decisions
only at 0 and at event completions) and ECS's run, which optimal.py proves optimal.
Schedules are replayed by `_finish_time` below, written from docs/semantics.md.
"""

import json
import time

import pytest
from conftest import MODELS, assert_valid_json_output, make_model, run_in_process
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from verifier.check.verify import Options, verify
from verifier.rounding import ceil_percent, floor_percent
from verifier.schedules.ecs_controller import simulate
from verifier.schedules.event_search import search
from verifier.schedules.optimal import optimal_schedule
from verifier.schedules.tick_search import tick_schedule
from verifier.semantics import Action, Bounds, Deployment, RepeatStep, deployment_of

DURATIONS = [(150, 300), (7, 13), (2, 3), (3, 3), (0, 5), (5, 0), (0, 0), (4, 6)]


def deployment(desired, min_pct, max_pct, capacity=None, knob=False, health=150, drain=300):
    bounds = Bounds(desired, ceil_percent(desired, min_pct), floor_percent(desired, max_pct), capacity,
                    min_pct, max_pct, knob)
    return Deployment(bounds, health, drain)


def _finish_time(dep, decisions):
    """Play timed decisions [(second, actions)] from the initial state; the second the goal is
    reached, or None if an action is not enabled or the goal is never reached.

    Plain arithmetic on (old, stopping, pending, new) from docs/semantics.md, with a task
    ready `health` seconds after its launch and gone `drain` seconds after its stop.
    """
    b = dep.bounds
    old, stopping, pending, new = b.desired, [], [], 0
    now = 0

    def settle(until):
        nonlocal stopping, pending, new
        new += sum(1 for t in pending if t <= until)
        pending = [t for t in pending if t > until]
        stopping = [t for t in stopping if t > until]

    for second, actions in decisions:
        settle(second)
        now = second
        for action in actions:
            amount = action.amount
            if action.name == "stop":
                if not (1 <= amount <= old and old - amount + new >= b.min_healthy):
                    return None
                old -= amount
                stopping += [now + dep.drain_seconds] * amount
            elif action.name == "launch":
                counted = old + len(pending) + new + (len(stopping) if b.stopping_counts_toward_max else 0)
                occupied = old + len(stopping) + len(pending) + new
                if not (len(pending) + new + amount <= b.desired and counted + amount <= b.max_tasks
                        and (b.capacity is None or occupied + amount <= b.capacity)):
                    return None
                pending += [now + dep.health_check_seconds] * amount
            else:
                return None
            settle(now)   # a zero duration finishes at once
    finish = max(stopping + pending, default=now)
    settle(finish)
    return finish if (old, new) == (0, b.desired) else None


def _a(name, amount):
    return Action(name, amount)


def _schedule(result):
    return [(d.second, d.actions) for d in result.schedule]


@st.composite
def small_deployments(draw, max_desired=6):
    health, drain = draw(st.sampled_from(DURATIONS))
    # The tick search at 7/13 tracks 13 ticks a task: D <= 4 keeps it to about a second.
    desired = draw(st.integers(1, 4 if (health, drain) == (7, 13) else max_desired))
    min_pct = draw(st.sampled_from([0, 25, 50, 75, 100]) | st.integers(0, 110))
    max_pct = draw(st.sampled_from([100, 125, 150, 200]) | st.integers(90, 210))
    capacity = draw(st.none() | st.integers(desired, 2 * desired + 1))
    return deployment(desired, min_pct, max_pct, capacity, draw(st.booleans()), health, drain)


@hsettings(max_examples=60, deadline=None)
@given(small_deployments())
def test_event_search_agrees_with_tick_search(dep):
    ticks = tick_schedule(dep, 300_000, None, None)
    assume(ticks.complete)
    events = search(dep, 300_000)
    assert events.complete
    assert events.makespan_seconds == ticks.makespan_seconds
    if events.makespan_seconds is not None:
        assert _finish_time(dep, events.decisions) == events.makespan_seconds


@hsettings(max_examples=60, deadline=None)
@given(small_deployments(max_desired=7))
def test_ecs_run_is_optimal_and_its_schedule_replays(dep):
    exact = search(dep, 300_000)
    assert exact.complete
    optimal = optimal_schedule(dep)
    assert optimal.complete and optimal.makespan_seconds == exact.makespan_seconds
    if optimal.makespan_seconds is not None:
        assert _finish_time(dep, _schedule(optimal)) == optimal.makespan_seconds


def _grid(max_desired, durations):
    for desired in range(1, max_desired + 1):
        for min_pct in (0, 25, 50, 75, 100):
            for max_pct in (100, 125, 150, 200):
                for capacity in (None, desired + 1, desired + 2, 2 * desired):
                    for knob in (False, True):
                        for health, drain in durations:
                            yield deployment(desired, min_pct, max_pct, capacity, knob, health, drain)


def _agree_on(deps):
    for dep in deps:
        exact = search(dep, 1_000_000)
        assert exact.complete, dep
        assert simulate(dep).makespan_seconds == exact.makespan_seconds, dep


def test_ecs_run_is_optimal_on_every_small_deployment():
    _agree_on(_grid(4, [(150, 300), (7, 13)]))


@pytest.mark.slow
def test_ecs_run_is_optimal_on_every_deployment_up_to_eight():
    # 6,400 deployments: about 30 s of exact searches (at most ~8,000 states each).
    _agree_on(_grid(8, [(150, 300), (7, 13), (0, 5), (5, 0), (37, 120)]))


def test_defaults_room_8_takes_1350_seconds():
    # D = 6, L = 6, U = 12, C = 8. Lower bound: occupied <= 8 and healthy >= 6 leave at most
    # 2 tasks launching or stopping at any time; the work is 6 x 150 + 6 x 300 = 2,700
    # task-seconds, so no schedule is shorter than 1,350 s. ECS meets it: launch 2 at 0,
    # ready at 150, stop 2, gone at 450, launch 2 ... the last 2 are gone at 1,350 s.
    result = verify(make_model(6, 100, 200, 8))
    assert result.optimal.makespan_seconds == 1350
    assert search(deployment(6, 100, 200, 8), 100_000).makespan_seconds == 1350


def test_min_50_room_8_takes_750_seconds():
    # D = 6, L = 3, C = 8. Before any gone (300 s) occupied <= 8 allows only 2 launches, so
    # n <= 2 until 450 s (a launch at >= 300 s is healthy at >= 450 s). A stop needs
    # o + n >= 3 after it, so at most 6 - 3 + 2 = 5 stops happen before 450 s: the sixth
    # is gone no earlier than 750 s. ECS meets it: at 0 stop 3, launch 2; at 150 stop 2;
    # at 300 launch 3; at 450 stop 1, launch 1; ready at 600, gone at 750.
    hand = [(0, (_a("stop", 3), _a("launch", 2))), (150, (_a("stop", 2),)), (300, (_a("launch", 3),)),
            (450, (_a("stop", 1), _a("launch", 1)))]
    assert _finish_time(deployment(6, 50, 200, 8), hand) == 750
    result = verify(make_model(6, 50, 200, 8))
    assert result.optimal.makespan_seconds == 750
    assert _schedule(result.optimal) == hand


def test_min_50_room_10_takes_450_seconds():
    # The blank cell of SPEC section 7. D = 6, L = 3, C = 10. With no new task healthy
    # before 150 s, at most 6 - 3 = 3 old tasks stop before 150 s; the other 3 stop at
    # >= 150 s and are gone at >= 450 s. So 450 s is a lower bound, and this schedule
    # meets it: at 0 stop 3 and launch 4 (occupied 10); at 150 the 4 are healthy, stop 3;
    # at 300 the first 3 are gone, launch 2; at 450 the 2 are healthy and the last 3 gone.
    dep = deployment(6, 50, 200, 10)
    hand = [(0, (_a("stop", 3), _a("launch", 4))), (150, (_a("stop", 3),)), (300, (_a("launch", 2),))]
    assert _finish_time(dep, hand) == 450
    result = verify(make_model(6, 50, 200, 10))
    assert result.optimal.makespan_seconds == 450
    assert search(dep, 100_000).makespan_seconds == 450


@pytest.mark.parametrize("desired", [6, 12, 20])
def test_optimal_at_7_13_is_computed_quickly(desired):
    # Regression: verify took 36-40 s here at D = 12 and 20 (the tick search). Now the
    # optimum is ECS's run, checked against the exact event search; min 50, max 150, one
    # spare slot, 7 s health checks and 13 s draining.
    model = make_model(desired, 50, 150, desired + 1, health_check_seconds=7, drain_seconds=13)
    dep = deployment_of(model.settings)
    started = time.perf_counter()
    optimal = optimal_schedule(dep)
    assert time.perf_counter() - started < 5    # about 0.01 s; a busy machine gets room
    exact = search(dep, 2_000_000)
    assert exact.complete and exact.makespan_seconds == optimal.makespan_seconds
    started = time.perf_counter()
    assert verify(model).optimal.makespan_seconds == optimal.makespan_seconds
    assert time.perf_counter() - started < 20


def test_event_search_cost_does_not_depend_on_the_tick():
    # Scaling both durations by 100 (gcd 1 -> 100) or to 37/120 (gcd 1) changes nothing
    # but the seconds: the states are remaining-time multisets, not ticks.
    small = search(deployment(6, 50, 200, 8, health=7, drain=13), 1_000_000)
    large = search(deployment(6, 50, 200, 8, health=700, drain=1300), 1_000_000)
    assert small.states == large.states
    assert large.makespan_seconds == 100 * small.makespan_seconds
    assert search(deployment(8, 50, 150, 10, health=37, drain=120), 1_000_000).complete


def test_event_search_stops_at_its_budget():
    result = search(deployment(20, 50, 150, 22, health=7, drain=13), 50)
    assert not result.complete and result.makespan_seconds is None and result.states <= 50


def _cli_optimal(*words):
    run = run_in_process("verify", *words, "--format", "json", seconds=60)
    assert_valid_json_output(run.out)
    return json.loads(run.out)["optimal"]


@pytest.mark.parametrize("desired", [44, 100, 1000])
def test_above_43_at_min_50_the_optimum_is_no_longer_skipped(desired):
    # Regression: beyond D = 43 at min 50 the CLI skipped the optimum. L = D/2, U = 2D: at 0
    # stop D/2 and launch D; at 150 the D are healthy, stop the other D/2; gone at 450. No
    # schedule is shorter: with no new task healthy before 150 s at most D - L old tasks stop
    # before it, and the others, stopped at >= 150 s, drain until >= 450 s.
    optimal = _cli_optimal("--desired", desired, "--min-healthy-percent", 50)
    assert (optimal["makespan_seconds"], optimal["skipped"], optimal["complete"]) == (450, False, True)


def test_a_billion_second_health_check_gets_its_figure():
    # Regression: 10^9 ticks of 1 s per state were beyond the tick search, so it was skipped.
    # D = 3 at 100/200: stops wait for a healthy new task (L = D), at 10^9 s at the earliest,
    # then drain 7 s: 10^9 + 7 s, which launching all 3 at 0 and stopping all 3 at 10^9 meets.
    optimal = _cli_optimal("--desired", 3, "--health-check-seconds", 10**9, "--drain-seconds", 7)
    assert optimal["makespan_seconds"] == 10**9 + 7


def test_a_million_tasks_with_one_free_slot_take_450_million_seconds():
    # occupied <= D + 1 and healthy >= L = D leave at most one task launching or stopping
    # at any time; the work is 10^6 x (150 + 300) task-seconds: 4.5 x 10^8 s at least, and
    # launch 1, ready, stop 1, gone, repeated, meets it. The schedule marks its repeats.
    result = verify(make_model(1_000_000, 100, 200, 1_000_001), Options(engine="smt"))
    assert result.optimal.makespan_seconds == 450_000_000
    assert any(isinstance(a, RepeatStep) for d in result.optimal.schedule for a in d.actions)


def test_stuck_deployment_has_no_schedule():
    # Both 100: U = D leaves no room to launch and L = D none to stop: nothing ever moves.
    result = optimal_schedule(deployment(6, 100, 100, 8))
    assert result.complete and result.makespan_seconds is None


def _cumulative_greedy(dep):
    """The makespan of the schedule that keeps every cumulative count at its bound (the
    recurrences in optimal.py's docstring), computed without ECS's simulator; None if stuck."""
    b = dep.bounds
    D, L, U, C = b.desired, b.min_healthy, b.max_tasks, b.capacity
    stopped = gone = launched = healthy = 0
    due: dict[int, list[int]] = {}   # second -> [becoming healthy, gone]
    now = 0
    while True:
        changed = True
        while changed:
            ready_now, gone_now = due.pop(now, [0, 0])
            healthy, gone = healthy + ready_now, gone + gone_now
            changed = bool(ready_now or gone_now)
            stop_to = min(D, D - L + healthy)
            if stop_to > stopped:
                due.setdefault(now + dep.drain_seconds, [0, 0])[1] += stop_to - stopped
                stopped, changed = stop_to, True
            launch_to = min(D, U - D + (gone if b.stopping_counts_toward_max else stopped))
            if C is not None:
                launch_to = min(launch_to, C - D + gone)
            if launch_to > launched:
                due.setdefault(now + dep.health_check_seconds, [0, 0])[0] += launch_to - launched
                launched, changed = launch_to, True
        if (stopped, gone, launched, healthy) == (D, D, D, D):
            return now
        if not due:
            return None
        now = min(due)


@hsettings(max_examples=80, deadline=None)
@given(st.integers(1, 400), st.integers(0, 120), st.integers(80, 220), st.integers(0, 300), st.integers(0, 300),
       st.booleans(), st.none() | st.integers(0, 12))
def test_optimal_matches_the_cumulative_recurrences_at_larger_sizes(desired, min_pct, max_pct, health, drain,
                                                                   knob, spare):
    # Long runs here jump over repeated periods in ECS's simulator; the recurrences do not.
    dep = deployment(desired, min_pct, max_pct, None if spare is None else desired + spare, knob, health, drain)
    optimal = optimal_schedule(dep)
    assume(optimal.complete)
    assert optimal.makespan_seconds == _cumulative_greedy(dep)


def test_fargate_twenty_gets_its_optimum():
    # Regression: models/fargate-twenty.yaml (D = 20, min 50, max 200, 90 s / 120 s) read
    # "unknown: the search stopped at 1,000,000 timed states". L = 10: no new task is healthy
    # before 90 s, so at most 10 old tasks stop before it; the other 10 are gone at >= 210 s.
    # At 0 stop 10 and launch 20, at 90 stop 10: gone at 210 s.
    optimal = _cli_optimal(MODELS / "fargate-twenty.yaml")
    assert (optimal["makespan_seconds"], optimal["complete"]) == (210, True)
