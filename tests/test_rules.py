"""Rule codes and their help: stable codes, a section of docs/rules.md per rule, SARIF help, Markdown comments."""

import json
import re

import pytest
from conftest import INFRA, MODELS, ROOT, run_in_process

from verifier.reports.rules import RULES, rule_anchor, rule_code, rule_uri
from verifier.results import PROPERTY_IDS

RULES_DOC = (ROOT / "docs" / "rules.md").read_text()

# Written out by hand, not read from the table: a code, once published, must keep its meaning.
PUBLISHED = {"progress": "RP001", "availability": "RP002", "surge": "RP003", "capacity": "RP004",
             "deadline": "RP005", "steps": "RP006", "plan": "RP007", "rollback": "RP008",
             "not-analysed": "RP900", "zero-tasks": "RP901"}


def test_published_codes_keep_their_meaning():
    for rule_id, code in PUBLISHED.items():
        assert rule_code(rule_id) == code


def test_every_property_has_its_own_code():
    assert set(PROPERTY_IDS) <= set(RULES), "a new property needs a line in verifier/reports/rules.py"
    codes = [rule.code for rule in RULES.values()]
    assert len(codes) == len(set(codes)) and all(re.fullmatch(r"RP\d{3}", code) for code in codes)


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_each_rule_has_a_section_with_its_anchor(rule_id):
    anchor = rule_anchor(rule_id)
    assert f'<a id="{anchor}"></a>' in RULES_DOC
    # The heading GitHub turns into the same anchor, and the three questions each section answers.
    section = RULES_DOC.split(f"## {rule_code(rule_id)} {rule_id}\n", 1)[1].split("\n## ", 1)[0]
    assert "**What it means.**" in section and "**How to fix it.**" in section
    if rule_id in PROPERTY_IDS:
        assert "**Why it fails.**" in section


def test_sarif_rules_carry_help_and_a_help_uri_into_docs_rules():
    run = run_in_process("gate", INFRA, "--jobs", "1", "--format", "sarif", seconds=120)
    rules = json.loads(run.out)["runs"][0]["tool"]["driver"]["rules"]
    assert {rule["id"] for rule in rules} == set(PUBLISHED)
    for rule in rules:
        path, _, anchor = rule["helpUri"].partition("#")
        assert path == "docs/rules.md" and (ROOT / path).is_file()
        assert f'<a id="{anchor}"></a>' in RULES_DOC
        assert rule["help"]["text"] and rule["help"]["markdown"]
        assert PUBLISHED[rule["id"]] in rule["help"]["text"] and rule["helpUri"] in rule["help"]["markdown"]
        assert rule["properties"]["code"] == PUBLISHED[rule["id"]]
        assert rule_uri(rule["id"]) == rule["helpUri"]


def test_text_and_markdown_show_the_code_beside_the_property():
    text = run_in_process("verify", MODELS / "both100.yaml").out
    assert "✗ RP001 progress" in text and "✓ RP002 availability" in text
    gate = run_in_process("gate", INFRA, "--jobs", "1", "--format", "markdown", seconds=120).out
    assert "| ❌ violated | RP001 progress |" in gate


# -- the gate's Markdown comment ------------------------------------------------------------------

HOSTILE = "<script>alert(1)</script>|`tick`|*x*"


def _gate_markdown(tmp_path, name: str) -> str:
    # 100/100 leaves no move at desiredCount 6 (docs/semantics.md#bounds): the service is violated.
    (tmp_path / "svc.json").write_text(json.dumps({
        "serviceName": name, "desiredCount": 6,
        "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 100}}))
    (tmp_path / "ok.json").write_text(json.dumps({"serviceName": "fine", "desiredCount": 4}))
    run = run_in_process("gate", tmp_path, "--jobs", "1", "--format", "markdown")
    assert run.code == 1, run
    return run.out


def test_markdown_comment_is_a_summary_table_then_folded_details(tmp_path):
    text = _gate_markdown(tmp_path, "web")
    lines = text.splitlines()
    table = [line for line in lines if line.startswith("|")]
    header = [cell.strip() for cell in table[0].strip("|").split("|")]
    assert header == ["service", "verdict", "failing properties"] and set(table[1]) <= set("|-")
    assert len(table) == 4  # header, rule, two services
    # The table comes first, right under the summary line; every detail is after it, folded.
    assert lines.index(table[0]) < next(i for i, line in enumerate(lines) if line.startswith("<details>"))
    assert lines[2] == "**VIOLATED: 1 of 2 services fails**"
    assert text.count("<details><summary>") == text.count("</details>") == 2
    row = next(line for line in table if "web" in line)
    assert "❌ violated" in row and "RP001 progress" in row
    # A folded block's body must be apart from its summary line by a blank line, or GitHub shows raw Markdown.
    for index, line in enumerate(lines):
        if line.startswith("<details>"):
            assert line.endswith("</summary>") and lines[index + 1] == ""


def test_markdown_comment_escapes_a_hostile_name(tmp_path):
    text = _gate_markdown(tmp_path, HOSTILE)
    # Only inside a code span (shown as it is) may the name keep its characters.
    outside_code = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", text)
    assert "<script" not in outside_code and "</script" not in outside_code
    table = [line for line in text.splitlines() if line.startswith("|")]
    cells = {len(re.split(r"(?<!\\)\|", line)) for line in table}
    assert len(cells) == 1, table  # the name's pipes do not add cells
    summary = next(line for line in text.splitlines() if line.startswith("<details>") and "violated" in line)
    # Inside HTML the name is character references only: no tag, no code span, no emphasis.
    shown = summary.removeprefix("<details><summary>").removesuffix("</summary>")
    assert not set("<>`|*") & set(shown), shown
    assert "&#60;script&#62;" in shown and "&#96;tick&#96;" in shown and "&#124;" in shown
