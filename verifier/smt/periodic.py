"""Repeating a verified period of actions many times, without taking each step.

Long runs at scale are periodic: with a million tasks and one free slot, ECS
launches one, waits, stops one, waits, a million times. A period is a list of
(state, action) pairs observed once; repeating it shifts every state by the
same delta. `repeats_for` asks Z3 whether the period stays valid for every
repetition p in [0, n): each action's guard (from semantics.TRANSITIONS, on
states that are linear in p) holds, and any extra conditions the caller adds
hold too (the ECS controller adds that its choices stay the largest allowed).
`longest_repeat` finds the largest such n by doubling and bisection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import z3

from verifier.defaults import DEFAULT_TIMEOUT_MS
from verifier.semantics import BY_NAME, Action, Bounds, State, Term
from verifier.smt.solver import Query

MAX_REPEATS = 1 << 40

# A caller's own conditions on each repetition, given how to place a state of the period in it.
ExtraConditions: TypeAlias = Callable[[Callable[[State], State]], list[z3.BoolRef]]


def shifted(state: State, delta: State, times: Term) -> State:
    return State(*(a + times * d for a, d in zip(state, delta, strict=True)))


def repeats_for(bounds: Bounds, period: list[tuple[State, Action]], delta: State, periods: int,
                extra: ExtraConditions | None = None,
                timeout_ms: int = DEFAULT_TIMEOUT_MS) -> bool:
    """Whether every repetition 1..periods of `period` (shifted by delta each time) is allowed."""
    p = z3.Int("p")

    def at(state: State) -> State:
        return shifted(state, delta, p + 1)

    conditions: list[z3.BoolRef] = []
    for state, action in period:
        conditions += BY_NAME[action.name].guard(bounds, at(state), action.amount)
    if extra is not None:
        conditions += extra(at)
    answer = Query(timeout_ms).add(p >= 0, p < periods, z3.Not(z3.And(*conditions))).check()
    return not answer.sat


def longest_repeat(bounds: Bounds, period: list[tuple[State, Action]], delta: State,
                   extra: ExtraConditions | None = None, limit: int = MAX_REPEATS,
                   timeout_ms: int = DEFAULT_TIMEOUT_MS) -> int:
    """The most repetitions (0 if none) for which the period stays valid."""
    if limit < 1 or not repeats_for(bounds, period, delta, 1, extra, timeout_ms):
        return 0
    good, bad = 1, 2
    while bad <= limit and repeats_for(bounds, period, delta, bad, extra, timeout_ms):
        good, bad = bad, bad * 2
    bad = min(bad, limit + 1)
    while bad - good > 1:   # invariant: `good` repetitions are valid, `bad` are not (or exceed limit)
        middle = (good + bad) // 2
        if repeats_for(bounds, period, delta, middle, extra, timeout_ms):
            good = middle
        else:
            bad = middle
    return good
