"""Step-plan figures at any scale: a constructive plan, and a lower bound proved with Z3.

Where the settled-state graph is too large to search, `min_steps` and
`sequential_seconds` come with a certificate instead:

* upper bound: two greedy plans (stop as much as allowed, else launch as much
  as allowed; and launch first), their long periodic stretches repeated with
  `periodic` rather than stepped through, replayed through the semantics;
* lower bound: every plan launches D new tasks and stops D old ones in all.
  Z3 Optimize finds the most one launch step (a) and one stop step (b) can move
  from any settled state allowed by the inductive invariant, so every plan needs
  at least ceil(D/a) launch steps and ceil(D/b) stop steps;
* where the bounds differ and the plans are short, bounded model checking over
  settled steps closes the gap (or finds the shorter plan).

A figure is reported only when its bounds meet; otherwise it is None and the
bounds are said in `certificate`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise

import z3

from verifier.counterexample import Counterexample, PairRepeat, Repeat
from verifier.replay import replay, replay_settled
from verifier.schedules.ecs_controller import repeat_limit
from verifier.schedules.no_plan import no_plan_invariant
from verifier.schedules.step_counts import fewest_steps as closed_form
from verifier.schedules.step_plan import StepPlan
from verifier.semantics import (
    LAUNCH,
    STOP,
    Action,
    Bounds,
    Deployment,
    RepeatStep,
    State,
    Term,
    Transition,
    goal_state,
    initial_state,
    settled_step,
    step_actions,
)
from verifier.smt.encoding import SymbolicModel
from verifier.smt.invariants import holds
from verifier.smt.periodic import longest_repeat, shifted
from verifier.smt.solver import Optimum, SolverUnknown, value

MAX_BMC_STEPS = 12
MAX_GREEDY_STATES = 100_000  # recorded states of one greedy plan before it is given up

# (trace index of the state it starts in, transition, amount) for one step of a greedy plan
_Choice = tuple[int, Transition, int]


@dataclass(frozen=True, slots=True)
class GreedyPlan:
    steps: int
    seconds: int
    trace: Counterexample    # interleaving trace: each step is its action then its events; may hold repeats
    pairs: tuple[tuple[int, int], ...]
    pair_repeats: tuple[PairRepeat, ...] = ()   # where `pairs` stands for repeated periods of `trace`


def greedy(deployment: Deployment, stop_first: bool, timeout_ms: int) -> GreedyPlan | None:
    bounds = deployment.bounds
    order = (STOP, LAUNCH) if stop_first else (LAUNCH, STOP)
    state = initial_state(bounds)
    states: list[State] = [state]
    actions: list[Action | RepeatStep] = []
    repeats: list[Repeat] = []
    chosen: list[_Choice] = []
    steps = seconds = 0
    goal = goal_state(bounds)
    while state != goal:
        if len(states) >= MAX_GREEDY_STATES:
            return None  # over its work budget: no plan from this order, as if it got stuck
        for transition in order:
            amount = transition.largest_amount(bounds, state)
            if amount:
                break
        else:
            return None  # stuck: no step is allowed
        chosen.append((len(states) - 1, transition, amount))
        for action in step_actions(transition.name, amount):
            following = action.apply(bounds, state)
            assert following is not None, f"greedy chose a disabled {action} in {state}"
            state = following
            states.append(state)
            actions.append(action)
        steps += 1
        seconds += deployment.step_seconds(transition.name)
        jumped = _repeat_last_two(deployment, order, states, actions, chosen, timeout_ms)
        if jumped is not None:
            repeat, periods_steps, periods_seconds = jumped
            repeats.append(repeat)
            state = shifted(state, repeat.delta, repeat.periods)
            states.append(state)
            actions.append(RepeatStep(repeat.periods))
            steps += periods_steps
            seconds += periods_seconds
            chosen.clear()
    trace = Counterexample(tuple(states), tuple(actions), repeats=tuple(repeats))
    settled = [0] + [i for i, action in enumerate(actions, start=1)
                     if isinstance(action, RepeatStep) or action.name in ("ready", "gone")]
    pairs = tuple(states[i].pair() for i in settled)
    position = {state_index: pair_index for pair_index, state_index in enumerate(settled)}
    # Repeat.last is the RepeatStep's index in `actions`, so the state it reaches is last + 1;
    # its period runs from state `first` to state `last`, both settled.
    pair_repeats = tuple(PairRepeat(position[r.last + 1], position[r.last] - position[r.first], r.periods,
                                    (r.delta.old, r.delta.new)) for r in repeats)
    return GreedyPlan(steps, seconds, trace, pairs, pair_repeats)


def _repeat_last_two(deployment: Deployment, order: tuple[Transition, ...], states: list[State],
                     actions: list[Action | RepeatStep], chosen: list[_Choice],
                     timeout_ms: int) -> tuple[Repeat, int, int] | None:
    """When the last two steps equal the two before them, repeat them while Z3 confirms it."""
    if len(chosen) < 4 or [(t, a) for _, t, a in chosen[-4:-2]] != [(t, a) for _, t, a in chosen[-2:]]:
        return None
    bounds = deployment.bounds
    first, last = chosen[-2][0], len(states) - 1
    delta = State(*(a - b for a, b in zip(states[last], states[first], strict=True)))
    steps = list(zip(states[first:last], actions[first:last], strict=True))
    period = [(before, action) for before, action in steps if isinstance(action, Action)]
    assert len(period) == len(steps), "a period never spans an earlier jump: `chosen` restarts after one"

    def still_greedy(at: Callable[[State], State]) -> list[z3.BoolRef]:
        conditions = []
        for index, transition, amount in chosen[-2:]:
            state = at(states[index])
            conditions.append(z3.Not(z3.And(*transition.guard(bounds, state, amount + 1))))
            for preferred in order[:order.index(transition)]:
                conditions.append(z3.Not(z3.And(*preferred.guard(bounds, state, 1))))
        return conditions

    periods = longest_repeat(bounds, period, delta, still_greedy, limit=repeat_limit(bounds), timeout_ms=timeout_ms)
    if periods < 2:
        return None
    per_seconds = sum(deployment.step_seconds(t.name) for _, t, _ in chosen[-2:])
    return Repeat(first, last, periods, delta, per_seconds), 2 * periods, per_seconds * periods


def largest_step(bounds: Bounds, transition: Transition, timeout_ms: int) -> int:
    """The most one step of `transition` can move from any settled state the invariant allows."""
    model = SymbolicModel(bounds, ())
    old, new, amount = z3.Int("o"), z3.Int("n"), z3.Int("k")
    state = State(old, 0, 0, new)
    answer = Optimum(timeout_ms).add(holds(model, state), *transition.guard(bounds, state, amount)).most(amount)
    return value(answer.model, amount) if answer.sat else 0


def _settled_plans(deployment: Deployment, depth: int) -> tuple[list[z3.BoolRef], Term, Term, list[State]]:
    """Every plan of at most `depth` settled steps from the start to the goal, as Z3 constraints.

    A step stays put, or is `semantics.settled_step` of a stop or a launch of
    any amount; also returned: the plan's total seconds, its number of steps
    (stays not counted), and its settled states.
    """
    bounds = deployment.bounds
    states = [State(z3.Int(f"o{i}"), 0, 0, z3.Int(f"n{i}")) for i in range(depth + 1)]
    start, goal = initial_state(bounds), goal_state(bounds)
    constraints = [states[0].old == start.old, states[0].new == start.new,
                   states[-1].old == goal.old, states[-1].new == goal.new]
    cost: Term = 0
    steps: Term = 0
    for i, (before, after) in enumerate(pairwise(states)):
        kind = z3.Int(f"kind{i}")  # 0 stays put; 1 + its index in (STOP, LAUNCH) otherwise
        options = [z3.And(kind == 0, after.old == before.old, after.new == before.new)]
        for number, transition in enumerate((STOP, LAUNCH), start=1):
            guard, settled = settled_step(bounds, before, transition, z3.Int(f"{transition.name}{i}"))
            options.append(z3.And(kind == number, *guard, after.old == settled.old, after.new == settled.new))
        constraints.append(z3.Or(*options))
        cost = cost + z3.If(kind == 1, deployment.step_seconds(STOP.name),
                            z3.If(kind == 2, deployment.step_seconds(LAUNCH.name), 0))
        steps = steps + z3.If(kind == 0, 0, 1)
    return constraints, cost, steps, states


def _best_within(deployment: Deployment, depth: int, timeout_ms: int,
                 by_steps: bool) -> tuple[int, tuple[tuple[int, int], ...]] | None:
    """Z3 Optimize over every plan of at most `depth` steps: the fewest steps (or least seconds)
    and a plan's settled trace, replayed; None when no plan is that short."""
    constraints, seconds, steps, states = _settled_plans(deployment, depth)
    objective = steps if by_steps else seconds
    answer = Optimum(timeout_ms).add(*constraints).least(objective)
    if not answer.sat:
        return None
    assert answer.model is not None  # a sat answer carries its model
    pairs: list[tuple[int, int]] = []
    for state in states:
        pair = (value(answer.model, state.old), value(answer.model, state.new))
        if not pairs or pairs[-1] != pair:   # a step that stays put is no step
            pairs.append(pair)
    replay_settled(deployment.bounds, tuple(pairs), (), "plan", timeout_ms)
    return value(answer.model, objective), tuple(pairs)


