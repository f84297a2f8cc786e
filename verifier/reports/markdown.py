"""Markdown: a model's summary for reports/, and the gate's table sized for a pull-request comment.

Every name, path, description and message goes through `markdown_text` or
`markdown_code`: text from a pull request must not close a table row, add a
heading or load an image in the comment that reports on it.
"""

from __future__ import annotations

from verifier.check.verify import Result
from verifier.ci.gate import GateReport
from verifier.format import duration
from verifier.model.reproduce import reproduce_command
from verifier.reports.text import MARKS, gate_message, gate_verdict
from verifier.schedules.step_plan import fewest_steps_text
from verifier.untrusted import markdown_code, markdown_text


def render_markdown(result: Result) -> str:
    model = result.model
    lines = [f"# {markdown_text(model.name)}: {result.verdict.value}", ""]
    if model.description:
        lines += [markdown_text(model.description), ""]
    lines += ["| property | status | finding |", "|---|---|---|"]
    for f in result.findings:
        lines.append(f"| {f.property_id} | {MARKS[f.status]} {f.status.value} | {markdown_text(f.message)} |")
    ecs = result.ecs
    run = ("finishes in " + duration(ecs.makespan_seconds) if ecs.completes
           else "unknown (its simulation stopped at its budget)" if ecs.exhausted else "never finishes")
    lines += ["", f"ECS: {run}; fewest steps: {fewest_steps_text(result.step_plan)}.", "",
              f"Reproduce: {markdown_code(reproduce_command(model))}", ""]
    return "\n".join(lines)


def gate_markdown(report: GateReport, exit_code: int | None = None) -> str:
    """A summary sized for a pull-request comment.

    `exit_code` is what the process exits with; by default the report's own (no --base comparison).
    """
    icon = {"proved": "✅", "violated": "❌", "inconclusive": "⚠️", "not analysed": "➖"}
    lines = ["### rollproof", "", "| service | verdict | details |", "|---|---|---|"]
    for row in report.rows:
        where = markdown_text(f"{row.spec.file}:{row.spec.line or 1}")
        lines.append(f"| {markdown_code(row.spec.name, in_table=True)} ({where}) | "
                     f"{icon[gate_verdict(row)]} {gate_verdict(row)} | {markdown_text(gate_message(row))} |")
    if not report.rows:
        lines.append("| (none) | | no ECS service found |")
    for error in report.errors:
        lines.append(f"\n> ❌ {markdown_text(error)}")
    if report.skipped:
        lines.append(f"\n{len(report.skipped):,} file(s) skipped (they do not parse and hold no ECS service, or "
                     "hold template placeholders); `rollproof gate --verbose` lists them.")
    code = report.exit_code if exit_code is None else int(exit_code)
    lines += ["", f"Exit code {code}. Reproduce a finding with `rollproof gate FILE --service NAME`, "
                  "fix it with `rollproof suggest`."]
    return "\n".join(lines)
