"""The replay that must confirm every counterexample before it is reported.

It lives above both engines: a trace found by either is re-run through the
plain-integer semantics, and a repeated period (found by the smt engine's
jumps) is confirmed by Z3 for every repetition.
"""

from __future__ import annotations

from collections.abc import Callable

from verifier.counterexample import Counterexample, Repeat
from verifier.defaults import DEFAULT_TIMEOUT_MS
from verifier.errors import ReplayError
from verifier.semantics import Bounds, RepeatStep, State, initial_state
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
