"""`rollproof gate PATH...`: find every ECS service in infrastructure code, verify each, and exit 0/1/2/3.

Each analysable service becomes a model (its desired count, the range of its
scalable target, or every count 1..5,000 when the file leaves the count unknown)
and goes through the same checks as `verify`; `with_advice` adds the smallest
verified fix of each violated service. Findings point
at the setting to change: availability and progress at MinimumHealthyPercent,
surge at MaximumPercent, capacity and the rest at DesiredCount (or the
resource when the file leaves a value to its default).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, cast

from verifier.check.verify import Options, Result
from verifier.check.what_if import at_one_count, findings_under_release, release_label, under_release
from verifier.ci.answers import TASKS_PER_SERVICE, Advice, Found, advice_for, count_unknown, find_fixes, zero_tasks_note
from verifier.ci.fleet import Answer, FleetChecker, map_setups
from verifier.ci.gate_placement import counts_note, each_count, placement_for, unplaced_note, worst
from verifier.ci.policy import Policy, Waiver
from verifier.ci.policy_sources import SourceMaps
from verifier.defaults import answer_flags
from verifier.errors import ModelError, UsageError
from verifier.findings import Finding, verdict_of
from verifier.ingest import (
    ANALYSABLE,
    INCONCLUSIVE,
    IngestError,
    ServiceSpec,
    Setting,
    check_nesting,
    discover,
    read_infra_text,
)
from verifier.ingest.aws_cli import SCRIPT_SUFFIXES, looks_like_script, read_script
from verifier.ingest.cdk_props import SOURCE_ENDINGS, source_services
from verifier.ingest.cloudformation import read_template
from verifier.ingest.discovery import Exclude, may_hold_a_service, peek, templated_line, without_json_comments
from verifier.ingest.ecs_json import looks_like_ecs, read_ecs_json
from verifier.ingest.linked import read_linked
from verifier.ingest.terraform import looks_like_plan, read_module, read_plan
from verifier.model.records import Model, Settings
from verifier.model.sources import InfraService
from verifier.model.textfile import INFRA_FILE
from verifier.model.yamlsource import parse_yaml
from verifier.results import ExitCode, Status, Verdict, verdict_of_statuses, worst_of

if TYPE_CHECKING:  # the range checker loads the solver; only its result type is named here
    from verifier.check.ranges import RangeFinding, RangeResult


MAX_FILE_BYTES = 5_000_000


MAX_DISTINCT_SERVICES = 2_000  # distinct models checked per gate run; the rest are inconclusive
MAX_FIX_SEARCHES = 50          # distinct violated setups whose fix is searched per run (each takes seconds)
FIX_SEARCH_SECONDS = 60        # after this, no new fix search starts (one already started finishes)


@dataclass(frozen=True, slots=True)
class GateRow:
    spec: ServiceSpec
    verdict: Verdict | None        # None for a service that is not analysed
    result: Result | RangeResult | None
    waived: tuple[tuple[str, Waiver], ...] = ()  # (property id, waiver) for violations a policy waiver accepts
    notes: tuple[str, ...] = ()    # e.g. an expired waiver
    advice: Advice | None = None   # for a violated service: the smallest verified fix (see `with_advice`)
    bad_release: Model | None = None  # the service under its policy's `faults:` release, where it was checked


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file found under a folder and left out, with why: it does not parse and holds no ECS service."""

    file: str
    reason: str


@dataclass(frozen=True, slots=True)
class GateReport:
    rows: tuple[GateRow, ...]
    unrecognised: tuple[str, ...]  # files read that hold no ECS service
    errors: tuple[str, ...]        # `file:line: error: ...` for files that could not be read
    skipped: tuple[Skipped, ...] = ()  # files found in a folder, unreadable, and holding no ECS service

    @property
    def exit_code(self) -> ExitCode:
        if self.errors:
            return ExitCode.BAD_INPUT
        return worst_of(row.verdict for row in self.rows if row.verdict is not None).exit_code


