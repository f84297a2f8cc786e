"""Terraform settings computed by `for` expressions and functions, cluster addresses a policy names, and the
policy's map of module sources and TemplateURLs that are not on disk.

tests/fixtures/shapes/tf-for-expressions reproduces a registry service module's shape (launch type and
capacity-provider strategy computed from `{for k, v in ... if !local.external}` and `length()`, an
autoscaling target with `min()` / `max()`, `desired_count` in ignore_changes). Expected values are read
off the fixture by hand; each comment says how.
"""

import json
import textwrap

import pytest
from conftest import ROOT, run_in_process

from verifier.ci.gate import services_in
from verifier.ci.policy import load_policy
from verifier.errors import ModelError
from verifier.ingest import ANALYSABLE, NOT_ANALYSED

SHAPE = ROOT / "tests" / "fixtures" / "shapes" / "tf-for-expressions"


def specs(*paths, policy=None):
    found = []
    for _, services, error in services_in(list(paths), sources=policy.sources if policy else None):
        assert error is None, error
        found += services or []
    return {spec.name: spec for spec in found}


def test_settings_computed_by_for_expressions_and_functions():
    read = specs(SHAPE)
    ec2 = read["module.on_ec2.this[0]"]
    # A strategy is given: `length(...) > 0 ? null : var.launch_type` leaves launch_type null, and the
    # `{for ... if !local.external}` keeps the one provider, "core-asg": not Fargate. The target's range is
    # min(4, 4)..max(4, 4); desired_count is in ignore_changes, so the range is what is checked.
    assert (ec2.status, ec2.fargate, ec2.desired_range, ec2.desired_owner) == (ANALYSABLE, False, (4, 4), "autoscaling")
    fargate = read["module.on_fargate.this[0]"]
    # No strategy: launch_type is the default "FARGATE"; range min(1, 3)..max(10, 3) = 1..10.
    assert (fargate.status, fargate.fargate, fargate.desired_range) == (ANALYSABLE, True, (1, 10))
    # An EXTERNAL controller: the for expression drops the strategy, the dynamic block writes the type.
    assert read["module.external.this[0]"].status == NOT_ANALYSED
    assert "EXTERNAL" in read["module.external.this[0]"].reason
    # enable_autoscaling = false: no target, and the count is left to whatever runs (ignore_changes):
    # the count is unknown, so the gate checks every count it may take.
    fixed = read["module.fixed_count.this[0]"]
    assert (fixed.status, fixed.desired_owner, fixed.desired.value) == (ANALYSABLE, "autoscaling", None)
    assert "ignore_changes" in fixed.desired_unknown and "launch type" not in fixed.desired_unknown
    # The twin block (ignore_task_definition) has count 0 in every call: no second service.
    assert not [name for name in read if "ignore_task_definition" in name]
    worker = read["worker"]
    # one([for ... : queue.count if queue.primary]) = the count of "web" = 2; merge() overrides min with 50;
    # max(values({max = 200, min = 100})...) = 200; coalesce(null, "FARGATE") is Fargate.
    assert (worker.desired.value, worker.min_healthy_percent.value, worker.max_percent.value, worker.fargate) == \
        (2, 50, 200, True)


def test_cluster_references_give_address_and_name():
    read = specs(SHAPE)
    # cluster = aws_ecs_cluster.main.arn, passed into the module: the root's resource, named "core".
    assert (read["module.on_ec2.this[0]"].cluster_ref, read["module.on_ec2.this[0]"].cluster) == \
        ("aws_ecs_cluster.main", "core")
    assert read["module.on_fargate.this[0]"].cluster_ref == "module.ecs_cluster"
    assert (read["worker"].cluster_ref, read["worker"].cluster) == ("data.aws_ecs_cluster.shared", "shared")
    # a literal ARN: its last segment is the name, and it refers to no resource
    assert (read["module.fixed_count.this[0]"].cluster, read["module.fixed_count.this[0]"].cluster_ref) == \
        ("core", None)


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_a_policy_clusters_entry_names_a_terraform_cluster_by_address(tmp_path):
    # module.on_ec2: 4 tasks (range 4..4) at 100 / 200 on EC2. With 4 slots, all taken by the running tasks,
    # nothing may stop (100% of 4 must stay healthy) and nothing can start: stuck. Unlimited, it holds.
    policy = write(tmp_path, "rollproof.yaml", """\
        clusters:
          aws_ecs_cluster.main: {capacityTasks: 4}
        """)
    run = run_in_process("gate", SHAPE, "--policy", policy, "--service", "module.on_ec2.this[0]", "--format", "json")
    assert run.code == 1, run.err
    row, = json.loads(run.out)["services"]
    assert row["verdict"] == "violated"
    unlimited = run_in_process("gate", SHAPE, "--service", "module.on_ec2.this[0]", "--format", "json")
    assert unlimited.code == 0, unlimited.err