def _no_plan_within(deployment: Deployment, depth: int, timeout_ms: int) -> bool:
    """Bounded model checking over settled steps: no plan of at most `depth` steps reaches the goal."""
    return _best_within(deployment, depth, timeout_ms, by_steps=True) is None


def _least_seconds_within(deployment: Deployment, depth: int, timeout_ms: int) -> int | None:
    """Z3 Optimize over every plan of at most `depth` steps: the least total seconds, or None."""
    best = _best_within(deployment, depth, timeout_ms, by_steps=False)
    return None if best is None else best[0]


def certified_plan(deployment: Deployment, timeout_ms: int) -> StepPlan:
    bounds = deployment.bounds
    plans = [p for p in (greedy(deployment, True, timeout_ms), greedy(deployment, False, timeout_ms))
             if p is not None]
    for plan in plans:
        replay(bounds, plan.trace, lambda state: state == goal_state(bounds), "plan", timeout_ms)
        replay_settled(bounds, plan.pairs, plan.pair_repeats, "plan", timeout_ms)
    desired = bounds.desired
    if not plans:
        return _without_greedy_plan(deployment, timeout_ms)
    try:
        most_launched = largest_step(bounds, LAUNCH, timeout_ms)
        most_stopped = largest_step(bounds, STOP, timeout_ms)
    except SolverUnknown:
        most_launched = most_stopped = 0
    fewest = min(plans, key=lambda p: (p.steps, p.seconds))
    fastest = min(plans, key=lambda p: (p.seconds, p.steps))
    if desired == 0:
        low_steps = low_seconds = 0
    elif most_launched and most_stopped:
        launches, stops = -(-desired // most_launched), -(-desired // most_stopped)
        low_steps = launches + stops
        low_seconds = launches * deployment.health_check_seconds + stops * deployment.drain_seconds
    else:
        low_steps = low_seconds = 0
    steps_known = fewest.steps == low_steps
    how = f"lower bound {low_steps} steps from at most {most_launched} launched and {most_stopped} stopped per step"
    exact = closed_form(deployment)   # every plan is matched by a greedy one (step_counts), so these are exact
    if not steps_known and exact.steps == fewest.steps:
        steps_known, how = True, "no plan is shorter than the greedy ones (step_counts), lower bound " \
                                 f"{low_steps} steps from at most {most_launched} launched and {most_stopped} stopped"
    fewest_steps, fewest_pairs, fewest_repeats = fewest.steps, fewest.pairs, fewest.pair_repeats
    if not steps_known and fewest.steps <= MAX_BMC_STEPS:
        # Every plan with fewer steps than the greedy one has at most fewest.steps - 1.
        try:
            shorter = _best_within(deployment, fewest.steps - 1, timeout_ms, by_steps=True)
            steps_known = True
            how = f"no plan of {fewest.steps - 1} steps or fewer exists (bounded model checking)"
            if shorter is not None:
                fewest_steps, fewest_pairs, fewest_repeats = shorter[0], shorter[1], ()
                how = f"the fewest among all plans of at most {fewest.steps - 1} steps (Z3 Optimize)"
        except SolverUnknown:
            steps_known = False
    least_seconds, fastest_pairs, fastest_repeats = fastest.seconds, fastest.pairs, fastest.pair_repeats
    seconds_known = fastest.seconds in (low_seconds, exact.seconds)
    if not seconds_known and desired and most_launched and most_stopped:
        # A faster plan still launches and stops at least as often as the lower bound says,
        # so its number of steps is bounded; search all plans up to that many steps. Longer
        # plans take at least fastest.seconds, so the best found (if any) or the greedy one is exact.
        shortest_step = max(1, min(deployment.health_check_seconds, deployment.drain_seconds))
        depth = launches + stops + max(0, fastest.seconds - 1 - low_seconds) // shortest_step
        if depth <= MAX_BMC_STEPS:
            try:
                faster = _best_within(deployment, depth, timeout_ms, by_steps=False)
                seconds_known = True
                if faster is not None and faster[0] < fastest.seconds:
                    least_seconds, fastest_pairs, fastest_repeats = faster[0], faster[1], ()
            except SolverUnknown:
                seconds_known = False
    certificate = (f"fewest steps: {'exact' if steps_known else 'between'} "
                   f"{'' if steps_known else f'{low_steps} and '}{fewest_steps} ({how}); "
                   f"least time: {'exact' if seconds_known else 'between'} "
                   f"{'' if seconds_known else f'{low_seconds} and '}{least_seconds} s")
    return StepPlan(
        min_steps=fewest_steps if steps_known else None,
        steps=(), trace=fewest_pairs,
        sequential_seconds=least_seconds if seconds_known else None,
        sequential_steps=(), sequential_trace=fastest_pairs,
        complete=steps_known and seconds_known, certificate=certificate,
        upper_steps=fewest_steps, upper_seconds=least_seconds,
        trace_repeats=fewest_repeats, sequential_trace_repeats=fastest_repeats,
        lower_steps=fewest_steps if steps_known else low_steps,
    )


def _without_greedy_plan(deployment: Deployment, timeout_ms: int) -> StepPlan:
    """Neither greedy plan finishes: either no plan does (proved), or the figures stay unknown."""
    try:
        kept = no_plan_invariant(deployment, timeout_ms)
    except SolverUnknown:
        kept = None
    if kept is not None:
        return StepPlan(None, (), (), None, (), (), complete=True,
                        certificate=f"no step plan finishes: every plan keeps {kept} (an invariant of every "
                                    "step, checked by Z3), which the goal breaks")
    return StepPlan(None, (), (), None, (), (), complete=False, skipped=True,
                    certificate="no greedy plan finishes (stuck, or past its work budget), and no invariant "
                                "proves that no plan does; fewest steps and least time not determined at this scale")