def read_services(path: Path) -> list[ServiceSpec] | None:
    """The services in one file; None when the file is not CloudFormation or ECS JSON."""
    text = read_infra_text(path)  # a regular UTF-8 file of at most 5 MB, or an IngestError saying why not
    source = str(path)
    if path.suffix == ".tf":
        return read_module(path.parent) or None
    if path.suffix in SOURCE_ENDINGS:  # CDK source, named by itself (a reproduce line): its construct calls
        return source_services(path, text) or None
    if path.suffix in SCRIPT_SUFFIXES:  # a script without an `aws ecs` service call is not a service file
        return read_script(path, text) or None if looks_like_script(path, text) else None
    if "AWSTemplateFormatVersion" in text or "AWS::ECS::Service" in text:
        specs = read_template(text, source)
        if specs or "AWS::ECS::Service" not in text:
            return specs or None
    if path.suffix == ".json":
        # Read as JSON first: a lockfile or tab-indented settings file is valid JSON but not
        # valid YAML, and json reads a megabyte in milliseconds. Only ECS JSON and plans are
        # read again, with the line-keeping decoder, for the line of every value.
        data = _json_data(text, source)
        if not (looks_like_ecs(data, source) or looks_like_plan(data)):
            return None
        try:  # tabs are only ever whitespace in valid JSON: as spaces, YAML reads them too
            doc = parse_yaml(without_json_comments(text).replace("\t", " "), source, INFRA_FILE)
        except ModelError as error:
            raise IngestError(error.message, source, error.line) from None
        if looks_like_ecs(doc.data, source):
            return read_ecs_json(doc)
        if looks_like_plan(doc.data):
            return read_plan(doc) or None
    return None


def _json_data(text: str, source: str) -> object:
    """The JSON value in `text`, allowing comments (tsconfig and editor settings have them)."""
    check_nesting(text, source, "json")  # before json's recursive decoder
    try:
        return json.loads(text)
    except ValueError as error:
        try:
            return json.loads(without_json_comments(text))
        except ValueError:
            line = error.lineno if isinstance(error, json.JSONDecodeError) else 1
            message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            raise IngestError(f"not valid JSON: {message}", source, line) from None


def _skip_reason(path: Path, error: IngestError) -> str | None:
    """Why a file found by walking a folder can be left out, or None when its error must stand.

    A Terraform file speaks for its module: the module is left out only when none of its files
    looks like it holds a service.
    """
    if path.suffix == ".tf":
        text = "\n".join(peek(file) for file in sorted(path.parent.glob("*.tf")))
    else:
        text = peek(path)
        line = templated_line(text)
        if line is not None:
            return (f"holds template placeholders ({{{{ ... }}}} at line {line}), so it is not yet what will be "
                    "deployed; gate the rendered output instead")
    if may_hold_a_service(text):
        return None
    # Line 1 says nothing of a file refused whole (too large, not UTF-8) or of one-line JSON.
    where = f" (line {error.line})" if (error.line or 1) > 1 and f"line {error.line}" not in error.message else ""
    return f"cannot be read ({error.message}{where}) and holds nothing that looks like an ECS service"


def services_in(paths: list[Path], exclude: Sequence[Exclude] = (),
                skipped: list[Skipped] | None = None,
                sources: SourceMaps | None = None) -> Iterator[tuple[Path, list[ServiceSpec] | None,
                                                                      IngestError | None]]:
    """Each file under `paths` with its services (None: no service there) or the error reading it.

    Files are read as they deploy together (ingest.linked): a Terraform module once per root that uses it,
    a nested stack through its parent, a template with its parameter file. A file found by walking a
    folder that cannot be read and holds no ECS service goes to `skipped` instead; a file named in
    `paths` is always read, and its error stands. `sources` (the policy's) maps module sources and
    TemplateURLs that are not on disk to local copies.
    """
    named = {path for path in paths if not path.is_dir()}
    sources = sources or SourceMaps()
    for path, specs, error in read_linked(discover(paths, exclude), read_services, sources.template_file,
                                          sources.module_folder):
        if error is None:
            yield path, specs, None
            continue
        reason = None if path in named else _skip_reason(path, error)
        if reason is None:
            yield path, None, error
        elif skipped is not None:
            skipped.append(Skipped(str(path), reason))


