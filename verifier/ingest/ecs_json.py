"""ECS API JSON: CreateService / UpdateService input, and `aws ecs describe-services` output.

The JSON is read with the same line-keeping decoder as model files (JSON is
YAML), so every value has its line. Absent deploymentConfiguration values get
the ECS defaults (minimumHealthyPercent 100, maximumPercent 200); an absent
desiredCount in UpdateService input keeps the running count, so the count is
unknown and the gate checks every count it may take; in CreateService input
ECS requires it for REPLICA services. A service definition without
`serviceName` (ecspresso keeps the name in ecspresso.yml) is named by the
config that points at it, else by its file.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
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
from verifier.ingest.breaker import NotKnown, alarms_from, breaker_from
from verifier.model.yamlsource import DocPath, Document

# Keys only a service definition has (a task definition has containerDefinitions, a task set has no
# deploymentConfiguration): with desiredCount or deploymentConfiguration they mark a service without its name,
# as ecspresso keeps it (the name lives in ecspresso.yml).
_SERVICE_ONLY = ("schedulingStrategy", "launchType", "loadBalancers", "networkConfiguration", "deploymentController",
                 "capacityProviderStrategy", "placementStrategy", "serviceRegistries", "enableECSManagedTags",
                 "healthCheckGracePeriodSeconds", "propagateTags", "enableExecuteCommand", "platformVersion")

_TOP_LEVEL_KEY = re.compile(r"^(service|cluster|service_definition):[ \t]*([^\n#]*)", re.M)


def looks_like_ecs(data: Any, source: str | None = None) -> bool:
    """Whether JSON is an ECS service; with `source`, also a definition an ecspresso config names."""
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("services"), list):
        return True
    if ("serviceName" in data or "service" in data) and any(
            key in data for key in ("desiredCount", "deploymentConfiguration", "taskDefinition")):
        return True
    if any(key in data for key in ("desiredCount", "deploymentConfiguration")) and \
            any(key in data for key in _SERVICE_ONLY) and "containerDefinitions" not in data:
        return True
    return source is not None and "containerDefinitions" not in data and ecspresso_names(source) != (None, None)


@lru_cache(maxsize=256)
def _ecspresso_configs(folder: Path) -> tuple[tuple[Path, str | None, str | None], ...]:
    """(service definition, service, cluster) for each ecspresso config in a folder (any name: bash.yml too)."""
    import yaml

    found: list[tuple[Path, str | None, str | None]] = []
    try:
        candidates = sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml", ".json") and p.is_file())
    except OSError:
        return ()
    for config in candidates:
        try:
            if config.stat().st_size > 100_000:
                continue
            text = config.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        try:
            data = yaml.safe_load(text) if "service_definition" in text else None
        except yaml.YAMLError:  # ecspresso configs are Go templates: read the top-level keys line by line
            data = {m.group(1): m.group(2).strip().strip("'\"") for m in _TOP_LEVEL_KEY.finditer(text)}
        if isinstance(data, dict) and isinstance(data.get("service_definition"), str):
            service, cluster = data.get("service"), data.get("cluster")
            found.append(((folder / data["service_definition"]).resolve(),
                          service if isinstance(service, str) else None, cluster if isinstance(cluster, str) else None))
    return tuple(found)


def ecspresso_jsonnet(path: Path) -> list[ServiceSpec] | None:
    """An ecspresso config whose service definition is Jsonnet: that service, listed as not analysed.

    Jsonnet is a program, not data; rollproof does not run it. The service is named so it is never unseen.
    """
    for definition, service, cluster in _ecspresso_configs(path.parent):
        if definition.suffix == ".jsonnet" and _config_names(path, definition):
            name = service if service and "{{" not in service else definition.name.split(".")[0]
            return [ServiceSpec(file=str(path), kind="ecs-json", name=name, line=1, cluster=cluster,
                                status=NOT_ANALYSED, reason=f"its service definition {definition.name} is Jsonnet, "
                                "which rollproof does not evaluate; render it to JSON (`ecspresso render "
                                "servicedef`) and gate that file")]
    return None


def _config_names(config: Path, definition: Path) -> bool:
    """Whether `config` is the file whose service_definition is `definition` (several configs share a folder)."""
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return any(m.group(1) == "service_definition" and (config.parent / m.group(2).strip().strip("'\"")).resolve()
               == definition for m in _TOP_LEVEL_KEY.finditer(text))


def ecspresso_names(source: str) -> tuple[str | None, str | None]:
    """(service, cluster) from the ecspresso config beside a service definition (or one folder up) naming it."""
    definition = Path(source).resolve()
    for folder in (definition.parent, definition.parent.parent):
        for named, service, cluster in _ecspresso_configs(folder):
            if named == definition and (service or cluster):
                return service, cluster
    return None, None


def read_ecs_json(doc: Document) -> list[ServiceSpec]:
    data = doc.data
    if isinstance(data.get("services"), list):
        for index, item in enumerate(data["services"]):
            if not isinstance(item, dict):  # never skipped in silence: the file is not what it claims
                shown = "empty" if item is None else type(item).__name__
                raise IngestError(f"services[{index}] is {shown}, not a service object", doc.source,
                                  doc.line_of(("services", index)))
        return [_with_breaker(doc, ("services", i), item, _service(doc, ("services", i), item))
                for i, item in enumerate(data["services"])]
    return [_with_breaker(doc, (), data, _service(doc, (), data))]


def _setting(doc: Document, path: DocPath, value: Any, default: int | None) -> tuple[Setting, str | None]:
    if value is None:
        return Setting(default, doc.line_of(path[:-1]) if len(path) > 1 else None, default=True), None
    if isinstance(value, bool) or not isinstance(value, int):
        return Setting(None, doc.lines.get(path)), f"{path[-1]} is {value!r}, not a whole number"
    if value < 0:
        raise IngestError(f"{path[-1]} is {value}; it must not be negative", doc.source, doc.line_of(path))
    return Setting(value, doc.lines.get(path), doc.columns.get(path)), None


def _service(doc: Document, path: DocPath, data: dict[str, Any]) -> ServiceSpec:
    name = data.get("serviceName") or data.get("service")
    cluster = data.get("cluster") if isinstance(data.get("cluster"), str) else None
    if not name:  # an ecspresso service definition: named by its config, else by its file
        named, cluster_named = ecspresso_names(doc.source) if not path else (None, None)
        name, cluster = named or Path(doc.source).name.split(".")[0], cluster or cluster_named
    name = str(name)
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


def _with_breaker(doc: Document, path: DocPath, data: dict[str, Any], spec: ServiceSpec) -> ServiceSpec:
    """The spec with deploymentConfiguration's deploymentCircuitBreaker (enable, rollback, and the ECS API's
    thresholdConfiguration and resetOnHealthyTask where given) and alarms (alarmNames, enable, rollback)."""
    config = data.get("deploymentConfiguration")
    if spec.status != ANALYSABLE or not isinstance(config, dict):
        return spec
    here = path + ("deploymentConfiguration",)
    breaker_node, alarms_node = config.get("deploymentCircuitBreaker"), config.get("alarms")
    line = doc.lines.get(here + ("deploymentCircuitBreaker",))
    try:
        breaker = alarms = None
        if breaker_node is not None:
            if not isinstance(breaker_node, dict):
                raise NotKnown(f"deploymentCircuitBreaker is {breaker_node!r}, not an object with enable and rollback")
            breaker = breaker_from(breaker_node.get("enable"), breaker_node.get("rollback"), "deploymentCircuitBreaker",
                                   breaker_node.get("thresholdConfiguration"), breaker_node.get("resetOnHealthyTask"))
        if alarms_node is not None:
            if not isinstance(alarms_node, dict):
                raise NotKnown(f"alarms is {alarms_node!r}, not an object with alarmNames, enable and rollback")
            alarms = alarms_from(alarms_node.get("alarmNames"), alarms_node.get("enable"), alarms_node.get("rollback"),
                                 "alarms")
    except NotKnown as unknown:
        return replace(spec, faults_unknown=str(unknown), breaker_line=line or doc.lines.get(here + ("alarms",)))
    return replace(spec, breaker=breaker, alarms=alarms, breaker_line=line)
