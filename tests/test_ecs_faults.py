"""ECS's own run with a bad release (schedules/ecs_faults.py): SPEC section 11's reference cases and more.

Every expected figure is derived by hand in the comment beside it, from the
rules of docs/semantics.md#faults: at 0 s and at every instant at which events
complete, the events are applied (gone, ready, then failures, then an alarm),
then ECS stops as many old tasks as L allows and launches as many new ones as
D, U and C allow. 150 s health checks and failAfterSeconds, 300 s draining,
unless said otherwise. D = desiredCount, L / U its bounds, T the threshold.
"""

from __future__ import annotations

import time

from hypothesis import example, given
from hypothesis import strategies as st

from verifier.fault_semantics import (
    FAILED,
    FAULT_BY_NAME,
    fault_bounds_of,
    initial_fault_state,
    is_completed,
    is_rolled_back,
)
from verifier.model.faults import (
    BOUNDED_PERCENT,
    COUNT,
    FAILS_HEALTH_CHECKS,
    FAILS_TO_START,
    FLAKY,
    UNBOUNDED_PERCENT,
    Alarms,
    Breaker,
    Faults,
)
from verifier.model.records import Settings
from verifier.schedules.ecs_controller import simulate
from verifier.schedules.ecs_faults import (
    COMPLETED,
    NEVER_COMPLETES,
    ROLLED_BACK,
    RUN_FAILED,
    STUCK,
    FaultRun,
    fault_run,
)
from verifier.schedules.ecs_faults_text import describe_fault_run
from verifier.schedules.healthy_fault_run import healthy_fault_run
from verifier.semantics import deployment_of

BREAKER = Breaker(rollback=True)   # default threshold: BOUNDED_PERCENT 50, reset on a healthy task
BROKEN = Faults(new_revision=FAILS_HEALTH_CHECKS)


def figures(run: FaultRun) -> tuple[object, ...]:
    """(outcome, tripped at, rolled back at, makespan, lowest healthy, seconds below D, peak counted, peak occupied)."""
    return (run.outcome, run.tripped_at_seconds, run.rolled_back_at_seconds, run.makespan_seconds,
            run.min_healthy_seen, run.seconds_below_desired, run.max_counted_seen, run.max_occupied_seen)


# --- SPEC section 11's reference rows ----------------------------------------------------------

def test_defaults_broken_rolls_back_at_once() -> None:
    # D=6, L=6, U=12, T = min(200, max(3, ceil(6*50/100) = 3)) = 3. At 0 s no old task may stop
    # (6-1 < L); 6 new launch (p+n <= 6, counted 6+6 <= 12). At 150 s all 6 fail: f = 6 >= 3, the
    # breaker trips, the pending tasks are gone; (6,0,0,0) rolling back is "rolled back" at 150 s.
    run = fault_run(Settings(6, breaker=BREAKER), BROKEN)
    assert run.breaker_threshold == 3
    assert figures(run) == (ROLLED_BACK, 150, 150, 150, 6, 0, 12, 12)
    assert run.tripped_by == "breaker"


def test_min_50_broken_runs_at_half_strength_for_300_s() -> None:
    # L=3: ECS stops 3 old at 0 s and launches 6 (counted 3+6 = 9 <= 12; occupied 3+3+6 = 12).
    # At 150 s the 6 fail, trip; the rollback launches 3 old (old 3 + 3 <= D, counted 6 <= U).
    # At 300 s the 3 stopped at 0 s are gone and the 3 old are healthy: rolled back at 300 s.
    # Lowest healthy 3, below 6 from 0 s to 300 s.
    run = fault_run(Settings(6, 50, breaker=BREAKER), BROKEN)
    assert figures(run) == (ROLLED_BACK, 150, 300, 300, 3, 300, 9, 12)
    assert run.below_desired == ((0, 300),)


