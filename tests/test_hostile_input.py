"""Files anyone can put in a pull request: each is refused with `file:line: error: ...` (exit 2), never a crash.

Every case here was a crash (exit 4), a hang, a wrong answer or a misleading message before the
readers shared one file boundary (verifier/model/textfile.py), YAML 1.2 scalars and a nesting
limit counted before any recursive parser runs. The fuzz test at the end feeds the readers
documents built from the same hostile pieces.
"""

from __future__ import annotations

import json
import os
import string
import time
from pathlib import Path

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.errors import RollproofError

CFN = 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  Web:\n    Type: AWS::ECS::Service\n    Properties:\n'


def refused(run, where: str, *words: str) -> None:
    """Bad input: exit 2, the place and the words of the reason, and no traceback or internal error.

    `verify` writes the error to stderr; `gate` lists a file it cannot read in its report.
    """
    assert run.code == 2, (run.code, run.out, run.err)
    said = run.err + run.out
    assert f"{where}: error" in said or f"{where}:" in said, said
    for word in words:
        assert word in said, said
    assert "Traceback" not in run.err + run.out and "internal error" not in run.err


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- one boundary where files are read ------------------------------------------------------------

@pytest.mark.parametrize("command", ["verify", "gate"])
def test_a_device_is_refused_not_read_forever(command):
    # /dev/zero reports size 0 and never ends: before, `verify` read it until memory ran out.
    refused(run_cli(command, "/dev/zero", timeout=30), "/dev/zero", "device", "regular file")


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "model.yaml"
    os.mkfifo(fifo)  # opening a FIFO for reading blocks until a writer comes: before, verify hung
    refused(run_cli("verify", fifo, timeout=30), str(fifo), "named pipe")


def test_a_fifo_policy_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "rollproof.yaml"
    os.mkfifo(fifo)
    refused(run_cli("gate", "tests/fixtures/infra", "--policy", fifo, timeout=30), str(fifo), "named pipe")


def test_a_folder_named_like_a_model_is_refused(tmp_path):
    (tmp_path / "x.yaml").mkdir()
    refused(run_cli("verify", tmp_path / "x.yaml"), "x.yaml", "folder")


def test_a_dangling_symlink_is_named(tmp_path):
    (tmp_path / "model.yaml").symlink_to(tmp_path / "gone.yaml")
    refused(run_cli("verify", tmp_path / "model.yaml"), "model.yaml", "symbolic link", "does not exist")


def test_a_dangling_tf_symlink_in_a_module_is_an_error_naming_it(tmp_path):
    write(tmp_path, "main.tf", 'resource "aws_ecs_service" "web" {\n  desired_count = 2\n}\n')
    (tmp_path / "gone.tf").symlink_to(tmp_path / "nowhere.tf")  # before: FileNotFoundError, exit 4
    refused(run_cli("gate", tmp_path), "gone.tf", "symbolic link")


def test_a_folder_named_x_tf_in_a_module_is_not_a_file_to_read(tmp_path):
    write(tmp_path, "main.tf", 'resource "aws_ecs_service" "web" {\n  desired_count = 2\n}\n')
    (tmp_path / "x.tf").mkdir()  # before: IsADirectoryError, exit 4; Terraform reads files only
    run = run_cli("gate", tmp_path)
    assert run.code == 0 and "web" in run.out and "Traceback" not in run.err, run


def test_each_kind_of_file_says_what_it_expects(tmp_path):
    policy = write(tmp_path, "rollproof.yaml", "")
    # Before, an empty policy was told "a model is a mapping with at least a 'service:' key".
    run = run_cli("gate", "tests/fixtures/infra", "--policy", policy)
    refused(run, f"{policy}:1", "a policy is a mapping")
    assert "model" not in run.err


def test_a_large_ecs_json_file_is_not_an_alias_bomb(tmp_path):
    # 4,000 tags make 12,000 values and no alias: before, "an alias expansion or a recursive anchor?".
    tags = [{"key": f"k{i}", "value": "v"} for i in range(4000)]
    path = write(tmp_path, "svc.json", json.dumps({"serviceName": "web", "desiredCount": 2, "tags": tags}))
    run = run_cli("gate", path)
    assert run.code == 0 and "alias" not in run.err, run


