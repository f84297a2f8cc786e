"""JUnit XML for CI test tabs: the gate's services and properties as test cases.

Names, paths and messages pass through `xml_text`: XML 1.0 forbids most control
characters even as character references, so they are shown escaped instead.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from verifier.ci.answers import cause
from verifier.ci.gate import GateReport, location_for
from verifier.reports.text import fix_lines, gate_verdict, service_assumptions
from verifier.results import Status
from verifier.untrusted import xml_text


def gate_junit(report: GateReport) -> str:
    """One test case per service and property; not analysed services are skipped."""
    suite = ET.Element("testsuite", name="rollproof gate")
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for error in report.errors:
        case = ET.SubElement(suite, "testcase", classname="rollproof", name="read files")
        ET.SubElement(case, "error", message=xml_text(error))
        counts["tests"] += 1
        counts["errors"] += 1
    for row in report.rows:
        classname = xml_text(f"{row.spec.file}:{row.spec.name}")
        if row.result is None:
            case = ET.SubElement(suite, "testcase", classname=classname, name="deployment")
            kind = "skipped" if row.verdict is None else "error"
            ET.SubElement(case, kind, message=xml_text(f"{gate_verdict(row)}: {row.spec.reason}"))
            counts["tests"] += 1
            counts["skipped" if kind == "skipped" else "errors"] += 1
            continue
        for finding in row.result.findings:
            case = ET.SubElement(suite, "testcase", classname=classname, name=xml_text(finding.property_id))
            counts["tests"] += 1
            if finding.status is Status.VIOLATED:
                line, column = location_for(row.spec, finding.property_id)
                failure = ET.SubElement(case, "failure", message=xml_text(finding.message))
                failure.text = xml_text("\n".join([f"{row.spec.file}:{line}:{column}: {finding.message}",
                                                   f"cause: {cause(row.result.model, finding)}"]
                                                  + service_assumptions(row) + fix_lines(row)))
                counts["failures"] += 1
            elif finding.status is Status.UNKNOWN:
                ET.SubElement(case, "error", message=xml_text(f"inconclusive: {finding.message}"))
                counts["errors"] += 1
            # What every answer rests on (the counts checked, the capacity assumed, a 0-task note), pass or fail.
            ET.SubElement(case, "system-out").text = xml_text("\n".join(service_assumptions(row) + list(row.notes)))
    for key, value in counts.items():
        suite.set(key, str(value))
    root = ET.Element("testsuites")
    root.append(suite)
    return ET.tostring(root, encoding="unicode", xml_declaration=True)
