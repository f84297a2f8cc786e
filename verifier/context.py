"""Everything a property check may look at, computed once per model."""

from __future__ import annotations

from dataclasses import dataclass

from .explore import Exploration
from .model import Model
from .schedules.ecs_controller import EcsRun
from .schedules.step_plan import StepPlan
from .semantics import Bounds


@dataclass(frozen=True, slots=True)
class CheckContext:
    model: Model
    bounds: Bounds
    exploration: Exploration
    step_plan: StepPlan
    ecs: EcsRun
    max_states: int

    @property
    def required_min_healthy(self) -> int:
        """The user's minHealthy requirement if given (percentages round up), else ECS's own L."""
        wanted = self.model.requirements.min_healthy
        return wanted.resolve(self.bounds.desired, round_up=True) if wanted else self.bounds.min_healthy

    @property
    def required_max_tasks(self) -> int:
        """The user's maxTasks requirement if given (percentages round down), else ECS's own U."""
        wanted = self.model.requirements.max_tasks
        return wanted.resolve(self.bounds.desired, round_up=False) if wanted else self.bounds.max_tasks

    def budget_advice(self) -> str:
        return (f"the search stopped at the state budget of {self.max_states:,} states; "
                f"raise it with --max-states (about 1 GB of memory per million states) "
                f"or check a smaller desiredCount")
