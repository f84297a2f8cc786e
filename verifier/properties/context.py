"""Everything a property check may look at, computed once per model."""

from __future__ import annotations

from dataclasses import dataclass

from verifier.explicit.explore import Exploration
from verifier.model.records import Model
from verifier.schedules.ecs_controller import EcsRun
from verifier.schedules.ecs_faults import FaultRun
from verifier.schedules.step_plan import StepPlan
from verifier.semantics import Bounds
from verifier.smt.encoding import SymbolicModel


@dataclass(frozen=True, slots=True)
class CheckContext:
    model: Model
    bounds: Bounds
    exploration: Exploration | None   # the explicit engine's graph; None under the SMT engine
    step_plan: StepPlan
    ecs: EcsRun
    max_states: int
    estimated_states: int = 0  # a lower bound on the reachable states (explore.estimated_states)
    smt: SymbolicModel | None = None  # the SMT engine's encoding; None under the explicit engine
    timeout_ms: int = 20_000
    invariant_proved: bool = False
    fault_run: FaultRun | None = None   # ECS's run with the model's faults; None for a model without any

    @property
    def explored(self) -> Exploration:
        """The explicit engine's graph, for the checks that run only under that engine."""
        assert self.exploration is not None, "an explicit-engine check ran without an exploration"
        return self.exploration

    @property
    def symbolic(self) -> SymbolicModel:
        """The SMT engine's encoding, for the checks that run only under that engine."""
        assert self.smt is not None, "an SMT-engine check ran without an encoding"
        return self.smt

    @property
    def required_min_healthy(self) -> int:
        """The user's minHealthy requirement if given (percentages round up), else ECS's own L."""
        return self.model.requirements.healthy_needed(self.bounds.desired, self.bounds.min_healthy)

    @property
    def required_max_tasks(self) -> int:
        """The user's maxTasks requirement if given (percentages round down), else ECS's own U."""
        return self.model.requirements.tasks_allowed(self.bounds.desired, self.bounds.max_tasks)

    def budget_advice(self) -> str:
        if self.exploration is not None and self.exploration.out_of_memory:
            return (f"the search stopped at its memory budget after {self.exploration.states:,} states; raise "
                    "it with --max-memory-mb if the machine has the memory, or check a smaller desiredCount")
        if self.estimated_states > self.max_states:
            size = (f"the state space has at least {self.estimated_states:,} states, beyond the budget of "
                    f"{self.max_states:,}, so only the states nearest the start were searched")
        else:
            size = f"the search stopped at the state budget of {self.max_states:,} states"
        return (f"{size}; raise the budget with --max-states (the search keeps a few bytes per state, "
                f"the schedule searches more; see --max-memory-mb) or check a smaller desiredCount")
