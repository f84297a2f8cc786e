"""progress and availability of a bad release with Z3, at any desired count (docs/semantics.md#faults).

`check_fault_smt(model, timeout_ms)` answers, for the rules of `fault_semantics`:

* the lowest healthy count any run reaches: max(0, min(D, L) - K) for K crashes.
  A path shows it (stop D - L old tasks, then K crashes) and Z3 proves that no
  state satisfying the inductive invariant of `fault_encoding` has fewer.
* availability: that count against requirements.minHealthy (or ECS's L when
  no old task crashes; with crashes and no requirement nothing is required).
* progress: a goal (completed, or rolled back) stays reachable from every
  reachable state through steps that must happen. Proved when the invariant
  is inductive and every non-goal state satisfying it has a required step that
  lowers a rank (the phase leaves deploying, or a bounded potential falls):
  following such steps from any reachable state must end, and only in a goal.
  Violated, with the start as witness, when a broken revision has nothing
  that rolls it back (no breaker or alarm with rollback: the phase can never
  become rolling back and no new task is ever healthy); otherwise by a path,
  found by bounded search and replayed through `fault_semantics`, into a state
  that is FAILED (never left, never a goal) or has no required step left.

Anything else is unknown, with the reason: the caller reports it inconclusive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import z3

from verifier.errors import ReplayError
from verifier.fault_semantics import (
    DEPLOYING,
    F_ALARM,
    F_CRASH,
    F_STOP,
    FAILED,
    FAULT_BY_NAME,
    FaultBounds,
    FaultState,
    FaultTransition,
    fault_bounds_of,
    fault_successors,
    initial_fault_state,
    is_goal,
)
from verifier.model.faults import FLAKY, UNTIL_FIRST_HEALTHY
from verifier.model.records import Model
from verifier.results import Status
from verifier.semantics import Term
from verifier.smt.fault_encoding import (
    batch_step,
    fault_vars,
    invariant,
    is_goal_term,
    must_step_enabled,
    must_transitions,
    potential,
    potential_floor,
    same,
    some_must_step_lowers,
    unit_step,
)
from verifier.smt.solver import Incremental, Query, SolverUnknown, value

MAX_DEPTH = 6   # bounded search for a stuck or FAILED state, in steps of any amount
# Failures, crashes and alarms are replayed one at a time; a path that needs more of them than
# this is not replayed (a broken revision without rollback keeps its witness at the start).
MAX_REPLAY_UNITS = 20_000
GREEDY_ROUNDS = 64   # rounds of the ECS-like run that looks for a dead end past the bounded search

Step = tuple[str, int]   # a transition's name and its amount (a batch is a run of unit steps)


@dataclass(frozen=True, slots=True)
class FaultVerdict:
    status: Status
    message: str
    path: tuple[Step, ...] = ()          # from the start to the witness, for a violation
    states: tuple[FaultState, ...] = ()  # the states along `path` (the last is the witness)


@dataclass(frozen=True, slots=True)
class FaultSmtAnswer:
    progress: FaultVerdict
    availability: FaultVerdict
    lowest_healthy: int | None   # None when it could not be proved
    lowest_path: tuple[Step, ...] = ()


def walk(fb: FaultBounds, path: tuple[Step, ...], start: FaultState | None = None) -> tuple[FaultState, ...]:
    """Replay a path through `fault_semantics`: each step must be enabled with its amount.

    Failures, crashes and alarms come one at a time in the rules, so a batch of
    them is replayed as that many unit steps. One state per step comes back.
    """
    states = [initial_fault_state(fb) if start is None else start]
    for name, amount in path:
        transition = FAULT_BY_NAME[name]
        state = states[-1]
        for unit in ([amount] if transition.batched else [1] * amount):
            if unit < 1 or not transition.enabled(fb, state, unit):
                raise ReplayError(f"replay failed: {name}({unit}) is not enabled in {state}")
            state = transition.effect(fb, state, unit)
        states.append(state)
    return tuple(states)


def lowest_healthy_path(fb: FaultBounds) -> tuple[int, tuple[Step, ...]]:
    b = fb.bounds
    low = min(b.desired, b.min_healthy)
    crashes = min(fb.faults.old_task_crashes, low)
    path: tuple[Step, ...] = ((F_STOP.name, b.desired - low),) if b.desired > low else ()
    if crashes:
        path += ((F_CRASH.name, crashes),)
    return low - crashes, path


def _nothing_rolls_back(fb: FaultBounds) -> bool:
    breaker = fb.breaker is not None and fb.breaker.rollback
    alarm = fb.alarms is not None and fb.alarms.rollback
    return fb.faults.broken and fb.bounds.desired >= 1 and not breaker and not alarm


def _invariant_inductive(fb: FaultBounds, timeout_ms: int) -> bool:
    now, then = fault_vars("now"), fault_vars("next")
    start = initial_fault_state(fb)
    starts = Query(timeout_ms).add(same(now, start), z3.Not(invariant(fb, now))).check()
    kept = Query(timeout_ms).add(invariant(fb, now), unit_step(fb, now, then), z3.Not(invariant(fb, then))).check()
    return not starts.sat and not kept.sat


def _progress_proved(fb: FaultBounds, timeout_ms: int) -> bool:
    s = fault_vars("rank")
    bounded = Query(timeout_ms).add(invariant(fb, s), potential(fb, s) < potential_floor(fb)).check()
    if bounded.sat:
        return False
    stuck = Query(timeout_ms).add(invariant(fb, s), z3.Not(is_goal_term(fb, s)),
                                  z3.Not(some_must_step_lowers(fb, s))).check()
    return not stuck.sat


# How much of each transition a step between two states took, read from the counts it moves.
_AMOUNT: dict[str, Callable[[FaultState, FaultState], int]] = {
    "stop": lambda a, b: a.old - b.old, "launch": lambda a, b: b.pending - a.pending,
    "stop_new": lambda a, b: a.new - b.new, "launch_old": lambda a, b: b.old_pending - a.old_pending,
    "ready": lambda a, b: a.pending - b.pending, "ready_old": lambda a, b: a.old_pending - b.old_pending,
    "gone": lambda a, b: a.stopping - b.stopping, "gone_new": lambda a, b: a.new_stopping - b.new_stopping,
    "fail": lambda a, b: (a.pending - b.pending if a.phase == b.phase else
                          max(b.failures - a.failures, b.flaky_failed - a.flaky_failed)),
    "crash": lambda a, b: 1, "alarm": lambda a, b: 1,
}


def _step_between(fb: FaultBounds, before: FaultState, after: FaultState) -> Step:
    """The one step of the bounded search between two states, confirmed by replay."""
    for name in FAULT_BY_NAME:
        amount = _AMOUNT[name](before, after)
        if amount > MAX_REPLAY_UNITS and not FAULT_BY_NAME[name].batched:
            return name, amount   # too long to replay: the caller drops the path
        try:
            if amount >= 1 and walk(fb, ((name, amount),), before)[-1] == after:
                return name, amount
        except ReplayError:
            continue
    raise ReplayError(f"no step leads from {before} to {after}")


def _stuck_path(fb: FaultBounds, timeout_ms: int) -> tuple[Step, ...] | None:
    """The shortest path (in steps of any amount) into a FAILED state or one with no required step left."""
    states = [fault_vars("bmc0")]
    solver = Incremental(timeout_ms).add(same(states[0], initial_fault_state(fb)))
    for depth in range(MAX_DEPTH + 1):
        if depth:
            states.append(fault_vars(f"bmc{depth}"))
            solver.add(batch_step(fb, states[-2], states[-1]))
        end = states[-1]
        answer = solver.ask(z3.Or(end.phase == FAILED,
                                  z3.And(z3.Not(is_goal_term(fb, end)), z3.Not(must_step_enabled(fb, end)))))
        if answer.sat:
            assert answer.model is not None
            found = [FaultState(*(value(answer.model, term) for term in state)) for state in states]
            return tuple(_step_between(fb, a, b) for a, b in pairwise(found))
    return None


def _largest(fb: FaultBounds, transition: FaultTransition, state: FaultState) -> int:
    """The largest amount `transition` is enabled with (0 if none): guards are downward closed in it."""
    if not transition.enabled(fb, state, 1):
        return 0
    if not transition.batched:
        return 1
    low, high = 1, 2 * max(fb.bounds.desired, fb.bounds.capacity or 0, fb.bounds.max_tasks) + 1
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if transition.enabled(fb, state, middle) else (low, middle - 1)
    return low


def _greedy_path(fb: FaultBounds) -> tuple[Step, ...] | None:
    """A run like ECS's, into a dead end: each round takes every required step in full, in a fixed order.

    Events first (ready, gone, a broken revision's failures), then the largest
    stop and launch; an alarm only when nothing else moves. None when the run
    reaches a goal or no dead end within the rounds (it proves nothing then).
    """
    order = [t for t in must_transitions(fb) if t is not F_ALARM]
    state, path = initial_fault_state(fb), []
    for _ in range(GREEDY_ROUNDS):
        if is_goal(fb, state):
            return None
        moved = False
        for transition in order:
            amount = _largest(fb, transition, state)
            if amount and (transition.batched or amount <= MAX_REPLAY_UNITS):
                path.append((transition.name, amount))
                state = walk(fb, ((transition.name, amount),), state)[-1]
                moved = True
        if not moved:
            if F_ALARM.enabled(fb, state, 1):
                path.append((F_ALARM.name, 1))
                state = F_ALARM.effect(fb, state, 1)
                continue
            return tuple(path)
    return None


def _progress(fb: FaultBounds, inductive: bool, timeout_ms: int) -> FaultVerdict:
    start = initial_fault_state(fb)
    never = _nothing_rolls_back(fb)
    if never and fb.breaker is None and fb.alarms is None:
        return FaultVerdict(Status.VIOLATED, "never ends: a broken revision is never rolled back (no circuit breaker "
                            "or alarm) and no new task ever becomes healthy, so ECS relaunches failing tasks for ever "
                            "and neither a completed nor a rolled-back deployment can be reached", (), (start,))
    if not never and inductive and _progress_proved(fb, timeout_ms):
        goal = "a rollback" if fb.faults.broken else (
            "a completed or rolled-back deployment" if fb.faults.new_revision == FLAKY else "a completed deployment")
        return FaultVerdict(Status.HOLDS, f"every reachable state can still reach {goal} through steps that must "
                            "happen (proved: an inductive invariant, and a required step that lowers a bounded rank "
                            "from every state it allows that is not a goal)")
    path = _stuck_path(fb, timeout_ms) or _greedy_path(fb)
    if path is not None and sum(amount for name, amount in path if not FAULT_BY_NAME[name].batched) > \
            MAX_REPLAY_UNITS:
        if not never:
            return FaultVerdict(Status.UNKNOWN, "the invariant does not prove that a goal stays reachable, and the "
                                f"FAILED or stuck state found takes more than {MAX_REPLAY_UNITS:,} failures to reach, "
                                "too many to replay")
        path = None
    if path is None and never:
        return FaultVerdict(Status.VIOLATED, "a broken revision is never rolled back: the circuit breaker and alarms "
                            "here stop the deployment without rolling back, and no new task ever becomes healthy, so "
                            "from the start no goal can be reached", (), (start,))
    if path is None:
        return FaultVerdict(Status.UNKNOWN, "the invariant does not prove that a goal stays reachable, and no FAILED "
                            f"or stuck state was found within {MAX_DEPTH} steps")
    states = walk(fb, path)
    end = states[-1]
    # Checked on the replayed state with the rules themselves: FAILED is never left, a dead end never moves.
    if end.phase != FAILED and (is_goal(fb, end) or not all(opt for _, _, opt in fault_successors(fb, end))):
        raise ReplayError(f"progress: the path found ends in {end}, which is neither FAILED nor a dead end")
    what = ("the deployment ends FAILED" if end.phase == FAILED else
            "the deployment can get stuck, with no step left that must happen")
    return FaultVerdict(Status.VIOLATED, f"{what}, with {end.old} old and {end.new} new healthy tasks",
                        path, states)


def _availability(fb: FaultBounds, model: Model, lowest: int | None) -> FaultVerdict:
    wanted = model.requirements.min_healthy
    if fb.faults.old_task_crashes and wanted is None:
        return FaultVerdict(Status.HOLDS, "nothing to check: with oldTaskCrashes only requirements.minHealthy is "
                            "required")
    if lowest is None:
        return FaultVerdict(Status.UNKNOWN, "the invariant could not be proved inductive")
    b = fb.bounds
    required = model.requirements.healthy_needed(b.desired, b.min_healthy)
    if lowest >= required:
        return FaultVerdict(Status.HOLDS, f"healthy tasks never drop below {lowest} (required: {required}; proved: "
                            "the inductive invariant implies it)")
    # The lowest healthy count's path, cut where it first goes below the requirement.
    low = min(b.desired, b.min_healthy)
    path: tuple[Step, ...] = ((F_STOP.name, b.desired - low),) if b.desired > low else ()
    if low >= required:
        path += ((F_CRASH.name, low - required + 1),)
    states = walk(fb, path)
    return FaultVerdict(Status.VIOLATED, f"healthy tasks drop to {states[-1].healthy}, below the {required} "
                        "required", path, states)


_NOT_ENCODED = ("the smt engine does not encode breakerMonitoring: untilFirstHealthy; check it with --engine "
                "explicit, or a smaller desiredCount")


def _stops_monitoring(fb: FaultBounds) -> bool:
    """Whether the other reading of the breaker (monitoring ends at the first healthy task) can matter here.

    The encoding counts every failure while deploying; where a new task can become
    healthy and a breaker counts, that reading reaches other states, so no answer is given.
    """
    return (fb.breaker is not None and not fb.faults.broken
            and fb.faults.breaker_monitoring == UNTIL_FIRST_HEALTHY)


def check_fault_bound_smt(model: Model, timeout_ms: int, measure: Callable[[FaultState], Term], limit: int,
                          witness: tuple[Step, ...]) -> FaultVerdict:
    """Whether `measure` (tasks counted toward the maximum, or occupying slots) stays at most `limit` under faults.

    Proved when the inductive invariant implies it; violated when the replayed
    `witness` goes above it; unknown otherwise. `measure` works on plain and Z3 integers.
    """
    fb = fault_bounds_of(model.settings, model.faults)
    if _stops_monitoring(fb):
        return FaultVerdict(Status.UNKNOWN, _NOT_ENCODED)
    try:
        if not _invariant_inductive(fb, timeout_ms):
            return FaultVerdict(Status.UNKNOWN, "the invariant could not be proved inductive")
        s = fault_vars("bound")
        if not Query(timeout_ms).add(invariant(fb, s), measure(s) > limit).check().sat:
            return FaultVerdict(Status.HOLDS, f"never above {limit} (proved: the inductive invariant implies it)")
    except SolverUnknown as unknown:
        return FaultVerdict(Status.UNKNOWN, f"the solver gave no answer ({unknown})")
    try:
        states = walk(fb, witness)
    except ReplayError:
        states = ()
    if not states or measure(states[-1]) <= limit:
        return FaultVerdict(Status.UNKNOWN, f"the invariant does not keep it at most {limit}, and no state above it "
                            "was shown")
    return FaultVerdict(Status.VIOLATED, f"{measure(states[-1])}, above {limit}", witness, states)


def check_fault_smt(model: Model, timeout_ms: int) -> FaultSmtAnswer:
    """progress and availability of `model` under its faults, and the lowest healthy count any run reaches."""
    fb = fault_bounds_of(model.settings, model.faults)
    if _stops_monitoring(fb):
        reason = FaultVerdict(Status.UNKNOWN, _NOT_ENCODED)
        return FaultSmtAnswer(reason, reason, None)
    try:
        inductive = _invariant_inductive(fb, timeout_ms)
        lowest: int | None = None
        lowest_path: tuple[Step, ...] = ()
        if inductive:
            candidate, path = lowest_healthy_path(fb)
            s = fault_vars("low")
            if not Query(timeout_ms).add(invariant(fb, s), s.old + s.new < candidate).check().sat:
                walk(fb, path)   # the path is real: it reaches `candidate`
                lowest, lowest_path = candidate, path
        progress = _progress(fb, inductive, timeout_ms)
    except SolverUnknown as unknown:
        reason = FaultVerdict(Status.UNKNOWN, f"the solver gave no answer ({unknown})")
        return FaultSmtAnswer(reason, reason, None)
    return FaultSmtAnswer(progress, _availability(fb, model, lowest), lowest, lowest_path)


__all__ = ["DEPLOYING", "FaultSmtAnswer", "FaultVerdict", "Step", "check_fault_smt", "walk"]
