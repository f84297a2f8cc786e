"""`rollproof gate` on realistic infrastructure code in tests/fixtures/infra/."""

import json

import pytest
from conftest import INFRA, sarif_schema
from conftest import run_cli as run
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from verifier.ci.gate import gate, read_services
from verifier.ingest import IngestError
from verifier.reports.sarif import gate_sarif


@pytest.fixture(scope="module")
def report():
    return gate([INFRA])


def rows_by_name(report):
    return {row.spec.name: row for row in report.rows}


def test_every_service_gets_the_right_verdict(report):
    verdicts = {name: (row.verdict.value if row.verdict else "not analysed")
                for name, row in rows_by_name(report).items()}
    assert verdicts == {
        # D = 4..., range 2..40 from the scalable target, min 50 (parameter default), max 200.
        "WebService": "proved",
        # 3 tasks, min 100 / max 100: L = U = 3, nothing may stop or start.
        "WorkerService": "violated",
        "LogAgent": "not analysed",        # DAEMON
        "Canary": "not analysed",          # CODE_DEPLOY
        # DesiredCount is !Ref to a parameter with no Default: never guessed, so every count 1..5,000
        # is checked; min 50 / max 200 on unlimited room: U = 2D >= D + 1, a new task can always start.
        "ApiService": "proved",
        # One task at min 50 / max 150: ceil(0.5) = 1 = floor(1.5).
        "BatchService": "violated",
        # 6 tasks on defaults (Fargate, unlimited room).
        "checkout": "proved",
        # 4 tasks, min 75 / max 100: stop one (3 >= 3 healthy), replace it, four times.
        "search": "proved",
        # 2 tasks, min 100 / max 125: floor(2.5) = 2 = L, stuck.
        "reports": "violated",
        # Terraform: 4 tasks, min 50 from var.api_min_healthy's default, range 2..20 from the
        # aws_appautoscaling_target naming aws_ecs_service.api.
        "api": "proved",
        # 2 tasks at 100 / 120: floor(2.4) = 2 = L, stuck.
        "ledger": "violated",
        "agent": "not analysed",           # DAEMON
        # The plan changes payments to 100 / 100 at 3 tasks: stuck. The deleted service is gone.
        "aws_ecs_service.payments": "violated",
    }
    assert report.unrecognised == (str(INFRA / "ecs" / "package.json"),)
    assert report.exit_code == 1


def test_desired_range_comes_from_the_scalable_target(report):
    web = rows_by_name(report)["WebService"]
    assert web.spec.desired_range == (2, 40)
    assert web.spec.min_healthy_percent.value == 50
    api = rows_by_name(report)["api"]
    assert api.spec.desired_range == (2, 20) and api.spec.min_healthy_percent.value == 50


def test_findings_point_at_the_setting_to_change(report):
    rows = rows_by_name(report)
    # The line and column of MinimumHealthyPercent / minimumHealthyPercent in each file,
    # counted by hand in the fixtures.
    assert (rows["WorkerService"].spec.min_healthy_percent.line,
            rows["WorkerService"].spec.min_healthy_percent.column) == (11, 9)
    assert rows["BatchService"].spec.min_healthy_percent.line == 26
    assert (rows["reports"].spec.min_healthy_percent.line, rows["reports"].spec.min_healthy_percent.column) == (19, 9)
    assert (rows["ledger"].spec.min_healthy_percent.line, rows["ledger"].spec.min_healthy_percent.column) == (34, 3)
    assert rows["aws_ecs_service.payments"].spec.min_healthy_percent.line == 14


def test_sarif_validates_and_points_at_lines(report):
    schema = sarif_schema()
    import jsonschema
    document = gate_sarif(report)
    jsonschema.Draft4Validator(json.loads(schema.read_text())).validate(document)
    errors = {(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].split("/")[-1],
               r["locations"][0]["physicalLocation"]["region"]["startLine"])
              for r in document["runs"][0]["results"] if r["level"] == "error"}
    assert errors == {("worker-stuck.yaml", 11), ("api.json", 26), ("describe-services.json", 19),
                      ("main.tf", 34), ("plan.json", 14)}


def test_gate_cli_formats_and_exit_codes(tmp_path):
    code, out, _err = run("gate", str(INFRA / "ecs" / "create-service.json"))
    assert code == 0 and "checkout" in out and "proved" in out
    code, out, _ = run("gate", str(INFRA), "--format", "json")
    assert code == 1 and json.loads(out)["schema"] == "rollproof/gate/v2"
    target = tmp_path / "out.sarif"
    code, out, _ = run("gate", str(INFRA), "--format", "sarif", "--output", str(target))
    assert code == 1 and out == "" and json.loads(target.read_text())["version"] == "2.1.0"


@pytest.mark.parametrize("text, words", [
    ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  S:\n    Type: AWS::ECS::Service\n    Properties: [\n",
     "cannot read the template"),
    ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  S:\n    Type: AWS::ECS::Service\n  S:\n    Type: X\n",
     "cannot read the template"),
])
def test_malformed_template_exits_2_with_file_and_line(tmp_path, text, words):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    code, out, err = run("gate", str(path))
    assert code == 2 and "Traceback" not in err + out
    assert f"{path}:" in out + err and words in out + err


def test_missing_path_is_a_usage_error():
    code, _, err = run("gate", "no/such/folder")
    assert code == 2 and "no such file or folder" in err


