"""The pipeline for one model: bounds -> exploration -> schedules -> properties -> result."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from .context import CheckContext
from .explore import DEFAULT_MAX_STATES, explore
from .findings import Finding, Verdict, verdict_of
from .model import Model
from .properties import PROPERTIES
from .schedules.ecs_controller import EcsRun, simulate
from .schedules.optimal import OptimalSchedule, optimal_schedule
from .schedules.step_plan import StepPlan, plan_steps
from .semantics import Bounds, bounds_of

SCHEMA = "rollproof/result/v1"


@dataclass(frozen=True, slots=True)
class Options:
    max_states: int = DEFAULT_MAX_STATES
    progress: Callable[[str], None] | None = None  # receives short status lines for a terminal


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
    engine: str = "explicit"


def verify(model: Model, options: Options = Options()) -> Result:
    started = time.perf_counter()
    bounds = bounds_of(model.settings)
    say = options.progress or (lambda line: None)
    exploration = explore(bounds, options.max_states,
                          progress=lambda count: say(f"{model.name}: {count:,} states explored"))
    step_plan = plan_steps(bounds, model.settings, options.max_states)
    ecs = simulate(bounds, model.settings)
    say(f"{model.name}: searching for the optimal timed schedule")
    optimal = optimal_schedule(bounds, model.settings, options.max_states, ecs.makespan_seconds)
    context = CheckContext(model, bounds, exploration, step_plan, ecs, options.max_states)
    findings = tuple(prop.check(context) for prop in PROPERTIES if prop.applies(context))
    return Result(model, bounds, verdict_of(findings), findings, step_plan, ecs, optimal,
                  exploration.states, time.perf_counter() - started)
