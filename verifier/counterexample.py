"""A counterexample: a trace from the initial state, with runs of unit steps folded into one action.

Merging two adjacent stops (or launches) is always allowed, because a guard is
checked on the final amount only, so a shortest batched path never has two in a row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from verifier.fault_semantics import PHASE_NAMES, FaultState
from verifier.semantics import BY_NAME, Action, RepeatStep, State


@dataclass(frozen=True, slots=True)
class Repeat:
    """Trace steps [first, last) form a period that is then repeated `periods` more times.

    Found by smt/periodic.py; kept here, beside the trace whose indices it holds.
    """

    first: int
    last: int
    periods: int
    delta: State
    seconds: int = 0   # per period, for timed traces


@dataclass(frozen=True, slots=True)
class PairRepeat:
    """A repeat marker in a settled trace: the `steps` steps that end at trace[at - 1] are taken
    `periods` more times, each time moving (old, new) by `delta`, which reaches trace[at].

    Step plans at scale (schedules/certified.py) repeat a period of two steps hundreds of times; the
    trace keeps one period and this marker, which replay.replay_settled confirms with Z3.
    """

    at: int
    steps: int
    periods: int
    delta: tuple[int, int]


@dataclass(frozen=True, slots=True)
class Counterexample:
    """A trace from the initial state: states[i] --actions[i]--> states[i + 1]."""

    states: tuple[State, ...]
    actions: tuple[Action | RepeatStep, ...]
    times: tuple[int, ...] | None = None  # seconds at each state, for timed traces
    note: str = ""
    repeats: tuple[Repeat, ...] = ()   # one per RepeatStep in `actions`
    # A trace of the fault graph (docs/semantics.md#faults): every state in full, of which
    # `states` holds the four counts every report draws; empty for any other trace.
    fault_states: tuple[FaultState, ...] = ()
    # With cluster.instances: per state, one (old, stopping, pending, new) per instance in file order.
    instances: tuple[tuple[tuple[int, int, int, int], ...], ...] = ()


def step_count(trace: Counterexample) -> int:
    """Actions along the trace, each repeated period counted as the steps it stands for."""
    periods = {r.last: r for r in trace.repeats}
    return sum((periods[i].last - periods[i].first) * periods[i].periods
               if isinstance(action, RepeatStep) and i in periods else 1
               for i, action in enumerate(trace.actions))


def merge_runs(start: State, steps: list[tuple[Action, State]]) -> Counterexample:
    """Fold consecutive stops (or launches) into one action with the summed amount."""
    states = [start]
    actions: list[Action] = []
    for action, state in steps:
        previous = actions[-1] if actions else None
        if previous and previous.name == action.name and BY_NAME[action.name].controllable:
            actions[-1] = Action(action.name, previous.amount + action.amount)
            states[-1] = state
        else:
            actions.append(action)
            states.append(state)
    return Counterexample(tuple(states), tuple(actions))


def join(first: Counterexample, second: Counterexample) -> Counterexample:
    """`first` followed by `second`, which must start where `first` ends."""
    if first.states[-1] != second.states[0]:
        raise ValueError("traces do not meet")
    steps: list[tuple[Action, State]] = []
    for trace in (first, second):
        for action, state in zip(trace.actions, trace.states[1:], strict=True):
            if isinstance(action, RepeatStep):
                raise ValueError("traces with repeated periods cannot be joined")
            steps.append((action, state))
    return merge_runs(first.states[0], steps)


# What a fault trace adds to the four counts, as report columns: (field, heading).
FAULT_COLUMNS = (("old_pending", "old pending"), ("new_stopping", "new stopping"), ("failures", "failures"),
                 ("phase", "phase"), ("crashes", "crashes"), ("owed", "owed"), ("flaky_failed", "flaky failed"))


def fault_columns(states: Sequence[FaultState]) -> list[tuple[str, list[str]]]:
    """The extra components of a fault trace's `states` that are not 0 somewhere along it, one column each."""
    columns = []
    for field, heading in FAULT_COLUMNS:
        values = [getattr(state, field) for state in states]
        if any(values):
            shown = [PHASE_NAMES[v] for v in values] if field == "phase" else [str(v) for v in values]
            columns.append((heading, shown))
    return columns
