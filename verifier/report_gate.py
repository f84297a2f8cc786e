"""Gate output: a summary table for a terminal, JSON for programs, SARIF 2.1.0 for code scanning."""

from __future__ import annotations

from . import __version__
from .findings import Status, Verdict
from .gate import GateReport, GateRow, location_for, violated
from .properties import PROPERTIES

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/rollproof/rollproof"


def _verdict(row: GateRow) -> str:
    if row.verdict is None:
        return "not analysed"
    return row.verdict.value


def _message(row: GateRow) -> str:
    if row.result is None:
        return row.spec.reason
    bad = violated(row)
    if bad:
        return "; ".join(f"{f.property_id}: {f.message}" for f in bad)
    unknown = [f for f in row.result.findings if f.status is Status.UNKNOWN]
    return "; ".join(f"{f.property_id}: {f.message}" for f in unknown) or "every property holds"


def render_gate(report: GateReport) -> str:
    lines = list(report.errors)
    if report.rows:
        name_width = max(len(f"{r.spec.file}:{r.spec.line or 1} {r.spec.name}") for r in report.rows)
        lines.append(f"{'service':<{name_width}}  {'verdict':<12}  details")
        for row in report.rows:
            where = f"{row.spec.file}:{row.spec.line or 1} {row.spec.name}"
            lines.append(f"{where:<{name_width}}  {_verdict(row):<12}  {_message(row)}")
            for finding in violated(row):
                line, column = location_for(row.spec, finding.property_id)
                lines.append(f"  {row.spec.file}:{line}:{column}: {finding.property_id}: {finding.message}")
    else:
        lines.append("no ECS service found")
    if report.unrecognised:
        lines.append(f"{len(report.unrecognised)} file(s) hold no ECS service: {', '.join(report.unrecognised)}")
    counts = {}
    for row in report.rows:
        counts[_verdict(row)] = counts.get(_verdict(row), 0) + 1
    lines.append(", ".join(f"{n} {v}" for v, n in sorted(counts.items())) or "nothing checked")
    return "\n".join(lines)


def gate_json(report: GateReport) -> dict:
    return {
        "schema": "rollproof/gate/v1",
        "services": [{
            "file": row.spec.file, "line": row.spec.line, "name": row.spec.name, "kind": row.spec.kind,
            "verdict": _verdict(row), "reason": row.spec.reason or None,
            "desired": row.spec.desired.value, "desired_range": list(row.spec.desired_range or []) or None,
            "min_healthy_percent": row.spec.min_healthy_percent.value, "max_percent": row.spec.max_percent.value,
            "findings": [{"id": f.property_id, "status": f.status.value, "message": f.message,
                          "line": location_for(row.spec, f.property_id)[0]}
                         for f in (row.result.findings if row.result else ())],
        } for row in report.rows],
        "unrecognised_files": list(report.unrecognised),
        "errors": list(report.errors),
        "exit_code": report.exit_code,
    }


def gate_sarif(report: GateReport) -> dict:
    rules = [{
        "id": prop.ID,
        "name": prop.ID.capitalize(),
        "shortDescription": {"text": prop.DESCRIPTION},
        "fullDescription": {"text": prop.DESCRIPTION},
        "helpUri": prop.SOURCE,
        "help": {"text": f"{prop.DESCRIPTION}. Run `rollproof verify` on the service for the counterexample, "
                         f"and `rollproof suggest` for the smallest settings change. See {prop.SOURCE}."},
        "defaultConfiguration": {"level": "error"},
    } for prop in PROPERTIES]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for row in report.rows:
        for finding in violated(row):
            line, column = location_for(row.spec, finding.property_id)
            results.append({
                "ruleId": finding.property_id,
                "ruleIndex": index[finding.property_id],
                "level": "error",
                "message": {"text": f"{row.spec.name}: {finding.message}"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": row.spec.file},
                    "region": {"startLine": line, "startColumn": column},
                }}],
            })
        if row.verdict is Verdict.INCONCLUSIVE:
            line = row.spec.line or 1
            results.append({
                "ruleId": "progress", "ruleIndex": index["progress"], "level": "warning",
                "message": {"text": f"{row.spec.name}: inconclusive: {_message(row)}"},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": row.spec.file},
                                                    "region": {"startLine": line}}}],
            })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "rollproof", "version": __version__, "informationUri": INFORMATION_URI,
                                "rules": rules}},
            "results": results,
        }],
    }