def model_of(spec: ServiceSpec, policy: Policy = Policy(), options: Options = Options()) -> Model:
    """The model of one service; its source re-gates just this service with the same policy and timeout."""
    overrides = policy.for_service(spec.names, spec.cluster, spec.cluster_ref)
    desired_range = overrides.desired_range or spec.desired_range
    if desired_range is None and count_unknown(spec):
        # Unknown until deploy time, or whatever autoscaling sets: every count the service may take.
        desired_range = (1, TASKS_PER_SERVICE)
    # An analysable spec has percentages (given or the AWS defaults); its count is now known or a range.
    desired = desired_range[0] if desired_range is not None else spec.desired.value
    minimum, maximum = spec.min_healthy_percent.value, spec.max_percent.value
    if desired is None or minimum is None or maximum is None:
        raise ValueError(f"{spec.name}: only an analysable service becomes a model (status {spec.status!r})")
    capacity = overrides.capacity
    headroom = overrides.capacity_headroom
    if spec.fargate:  # Fargate places every task on its own capacity: no cluster slots to run out of
        capacity = headroom = None
    if headroom is not None:
        capacity = desired + headroom
    settings = Settings(desired, minimum, maximum, capacity, breaker=spec.breaker, alarms=spec.alarms)
    return Model(name=spec.name, settings=settings, requirements=policy.requirements_for(overrides),
                 source=InfraService(spec.entry or spec.file, spec.name, policy.source,  # entry: a nested stack's root
                                     answer_flags(timeout_ms=options.timeout_ms)),
                 desired_range=desired_range, capacity_headroom=headroom,
                 placement=placement_for(spec, overrides, desired_range))


def _waive(spec: ServiceSpec, result: Result | RangeResult, policy: Policy,
           today: datetime.date) -> tuple[Verdict, tuple[tuple[str, Waiver], ...], tuple[str, ...]]:
    """The verdict once active waivers accept their violations; expired ones are noted, not applied."""
    waived: list[tuple[str, Waiver]] = []
    notes: list[str] = []
    left: list[Finding | RangeFinding] = []
    for finding in result.findings:
        if finding.status is not Status.VIOLATED:
            left.append(finding)
            continue
        covering = [w for w in policy.waivers if w.covers(spec.names, finding.property_id)]
        active = [w for w in covering if w.expires >= today]
        if active:
            waived.append((finding.property_id, active[0]))
        else:
            left.append(finding)
            notes += [f"waiver for {finding.property_id} expired on {w.expires.isoformat()}" for w in covering]
    verdict = verdict_of_statuses(f.status for f in left)
    if verdict is Verdict.PROVED and zero_tasks_note(result.model):
        notes.append(zero_tasks_note(result.model))
    # The findings no active waiver accepts decide, folded as every verdict is.
    return verdict, tuple(waived), tuple(notes)


