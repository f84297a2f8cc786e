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

from dataclasses import dataclass

import z3

from verifier.counterexample import Counterexample

from verifier.replay import replay
from verifier.smt.encoding import SymbolicModel
from verifier.smt.invariants import holds
from verifier.model.records import Settings
from verifier.smt.periodic import Repeat, longest_repeat, shifted
from verifier.semantics import LAUNCH, STOP, Action, Bounds, State, goal_state, initial_state
from verifier.smt.solver import Query, SolverUnknown
from verifier.schedules.step_plan import StepPlan

MAX_BMC_STEPS = 12


@dataclass(frozen=True, slots=True)
class GreedyPlan:
    steps: int
    seconds: int
    trace: Counterexample    # interleaving trace: each step is its action then its events; may hold repeats
    pairs: tuple[tuple[int, int], ...]


def _seconds(settings: Settings, action: str) -> int:
    return settings.health_check_seconds if action == "launch" else settings.drain_seconds


def greedy(bounds: Bounds, settings: Settings, stop_first: bool) -> GreedyPlan | None:
    order = (STOP, LAUNCH) if stop_first else (LAUNCH, STOP)
    state = initial_state(bounds)
    states, actions, repeats = [state], [], []
    chosen: list[tuple[int, object, int]] = []   # (trace index, transition, amount) per step
    steps = seconds = 0
    goal = goal_state(bounds)
    while state != goal:
        for transition in order:
            amount = transition.largest_amount(bounds, state)
            if amount:
                break
        else:
            return None  # stuck: no step is allowed
        chosen.append((len(states) - 1, transition, amount))
        settle = Action("ready" if transition is LAUNCH else "gone", amount)
        for action in (Action(transition.name, amount), settle):
            state = action.apply(bounds, state)
            states.append(state)
            actions.append(action)
        steps += 1
        seconds += _seconds(settings, transition.name)
        jumped = _repeat_last_two(bounds, settings, order, states, actions, chosen)
        if jumped is not None:
            repeat, periods_steps, periods_seconds = jumped
            repeats.append(repeat)
            state = shifted(state, repeat.delta, repeat.periods)
            states.append(state)
            actions.append(Action("repeat", repeat.periods))
            steps += periods_steps
            seconds += periods_seconds
            chosen.clear()
    trace = Counterexample(tuple(states), tuple(actions), repeats=tuple(repeats))
    pairs = tuple(s.pair() for i, s in enumerate(states) if i == 0 or actions[i - 1].name in ("ready", "gone", "repeat"))
    return GreedyPlan(steps, seconds, trace, pairs)


def _repeat_last_two(bounds, settings, order, states, actions, chosen):
    """When the last two steps equal the two before them, repeat them while Z3 confirms it."""
    if len(chosen) < 4 or [(t, a) for _, t, a in chosen[-4:-2]] != [(t, a) for _, t, a in chosen[-2:]]:
        return None
    first, last = chosen[-2][0], len(states) - 1
    delta = State(*(a - b for a, b in zip(states[last], states[first])))
    period = list(zip(states[first:last], actions[first:last]))

    def still_greedy(at) -> list:
        conditions = []
        for index, transition, amount in chosen[-2:]:
            state = at(states[index])
            conditions.append(z3.Not(z3.And(*transition.guard(bounds, state, amount + 1))))
            for preferred in order[:order.index(transition)]:
                conditions.append(z3.Not(z3.And(*preferred.guard(bounds, state, 1))))
        return conditions

    periods = longest_repeat(bounds, period, delta, still_greedy)
    if periods < 2:
        return None
    per_seconds = sum(_seconds(settings, t.name) for _, t, _ in chosen[-2:])
    return Repeat(first, last, periods, delta, per_seconds), 2 * periods, per_seconds * periods


def largest_step(bounds: Bounds, transition, timeout_ms: int) -> int:
    """The most one step of `transition` can move from any settled state the invariant allows."""
    model = SymbolicModel(bounds, ())
    old, new, amount = z3.Int("o"), z3.Int("n"), z3.Int("k")
    state = State(old, 0, 0, new)
    optimizer = z3.Optimize()
    optimizer.set("timeout", timeout_ms)
    optimizer.add(holds(model, state), *transition.guard(bounds, state, amount))
    handle = optimizer.maximize(amount)
    verdict = optimizer.check()
    if verdict == z3.unknown:
        raise SolverUnknown(optimizer.reason_unknown())
    if verdict == z3.unsat:
        return 0
    return handle.value().as_long()


