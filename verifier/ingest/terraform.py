"""ECS services from Terraform: `.tf` modules (read with python-hcl2) and `terraform show -json` plans.

A module is a folder: variables and resources may sit in different files, so
all `.tf` files of a folder are read together. python-hcl2 gives the values;
the line of each attribute is found in its resource block's text, since the
parser keeps none. Provider defaults apply to absent attributes:
deployment_minimum_healthy_percent 100, deployment_maximum_percent 200, and
desired_count 0. Expressions are evaluated statically (hcl_expr) with the
values the module instance sees (terraform_project): what only `apply` knows
makes the service inconclusive, saying why. An aws_appautoscaling_target on
ecs:service:DesiredCount whose resource_id names the service (by reference or
by the evaluated `service/CLUSTER/NAME`) gives its range; `desired_count` in
`lifecycle { ignore_changes }` leaves the count to that range.
"""

from __future__ import annotations

import re
from dataclasses import replace
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
from verifier.ingest.hcl_expr import Unknown
from verifier.ingest.terraform_project import ParsedModule, Scope, TerraformProject
from verifier.ingest.tf_breaker import plan_breaker, with_breaker
from verifier.ingest.tf_placement import with_placement
from verifier.model.yamlsource import DocPath, Document

_WHOLE = re.compile(r"^\s*-?[0-9]{1,4300}\s*$")  # ASCII digits: "²".isdigit() is true, int() refuses it
MAX_BYTES = 5_000_000
# What hides braces from the block finder: strings, comments, and the start of a heredoc.
_NOT_CODE = re.compile(r'"(?:[^"\\]|\\.)*"|#.*|//.*|/\*.*?\*/')
_HEREDOC = re.compile(r"<<-?\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")


class _Unresolved(Exception):
    pass


def _not_negative(value: int, what: str, source: str, line: int | None) -> int:
    if value < 0:
        raise IngestError(f"{what} is {value}; it must not be negative", source, line)
    return value