def gate(paths: list[Path], options: Options = Options(), policy: Policy = Policy(),
         today: datetime.date | None = None, service: str | None = None, jobs: int | None = None) -> GateReport:
    """Verify every service under `paths`, or only those named `service` (its name or an alias).

    `jobs` processes check the distinct setups (default: one per core; 1 checks in this process);
    the report is the same, in the same order, whatever `jobs` is.
    """
    today = today or datetime.date.today()
    # A row is written, or waits for its service's answer (a spec and the call that gives it).
    rows: list[GateRow | tuple[ServiceSpec, Answer, Answer | str | None]] = []
    unrecognised, errors = [], []
    skipped: list[Skipped] = []
    # A large template repeats a few setups many times: each distinct model is checked once,
    # and at most MAX_DISTINCT_SERVICES of them, so a 30,000-service file ends in time.
    fleet = FleetChecker(options, jobs, limit=MAX_DISTINCT_SERVICES)  # its processes end below
    say = options.progress or (lambda line: None)
    for path, specs, error in services_in(paths, policy.exclude, skipped, policy.sources):
        if error is not None:
            errors.append(str(error))
            continue
        if specs is None:
            unrecognised.append(str(path))
            continue
        for spec in specs:
            if service is not None and service not in spec.names:
                continue
            if spec.status != ANALYSABLE:
                verdict = Verdict.INCONCLUSIVE if spec.status == INCONCLUSIVE else None
                rows.append(GateRow(spec, verdict, None))
                continue
            model = model_of(spec, policy, options)
            unplaced = unplaced_note(spec, policy.for_service(spec.names, spec.cluster, spec.cluster_ref), model)
            if unplaced:
                spec = replace(spec, notes=spec.notes + (unplaced,))
            if policy.for_service(spec.names, spec.cluster, spec.cluster_ref).faults is not None:
                model = at_one_count(model) or model  # a range of one count: both checks at that count
            checked = fleet.checked
            try:
                overrides = policy.for_service(spec.names, spec.cluster, spec.cluster_ref)
                answers = [fleet.submit(one) for one in each_count(spec, overrides, model)]  # instances: per count
            except UsageError as refused:  # a check this model needs is not built (a group that grows)
                rows.append(_refused(spec, refused))
                continue
            answer = _first_failing(answers) if len(answers) > 1 else answers[0]
            if len(answers) > 1:
                spec = replace(spec, notes=spec.notes + (counts_note(model),))
            if answer is None:
                reason = (f"not checked: the gate checks at most {MAX_DISTINCT_SERVICES:,} distinct service setups "
                          "per run; gate fewer paths at a time (or one service with --service)")
                rows.append(GateRow(replace(spec, status=INCONCLUSIVE, reason=reason), Verdict.INCONCLUSIVE, None))
                continue
            if fleet.checked > checked and fleet.checked % 100 == 0:
                say(f"gate: {fleet.checked:,} distinct service setups found, {len(rows):,} services so far")
            rows.append((spec, answer, _bad_release(spec, model, policy, fleet)))
    with fleet:
        written = []
        for number, row in enumerate(rows, 1):
            if not isinstance(row, GateRow):
                say(f"gate: [{number}/{len(rows)}] {row[0].name}")
                row = _row(*row, policy, today)
            written.append(row)
    return GateReport(tuple(written), tuple(unrecognised), tuple(errors), tuple(skipped))


def _bad_release(spec: ServiceSpec, model: Model, policy: Policy, fleet: FleetChecker) -> Answer | str | None:
    """The check under the policy's `faults:` release (None when it asks for none), or why it cannot be made."""
    check = policy.for_service(spec.names, spec.cluster, spec.cluster_ref).faults
    if check is None:
        return None
    label = release_label(check.faults)
    if spec.faults_unknown:
        return f"not checked during a bad release ({label}): {spec.faults_unknown}"
    one = at_one_count(model)
    if one is None:
        return (f"not checked during a bad release ({label}): that check needs one desired count; "
                "give the template a DesiredCount, or the policy a desiredRange of one count")
    overrides = policy.for_service(spec.names, spec.cluster, spec.cluster_ref)
    answer = fleet.submit(under_release(one, check.faults, policy.fault_requirements_for(overrides)))
    return answer if answer is not None else f"not checked during a bad release ({label}): too many setups"


def _first_failing(answers: list[Answer | None]) -> Answer | None:
    """One answer for a range checked one count at a time (see gate_placement.worst); None past the limit."""
    if any(answer is None for answer in answers):
        return None
    return lambda: worst([cast(Result, answer()) for answer in answers if answer is not None])


def _refused(spec: ServiceSpec, refused: UsageError) -> GateRow:
    """An inconclusive row for a service whose model a check refuses, with the check's own reason."""
    return GateRow(replace(spec, status=INCONCLUSIVE, reason=str(refused.args[0])), Verdict.INCONCLUSIVE, None)


