"""The model file's `faults:` block and the ECS API's deploymentCircuitBreaker and alarms, validated.

Field names are the ECS API's (DeploymentConfiguration.deploymentCircuitBreaker,
DeploymentConfiguration.alarms) so a user can paste what `describe-services`
prints; docs/semantics.md#faults says what each one does.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import Any

from verifier.model.faults import (
    BOUNDED_PERCENT,
    DEFAULT_ALARM_DETECTION_SECONDS,
    DEFAULT_THRESHOLD_PERCENT,
    FLAKY,
    HEALTHY,
    MONITORING,
    REVISIONS,
    THRESHOLD_TYPES,
    THROUGHOUT,
    Alarms,
    Breaker,
    Faults,
)
from verifier.model.fields import choice, count, flag, mapping, text
from verifier.model.yamlsource import DocPath, Document

DEPLOYMENT = ("service", "deploymentConfiguration")


FAULT_KEYS = frozenset({"newRevision", "flakyFailures", "failAfterSeconds", "oldTaskCrashes", "alarmDetectionSeconds",
                        "breakerMonitoring"})


def faults_of(doc: Document, raw: Any, path: DocPath = ("faults",), also: AbstractSet[str] = frozenset()) -> Faults:
    """The `faults:` block at `path`; `also` names keys a caller reads itself (a policy's requirements)."""
    section = mapping(doc, path, set(FAULT_KEYS | also))
    revision = choice(doc, path + ("newRevision",), section.get("newRevision", HEALTHY), REVISIONS)
    flaky = count(doc, path + ("flakyFailures",), section.get("flakyFailures", 0))
    if revision == FLAKY and "flakyFailures" not in section:
        raise doc.error(path + ("newRevision",), "a flaky revision needs flakyFailures: how many new tasks may fail")
    if revision != FLAKY and "flakyFailures" in section:
        raise doc.error(path + ("flakyFailures",), f"flakyFailures applies to newRevision: flaky, not {revision}")
    fail_after = None
    if "failAfterSeconds" in section:
        if revision not in ("failsHealthChecks", FLAKY):
            raise doc.error(path + ("failAfterSeconds",),
                            f"failAfterSeconds applies to failsHealthChecks and flaky revisions, not {revision} "
                            "(a task that fails to start leaves at once)")
        fail_after = count(doc, path + ("failAfterSeconds",), section["failAfterSeconds"])
    return Faults(
        new_revision=revision,
        flaky_failures=flaky,
        fail_after_seconds=fail_after,
        old_task_crashes=count(doc, path + ("oldTaskCrashes",), section.get("oldTaskCrashes", 0)),
        alarm_detection_seconds=count(doc, path + ("alarmDetectionSeconds",),
                                      section.get("alarmDetectionSeconds", DEFAULT_ALARM_DETECTION_SECONDS)),
        breaker_monitoring=choice(doc, path + ("breakerMonitoring",), section.get("breakerMonitoring", THROUGHOUT),
                                  MONITORING),
    )


def breaker_of(doc: Document, deployment: dict[str, Any]) -> Breaker | None:
    """The circuit breaker when enabled; None when absent or `enable: false`."""
    if "deploymentCircuitBreaker" not in deployment:
        return None
    path = DEPLOYMENT + ("deploymentCircuitBreaker",)
    section = mapping(doc, path, {"enable", "rollback", "thresholdConfiguration", "resetOnHealthyTask"})
    if "enable" not in section:
        raise doc.error(path, "deploymentCircuitBreaker needs enable: true or false (and rollback)")
    rollback = flag(doc, path + ("rollback",), section.get("rollback", False))
    reset = flag(doc, path + ("resetOnHealthyTask",), section.get("resetOnHealthyTask", True))
    threshold_type, value = BOUNDED_PERCENT, DEFAULT_THRESHOLD_PERCENT
    if "thresholdConfiguration" in section:
        where = path + ("thresholdConfiguration",)
        threshold = mapping(doc, where, {"type", "value"})
        threshold_type = choice(doc, where + ("type",), threshold.get("type", BOUNDED_PERCENT), THRESHOLD_TYPES)
        if "value" not in threshold:
            raise doc.error(where, "thresholdConfiguration needs a value (a percentage, or a count for COUNT)")
        value = count(doc, where + ("value",), threshold["value"])
        if value < 1:
            raise doc.error(where + ("value",), f"value={value} must be at least 1: a breaker that trips "
                            "before any failure would fail every deployment")
    if not flag(doc, path + ("enable",), section["enable"]):
        return None
    return Breaker(rollback=rollback, threshold_type=threshold_type, threshold_value=value,
                   reset_on_healthy_task=reset)


def alarms_of(doc: Document, deployment: dict[str, Any]) -> Alarms | None:
    """The deployment's alarms when enabled; None when absent or `enable: false`."""
    if "alarms" not in deployment:
        return None
    path = DEPLOYMENT + ("alarms",)
    section = mapping(doc, path, {"alarmNames", "enable", "rollback"})
    names = section.get("alarmNames", [])
    if not isinstance(names, list):
        raise doc.error(path + ("alarmNames",), "alarmNames must be a list of CloudWatch alarm names")
    shown = tuple(text(doc, path + ("alarmNames", i), name) for i, name in enumerate(names))
    if "enable" not in section:
        raise doc.error(path, "alarms needs enable: true or false (and rollback)")
    rollback = flag(doc, path + ("rollback",), section.get("rollback", False))
    if not flag(doc, path + ("enable",), section["enable"]):
        return None
    if not shown:
        raise doc.error(path + ("alarmNames",), "enabled alarms need at least one name in alarmNames")
    return Alarms(shown, rollback)
