"""progress and availability of a bad release under the smt engine: `check_fault_smt`'s answers as findings.

`verifier.smt.faults.check_fault_smt` proves or refutes both at once; the
property modules' `check_fault_smt(ctx)` read their part here. A violation's
path is turned into a counterexample of unit failures and crashes (as the
fault rules take them), replayed already by the smt engine; the start alone is
the counterexample where a broken revision can never be rolled back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from verifier.counterexample import Counterexample
from verifier.fault_semantics import FAULT_BY_NAME, FaultState, counted, fault_blocked_reasons, fault_bounds_of
from verifier.findings import Finding
from verifier.properties.context import CheckContext
from verifier.results import PropertyId, Status
from verifier.semantics import Action, State
from verifier.smt.faults import FaultSmtAnswer, FaultVerdict, Step, check_fault_bound_smt, check_fault_smt, walk

_last: list[tuple[object, FaultSmtAnswer]] = []   # the last model's answer: both properties ask for it


def answer_for(ctx: CheckContext) -> FaultSmtAnswer:
    key = (ctx.model, ctx.timeout_ms)
    if not _last or _last[0][0] != key:
        _last[:] = [(key, check_fault_smt(ctx.model, ctx.timeout_ms))]
    return _last[0][1]


def _trace(ctx: CheckContext, path: tuple[Step, ...]) -> Counterexample:
    """The path with failures, crashes and alarms one per step, and every state along it."""
    fb = fault_bounds_of(ctx.model.settings, ctx.model.faults)
    units = tuple((name, unit) for name, amount in path
                  for unit in ([amount] if FAULT_BY_NAME[name].batched else [1] * amount))
    states: tuple[FaultState, ...] = walk(fb, units)
    trace = Counterexample(tuple(State(*state[:4]) for state in states),
                           tuple(Action(name, amount) for name, amount in units))
    # Where traces carry the full fault states (for the reports' extra columns), give them too.
    if "fault_states" in {field.name for field in dataclasses.fields(Counterexample)}:
        full: dict[str, Any] = {"fault_states": states}
        trace = dataclasses.replace(trace, **full)
    return trace


def _finding(ctx: CheckContext, property_id: PropertyId, verdict: FaultVerdict,
             details: tuple[str, ...] = ()) -> Finding:
    if verdict.status != Status.VIOLATED:
        return Finding(property_id, verdict.status, verdict.message, details=details)
    trace = _trace(ctx, verdict.path)
    fb = fault_bounds_of(ctx.model.settings, ctx.model.faults)
    end = walk(fb, verdict.path)[-1]
    return Finding(property_id, verdict.status, verdict.message, trace,
                   details + tuple(fault_blocked_reasons(fb, end)) if property_id == PropertyId.PROGRESS else details)


def progress(ctx: CheckContext) -> Finding:
    return _finding(ctx, PropertyId.PROGRESS, answer_for(ctx).progress)


def availability(ctx: CheckContext) -> Finding:
    answer = answer_for(ctx)
    lowest = answer.lowest_healthy
    reach = () if lowest is None else (f"the lowest healthy count any run of the bad release reaches is {lowest:,} "
                                       "(proved)",)
    return _finding(ctx, PropertyId.AVAILABILITY, answer.availability, reach)


def surge(ctx: CheckContext) -> Finding:
    """Tasks counted toward the maximum, against requirements.maxTasks or U; launching one more than
    allowed from the start shows a violation."""
    allowed, b = ctx.required_max_tasks, ctx.bounds
    witness: tuple[Step, ...] = () if allowed < b.desired else (("launch", allowed - b.desired + 1),)
    verdict = check_fault_bound_smt(ctx.model, ctx.timeout_ms, lambda s: counted(b, s), allowed, witness)
    return _finding(ctx, PropertyId.SURGE, _worded(verdict, "tasks running or starting at once"))


def capacity(ctx: CheckContext) -> Finding:
    """Slots held, against the cluster's; launches keep within it, so only a start above it exceeds it."""
    slots = ctx.bounds.capacity
    if slots is None:
        return Finding(PropertyId.CAPACITY, Status.HOLDS, "no capacity limit was given (unlimited, as on Fargate)")
    verdict = check_fault_bound_smt(ctx.model, ctx.timeout_ms, lambda s: s.occupied, slots, ())
    return _finding(ctx, PropertyId.CAPACITY, _worded(verdict, "task slots held at once"))


def _worded(verdict: FaultVerdict, what: str) -> FaultVerdict:
    if verdict.status == Status.UNKNOWN:
        return verdict
    return dataclasses.replace(verdict, message=f"{what}: {verdict.message}")
