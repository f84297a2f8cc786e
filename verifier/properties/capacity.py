"""capacity: the tasks of the service, stopping ones included, fit the cluster's free slots."""

from __future__ import annotations

from collections.abc import Callable

from verifier.counterexample import Counterexample
from verifier.findings import Finding
from verifier.format import plural
from verifier.model.records import Model
from verifier.properties import fault_smt
from verifier.properties.context import CheckContext
from verifier.properties.invariant import check_invariant
from verifier.properties.range_scan import RangeFinding, RangeScan, replayed_actions, scan_and_prove
from verifier.properties.smt_checks import check_invariant_smt
from verifier.results import PropertyId, Status
from verifier.semantics import State
from verifier.smt.closed_forms import capacity_exceeded

ID = PropertyId.CAPACITY
DESCRIPTION = "every reachable state, the initial one included, fits in the cluster's task slots"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-options.html"


def applies(model: Model) -> bool:
    return True


UNLIMITED = "no capacity limit was given (unlimited, as on Fargate)"


def _describe(capacity: int) -> Callable[[State], str]:
    return lambda state: (f"{state.occupied} tasks hold slots at once, more than the "
                          f"{capacity} the cluster has")


def check(ctx: CheckContext) -> Finding:
    capacity = ctx.bounds.capacity
    if capacity is None:
        return Finding(ID, Status.HOLDS, UNLIMITED)
    highest = ctx.explored.extremes()[1]
    return check_invariant(
        ctx, ID,
        ok=lambda state: state.occupied <= capacity,
        describe_violation=_describe(capacity),
        holds_message=(f"at most {highest} of the cluster's {plural(capacity, 'task slot')} "
                       f"{'is' if highest == 1 else 'are'} used"),
        violated=highest > capacity,
    )


def check_smt(ctx: CheckContext) -> Finding:
    capacity = ctx.bounds.capacity
    if capacity is None:
        return Finding(ID, Status.HOLDS, UNLIMITED)
    return check_invariant_smt(ctx, ID, bad=lambda state: state.occupied > capacity,
                               describe_violation=_describe(capacity),
                               holds_message=f"the service never needs more than the cluster's {capacity} task slots")


def check_fault_smt(ctx: CheckContext) -> Finding:
    """A bad release (model.faults.any) under the smt engine: see verifier/properties/fault_smt.py."""
    return fault_smt.capacity(ctx)


def check_range(scan: RangeScan) -> RangeFinding:
    """Only the start can exceed the slots (launch keeps C), so the empty trace shows it."""
    if not scan.inductive:
        return scan.not_inductive(ID)
    capacity = scan.symbolic.bounds.capacity
    if capacity is None:
        return RangeFinding(ID, Status.HOLDS, UNLIMITED)

    def witness(desired: int) -> Counterexample:
        bounds = scan.bounds(desired)
        limit = bounds.capacity
        assert limit is not None  # the range has a capacity (above), so every count in it does
        return replayed_actions(bounds, [], lambda s: s.occupied > limit, ID)

    return scan_and_prove(scan, ID, capacity_exceeded, witness, lambda x: x.occupied > capacity, (),
                          "the service needs more slots than the cluster has")
