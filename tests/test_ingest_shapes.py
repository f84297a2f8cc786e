"""Every ECS service in the shapes real repositories take, seen once, read with the values it deploys with.

Each folder under tests/fixtures/shapes reproduces one repository's shape (nested stacks published to
S3, Copilot's stack + params files, CDK output, ECS-native strategies, a Terraform root calling a local
service module, cloudposse's mutually exclusive count blocks, ecspresso's nameless service definitions).
The expected values are read off the fixture files by hand; each comment says from where.
"""

import json

import pytest
from conftest import ROOT, run_in_process

from verifier.ci.gate import services_in
from verifier.ingest import ANALYSABLE, INCONCLUSIVE, NOT_ANALYSED

SHAPES = ROOT / "tests" / "fixtures" / "shapes"


def specs(folder):
    found = []
    for _, services, error in services_in([SHAPES / folder]):
        assert error is None, error
        found += services or []
    return {spec.name: spec for spec in found}


def test_nested_stacks_are_read_through_the_parent_with_its_parameters():
    read = specs("cfn-nested")
    # Three nested stacks, each read once: the children are not read again on their own with their defaults.
    assert sorted(read) == ["Api/Service", "Queue/Consumer", "Web/Service"]
    web = read["Web/Service"]
    # master.yaml passes DesiredCount !Ref WebCount (its Default 2) and MaxCount "6" (quoted), which the
    # child's scalable target uses as MinCapacity/MaxCapacity through !Join [service, !Ref Cluster, !GetAtt].
    assert (web.status, web.desired.value, web.desired_range) == (ANALYSABLE, 2, (2, 6))
    assert web.via[0].endswith("master.yaml:10 Web") and web.cluster_ref == "Cluster"
    # The api child declares DesiredCount without a Default: the parent's "1" is what it deploys with.
    assert read["Api/Service"].desired.value == 1
    # TemplateURL ./queue.yaml is relative to the parent; ClusterName prod replaces the Default staging,
    # and the literal ResourceId service/prod/queue-consumer names the service by its ServiceName.
    queue = read["Queue/Consumer"]
    assert (queue.cluster, queue.desired_range, queue.desired_owner) == ("prod", (1, 4), "autoscaling")


def test_a_template_url_the_policy_maps():
    from verifier.ingest.cfn_stacks import read_stack

    mapped = []

    def map_url(url):
        mapped.append(url)
        return SHAPES / "cfn-nested" / "services" / "api" / "service.yaml"  # every child is the api one

    read = {spec.name: spec for spec in read_stack(SHAPES / "cfn-nested" / "master.yaml", map_url=map_url)}
    assert mapped == ["https://s3.amazonaws.com/example-bucket/services/web/service.yaml",
                      "https://s3.amazonaws.com/example-bucket/services/api/service.yaml", "./queue.yaml"]
    assert read["Web/Service"].max_percent.value == 150  # the api template's MaximumPercent


def test_parameter_files_give_their_templates_the_values_of_a_deployment():
    by_file = {spec.file.rsplit("/", 1)[-1]: spec for path, services, _ in services_in([SHAPES / "copilot"])
               for spec in services or []}
    assert sorted(by_file) == ["svc-prod.stack.yml", "worker-template.yml"]
    prod = by_file["svc-prod.stack.yml"]
    # DesiredCount is !GetAtt of Copilot's custom resource (the running count): the scalable target's
    # 3..12, matched through Fn::Join ['/', [service, ImportValue, !GetAtt Service.Name]], is what to check.
    assert (prod.status, prod.desired_range, prod.desired_owner) == (ANALYSABLE, (3, 12), "autoscaling")
    assert prod.fargate  # FARGATE_SPOT and FARGATE capacity providers only
    worker = by_file["worker-template.yml"]
    # worker-params.json is tab-indented CLI format: TaskCount "2"; LaunchType !Ref Strategy (Default FARGATE).
    assert (worker.desired.value, worker.fargate, worker.via[0].endswith("worker-params.json")) == (2, True, True)


def test_cdk_output_and_its_nested_stack_by_asset_path():
    read = specs("cdk")
    assert read["FargateServiceECC8084D"].desired.value == 4  # "4", quoted as CDK writes numbers
    backend = read["BackendNestedStackResource/BackendService0A1B2C3D"]
    # The controller type is a parameter whose Default is CODE_DEPLOY.
    assert backend.status == NOT_ANALYSED and "CODE_DEPLOY" in backend.reason


