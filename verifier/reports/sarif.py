"""SARIF 2.1.0 for code scanning: one result per violated property, at the setting to change.

GitHub renders a result's message as Markdown, so names and messages pass through
`markdown_text`; a file's path is a URI reference, so it is percent-encoded.
"""

from __future__ import annotations

from typing import Any

from verifier import __version__
from verifier.ci.gate import GateReport, location_for, violated
from verifier.properties import PROPERTIES
from verifier.reports.text import gate_message
from verifier.results import Verdict
from verifier.untrusted import markdown_text, uri

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def gate_sarif(report: GateReport) -> dict[str, Any]:
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
                "message": {"text": markdown_text(f"{row.spec.name}: {finding.message}")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri(row.spec.file)},
                    "region": {"startLine": line, "startColumn": column},
                }}],
            })
        if row.verdict is Verdict.INCONCLUSIVE:
            line = row.spec.line or 1
            results.append({
                "ruleId": "progress", "ruleIndex": index["progress"], "level": "warning",
                "message": {"text": markdown_text(f"{row.spec.name}: inconclusive: {gate_message(row)}")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(row.spec.file)},
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
