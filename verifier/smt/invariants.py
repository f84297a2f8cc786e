"""The inductive invariant behind every SMT proof, written so a reader can check it by hand.

Over all reachable states (o, s, p, n) of a model with bounds D, L, U, C:

    o, s, p, n >= 0
    o + s <= D                      old tasks only ever stop, then go
    p + n <= D                      launch never exceeds desiredCount
    o + n >= min(D, L)              stop keeps L healthy; the start has D
    counted <= max(D, U)            launch keeps U; the start counts D
    o + s + p + n <= max(D, C)      launch keeps C; the start occupies D

Each conjunct holds initially and is preserved by every transition with any
amount (Z3 checks this, for a concrete or a symbolic desired count). The bounds
are tight: min(D, L) healthy is reached by one stop, and every count in
between by the others, which is why a violated bound is always found by a
bounded search of depth 0 or 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

from verifier.semantics import State, Term
from verifier.smt.encoding import SymbolicModel, counted_tasks, healthy, larger, occupied, smaller


@dataclass(frozen=True, slots=True)
class Conjunct:
    text: str          # how the report writes it, with this model's numbers
    formula: z3.BoolRef  # the Z3 formula over one state


def invariant(model: SymbolicModel, state: State) -> tuple[Conjunct, ...]:
    b = model.bounds
    d = b.desired
    conjuncts = [
        Conjunct("old, stopping, pending, new >= 0",
                 z3.And(state.old >= 0, state.stopping >= 0, state.pending >= 0, state.new >= 0)),
        Conjunct(f"old + stopping <= {_show(d)}", state.old + state.stopping <= d),
        Conjunct(f"pending + new <= {_show(d)}", state.pending + state.new <= d),
        Conjunct(f"old + new >= {_show(smaller(d, b.min_healthy), 'min(D, L)')}",
                 healthy(state) >= smaller(d, b.min_healthy)),
        Conjunct(f"{'old + stopping + pending + new' if b.stopping_counts_toward_max else 'old + pending + new'}"
                 f" <= {_show(larger(d, b.max_tasks), 'max(D, U)')}",
                 counted_tasks(model, state) <= larger(d, b.max_tasks)),
    ]
    if b.capacity is not None:
        conjuncts.append(Conjunct(f"old + stopping + pending + new <= {_show(larger(d, b.capacity), 'max(D, C)')}",
                                  occupied(state) <= larger(d, b.capacity)))
    return tuple(conjuncts)


def holds(model: SymbolicModel, state: State) -> z3.BoolRef:
    return z3.And(*(c.formula for c in invariant(model, state)))


def _show(term: Term, symbolic_name: str = "D") -> str:
    return str(term) if isinstance(term, int) else symbolic_name
