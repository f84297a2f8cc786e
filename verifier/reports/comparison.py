"""`gate --base REF`: the comparison with the base revision, inside the report the gate writes.

The comparison is part of the answer (with --fail-on-less-safe it decides the exit code),
so it goes where the findings go, in their format: a section of the text, Markdown and HTML,
a `comparison` member of the JSON, a property bag of the SARIF run, a test suite of the
JUnit XML. Names and details come from the pull request and are escaped for each format.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from verifier.ci.diff import Change
from verifier.reports.json_output import diff_json
from verifier.reports.text import render_changes
from verifier.results import DiffVerdict
from verifier.untrusted import html_text, markdown_code, markdown_text, terminal, xml_text


def with_comparison(report: str, form: str, base: str, changes: list[Change], fail_on_less_safe: bool) -> str:
    """`report` (in `form`) with the comparison against `base` added to it."""
    if form == "text":
        return f"{report}\n\ncompared with {terminal(base)}:\n{render_changes(changes)}"
    if form == "markdown":
        return f"{report}\n\n{_markdown(base, changes)}"
    if form == "html":  # a section at the end of the page's body
        return report.replace("</body></html>", f"{_html(base, changes)}</body></html>", 1)
    if form == "json":
        document = json.loads(report)
        document["comparison"] = {"base": base, "services": diff_json(changes)["services"]}
        return json.dumps(document, indent=2)
    if form == "sarif":
        document = json.loads(report)
        run = document["runs"][0]
        run.setdefault("properties", {})["rollproof/comparison"] = {
            "base": base, "services": diff_json(changes)["services"]}
        return json.dumps(document, indent=2)
    return _junit(report, base, changes, fail_on_less_safe)


def _html(base: str, changes: list[Change]) -> str:
    rows = "".join(f'<tr><td class="text">{html_text(c.name)}</td><td class="text">{html_text(c.file)}</td>'
                   f'<td class="text">{html_text(c.verdict)}</td><td class="text">{html_text("; ".join(c.details))}'
                   "</td></tr>" for c in changes)
    return (f"<h2>Compared with {html_text(base)}</h2><table><thead><tr><th>service</th><th>file</th>"
            f"<th>change</th><th>details</th></tr></thead><tbody>{rows}</tbody></table>")


def _markdown(base: str, changes: list[Change]) -> str:
    lines = [f"#### Compared with {markdown_code(base)}", "", "| service | change | details |", "|---|---|---|"]
    for change in changes:
        where = f" ({markdown_text(change.file)})" if change.file else ""
        details = "; ".join(change.details)
        lines.append(f"| {markdown_code(change.name, in_table=True)}{where} | "
                     f"{change.verdict} | {markdown_text(details)} |")
    if not changes:
        lines.append("| (none) | | no ECS service on either side |")
    return "\n".join(lines)


def _junit(report: str, base: str, changes: list[Change], fail_on_less_safe: bool) -> str:
    """A second test suite, one case per service; less safe fails it when --fail-on-less-safe decides."""
    root = ET.fromstring(report)
    suite = ET.SubElement(root, "testsuite", name=xml_text(f"rollproof compared with {base}"))
    counts: dict[str, Any] = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for change in changes:
        case = ET.SubElement(suite, "testcase", classname=xml_text(f"{change.file}:{change.name}"),
                             name="compared with base")
        counts["tests"] += 1
        said = f"{change.verdict}" + "".join(f"; {detail}" for detail in change.details)
        if change.verdict is DiffVerdict.LESS_SAFE and fail_on_less_safe:
            ET.SubElement(case, "failure", message=xml_text(said))
            counts["failures"] += 1
        else:
            ET.SubElement(case, "system-out").text = xml_text(said)
    for key, value in counts.items():
        suite.set(key, str(value))
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
