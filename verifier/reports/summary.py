"""The one-line summaries that open a report, and the assumptions its figures rest on.

Text puts the summary first, so that a reader (or `head -1`) gets the answer before the
details; Markdown uses the same sentence. Names come from input: the caller escapes the
line for its format (text through `terminal_lines`, Markdown through `markdown_text`).
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.check.ranges import RangeFinding, RangeResult
from verifier.check.verify import Result
from verifier.ci.gate import GateReport
from verifier.findings import Finding
from verifier.format import plural
from verifier.model.records import Model, Settings
from verifier.reports.rules import labelled
from verifier.results import Status, Verdict


def findings_summary(verdict: Verdict, findings: Sequence[Finding | RangeFinding]) -> str:
    """`VIOLATED: RP001 progress, RP002 availability (2 of 4 properties)`, or what holds or is unknown."""
    failed = [labelled(f.property_id) for f in findings if f.status is Status.VIOLATED]
    unknown = [labelled(f.property_id) for f in findings if f.status is Status.UNKNOWN]
    total = plural(len(findings), "property", "properties")
    if verdict is Verdict.PROVED:
        return f"PROVED: {'the one property holds' if len(findings) == 1 else f'all {total} hold'}"
    if failed:
        line = f"VIOLATED: {', '.join(failed)} ({len(failed)} of {total})"
        return line + (f"; unknown: {', '.join(unknown)}" if unknown else "")
    return f"INCONCLUSIVE: unknown: {', '.join(unknown)} ({len(unknown)} of {total})"


def result_summary(result: Result | RangeResult) -> str:
    """The first line of a model's report: the verdict, what failed, and which model at which counts."""
    if isinstance(result, RangeResult):
        counts = f"{result.low} and up" if result.open_ended else f"{result.low}..{result.high}"
    else:
        counts = str(result.bounds.desired)
    return f"{findings_summary(result.verdict, result.findings)} - {result.model.name}, desiredCount {counts}"


def gate_summary(report: GateReport) -> str:
    """`VIOLATED: 2 of 14 services fail, 1 inconclusive, 1 not analysed`: the gate's first line."""
    rows = report.rows
    if not rows:
        return "no ECS service found"
    failing = sum(row.verdict is Verdict.VIOLATED for row in rows)
    unknown = sum(row.verdict is Verdict.INCONCLUSIVE for row in rows)
    skipped = sum(row.verdict is None for row in rows)
    worst = "VIOLATED" if failing else "INCONCLUSIVE" if unknown else "PROVED"
    if failing:
        said = [f"{failing} of {plural(len(rows), 'service')} {'fails' if failing == 1 else 'fail'}"]
    else:
        checked = len(rows) - skipped
        said = [f"{checked} of {plural(len(rows), 'service')} checked, none fails" if skipped or unknown
                else ("the one service holds" if checked == 1 else f"all {plural(checked, 'service')} hold")]
    said += [f"{unknown} inconclusive"] if unknown else []
    said += [f"{skipped} not analysed"] if skipped else []
    if report.errors:
        said.append(f"{plural(len(report.errors), 'file')} could not be read")
    return f"{worst}: {', '.join(said)}"


def capacity_text(model: Model, settings: Settings) -> str:
    """The capacity as it is: the task slots the service may occupy in total (old tasks included)."""
    if model.placement is not None:
        return "the instances below"
    if model.capacity_headroom is not None:
        return f"desiredCount + {plural(model.capacity_headroom, 'task slot')} in total"
    return "unlimited" if settings.capacity is None else f"{plural(settings.capacity, 'task slot')} in total"


def timing_text(settings: Settings) -> str:
    """What every time in the report rests on: how long a task takes to become healthy and to drain."""
    counted = "; stopping tasks count toward maximumPercent" if settings.stopping_counts_toward_max else ""
    return (f"timing: a new task is healthy {plural(settings.health_check_seconds, 'second')} after it starts "
            f"(healthCheckSeconds), a stopping task is gone after {plural(settings.drain_seconds, 'second')} "
            f"(drainSeconds){counted}")
