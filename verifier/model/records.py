"""The deployment model a user checks: frozen records, built and validated by `model_file`."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from verifier.model.faults import Alarms, Breaker, Faults
from verifier.model.placement import Placement
from verifier.model.sources import CommandLine, ModelSource
from verifier.rounding import rounded_percent

# ECS's own defaults (DeploymentConfiguration) and the timing defaults of docs/semantics.md#events.
DEFAULT_MIN_HEALTHY_PERCENT = 100
DEFAULT_MAX_PERCENT = 200
DEFAULT_HEALTH_CHECK_SECONDS = 150
DEFAULT_DRAIN_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Settings:
    """What ECS is told, plus the cluster's room and how long tasks take to change state."""

    desired: int
    min_healthy_percent: int = DEFAULT_MIN_HEALTHY_PERCENT
    max_percent: int = DEFAULT_MAX_PERCENT
    capacity: int | None = None  # task slots in total (old tasks included); None is unlimited (Fargate)
    health_check_seconds: int = DEFAULT_HEALTH_CHECK_SECONDS
    drain_seconds: int = DEFAULT_DRAIN_SECONDS
    stopping_counts_toward_max: bool = False
    breaker: Breaker | None = None   # deploymentCircuitBreaker, when enabled
    alarms: Alarms | None = None     # deploymentConfiguration.alarms, when enabled


@dataclass(frozen=True, slots=True)
class TaskCount:
    """A number of tasks, or a percentage of desiredCount that resolves to one."""

    value: int
    percent: bool = False

    def resolve(self, desired: int, round_up: bool) -> int:
        if not self.percent:
            return self.value
        return rounded_percent(desired, self.value, round_up)

    def __str__(self) -> str:
        return f"{self.value}%" if self.percent else str(self.value)


@dataclass(frozen=True, slots=True)
class Requirements:
    """Service-level objectives a user adds on top of the ECS settings."""

    min_healthy: TaskCount | None = None
    max_tasks: TaskCount | None = None
    max_deploy_seconds: int | None = None
    max_steps: int | None = None
    max_rollback_seconds: int | None = None   # a bad release must be rolled back within this

    def healthy_needed(self, desired: int, otherwise: int) -> int:
        """minHealthy at this desired count (percentages round up), or `otherwise` when not given."""
        return self.min_healthy.resolve(desired, round_up=True) if self.min_healthy else otherwise

    def tasks_allowed(self, desired: int, otherwise: int) -> int:
        """maxTasks at this desired count (percentages round down), or `otherwise` when not given."""
        return self.max_tasks.resolve(desired, round_up=False) if self.max_tasks else otherwise


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One step of a hand-written step plan: launch k and wait, or stop j and wait."""

    action: str  # "stop" or "launch"
    amount: int
    line: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        return f"{self.action} {self.amount}"


@dataclass(frozen=True, slots=True)
class Expectation:
    """The label a corpus model carries: the verdict it should get and what should fail."""

    verdict: str
    violated: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Model:
    name: str
    settings: Settings
    requirements: Requirements = Requirements()
    plan: tuple[PlanStep, ...] | None = None
    description: str = ""
    expect: Expectation | None = None
    source: ModelSource = field(default=CommandLine(), compare=False)
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict, compare=False, repr=False)
    desired_range: tuple[int, int] | None = None  # inclusive; `settings` then holds its low end
    capacity_headroom: int | None = None          # capacity = desiredCount + headroom
    faults: Faults = Faults()                     # what the release does; healthy by default
    placement: Placement | None = None            # cluster.instances, task sizes and host ports

    def at(self, desired: int) -> Model:
        """This model with one desired count (capacity follows it when given as headroom)."""
        capacity = desired + self.capacity_headroom if self.capacity_headroom is not None else self.settings.capacity
        return replace(self, settings=replace(self.settings, desired=desired, capacity=capacity),
                       desired_range=None)

    def line_of(self, *path: str | int) -> int | None:
        """The line in the model file where `path` was written, if it came from a file."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None
