"""CloudFormation read as it is deployed: nested stacks with their parents' parameters, and parameter files.

A parent's `AWS::CloudFormation::Stack` names its child by `TemplateURL`.
The child is read with the parameters the parent passes, and only through the
parent, so each service is seen once per deployment. A URL is mapped to a file
by, in order: the policy's mapping (`map_url`), a path relative to the parent
(what `aws cloudformation package` reads), CDK's `aws:asset:path` metadata, and
the longest tail of the URL's path that names a file beside the parent or
above it (`https://s3.amazonaws.com/bucket/services/web/service.yaml` is
`services/web/service.yaml` in the repository the parent is in).

Parameter files give a template the values of one deployment: the CLI's
`[{"ParameterKey": ..., "ParameterValue": ...}]`, CodePipeline's and Copilot's
`{"Parameters": {...}}`. A file `NAME.params.json` (or `.parameters.json`,
`-params.json`, `-parameters.json`) belongs to the template `NAME.yaml`,
`NAME.yml`, `NAME.json`, `NAME.template`, `NAME-template.yml` or Copilot's
`NAME.stack.yml`; that
template is then read with those values instead of its defaults.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from verifier.ingest import ANALYSABLE, INCONCLUSIVE, NOT_ANALYSED, IngestError, ServiceSpec, read_infra_text
from verifier.ingest.cfn_conditions import Decided, resolve_ifs
from verifier.ingest.cloudformation import decode_template, effective_parameters, services_of

MapUrl = Callable[[str], Path | None]  # the policy's TemplateURL -> file mapping, filled by the caller
MAX_STACK_DEPTH = 10  # CloudFormation itself allows a handful of levels; a cycle stops here too

_PARAMETER_SUFFIX = re.compile(r"[.\-_](?:params|parameters)\.json$", re.I)
_PARAMETER_WORD = re.compile(r"(?<=[.\-_])(?:params|parameters)(?=[.\-_])", re.I)
_TEMPLATE_ENDINGS = (".stack.yml", ".stack.yaml", ".yaml", ".yml", ".json", ".template", ".template.json",
                     "-template.yml", "-template.yaml", "-template.json", ".template.yml", ".template.yaml")


def parameter_values(text: str) -> dict[str, Any] | None:
    """The values in a parameter file, or None when the text is not one."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if isinstance(data, list) and data and all(isinstance(item, dict) and "ParameterKey" in item for item in data):
        return {str(item["ParameterKey"]): item.get("ParameterValue") for item in data}
    if isinstance(data, dict) and isinstance(data.get("Parameters"), dict) and "Resources" not in data:
        return {str(key): value for key, value in data["Parameters"].items()}
    return None


def template_for_parameters(path: Path) -> Path | None:
    """The template a parameter file belongs to by name, if it sits beside it."""
    if not path.name.lower().endswith(".json") or not _PARAMETER_WORD.search(path.name):
        return None
    # `web-params-dev.json` beside `web-template-dev.yml`: the same name with the word changed
    for ending in (".yml", ".yaml", ".json"):
        candidate = path.with_name(_PARAMETER_WORD.sub("template", path.name[:-len(".json")]) + ending)
        if candidate != path and candidate.is_file():
            return candidate
    match = _PARAMETER_SUFFIX.search(path.name)
    stem = path.name[:match.start()] if match else None
    for ending in _TEMPLATE_ENDINGS if stem else ():
        candidate = path.with_name(f"{stem}{ending}")
        if candidate != path and candidate.is_file():
            return candidate
    return None


def parameters_for_template(template: Path) -> Path | None:
    """The parameter file beside a template that belongs to it by name, if there is one."""
    try:
        siblings = sorted(template.parent.iterdir())
    except OSError:
        return None
    for candidate in siblings:
        if candidate.suffix == ".json" and _PARAMETER_WORD.search(candidate.name) \
                and template_for_parameters(candidate) == template:
            return candidate
    return None


