"""Verify a model for every desired count in a range: autoscaling moves desiredCount all day.

For each property, the closed forms of `closed_forms` flag candidate counts in
one quick pass. Each flagged count is then shown with a counterexample that is
replayed through the semantics, and Z3 proves, over the desired count as a
symbolic integer and with the inductive invariant, that no other count in the
range fails. If Z3 finds a count the scan missed, that count is checked on its
own and added; the answer never rests on the closed forms alone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import z3

from verifier.smt.closed_forms import capacity_exceeded, highest_counted, invariant_deadlock, lowest_healthy
from verifier.counterexample import Counterexample
from verifier.replay import replay
from verifier.smt.encoding import counted_tasks, deadlock, occupied, over_desired, state_vars, step
from verifier.results import Engine, Status, Verdict, verdict_of_statuses
from verifier.rounding import rounded_percent_facts
from verifier.smt.invariants import holds, invariant
from verifier.model.records import Model, TaskCount
from verifier.schedules.ecs_controller import simulate
from verifier.smt.explain import stuck_because
from verifier.semantics import (
    Action, Bounds, blocked_reasons, bounds_of, counted, deployment_of, initial_state, is_deadlock,
)
from verifier.smt.solver import DEFAULT_TIMEOUT_MS, Query, SolverUnknown, value

MAX_REPAIRS = 20            # counts Z3 may add to a scan before the property is left unknown
DEADLINE_WORK = 3_000_000   # ECS simulation steps spent on `deadline` over one range


@dataclass(frozen=True, slots=True)
class FailingInterval:
    low: int
    high: int
    example: int                      # the desired count its counterexample is for
    counterexample: Counterexample
    why: tuple[str, ...] = ()         # plain words on the example (for progress: what blocks it)


@dataclass(frozen=True, slots=True)
class RangeFinding:
    property_id: str
    status: Status
    message: str
    failing: tuple[FailingInterval, ...] = ()
    unknown: tuple[tuple[int, int], ...] = ()
    details: tuple[str, ...] = ()

    def failing_desired(self) -> list[list[int]]:
        return [[interval.low, interval.high] for interval in self.failing]


@dataclass(frozen=True, slots=True)
class RangeResult:
    model: Model
    low: int
    high: int
    verdict: Verdict
    findings: tuple[RangeFinding, ...]
    invariants: tuple[str, ...]
    seconds: float
    engine: Engine = Engine.SMT


def intervals(counts: list[int]) -> list[tuple[int, int]]:
    """Sorted, merged, inclusive intervals of the given counts."""
    merged: list[list[int]] = []
    for count in sorted(set(counts)):
        if merged and count == merged[-1][1] + 1:
            merged[-1][1] = count
        else:
            merged.append([count, count])
    return [(a, b) for a, b in merged]


def describe_counts(spans) -> str:
    return ", ".join(f"{{{a}}}" if a == b else f"{a}..{b}" for a, b in spans)


class _RangeCheck:
    def __init__(self, model: Model, low: int, high: int, timeout_ms: int):
        self.model, self.low, self.high, self.timeout_ms = model, low, high, timeout_ms
        self.desired = z3.Int("D")
        capacity = None
        if model.capacity_headroom is not None:
            capacity = self.desired + model.capacity_headroom
        self.symbolic = over_desired(model.settings, self.desired, capacity)
        self.in_range = z3.And(self.desired >= low, self.desired <= high)

    def bounds(self, desired: int) -> Bounds:
        return bounds_of(self.model.at(desired).settings)

    def requirement(self, count: TaskCount | None, default, round_up: bool):
        """The requirement as a term in the symbolic desired count, with its rounding facts."""
        if count is None:
            return default, ()
        if not count.percent:
            return count.value, ()
        term = z3.Int(f"req{id(count)}")
        return term, rounded_percent_facts(term, self.desired, count.value, round_up)

    def inductive(self) -> bool:
        now, then = state_vars("rn"), state_vars("rt")
        answer = Query(self.timeout_ms).add(*self.symbolic.facts, self.in_range, holds(self.symbolic, now),
                                            step(self.symbolic, now, then),
                                            z3.Not(holds(self.symbolic, then))).check()
        return not answer.sat

    def other_failure(self, bad, facts, excluded: list[int]) -> int | None:
        """A desired count outside `excluded` where an invariant state is bad, or None (a proof)."""
        x = state_vars("rx")
        query = Query(self.timeout_ms).add(*self.symbolic.facts, *facts, self.in_range,
                                           holds(self.symbolic, x), bad(x))
        for a, b in intervals(excluded):
            query.add(z3.Or(self.desired < a, self.desired > b))
        answer = query.check()
        return value(answer.model, self.desired) if answer.sat else None


def _property(check: _RangeCheck, property_id: str, flagged: Callable[[Bounds], bool],
              witness: Callable[[int], Counterexample | None], bad, facts, what: str,
              explain: Callable[[int, Counterexample], tuple[str, ...]] | None = None) -> RangeFinding:
    """Scan, show every flagged count, then prove the rest; repair the scan from Z3's witnesses."""
    failing: dict[int, Counterexample] = {}
    unknown: list[int] = []
    for desired in range(check.low, check.high + 1):
        if flagged(check.bounds(desired)):
            trace = witness(desired)
            if trace is None:
                unknown.append(desired)
            else:
                failing[desired] = trace
    try:
        for _ in range(MAX_REPAIRS):
            missed = check.other_failure(bad, facts, list(failing) + unknown)
            if missed is None:
                break
            trace = witness(missed)
            if trace is None:
                unknown.append(missed)
            else:
                failing[missed] = trace
        else:
            return RangeFinding(property_id, Status.UNKNOWN,
                                f"more than {MAX_REPAIRS} counts could not be settled", unknown=tuple(intervals(unknown)))
    except SolverUnknown as reason:
        return RangeFinding(property_id, Status.UNKNOWN, f"the solver gave no answer ({reason})")
    spans = [FailingInterval(a, b, a, failing[a], explain(a, failing[a]) if explain else ())
             for a, b in intervals(list(failing))]
    unknown_spans = tuple(intervals(unknown))
    if spans:
        message = f"{what} for desiredCount in {describe_counts((s.low, s.high) for s in spans)}"
        return RangeFinding(property_id, Status.VIOLATED, message, tuple(spans), unknown_spans)
    if unknown_spans:
        return RangeFinding(property_id, Status.UNKNOWN, f"not settled for desiredCount in "
                            f"{describe_counts(unknown_spans)}", unknown=unknown_spans)
    return RangeFinding(property_id, Status.HOLDS, f"holds for every desiredCount in {check.low}..{check.high} "
                        "(proved by Z3 over the symbolic desired count)")