def _no_plan_within(bounds: Bounds, depth: int, timeout_ms: int) -> bool:
    """Bounded model checking over settled steps: no plan of at most `depth` steps reaches the goal."""
    states = [State(z3.Int(f"o{i}"), 0, 0, z3.Int(f"n{i}")) for i in range(depth + 1)]
    start, goal = initial_state(bounds), goal_state(bounds)
    query = Query(timeout_ms).add(states[0].old == start.old, states[0].new == start.new,
                                  states[-1].old == goal.old, states[-1].new == goal.new)
    for i, (before, after) in enumerate(zip(states, states[1:])):
        j, k = z3.Int(f"j{i}"), z3.Int(f"k{i}")
        idle = z3.And(after.old == before.old, after.new == before.new)
        stop = z3.And(*STOP.guard(bounds, before, j), after.old == before.old - j, after.new == before.new)
        launch = z3.And(*LAUNCH.guard(bounds, before, k), after.new == before.new + k, after.old == before.old)
        query.add(z3.Or(idle, stop, launch))
    return not query.check().sat


def _least_seconds_within(bounds: Bounds, settings: Settings, depth: int, timeout_ms: int) -> int | None:
    """Z3 Optimize over every plan of at most `depth` steps: the least total seconds, or None."""
    states = [State(z3.Int(f"so{i}"), 0, 0, z3.Int(f"sn{i}")) for i in range(depth + 1)]
    start, goal = initial_state(bounds), goal_state(bounds)
    optimizer = z3.Optimize()
    optimizer.set("timeout", timeout_ms)
    optimizer.add(states[0].old == start.old, states[0].new == start.new,
                  states[-1].old == goal.old, states[-1].new == goal.new)
    cost = 0
    for i, (before, after) in enumerate(zip(states, states[1:])):
        j, k, kind = z3.Int(f"sj{i}"), z3.Int(f"sk{i}"), z3.Int(f"kind{i}")  # 0 idle, 1 stop, 2 launch
        optimizer.add(z3.Or(
            z3.And(kind == 0, after.old == before.old, after.new == before.new),
            z3.And(kind == 1, *STOP.guard(bounds, before, j), after.old == before.old - j, after.new == before.new),
            z3.And(kind == 2, *LAUNCH.guard(bounds, before, k), after.new == before.new + k,
                   after.old == before.old)))
        cost = cost + z3.If(kind == 1, settings.drain_seconds, z3.If(kind == 2, settings.health_check_seconds, 0))
    handle = optimizer.minimize(cost)
    verdict = optimizer.check()
    if verdict == z3.unknown:
        raise SolverUnknown(optimizer.reason_unknown())
    return handle.value().as_long() if verdict == z3.sat else None


def certified_plan(bounds: Bounds, settings: Settings, timeout_ms: int) -> StepPlan:
    plans = [p for p in (greedy(bounds, settings, True), greedy(bounds, settings, False)) if p is not None]
    for plan in plans:
        replay(bounds, plan.trace, lambda state: state == goal_state(bounds), "plan")
    desired = bounds.desired
    if not plans:
        return StepPlan(None, (), (), None, (), (), complete=False, skipped=True,
                        certificate="no greedy plan finishes; fewest steps not determined at this scale")
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
        low_seconds = launches * settings.health_check_seconds + stops * settings.drain_seconds
    else:
        low_steps = low_seconds = 0
    steps_known = fewest.steps == low_steps
    how = f"lower bound {low_steps} steps from at most {most_launched} launched and {most_stopped} stopped per step"
    if not steps_known and fewest.steps <= MAX_BMC_STEPS:
        try:
            steps_known = _no_plan_within(bounds, fewest.steps - 1, timeout_ms)
            how = f"no plan of {fewest.steps - 1} steps or fewer exists (bounded model checking)"
        except SolverUnknown:
            steps_known = False
    seconds_known = fastest.seconds == low_seconds
    if not seconds_known and desired and most_launched and most_stopped:
        # A faster plan still launches and stops at least as often as the lower bound says,
        # so its number of steps is bounded; search all plans up to that many steps.
        shortest_step = max(1, min(settings.health_check_seconds, settings.drain_seconds))
        depth = launches + stops + max(0, fastest.seconds - 1 - low_seconds) // shortest_step
        if depth <= MAX_BMC_STEPS:
            try:
                seconds_known = _least_seconds_within(bounds, settings, depth, timeout_ms) == fastest.seconds
            except SolverUnknown:
                seconds_known = False
    certificate = (f"fewest steps: {'exact' if steps_known else 'between'} "
                   f"{'' if steps_known else f'{low_steps} and '}{fewest.steps} ({how}); "
                   f"least time: {'exact' if seconds_known else 'between'} "
                   f"{'' if seconds_known else f'{low_seconds} and '}{fastest.seconds} s")
    return StepPlan(
        min_steps=fewest.steps if steps_known else None,
        steps=(), trace=fewest.pairs,
        sequential_seconds=fastest.seconds if seconds_known else None,
        sequential_steps=(), sequential_trace=fastest.pairs,
        complete=steps_known and seconds_known, certificate=certificate,
        upper_steps=fewest.steps, upper_seconds=fastest.seconds,
    )