def test_a_module_source_the_policy_maps_is_read_through_its_caller(tmp_path):
    write(tmp_path, "infra/main.tf", """\
        module "web" {
          source        = "git::https://github.com/acme/ecs-modules.git//service?ref=v1.2.0"
          desired_count = 2
        }
        module "api" {
          source  = "registry.terraform.io/acme/service/aws"
          version = "~> 1.0"
        }
        """)
    service = """\
        variable "desired_count" {
          default = 1
        }
        resource "aws_ecs_service" "this" {
          name                               = "svc"
          launch_type                        = "FARGATE"
          desired_count                      = var.desired_count
          deployment_minimum_healthy_percent = 100
          deployment_maximum_percent         = 100
        }
        """
    write(tmp_path, "vendor/ecs-modules/service/main.tf", service)
    write(tmp_path, "vendor/acme-service/main.tf", service)
    policy = load_policy(write(tmp_path, "rollproof.yaml", """\
        modules:
          git::https://github.com/acme/ecs-modules.git: vendor/ecs-modules
          acme/service/aws: vendor/acme-service
        """))
    read = specs(tmp_path, policy=policy)
    # The git entry has no //subfolder: //service is vendor/ecs-modules/service; ?ref= is ignored. The
    # registry host is not part of the match. Each is read with its caller's arguments, never on its own.
    assert sorted(read) == ["module.api.this", "module.web.this"]
    assert read["module.web.this"].desired.value == 2 and read["module.api.this"].desired.value == 1
    assert policy.sources.unused("rollproof.yaml") == []
    # Without the map: nothing of theirs is read through the calls, and the copies are roots of their own.
    assert "module.web.this" not in specs(tmp_path)


def test_a_template_url_the_policy_maps_is_read_through_its_parent(tmp_path):
    write(tmp_path, "parent.yaml", """\
        AWSTemplateFormatVersion: "2010-09-09"
        Resources:
          Svc:
            Type: AWS::CloudFormation::Stack
            Properties:
              TemplateURL: https://s3.amazonaws.com/acme/published/service-v3.yaml
              Parameters:
                DesiredCount: "2"
                MaxPercent: "100"
        """)
    write(tmp_path, "templates/service.yaml", """\
        AWSTemplateFormatVersion: "2010-09-09"
        Parameters:
          DesiredCount: {Type: Number, Default: 2}
          MaxPercent: {Type: Number, Default: 200}
        Resources:
          Service:
            Type: AWS::ECS::Service
            Properties:
              LaunchType: FARGATE
              DesiredCount: !Ref DesiredCount
              DeploymentConfiguration:
                MinimumHealthyPercent: 100
                MaximumPercent: !Ref MaxPercent
        """)
    policy = write(tmp_path, "rollproof.yaml", """\
        templateUrls:
          https://s3.amazonaws.com/acme/published/: templates/
        """)
    # Mapped: read through the parent, which passes MaxPercent 100: 2 tasks at 100 / 100 may neither stop
    # one (ceil(2 x 100%) = 2 must stay healthy) nor start one (floor(2 x 100%) = 2): stuck, violated.
    # The prefix entry maps published/service-v3.yaml to templates/service-v3.yaml, which does not exist;
    # so the exact entry below is what maps it.
    policy.write_text(policy.read_text() + "  https://s3.amazonaws.com/acme/published/service-v3.yaml: "
                      "templates/service.yaml\n")
    mapped = run_in_process("gate", tmp_path, "--policy", policy, "--format", "json")
    rows = {row["model"]: row for row in json.loads(mapped.out)["services"]}
    assert list(rows) == ["Svc/Service"] and rows["Svc/Service"]["verdict"] == "violated", mapped.out
    assert "templateUrls entry 'https://s3.amazonaws.com/acme/published/' maps nothing" in mapped.err
    # Unmapped: the child stack is not found, so it is listed as not analysed (never unseen), and the
    # template is read on its own with its default 200: holds.
    alone = run_in_process("gate", tmp_path, "--format", "json")
    rows = {row["model"]: row for row in json.loads(alone.out)["services"]}
    assert list(rows) == ["Svc", "Service"] and alone.code == 0
    assert rows["Svc"]["verdict"] == "not analysed" and "service-v3.yaml" in rows["Svc"]["reason"]
    assert rows["Service"]["verdict"] == "proved"


@pytest.mark.parametrize(("text", "line", "words"), [
    ("modules:\n  acme/service/aws: vendor/missing\n", 2, "not a folder"),
    ("templateUrls:\n  https://x/a.yaml: missing.yaml\n", 2, "not a file"),
    ("modules:\n  - acme/service/aws\n", 1, "must be a mapping"),
    ("modules:\n  acme/service/aws:\n", 2, "must be text"),
    ("templateUrl:\n  https://x/a.yaml: a.yaml\n", 1, "unknown key 'templateUrl'"),
])
def test_bad_source_maps_name_file_and_line(tmp_path, text, line, words):
    with pytest.raises(ModelError) as caught:
        load_policy(write(tmp_path, "rollproof.yaml", text))
    assert caught.value.line == line and words in str(caught.value), (caught.value.line, str(caught.value))