def test_a_large_ecs_json_file_between_1_and_5_mb_is_read(tmp_path):
    # Before, ECS JSON went through the model file's 1 MB limit and wording ("a model file is a few dozen lines").
    path = write(tmp_path, "svc.json", json.dumps({"serviceName": "web", "desiredCount": 2, "pad": "x" * 2_000_000}))
    run = run_cli("gate", path)
    assert run.code == 0 and "model file" not in run.err, run


# --- nesting: refused before the parser recurses --------------------------------------------------

@pytest.mark.parametrize("text", ["[" * 1000 + "]" * 1000, "{a: " * 1000 + "1" + "}" * 1000])
def test_deep_nesting_in_a_model_file(tmp_path, text):
    # Before: RecursionError in PyYAML's composer, exit 4.
    path = write(tmp_path, "model.yaml", text + "\n")
    refused(run_cli("verify", path), f"{path}:1", "nested deeper than 50 levels")


@pytest.mark.parametrize("name, text, line", [
    ("svc.json", '{"serviceName": "a", "desiredCount": 2, "x": ' + "[" * 3000 + "]" * 3000 + "}", 1),
    ("cfn.json", '{"Resources": {"W": {"Type": "AWS::ECS::Service", "Properties": {"X": '
     + "[" * 3000 + "]" * 3000 + "}}}}", 1),
    ("cfn.yaml", CFN + "      X: " + "[" * 3000 + "]" * 3000 + "\n", 6),
    ("mod/main.tf", 'resource "aws_ecs_service" "web" {\n  x = ' + "[" * 3000 + "]" * 3000 + "\n}\n", 2),
])
def test_deep_nesting_in_infrastructure_code(tmp_path, name, text, line):
    path = write(tmp_path, name, text)
    refused(run_cli("gate", path), f"{path}:{line}", "nested deeper than 100 levels")


# --- numbers the YAML 1.2 way ---------------------------------------------------------------------

@pytest.mark.parametrize("written", ["1:30", "0x10", "010", "1_000", "!!int 1:30"])
def test_yaml_1_1_numbers_are_not_counts(tmp_path, written):
    # Before: 1:30 was 90, 0x10 was 16, 010 was 8, 1_000 was 1000, all verified as if meant.
    path = write(tmp_path, "model.yaml", f"service:\n  desiredCount: {written}\n")
    refused(run_cli("verify", path), f"{path}:2", "whole number")


def test_yes_is_not_true(tmp_path):
    # YAML 1.1 reads yes as true; a value that wants true or false says so instead of guessing.
    path = write(tmp_path, "model.yaml", "service:\n  desiredCount: 2\ntiming:\n  stoppingCountsTowardMax: yes\n")
    refused(run_cli("verify", path), f"{path}:4", "true or false")


def test_a_number_beyond_python_digit_limit(tmp_path):
    path = write(tmp_path, "model.yaml", "service:\n  desiredCount: " + "9" * 5000 + "\n")
    refused(run_cli("verify", path), f"{path}:2", "4300 digits")


def test_a_superscript_percentage_requirement(tmp_path):
    # "²".isdigit() is true and int("²") raises: before, exit 4.
    path = write(tmp_path, "model.yaml", 'service:\n  desiredCount: 2\nrequirements:\n  minHealthy: "²%"\n')
    refused(run_cli("verify", path), f"{path}:4", "percentage")


@pytest.mark.parametrize("written", ['"--5"', '"²"', '"' + "9" * 5000 + '"'])
def test_odd_number_text_in_a_template_is_inconclusive_with_the_reason(tmp_path, written):
    path = write(tmp_path, "cfn.yaml", CFN + f"      DesiredCount: {written}\n")
    run = run_cli("gate", path)
    assert run.code == 3 and "DesiredCount" in run.out and "Traceback" not in run.err, run


def test_odd_number_text_in_terraform_is_inconclusive_with_the_reason(tmp_path):
    path = write(tmp_path, "main.tf", 'resource "aws_ecs_service" "web" {\n  desired_count = "²"\n}\n')
    run = run_cli("gate", path)
    assert run.code == 3 and "desired_count" in run.out and "Traceback" not in run.err, run


