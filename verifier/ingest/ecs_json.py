"""ECS API JSON: CreateService / UpdateService input, and `aws ecs describe-services` output.

The JSON is read with the same line-keeping decoder as model files (JSON is
YAML), so every value has its line. Absent deploymentConfiguration values get
the ECS defaults (minimumHealthyPercent 100, maximumPercent 200); an absent
desiredCount in UpdateService input keeps the running count, so the count is
unknown and the gate checks every count it may take.
"""

from __future__ import annotations

from typing import Any

from verifier.ingest import (
    ANALYSABLE,
    INCONCLUSIVE,
    NOT_ANALYSED,
    IngestError,
    ServiceBase,
    ServiceSpec,
    Setting,
    on_fargate,
)
from verifier.model.yamlsource import DocPath, Document


def looks_like_ecs(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("services"), list):
        return True
    return ("serviceName" in data or "service" in data) and any(
        key in data for key in ("desiredCount", "deploymentConfiguration", "taskDefinition"))


def read_ecs_json(doc: Document) -> list[ServiceSpec]:
    data = doc.data
    if isinstance(data.get("services"), list):
        for index, item in enumerate(data["services"]):
            if not isinstance(item, dict):  # never skipped in silence: the file is not what it claims
                shown = "empty" if item is None else type(item).__name__
                raise IngestError(f"services[{index}] is {shown}, not a service object", doc.source,
                                  doc.line_of(("services", index)))
        return [_service(doc, ("services", i), item) for i, item in enumerate(data["services"])]
    return [_service(doc, (), data)]


def _setting(doc: Document, path: DocPath, value: Any, default: int | None) -> tuple[Setting, str | None]:
    if value is None:
        return Setting(default, doc.line_of(path[:-1]) if len(path) > 1 else None, default=True), None
    if isinstance(value, bool) or not isinstance(value, int):
        return Setting(None, doc.lines.get(path)), f"{path[-1]} is {value!r}, not a whole number"
    if value < 0:
        raise IngestError(f"{path[-1]} is {value}; it must not be negative", doc.source, doc.line_of(path))
    return Setting(value, doc.lines.get(path), doc.columns.get(path)), None


def _service(doc: Document, path: DocPath, data: dict[str, Any]) -> ServiceSpec:
    name = str(data.get("serviceName") or data.get("service") or "service")
    cluster = data.get("cluster") if isinstance(data.get("cluster"), str) else None
    base = ServiceBase(file=doc.source, kind="ecs-json", name=name, line=doc.line_of(path) if path else 1,
                       cluster=cluster.rsplit("/", 1)[-1] if cluster else None,
                       fargate=on_fargate(data.get("launchType"), data.get("capacityProviderStrategy")))
    if data.get("schedulingStrategy") == "DAEMON":
        return ServiceSpec(**base, status=NOT_ANALYSED, reason="DAEMON services run one task per instance; "
                           "the rolling-update model covers REPLICA services")
    controller = data.get("deploymentController")
    kind = controller.get("type", "ECS") if isinstance(controller, dict) else "ECS"
    if kind != "ECS":
        return ServiceSpec(**base, status=NOT_ANALYSED, reason=f"deployment controller {kind} "
                           "(blue/green or external) is not the rolling update this model covers")
    config = data.get("deploymentConfiguration")
    if config is None:
        config = {}
    if not isinstance(config, dict):
        return ServiceSpec(**base, status=INCONCLUSIVE,
                           reason=f"deploymentConfiguration is {type(config).__name__}, not an object")
    here = path + ("deploymentConfiguration",)
    minimum, bad_min = _setting(doc, here + ("minimumHealthyPercent",), config.get("minimumHealthyPercent"), 100)
    maximum, bad_max = _setting(doc, here + ("maximumPercent",), config.get("maximumPercent"), 200)
    desired, bad_desired = _setting(doc, path + ("desiredCount",), data.get("desiredCount"), None)
    problem = bad_min or bad_max or bad_desired
    if problem:
        return ServiceSpec(**base, status=INCONCLUSIVE, reason=problem)
    unknown = "" if desired.value is not None else "desiredCount is absent: an update keeps the running count"
    return ServiceSpec(**base, status=ANALYSABLE, desired=desired, min_healthy_percent=minimum, max_percent=maximum,
                       desired_unknown=unknown)
