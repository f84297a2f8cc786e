"""Markdown: a model's or a desired range's result for reports/, and the gate's comment for a pull request.

Every name, path, description and message goes through `markdown_text` or
`markdown_code`: text from a pull request must not close a table row, add a
heading or load an image in the comment that reports on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.check.ranges import RangeFinding, RangeResult
from verifier.check.verify import Result
from verifier.ci.gate import GateReport, GateRow, unanalysed, violated
from verifier.findings import Finding
from verifier.format import duration, plural
from verifier.model.reproduce import reproduce_command
from verifier.reports.rules import labelled
from verifier.reports.summary import capacity_text, gate_summary, result_summary, timing_text
from verifier.reports.text import finding_lines, fix_lines, gate_message, gate_verdict, service_assumptions, trace_table
from verifier.results import Status
from verifier.schedules.step_plan import fewest_steps_text
from verifier.untrusted import html_in_markdown, markdown_block, markdown_code, markdown_text, terminal

STATUS_ICONS = {Status.HOLDS: "✅", Status.VIOLATED: "❌", Status.UNKNOWN: "⚠️"}  # status marks only
MAX_EXAMPLES = 3  # failing intervals shown per property of a range (JSON has them all)


def render_markdown(result: Result) -> str:
    """A model's result: the summary, a table of the properties, each counterexample folded."""
    model = result.model
    lines = _heading(result)
    lines += _property_table(result.findings)
    ecs = result.ecs
    run = ("finishes in " + duration(ecs.makespan_seconds) if ecs.completes
           else "unknown (its simulation stopped at its budget)" if ecs.exhausted else "never finishes")
    if ecs.scale_outs:   # managed scaling (docs/semantics.md#placement)
        run += f", adding {plural(len(ecs.scale_outs), 'instance')} by managed scaling"
    lines += ["", f"ECS: {run}; fewest steps: {fewest_steps_text(result.step_plan)}."]
    for finding in result.findings:
        if finding.counterexample is not None and finding.status is Status.VIOLATED:
            steps = plural(len(finding.counterexample.actions), "step")
            lines += _folded(f"{labelled(finding.property_id)}: counterexample ({steps})",
                             trace_table(finding.counterexample, indent=""))
    lines += ["", f"Reproduce: {markdown_code(reproduce_command(model))}", ""]
    return "\n".join(lines)


def render_range_markdown(result: RangeResult) -> str:
    """A desired range's result: the summary, a table of the properties, failing intervals folded."""
    lines = _heading(result)
    lines += _property_table(result.findings)
    for finding in result.findings:
        for interval in finding.failing[:MAX_EXAMPLES]:
            counts = f"{interval.low}..{interval.high}" if interval.high != interval.low else str(interval.low)
            lines += _folded(f"{labelled(finding.property_id)}: fails at desiredCount {counts} "
                             f"(counterexample at {interval.example})",
                             list(interval.why) + trace_table(interval.counterexample, indent=""))
        if len(finding.failing) > MAX_EXAMPLES:
            lines += ["", f"{plural(len(finding.failing) - MAX_EXAMPLES, 'more interval')} of "
                          f"{labelled(finding.property_id)} fail (`--format json` lists them all)."]
    lines += ["", f"Reproduce: {markdown_code(reproduce_command(result.model))}", ""]
    return "\n".join(lines)


def _heading(result: Result | RangeResult) -> list[str]:
    model = result.model
    lines = [f"# {markdown_text(model.name)}: {result.verdict.value}", "",
             f"**{markdown_text(result_summary(result))}**", ""]
    if model.description:
        lines += [markdown_text(model.description), ""]
    return lines + [f"Capacity {markdown_text(capacity_text(model, model.settings))}; "
                    f"{markdown_text(timing_text(model.settings))}.", ""]


def _property_table(findings: Sequence[Finding | RangeFinding]) -> list[str]:
    lines = ["| property | status | finding |", "|---|---|---|"]
    for f in findings:
        lines.append(f"| {labelled(f.property_id)} | {STATUS_ICONS[f.status]} {f.status.value} | "
                     f"{markdown_text(f.message)} |")
    return lines


def _folded(summary: str, body: list[str]) -> list[str]:
    """A collapsed block: `summary` (escaped for HTML inside Markdown) and `body` as a code block."""
    return ["", f"<details><summary>{html_in_markdown(summary)}</summary>", "",
            markdown_block("\n".join(terminal(line) for line in body)), "", "</details>"]


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