def _url_text(url: Any) -> str | None:
    """The URL as text; for `!Sub` / `!Join` the literal tail after the last substitution is what can be matched."""
    if isinstance(url, str):
        return url
    if isinstance(url, dict) and len(url) == 1:
        (function, argument), = url.items()
        if function == "Fn::Sub":
            text = argument if isinstance(argument, str) else argument[0] if isinstance(argument, list) \
                and argument and isinstance(argument[0], str) else ""
            return text.rsplit("}", 1)[-1] or None
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2 \
                and isinstance(argument[1], list) and argument[1] and isinstance(argument[1][-1], str):
            return str(argument[1][-1])
    return None


def child_template(parent: Path, resource: dict[Any, Any], map_url: MapUrl | None) -> Path | None:
    """The local file a nested stack's TemplateURL names, or None when none can be found."""
    props = resource.get("Properties")
    metadata = resource.get("Metadata")
    asset = metadata.get("aws:asset:path") if isinstance(metadata, dict) else None
    if isinstance(asset, str) and (parent.parent / asset).is_file():  # CDK: the nested template beside it
        return parent.parent / asset
    url = _url_text(props.get("TemplateURL")) if isinstance(props, dict) else None
    if not url:
        return None
    if map_url is not None and isinstance(props, dict) and isinstance(props.get("TemplateURL"), str):
        mapped = map_url(props["TemplateURL"])
        if mapped is not None:
            return mapped
    scheme = urlparse(url).scheme
    if scheme in ("", "file"):
        local = parent.parent / urlparse(url).path if scheme else parent.parent / url
        if local.is_file():
            return local
    parts = [p for p in PurePosixPath(urlparse(url).path if scheme else url).parts if p not in ("/", "..", ".")]
    for base in (parent.parent, *parent.parent.parents):
        for start in range(len(parts)):  # the longest tail first
            candidate = base.joinpath(*parts[start:])
            if candidate.is_file() and candidate != parent:
                return candidate
        if (base / ".git").exists():  # never look above the repository
            break
    return None


def _passed(value: Any, parameters: Mapping[str, Any]) -> Any:
    """A value a parent passes, with a `!Ref` to the parent's own parameter replaced by that parameter's value."""
    if isinstance(value, dict) and set(value) == {"Ref"} and isinstance(value["Ref"], str):
        parameter = parameters.get(value["Ref"])
        if isinstance(parameter, dict) and "Default" in parameter:
            return parameter["Default"]
    return value


def nested_children(path: Path, template: dict[Any, Any], parameters: Mapping[str, Any],
                    map_url: MapUrl | None) -> list[tuple[str, int | None, Path | None, dict[str, Any]]]:
    """Each nested stack of a template: (logical id, line, child file or None, the parameters it passes)."""
    resources = template.get("Resources")
    found: list[tuple[str, int | None, Path | None, dict[str, Any]]] = []
    if not isinstance(resources, dict):
        return found
    conditions = Decided(template, parameters)
    for logical_id, resource in resources.items():
        if not isinstance(resource, dict) or resource.get("Type") != "AWS::CloudFormation::Stack":
            continue
        if "Condition" in resource and conditions.value(str(resource["Condition"]))[0] is False:
            continue  # the parameters leave this stack out
        resource = resolve_ifs(resource, conditions)
        props = resource.get("Properties")
        given = props.get("Parameters") if isinstance(props, dict) else None
        passed = {str(k): _passed(v, parameters) for k, v in given.items()} if isinstance(given, dict) else {}
        mark = getattr(logical_id, "start_mark", None)
        found.append((str(logical_id), mark.line + 1 if mark else None, child_template(path, resource, map_url),
                      passed))
    return found


