"""Why a state is stuck, in terms of the settings: an unsat core over named constraints.

In a stuck state no scheduler action is enabled. We ask Z3 whether some action
would be enabled if minimumHealthyPercent, maximumPercent and the capacity were
free, each pinned to the model's value by a named constraint; the unsat core
names the settings that together make the state stuck. desiredCount stays
fixed (it is what is being deployed, not a knob), which keeps every constraint
linear.
"""

from __future__ import annotations

import z3

from verifier.model.records import Settings
from verifier.semantics import LAUNCH, STOP, Bounds, State
from verifier.smt.solver import Query, SolverUnknown


def stuck_because(settings: Settings, state: State, timeout_ms: int = 5_000) -> str | None:
    """`minimumHealthyPercent 100 and maximumPercent 100 leave no room to stop or to start a task`."""
    desired = settings.desired
    m, x = z3.Int("minimumHealthyPercent"), z3.Int("maximumPercent")
    low, high = z3.Int("L"), z3.Int("U")
    capacity = z3.Int("capacity") if settings.capacity is not None else None
    bounds = Bounds(desired, low, high, capacity, settings.min_healthy_percent, settings.max_percent,
                    settings.stopping_counts_toward_max)
    query = Query(timeout_ms).add(
        m >= 0, x >= 0,
        100 * low >= desired * m, 100 * low < desired * m + 100,
        100 * high <= desired * x, 100 * high > desired * x - 100,
        z3.Or(z3.And(*STOP.guard(bounds, state, 1)), z3.And(*LAUNCH.guard(bounds, state, 1))),
    )
    query.named(f"minimumHealthyPercent {settings.min_healthy_percent}", m == settings.min_healthy_percent)
    query.named(f"maximumPercent {settings.max_percent}", x == settings.max_percent)
    if capacity is not None:
        query.named(f"capacityTasks {settings.capacity}", capacity == settings.capacity)
    try:
        answer = query.check()
    except SolverUnknown:
        return None
    if answer.sat or not answer.core:
        return None  # only the state itself (no old task, all new started) blocks it
    names = sorted(answer.core, key=_order)
    cause = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    verb = "leaves" if len(names) == 1 else "leave"
    room = []
    if state.old > 0:
        room.append("to stop")
    if state.pending + state.new < desired:
        room.append("to start")
    what = " or ".join(room) + " a task" if room else "to move"
    return f"{cause} {verb} no room {what} (with desiredCount {desired})"


def _order(name: str) -> int:
    for index, prefix in enumerate(("minimumHealthyPercent", "maximumPercent", "capacityTasks")):
        if name.startswith(prefix):
            return index
    return 3
