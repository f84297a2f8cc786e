"""Markdown: a model's summary for reports/, and the gate's table sized for a pull-request comment.

Every name, path, description and message goes through `markdown_text` or
`markdown_code`: text from a pull request must not close a table row, add a
heading or load an image in the comment that reports on it.
"""

from __future__ import annotations

from verifier.check.verify import Result
from verifier.ci.gate import GateReport, unanalysed
from verifier.format import duration
from verifier.model.reproduce import reproduce_command
from verifier.reports.text import MARKS, finding_lines, fix_lines, gate_message, gate_verdict, service_assumptions
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
        details = "; ".join([gate_message(row)] + service_assumptions(row))
        lines.append(f"| {markdown_code(row.spec.name, in_table=True)} ({where}) | "
                     f"{icon[gate_verdict(row)]} {gate_verdict(row)} | {markdown_text(details)} |")
    if not report.rows:
        lines.append("| (none) | | no ECS service found |")
    for row in report.rows:
        found = finding_lines(row)
        if not found:
            continue
        lines += ["", f"**{markdown_text(row.spec.name)}**", ""]
        for location, finding, why in found:
            lines += [f"* {markdown_text(location)}: {markdown_text(finding)}",
                      f"  * cause: {markdown_text(why)}"]
        lines += [f"* {markdown_text(line)}" for line in fix_lines(row)]
        if row.result is not None:
            lines.append(f"* reproduce: {markdown_code(reproduce_command(row.result.model))}")
    skipped = unanalysed(report)
    if skipped:
        lines += ["", f"{len(skipped)} service(s) exist but are not analysed (see the table); "
                      "`--fail-on-unanalysed` makes them fail the run."]
    for error in report.errors:
        lines.append(f"\n> ❌ {markdown_text(error)}")
    if report.skipped:
        lines.append(f"\n{len(report.skipped):,} file(s) skipped (they do not parse and hold no ECS service, or "
                     "hold template placeholders); `rollproof gate --verbose` lists them.")
    code = report.exit_code if exit_code is None else int(exit_code)
    lines += ["", f"Exit code {code}. Each finding's reproduce command shows its counterexample; "
                  "`rollproof suggest FILE --service NAME` searches fixes as above."]
    return "\n".join(lines)