documents = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.text(max_size=8) | st.sampled_from(
        ["AWS::ECS::Service", "DAEMON", "CODE_DEPLOY", "ecs:service:DesiredCount"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["Resources", "Type", "Properties", "DesiredCount", "DeploymentConfiguration",
                         "MinimumHealthyPercent", "MaximumPercent", "services", "serviceName",
                         "desiredCount", "deploymentConfiguration", "minimumHealthyPercent", "Ref",
                         "AWS::ECS::Service", "SchedulingStrategy"]), children, max_size=5),
    max_leaves=20)


def test_bad_hcl_exits_2_with_file(tmp_path):
    (tmp_path / "main.tf").write_text('resource "aws_ecs_service" "x" {\n  desired_count = \n')
    code, out, err = run("gate", str(tmp_path))
    assert code == 2 and f"{tmp_path / 'main.tf'}:" in err + out and "Traceback" not in err + out


def test_terraform_count_variable_without_default_is_checked_at_every_count(tmp_path):
    (tmp_path / "main.tf").write_text('variable "n" {}\nresource "aws_ecs_service" "x" {\n  desired_count = var.n\n}\n')
    report = gate([tmp_path])
    # The defaults 100 / 200 on unlimited room: U = 2D >= D + 1, so every count 1..5,000 finishes.
    assert report.rows[0].verdict.value == "proved"
    assert report.rows[0].result.model.desired_range == (1, 5000)
    assert "var.n, a variable with no default" in report.rows[0].spec.desired_unknown


def shaped(document, shape):
    """Wrap a random document where each reader will look at it."""
    if shape == "template":
        return {"AWSTemplateFormatVersion": "2010-09-09",
                "Resources": {"S": {"Type": "AWS::ECS::Service", "Properties": document}}}
    if shape == "ecs":
        return {"serviceName": "s", "desiredCount": 3, "deploymentConfiguration": document}
    if shape == "plan":
        return {"format_version": "1.2", "resource_changes": [
            {"address": "aws_ecs_service.s", "type": "aws_ecs_service", "change": {"after": document}}]}
    return document


@hsettings(max_examples=200)
@given(documents, st.sampled_from(["json", "yaml"]), st.sampled_from(["raw", "template", "ecs", "plan"]))
def test_readers_give_clean_outcomes_on_random_documents(tmp_path, document, form, shape):
    document = shaped(document, shape)
    path = tmp_path / f"random.{form}"
    text = json.dumps(document)
    path.write_text(text)
    try:
        specs = read_services(path)
    except IngestError as error:
        assert error.message and error.source == str(path)
        return
    assert specs is None or all(spec.status in ("analysable", "inconclusive", "not analysed") for spec in specs)


def test_junit_loads_in_an_xml_parser_with_one_case_per_service_and_property(report):
    import xml.etree.ElementTree as ET

    from verifier.reports.junit import gate_junit
    suite = ET.fromstring(gate_junit(report)).find("testsuite")
    cases = suite.findall("testcase")
    # 10 analysed services x 4 properties (ApiService's unknown count is checked at every count), 3 not analysed.
    assert len(cases) == 10 * 4 + 3 == int(suite.get("tests"))
    assert int(suite.get("failures")) == 5 and int(suite.get("skipped")) == 3 and int(suite.get("errors")) == 0
    failure = next(c for c in cases if c.get("classname").endswith(":WorkerService") and c.get("name") == "progress")
    assert "worker-stuck.yaml:11:9" in failure.find("failure").text


def test_markdown_summary(report):
    from verifier.reports.markdown import gate_markdown
    text = gate_markdown(report)
    assert "| `WorkerService` (" in text and "❌ violated" in text and "Exit code 1" in text


@pytest.mark.parametrize("text, reason", [
    ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  S:\n    Type: AWS::ECS::Service\n    Properties: [1, 2]\n",
     "Properties is a list, not a mapping"),
    ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  S:\n    Type: AWS::ECS::Service\n    Properties:\n"
     "      DesiredCount: 2\n      DeploymentConfiguration: fast\n", "DeploymentConfiguration is text"),
])
def test_unknown_shapes_are_inconclusive_with_the_reason(tmp_path, text, reason):
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    report = gate([path])
    assert report.rows[0].verdict.value == "inconclusive" and reason in report.rows[0].spec.reason
    assert report.exit_code == 3


def test_huge_file_is_refused_with_a_message(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text('{"serviceName": "x", "desiredCount": 1, "pad": "' + "x" * 6_000_000 + '"}')
    code, out, err = run("gate", str(path))
    assert code == 2 and "larger than 5 MB" in err + out and "Traceback" not in err + out


def test_junit_loads_in_a_junit_parser(report):
    junitparser = pytest.importorskip("junitparser", reason="junitparser is a test extra")
    from verifier.reports.junit import gate_junit
    document = junitparser.JUnitXml.fromstring(gate_junit(report))
    suite = next(iter(document))
    assert (suite.tests, suite.failures, suite.skipped, suite.errors) == (10 * 4 + 3, 5, 3, 0)
    failed = [case for case in suite if any(isinstance(r, junitparser.Failure) for r in case.result)]
    assert {case.classname.rsplit(":", 1)[-1] for case in failed} == {
        "WorkerService", "BatchService", "reports", "ledger", "aws_ecs_service.payments"}