def _replayed(bounds: Bounds, actions: list[Action], bad: Callable, what: str) -> Counterexample:
    states = [initial_state(bounds)]
    for action in actions:
        states.append(action.apply(bounds, states[-1]))
    return replay(bounds, Counterexample(tuple(states), tuple(actions)), bad, what)


def _availability(check: _RangeCheck) -> RangeFinding:
    wanted = check.model.requirements.min_healthy

    def required(bounds: Bounds) -> int:
        return check.model.requirements.healthy_needed(bounds.desired, bounds.min_healthy)

    def witness(desired: int) -> Counterexample:
        bounds = check.bounds(desired)
        need = required(bounds)
        actions = [] if need > desired else [Action("stop", desired - need + 1)]
        return _replayed(bounds, actions, lambda s: s.healthy < need, "availability")

    term, facts = check.requirement(wanted, check.symbolic.bounds.min_healthy, round_up=True)
    return _property(check, "availability", lambda b: lowest_healthy(b) < required(b),
                     witness, lambda x: x.old + x.new < term, facts, "healthy tasks drop below the minimum")


def _surge(check: _RangeCheck) -> RangeFinding:
    wanted = check.model.requirements.max_tasks

    def allowed(bounds: Bounds) -> int:
        return check.model.requirements.tasks_allowed(bounds.desired, bounds.max_tasks)

    def witness(desired: int) -> Counterexample:
        bounds = check.bounds(desired)
        limit = allowed(bounds)
        actions = [] if desired > limit else [Action("launch", limit - desired + 1)]
        return _replayed(bounds, actions, lambda s: counted(bounds, s) > limit, "surge")

    term, facts = check.requirement(wanted, check.symbolic.bounds.max_tasks, round_up=False)
    return _property(check, "surge", lambda b: highest_counted(b) > allowed(b),
                     witness, lambda x: counted_tasks(check.symbolic, x) > term, facts,
                     "more tasks run or start than allowed")


