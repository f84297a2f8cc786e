"""The one place rollproof talks to Z3.

Every query goes through `Query` (or `Incremental` for a solver kept across
questions, `Optimum` for an optimisation): a fresh solver with a timeout, assertions
that may carry names (so an unsat core comes back as those names), and an
`unknown` answer that raises `SolverUnknown` instead of passing for a bool.
"""

from __future__ import annotations

from dataclasses import dataclass

import z3

# Re-exported: callers of the wrapper name its default timeout from here.
from verifier.defaults import DEFAULT_TIMEOUT_MS as DEFAULT_TIMEOUT_MS
from verifier.errors import InconclusiveError


class SolverUnknown(InconclusiveError):
    """Z3 answered neither sat nor unsat (a timeout or an incomplete theory)."""


@dataclass(frozen=True, slots=True)
class Answer:
    sat: bool
    model: z3.ModelRef | None = None
    core: tuple[str, ...] = ()   # names of the tracked assertions in an unsat core


class Query:
    """Assert, then ask once: `Query(timeout).add(...).named("id", f).check()`."""

    def __init__(self, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self.solver = z3.Solver()
        self.solver.set("timeout", timeout_ms)
        self.names: dict[str, str] = {}   # tracking marker -> the name it stands for

    def add(self, *formulas: z3.BoolRef) -> Query:
        for formula in formulas:
            self.solver.add(formula)
        return self

    def named(self, name: str, formula: z3.BoolRef) -> Query:
        marker = z3.Bool(f"track:{name}")
        self.names[str(marker)] = name
        self.solver.assert_and_track(formula, marker)
        return self

    def check(self) -> Answer:
        verdict = self.solver.check()
        if verdict == z3.sat:
            return Answer(True, self.solver.model())
        if verdict == z3.unsat:
            core = tuple(self.names[str(marker)] for marker in self.solver.unsat_core()
                         if str(marker) in self.names)
            return Answer(False, core=core)
        raise SolverUnknown(self.solver.reason_unknown())


class Incremental:
    """A solver kept across questions: facts stay, each `ask` adds its own under push/pop.

    Used for bounded model checking, where depth k+1 reuses everything Z3
    learned at depth k.
    """

    def __init__(self, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self.solver = z3.Solver()
        self.solver.set("timeout", timeout_ms)

    def add(self, *formulas: z3.BoolRef) -> Incremental:
        for formula in formulas:
            self.solver.add(formula)
        return self

    def ask(self, *formulas: z3.BoolRef) -> Answer:
        self.solver.push()
        try:
            for formula in formulas:
                self.solver.add(formula)
            verdict = self.solver.check()
            if verdict == z3.sat:
                return Answer(True, self.solver.model())
            if verdict == z3.unsat:
                return Answer(False)
            raise SolverUnknown(self.solver.reason_unknown())
        finally:
            self.solver.pop()


class Optimum:
    """Z3 Optimize with the same timeout and `unknown` handling: `Optimum(timeout).add(...).least(cost)`.

    The answer's model is an optimal one; read the objective's value from it with `value`.
    """

    def __init__(self, timeout_ms: int = DEFAULT_TIMEOUT_MS) -> None:
        self.optimizer = z3.Optimize()
        self.optimizer.set("timeout", timeout_ms)

    def add(self, *formulas: z3.BoolRef) -> Optimum:
        for formula in formulas:
            self.optimizer.add(formula)
        return self

    def least(self, objective: z3.ArithRef) -> Answer:
        self.optimizer.minimize(objective)
        return self._check()

    def most(self, objective: z3.ArithRef) -> Answer:
        self.optimizer.maximize(objective)
        return self._check()

    def _check(self) -> Answer:
        verdict = self.optimizer.check()
        if verdict == z3.sat:
            return Answer(True, self.optimizer.model())
        if verdict == z3.unsat:
            return Answer(False)
        raise SolverUnknown(self.optimizer.reason_unknown())


def value(model: z3.ModelRef, term: z3.ArithRef | int) -> int:
    """The integer a model gives `term` (0 for a term the model leaves free)."""
    if isinstance(term, int):
        return term
    number: int = model.eval(term, model_completion=True).as_long()
    return number
