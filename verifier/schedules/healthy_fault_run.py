"""ECS's run with faults for a release that has none: ECS's own run (docs/semantics.md#ecs-run), in its figures.

A model with a circuit breaker or alarms and a healthy release (no failing task, no
crash) runs exactly as without them: nothing fails, so nothing trips. Its run is
`ecs_controller.simulate`'s, which jumps over repeated periods and so stays fast
at any size, where the fault simulation (`ecs_faults`) moves one round at a time.
What it lacks is the time below the desired count, worked out here across its
repeats: over a repeated period every count moves linearly, so how many of the
repetitions hold a state below D is arithmetic.
"""

from __future__ import annotations

from verifier.fault_semantics import FaultState, fault_bounds_of
from verifier.model.faults import Faults
from verifier.model.records import Settings
from verifier.schedules.ecs_controller import EcsRun
from verifier.schedules.ecs_faults import COMPLETED, STUCK, FaultRun, FaultTrace, below_spans


def healthy_fault_run(ecs: EcsRun, settings: Settings) -> FaultRun:
    """The FaultRun of ECS's own run `ecs` of `settings` (a release without faults)."""
    trace = ecs.trace
    times = list(trace.times or [0] * len(trace.states))
    states = [FaultState(*state) for state in trace.states]
    desired = settings.desired
    outcome = None if ecs.exhausted else COMPLETED if ecs.completes else STUCK
    if trace.repeats:
        # Spans over the jumped stretches would be long lists; the total is exact.
        spans: tuple[tuple[int, int | None], ...] = ()
        below: int | None = _seconds_below(ecs, desired)
    else:
        found = below_spans(states, times, desired)
        below = sum(end - start for start, end in found if end is not None)
        spans = tuple(found)
    if outcome is None:
        below = None   # not settled: the time below D is not known either
    elif outcome != COMPLETED and states[-1].healthy < desired:
        below = None   # stuck (or not settled) below D: for ever, as far as the run says
        spans = spans[:-1] + ((spans[-1][0], None),) if spans and spans[-1][1] == times[-1] else \
            spans + ((times[-1], None),)
    return FaultRun(
        outcome=outcome,
        breaker_threshold=fault_bounds_of(settings, Faults()).threshold,
        tripped_at_seconds=None,
        tripped_by=None,
        rolled_back_at_seconds=None,
        makespan_seconds=ecs.makespan_seconds,
        min_healthy_seen=ecs.min_healthy_seen,
        seconds_below_desired=below,
        below_desired=spans,
        max_counted_seen=ecs.max_counted_seen,
        max_occupied_seen=ecs.max_occupied_seen,
        desired=desired,
        trace=FaultTrace(tuple(states), tuple(str(action) for action in trace.actions), tuple(times)),
    )


def _seconds_below(ecs: EcsRun, desired: int) -> int:
    """Seconds in which the state in force has fewer than D healthy tasks, repeats included.

    A state is in force from its time to the next state's; within one instant only
    the last state counts (the others last no time). A repeat marker after step
    `last` stands for the period's states first..last-1 again `periods` times,
    the k-th time shifted by k * delta and k * seconds (k = 1..periods).
    """
    trace = ecs.trace
    times = trace.times
    assert times is not None   # ECS's own run is timed
    states = trace.states
    repeats = {r.last: r for r in trace.repeats}
    total = 0
    for i in range(len(states) - 1):
        repeat = repeats.get(i)
        if repeat is not None and i < len(trace.actions) and str(trace.actions[i]).startswith("repeat"):
            shift = repeat.delta.old + repeat.delta.new
            for j in range(repeat.first, repeat.last):
                # A copy is the period shifted by k * seconds: its state j lasts from times[j] + k*s to
                # times[j + 1] + k*s, except its first state, entered when the copy before it ends
                # (times[last] + (k-1)*s), which can be later than times[first] + k*s.
                start = times[repeat.last] - repeat.seconds if j == repeat.first else times[j]
                total += (times[j + 1] - start) * _repetitions_below(
                    states[j].healthy, shift, repeat.periods, desired)
            continue
        if states[i].healthy < desired:
            total += times[i + 1] - times[i]
    return total


def _repetitions_below(healthy: int, shift: int, periods: int, desired: int) -> int:
    """How many k in 1..periods have healthy + k * shift < desired."""
    room = desired - healthy   # k * shift < room
    if shift == 0:
        return periods if room > 0 else 0
    if shift > 0:
        # k < room / shift: k <= ceil(room / shift) - 1
        return max(0, min(periods, -(-room // shift) - 1))
    # shift < 0: k > room / shift, i.e. k >= floor(room / shift) + 1
    first = room // shift + 1
    return max(0, periods - max(first, 1) + 1)
