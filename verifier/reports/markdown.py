"""Markdown: a model's summary for reports/, and the gate's table sized for a pull-request comment."""

from __future__ import annotations

from verifier.check.verify import Result
from verifier.ci.gate import GateReport
from verifier.format import duration
from verifier.model.reproduce import reproduce_command
from verifier.reports.text import MARKS, gate_message, gate_verdict


def render_markdown(result: Result) -> str:
    model = result.model
    lines = [f"# {model.name}: {result.verdict.value}", ""]
    if model.description:
        lines += [model.description, ""]
    lines += ["| property | status | finding |", "|---|---|---|"]
    for f in result.findings:
        lines.append(f"| {f.property_id} | {MARKS[f.status]} {f.status.value} | {f.message.replace('|', '/')} |")
    ecs = result.ecs
    lines += ["", f"ECS: {'finishes in ' + duration(ecs.makespan_seconds) if ecs.completes else 'never finishes'}"
                  f"; fewest steps: {result.step_plan.min_steps}.", "",
              f"Reproduce: `{reproduce_command(model)}`", ""]
    return "\n".join(lines)


def gate_markdown(report: GateReport, exit_code: int | None = None) -> str:
    """A summary sized for a pull-request comment.

    `exit_code` is what the process exits with; by default the report's own (no --base comparison).
    """
    icon = {"proved": "✅", "violated": "❌", "inconclusive": "⚠️", "not analysed": "➖"}
    lines = ["### rollproof", "", "| service | verdict | details |", "|---|---|---|"]
    for row in report.rows:
        details = gate_message(row).replace("|", "\\|")
        lines.append(f"| `{row.spec.name}` ({row.spec.file}:{row.spec.line or 1}) | "
                     f"{icon[gate_verdict(row)]} {gate_verdict(row)} | {details} |")
    if not report.rows:
        lines.append("| (none) | | no ECS service found |")
    for error in report.errors:
        lines.append(f"\n> ❌ {error}")
    code = report.exit_code if exit_code is None else int(exit_code)
    lines += ["", f"Exit code {code}. Reproduce a finding with `rollproof gate FILE --service NAME`, "
                  "fix it with `rollproof suggest`."]
    return "\n".join(lines)
