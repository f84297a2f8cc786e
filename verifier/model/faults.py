"""Bad releases: how the new revision's tasks fail, and what ECS does about it (docs/semantics.md#faults).

`Faults` is what the user assumes about the release (the model file's `faults:`
block); `Breaker` and `Alarms` are what ECS is told (the service's
`deploymentConfiguration`), so they sit in `Settings` beside the percentages.
Without a `faults:` block the new revision is healthy and nothing here changes
any result.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.rounding import rounded_percent

# faults.newRevision
HEALTHY = "healthy"
FAILS_HEALTH_CHECKS = "failsHealthChecks"
FAILS_TO_START = "failsToStart"
FLAKY = "flaky"
REVISIONS = (HEALTHY, FAILS_HEALTH_CHECKS, FAILS_TO_START, FLAKY)
BROKEN = (FAILS_HEALTH_CHECKS, FAILS_TO_START)   # every new task fails

# deploymentCircuitBreaker.thresholdConfiguration.type
BOUNDED_PERCENT = "BOUNDED_PERCENT"
UNBOUNDED_PERCENT = "UNBOUNDED_PERCENT"
COUNT = "COUNT"
THRESHOLD_TYPES = (BOUNDED_PERCENT, UNBOUNDED_PERCENT, COUNT)
DEFAULT_THRESHOLD_PERCENT = 50
DEFAULT_ALARM_DETECTION_SECONDS = 300

# faults.breakerMonitoring: how long the circuit breaker counts failures. AWS's pages read two ways:
# the API reference's resetOnHealthyTask (a healthy task sets the count back to 0, and counting goes
# on) and the developer guide's two stages, after which the breaker reports MONITORING_COMPLETE.
THROUGHOUT = "throughout"                 # the count goes on for the whole deployment (the default)
UNTIL_FIRST_HEALTHY = "untilFirstHealthy"  # the first healthy new task ends the breaker's monitoring
MONITORING = (THROUGHOUT, UNTIL_FIRST_HEALTHY)


@dataclass(frozen=True, slots=True)
class Faults:
    """What the user assumes about the release: which new tasks fail, and how many old ones crash."""

    new_revision: str = HEALTHY
    flaky_failures: int = 0             # flaky: at most this many new tasks fail
    fail_after_seconds: int | None = None  # None: the model's healthCheckSeconds
    old_task_crashes: int = 0           # at most this many old healthy tasks crash while deploying
    alarm_detection_seconds: int = DEFAULT_ALARM_DETECTION_SECONDS
    breaker_monitoring: str = THROUGHOUT

    @property
    def broken(self) -> bool:
        return self.new_revision in BROKEN

    @property
    def any(self) -> bool:
        """Whether any fault can happen at all (otherwise every result is the healthy one)."""
        return self.new_revision != HEALTHY or self.old_task_crashes > 0

    def failure_seconds(self, health_check_seconds: int) -> int:
        """How long after its launch a failing new task leaves (0: it never starts)."""
        if self.new_revision == FAILS_TO_START:
            return 0
        return health_check_seconds if self.fail_after_seconds is None else self.fail_after_seconds


@dataclass(frozen=True, slots=True)
class Breaker:
    """An enabled deployment circuit breaker (a disabled one is None)."""

    rollback: bool
    threshold_type: str = BOUNDED_PERCENT
    threshold_value: int = DEFAULT_THRESHOLD_PERCENT
    reset_on_healthy_task: bool = True

    def threshold(self, desired: int) -> int:
        """The failure count T at which the breaker trips, exactly as ECS documents it.

        BOUNDED_PERCENT v: min(200, max(3, ceil(D v / 100))); UNBOUNDED_PERCENT v:
        max(1, ceil(D v / 100)); COUNT v: v.
        """
        if self.threshold_type == COUNT:
            return self.threshold_value
        share = rounded_percent(desired, self.threshold_value, round_up=True)
        if self.threshold_type == UNBOUNDED_PERCENT:
            return max(1, share)
        return min(200, max(3, share))


@dataclass(frozen=True, slots=True)
class Alarms:
    """Enabled CloudWatch alarms on the deployment (disabled ones are None)."""

    names: tuple[str, ...]
    rollback: bool
