"""The pipeline for one model: bounds -> exploration -> schedules -> properties -> result."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from verifier.check.bad_release import BadRelease, check_bad_release
from verifier.check.placement_scale import beyond_explicit, bounded_check, exact_note, placed_run, slot_model
from verifier.check.placement_verify import check_placement, placement_budget
from verifier.defaults import DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_STATES, DEFAULT_TIMEOUT_MS
from verifier.explicit.bound import reachable_bound
from verifier.explicit.explore import estimated_states, explore
from verifier.findings import Finding, verdict_of
from verifier.model.placement_slots import task_slots
from verifier.model.records import Model
from verifier.properties import PROPERTIES
from verifier.properties.context import CheckContext
from verifier.results import Engine, PropertyId, Verdict
from verifier.schedules.certified import certified_plan
from verifier.schedules.ecs_controller import EcsRun, simulate
from verifier.schedules.ecs_faults import FaultRun, fault_run
from verifier.schedules.healthy_fault_run import healthy_fault_run
from verifier.schedules.optimal import OptimalSchedule, optimal_schedule
from verifier.schedules.step_plan import StepPlan, plan_steps
from verifier.semantics import Bounds, Deployment, deployment_of, goal_state
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
    """`auto` takes the engine predicted to answer sooner.

    The explicit engine's cost grows with the states it meets (about 20 us each
    for a whole verify, schedules included, on a busy 2-core machine); the SMT
    engine's stays near a few tenths of a second whatever the size. So `auto`
    takes the explicit engine where an upper bound on the reachable states
    (`bound.reachable_bound`, which counts capacity and the minimum in) is at
    most `AUTO_EXPLICIT_STATES`, where both engines cost about the same, and
    within the budget, so it never picks a search it cannot finish.
    """
    requested = Engine(requested)
    if requested is not Engine.AUTO:
        return requested
    return Engine.EXPLICIT if _fits(bounds, min(max_states, AUTO_EXPLICIT_STATES)) else Engine.SMT


def _states_that_fit(options: Options) -> int:
    """The state budget, or fewer where the memory budget would end the search first."""
    if options.max_memory_mb is None:
        return options.max_states
    return min(options.max_states, options.max_memory_mb * STATES_PER_MB)


def _fits(bounds: Bounds, max_states: int) -> bool:
    """Whether every reachable state surely fits `max_states` (an upper bound says so)."""
    return reachable_bound(bounds, max_states) <= max_states


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
    fault_run: FaultRun | None = None  # ECS's run with the model's faults, breaker or alarms; None without
    # A bad release (model.faults.any): the lowest healthy count of any reachable fault state, where known.
    min_healthy_reachable: int | None = None
    # How a model with instances was answered when not by the placement search ("exact: ..."); "" otherwise.
    abstraction: str = ""


def verify(model: Model, options: Options = Options()) -> Result:
    """Check every property of `model` and compute its schedules.

    The interleaving graph is released before the optimal timed search starts,
    so the two are never held in memory together. When even a lower bound on
    the state space exceeds the budget, the searches that would only run into
    it are skipped, and the graph is searched just near the initial state,
    where a violation is still a real (replayed) counterexample.
    """
    started = time.perf_counter()
    if model.placement is not None and beyond_explicit(model.placement, model.settings.desired):
        slots = task_slots(model.placement)
        if slots is not None and model.settings.desired <= slots:   # one task size: exactly the count model
            counted = verify(slot_model(model, slots), options)
            return replace(counted, model=model, abstraction=exact_note(slots), ecs=placed_run(model, counted.ecs),
                           seconds=time.perf_counter() - started)
        bounded = None if slots is not None else bounded_check(model, options.max_states)
        if bounded is not None:   # two task sizes: what sound bounds settle, the rest unknown with advice
            placed, note = bounded
            return Result(model, placed.bounds, verdict_of(placed.findings), placed.findings, placed.step_plan,
                          placed.ecs, placed.optimal, 0, time.perf_counter() - started, Engine.EXPLICIT,
                          abstraction=note)
    if model.placement is not None:   # instances, task sizes and host ports: the placement graph answers
        budget = placement_budget(options.max_states, options.max_memory_mb, len(model.placement.instances))
        placed = check_placement(model, budget)
        return Result(model, placed.bounds, verdict_of(placed.findings), placed.findings, placed.step_plan,
                      placed.ecs, placed.optimal, placed.states, time.perf_counter() - started, Engine.EXPLICIT)
    deployment = deployment_of(model.settings)
    bounds = deployment.bounds
    say = options.progress or (lambda line: None)
    budget = _states_that_fit(options)
    engine = choose_engine(options.engine, bounds, budget)
    estimate = estimated_states(bounds)
    hopeless = estimate > budget   # even a lower bound on the states exceeds the budget
    # The exhaustive schedule searches (step plan and optimal timed schedule) cost about as much
    # as the explicit engine: they run where it runs, and under an explicit request up to the budget.
    searched = not hopeless and (Engine(options.engine) is Engine.EXPLICIT
                                 or _fits(bounds, min(budget, AUTO_EXPLICIT_STATES)))
    ecs = simulate(deployment, options.timeout_ms)
    faulty = _fault_run(model, ecs)
    if searched:
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
        context = CheckContext(model, bounds, exploration, step_plan, ecs, options.max_states, estimate,
                               fault_run=faulty)
        bad = _bad_release(context, options)
        findings = tuple(_faulted(bad, prop.ID) or prop.check(context) for prop in PROPERTIES if prop.applies(model))
        states, invariants = (exploration.states if bad is None else bad.states), ()
        goal_unreachable = exploration.complete and goal_state(bounds) not in exploration
        del exploration, context
    else:
        symbolic = concrete(model.settings)
        context = CheckContext(model, bounds, None, step_plan, ecs, options.max_states, estimate,
                               smt=symbolic, timeout_ms=options.timeout_ms, fault_run=faulty)
        context = replace(context, invariant_proved=_inductive(context))
        bad = _bad_release(context, options)
        findings = tuple(_faulted(bad, prop.ID) or getattr(prop, "check_smt", prop.check)(context)
                         for prop in PROPERTIES if prop.applies(model))
        states = 0
        invariants = tuple(c.text for c in invariant(symbolic, state_vars("shown")))
    optimal = _optimal(deployment, options, ecs, goal_unreachable, say, model.name)
    if bad is not None:   # the properties a bad release changes were answered over its own states
        engine, states, invariants = bad.engine, bad.states, bad.invariants
    return Result(model, bounds, verdict_of(findings), findings, step_plan, ecs, optimal,
                  states, time.perf_counter() - started, engine, invariants, fault_run=faulty,
                  min_healthy_reachable=None if bad is None else bad.min_healthy_reachable)


def _fault_run(model: Model, ecs: EcsRun) -> FaultRun | None:
    """ECS's run with the release's faults, for a model that has any, or a breaker or alarms to show.

    A release without faults runs as ECS's own run `ecs` does, which stays fast at any size.
    """
    settings = model.settings
    if not model.faults.any:
        return healthy_fault_run(ecs, settings) if settings.breaker or settings.alarms else None
    return fault_run(settings, model.faults)



# --- a bad release: progress, availability, surge and capacity come from its fault graph ----------

def _bad_release(context: CheckContext, options: Options) -> BadRelease | None:
    """The fault graph's findings where the release can fail (see `check.bad_release`), else None."""
    if not context.model.faults.any:
        return None
    say = options.progress or (lambda line: None)
    say(f"{context.model.name}: searching the states of the bad release")
    return check_bad_release(context, Engine(options.engine), options.max_states, options.max_memory_mb)


