"""The shared shape of a safety property: a predicate every reachable state must satisfy."""

from __future__ import annotations

from collections.abc import Callable

from verifier.explicit.queries import shortest_path
from verifier.findings import Finding
from verifier.properties.context import CheckContext
from verifier.replay import replay
from verifier.results import PropertyId, Status
from verifier.semantics import State


def check_invariant(ctx: CheckContext, property_id: PropertyId, ok: Callable[[State], bool],
                    describe_violation: Callable[[State], str], holds_message: str,
                    violated: bool | None = None) -> Finding:
    """`violated`, where the caller knows it (from `Exploration.extremes`), spares a pass over every state."""
    exploration = ctx.explored
    if violated is None:
        violated = any(not ok(state) for state in exploration.each_state())
    if violated:
        trace = shortest_path(exploration, exploration.initial, lambda state: not ok(state))
        assert trace is not None  # a violating state was found, so it is reached from the start
        replay(ctx.bounds, trace, lambda state: not ok(state), property_id)
        details = () if exploration.complete else (
            "the search stopped at its budget, so a shorter counterexample may exist; this one is real (replayed)",)
        return Finding(property_id, Status.VIOLATED, describe_violation(trace.states[-1]), trace, details)
    if not exploration.complete:
        return Finding(property_id, Status.UNKNOWN,
                       f"no violation among the {exploration.states:,} states explored, but not every "
                       f"reachable state was explored", details=(ctx.budget_advice(),))
    return Finding(property_id, Status.HOLDS, holds_message)
