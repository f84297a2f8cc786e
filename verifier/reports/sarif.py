"""SARIF 2.1.0 for code scanning: one result per violated property, at the setting to change.

GitHub renders a result's message as Markdown, so names and messages pass through
`markdown_text`; a file's path is a URI reference, so it is percent-encoded.
"""

from __future__ import annotations

from typing import Any

from verifier import __version__
from verifier.ci.answers import zero_tasks_note
from verifier.ci.gate import GateReport, GateRow, location_for, violated
from verifier.properties import PROPERTIES
from verifier.reports.rules import RULES, rule_code, rule_uri
from verifier.reports.text import finding_lines, fix_lines, gate_message, gate_verdict, service_assumptions
from verifier.results import Verdict
from verifier.untrusted import markdown_text, uri

ZERO_TASKS = "zero-tasks"      # the rule of services proved only because they have no task (level note)
NOT_ANALYSED = "not-analysed"  # the rule of services that exist but are outside the model (level note)
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def gate_sarif(report: GateReport) -> dict[str, Any]:
    rules = [_rule(prop.ID, prop.ID.capitalize(), prop.DESCRIPTION, prop.DESCRIPTION, "error",
                   "Run `rollproof verify FILE --service NAME` for the counterexample, and `rollproof suggest "
                   f"FILE --service NAME` for the smallest settings change. ECS's documentation: {prop.SOURCE}")
             for prop in PROPERTIES]
    rules.append(_rule(NOT_ANALYSED, "NotAnalysed", "an ECS service rollproof does not analyse",
                       "A service exists but is outside the rolling-update model (DAEMON, blue/green, an external "
                       "controller); rollproof gate --fail-on-unanalysed fails on it.", "note",
                       "The result's message says why the service was not analysed."))
    rules.append(_rule(ZERO_TASKS, "ZeroTasks", "a service proved only because it has no task",
                       "At desiredCount 0 there is nothing to deploy, so every property holds and the answer says "
                       "nothing about the counts the service will run at.", "note", ""))
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for row in report.rows:
        fixes = _fixes(row)
        context = ". ".join(service_assumptions(row) + fix_lines(row))
        for finding, (_, _, why) in zip(violated(row), finding_lines(row), strict=True):
            line, column = location_for(row.spec, finding.property_id)
            result: dict[str, Any] = {
                "ruleId": finding.property_id,
                "ruleIndex": index[finding.property_id],
                "level": "error",
                "message": {"text": markdown_text(f"{row.spec.name}: {finding.message}. Cause: {why}. {context}")},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri(row.spec.file)},
                    "region": {"startLine": line, "startColumn": column},
                }}],
            }
            if fixes:
                result["fixes"] = fixes
            results.append(result)
        if row.result is not None and row.verdict is Verdict.PROVED and zero_tasks_note(row.result.model):
            results.append({
                "ruleId": ZERO_TASKS, "ruleIndex": index[ZERO_TASKS], "level": "note",
                "message": {"text": markdown_text(f"{row.spec.name}: {zero_tasks_note(row.result.model)}")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(row.spec.file)},
                                                    "region": {"startLine": location_for(row.spec, "capacity")[0]}}}],
            })
        if row.verdict is None:
            results.append({
                "ruleId": NOT_ANALYSED, "ruleIndex": index[NOT_ANALYSED], "level": "note",
                "message": {"text": markdown_text(f"{row.spec.name}: not analysed: {row.spec.reason}")},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(row.spec.file)},
                                                    "region": {"startLine": row.spec.line or 1}}}],
            })
        if row.verdict is Verdict.INCONCLUSIVE:
            line = row.spec.line or 1
            results.append({
                "ruleId": "progress", "ruleIndex": index["progress"], "level": "warning",
                "message": {"text": markdown_text(f"{row.spec.name}: inconclusive: {gate_message(row)}"
                                                  + "".join(f". {line}" for line in service_assumptions(row)))},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(row.spec.file)},
                                                    "region": {"startLine": line}}}],
            })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "rollproof", "version": __version__, "rules": rules}},
            "results": results,
            # What each service's answer rests on, passing ones included (a result per passing service
            # would be noise in code scanning): a property bag, which SARIF lets any object carry.
            "properties": {"services": [{
                "name": markdown_text(row.spec.name), "file": uri(row.spec.file), "verdict": gate_verdict(row),
                "assumptions": [markdown_text(line) for line in service_assumptions(row) + list(row.notes)],
            } for row in report.rows]},
        }],
    }


def _rule(rule_id: str, name: str, short: str, full: str, level: str, more: str) -> dict[str, Any]:
    """A SARIF rule: its code, its section of docs/rules.md (helpUri) and the same advice as help text."""
    code, where = rule_code(rule_id), rule_uri(rule_id)
    fix = f"How to fix it: {RULES[rule_id].fix}." if rule_id in RULES else ""
    said = full.rstrip(".") + "."
    text = " ".join(part for part in (f"{code} {rule_id}: {said}", fix, more, f"See {where}.") if part)
    markdown = "\n\n".join(part for part in (f"**{code} {rule_id}**: {said}", fix, more,
                                              f"[{code} in docs/rules.md]({where})") if part)
    return {"id": rule_id, "name": name, "shortDescription": {"text": short}, "fullDescription": {"text": full},
            "helpUri": where, "help": {"text": text, "markdown": markdown},
            "defaultConfiguration": {"level": level}, "properties": {"code": code}}


def _fixes(row: GateRow) -> list[dict[str, Any]]:
    """Each verified fix whose edits are all replacements at known columns, as SARIF `fix` objects.

    A fix that adds a setting (or changes the policy) has no region to replace; its
    words are in the result's message instead.
    """
    fixes = []
    for remedy in row.advice.remedies if row.advice else ():
        if not remedy.edits or any(edit.replacement is None for edit in remedy.edits):
            continue
        changes = []
        for edit in remedy.edits:
            assert edit.replacement is not None
            first, after, text = edit.replacement
            changes.append({"artifactLocation": {"uri": uri(edit.file)}, "replacements": [{
                "deletedRegion": {"startLine": edit.line, "startColumn": first, "endLine": edit.line,
                                  "endColumn": after},
                "insertedContent": {"text": text}}]})
        words = "; ".join(edit.text for edit in remedy.edits)
        verified = f"verified for {remedy.holds_for}" + (f"; it {remedy.leaves}" if remedy.leaves else "")
        fixes.append({"description": {"text": markdown_text(f"{words} ({verified})")}, "artifactChanges": changes})
    return fixes
