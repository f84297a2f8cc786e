"""plan: every step of the model's hand-written step plan is allowed, and the plan finishes."""

from __future__ import annotations

from typing import cast

from verifier.counterexample import Counterexample
from verifier.findings import Finding
from verifier.model.records import Model
from verifier.properties.context import CheckContext
from verifier.replay import replay
from verifier.results import PropertyId, Status
from verifier.semantics import Action, State, goal_state, initial_state, refusal_reasons, step_actions

ID = PropertyId.PLAN
DESCRIPTION = "each step of the hand-written plan is allowed when it starts, and the plan ends with every task replaced"
SOURCE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-options.html"


def applies(model: Model) -> bool:
    return model.plan is not None


def check(ctx: CheckContext) -> Finding:
    """Walk the plan through the interleaving semantics: a step is its action, then its events.

    `launch: k` is launch(k) then k ready events; `stop: j` is stop(j) then j gone
    events, so the trace replays like any other counterexample.
    """
    bounds = ctx.bounds
    state = initial_state(bounds)
    plan = ctx.model.plan
    assert plan is not None  # applies() only when the model has a plan
    states: list[State] = [state]
    actions: list[Action] = []
    for number, step in enumerate(plan, start=1):
        action, settle = step_actions(step.action, step.amount)
        after = action.apply(bounds, state)
        if after is None:
            trace = replay(bounds, Counterexample(tuple(states), tuple(actions)),
                           lambda s: action.apply(bounds, s) is None, ID)  # noqa: B023  replay calls it before the loop moves on
            where = f" (line {step.line})" if step.line else ""
            return Finding(ID, Status.VIOLATED, f"step {number}{where}, {step}, is not allowed",
                           trace, tuple(refusal_reasons(bounds, state, action)))
        settled = cast(State, settle.apply(bounds, after))  # a step's own events always follow it
        states += [after, settled]
        actions += [action, settle]
        state = settled
    if state != goal_state(bounds):
        trace = replay(bounds, Counterexample(tuple(states), tuple(actions)),
                       lambda s: s != goal_state(bounds), ID)
        return Finding(ID, Status.VIOLATED, f"the plan ends with {state.old} old and {state.new} new tasks, "
                       f"not with all {bounds.desired} replaced", trace)
    return Finding(ID, Status.HOLDS, f"all {len(plan)} steps are allowed and the plan finishes")


