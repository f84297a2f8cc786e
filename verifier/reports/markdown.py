"""Markdown: a model's summary for reports/, and the gate's table sized for a pull-request comment.

Every name, path, description and message goes through `markdown_text` or
`markdown_code`: text from a pull request must not close a table row, add a
heading or load an image in the comment that reports on it.
"""

from __future__ import annotations

from verifier.check.verify import Result
from verifier.ci.gate import GateReport, GateRow, unanalysed, violated
from verifier.format import duration, plural
from verifier.model.reproduce import reproduce_command
from verifier.reports.rules import labelled
from verifier.reports.summary import gate_summary
from verifier.reports.text import MARKS, finding_lines, fix_lines, gate_message, gate_verdict, service_assumptions
from verifier.results import Status
from verifier.schedules.step_plan import fewest_steps_text
from verifier.untrusted import html_in_markdown, markdown_code, markdown_text


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


ICONS = {"proved": "✅", "violated": "❌", "inconclusive": "⚠️", "not analysed": "➖"}  # status marks only


def gate_markdown(report: GateReport, exit_code: int | None = None) -> str:
    """A pull-request comment: the summary, a table of every service, then each service's details folded.

    `exit_code` is what the process exits with; by default the report's own (no --base comparison).
    The `<summary>` of a folded block is HTML, not Markdown (GitHub reads the line as an HTML block),
    so the names there are escaped for HTML; the block's body, after a blank line, is Markdown again.
    """
    lines = ["### rollproof", "", f"**{markdown_text(gate_summary(report))}**", "",
             "| service | verdict | failing properties |", "|---|---|---|"]
    for row in report.rows:
        where = markdown_text(f"{row.spec.file}:{row.spec.line or 1}")
        lines.append(f"| {markdown_code(row.spec.name, in_table=True)} ({where}) | "
                     f"{ICONS[gate_verdict(row)]} {gate_verdict(row)} | {markdown_text(_failing(row))} |")
    if not report.rows:
        lines.append("| (none) | | no ECS service found |")
    for row in report.rows:
        lines += _service_details(row)
    skipped = unanalysed(report)
    if skipped:
        lines += ["", f"{plural(len(skipped), 'service')} {'exists' if len(skipped) == 1 else 'exist'} but "
                      f"{'is' if len(skipped) == 1 else 'are'} not analysed (see the table); "
                      "`--fail-on-unanalysed` makes them fail the run."]
    for error in report.errors:
        lines.append(f"\n> ❌ {markdown_text(error)}")
    if report.skipped:
        lines.append(f"\n{plural(len(report.skipped), 'file')} skipped (they do not parse and hold no ECS service, "
                     "or hold template placeholders); `rollproof gate --verbose` lists them.")
    code = report.exit_code if exit_code is None else int(exit_code)
    lines += ["", f"Exit code {code}. Each finding's reproduce command shows its counterexample; "
                  "`rollproof suggest FILE --service NAME` searches fixes as above. "
                  "Rule codes (RP001...) are explained in docs/rules.md."]
    return "\n".join(lines)


def _failing(row: GateRow) -> str:
    """The table's last column: the properties that fail (or are unknown), each with its code."""
    if row.result is None:
        return "none checked" if row.verdict is None else "unknown: the service could not be read in full"
    bad = violated(row)
    if bad:
        return ", ".join(labelled(f.property_id) for f in bad)
    unknown = [labelled(f.property_id) for f in row.result.findings if f.status is Status.UNKNOWN]
    return f"unknown: {', '.join(unknown)}" if unknown else "none"


def _service_details(row: GateRow) -> list[str]:
    """One folded block: what was checked and assumed, each finding with its cause, the fixes, reproduce."""
    where = f"{row.spec.file}:{row.spec.line or 1}"
    lines = ["", f"<details><summary>{ICONS[gate_verdict(row)]} {html_in_markdown(row.spec.name)} "
                 f"({html_in_markdown(where)}): {gate_verdict(row)}</summary>", ""]
    if not violated(row) or row.waived or row.notes:  # else the findings below say it, with their places
        lines.append(f"* {markdown_text(gate_message(row))}")
    lines += [f"* {markdown_text(line)}" for line in service_assumptions(row)]
    for location, finding, why in finding_lines(row):
        lines += [f"* {markdown_text(location)}: {markdown_text(finding)}",
                  f"  * cause: {markdown_text(why)}"]
    lines += [f"* {markdown_text(line)}" for line in fix_lines(row)]
    if violated(row) and row.result is not None:
        lines.append(f"* reproduce: {markdown_code(reproduce_command(row.result.model))}")
    return lines + ["", "</details>"]