def _capacity(check: _RangeCheck) -> RangeFinding:
    if check.symbolic.bounds.capacity is None:
        return RangeFinding("capacity", Status.HOLDS, "no capacity limit was given (unlimited, as on Fargate)")

    def witness(desired: int) -> Counterexample:
        bounds = check.bounds(desired)
        return _replayed(bounds, [], lambda s: s.occupied > bounds.capacity, "capacity")

    capacity = check.symbolic.bounds.capacity
    return _property(check, "capacity", capacity_exceeded, witness,
                     lambda x: occupied(x) > capacity, (), "the service needs more slots than the cluster has")


def _progress(check: _RangeCheck) -> RangeFinding:
    def witness(desired: int) -> Counterexample | None:
        bounds = check.bounds(desired)
        run = simulate(deployment_of(check.model.at(desired).settings), check.timeout_ms)
        if run.completes:
            return None  # the invariant admits a deadlock that ECS never meets: not settled
        return replay(bounds, run.trace, lambda s: is_deadlock(bounds, s), "progress")

    def explain(desired: int, trace: Counterexample) -> tuple[str, ...]:
        cause = stuck_because(check.model.at(desired).settings, trace.states[-1])
        return ((f"cause: {cause}",) if cause else ()) + tuple(blocked_reasons(check.bounds(desired),
                                                                               trace.states[-1]))

    return _property(check, "progress", invariant_deadlock, witness,
                     lambda x: deadlock(check.symbolic, x), (), "the deployment gets stuck", explain)


def _deadline(check: _RangeCheck) -> RangeFinding:
    limit = check.model.requirements.max_deploy_seconds
    failing, unknown, work = {}, [], 0
    for desired in range(check.low, check.high + 1):
        if work > DEADLINE_WORK:
            unknown.append(desired)
            continue
        run = simulate(deployment_of(check.model.at(desired).settings), check.timeout_ms)
        work += len(run.trace.states)
        if not run.completes or run.makespan_seconds > limit:
            failing[desired] = run.trace
    spans = tuple(FailingInterval(a, b, a, failing[a]) for a, b in intervals(list(failing)))
    unknown_spans = tuple(intervals(unknown))
    if spans:
        return RangeFinding("deadline", Status.VIOLATED, f"ECS misses the {limit} s limit for desiredCount in "
                            f"{describe_counts((s.low, s.high) for s in spans)}", spans, unknown_spans)
    if unknown_spans:
        return RangeFinding("deadline", Status.UNKNOWN, "the ECS simulations ran out of their work budget for "
                            f"desiredCount in {describe_counts(unknown_spans)}", unknown=unknown_spans)
    return RangeFinding("deadline", Status.HOLDS, f"ECS finishes within {limit} s for every desiredCount in "
                        f"{check.low}..{check.high} (simulated for each)")


def verify_range(model: Model, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> RangeResult:
    started = time.perf_counter()
    low, high = model.desired_range
    check = _RangeCheck(model, low, high, timeout_ms)
    written = tuple(c.text for c in invariant(check.symbolic, state_vars("shown")))
    try:
        inductive = check.inductive()
    except SolverUnknown:
        inductive = False
    if not inductive:
        findings = tuple(RangeFinding(pid, Status.UNKNOWN, "the invariant could not be proved inductive")
                         for pid in ("availability", "surge", "capacity", "progress"))
    else:
        findings = (_availability(check), _surge(check), _capacity(check), _progress(check))
    if model.requirements.max_deploy_seconds is not None:
        findings += (_deadline(check),)
    if model.requirements.max_steps is not None:
        findings += (RangeFinding("steps", Status.UNKNOWN,
                                  "maxSteps is checked for one desiredCount at a time, not over a range"),)
    verdict = verdict_of_statuses(f.status for f in findings)
    return RangeResult(model, low, high, verdict, findings, written, time.perf_counter() - started)
