"""`rollproof gate PATH...`: find every ECS service in infrastructure code, verify each, and exit 0/1/2/3.

Each analysable service becomes a model (its desired count, or the range of its
scalable target) and goes through the same checks as `verify`. Findings point
at the setting to change: availability and progress at MinimumHealthyPercent,
surge at MaximumPercent, capacity and the rest at DesiredCount (or the
resource when the file leaves a value to its default).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import ModelError
from .findings import Status, Verdict
from .ingest import ANALYSABLE, INCONCLUSIVE, IngestError, ServiceSpec, Setting, discover
from .ingest.cloudformation import read_template
from .ingest.ecs_json import looks_like_ecs, read_ecs_json
from .model import Model, Settings
from .verify import Options, check_model
from .yamlsource import parse_yaml


@dataclass(frozen=True, slots=True)
class GateRow:
    spec: ServiceSpec
    verdict: Verdict | None        # None for a service that is not analysed
    result: object | None          # Result or RangeResult


@dataclass(frozen=True, slots=True)
class GateReport:
    rows: tuple[GateRow, ...]
    unrecognised: tuple[str, ...]  # files read that hold no ECS service
    errors: tuple[str, ...]        # `file:line: error: ...` for files that could not be read

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        verdicts = {row.verdict for row in self.rows}
        if Verdict.VIOLATED in verdicts:
            return 1
        if Verdict.INCONCLUSIVE in verdicts:
            return 3
        return 0


def read_services(path: Path) -> list[ServiceSpec] | None:
    """The services in one file; None when the file is not CloudFormation or ECS JSON."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(f"cannot read file: {exc}", str(path), 1) from None
    source = str(path)
    if "AWSTemplateFormatVersion" in text or "AWS::ECS::Service" in text:
        specs = read_template(text, source)
        if specs or "AWS::ECS::Service" not in text:
            return specs or None
    if path.suffix == ".json":
        try:
            doc = parse_yaml(text, source)
        except ModelError as error:
            raise IngestError(error.message, source, error.line) from None
        if looks_like_ecs(doc.data):
            return read_ecs_json(doc)
    return None


def model_of(spec: ServiceSpec) -> Model:
    settings = Settings(spec.desired.value if spec.desired.value is not None else spec.desired_range[0],
                        spec.min_healthy_percent.value, spec.max_percent.value)
    return Model(name=spec.name, settings=settings, source=spec.file, desired_range=spec.desired_range)


def gate(paths: list[Path], options: Options = Options()) -> GateReport:
    rows, unrecognised, errors = [], [], []
    for path in discover(paths):
        try:
            specs = read_services(path)
        except IngestError as error:
            errors.append(f"{error.source}:{error.line or 1}: error: {error.message}")
            continue
        if specs is None:
            unrecognised.append(str(path))
            continue
        for spec in specs:
            if spec.status != ANALYSABLE:
                verdict = Verdict.INCONCLUSIVE if spec.status == INCONCLUSIVE else None
                rows.append(GateRow(spec, verdict, None))
                continue
            result = check_model(model_of(spec), options)
            rows.append(GateRow(spec, result.verdict, result))
    return GateReport(tuple(rows), tuple(unrecognised), tuple(errors))


def location_for(spec: ServiceSpec, property_id: str) -> tuple[int, int]:
    """The line and column of the setting a finding asks to change."""
    setting: Setting = {"availability": spec.min_healthy_percent, "progress": spec.min_healthy_percent,
                        "surge": spec.max_percent}.get(property_id, spec.desired)
    if setting.line is None and property_id in ("availability", "progress", "surge"):
        setting = spec.desired
    return (setting.line or spec.line or 1, setting.column or 1)


def violated(row: GateRow) -> list:
    if row.result is None:
        return []
    return [f for f in row.result.findings if f.status is Status.VIOLATED]
