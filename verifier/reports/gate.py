"""Gate output: a summary table for a terminal, JSON for programs, SARIF 2.1.0 for code scanning."""

from __future__ import annotations

from verifier import __version__
from verifier.results import Status, Verdict
from verifier.ci.gate import GateReport, GateRow, location_for, violated
from verifier.properties import PROPERTIES

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def _verdict(row: GateRow) -> str:
    if row.verdict is None:
        return "not analysed"
    return row.verdict.value


def _message(row: GateRow) -> str:
    if row.result is None:
        return row.spec.reason
    extra = [f"{pid} waived until {w.expires.isoformat()}: {w.reason}" for pid, w in row.waived] + list(row.notes)
    if extra:
        return "; ".join(extra + [_findings_message(row)])
    return _findings_message(row)


def _findings_message(row: GateRow) -> str:
    bad = violated(row)
    if bad:
        return "; ".join(f"{f.property_id}: {f.message}" for f in bad)
    unknown = [f for f in row.result.findings if f.status is Status.UNKNOWN]
    holds = "every other property holds" if row.waived else "every property holds"
    return "; ".join(f"{f.property_id}: {f.message}" for f in unknown) or holds


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
            "waived": [{"id": pid, "reason": w.reason, "expires": w.expires.isoformat()} for pid, w in row.waived],
            "notes": list(row.notes),
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
        "help": {"text": f"{prop.DESCRIPTION}. Run `rollproof gate FILE --service NAME` for the counterexample, "
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
            "tool": {"driver": {"name": "rollproof", "version": __version__, "rules": rules}},
            "results": results,
        }],
    }


def gate_junit(report: GateReport) -> str:
    """JUnit XML: one test case per service and property; not analysed services are skipped."""
    import xml.etree.ElementTree as ET

    suite = ET.Element("testsuite", name="rollproof gate")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for error in report.errors:
        case = ET.SubElement(suite, "testcase", classname="rollproof", name="read files")
        ET.SubElement(case, "error", message=error)
        counts["tests"] += 1
        counts["errors"] += 1
    for row in report.rows:
        classname = f"{row.spec.file}:{row.spec.name}"
        if row.result is None:
            case = ET.SubElement(suite, "testcase", classname=classname, name="deployment")
            kind = "skipped" if row.verdict is None else "error"
            ET.SubElement(case, kind, message=f"{_verdict(row)}: {row.spec.reason}")
            counts["tests"] += 1
            counts["skipped" if kind == "skipped" else "errors"] += 1
            continue
        for finding in row.result.findings:
            case = ET.SubElement(suite, "testcase", classname=classname, name=finding.property_id)
            counts["tests"] += 1
            if finding.status is Status.VIOLATED:
                line, column = location_for(row.spec, finding.property_id)
                failure = ET.SubElement(case, "failure", message=finding.message)
                failure.text = f"{row.spec.file}:{line}:{column}: {finding.message}"
                counts["failures"] += 1
            elif finding.status is Status.UNKNOWN:
                ET.SubElement(case, "error", message=f"inconclusive: {finding.message}")
                counts["errors"] += 1
    for key, value in counts.items():
        suite.set(key, str(value))
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def gate_markdown(report: GateReport) -> str:
    """A summary sized for a pull-request comment."""
    icon = {"proved": "✅", "violated": "❌", "inconclusive": "⚠️", "not analysed": "➖"}
    lines = ["### rollproof", "", "| service | verdict | details |", "|---|---|---|"]
    for row in report.rows:
        details = _message(row).replace("|", "\\|")
        lines.append(f"| `{row.spec.name}` ({row.spec.file}:{row.spec.line or 1}) | "
                     f"{icon[_verdict(row)]} {_verdict(row)} | {details} |")
    if not report.rows:
        lines.append("| (none) | | no ECS service found |")
    for error in report.errors:
        lines.append(f"\n> ❌ {error}")
    lines += ["", f"Exit code {report.exit_code}. Reproduce a finding with `rollproof gate FILE --service NAME`, "
                  "fix it with `rollproof suggest`."]
    return "\n".join(lines)
