"""The pipeline for one model: bounds -> exploration -> schedules -> properties -> result."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from verifier.defaults import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_STATES, DEFAULT_TIMEOUT_MS
from verifier.explicit.explore import estimated_states, explore
from verifier.findings import Finding, verdict_of
from verifier.model.records import Model
from verifier.properties import PROPERTIES
from verifier.properties.context import CheckContext
from verifier.results import Engine, Verdict
from verifier.schedules.certified import certified_plan
from verifier.schedules.ecs_controller import EcsRun, simulate
from verifier.schedules.optimal import OptimalSchedule, optimal_schedule
from verifier.schedules.step_plan import StepPlan, plan_steps
from verifier.semantics import Bounds, deployment_of, goal_state
from verifier.smt.encoding import concrete, state_vars
from verifier.smt.invariants import invariant
from verifier.smt.proofs import invariant_is_inductive
from verifier.smt.solver import SolverUnknown

if TYPE_CHECKING:  # imported where used at run time, as check_model does
    from verifier.check.ranges import RangeResult


@dataclass(frozen=True, slots=True)
class Options:
    max_states: int = DEFAULT_MAX_STATES
    progress: Callable[[str], None] | None = None  # receives short status lines for a terminal
    engine: Engine = Engine.AUTO   # a plain name ("smt") is taken too
    timeout_ms: int = DEFAULT_TIMEOUT_MS
    max_memory_mb: int | None = DEFAULT_MAX_MEMORY_MB  # resident memory at which a search stops


def choose_engine(requested: Engine | str, bounds: Bounds, max_states: int) -> Engine:
    """`auto` takes the explicit engine when even a generous count of states fits the budget.

    The count is every (o, s, p, n) with o + s <= D and p + n <= D, which bounds
    the reachable states from above, so `auto` never picks a search it cannot finish.
    """
    requested = Engine(requested)
    if requested is not Engine.AUTO:
        return requested
    return Engine.EXPLICIT if _fits(bounds, max_states) else Engine.SMT


def _states_that_fit(options: Options) -> int:
    """The state budget, or fewer where the memory budget would end the search first."""
    if options.max_memory_mb is None:
        return options.max_states
    return min(options.max_states, options.max_memory_mb * STATES_PER_MB)


def _fits(bounds: Bounds, max_states: int) -> bool:
    triangle = (bounds.desired + 1) * (bounds.desired + 2) // 2
    return triangle * triangle <= max_states


@dataclass(frozen=True, slots=True)
class Result:
    model: Model
    bounds: Bounds
    verdict: Verdict
    findings: tuple[Finding, ...]
    step_plan: StepPlan
    ecs: EcsRun
    optimal: OptimalSchedule
    states: int
    seconds: float
    engine: Engine = Engine.EXPLICIT
    invariants: tuple[str, ...] = ()   # the SMT engine's inductive invariant, written out


def verify(model: Model, options: Options = Options()) -> Result:
    """Check every property of `model` and compute its schedules.

    The interleaving graph is released before the optimal timed search starts,
    so the two are never held in memory together. When even a lower bound on
    the state space exceeds the budget, the searches that would only run into
    it are skipped, and the graph is searched just near the initial state,
    where a violation is still a real (replayed) counterexample.
    """
    started = time.perf_counter()
    deployment = deployment_of(model.settings)
    bounds = deployment.bounds
    say = options.progress or (lambda line: None)
    budget = _states_that_fit(options)
    engine = choose_engine(options.engine, bounds, budget)
    estimate = estimated_states(bounds)
    # The exact schedule searches run where the states surely fit the budget; the
    # explicit engine also tries them up to the budget as long as it is not hopeless.
    hopeless = estimate > budget or (engine is Engine.SMT and not _fits(bounds, budget))
    ecs = simulate(deployment, options.timeout_ms)
    if not hopeless:
        step_plan = plan_steps(deployment, options.max_states, options.max_memory_mb)
    elif engine is Engine.SMT:
        step_plan = certified_plan(deployment, options.timeout_ms)
    else:
        step_plan = StepPlan(None, (), (), None, (), (), complete=False, skipped=True)
    goal_unreachable = False
    invariants: tuple[str, ...]
    if engine is Engine.EXPLICIT:
        exploration = explore(bounds, min(options.max_states, NEAR_START_STATES) if hopeless else options.max_states,
                              progress=lambda count: say(f"{model.name}: {count:,} states explored"),
                              max_memory_mb=options.max_memory_mb)
        context = CheckContext(model, bounds, exploration, step_plan, ecs, options.max_states, estimate)
        findings = tuple(prop.check(context) for prop in PROPERTIES if prop.applies(model))
        states, invariants = exploration.states, ()
        # Every timed schedule is a path of the interleaving graph: with the whole graph
        # known and no path to the goal, there is no schedule to search for.
        goal_unreachable = exploration.complete and goal_state(bounds) not in exploration.graph
        del exploration, context
    else:
        symbolic = concrete(model.settings)
        context = CheckContext(model, bounds, None, step_plan, ecs, options.max_states, estimate,
                               smt=symbolic, timeout_ms=options.timeout_ms)
        context = replace(context, invariant_proved=_inductive(context))
        findings = tuple(getattr(prop, "check_smt", prop.check)(context) for prop in PROPERTIES
                         if prop.applies(model))
        states = 0
        invariants = tuple(c.text for c in invariant(symbolic, state_vars("shown")))
    if goal_unreachable:
        optimal = OptimalSchedule(None, (), True, 0, 0)
    else:
        say(f"{model.name}: searching for the optimal timed schedule")
        known = [t for t in (ecs.makespan_seconds, step_plan.sequential_seconds) if t is not None]
        optimal = optimal_schedule(deployment, options.max_states, min(known) if known else None,
                                   options.max_memory_mb, ecs=ecs)
    return Result(model, bounds, verdict_of(findings), findings, step_plan, ecs, optimal,
                  states, time.perf_counter() - started, engine, invariants)


def check_model(model: Model, options: Options = Options()) -> Result | RangeResult:
    """A Result for one desired count, or a RangeResult for a model with a desiredRange."""
    if model.desired_range is not None:
        from verifier.check.ranges import verify_range
        return verify_range(model, options.timeout_ms)
    return verify(model, options)


def _inductive(context: CheckContext) -> bool:
    try:
        return invariant_is_inductive(context.symbolic, context.timeout_ms)
    except SolverUnknown:
        return False


NEAR_START_STATES = 20_000  # searched when the whole space is known to exceed the budget
STATES_PER_MB = 800         # interleaving states per MiB that a search holds (measured: 725,000 at 1,000 MiB)