@pytest.mark.parametrize("written, line", [("DesiredCount: 1:30", 6), ("DesiredCount: 0x10", 6)])
def test_yaml_1_1_numbers_in_a_template_are_refused(tmp_path, written, line):
    # cfn-lint's loader reads YAML 1.1: before, 1:30 was analysed as 90 and 0x10 as 16.
    path = write(tmp_path, "cfn.yaml", CFN + f"      {written}\n")
    refused(run_cli("gate", path), f"{path}:{line}", "decimal digits")


# --- dates ----------------------------------------------------------------------------------------

def test_an_impossible_date_in_a_model(tmp_path):
    path = write(tmp_path, "model.yaml", "description: 2024-02-30\nservice:\n  desiredCount: 2\n")
    refused(run_cli("verify", path), f"{path}:1", "2024-02-30")


@pytest.mark.parametrize("expires, words", [
    ("2026-12-31 10:00:00", "time of day"),   # before: datetime < date raised TypeError, exit 4
    ("2026-02-30", "2026-02-30"),             # before: ValueError from PyYAML's constructor, exit 4
    ("2026-13-45", "2026-13-45"),
])
def test_waiver_expiry_that_is_not_a_date(tmp_path, expires, words):
    policy = write(tmp_path, "rollproof.yaml", f"waivers:\n  - match: x\n    reason: r\n    expires: {expires}\n")
    refused(run_cli("gate", "tests/fixtures/infra", "--policy", policy), f"{policy}:4", words)


def test_an_impossible_date_in_a_template(tmp_path):
    path = write(tmp_path, "cfn.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nDescription: 2024-02-30\n'
                 "Resources:\n  Web:\n    Type: AWS::ECS::Service\n    Properties:\n      DesiredCount: 2\n")
    refused(run_cli("gate", path), str(path), "day is out of range")


@pytest.mark.parametrize("text, line, words", [
    ("clusters: 5\n", 1, "clusters must be a mapping"),       # before: TypeError, exit 4
    ("defaults:\n  capacityTasks: 0x10\n", 2, "whole number"),
    ("services: {match: x}\n", 1, "must be a list"),
])
def test_policy_values_of_the_wrong_type(tmp_path, text, line, words):
    policy = write(tmp_path, "rollproof.yaml", text)
    refused(run_cli("gate", "tests/fixtures/infra", "--policy", policy), f"{policy}:{line}", words)


# --- Terraform plans and modules ------------------------------------------------------------------

@pytest.mark.parametrize("changes, words", [
    ('5', "resource_changes must be a list"),
    ('[{"type": "aws_ecs_service", "change": "x"}]', "must be an object"),
])
def test_a_malformed_plan(tmp_path, changes, words):
    path = write(tmp_path, "plan.json", '{"format_version": "1.2",\n "resource_changes": ' + changes + "}")
    refused(run_cli("gate", path), f"{path}:2", words)


def test_braces_in_strings_do_not_move_terraform_findings(tmp_path):
    # The progress finding belongs on deployment_minimum_healthy_percent (line 6). Before, the "}" in
    # the string ended the block early and the finding pointed at the resource's first line.
    path = write(tmp_path, "main.tf", 'resource "aws_ecs_service" "web" {\n  command = "echo }"\n'
                 "  /* { */\n  # }\n  desired_count = 2\n  deployment_minimum_healthy_percent = 100\n"
                 "  deployment_maximum_percent = 100\n}\n")
    run = run_cli("gate", path, "--format", "json")
    assert run.code == 1, run
    progress = next(p for p in json.loads(run.out)["services"][0]["properties"] if p["id"] == "progress")
    assert progress["status"] == "violated" and progress["line"] == 6


# --- reader validation equal to the model files' --------------------------------------------------