def read_stack(path: Path, values: Mapping[str, Any] | None = None, via: tuple[str, ...] = (),
               map_url: MapUrl | None = None, prefix: str = "", depth: int = 0) -> list[ServiceSpec]:
    """The services of a template and, recursively, of its nested stacks, each named by its stack path."""
    source = str(path)
    if depth > MAX_STACK_DEPTH:
        raise IngestError(f"nested stacks deeper than {MAX_STACK_DEPTH} levels (a template that includes itself?)",
                          source, 1)
    template, odd = decode_template(read_infra_text(path), source)
    specs = services_of(template, source, odd, values, via)
    if prefix:  # a child's services are named by the stacks they are in, so two children never clash
        specs = [_renamed(spec, prefix) for spec in specs]
    parameters = effective_parameters(template, values)
    for logical_id, line, child, passed in nested_children(path, template, parameters, map_url):
        if child is not None:
            inner = read_stack(child, passed, via + (f"{source}:{line or 1} {logical_id}",), map_url,
                               f"{prefix}{logical_id}/", depth + 1)
            undecided = _undecided(template, parameters, logical_id)
            specs += [replace(spec, status=INCONCLUSIVE, reason=undecided)
                      if undecided and spec.status == ANALYSABLE else spec for spec in inner]
        else:  # its services, if any, would otherwise go unseen without a word
            specs.append(ServiceSpec(file=source, kind="cloudformation", name=f"{prefix}{logical_id}", line=line,
                                     status=NOT_ANALYSED, via=via,
                                     reason=_unfound(template, parameters, logical_id)))
    return specs


def _undecided(template: dict[Any, Any], parameters: Mapping[str, Any], logical_id: str) -> str:
    """Why it is unknown whether a nested stack is created ('' when it is): its Condition is undecided."""
    condition = template["Resources"][logical_id].get("Condition")
    if condition is None:
        return ""
    created, why = Decided(template, parameters).value(str(condition))
    return "" if created is not None else \
        f"its nested stack {logical_id} is created only when condition {condition} holds: {why}"


def _unfound(template: dict[Any, Any], parameters: Mapping[str, Any], logical_id: str) -> str:
    """Why a nested stack's services cannot be read: its TemplateURL, as written, names no file here."""
    resource = template["Resources"][logical_id]
    props = resource.get("Properties")
    url = props.get("TemplateURL") if isinstance(props, dict) else None
    shown = repr(url) if isinstance(url, str) else "a computed URL" if url is not None else "no URL"
    reason = f"nested stack {logical_id}: its TemplateURL ({shown}) names no template file in the repository, " \
        "so the ECS services it may create are not read"
    if "Condition" in resource:  # a false one was left out already: this one holds or is unknown
        created, why = Decided(template, parameters).value(str(resource["Condition"]))
        if created is None:
            reason += f"; it is created only when condition {resource['Condition']} holds ({why})"
    return reason


def has_nested_stacks(path: Path, text: str) -> bool:
    """Whether a template declares any nested stack (found on disk or not)."""
    if "AWS::CloudFormation::Stack" not in text:
        return False
    try:
        template, _ = decode_template(text, str(path))
    except IngestError:
        return False  # reading the file itself reports it
    resources = template.get("Resources")
    return isinstance(resources, dict) and any(
        isinstance(r, dict) and r.get("Type") == "AWS::CloudFormation::Stack" for r in resources.values())


def _renamed(spec: ServiceSpec, prefix: str) -> ServiceSpec:
    return replace(spec, name=prefix + spec.name, aliases=spec.aliases + (spec.name,))


def children_of(path: Path, text: str, map_url: MapUrl | None) -> list[Path]:
    """The local templates a template includes as nested stacks (not read standalone: only through it)."""
    if "AWS::CloudFormation::Stack" not in text:
        return []
    try:
        template, _ = decode_template(text, str(path))
    except IngestError:
        return []  # reading the file itself reports it
    return [child for _, _, child, _ in nested_children(path, template, effective_parameters(template, None), map_url)
            if child is not None]
