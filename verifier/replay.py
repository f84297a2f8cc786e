"""The replay that must confirm every counterexample before it is reported.

It lives above both engines: a trace found by either is re-run through the
plain-integer semantics, and a repeated period (found by the smt engine's
jumps) is confirmed by Z3 for every repetition.
"""

from __future__ import annotations

from collections.abc import Callable

from verifier.counterexample import Counterexample, PairRepeat, Repeat
from verifier.defaults import DEFAULT_TIMEOUT_MS
from verifier.errors import ReplayError
from verifier.fault_semantics import FAULT_BY_NAME, FaultBounds, FaultState, initial_fault_state
from verifier.semantics import Action, Bounds, RepeatStep, State, goal_state, initial_state, step_actions
from verifier.smt.periodic import repeats_for, shifted


def replay(bounds: Bounds, trace: Counterexample, final_check: Callable[[State], bool],
           what: str, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> Counterexample:
    """Re-run `trace` through the plain semantics and confirm it ends where `final_check` says.

    Raises ReplayError (never reported as a finding) if any step is not enabled,
    lands elsewhere than the trace claims, or the end does not violate `what`.
    """
    if not trace.states or trace.states[0] != initial_state(bounds):
        raise ReplayError(f"{what}: counterexample does not start in the initial state")
    state = trace.states[0]
    repeats = {r.last: r for r in trace.repeats}
    for index, action in enumerate(trace.actions):
        following: State | None
        if isinstance(action, RepeatStep):
            following = _replay_repeat(bounds, trace, repeats.get(index), state, what, timeout_ms)
        else:
            following = action.apply(bounds, state)
        if following is None:
            raise ReplayError(f"{what}: step {index + 1} ({action}) is not enabled in {tuple(state)}")
        if following != trace.states[index + 1]:
            raise ReplayError(f"{what}: step {index + 1} ({action}) reaches {tuple(following)}, "
                              f"not {tuple(trace.states[index + 1])}")
        state = following
    if not final_check(state):
        raise ReplayError(f"{what}: replayed counterexample ends in {tuple(state)}, which is not a violation")
    return trace


def _replay_repeat(bounds: Bounds, trace: Counterexample, repeat: Repeat | None, state: State, what: str,
                   timeout_ms: int) -> State:
    """A repeated period replays when Z3 confirms every repetition of its steps is allowed."""
    if repeat is None:
        raise ReplayError(f"{what}: a repeat step without its period")
    # `repeat.last` is the index of its RepeatStep in `actions`, so both slices are the same length.
    steps = list(zip(trace.states[repeat.first:repeat.last], trace.actions[repeat.first:repeat.last], strict=True))
    period = [(before, action) for before, action in steps if not isinstance(action, RepeatStep)]
    if len(period) < len(steps) or \
            not repeats_for(bounds, period, repeat.delta, repeat.periods, timeout_ms=timeout_ms):
        raise ReplayError(f"{what}: the period of steps {repeat.first}..{repeat.last} does not repeat "
                          f"{repeat.periods} times")
    return shifted(state, repeat.delta, repeat.periods)


def replay_settled(bounds: Bounds, pairs: tuple[tuple[int, int], ...], repeats: tuple[PairRepeat, ...],
                   what: str, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
    """Confirm a step plan's settled trace, repeat markers included, from the start to the goal.

    Each step between neighbouring pairs must be one stop or one launch whose guard holds
    where it starts; at a marker, Z3 confirms (as for a repeated period of a trace) that
    the marked steps, each an action then its events, stay allowed for every repetition.
    Raises ReplayError otherwise.
    """
    if not pairs or pairs[0] != initial_state(bounds).pair() or pairs[-1] != goal_state(bounds).pair():
        raise ReplayError(f"{what}: the step plan does not lead from the start to the goal")
    markers = {marker.at: marker for marker in repeats}
    for index in range(1, len(pairs)):
        marker = markers.get(index)
        if marker is None:
            name, amount = _settled_action(pairs[index - 1], pairs[index], what)
            if Action(name, amount).apply(bounds, _settled(pairs[index - 1])) is None:
                raise ReplayError(f"{what}: step {index} ({name} {amount}) is not allowed in {pairs[index - 1]}")
            continue
        first = index - 1 - marker.steps
        if first < 0 or any(i in markers for i in range(first + 1, index)):
            raise ReplayError(f"{what}: the repeat marker at {index} has no whole period before it")
        period: list[tuple[State, Action]] = []
        for step in range(first, index - 1):
            name, amount = _settled_action(pairs[step], pairs[step + 1], what)
            state = _settled(pairs[step])
            for action in step_actions(name, amount):
                period.append((state, action))
                following = action.apply(bounds, state)
                if following is None:
                    raise ReplayError(f"{what}: step {step + 1} ({action}) is not allowed in {tuple(state)}")
                state = following
        delta = State(marker.delta[0], 0, 0, marker.delta[1])
        if _settled(pairs[index - 1]) != shifted(_settled(pairs[first]), delta, 1) or \
                _settled(pairs[index]) != shifted(_settled(pairs[index - 1]), delta, marker.periods) or \
                not repeats_for(bounds, period, delta, marker.periods, timeout_ms=timeout_ms):
            raise ReplayError(f"{what}: the last {marker.steps} steps before {pairs[index]} do not repeat "
                              f"{marker.periods} times")


def _settled(pair: tuple[int, int]) -> State:
    return State(pair[0], 0, 0, pair[1])


def _settled_action(before: tuple[int, int], after: tuple[int, int], what: str) -> tuple[str, int]:
    """The one step that moves settled `before` to `after`: a stop lowers old, a launch raises new."""
    if after[1] == before[1] and after[0] < before[0]:
        return "stop", before[0] - after[0]
    if after[0] == before[0] and after[1] > before[1]:
        return "launch", after[1] - before[1]
    raise ReplayError(f"{what}: no single step moves {before} to {after}")


def replay_faults(fb: FaultBounds, trace: Counterexample, final_check: Callable[[FaultState], bool],
                  what: str) -> Counterexample:
    """Re-run a fault trace through `fault_semantics`, step by step, as `replay` does for the count model.

    Each action must be enabled with its amount (a failure, a crash or an alarm
    comes one at a time) and reach the full fault state the trace claims, whose
    four counts must be the ones the trace shows; the end must pass `final_check`.
    Raises ReplayError otherwise.
    """
    if not trace.fault_states or len(trace.fault_states) != len(trace.states) \
            or trace.fault_states[0] != initial_fault_state(fb):
        raise ReplayError(f"{what}: counterexample does not start in the initial state of the bad release")
    state = trace.fault_states[0]
    for index, action in enumerate(trace.actions):
        transition = FAULT_BY_NAME.get(action.name) if isinstance(action, Action) else None
        if transition is None or not isinstance(action, Action) or not (transition.batched or action.amount == 1) \
                or not transition.enabled(fb, state, action.amount):
            raise ReplayError(f"{what}: step {index + 1} ({action}) is not enabled in {tuple(state)}")
        state = transition.effect(fb, state, action.amount)
        if state != trace.fault_states[index + 1] or tuple(state[:4]) != tuple(trace.states[index + 1]):
            raise ReplayError(f"{what}: step {index + 1} ({action}) reaches {tuple(state)}, "
                              f"not {tuple(trace.fault_states[index + 1])}")
    if not final_check(state):
        raise ReplayError(f"{what}: replayed counterexample ends in {tuple(state)}, which is not a violation")
    return trace
