"""Files read as they are deployed together: each service once, through whatever includes it.

A nested stack's template is read through its parent, a template with a
parameter file with that file's values, and a Terraform module through the
module calls that use it; none of them is read again on its own. Everything
else is read file by file with the caller's reader.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from verifier.ingest import IngestError, ServiceSpec, read_infra_text
from verifier.ingest.aws_cli import input_files
from verifier.ingest.cdk_source import unsynthesized_services
from verifier.ingest.cfn_stacks import (
    MapUrl,
    children_of,
    has_nested_stacks,
    parameter_values,
    parameters_for_template,
    read_stack,
    template_for_parameters,
)
from verifier.ingest.copilot import looks_like_copilot, read_manifest
from verifier.ingest.ecs_json import ecspresso_jsonnet
from verifier.ingest.terraform import services_of_module
from verifier.ingest.terraform_project import MapSource, TerraformProject

ReadOne = Callable[[Path], "list[ServiceSpec] | None"]
Found = tuple[Path, "list[ServiceSpec] | None", "IngestError | None"]
_TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
_SCRIPT_SUFFIXES = (".sh", ".bash")


def read_linked(files: list[Path], read_one: ReadOne, map_url: MapUrl | None = None,
                map_module: MapSource | None = None) -> Iterator[Found]:
    """Each file with its services (None: no service there) or the error reading it; included files are skipped."""
    included: set[Path] = set()        # nested-stack templates, read through their parents
    parameters: dict[Path, Path] = {}  # template -> its parameter file
    consumed: set[Path] = set()        # parameter files given to their templates
    for path in files:
        if path.suffix in _SCRIPT_SUFFIXES:  # `--cli-input-json file://x.json`: x.json is read through the script
            with contextlib.suppress(IngestError):
                included.update(child.resolve() for child in input_files(path, read_infra_text(path)))
            continue
        if path.suffix not in _TEMPLATE_SUFFIXES:
            continue
        try:
            text = read_infra_text(path)
        except IngestError:
            continue  # reading it in turn reports the error
        included.update(child.resolve() for child in children_of(path, text, map_url))
        template = template_for_parameters(path)
        if template is not None and parameter_values(text) is not None:
            parameters.setdefault(template.resolve(), path)
            consumed.add(path.resolve())
    terraform = TerraformProject([p for p in files if p.suffix == ".tf"], services_of_module, map_module)
    for path in files:
        resolved = path.resolve()
        if resolved in included or resolved in consumed:
            continue
        try:
            if path.name == "cdk.json":  # a CDK app: its services are in what it synthesizes
                yield path, unsynthesized_services(path, files) or read_one(path), None
                continue
            if path.suffix == ".tf":
                if terraform.first_file_of_root(path):
                    yield path, _entered(path, terraform.read_root(path.parent)) or None, None
                continue
            if resolved not in parameters and path.suffix in _TEMPLATE_SUFFIXES:
                # a template gated on its own (a reproduce line) still takes its parameter file
                beside = parameters_for_template(path)
                if beside is not None and parameter_values(read_infra_text(beside)) is not None:
                    parameters[resolved] = beside
            if resolved in parameters:
                values_file = parameters[resolved]
                values = parameter_values(read_infra_text(values_file)) or {}
                yield path, _entered(path, read_stack(path, values, (str(values_file),), map_url)) or None, None
            elif has_nested_stacks(path, read_infra_text(path)):
                yield path, _entered(path, read_stack(path, None, (), map_url)) or None, None
            elif path.suffix in (".yml", ".yaml") and looks_like_copilot(read_infra_text(path)):
                yield path, read_manifest(read_infra_text(path), str(path)), None
            elif path.suffix in (".yml", ".yaml") and "service_definition" in read_infra_text(path) and \
                    ".jsonnet" in read_infra_text(path):
                yield path, ecspresso_jsonnet(path) or read_one(path), None
            else:
                yield path, read_one(path), None
        except IngestError as error:
            yield path, None, error


def _entered(path: Path, specs: list[ServiceSpec]) -> list[ServiceSpec]:
    """Each service read through `path` (a child stack, a called module) remembers it: gating it reads them again."""
    return [spec if spec.file == str(path) else replace(spec, entry=str(path)) for spec in specs]