def test_ecs_native_strategies_are_not_analysed_and_targets_match_however_written():
    read = specs("cfn-native")
    for name, strategy in (("BlueGreen", "BLUE_GREEN"), ("Linear", "LINEAR"), ("Canary", "CANARY")):
        assert read[name].status == NOT_ANALYSED and f"strategy {strategy}" in read[name].reason
    assert read["Rolling"].status == ANALYSABLE
    assert read["External"].status == NOT_ANALYSED and "EXTERNAL" in read["External"].reason
    # The controller is !Ref of a parameter with no Default: unknown, so never checked as a rolling update.
    assert read["Unknown"].status == INCONCLUSIVE and "Controller" in read["Unknown"].reason
    assert read["ByName"].desired_range == (2, 5)          # !Sub service/${AWS::StackName}/orders
    assert read["BySubVariable"].desired_range == (1, 3)   # !Sub [.../${Name}, {Name: !GetAtt BySubVariable.Name}]


def test_terraform_module_calls_are_followed_with_the_callers_arguments():
    read = specs("tf-modules")
    # terraform.tfvars declares two services; module "disabled" has create = false (count 0); the
    # registry call is reported; the vendored copy is read through module "vendored", once.
    assert sorted(read) == ['module.from_registry', 'module.service["backend"].this[0]',
                            'module.service["frontend"].this[0]', "module.vendored.main"]
    frontend = read['module.service["frontend"].this[0]']
    # min_healthy "100" from terraform.tfvars (quoted); desired_count is in ignore_changes, so the
    # autoscaling range: min 1 (module default), max 4 (autoscaling_max null -> 4 in the call).
    assert (frontend.status, frontend.min_healthy_percent.value, frontend.desired_range) == (ANALYSABLE, 100, (1, 4))
    assert frontend.aliases == ("frontend",) and frontend.fargate  # name = each.key; launch_type FARGATE default
    assert "CODE_DEPLOY" in read['module.service["backend"].this[0]'].reason  # through the dynamic block
    assert read["module.from_registry"].status == NOT_ANALYSED
    vendored = read["module.vendored.main"]
    assert (vendored.desired.value, vendored.aliases) == (3, ("ledger",))


def test_mutually_exclusive_count_blocks_are_one_service_per_deployment():
    found = [spec for _, services, _ in services_in([SHAPES / "tf-exclusive"]) for spec in services or []]
    # prod.tfvars: ignore_changes_task_definition true (default), desired count false: only the first
    # block's count can be 1 (module.this.enabled is unknown, the other three are false whatever it is).
    # staging.tfvars: ignore_changes_task_definition false: only "default".
    assert [(spec.name, spec.via[0].rsplit("/", 1)[-1], spec.desired.value) for spec in found] == [
        ("ignore_changes_task_definition", "prod.tfvars", 3), ("default", "staging.tfvars", 1)]
    assert not found[0].fargate  # prod.tfvars sets launch_type EC2


def test_undecided_exclusive_count_blocks_are_one_service(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "flag" {}\n'
        'resource "aws_ecs_service" "a" {\n  count = var.flag ? 1 : 0\n  desired_count = 2\n}\n'
        'resource "aws_ecs_service" "b" {\n  count = !var.flag ? 1 : 0\n  desired_count = 2\n}\n'
        'resource "aws_ecs_service" "c" {\n  count = var.other ? 1 : 0\n  desired_count = 2\n}\n')
    found = [spec for _, services, _ in services_in([tmp_path]) for spec in services or []]
    # a and b cannot both exist (var.flag and !var.flag); c is independent of them.
    assert [(spec.name, spec.aliases) for spec in found] == [("a", ("b",)), ("c", ())]


def test_ecspresso_definitions_take_their_names_from_the_config():
    read = specs("ecspresso")
    # ecspresso.yml and daemon.yml name them; api.yml (a Go template, not valid YAML) points at Jsonnet, which
    # is not evaluated: that service is listed, named by its definition since its name is a template.
    assert sorted(read) == ["api-service", "checkout", "log-router"]
    assert read["api-service"].status == NOT_ANALYSED and "Jsonnet" in read["api-service"].reason
    assert (read["checkout"].cluster, read["checkout"].desired.value) == ("default", 1)
    assert read["log-router"].status == NOT_ANALYSED  # {"schedulingStrategy": "DAEMON"} and nothing else