def _faulted(bad: BadRelease | None, property_id: str) -> Finding | None:
    return None if bad is None else bad.findings.get(PropertyId(property_id))


def _optimal(deployment: Deployment, options: Options, ecs: EcsRun, goal_unreachable: bool,
             say: Callable[[str], None], name: str) -> OptimalSchedule:
    """The optimal timed schedule, or why there is none: the one place that decides.

    ECS's own run is an optimal timed schedule (see `verifier.schedules.optimal`), so
    its figure is known at every size and nothing is skipped for cost.
    """
    if goal_unreachable:
        # Every timed schedule is a path of the interleaving graph: with the whole graph
        # known and no path to the goal, there is no schedule to search for.
        return OptimalSchedule(None, (), True, 0, 0)
    say(f"{name}: working out the optimal timed schedule")
    return optimal_schedule(deployment, ecs=ecs, timeout_ms=options.timeout_ms)


def check_model(model: Model, options: Options = Options()) -> Result | RangeResult:
    """A Result for one desired count, or a RangeResult for a model with a desiredRange."""
    if model.desired_range is not None:
        from verifier.check.ranges import verify_range
        return verify_range(model, options.timeout_ms, options.progress)
    return verify(model, options)


def _inductive(context: CheckContext) -> bool:
    try:
        return invariant_is_inductive(context.symbolic, context.timeout_ms)
    except SolverUnknown:
        return False


NEAR_START_STATES = 20_000  # searched when the whole space is known to exceed the budget
# Interleaving states per MiB a verify holds: the search keeps about 6 bytes per state, its
# shortest-path queries up to about 250 per state they touch; the schedule searches hold more.
STATES_PER_MB = 4_000
AUTO_EXPLICIT_STATES = 20_000  # where the explicit engine's cost (about 20 us a state) meets the SMT engine's