@pytest.mark.parametrize("name, text, line, words", [
    ("cfn.yaml", CFN + "      DesiredCount: 4\n      DeploymentConfiguration:\n        MinimumHealthyPercent: -100\n",
     8, "MinimumHealthyPercent is -100"),
    ("cfn.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nParameters:\n  Count:\n    Type: Number\n'
     '    Default: "-3"\nResources:\n  Web:\n    Type: AWS::ECS::Service\n    Properties:\n'
     "      DesiredCount: !Ref Count\n", 10, "DesiredCount is -3"),
    ("svc.json", '{"serviceName": "a",\n "desiredCount": -3}', 2, "desiredCount is -3"),
    ("svc.json", '{"serviceName": "a", "desiredCount": 2,\n "deploymentConfiguration": {"maximumPercent": -1}}',
     2, "maximumPercent is -1"),
    ("main.tf", 'resource "aws_ecs_service" "web" {\n  desired_count = -1\n}\n', 2, "desired_count is -1"),
    ("plan.json", '{"format_version": "1.2", "resource_changes": [{"type": "aws_ecs_service", "address": "a.b",\n'
     ' "change": {"after": {"desired_count": 2,\n "deployment_minimum_healthy_percent": -50}}}]}', 3,
     "deployment_minimum_healthy_percent is -50"),
])
def test_negative_values_in_infrastructure_code_are_refused(tmp_path, name, text, line, words):
    # Before, each was analysed: a MinimumHealthyPercent of -100 came out proved.
    path = write(tmp_path, name, text)
    refused(run_cli("gate", path), f"{path}:{line}", words)


@pytest.mark.parametrize("name, text, line", [
    ("cfn.yaml", CFN + "      ServiceName: web\n  Target:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n"
     "    Properties:\n      ScalableDimension: ecs:service:DesiredCount\n"
     "      ResourceId: !Sub service/prod/${Web.Name}\n      MinCapacity: 10\n      MaxCapacity: 2\n", 7),
    ("cfn.yaml", CFN + "      ServiceName: web\n  Target:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n"
     "    Properties:\n      ScalableDimension: ecs:service:DesiredCount\n"
     "      ResourceId: !Sub service/prod/${Web.Name}\n      MinCapacity: -1\n      MaxCapacity: 2\n", 7),
    ("main.tf", 'resource "aws_ecs_service" "web" {\n  desired_count = 4\n}\n'
     'resource "aws_appautoscaling_target" "t" {\n  scalable_dimension = "ecs:service:DesiredCount"\n'
     '  resource_id = "service/prod/${aws_ecs_service.web.name}"\n  min_capacity = 10\n  max_capacity = 2\n}\n', 4),
])
def test_a_reversed_or_negative_autoscaling_range_is_refused(tmp_path, name, text, line):
    # Before: an empty range, over which every property was "proved", exit 0.
    path = write(tmp_path, name, text)
    refused(run_cli("gate", path), f"{path}:{line}", "apacity", "<=")


def test_non_object_ecs_services_are_not_dropped_in_silence(tmp_path):
    path = write(tmp_path, "svc.json", '{"services": [{"serviceName": "a", "desiredCount": 2},\n 5]}')
    refused(run_cli("gate", path), f"{path}:2", "services[1] is int")


# --- fuzz: the readers only ever return or raise a RollproofError ---------------------------------

DEEP = "[" * 600 + "]" * 600
HOSTILE_SCALARS = [
    "1:30", "0x10", "010", "0o17", "0b11", "1_000", "yes", "off", "~", ".inf", "-.nan", "1e400", "-5", "+7",
    "9" * 4400, "2024-02-30", "2024-02-03 25:61:00", "2026-12-31 10:00:00", "!!int 1:30", "!!binary AAAA",
    "!!timestamp x", "!foo x", "'²'", '"--5"', '"٣"', '"0x10"', '"-0"', "[]", "{}", "[1, [2, {a: 3}]]",
    "{a: {b: {c: {d: [1]}}}}", DEEP, "&a [*a]", "*nothing", "? [a]", "null", "true", "3", "0", "2.5",
]
JSON_SCALARS = ["-1", "1e400", "9" * 4400, '"²"', '"--5"', "null", "true", "[]", "{}", DEEP, '"2024-02-30"',
                "0.5", "3", '{"Ref": "P"}', '{"Fn::GetAtt": ["a", "b"]}', '[{"a": 1}]']
HCL_SCALARS = ["-1", "1e3", '"²"', '"--5"', "var.nothing", "null", "true", "[]", "{}", DEEP, "0x10", "3",
               '"${var.x}"', "{ a = { b = 1 } }", '"}{"', '<<EOT\n}}}\nEOT', "9" * 4400]


