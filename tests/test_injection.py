"""Hostile text in input files: it must be shown, never obeyed, in every output format.

rollproof reads files a pull request can change. A service name, a file name, a
description or a waiver reason can hold a terminal escape, a newline followed by a
GitHub Actions workflow command (`::error file=...::`), Markdown that closes a table
or loads an image, or characters XML forbids. The checks below are written from what
each consumer does with its input (a terminal, the Actions runner, GitHub's Markdown,
an XML 1.0 parser, the SARIF schema), not from rollproof's own output.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import junitparser
import pytest
import yaml
from conftest import ROOT, run_cli, sarif_schema
from hypothesis import given, settings
from hypothesis import strategies as st

# What a terminal obeys: C0 controls but tab and newline, DEL, C1 controls
# (U+009B is CSI), and the bidi overrides and isolates that make text read otherwise.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]")
FORGED = "::error file=README.md,line=1::forged"
HOSTILE_NAME = f"web\n{FORGED}\x1b[2J"
MARKDOWN_ATTACK = "x` |\n### Approved by security team\n![x](https://evil/x.png) <img src=x>|"


def ecs_service(name: str, stuck: bool = True) -> str:
    """An ECS create-service document; `stuck` settings (100/100 on a full cluster) violate progress."""
    config = {"minimumHealthyPercent": 100, "maximumPercent": 100} if stuck else {}
    return json.dumps({"serviceName": name, "desiredCount": 6, "deploymentConfiguration": config})


def assert_terminal_safe(text: str) -> None:
    """Nothing a terminal or the Actions runner would obey."""
    assert not RAW_CONTROL.search(text), f"raw control character in {text!r}"
    for line in text.splitlines():
        # The runner reads `::command` after leading spaces, and the older `##[command]` anywhere.
        assert not line.lstrip().startswith("::"), f"workflow command line: {line!r}"
        assert "##[" not in line, f"old-style workflow command: {line!r}"


def outside_code(text: str) -> str:
    """Markdown text with its code spans and backslash escapes removed (CommonMark's rules).

    A backslash escapes the next character outside code; a run of n backticks opens a code
    span only if a later run of exactly n backticks closes it.
    """
    kept, i = [], 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "`":
            run = re.match("`+", text[i:]).group()
            closing = re.search(f"(?<!`){run}(?!`)", text[i + len(run):])
            if closing:
                i += len(run) + closing.end()
                continue
            i += len(run)
            continue
        kept.append(text[i])
        i += 1
    return "".join(kept)


def table_cells(line: str) -> int:
    """How many cells GitHub splits a table row into: a pipe after a backslash does not split."""
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def assert_markdown_safe(text: str, own_headings: tuple[str, ...] = ("### rollproof",)) -> None:
    assert_terminal_safe(text)
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len({table_cells(row) for row in rows}) <= 1, f"a row with another column count: {rows}"
    for line in text.splitlines():
        if line.lstrip().startswith("#"):
            assert line in own_headings, f"a heading from input: {line!r}"
        live = re.sub(r"</?(details|summary)>", "", outside_code(line))  # the report's own folded blocks
        assert "![" not in live and "<" not in live and "](" not in live, f"live Markdown from input: {line!r}"


def gate(tmp_path: Path, *words: str):
    return run_cli("gate", *words, cwd=tmp_path)


# -- the examples as reported -------------------------------------------------------------------


def test_gate_text_shows_a_forged_workflow_command_escaped(tmp_path):
    (tmp_path / "inj.json").write_text(ecs_service(HOSTILE_NAME, stuck=False))
    run = gate(tmp_path, "inj.json")
    assert run.code == 0, run.err
    assert_terminal_safe(run.out + run.err)
    assert "web\\n::error file=README.md,line=1::forged\\x1b[2J" in run.out  # shown, as escapes


def test_verify_shows_an_escape_in_a_model_name_escaped(tmp_path):
    (tmp_path / "m.yaml").write_text('name: "web\\u001b[2J\\nforged"\nservice:\n  desiredCount: 4\n')
    run = run_cli("verify", "m.yaml", cwd=tmp_path)
    assert run.code == 0, run.err
    assert_terminal_safe(run.out + run.err)
    # The summary line opens the report, the model's own line follows it: both show the name escaped.
    assert run.out.startswith("PROVED: all 4 properties hold - web\\x1b[2J\\nforged, desiredCount 4\n")
    assert "\nweb\\x1b[2J\\nforged  (m.yaml)\n" in run.out


def test_gate_markdown_keeps_its_table(tmp_path):
    (tmp_path / "inj.json").write_text(ecs_service(MARKDOWN_ATTACK))
    run = gate(tmp_path, "inj.json", "--format", "markdown")
    assert run.code == 1, run.err
    assert_markdown_safe(run.out)
    assert len([line for line in run.out.splitlines() if line.startswith("|")]) == 3  # header, rule, one row


def test_report_pages_escape_names_and_descriptions(tmp_path):
    model = {"name": "<script>alert(1)</script>\n# Approved by security team",
             "description": "![x](https://evil/x.png)\n::error::desc\x1b[2J | --- |",
             "service": {"desiredCount": 4}}
    (tmp_path / "m.yaml").write_text(yaml.safe_dump(model))
    run = run_cli("report", "m.yaml", "--output", "out", cwd=tmp_path)
    assert run.code == 0, run.err
    pages = {path.suffix: path.read_text() for path in (tmp_path / "out").iterdir()}
    assert set(pages) == {".html", ".md"}
    assert "<script" not in pages[".html"].lower()
    assert not RAW_CONTROL.search(pages[".html"])
    heading = pages[".md"].splitlines()[0]
    assert heading.startswith("# ") and heading.endswith(": proved")
    assert_markdown_safe(pages[".md"], own_headings=(heading,))


def test_junit_with_control_characters_parses(tmp_path):
    (tmp_path / "inj.json").write_text(ecs_service("web\x00\x01\x1b\x0b\x7f\ufffe" + FORGED))
    run = gate(tmp_path, "inj.json", "--format", "junit")
    assert run.code == 1, run.err
    root = ET.fromstring(run.out.encode())
    suites = junitparser.JUnitXml.fromstring(run.out)
    names = {case.classname for suite in suites for case in suite}
    assert names == {"inj.json:web\\x00\\x01\\x1b\\x0b\\x7f\\ufffe" + FORGED}
    assert root.find(".//failure") is not None


def test_sarif_is_valid_and_its_message_is_plain(tmp_path):
    name = "my file #1?.json"
    (tmp_path / name).write_text(ecs_service(MARKDOWN_ATTACK))
    run = gate(tmp_path, name, "--format", "sarif")
    assert run.code == 1, run.err
    document = json.loads(run.out)
    jsonschema.validate(document, json.loads(sarif_schema().read_text()))
    [result] = document["runs"][0]["results"]
    assert_markdown_safe(result["message"]["text"])
    # RFC 3986: a space, `#` and `?` are not allowed in a URI's path unencoded.
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "my%20file%20%231%3F.json"


def test_action_passes_inputs_through_the_environment(tmp_path):
    """No `${{ }}` inside a run: script, and hostile inputs arrive at rollproof as plain words."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    steps = action["runs"]["steps"]
    for step in steps:
        assert "${{" not in step.get("run", ""), f"expression pasted into a script: {step['run']}"
    script = next(step for step in steps if step.get("id") == "gate")["run"]
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "rollproof").write_text('#!/bin/bash\nprintf "%s\\0" "$@" > "$ARGS_FILE"\nexit 1\n')
    (fake / "rollproof").chmod(0o755)
    env = {"PATH": f"{fake}:{os.environ['PATH']}", "ARGS_FILE": str(tmp_path / "args"),
           "GITHUB_OUTPUT": str(tmp_path / "output"),
           "INPUT_PATHS": "infra $(touch pwned) 'a;b'\nsecond *",
           "INPUT_POLICY": 'p.yaml"; touch pwned2; "', "INPUT_BASE": "", "INPUT_FAIL_ON_LESS_SAFE": "true"}
    (tmp_path / "decoy.json").write_text("{}")  # a glob that expanded would name it
    # GitHub runs a bash step as `bash --noprofile --norc -eo pipefail {0}`.
    done = subprocess.run([shutil.which("bash") or "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    words = (tmp_path / "args").read_text().split("\0")[:-1]
    assert words == ["gate", "--format", "sarif", "--output", "rollproof.sarif", "--policy", 'p.yaml"; touch pwned2; "',
                     "--fail-on-less-safe", "--", "infra", "$(touch", "pwned)", "'a;b'", "second", "*"]
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    assert (tmp_path / "output").read_text() == "exit-code=1\n"


# -- more hostile inputs ------------------------------------------------------------------------


def test_bidi_override_and_c1_csi_are_shown(tmp_path):
    (tmp_path / "inj.json").write_text(ecs_service("admin\u202enosj.\u009b2J\u2028x", stuck=False))
    run = gate(tmp_path, "inj.json")
    assert_terminal_safe(run.out)
    assert "admin\\u202enosj.\\x9b2J\\u2028x" in run.out


def test_file_name_with_a_newline_and_a_command(tmp_path):
    name = "a\n::error file=x::y.json"
    (tmp_path / name).write_text(ecs_service("web"))
    for form in ("text", "markdown", "junit"):
        run = gate(tmp_path, name, "--format", form)
        assert run.code == 1, run.err
        assert_terminal_safe(run.out + run.err)


def test_error_naming_a_hostile_file_is_one_line(tmp_path):
    name = "::warning::bad\x1b[2J.yaml"
    (tmp_path / name).write_text("service:\n  desiredCount: four\n")
    run = run_cli("verify", name, cwd=tmp_path)
    assert run.code == 2
    assert run.err.startswith("\\x3a:warning::bad\\x1b[2J.yaml:2: error: ")
    assert_terminal_safe(run.err)


def test_model_error_echoing_a_key_is_escaped():
    from verifier.errors import ModelError
    shown = str(ModelError("unknown key web\n::error::k\x1b[2J", "f.yaml", 3))
    assert shown == "f.yaml:3: error: unknown key web\\n::error::k\\x1b[2J"


def test_waiver_reason_is_escaped_in_every_format(tmp_path):
    (tmp_path / "inj.json").write_text(ecs_service("web"))
    reason = f"ok\n{FORGED}\n# Approved ![x](https://evil/x.png) | <script>"
    policy = {"waivers": [{"match": "web", "property": "progress", "reason": reason,
                           "expires": datetime.date(2099, 12, 31)}]}
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(policy))
    text = gate(tmp_path, "inj.json", "--policy", "policy.yaml")
    assert text.code == 0, text.err
    assert "ok\\n::error" in text.out
    assert_terminal_safe(text.out + text.err)
    assert_markdown_safe(gate(tmp_path, "inj.json", "--policy", "policy.yaml", "--format", "markdown").out)


def test_cloudformation_logical_id_is_escaped(tmp_path):
    (tmp_path / "t.yaml").write_text('AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
                                     '  "Web\\n::error::cfn\\u001b[2J":\n    Type: AWS::ECS::Service\n'
                                     '    Properties:\n      DesiredCount: 4\n')
    run = gate(tmp_path, "t.yaml")
    assert_terminal_safe(run.out + run.err)
    assert "Web\\n::error::cfn\\x1b[2J" in run.out


def test_lone_surrogate_and_old_style_command_in_json_output(tmp_path):
    (tmp_path / "inj.json").write_text(ecs_service("w\ud800##[error]x"))
    run = gate(tmp_path, "inj.json", "--format", "json")
    assert run.code == 1, run.err
    assert_terminal_safe(run.out)
    assert json.loads(run.out)["services"][0]["model"] == "w\ud800##[error]x"  # JSON keeps the name exact


# -- every escaping function, on generated hostile text -----------------------------------------

PIECES = ["\x1b[2J", "\n", "\r", "\t", "\x00", "\x9b", "\x7f", "\u202e", "\u2066", "\u2028", "\ud800", "\ufffe",
          FORGED, "::", " ::x", "##[error]", "`", "``", "|", "\\", "[", "]", "(", ")", "!", "<script>", "&lt;",
          "# ", "- ", "1. ", "> ", "*", "_", "~", "$", "@", " ", "a", "é"]
HOSTILE = st.lists(st.one_of(st.sampled_from(PIECES), st.characters()), min_size=1, max_size=12).map("".join)


@given(HOSTILE)
@settings(max_examples=300)
def test_escaping_functions(text):
    from verifier.untrusted import html_text, markdown_code, markdown_text, terminal, uri, xml_text
    assert_terminal_safe(terminal(text))
    assert terminal(terminal(text)) == terminal(text)  # idempotent: safe text passes through again
    row = f"| {markdown_code(text, in_table=True)} | {markdown_text(text)} |"
    assert_markdown_safe(row)
    assert table_cells(row) == 2
    assert "<" not in html_text(text) and not RAW_CONTROL.search(html_text(text))
    element = ET.Element("case", name=xml_text(text))
    element.text = xml_text(text)
    ET.fromstring(ET.tostring(element, encoding="unicode"))
    assert re.fullmatch(r"[A-Za-z0-9/%._~-]*", uri(text))


@given(HOSTILE.filter(lambda name: name.strip()))
@settings(max_examples=3)
def test_whole_gate_on_generated_names(tmp_path_factory, name):
    folder = tmp_path_factory.mktemp("gate")
    (folder / "svc.json").write_text(ecs_service(name))
    for form in ("text", "markdown", "junit"):
        run = gate(folder, "svc.json", "--format", form)
        assert run.code in (1, 2), run.err  # violated, or a name rollproof refuses as bad input
        assert_terminal_safe(run.out + run.err)
        if form == "markdown" and run.code == 1:
            assert_markdown_safe(run.out)
        if form == "junit" and run.code == 1:
            junitparser.JUnitXml.fromstring(run.out)


@pytest.mark.parametrize("text", ["plain", "models/web.yaml", "checkout-api_v2"])
def test_ordinary_text_is_unchanged(text):
    """Escaping is for what needs it: ordinary names read the same."""
    from verifier.untrusted import markdown_code, markdown_text, terminal
    assert terminal(text) == text
    assert markdown_text(text) == text.replace("_", "\\_")
    assert markdown_code(text) == f"`{text}`"