def test_no_breaker_never_completes_at_half_strength() -> None:
    # Without a breaker the 6 failing tasks are relaunched every 150 s; from 300 s the state
    # (3 old, 6 pending) and the queue (6 failures in 150 s) repeat exactly: never completes,
    # healthy 3 for ever (seconds below D: None).
    run = fault_run(Settings(6, 50), BROKEN)
    assert figures(run) == (NEVER_COMPLETES, None, None, None, 3, None, 9, 12)
    assert run.breaker_threshold is None
    assert run.below_desired == ((0, None),)


def test_breaker_without_rollback_fails_half_way() -> None:
    # As the min-50 case up to 150 s, where the trip FAILS the deployment: no launch, the 3
    # draining old tasks leave at 300 s and the service stays at 3 healthy old for ever.
    run = fault_run(Settings(6, 50, breaker=Breaker(rollback=False)), BROKEN)
    assert figures(run) == (RUN_FAILED, 150, None, None, 3, None, 9, 12)
    assert run.trace.states[-1].old == 3


def test_one_bad_task_with_reset_completes_at_600_s() -> None:
    # Flaky, 1 failure: the first launched task fails. 0 s: launch 6 (counted 12). 150 s: 5 ready
    # (f reset), 1 fails (f = 1 < 3); stop 5 (1 old + 5 new = 6 >= L), launch 1
    # (p+n = 6). 300 s: it is ready, stop the last old (0+6 >= 6). The 5 stopped at 150 s are gone
    # at 450 s, the last at 600 s: completes at 600 s (the healthy run takes 450 s). Healthy never
    # below 6; peak counted 12 at 0 s (6 old + 6 new), occupied 12.
    run = fault_run(Settings(6, breaker=BREAKER), Faults(new_revision=FLAKY, flaky_failures=1))
    assert figures(run) == (COMPLETED, None, None, 600, 6, 0, 12, 12)
    assert simulate(deployment_of(Settings(6))).makespan_seconds == 450


# --- crashes -------------------------------------------------------------------------------------

def test_one_crash_at_min_100() -> None:
    # 0 s: no stop (L=6); the crash leaves 5 old, 1 replacement owed and launched first
    # (counted 5+1 = 6), then 6 new (counted 12 = U). 150 s: all ready (6 old, 6 new), stop 6.
    # 450 s: gone, completed. Lowest healthy 5, below 6 from 0 s to 150 s.
    run = fault_run(Settings(6), Faults(old_task_crashes=1))
    assert figures(run) == (COMPLETED, None, None, 450, 5, 150, 12, 12)


def test_one_crash_at_min_50() -> None:
    # 0 s: stop 3 (L=3), the crash leaves 2 old (the thinnest moment), its replacement launches
    # (counted 3), 6 new (counted 9; occupied 2+3+1+6 = 12). 150 s: 3 old and 6 new healthy,
    # stop 3 (3-3+6 >= 3): 6 healthy. Gone at 300 s and 450 s: completed at 450 s.
    # Lowest healthy 2, below 6 from 0 s to 150 s.
    run = fault_run(Settings(6, 50), Faults(old_task_crashes=1))
    assert figures(run) == (COMPLETED, None, None, 450, 2, 150, 9, 12)


# --- alarms ----------------------------------------------------------------------------------------

ALARM = Alarms(("p99-latency",), rollback=True)


def test_alarm_earlier_than_the_breaker() -> None:
    # Failures come at 600 s, the alarm 300 s after the first launch (0 s): at 300 s the 3
    # stopped at 0 s are gone and the alarm rolls back; 3 old launch, healthy at 450 s.
    faults = Faults(new_revision=FAILS_HEALTH_CHECKS, fail_after_seconds=600, alarm_detection_seconds=300)
    run = fault_run(Settings(6, 50, breaker=BREAKER, alarms=ALARM), faults)
    assert figures(run) == (ROLLED_BACK, 300, 450, 450, 3, 450, 9, 12)
    assert run.tripped_by == "alarm"


def test_alarm_later_than_the_breaker() -> None:
    # The breaker trips at 150 s, before the alarm's 300 s: the min-50 row's figures.
    run = fault_run(Settings(6, 50, breaker=BREAKER, alarms=ALARM), BROKEN)
    assert figures(run) == (ROLLED_BACK, 150, 300, 300, 3, 300, 9, 12)
    assert run.tripped_by == "breaker"