def _row(spec: ServiceSpec, answer: Answer, bad_release: Answer | str | None, policy: Policy,
         today: datetime.date) -> GateRow:
    try:
        result = answer()
    except UsageError as refused:  # checked in another process: the refusal arrives with the answer
        return _refused(spec, refused)
    under_release: Model | None = None
    unchecked: tuple[str, ...] = ()
    if isinstance(bad_release, str):
        unchecked = (bad_release,)
    elif bad_release is not None:
        # The release's findings join the row's, told apart by their prefix: waivers and reports
        # treat them as the service's own, and the row's reproduce command checks both again.
        under = bad_release()
        if isinstance(under, Result) and isinstance(result, Result):  # one desired count (see gate)
            under_release = under.model
            findings = result.findings + findings_under_release(under)
            result = replace(result, findings=findings, verdict=verdict_of(findings))
        else:
            unchecked = ("not checked during a bad release: that check needs one desired count",)
    verdict, waived, notes = _waive(spec, result, policy, today)
    if unchecked:
        verdict = worst_of((verdict, Verdict.INCONCLUSIVE))
    return GateRow(spec, verdict, result, waived, spec.notes + notes + unchecked, bad_release=under_release)


def location_for(spec: ServiceSpec, property_id: str) -> tuple[int, int]:
    """The line and column of the setting a finding asks to change."""
    if property_id == "rollback" and spec.breaker_line is not None:  # the breaker decides whether ECS rolls back
        return (spec.breaker_line, 1)
    setting: Setting = {"availability": spec.min_healthy_percent, "progress": spec.min_healthy_percent,
                        "surge": spec.max_percent}.get(property_id, spec.desired)
    if setting.line is None and property_id in ("availability", "progress", "surge"):
        setting = spec.desired
    return (setting.line or spec.line or 1, setting.column or 1)


def violated(row: GateRow) -> list[Finding | RangeFinding]:
    """The violations that count: those no active waiver accepts."""
    if row.result is None:
        return []
    waived = {property_id for property_id, _ in row.waived}
    return [f for f in row.result.findings if f.status is Status.VIOLATED and f.property_id not in waived]


def with_advice(report: GateReport, options: Options = Options(), jobs: int | None = None) -> GateReport:
    """The report with the smallest verified fix for each violated service (each distinct setup searched once).

    The searches for distinct setups run over `jobs` processes (default: one per core), at most
    MAX_FIX_SEARCHES of them, and none starts after FIX_SEARCH_SECONDS.
    """
    wanted: dict[Model, None] = {}
    for row in report.rows:
        if row.result is not None and violated(row) and len(wanted) < MAX_FIX_SEARCHES:
            wanted.setdefault(replace(_fixed_model(row), name=""))
    setups = list(wanted)
    answers = map_setups(partial(find_fixes, timeout_ms=options.timeout_ms), setups, jobs, FIX_SEARCH_SECONDS)
    found: dict[Model, Found] = {setup: answer for setup, answer in zip(setups, answers, strict=True)
                                 if answer is not None}
    rows = []
    for row in report.rows:
        if row.result is None or not violated(row):
            rows.append(row)
            continue
        setup = replace(_fixed_model(row), name="")
        if setup not in found:
            rows.append(replace(row, advice=Advice((), f"no fix searched: the gate searches fixes for at most "
                                                       f"{MAX_FIX_SEARCHES} distinct setups and "
                                                       f"{FIX_SEARCH_SECONDS} s per run; run the reproduce "
                                                       "command with 'rollproof suggest'")))
            continue
        rows.append(replace(row, advice=advice_for(row.spec, _fixed_model(row), found[setup])))
    return replace(report, rows=tuple(rows))


def _fixed_model(row: GateRow) -> Model:
    """The model a fix is searched for: the service under its bad release when a finding there is violated
    (its fix, verified under the release, is what the policy asks for), else the service as written."""
    assert row.result is not None
    if row.bad_release is not None and any(f.message.startswith("during a bad release") for f in violated(row)):
        return row.bad_release
    return row.result.model


def unanalysed(report: GateReport) -> list[GateRow]:
    """Services that exist but were not checked (DAEMON, blue/green, ...): `--fail-on-unanalysed` fails on them."""
    return [row for row in report.rows if row.verdict is None]
