"""The fuzz suite: every reader and every output format fed hostile documents and names.

Each example writes one document a stranger could put in a pull request (a model file,
CloudFormation YAML or JSON, ECS JSON, Terraform), runs the real command line on it in
every output format, and asserts what a pipeline relies on whatever the input:

* the exit code is one of 0, 1, 2, 3 (never 4: a hostile document is not a bug), with no traceback;
* terminal text carries no raw control character (escape sequences, carriage returns, bidi
  overrides) and no line that starts a GitHub Actions workflow command (`::`);
* Markdown keeps its table (every row has the header's column count), grows no heading from
  input and shows no image or link from input outside a code span;
* JUnit parses as XML, SARIF and JSON parse (SARIF against its schema where it is present);
* each run ends within a bounded time.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree

import pytest
import yaml
from conftest import run_in_process
from hypothesis import given, settings
from hypothesis import strategies as st

# What hostile names are made of: the characters that break terminals, Markdown, XML and logs.
NASTY = ["\x1b[2J", "\x1b]8;;http://x\x07", "\r", "\n", "\x00", "\x07", "\x7f", "\u202e", "\u2028",
         "`", "``", "|", "<script>alert(1)</script>", "![x](https://evil.example/x.png)", "# Approved",
         "::error file=README.md,line=1::forged", "${{ github.token }}", "&amp;", "]]>", "\\", "\"", "'"]
names = st.lists(st.sampled_from(NASTY) | st.text(max_size=6), min_size=1, max_size=4).map("".join)
# Numbers where counts belong: huge, negative, not numbers at all.
counts = st.one_of(st.integers(0, 12), st.integers(-5, -1), st.integers(10**18, 10**30),
                   st.sampled_from(["--5", "²", "1:30", "0x10", "6.5", "2024-02-30", "", "six", True]))

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
SECONDS = 20  # one command on one small document


def run(*words: str) -> tuple[int, str, str]:
    return run_in_process(*words, seconds=SECONDS)


def assert_safe_terminal_text(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2, 3), err
    assert "Traceback" not in out + err
    for stream in (out, err):
        assert not CONTROL.search(stream), repr(CONTROL.search(stream))
        assert not any(line.lstrip().startswith("::") for line in stream.splitlines()), stream


def assert_markdown_table_intact(text: str) -> None:
    rows = [line for line in text.splitlines() if line.startswith("|")]
    if rows:
        width = len(re.split(r"(?<!\\)\|", rows[0]))
        for row in rows:
            assert len(re.split(r"(?<!\\)\|", row)) == width, row
    # The hostile names carry "# Approved": it must never become a heading of its own.
    assert not any(re.match(r"\s{0,3}#+\s*Approved", line) for line in text.splitlines()), text
    # Outside code spans (where Markdown shows text as it is) no image or link may come from input.
    # A backslash-escaped character is literal text: drop the pairs before looking.
    prose = re.sub(r"\\.", "", re.sub(r"(`+).*?\1", "", text))
    assert "![" not in prose and "](http" not in prose, prose


def ecs_json(name, desired, minimum, maximum):
    return json.dumps({"serviceName": name, "desiredCount": desired,
                       "deploymentConfiguration": {"minimumHealthyPercent": minimum, "maximumPercent": maximum}})


def cloudformation(name, desired, minimum, maximum, as_json):
    logical = re.sub(r"[^A-Za-z0-9]", "", name) or "Service"
    document = {"Resources": {logical: {"Type": "AWS::ECS::Service", "Properties": {
        "ServiceName": name, "DesiredCount": desired,
        "DeploymentConfiguration": {"MinimumHealthyPercent": minimum, "MaximumPercent": maximum}}}}}
    return json.dumps(document) if as_json else yaml.safe_dump(document, allow_unicode=True)


def terraform(name, desired, minimum, maximum):
    def hcl(value):
        return json.dumps(value) if not isinstance(value, bool) else str(value).lower()
    return (f'resource "aws_ecs_service" "web" {{\n  name = {hcl(str(name))}\n  desired_count = {hcl(desired)}\n'
            f'  deployment_minimum_healthy_percent = {hcl(minimum)}\n'
            f'  deployment_maximum_percent = {hcl(maximum)}\n}}\n')


def model_file(name, desired, minimum, maximum):
    return yaml.safe_dump({"name": name, "description": name, "service": {
        "desiredCount": desired,
        "deploymentConfiguration": {"minimumHealthyPercent": minimum, "maximumPercent": maximum}}},
        allow_unicode=True)


@settings(max_examples=60)
@given(name=names, desired=counts, minimum=counts, maximum=counts,
       kind=st.sampled_from(["ecs.json", "cfn.yaml", "cfn.json", "main.tf"]))
def test_gate_in_every_format_survives_hostile_documents(tmp_path_factory, name, desired, minimum, maximum, kind):
    folder = tmp_path_factory.mktemp("fuzz")
    text = {"ecs.json": lambda: ecs_json(name, desired, minimum, maximum),
            "cfn.yaml": lambda: cloudformation(name, desired, minimum, maximum, as_json=False),
            "cfn.json": lambda: cloudformation(name, desired, minimum, maximum, as_json=True),
            "main.tf": lambda: terraform(name, desired, minimum, maximum)}[kind]()
    path = folder / kind
    path.write_text(text, encoding="utf-8")
    assert_safe_terminal_text(*run("gate", str(path)))
    code, out, err = run("gate", str(path), "--format", "markdown")
    assert_safe_terminal_text(code, "", err)
    assert_markdown_table_intact(out)
    code, out, err = run("gate", str(path), "--format", "junit")
    assert code in (0, 1, 2, 3) and "Traceback" not in err
    if out.strip():
        ElementTree.fromstring(out)
    for form in ("json", "sarif"):
        code, out, err = run("gate", str(path), "--format", form)
        assert code in (0, 1, 2, 3) and "Traceback" not in err
        if out.strip():
            json.loads(out)


@settings(max_examples=60)
@given(name=names, desired=counts, minimum=counts, maximum=counts)
def test_verify_and_report_survive_hostile_model_files(tmp_path_factory, name, desired, minimum, maximum):
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "model.yaml"
    path.write_text(model_file(name, desired, minimum, maximum), encoding="utf-8")
    assert_safe_terminal_text(*run("verify", str(path)))
    code, out, err = run("verify", str(path), "--format", "json")
    assert code in (0, 1, 2, 3) and "Traceback" not in err
    if code != 2:
        json.loads(out)
    code, out, err = run("report", str(path), "--output", str(folder / "pages"))
    assert_safe_terminal_text(code, out, err)
    for page in (folder / "pages").glob("*.md") if (folder / "pages").exists() else ():
        assert_markdown_table_intact(page.read_text())
    for page in (folder / "pages").glob("*.html") if (folder / "pages").exists() else ():
        assert "<script>" not in page.read_text()


@pytest.mark.parametrize("depth", [50, 500, 5000])
def test_deep_nesting_in_every_reader(tmp_path, depth):
    for name, text in {"model.yaml": "service: " + "[" * depth + "]" * depth + "\n",
                       "cfn.yaml": "Resources: " + "{a: " * depth + "1" + "}" * depth + "\n",
                       "ecs.json": '{"services": ' + "[" * depth + "]" * depth + "}",
                       "main.tf": 'locals {\n  x = ' + "[" * depth + "]" * depth + "\n}\n"}.items():
        path = tmp_path / name
        path.write_text(text)
        command = "verify" if name == "model.yaml" else "gate"
        assert_safe_terminal_text(*run(command, str(path)))