def test_alarm_without_breaker_or_rollback_fails_the_deployment() -> None:
    # No breaker: failures at 150 s are relaunched; at 300 s they fail again and the alarm
    # fails the deployment (rollback off): 3 healthy old for ever.
    run = fault_run(Settings(6, 50, alarms=Alarms(("p99-latency",), rollback=False)), BROKEN)
    assert figures(run) == (RUN_FAILED, 300, None, None, 3, None, 9, 12)
    assert run.tripped_by == "alarm"


# --- tasks that fail to start ----------------------------------------------------------------------

def test_fails_to_start_trips_at_0_s() -> None:
    # The 6 launched at 0 s leave at 0 s, all counted: f = 6 >= 3, rolled back at 0 s.
    run = fault_run(Settings(6, breaker=BREAKER), Faults(new_revision=FAILS_TO_START))
    assert figures(run) == (ROLLED_BACK, 0, 0, 0, 6, 0, 12, 12)


def test_fails_to_start_at_min_50_is_healthy_again_before_it_is_rolled_back() -> None:
    # 0 s: stop 3, launch 6, they fail at once, trip; 3 old launch, healthy at 150 s (6 healthy
    # from then), but the 3 stopped are gone only at 300 s: rolled back at 300 s, below 6 for 150 s.
    run = fault_run(Settings(6, 50, breaker=BREAKER), Faults(new_revision=FAILS_TO_START))
    assert figures(run) == (ROLLED_BACK, 0, 300, 300, 3, 150, 9, 12)


def test_fails_to_start_without_breaker_never_completes_within_one_instant() -> None:
    # Relaunched and failing again at 0 s, for ever: the loop at one instant is caught.
    run = fault_run(Settings(6, 50), Faults(new_revision=FAILS_TO_START))
    assert figures(run) == (NEVER_COMPLETES, None, None, None, 3, None, 9, 12)
    assert run.repeats_from_seconds == 0


def test_relaunching_at_one_instant_does_not_stop_the_clock() -> None:
    # 0 s: stop 3, 2 crashes (1 old left), 2 replacements launch (counted 3), 6 new launch and fail
    # at once, for ever. The rest of the run still happens: the replacements are healthy at 150 s
    # (3 old), the stopped tasks gone at 300 s; ECS then keeps 3 old and 6 relaunching for ever.
    run = fault_run(Settings(6, 50), Faults(new_revision=FAILS_TO_START, old_task_crashes=2))
    assert figures(run) == (NEVER_COMPLETES, None, None, None, 1, None, 9, 12)
    assert run.trace.times[-1] == 300 and run.trace.states[-1][:4] == (3, 0, 6, 0)
    assert run.repeats_from_seconds == 0


def test_fails_to_start_with_a_count_threshold_counts_each_relaunch() -> None:
    # Room for 8: 2 launch at a time, fail at once; COUNT 10 is reached by the 5th pair, at 0 s.
    run = fault_run(Settings(6, capacity=8, breaker=Breaker(True, COUNT, 10)), Faults(new_revision=FAILS_TO_START))
    assert figures(run) == (ROLLED_BACK, 0, 0, 0, 6, 0, 8, 8)


# --- thresholds ------------------------------------------------------------------------------------

def test_thresholds_with_two_failures_every_150_s() -> None:
    # Room for 8 at D=6, min 100: 2 new at a time, 2 failures every 150 s, nothing old stops.
    # The breaker trips at the first multiple of 150 s where 2k >= T.
    cases = [
        (Breaker(True), 3, 300),                          # max(3, ceil(3)) = 3: 4 >= 3 at 300 s
        (Breaker(True, BOUNDED_PERCENT, 10), 3, 300),     # max(3, ceil(0.6) = 1) = 3
        (Breaker(True, COUNT, 1), 1, 150),                # 2 >= 1
        (Breaker(True, COUNT, 10), 10, 750),              # 10 >= 10 at the 5th round
        (Breaker(True, UNBOUNDED_PERCENT, 100), 6, 450),  # max(1, 6) = 6
        (Breaker(True, UNBOUNDED_PERCENT, 10), 1, 150),   # max(1, ceil(0.6) = 1) = 1
    ]
    for breaker, threshold, trip in cases:
        run = fault_run(Settings(6, capacity=8, breaker=breaker), BROKEN)
        assert run.breaker_threshold == threshold, breaker
        # Nothing to replace: rolled back at the trip, never below 6, peak 6 + 2 = 8.
        assert figures(run) == (ROLLED_BACK, trip, trip, trip, 6, 0, 8, 8), breaker


