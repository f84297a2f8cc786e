"""ECS's run with a bad release in one line of plain words, for every report (docs/semantics.md#faults)."""

from __future__ import annotations

from verifier.model.faults import FLAKY, Faults
from verifier.schedules.ecs_faults import (
    COMPLETED,
    MAX_FAULT_ROUNDS,
    NEVER_COMPLETES,
    ROLLED_BACK,
    RUN_FAILED,
    STUCK,
    FaultRun,
)


def describe_fault_run(run: FaultRun, faults: Faults) -> str:
    """One line for reports: `ECS's run with a broken revision: breaker trips at 150 s (threshold 3), ...`."""
    return f"ECS's run with {_release(faults)}: " + "; ".join(_run_parts(run))


def _release(faults: Faults) -> str:
    if faults.broken:
        release = "a broken revision"
    elif faults.new_revision == FLAKY:
        release = f"a flaky revision ({faults.flaky_failures} failing task{'s' * (faults.flaky_failures != 1)})"
    else:
        release = "a healthy revision"
    if faults.old_task_crashes:
        release += f" and {faults.old_task_crashes} old task crash{'es' * (faults.old_task_crashes != 1)}"
    return release


def _run_parts(run: FaultRun) -> list[str]:
    if run.tripped_by == "alarm":
        trip = f"an alarm fails the deployment at {run.tripped_at_seconds} s"
    elif run.tripped_at_seconds is not None:
        trip = f"breaker trips at {run.tripped_at_seconds} s (threshold {run.breaker_threshold})"
    elif run.breaker_threshold is not None:
        trip = f"breaker never trips (threshold {run.breaker_threshold})"
    else:
        trip = "no circuit breaker"
    ending = {
        COMPLETED: f"completes at {run.makespan_seconds} s",
        ROLLED_BACK: f"rolled back at {run.rolled_back_at_seconds} s",
        RUN_FAILED: "the deployment stays FAILED half way",
        NEVER_COMPLETES: f"never completes (the run repeats from {run.repeats_from_seconds} s on)",
        STUCK: "gets stuck",
        None: f"not settled within {MAX_FAULT_ROUNDS:,} rounds",
    }[run.outcome]
    desired = run.desired
    if run.exhausted:
        below = f"the time below {desired} not settled"
    elif run.seconds_below_desired == 0:
        below = f"never below {desired}"
    else:
        spans = ", ".join(f"{start} s - {end} s" if end is not None else f"from {start} s on"
                          for start, end in run.below_desired)
        length = "for ever" if run.seconds_below_desired is None else f"for {run.seconds_below_desired} s"
        below = f"below {desired} {length}" + (f" ({spans})" if spans else "")
    return [f"{trip}, {ending}", f"lowest healthy {run.min_healthy_seen} of {desired}, {below}",
            f"peak {run.max_counted_seen}"]
