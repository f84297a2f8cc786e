"""Build a `Model` from a model file (docs/semantics.md#model-files), validating every value as it is read.

Field names mirror the ECS API so users can paste what they have. Any key we do
not know is an error naming the key and its line: a typo must never be ignored.
Command-line models go through the same builder, so they get the same checks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from verifier.model.faults import Faults
from verifier.model.faults_loading import alarms_of, breaker_of, faults_of
from verifier.model.fields import count, mapping, range_of, suggest, task_count, text
from verifier.model.placement_loading import PLACEMENT_KEYS, placement_of
from verifier.model.records import (
    Expectation,
    Model,
    PlanStep,
    Requirements,
    Settings,
)
from verifier.model.sources import ModelFile, ModelSource
from verifier.model.yamlsource import Document, read_yaml
from verifier.results import PROPERTY_IDS

VERDICTS = ("proved", "violated", "inconclusive")


def load_model(path: Path, shown_as: str | None = None) -> Model:
    """Read and validate one model file; `shown_as` is the name used in messages and results."""
    return model_from_document(read_yaml(path, shown_as), default_name=path.stem)


def model_from_document(doc: Document, default_name: str = "model", source: ModelSource | None = None) -> Model:
    """The model `doc` describes; `source` says where it came from (default: the file `doc` was read from)."""
    top = mapping(doc, (), {"name", "description", "service", "cluster", "timing",
                            "requirements", "plan", "expect", "faults", *PLACEMENT_KEYS})
    name = text(doc, ("name",), top.get("name", default_name))
    description = text(doc, ("description",), top.get("description", ""))
    settings, desired_range, headroom = _settings(doc, top)
    plan = _plan(doc, top["plan"]) if "plan" in top else None
    if desired_range is not None and plan is not None:
        raise doc.error(("plan",), "a hand-written plan needs one desiredCount, not a desiredRange")
    return Model(
        name=name,
        description=description,
        settings=settings,
        desired_range=desired_range,
        capacity_headroom=headroom,
        requirements=_requirements(doc, top.get("requirements")),
        plan=plan,
        expect=_expect(doc, top["expect"]) if "expect" in top else None,
        faults=faults_of(doc, top["faults"]) if "faults" in top else Faults(),
        source=source if source is not None else ModelFile(doc.source),
        lines=dict(doc.lines),
        placement=placement_of(doc, top),
    )


def _settings(doc: Document, top: dict[str, Any]) -> tuple[Settings, tuple[int, int] | None, int | None]:
    """The settings, plus the desired range and capacity headroom when the model gives them."""
    if "service" not in top:
        raise doc.error((), "missing required key 'service' (with 'desiredCount' or 'desiredRange')")
    service = mapping(doc, ("service",), {"desiredCount", "desiredRange", "deploymentConfiguration"})
    if ("desiredCount" in service) == ("desiredRange" in service):
        raise doc.error(("service",), "service needs exactly one of 'desiredCount' (the number of tasks) "
                        "or 'desiredRange' ([lowest, highest])")
    deployment = mapping(doc, ("service", "deploymentConfiguration"),
                         {"minimumHealthyPercent", "maximumPercent", "deploymentCircuitBreaker", "alarms"},
                         optional=True)
    cluster = mapping(doc, ("cluster",), {"capacityTasks", "capacityHeadroomTasks", "instances"}, optional=True)
    if "capacityTasks" in cluster and "capacityHeadroomTasks" in cluster:
        raise doc.error(("cluster", "capacityHeadroomTasks"), "give capacityTasks (fixed slots) or "
                        "capacityHeadroomTasks (slots above desiredCount), not both")
    timing = mapping(doc, ("timing",), {"healthCheckSeconds", "drainSeconds",
                                         "stoppingCountsTowardMax"}, optional=True)
    desired_range = None
    if "desiredRange" in service:
        desired_range = range_of(doc, ("service", "desiredRange"), service["desiredRange"])
        desired = desired_range[0]
    else:
        desired = count(doc, ("service", "desiredCount"), service["desiredCount"])
    values: dict[str, Any] = {"desired": desired}
    optional_counts = (
        ("min_healthy_percent", deployment, ("service", "deploymentConfiguration", "minimumHealthyPercent")),
        ("max_percent", deployment, ("service", "deploymentConfiguration", "maximumPercent")),
        ("capacity", cluster, ("cluster", "capacityTasks")),
        ("health_check_seconds", timing, ("timing", "healthCheckSeconds")),
        ("drain_seconds", timing, ("timing", "drainSeconds")),
    )
    for field_name, section, path in optional_counts:
        if path[-1] in section and not (field_name == "capacity" and section[path[-1]] is None):
            values[field_name] = count(doc, path, section[path[-1]])
    headroom = None
    if "capacityHeadroomTasks" in cluster:
        headroom = count(doc, ("cluster", "capacityHeadroomTasks"), cluster["capacityHeadroomTasks"])
        values["capacity"] = desired + headroom
    if "stoppingCountsTowardMax" in timing:
        flag = timing["stoppingCountsTowardMax"]
        if not isinstance(flag, bool):
            raise doc.error(("timing", "stoppingCountsTowardMax"),
                            f"stoppingCountsTowardMax={flag!r} must be true or false")
        values["stopping_counts_toward_max"] = flag
    values["breaker"] = breaker_of(doc, deployment)
    values["alarms"] = alarms_of(doc, deployment)
    return Settings(**values), desired_range, headroom


def _requirements(doc: Document, raw: Any) -> Requirements:
    if raw is None:
        return Requirements()
    section = mapping(doc, ("requirements",), {"minHealthy", "maxTasks", "maxDeploySeconds", "maxSteps",
                                                   "maxRollbackSeconds"})
    values: dict[str, Any] = {}
    if "minHealthy" in section:
        values["min_healthy"] = task_count(doc, ("requirements", "minHealthy"), section["minHealthy"])
    if "maxTasks" in section:
        values["max_tasks"] = task_count(doc, ("requirements", "maxTasks"), section["maxTasks"])
    if "maxDeploySeconds" in section:
        values["max_deploy_seconds"] = count(doc, ("requirements", "maxDeploySeconds"),
                                              section["maxDeploySeconds"])
    if "maxSteps" in section:
        values["max_steps"] = count(doc, ("requirements", "maxSteps"), section["maxSteps"])
    if "maxRollbackSeconds" in section:
        values["max_rollback_seconds"] = count(doc, ("requirements", "maxRollbackSeconds"),
                                                section["maxRollbackSeconds"])
    return Requirements(**values)


def _plan(doc: Document, raw: Any) -> tuple[PlanStep, ...]:
    if not isinstance(raw, list) or not raw:
        raise doc.error(("plan",), "plan must be a non-empty list of steps such as '- stop: 3' or '- launch: 6'")
    steps = []
    for index, item in enumerate(raw):
        path = ("plan", index)
        if not isinstance(item, dict) or len(item) != 1:
            raise doc.error(path, f"plan step {index + 1} must be one 'stop: N' or 'launch: N', got {item!r}")
        (action, amount), = item.items()
        if action not in ("stop", "launch"):
            raise doc.error(path + (action,), f"unknown plan action '{action}'{suggest(action, ('stop', 'launch'))}; "
                            "a step is 'stop: N' or 'launch: N'")
        value = count(doc, path + (action,), amount)
        if value < 1:
            raise doc.error(path + (action,), f"{action}: {value} must be at least 1")
        steps.append(PlanStep(action, value, doc.line_of(path)))
    return tuple(steps)


def _expect(doc: Document, raw: Any) -> Expectation:
    section = mapping(doc, ("expect",), {"verdict", "violated"})
    verdict = section.get("verdict")
    if verdict not in VERDICTS:
        raise doc.error(("expect", "verdict"), f"expect.verdict={verdict!r} must be one of {', '.join(VERDICTS)}")
    violated = section.get("violated", [])
    if not isinstance(violated, list) or not all(isinstance(v, str) for v in violated):
        raise doc.error(("expect", "violated"), "expect.violated must be a list of property ids")
    for index, prop in enumerate(violated):
        if prop not in PROPERTY_IDS:
            raise doc.error(("expect", "violated", index),
                            f"unknown property id '{prop}'{suggest(prop, PROPERTY_IDS)}; "
                            f"known ids: {', '.join(PROPERTY_IDS)}")
    return Expectation(verdict, tuple(violated))