def test_without_reset_a_flaky_revision_trips_and_rolls_back_a_healthy_new_task() -> None:
    # Flaky, 3 failures, room for 8, reset off. 0 s: 2 launch, both fail (the earliest). 150 s:
    # f = 2; 2 launch, the first fails. 300 s: the other is healthy (no reset), the failure
    # makes f = 3: trip. The rollback stops the healthy new task (6+1-1 >= L), gone at 600 s.
    run = fault_run(Settings(6, capacity=8, breaker=Breaker(True, reset_on_healthy_task=False)),
                    Faults(new_revision=FLAKY, flaky_failures=3))
    assert figures(run) == (ROLLED_BACK, 300, 600, 600, 6, 0, 8, 8)


def test_with_reset_the_same_flaky_revision_completes_300_s_late() -> None:
    # Reset on: at 300 s the success resets f to 0 and the failure makes it 1: no trip. From there
    # (6 old, 1 new, 0 pending, nothing draining) the run is the healthy one of room-for-8, which
    # one slot at a time moves one old for one new task every 150 s: 300 s stop 1 + launch 1;
    # 450 s ready, stop 1; 600 s gone, launch 1; 750 s ready + gone, stop 1, launch 1; 900 s
    # ready, stop 1; 1050 s gone, launch 1; 1200 s ready + gone, stop 1, launch 1; 1350 s ready
    # (6 new), stop the last old; gone at 1500 s and 1650 s. The healthy run ends at 1350 s (SPEC 7).
    run = fault_run(Settings(6, capacity=8, breaker=BREAKER), Faults(new_revision=FLAKY, flaky_failures=3))
    assert figures(run) == (COMPLETED, None, None, 1650, 6, 0, 8, 8)
    assert simulate(deployment_of(Settings(6, capacity=8))).makespan_seconds == 1350


# --- scale -----------------------------------------------------------------------------------------

def test_a_million_tasks_broken_at_min_50() -> None:
    # D = 10^6, L = 500,000, U = 2,000,000, T = min(200, max(3, 500,000)) = 200. 0 s: stop 500,000,
    # launch 10^6 (counted 1.5M, occupied 2M). 150 s: 10^6 failures >= 200, trip; 500,000 old launch
    # (counted 1M). 300 s: the stopped are gone and the old healthy: rolled back at 300 s; lowest
    # healthy 500,000 for 300 s. Counts per instant: a handful of steps, whatever D.
    started = time.perf_counter()
    run = fault_run(Settings(10**6, 50, 200, breaker=BREAKER), BROKEN)
    assert time.perf_counter() - started < 1.0
    assert run.breaker_threshold == 200
    assert figures(run) == (ROLLED_BACK, 150, 300, 300, 500_000, 300, 1_500_000, 2_000_000)
    assert len(run.trace.states) < 10


def test_a_million_tasks_broken_at_min_100() -> None:
    # L = D: nothing stops; 10^6 launch and fail at 150 s: rolled back at 150 s, never below D.
    run = fault_run(Settings(10**6, breaker=BREAKER), BROKEN)
    assert figures(run) == (ROLLED_BACK, 150, 150, 150, 10**6, 0, 2 * 10**6, 2 * 10**6)


