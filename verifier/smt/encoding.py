"""The semantics as Z3 constraints, generated from the same transition records as the explorer.

`semantics.TRANSITIONS` gives each transition's guard as a tuple of comparisons
and its effect as a State of expressions. Called with Z3 integers they build
constraints; nothing here restates a guard. The only new facts are the
rounding of docs/semantics.md#bounds, taken from `rounding` as linear constraints so
that desiredCount may be symbolic too.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import count

import z3

from verifier.model.records import Settings
from verifier.rounding import rounded_percent_facts
from verifier.semantics import TRANSITIONS, Bounds, State, Term, bounds_of, counted, goal_state, initial_state

_fresh = count()


@dataclass(frozen=True, slots=True)
class SymbolicModel:
    """Bounds whose desired count (and so L, U) may be a Z3 integer, with the facts that tie them."""

    bounds: Bounds
    facts: tuple[z3.BoolRef, ...]  # constraints every query about this model must include


def concrete(settings: Settings) -> SymbolicModel:
    return SymbolicModel(bounds_of(settings), ())


def over_desired(settings: Settings, desired: z3.ArithRef, capacity: Term | None = None) -> SymbolicModel:
    """The model with desiredCount `desired` symbolic; `capacity` may be an expression in it."""
    low, high = z3.Int(f"L{next(_fresh)}"), z3.Int(f"U{next(_fresh)}")
    m, x = settings.min_healthy_percent, settings.max_percent
    facts = (desired >= 0, *rounded_percent_facts(low, desired, m, round_up=True),
             *rounded_percent_facts(high, desired, x, round_up=False))
    bounds = Bounds(desired, low, high, settings.capacity if capacity is None else capacity,
                    m, x, settings.stopping_counts_toward_max)
    return SymbolicModel(bounds, facts)


def state_vars(tag: str) -> State:
    return State(*(z3.Int(f"{name}_{tag}") for name in State._fields))


def same(a: State, b: State) -> z3.BoolRef:
    return z3.And(*(x == y for x, y in zip(a, b, strict=True)))


def initial(model: SymbolicModel, state: State) -> z3.BoolRef:
    return same(state, initial_state(model.bounds))


def goal(model: SymbolicModel, state: State) -> z3.BoolRef:
    return same(state, goal_state(model.bounds))


def step(model: SymbolicModel, before: State, after: State, unit_events: bool = False) -> z3.BoolRef:
    """One transition of any amount (events too, unless `unit_events`): an Or over TRANSITIONS."""
    options = []
    for transition in TRANSITIONS:
        amount = 1 if (unit_events and not transition.controllable) else z3.Int(f"{transition.name}_{next(_fresh)}")
        options.append(z3.And(*transition.guard(model.bounds, before, amount),
                              same(after, transition.effect(before, amount))))
    return z3.Or(*options)


def enabled(model: SymbolicModel, state: State) -> z3.BoolRef:
    """Some transition is enabled (amount 1 suffices: guards are downward closed)."""
    return z3.Or(*(z3.And(*t.guard(model.bounds, state, 1)) for t in TRANSITIONS))


def deadlock(model: SymbolicModel, state: State) -> z3.BoolRef:
    return z3.And(z3.Not(enabled(model, state)), z3.Not(goal(model, state)))


def healthy(state: State) -> Term:
    return state.old + state.new


def counted_tasks(model: SymbolicModel, state: State) -> Term:
    return counted(model.bounds, state)


def occupied(state: State) -> Term:
    return state.old + state.stopping + state.pending + state.new


def smaller(a: Term, b: Term) -> Term:
    return z3.If(a <= b, a, b) if isinstance(a, z3.ExprRef) or isinstance(b, z3.ExprRef) else min(a, b)


def larger(a: Term, b: Term) -> Term:
    return z3.If(a >= b, a, b) if isinstance(a, z3.ExprRef) or isinstance(b, z3.ExprRef) else max(a, b)