def _blocks(parsed: dict[str, Any], kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    found: list[tuple[str, str, dict[str, Any]]] = []
    for entry in parsed.get("resource", []) or []:
        for resource_type, named in entry.items():
            if resource_type != kind or not isinstance(named, dict):
                continue
            for name, body in named.items():
                if isinstance(body, dict):
                    found.append((resource_type, name, body))
    return found


def _code_lines(lines: list[str]) -> list[str]:
    """Each line with its strings, comments and heredoc bodies blanked, so that only code's braces count."""
    code: list[str] = []
    heredoc: str | None = None
    in_comment = False
    for line in lines:
        if heredoc is not None:
            code.append("")
            if line.strip() == heredoc:
                heredoc = None
            continue
        if in_comment:
            if "*/" not in line:
                code.append("")
                continue
            line, in_comment = line[line.index("*/") + 2:], False
        stripped = _NOT_CODE.sub('""', line)
        if "/*" in stripped:
            stripped, in_comment = stripped[:stripped.index("/*")], True
        opened = _HEREDOC.search(stripped)
        if opened:
            heredoc = opened.group(1)
        code.append(stripped)
    return code


def _block_lines(text: str, kind: str, name: str) -> tuple[int | None, dict[str, tuple[int, int]]]:
    """The line of `resource "kind" "name" {` and of each attribute at the block's top level."""
    raw = text.splitlines()
    lines = _code_lines(raw)
    header = re.compile(rf'^\s*resource\s+"?{re.escape(kind)}"?\s+"?{re.escape(name)}"?\s*\{{')
    for number, line in enumerate(lines):
        if header.match(raw[number]) and line.lstrip().startswith("resource"):  # not in a comment or heredoc
            attributes: dict[str, tuple[int, int]] = {}
            depth = 0
            for offset, body in enumerate(lines[number:], start=number):
                if offset > number and depth == 1:
                    found = re.match(r"^(\s*)([A-Za-z0-9_]+)\s*=", body)
                    if found:
                        attributes.setdefault(found.group(2), (offset + 1, len(found.group(1)) + 1))
                depth += body.count("{") - body.count("}")
                if offset > number and depth <= 0:
                    break
            return number + 1, attributes
    return None, {}


def read_module(folder: Path) -> list[ServiceSpec]:
    """The services a folder deploys when it is the root module (its variables' defaults and .tfvars)."""
    return TerraformProject(sorted(folder.glob("*.tf")), services_of_module).read_root(folder)


def _whole(value: Any, what: str) -> int | None:
    """An evaluated count or percentage: None when unset (null), a whole number, or _Unresolved saying why not."""
    if value is None:
        return None
    if isinstance(value, Unknown):
        raise _Unresolved(f"{what} is {value.why}")
    if isinstance(value, str) and _WHOLE.match(value):
        value = int(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unresolved(f"{what} is {value!r}, not a whole number")
    return value


def _nested(body: dict[str, Any], block: str, scope: Scope) -> list[dict[str, Any]] | Unknown:
    """A nested block's evaluated bodies, whether written plainly or as `dynamic` blocks."""
    found: list[dict[str, Any]] = []
    plain = body.get(block)
    for item in plain if isinstance(plain, list) else [plain] if isinstance(plain, dict) else []:
        if isinstance(item, dict):
            found.append(scope.evaluate(item))
    for entry in body.get("dynamic", []) or []:
        dynamic = entry.get(block) if isinstance(entry, dict) else None
        if not isinstance(dynamic, dict):
            continue
        items = scope.evaluate(dynamic.get("for_each"))
        if isinstance(items, Unknown):
            return items
        pairs = items.items() if isinstance(items, dict) else enumerate(items) if isinstance(items, list) else []
        iterator = str(dynamic["iterator"]) if isinstance(dynamic.get("iterator"), str) else block
        contents = dynamic.get("content") or [{}]
        for key, value in pairs:
            inner = scope.iterating(iterator, key, value)
            found += [inner.evaluate(c) for c in (contents if isinstance(contents, list) else [contents])
                      if isinstance(c, dict)]
    return found


def _conjuncts(count: Any) -> set[str]:
    """The `a && !b` parts of a `count = a && !b ? 1 : 0` condition, as written."""
    text = count[2:-1] if isinstance(count, str) and count.startswith("${") else ""
    return {part.strip().strip("()").replace(" ", "") for part in text.split("?", 1)[0].split("&&")} if text else set()


def _exclusive(left: set[str], right: set[str]) -> bool:
    return any(("!" + part) in right or (part.startswith("!") and part[1:] in right) for part in left)


def services_of_module(module: ParsedModule, scope: Scope, prefix: str, via: tuple[str, ...]) -> list[ServiceSpec]:
    """Each aws_ecs_service instance one module instance creates, with its autoscaling range if any."""
    ranges: dict[str, tuple[int, int]] = {}
    named_ranges: dict[str, tuple[int, int]] = {}
    for path, text, parsed in module.files:
        for _, target, body in _blocks(parsed, "aws_appautoscaling_target"):
            for _, instance, _ in scope.instances(body):
                if instance.evaluate(body.get("scalable_dimension")) != "ecs:service:DesiredCount":
                    continue
                try:
                    low = _whole(instance.evaluate(body.get("min_capacity")), "min_capacity")
                    high = _whole(instance.evaluate(body.get("max_capacity")), "max_capacity")
                except _Unresolved:
                    continue
                if low is None or high is None:
                    continue
                if low < 0 or low > high:
                    raise IngestError(f"aws_appautoscaling_target.{target} has min_capacity {low} and max_capacity "
                                      f"{high}; it needs 0 <= min_capacity <= max_capacity", str(path),
                                      _block_lines(text, "aws_appautoscaling_target", target)[0])
                raw = str(body.get("resource_id", ""))
                for service in re.findall(r"aws_ecs_service\.([A-Za-z0-9_-]+)", raw):
                    ranges.setdefault(service, (low, high))
                resolved = instance.evaluate(body.get("resource_id"))
                if isinstance(resolved, str):  # service/CLUSTER/NAME written with variables
                    named_ranges.setdefault(resolved.rstrip("/").rsplit("/", 1)[-1], (low, high))
    specs: list[ServiceSpec] = []
    undecided: list[tuple[int, set[str]]] = []  # (index in specs, count condition) for blocks maybe created
    for path, text, parsed in module.files:
        for _, name, body in _blocks(parsed, "aws_ecs_service"):
            line, attributes = _block_lines(text, "aws_ecs_service", name)
            for suffix, instance, why in scope.instances(body):
                spec = _service(str(path), f"{prefix}{name}{suffix}", body, line, attributes, instance,
                                ranges.get(name), named_ranges, via)
                spec = with_breaker(spec, _nested(body, "deployment_circuit_breaker", instance),
                                    _nested(body, "alarms", instance), text)
                spec = with_placement(spec, body, module, scope)
                if why and "count" in body:
                    conditions = _conjuncts(body["count"])
                    twin = next((i for i, other in undecided if _exclusive(conditions, other)), None)
                    if twin is not None:  # mutually exclusive count blocks: one service, two ways to write it
                        specs[twin] = replace(specs[twin], aliases=specs[twin].aliases + (spec.name,))
                        continue
                    undecided.append((len(specs), conditions))
                specs.append(spec)
    return specs


def _service(source: str, name: str, body: dict[str, Any], line: int | None, attributes: dict[str, tuple[int, int]],
             scope: Scope, span: tuple[int, int] | None, named_ranges: dict[str, tuple[int, int]],
             via: tuple[str, ...]) -> ServiceSpec:
    service_name = scope.evaluate(body.get("name"))
    aliases = (service_name,) if isinstance(service_name, str) else ()
    span = span or (named_ranges.get(service_name) if isinstance(service_name, str) else None)
    cluster = _cluster(scope.evaluate(body.get("cluster")))
    strategy = _nested(body, "capacity_provider_strategy", scope)
    launch_type = scope.evaluate(body.get("launch_type"))
    base = ServiceBase(file=source, kind="terraform", name=name, line=line, aliases=aliases, via=via,
                       cluster=cluster[0], cluster_ref=cluster[1],
                       fargate=on_fargate(launch_type if isinstance(launch_type, str) else None,
                                          strategy if isinstance(strategy, list) else None))
    try:
        reason = _not_rolling(body, scope)
    except _Unresolved as unresolved:
        return ServiceSpec(**base, status=INCONCLUSIVE, reason=str(unresolved))
    if reason:
        return ServiceSpec(**base, status=NOT_ANALYSED, reason=reason)
    unknown = next((v for v in (launch_type, strategy) if isinstance(v, Unknown)), None)
    if unknown is not None:  # Fargate or not decides whether cluster capacity applies
        return ServiceSpec(**base, status=INCONCLUSIVE, reason=f"the launch type is {unknown.why}")

    def setting(attribute: str, default: int) -> Setting:
        where = attributes.get(attribute, (line, 1))
        value = _whole(scope.evaluate(body[attribute]), attribute) if attribute in body else None
        if value is None:
            return Setting(default, line, 1, default=True)
        return Setting(_not_negative(value, attribute, source, where[0]), where[0], where[1])

    try:
        minimum = setting("deployment_minimum_healthy_percent", 100)
        maximum = setting("deployment_maximum_percent", 200)
    except _Unresolved as unresolved:
        return ServiceSpec(**base, status=INCONCLUSIVE, reason=str(unresolved))
    lifecycle = body.get("lifecycle")
    ignored = [item for block in (lifecycle if isinstance(lifecycle, list) else [])
               if isinstance(block, dict) for item in (block.get("ignore_changes") or [])]
    if "desired_count" in ignored or "${desired_count}" in ignored:
        if span is None:  # Terraform sets the count at creation only; afterwards it is whatever runs
            where = attributes.get("desired_count", (line, 1))
            return ServiceSpec(**base, status=ANALYSABLE, desired=Setting(None, where[0], where[1]),
                               min_healthy_percent=minimum, max_percent=maximum, desired_owner="autoscaling",
                               desired_unknown="desired_count is in lifecycle ignore_changes and no "
                                               "aws_appautoscaling_target gives its range, so the running count "
                                               "is unknown")
        return ServiceSpec(**base, status=ANALYSABLE, min_healthy_percent=minimum, max_percent=maximum,
                           desired_range=span, desired_owner="autoscaling")
    # An unknown count still leaves the percentages to check: the gate checks every count it may take.
    try:
        desired, why_unknown = setting("desired_count", 0), ""
    except _Unresolved as unresolved:
        if span is not None:
            return ServiceSpec(**base, status=ANALYSABLE, min_healthy_percent=minimum, max_percent=maximum,
                               desired_range=span, desired_owner="autoscaling")
        written = body.get("desired_count")
        if not (isinstance(written, str) and written.startswith("${")):  # a literal that is no count
            return ServiceSpec(**base, status=INCONCLUSIVE, reason=str(unresolved), min_healthy_percent=minimum,
                               max_percent=maximum)
        where = attributes.get("desired_count", (line, 1))
        desired, why_unknown = Setting(None, where[0], where[1]), str(unresolved)
    return ServiceSpec(**base, status=ANALYSABLE, desired=desired, min_healthy_percent=minimum,
                       max_percent=maximum, desired_range=span, desired_unknown=why_unknown)


def _cluster(value: Any) -> tuple[str | None, str | None]:
    """(the cluster's name, the address of the resource, data source or module it comes from), where known.

    `cluster = aws_ecs_cluster.main.id` is known only after apply, but it is that cluster: the policy can
    name it `aws_ecs_cluster.main` (`module.ecs_cluster` for `module.ecs_cluster.arn`), or by the name its
    block writes (`name = "prod"`, a data source's `cluster_name`).
    """
    if isinstance(value, Unknown):
        return value.name, value.ref
    return (value.rsplit("/", 1)[-1] if isinstance(value, str) else None), None


_OTHER_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")


def _not_rolling(body: dict[str, Any], scope: Scope) -> str:
    """Why the service is not a rolling update this model covers; '' when it is one."""
    scheduling = scope.evaluate(body.get("scheduling_strategy"))
    if isinstance(scheduling, Unknown):
        raise _Unresolved(f"scheduling_strategy is {scheduling.why}")
    if scheduling == "DAEMON":
        return "DAEMON services run one task per instance; the rolling-update model covers REPLICA services"
    for block, attribute in (("deployment_controller", "type"), ("deployment_configuration", "strategy")):
        found = _nested(body, block, scope)
        if isinstance(found, Unknown):
            raise _Unresolved(f"{block} is {found.why}")
        for item in found:
            value = item.get(attribute)
            if isinstance(value, Unknown):
                raise _Unresolved(f"{block} {attribute} is {value.why}")
            if block == "deployment_controller" and value not in (None, "ECS"):
                return f"deployment controller {value} (blue/green or external) is not the rolling update this " \
                       "model covers"
            if block == "deployment_configuration" and value in _OTHER_STRATEGIES:
                return f"deployment strategy {value} shifts traffic between two task sets; rollproof models " \
                       "rolling updates only"
    return ""


def looks_like_plan(data: Any) -> bool:
    return isinstance(data, dict) and ("resource_changes" in data or "planned_values" in data) and \
        ("format_version" in data or "terraform_version" in data)


def read_plan(doc: Document) -> list[ServiceSpec]:
    """`terraform show -json PLAN`: each aws_ecs_service's values after the change."""
    specs: list[ServiceSpec] = []
    changes = doc.data.get("resource_changes") or []
    if not isinstance(changes, list):
        raise IngestError("resource_changes must be a list of changes", doc.source, doc.line_of(("resource_changes",)))
    for index, change in enumerate(changes):
        if not isinstance(change, dict) or change.get("type") != "aws_ecs_service":
            continue
        planned = change.get("change") or {}
        if not isinstance(planned, dict):
            raise IngestError(f"resource_changes[{index}].change must be an object with 'after'", doc.source,
                              doc.line_of(("resource_changes", index, "change")))
        after = planned.get("after")
        if not isinstance(after, dict):
            continue  # a deletion: nothing left to deploy
        path: DocPath = ("resource_changes", index, "change", "after")
        name = str(change.get("address", f"aws_ecs_service.{index}"))
        base = ServiceBase(file=doc.source, kind="terraform-plan", name=name,
                           line=doc.line_of(("resource_changes", index)))
        if after.get("scheduling_strategy") == "DAEMON":
            specs.append(ServiceSpec(**base, status=NOT_ANALYSED, reason="DAEMON services run one task per instance"))
            continue
        try:
            specs.append(plan_breaker(doc, path, after, planned.get("after_unknown"), ServiceSpec(
                **base, status=ANALYSABLE, desired=_plan_setting(doc, path, after, "desired_count", 0),
                min_healthy_percent=_plan_setting(doc, path, after, "deployment_minimum_healthy_percent", 100),
                max_percent=_plan_setting(doc, path, after, "deployment_maximum_percent", 200))))
        except _Unresolved as unresolved:
            specs.append(ServiceSpec(**base, status=INCONCLUSIVE, reason=str(unresolved)))
    return specs


def _plan_setting(doc: Document, path: DocPath, after: dict[str, Any], attribute: str, default: int) -> Setting:
    """One attribute of a planned service: the provider default when absent, a whole number otherwise."""
    value = after.get(attribute)
    if value is None:
        return Setting(default, doc.line_of(path), 1, default=True)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unresolved(f"{attribute} is {value!r}, not a whole number (unknown until apply?)")
    line = doc.lines.get(path + (attribute,))
    return Setting(_not_negative(value, attribute, doc.source, line), line, doc.columns.get(path + (attribute,)))
