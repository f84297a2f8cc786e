"""ECS services from AWS Copilot manifests (`copilot/<name>/manifest.yml`).

A Copilot repository commits manifests, not the CloudFormation Copilot
generates from them, so the manifest is what a gate can read. Copilot's rules
(its stack transformer): `deployment: {rolling: recreate}` is
MinimumHealthyPercent 0 / MaximumPercent 100, anything else 100 / 200; `count`
is a number, a mapping whose `range` (`"1-10"` or `{min, max}`) is the
autoscaling range, or `{spot: N}` (N tasks on Fargate Spot); tasks run on
Fargate. Environments override the manifest key by key, as Copilot merges them. Each entry under `environments` that
changes `count` or `deployment` is one more service, named `NAME (ENV)`.
"""

from __future__ import annotations

import re
from typing import Any

from verifier.errors import ModelError
from verifier.ingest import ANALYSABLE, INCONCLUSIVE, IngestError, ServiceBase, ServiceSpec, Setting
from verifier.model.textfile import INFRA_FILE
from verifier.model.yamlsource import DocPath, Document, parse_yaml

# The manifest types Copilot deploys as ECS services (Request-Driven Web Services run on App Runner,
# Scheduled Jobs are tasks, Static Sites are S3).
SERVICE_TYPES = ("Load Balanced Web Service", "Backend Service", "Worker Service")
_RANGE = re.compile(r"^\s*([0-9]{1,9})\s*-\s*([0-9]{1,9})\s*$")


def looks_like_copilot(text: str) -> bool:
    return any(f"type: {kind}" in text or f"type: '{kind}'" in text or f'type: "{kind}"' in text
               for kind in SERVICE_TYPES)


def read_manifest(text: str, source: str) -> list[ServiceSpec] | None:
    """The services a Copilot manifest deploys, or None when it is not a service manifest."""
    try:
        doc = parse_yaml(text, source, INFRA_FILE)
    except ModelError as error:
        raise IngestError(error.message, source, error.line) from None
    data = doc.data
    if not isinstance(data, dict) or data.get("type") not in SERVICE_TYPES:
        return None
    name = str(data.get("name") or source)
    specs = [_service(doc, name, data, (), data)]
    environments = data.get("environments")
    for env, override in (environments.items() if isinstance(environments, dict) else []):
        if isinstance(override, dict) and ("count" in override or "deployment" in override):
            specs.append(_service(doc, f"{name} ({env})", _merged(data, override), ("environments", env), override))
    return specs


def _service(doc: Document, name: str, merged: dict[str, Any], at: DocPath, written: dict[str, Any]) -> ServiceSpec:
    where = at if "count" in written else ()
    base = ServiceBase(file=doc.source, kind="copilot", name=name, line=doc.line_of(at) if at else 1,
                       aliases=(name.split(" (", 1)[0],) if at else (), fargate=True)
    deployment = merged.get("deployment")
    rolling = deployment.get("rolling") if isinstance(deployment, dict) else None
    line = doc.line_of((*at, "deployment") if "deployment" in written else ("deployment",))
    recreate = isinstance(rolling, str) and rolling.lower() == "recreate"
    minimum = Setting(0 if recreate else 100, line, default=not recreate)
    maximum = Setting(100 if recreate else 200, line, default=not recreate)
    count = merged.get("count")
    count_line = doc.line_of((*where, "count"))
    if isinstance(count, int) and not isinstance(count, bool) and count >= 0:
        return ServiceSpec(**base, status=ANALYSABLE, desired=Setting(count, count_line), min_healthy_percent=minimum,
                           max_percent=maximum)
    span = _range(count.get("range")) if isinstance(count, dict) else None
    spot = count.get("spot") if isinstance(count, dict) else None
    if span is None and isinstance(spot, int) and not isinstance(spot, bool) and spot >= 0:
        # `count: {spot: 5}`: five tasks, all on Fargate Spot
        return ServiceSpec(**base, status=ANALYSABLE, desired=Setting(spot, count_line), min_healthy_percent=minimum,
                           max_percent=maximum)
    if span is not None:
        return ServiceSpec(**base, status=ANALYSABLE, min_healthy_percent=minimum, max_percent=maximum,
                           desired_range=span, desired_range_line=count_line, desired_owner="autoscaling")
    return ServiceSpec(**base, status=INCONCLUSIVE, min_healthy_percent=minimum, max_percent=maximum,
                       reason=f"count is {count!r}: neither a number nor a range rollproof can read")


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """An environment's manifest: Copilot merges mappings key by key (`count: {spot: 5}` keeps the range)."""
    merged = dict(base)
    for key, value in override.items():
        merged[key] = _merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) \
            else value
    return merged


def _range(value: Any) -> tuple[int, int] | None:
    if isinstance(value, str) and (match := _RANGE.match(value)):
        low, high = int(match.group(1)), int(match.group(2))
    elif isinstance(value, dict) and all(isinstance(value.get(k), int) for k in ("min", "max")):
        low, high = value["min"], value["max"]
    else:
        return None
    return (low, high) if 0 <= low <= high else None