def test_gate_on_every_shape_exits_with_a_verdict():
    run = run_in_process("gate", SHAPES, "--format", "json", seconds=120)
    assert run.code == 1, run.err  # violations below; never 2
    rows = {(row["file"].rsplit("/", 1)[-1], row["model"]): row for row in json.loads(run.out)["services"]}
    # api: one task at 50 / 150: ceil(0.5) = 1 = floor(1.5), nothing may stop or start.
    assert rows[("service.yaml", "Api/Service")]["verdict"] == "violated"
    # worker: 2 tasks at 100 / 100: L = U = 2, stuck; svc-prod: 100 / 200 over 3..12 holds.
    assert rows[("worker-template.yml", "Service")]["verdict"] == "violated"
    assert rows[("svc-prod.stack.yml", "Service")]["verdict"] == "proved"
    # the vendored module: 3 tasks at 100 / 100, stuck, read once (through module.vendored).
    assert [key for key in rows if key[1].endswith(".main")] == [("main.tf", "module.vendored.main")]
    assert rows[("main.tf", "module.vendored.main")]["verdict"] == "violated"


@pytest.mark.parametrize("count", [5_000])
def test_scalable_targets_are_matched_in_linear_time(count, monkeypatch):
    from verifier.ingest import cfn_targets
    from verifier.ingest.cloudformation import read_template

    built = []
    original = cfn_targets.ServiceIndex.__init__

    def counting(self, resources):
        built.append(len(resources))
        original(self, resources)

    monkeypatch.setattr(cfn_targets.ServiceIndex, "__init__", counting)
    resources = {}
    for i in range(count):
        resources[f"S{i}"] = {"Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 2}}
        resources[f"T{i}"] = {"Type": "AWS::ApplicationAutoScaling::ScalableTarget", "Properties": {
            "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 3,
            "ResourceId": {"Fn::Sub": f"service/prod/${{S{i}.Name}}"}}}
    read = read_template(json.dumps({"Resources": resources}), "big.json")
    assert len(read) == count and all(spec.desired_range == (1, 3) for spec in read)
    assert built == [2 * count]  # the services are indexed once, not once per target


def test_copilot_manifests_are_read_by_copilots_rules():
    read = specs("copilot-app")
    # A Scheduled Job is not a service. The base manifest: count range 2-6, rolling default (100 / 200).
    assert sorted(read) == ["api", "api (prod)", "api (staging)", "api (test)"]
    api = read["api"]
    assert (api.desired_range, api.min_healthy_percent.value, api.max_percent.value, api.fargate) == \
        ((2, 6), 100, 200, True)
    # The test environment: count 1 and rolling recreate, which Copilot turns into 0 / 100.
    test = read["api (test)"]
    assert (test.desired.value, test.min_healthy_percent.value, test.max_percent.value) == (1, 0, 100)
    assert test.desired.line == 18
    # Environments merge key by key: prod and staging keep the base range 2-6 beside what they add.
    assert read["api (prod)"].desired_range == read["api (staging)"].desired_range == (2, 6)


def test_copilot_spot_count_is_a_fixed_count(tmp_path):
    from verifier.ingest.copilot import read_manifest

    text = "name: worker\ntype: Worker Service\ncount:\n  spot: 3\n"
    (spec,) = read_manifest(text, str(tmp_path / "manifest.yml"))
    assert (spec.desired.value, spec.desired_range) == (3, None)  # three tasks, all on Fargate Spot


@pytest.mark.parametrize(("folder", "service", "file"), [
    ("cfn-nested", "Api/Service", "service.yaml"),               # a child stack, re-read through master.yaml
    ("copilot", "Service", "worker-template.yml"),               # a template with its parameter file
    ("tf-modules", "module.vendored.main", "main.tf"),           # a service in a called (vendored) module
])
def test_reproduce_lines_read_the_service_as_the_gate_did(folder, service, file):
    run = run_in_process("gate", SHAPES / folder, "--format", "json", seconds=60)
    row = next(r for r in json.loads(run.out)["services"] if r["model"] == service and r["file"].endswith(file))
    reproduce = next(p["counterexample"]["reproduce"] for p in row["properties"] if p["status"] == "violated")
    assert reproduce.split()[1] == "verify" and f"--service {service}" in reproduce
    again = run_in_process(*reproduce.split()[1:], "--format", "json", seconds=60)
    same = json.loads(again.out)  # a verify result: the same service, read through the same entry file
    assert again.code == run.code == 1
    statuses = {p["id"]: p["status"] for p in row["properties"]}
    assert (same["verdict"], same["bounds"]["desired"], {p["id"]: p["status"] for p in same["properties"]}) == \
        ("violated", row["desired"], statuses)