def test_stuck_rollback_and_stuck_deployment() -> None:
    # Both 100 (U = D = 6): nothing may stop or launch, the healthy run is stuck at the start.
    assert fault_run(Settings(6, 100, 100), Faults(old_task_crashes=0)).outcome == STUCK
    # A crash at U = D: its replacement never fits (counted 5+1 <= 6 does: it launches; then
    # nothing moves once it is healthy): stuck, like the healthy run.
    assert fault_run(Settings(6, 100, 100), Faults(old_task_crashes=1)).outcome == STUCK


def test_a_budget_of_rounds_is_inconclusive_with_advice() -> None:
    # Room for 7: one task at a time, far more than 3 rounds; below D at the third (min 100 keeps
    # healthy at 6 = D, so use min 50 to be below it): the time below D is not known, not "for ever".
    run = fault_run(Settings(6, 50, capacity=7), Faults(), max_rounds=3)
    assert run.exhausted and run.outcome is None and run.seconds_below_desired is None
    assert "rounds" in run.advice()
    assert "not settled within" in describe_fault_run(run, Faults()) and "for ever" not in describe_fault_run(
        run, Faults())


# --- a healthy revision is ECS's run of docs/semantics.md#ecs-run ----------------------------------

@given(desired=st.integers(1, 12), min_healthy=st.integers(0, 150), max_percent=st.integers(0, 250),
       capacity=st.one_of(st.none(), st.integers(0, 20)), health=st.integers(1, 400), drain=st.integers(0, 400),
       knob=st.booleans(), breaker=st.sampled_from([None, BREAKER, Breaker(False, COUNT, 1)]))
def test_a_healthy_revision_gives_ecs_controller_figures(desired: int, min_healthy: int, max_percent: int,
                                                          capacity: int | None, health: int, drain: int,
                                                          knob: bool, breaker: Breaker | None) -> None:
    settings = Settings(desired, min_healthy, max_percent, capacity, health, drain, knob, breaker=breaker)
    healthy = simulate(deployment_of(settings))
    run = fault_run(settings, Faults())
    assert run.outcome == (COMPLETED if healthy.completes else STUCK)
    assert run.makespan_seconds == healthy.makespan_seconds
    assert run.min_healthy_seen == healthy.min_healthy_seen
    assert run.max_counted_seen == healthy.max_counted_seen
    assert run.max_occupied_seen == healthy.max_occupied_seen
    assert run.tripped_at_seconds is None and run.breaker_threshold == (breaker.threshold(desired) if breaker else None)


# --- a release without faults at any size: ECS's own run, with its repeats ------------------------

@example(desired=60, min_healthy=89, max_percent=100, headroom=1, health=7, drain=1)  # a period whose first
# state was entered 2 s before its first event but each copy's only 1 s before: the time below D was 79, not 75
@given(desired=st.integers(60, 300), min_healthy=st.integers(40, 100), max_percent=st.integers(100, 200),
       headroom=st.integers(1, 2), health=st.integers(1, 200), drain=st.integers(1, 400))
def test_the_time_below_desired_across_repeats_is_the_step_by_step_one(desired: int, min_healthy: int,
                                                                        max_percent: int, headroom: int,
                                                                        health: int, drain: int) -> None:
    # Few free slots make long runs, which ECS's own run folds into repeated periods: the seconds
    # below D worked out across those repeats equal the fault simulation's, which never jumps.
    settings = Settings(desired, min_healthy, max_percent, desired + headroom, health, drain, breaker=BREAKER)
    folded = healthy_fault_run(simulate(deployment_of(settings)), settings)
    stepped = fault_run(settings, Faults())
    assert (folded.outcome, folded.seconds_below_desired, folded.min_healthy_seen, folded.makespan_seconds) == (
        stepped.outcome, stepped.seconds_below_desired, stepped.min_healthy_seen, stepped.makespan_seconds)


