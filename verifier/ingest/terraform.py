"""ECS services from Terraform: `.tf` modules (read with python-hcl2) and `terraform show -json` plans.

A module is a folder: variables and resources may sit in different files, so
all `.tf` files of a folder are read together. python-hcl2 gives the values;
the line of each attribute is found in its resource block's text, since the
parser keeps none. Provider defaults apply to absent attributes:
deployment_minimum_healthy_percent 100, deployment_maximum_percent 200, and
desired_count 0. A `var.x` resolves to the variable's default; any other
expression is inconclusive. An aws_appautoscaling_target on
ecs:service:DesiredCount whose resource_id names the service gives its range.
"""

from __future__ import annotations

import re
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
    check_nesting,
    on_fargate,
    read_infra_text,
)
from verifier.model.yamlsource import DocPath, Document

_VAR = re.compile(r"^\$\{var\.([A-Za-z0-9_-]+)\}$")
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


def _resolve(value: Any, variables: dict[str, Any], what: str) -> int:
    if isinstance(value, str):
        match = _VAR.match(value)
        if match:
            name = match.group(1)
            if name not in variables or variables[name] is None:
                raise _Unresolved(f"{what} is var.{name}, a variable with no default")
            value = variables[name]
        elif value.startswith("${"):
            raise _Unresolved(f"{what} is the expression {value[2:-1]}, which rollproof does not evaluate")
        elif _WHOLE.match(value):
            value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unresolved(f"{what} is {value!r}, not a whole number")
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
    import hcl2
    from hcl2.utils import SerializationOptions

    options = SerializationOptions(strip_string_quotes=True, with_comments=False)
    files: list[tuple[Path, str, dict[str, Any]]] = []
    for path in sorted(folder.glob("*.tf")):
        if path.is_dir():  # a folder named x.tf: Terraform reads files only, and so does the module reader
            continue
        text = read_infra_text(path)  # a dangling link or a device is an error naming it
        check_nesting(text, str(path), "hcl")
        try:
            parsed = hcl2.loads(text, serialization_options=options)
        except Exception as error:  # the parser raises lark's many exception types
            line = getattr(error, "line", None)
            raise IngestError(f"not valid HCL: {str(error).splitlines()[0][:200]}", str(path), line) from None
        files.append((path, text, parsed))
    variables: dict[str, Any] = {}
    for _, _, parsed in files:
        for entry in parsed.get("variable", []) or []:
            for name, body in entry.items():
                variables[name] = body.get("default") if isinstance(body, dict) else None
    ranges: dict[str, tuple[int, int]] = {}
    for path, text, parsed in files:
        for _, target, body in _blocks(parsed, "aws_appautoscaling_target"):
            if body.get("scalable_dimension") != "ecs:service:DesiredCount":
                continue
            found = re.search(r"aws_ecs_service\.([A-Za-z0-9_-]+)\.", str(body.get("resource_id", "")))
            try:
                span = (_resolve(body.get("min_capacity"), variables, "min_capacity"),
                        _resolve(body.get("max_capacity"), variables, "max_capacity"))
            except _Unresolved:
                continue
            if span[0] < 0 or span[0] > span[1]:
                raise IngestError(f"aws_appautoscaling_target.{target} has min_capacity {span[0]} and max_capacity "
                                  f"{span[1]}; it needs 0 <= min_capacity <= max_capacity", str(path),
                                  _block_lines(text, "aws_appautoscaling_target", target)[0])
            if found:
                ranges[found.group(1)] = span
    specs: list[ServiceSpec] = []
    for path, text, parsed in files:
        for _, name, body in _blocks(parsed, "aws_ecs_service"):
            line, attributes = _block_lines(text, "aws_ecs_service", name)
            specs.append(_service(str(path), name, body, line, attributes, variables, ranges.get(name)))
    return specs


def _service(source: str, name: str, body: dict[str, Any], line: int | None, attributes: dict[str, tuple[int, int]],
             variables: dict[str, Any],
             span: tuple[int, int] | None) -> ServiceSpec:
    aliases = (body["name"],) if isinstance(body.get("name"), str) and not body["name"].startswith("${") else ()
    strategy = body.get("capacity_provider_strategy")
    base = ServiceBase(file=source, kind="terraform", name=name, line=line, aliases=aliases,
                       fargate=on_fargate(body.get("launch_type"), strategy if isinstance(strategy, list) else None))
    if body.get("scheduling_strategy") == "DAEMON":
        return ServiceSpec(**base, status=NOT_ANALYSED, reason="DAEMON services run one task per instance; "
                           "the rolling-update model covers REPLICA services")
    controllers = body.get("deployment_controller") or []
    controller = controllers[0] if isinstance(controllers, list) and controllers else controllers
    kind = controller.get("type", "ECS") if isinstance(controller, dict) else "ECS"
    if kind != "ECS":
        return ServiceSpec(**base, status=NOT_ANALYSED, reason=f"deployment controller {kind} "
                           "(blue/green or external) is not the rolling update this model covers")

    def setting(attribute: str, default: int) -> Setting:
        if attribute not in body:
            return Setting(default, line, 1, default=True)
        where = attributes.get(attribute, (line, 1))
        value = _not_negative(_resolve(body[attribute], variables, attribute), attribute, source, where[0])
        return Setting(value, where[0], where[1])

    try:
        minimum = setting("deployment_minimum_healthy_percent", 100)
        maximum = setting("deployment_maximum_percent", 200)
    except _Unresolved as unresolved:
        return ServiceSpec(**base, status=INCONCLUSIVE, reason=str(unresolved))
    # An unknown count still leaves the percentages to check: the gate checks every count it may take.
    try:
        desired, unknown = setting("desired_count", 0), ""
    except _Unresolved as unresolved:
        written = body.get("desired_count")
        if not (isinstance(written, str) and written.startswith("${")):  # a literal that is no count
            return ServiceSpec(**base, status=INCONCLUSIVE, reason=str(unresolved))
        where = attributes.get("desired_count", (line, 1))
        desired, unknown = Setting(None, where[0], where[1]), str(unresolved)
    return ServiceSpec(**base, status=ANALYSABLE, desired=desired, min_healthy_percent=minimum,
                       max_percent=maximum, desired_range=span, desired_unknown=unknown)


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
            specs.append(ServiceSpec(
                **base, status=ANALYSABLE, desired=_plan_setting(doc, path, after, "desired_count", 0),
                min_healthy_percent=_plan_setting(doc, path, after, "deployment_minimum_healthy_percent", 100),
                max_percent=_plan_setting(doc, path, after, "deployment_maximum_percent", 200)))
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
