"""progress: from every reachable state the deployment can still finish (no deadlock, no livelock)."""

from __future__ import annotations

from verifier.counterexample import Counterexample, join
from verifier.explicit.queries import can_finish, dead_ends, shortest_path
from verifier.findings import Finding
from verifier.model.records import Model, Settings
from verifier.properties import fault_smt
from verifier.properties.context import CheckContext
from verifier.properties.range_scan import RangeFinding, RangeScan, scan_and_prove
from verifier.properties.smt_checks import check_progress_smt
from verifier.replay import replay
from verifier.results import PropertyId, Status
from verifier.schedules.ecs_controller import simulate
from verifier.semantics import State, blocked_reasons, deployment_of, is_deadlock
from verifier.smt.closed_forms import invariant_deadlock
from verifier.smt.encoding import deadlock

ID = PropertyId.PROGRESS
DESCRIPTION = "from every reachable state the goal (all tasks replaced) can still be reached"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/deployment-type-ecs.html"


def applies(model: Model) -> bool:
    return True


def check(ctx: CheckContext) -> Finding:
    exploration = ctx.explored
    bounds = ctx.bounds
    if not exploration.complete:
        return _check_partial(ctx)
    # One reverse reachability pass from the goal finds every state that can
    # still finish; everything else is stuck, however it got there.
    finishes, finishing = can_finish(exploration)
    if finishing == exploration.states:
        return Finding(ID, Status.HOLDS,
                       f"all {exploration.states:,} reachable states can still finish the deployment")
    to_stuck = shortest_path(exploration, exploration.initial, lambda state: not finishes(state))
    assert to_stuck is not None  # a stuck state was found, so it is reached from the start
    point_of_no_return = to_stuck.states[-1]
    onward = shortest_path(exploration, point_of_no_return,
                           lambda state: not finishes(state) and not exploration.successors_of(state))
    if onward is None:
        # Every continuation stays in a cycle that never reaches the goal.
        replay(bounds, to_stuck, lambda state: not finishes(state), ID)
        return Finding(ID, Status.VIOLATED,
                       f"livelock: from {_describe(point_of_no_return)} the deployment can run forever "
                       f"without finishing", to_stuck)
    trace = replay(bounds, join(to_stuck, onward), lambda state: is_deadlock(bounds, state), ID)
    end = trace.states[-1]
    steps = len(to_stuck.actions)
    if steps == 0 and point_of_no_return == end:
        message = f"the deployment is stuck at the start: deadlock with {_describe(end)}"
    elif steps == 0:
        message = f"the deployment can never finish: every run ends in a deadlock, such as {_describe(end)}"
    else:
        message = (f"the deployment can get stuck: after {steps} action{'s' * (steps != 1)} the goal is "
                   f"out of reach, and it ends in deadlock with {_describe(end)}")
    details = _causes(ctx.model.settings, end) + tuple(blocked_reasons(bounds, end))
    if point_of_no_return != end:
        details = (f"from {_describe(point_of_no_return)} on, the goal can no longer be reached",) + details
    return Finding(ID, Status.VIOLATED, message, trace, details)


def _check_partial(ctx: CheckContext) -> Finding:
    """With the search cut short, only a deadlock already seen is evidence."""
    exploration, bounds = ctx.explored, ctx.bounds
    deadlocks = set(dead_ends(exploration))
    if deadlocks:
        trace = shortest_path(exploration, exploration.initial, deadlocks.__contains__)
        assert trace is not None  # each target was found, so reached from the start
        replay(bounds, trace, lambda state: is_deadlock(bounds, state), ID)
        end = trace.states[-1]
        return Finding(ID, Status.VIOLATED, f"the deployment can get stuck: deadlock with {_describe(end)}",
                       trace, _causes(ctx.model.settings, end) + tuple(blocked_reasons(bounds, end)))
    return Finding(ID, Status.UNKNOWN, f"no deadlock among the {exploration.states:,} states explored, "
                   "but not every reachable state was explored", details=(ctx.budget_advice(),))


def _causes(settings: Settings, state: State) -> tuple[str, ...]:
    """The settings that together make `state` stuck, from an unsat core (see explain.py)."""
    from verifier.smt.explain import stuck_because
    cause = stuck_because(settings, state)
    return (f"cause: {cause}",) if cause else ()


def _describe(state: State) -> str:
    parts = [f"{state.old} old", f"{state.new} new"]
    if state.pending:
        parts.append(f"{state.pending} pending")
    if state.stopping:
        parts.append(f"{state.stopping} stopping")
    return ", ".join(parts) + " tasks"


def check_smt(ctx: CheckContext) -> Finding:
    return check_progress_smt(
        ctx, ID, explain=lambda state: _causes(ctx.model.settings, state) + tuple(blocked_reasons(ctx.bounds, state)),
        describe=_describe)


def check_fault_smt(ctx: CheckContext) -> Finding:
    """A bad release (model.faults.any) under the smt engine: see verifier/properties/fault_smt.py."""
    return fault_smt.progress(ctx)


def check_range(scan: RangeScan) -> RangeFinding:
    """Flagged where the invariant admits a settled deadlock; ECS's own run into it shows it."""
    if not scan.inductive:
        return scan.not_inductive(ID)

    def witness(desired: int) -> Counterexample | None:
        bounds = scan.bounds(desired)
        run = simulate(deployment_of(scan.model.at(desired).settings), scan.timeout_ms)
        if run.completes or run.exhausted:
            return None  # the invariant admits a deadlock that ECS never meets: not settled
        return replay(bounds, run.trace, lambda s: is_deadlock(bounds, s), ID, scan.timeout_ms)

    def explain(desired: int, trace: Counterexample) -> tuple[str, ...]:
        end = trace.states[-1]
        return _causes(scan.model.at(desired).settings, end) + tuple(blocked_reasons(scan.bounds(desired), end))

    return scan_and_prove(scan, ID, invariant_deadlock, witness, lambda x: deadlock(scan.symbolic, x), (),
                          "the deployment gets stuck", explain, exact=False)