def test_a_healthy_release_with_a_breaker_at_a_million_tasks_is_fast() -> None:
    # One free slot, min 99 (L = 990,000): ECS stops 10,000 old at 0 s, so the service is below D
    # from 0 s, and the run repeats a period of one launch at a time, which ECS's own run jumps
    # over: the figures come at once. (The exact seconds are checked against the step-by-step
    # simulation at smaller sizes above.)
    settings = Settings(10**6, 99, 200, 10**6 + 1, breaker=BREAKER)
    started = time.perf_counter()
    run = healthy_fault_run(simulate(deployment_of(settings)), settings)
    assert time.perf_counter() - started < 5.0
    assert run.outcome == COMPLETED and run.breaker_threshold == 200
    assert run.seconds_below_desired is not None and 0 < run.seconds_below_desired <= run.makespan_seconds


def test_the_line_for_a_folded_run_gives_its_time_below_desired() -> None:
    # The run above is below D for a positive time, folded over repeats (no spans listed): the
    # line must say so, not "never below".
    settings = Settings(10**6, 99, 200, 10**6 + 1, breaker=BREAKER)
    run = healthy_fault_run(simulate(deployment_of(settings)), settings)
    line = describe_fault_run(run, Faults())
    assert f"below 1000000 for {run.seconds_below_desired} s;" in line and "never below" not in line


# --- every run is a run of the fault rules ---------------------------------------------------------

breakers = st.one_of(st.none(), st.builds(Breaker, st.booleans(), st.sampled_from([BOUNDED_PERCENT, UNBOUNDED_PERCENT,
                                                                                    COUNT]),
                                          st.integers(1, 120), st.booleans()))
releases = st.builds(Faults, st.sampled_from(["healthy", FAILS_HEALTH_CHECKS, FAILS_TO_START, FLAKY]),
                     st.integers(0, 4), st.one_of(st.none(), st.integers(0, 300)), st.integers(0, 3),
                     st.integers(0, 400))


@given(desired=st.integers(1, 10), min_healthy=st.integers(0, 150), max_percent=st.integers(0, 250),
       capacity=st.one_of(st.none(), st.integers(0, 16)), health=st.integers(0, 300), drain=st.integers(0, 300),
       knob=st.booleans(), breaker=breakers, alarms=st.one_of(st.none(), st.builds(Alarms, st.just(("a",)),
                                                                                   st.booleans())),
       faults=releases)
def test_every_step_of_the_run_is_a_transition_of_the_fault_rules(desired: int, min_healthy: int, max_percent: int,
                                                                   capacity: int | None, health: int, drain: int,
                                                                   knob: bool, breaker: Breaker | None,
                                                                   alarms: Alarms | None, faults: Faults) -> None:
    # The oracle is fault_semantics itself, step by step: each recorded step is its transition's
    # effect, taken where its guard allows it (failures, which come one at a time in the graph, by
    # their unit guard and a count within the pending tasks); the outcome is what the last state is.
    settings = Settings(desired, min_healthy, max_percent, capacity, health, drain, knob, breaker, alarms)
    fb = fault_bounds_of(settings, faults)
    run = fault_run(settings, faults, max_rounds=2_000)
    states, times = run.trace.states, run.trace.times
    assert states[0] == initial_fault_state(fb) and list(times) == sorted(times)
    for before, step, after in zip(states, run.trace.actions, states[1:], strict=False):
        name, _, rest = step.partition("(")
        amount = int(rest[:-1]) if rest else 1
        transition = FAULT_BY_NAME[name]
        if name == "fail":
            assert transition.enabled(fb, before, 1) and amount <= before.pending
        else:
            assert transition.enabled(fb, before, amount), (step, before)
        assert transition.effect(fb, before, amount) == after
    last = states[-1]
    assert (run.outcome == COMPLETED) == is_completed(fb, last)
    assert (run.outcome == ROLLED_BACK) == is_rolled_back(fb, last)
    if run.outcome == RUN_FAILED:
        assert last.phase == FAILED
    if faults.new_revision == "healthy" and faults.old_task_crashes == 0:
        assert run.tripped_at_seconds is None
    assert run.min_healthy_seen == min(s.healthy for s in states)
    assert run.max_occupied_seen == max(s.occupied for s in states)
    if run.outcome in (COMPLETED, ROLLED_BACK):
        assert run.makespan_seconds == times[-1] and run.seconds_below_desired is not None