def _documents(values: st.SearchStrategy[str], template: str) -> st.SearchStrategy[str]:
    """`template` (a str.format pattern) with a hostile value in each of its fields."""
    fields = sum(1 for _, name, _, _ in string.Formatter().parse(template) if name is not None)
    return st.lists(values, min_size=fields, max_size=fields).map(lambda picked: template.format(*picked))


MODEL = "service:\n  desiredCount: {}\n  deploymentConfiguration:\n    minimumHealthyPercent: {}\n" \
        "cluster:\n  capacityTasks: {}\ndescription: {}\nrequirements:\n  minHealthy: {}\n"
POLICY = "defaults:\n  capacityTasks: {}\nclusters: {}\nservices:\n  - match: {}\n    desiredRange: {}\n" \
         "waivers:\n  - match: x\n    reason: {}\n    expires: {}\n"
CFN_YAML = CFN.replace("Resources:", "Description: {}\nParameters:\n  P:\n    Default: {}\nResources:") + \
    "      DesiredCount: {}\n      DeploymentConfiguration:\n        MinimumHealthyPercent: {}\n" \
    "  T:\n    Type: AWS::ApplicationAutoScaling::ScalableTarget\n    Properties:\n" \
    "      ScalableDimension: ecs:service:DesiredCount\n      ResourceId: service/x/Web\n" \
    "      MinCapacity: {}\n      MaxCapacity: {}\n"
CFN_JSON = '{{"Resources": {{"Web": {{"Type": "AWS::ECS::Service", "Properties": {{"DesiredCount": {}, ' \
           '"DeploymentConfiguration": {{"MaximumPercent": {}}}}}}}}}}}'
ECS = '{{"services": [{{"serviceName": "a", "desiredCount": {}, "deploymentConfiguration": ' \
      '{{"minimumHealthyPercent": {}}}}}, {}]}}'
PLAN = '{{"format_version": "1.2", "resource_changes": [{{"type": "aws_ecs_service", "change": ' \
       '{{"after": {{"desired_count": {}, "deployment_maximum_percent": {}}}}}}}, {}]}}'
TF = 'variable "v" {{\n  default = {}\n}}\nresource "aws_ecs_service" "web" {{\n  desired_count = {}\n' \
     '  deployment_minimum_healthy_percent = {}\n}}\nresource "aws_appautoscaling_target" "t" {{\n' \
     '  scalable_dimension = "ecs:service:DesiredCount"\n  resource_id = "service/${{aws_ecs_service.web.name}}"\n' \
     '  min_capacity = {}\n  max_capacity = var.v\n}}\n'

READERS = {
    "model": ("model.yaml", st.sampled_from(HOSTILE_SCALARS), MODEL),
    "policy": ("rollproof.yaml", st.sampled_from(HOSTILE_SCALARS), POLICY),
    "cfn-yaml": ("cfn.yaml", st.sampled_from(HOSTILE_SCALARS), CFN_YAML),
    "cfn-json": ("cfn.json", st.sampled_from(JSON_SCALARS), CFN_JSON),
    "ecs-json": ("svc.json", st.sampled_from(JSON_SCALARS), ECS),
    "plan": ("plan.json", st.sampled_from(JSON_SCALARS), PLAN),
    "terraform": ("mod/main.tf", st.sampled_from(HCL_SCALARS), TF),
}


def _read(kind: str, path: Path) -> None:
    from verifier.ci.gate import services_in
    from verifier.ci.policy import load_policy
    from verifier.model.loading import load_model
    if kind == "model":
        load_model(path)
    elif kind == "policy":
        load_policy(path)
    else:
        for _, _, error in services_in([path]):
            if error is not None:
                raise error


@pytest.mark.parametrize("kind", sorted(READERS))
def test_readers_survive_hostile_documents(tmp_path_factory, kind):
    name, values, template = READERS[kind]

    @settings(max_examples=60)
    @given(text=_documents(values, template))
    def read_one(text: str) -> None:
        path = write(tmp_path_factory.mktemp(kind), name, text)
        started = time.monotonic()
        try:
            _read(kind, path)
        except RollproofError as error:  # exit 2, with the file named
            assert str(error).startswith(str(path)), error
        assert time.monotonic() - started < 5, f"{kind} took {time.monotonic() - started:.1f} s"

    read_one()
