"""The gate checks an EC2 service over the instances its template defines (docs/semantics.md#placement).

Figures are derived by hand from verifier/model/instance_types.py: an instance
registers 1024 CPU units per vCPU and 95% of its nominal MiB, rounded down.
  t2.micro: 1 vCPU, 1 GiB -> 1024 units, 1024 * 95 // 100 = 972 MiB.
  t3.small: 2 vCPU, 2 GiB -> 2048 units, 2048 * 95 // 100 = 1945 MiB.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_in_process
from verifier.ci.gate import gate, model_of
from verifier.ci.policy import Policy, load_policy
from verifier.ingest.cloudformation import read_template
from verifier.ingest.terraform import read_module
from verifier.model.placement import TaskSize
from verifier.results import Verdict

FIXTURES = Path(__file__).parent / "fixtures" / "placement"
T2_MICRO = FIXTURES / "asg-t2-micro.yaml"


def _only(path: Path, name: str = "Web"):  # type: ignore[no-untyped-def]
    return next(spec for spec in read_template(path.read_text(), str(path)) if spec.name == name)


def test_t2_micro_and_a_600_mib_task_are_read_from_the_template() -> None:
    spec = _only(T2_MICRO)
    assert spec.capacity is not None and spec.capacity.placement is not None
    (group,) = spec.capacity.placement.groups
    # DesiredCapacity is !Ref ClusterSize, whose Default is 1; InstanceType is !Ref InstanceType -> t2.micro.
    assert (group.count, group.type, group.cpu, group.memory, group.max_count) == (1, "t2.micro", 1024, 972, None)
    task = spec.capacity.placement.task
    # bridge mode (EC2's default) and no HostPort: a dynamic port, nothing bound on the instance
    assert (task.cpu, task.memory, task.host_ports) == (256, 600, ())
    assert spec.capacity.placement.old_task == task  # one revision in the template
    assert "line 23" in spec.capacity.assumption  # EcsAsg is declared on line 23 of the fixture


def test_gate_calls_the_t2_micro_stuck_with_the_instance_memory_and_a_fix() -> None:
    # desired 1, minimum 100% -> at least 1 healthy: the old 600 MiB task stays while the new one starts;
    # 972 - 600 = 372 MiB free < 600: the new task never fits, so the deployment is stuck (progress).
    text = run_in_process("gate", T2_MICRO)
    assert text.code == 1, text.out
    assert "RP001 progress" in text.out
    assert "1 x t2.micro (1024 CPU units, 972 MiB registered each) from AutoScalingGroup EcsAsg" in text.out
    assert "instance 1 has 372 MiB free, the new task needs 600" in text.out
    # Fixes, each verified: minimum 0% (ECS may stop the old task first: 0 + 600 <= 972), or a second
    # t2.micro (972 MiB free there), which needs MaxSize 2 too since MaxSize is 1.
    assert "add DeploymentConfiguration.MinimumHealthyPercent: 0" in text.out
    assert "AutoScalingGroup EcsAsg DesiredCapacity: 1 -> 2, and MaxSize 1 -> 2" in text.out

    data = json.loads(run_in_process("gate", T2_MICRO, "--format", "json").out)
    (service,) = data["services"]
    assert service["verdict"] == "violated"
    assert "972 MiB registered" in service["capacity"] and "t2.micro" in service["capacity"]
    progress = next(p for p in service["properties"] if p["id"] == "progress")
    assert "instance 1 has 372 MiB free, the new task needs 600" in progress["cause"]
    assert [e["text"] for f in service["fixes"] for e in f["edits"]][1].startswith(
        "AutoScalingGroup EcsAsg DesiredCapacity: 1 -> 2")

    sarif = run_in_process("gate", T2_MICRO, "--format", "sarif").out
    assert "372 MiB free, the new task needs 600" in sarif and "t2.micro" in sarif
    assert "DesiredCapacity: 1 -" in sarif


def test_host_mode_binds_the_container_port_and_bridge_zero_is_dynamic() -> None:
    host, bridge = (_only(FIXTURES / "ports-host-bridge.yaml", name) for name in ("WebHost", "WebBridge"))
    assert host.capacity and host.capacity.placement and bridge.capacity and bridge.capacity.placement
    assert host.capacity.placement.task.host_ports == (80,)    # host mode: hostPort = containerPort 80
    assert bridge.capacity.placement.task.host_ports == ()     # bridge, HostPort 0: dynamic
    # MemoryReservation 256 stands for the absent Memory; MinSize 2 with no DesiredCapacity -> 2 instances.
    assert bridge.capacity.placement.task.memory == 256
    assert bridge.capacity.placement.groups[0].count == 2
    report = gate([FIXTURES / "ports-host-bridge.yaml"], jobs=1)
    verdicts = {row.spec.name: row.verdict for row in report.rows}
    # Host: 2 instances each hold port 80 and minimum 100% keeps both old tasks: no instance can take a new one.
    # Bridge: 1945 MiB holds 7 tasks of 256 MiB (7 * 256 = 1792), so 2 old + 2 new fit beside each other.
    assert verdicts == {"WebHost": Verdict.VIOLATED, "WebBridge": Verdict.PROVED}


def test_fargate_service_stays_unlimited_beside_an_auto_scaling_group() -> None:
    path = FIXTURES / "fargate-beside-asg.yaml"
    spec = _only(path)
    assert spec.fargate and spec.capacity is None
    result = run_in_process("gate", path)
    assert result.code == 0 and "capacity unlimited: Fargate runs every task on its own capacity" in result.out


def test_an_unknown_instance_type_is_never_guessed() -> None:
    path = FIXTURES / "unknown-instance-type.yaml"
    spec = _only(path)
    assert spec.capacity is not None and spec.capacity.placement is None
    assert model_of(spec, Policy()).placement is None
    result = run_in_process("gate", path)
    assert "capacity assumed unlimited: instance type x9.huge of AutoScalingGroup EcsAsg" in result.out
    assert "not in rollproof's table of instance types" in result.out


def test_managed_scaling_reaches_the_model_and_the_gate_does_not_crash() -> None:
    path = FIXTURES / "capacity-provider-managed.yaml"
    spec = _only(path)
    model = model_of(spec, Policy())
    assert model.placement is not None and model.settings.capacity is None
    (group,) = model.placement.groups
    # MinSize 1 (no DesiredCapacity), MaxSize 2, InstanceWarmupPeriod 120, Status ENABLED; task-level sizes.
    assert (group.count, group.max_count, group.warmup_seconds, group.memory) == (1, 2, 120, 972)
    assert model.placement.task.memory == 600
    report = gate([path], jobs=1)
    (row,) = report.rows
    # A second t2.micro comes after the warm-up: at 0 s the new 600 MiB task does not fit beside the old one
    # (372 MiB free), so ECS asks for an instance, usable at 120 s; the task goes there and the deployment
    # completes. The gate says it scales out.
    assert row.verdict is Verdict.PROVED
    assert row.result is not None and row.result.ecs.scale_outs == ((0, 120),)
    text = run_in_process("gate", str(path)).out
    assert "scales out: 1 instance added by managed scaling: asked for at 0 s, usable at 120 s (2 min)" in text


def test_policy_capacity_replaces_the_templates_instances(tmp_path: Path) -> None:
    policy = tmp_path / "rollproof.yaml"
    policy.write_text("services:\n  - match: Web\n    capacityTasks: 3\n")
    model = model_of(_only(T2_MICRO), load_policy(policy))
    # The policy says what the template cannot (say, instances other stacks add): 3 slots, no instances.
    assert (model.settings.capacity, model.placement) == (3, None)


def test_terraform_t2_micro_with_jsonencode_containers_is_stuck() -> None:
    folder = FIXTURES / "tf-t2-micro"
    (spec,) = read_module(folder)
    assert spec.capacity is not None and spec.capacity.placement is not None
    (group,) = spec.capacity.placement.groups
    # var.instance_type defaults to t2.micro (1024 units, 972 MiB); desired_capacity 1; hostPort 0 in bridge: dynamic.
    assert (group.count, group.memory) == (1, 972)
    assert spec.capacity.placement.task == TaskSize(256, 600, ())
    result = run_in_process("gate", folder / "main.tf")
    # 972 - 600 = 372 MiB beside the old task: the new one never fits at minimum 100%.
    assert result.code == 1 and "instance 1 has 372 MiB free, the new task needs 600" in result.out
    assert "aws_autoscaling_group.ecs desired_capacity: 1 -> 2, and max_size 1 -> 2" in result.out


def test_terraform_capacity_provider_host_mode_from_a_json_file() -> None:
    (spec,) = read_module(FIXTURES / "tf-capacity-provider")
    assert spec.capacity is not None and spec.capacity.placement is not None
    placement = spec.capacity.placement
    # min_size 2 (no desired_capacity), managed scaling DISABLED: the group does not grow (max_count None).
    assert [(g.count, g.type, g.max_count) for g in placement.groups] == [(2, "t3.small", None)]
    # host mode: containerPort 8080 is bound; memoryReservation 512 stands for the absent memory.
    assert placement.task == TaskSize(512, 512, (8080,)) and placement.distinct_instance
    report = gate([FIXTURES / "tf-capacity-provider"], jobs=1)
    # 2 tasks on 2 instances, each holding port 8080 (and distinctInstance): at minimum 100% none can move.
    assert [row.verdict for row in report.rows] == [Verdict.VIOLATED]


def test_policy_instances_place_the_templates_task(tmp_path: Path) -> None:
    path = FIXTURES / "cluster-elsewhere.yaml"
    spec = _only(path)
    # No group joins the cluster here: today's answer, unlimited capacity, unless the policy gives instances.
    assert spec.capacity is not None and spec.capacity.placement is None and spec.capacity.task is not None
    assert model_of(spec, Policy()).placement is None
    policy = tmp_path / "rollproof.yaml"
    policy.write_text("clusters:\n  prod:\n    instances: [{count: 1, type: t2.micro}]\n")
    result = run_in_process("gate", path, "--policy", policy)
    # Task-level Memory 600 on one t2.micro (972 MiB): 372 MiB beside the old task, so stuck as above.
    assert result.code == 1 and "instance 1 has 372 MiB free, the new task needs 600" in result.out
    assert "1 x t2.micro (1024 CPU units, 972 MiB registered each) from the policy's instances" in result.out
    policy.write_text("clusters:\n  prod:\n    instances: [{count: 2, type: t2.micro}]\n")
    # Two instances: the new task goes on the empty one (600 <= 972), then the old one stops.
    assert run_in_process("gate", path, "--policy", policy).code == 0
    policy.write_text("clusters:\n  prod:\n    instances: [{count: 1, type: t2.micro}]\n    capacityTasks: 3\n")
    assert run_in_process("gate", path, "--policy", policy).code == 2  # one kind of capacity per section


def test_policy_instances_with_a_wide_range_of_counts_say_they_were_not_checked(tmp_path: Path) -> None:
    policy = tmp_path / "rollproof.yaml"
    # 21 counts: one more than MAX_COUNTS_OVER_INSTANCES (20), so the instances are not used, and it says so
    policy.write_text("clusters:\n  prod:\n    instances: [{count: 1, type: t2.micro}]\n    desiredRange: [1, 21]\n")
    result = run_in_process("gate", FIXTURES / "cluster-elsewhere.yaml", "--policy", policy)
    assert "the policy's instances are not checked: they are checked at one desired count, or each of at most 20" \
        in result.out
    policy.write_text("clusters:\n  prod:\n    instances: [{count: 1, type: t2.micro}]\n    desiredRange: [1, 3]\n")
    # 3 counts, each on its own: desired 1 is already stuck (972 - 600 = 372 MiB free beside the old task)
    assert run_in_process("gate", FIXTURES / "cluster-elsewhere.yaml", "--policy", policy).code == 1


def test_a_small_autoscaling_range_is_checked_one_count_at_a_time() -> None:
    path = FIXTURES / "asg-t2-micro-range.yaml"
    assert _only(path).desired_range == (1, 2)
    report = gate([path], jobs=1)
    (row,) = report.rows
    # desired 1: 972 - 500 = 472 MiB free beside the old task < 500, stuck; desired 2: two old tasks
    # (1000 MiB) do not even fit on 972 MiB. The first failing count, 1, is the answer shown.
    assert row.verdict is Verdict.VIOLATED and row.result is not None
    assert row.result.model.settings.desired == 1 and row.result.model.placement is not None
    assert any("each desired count 1..2 was checked on its own" in note for note in row.notes)
    verify = run_in_process("verify", path, "--service", "Web")
    assert verify.code == 1 and "instance 1 has 472 MiB free, the new task needs 500" in verify.out
