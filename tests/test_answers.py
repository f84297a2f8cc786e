"""The gate's answers: unknown desired counts, zero tasks, causes with the rounding, verified fixes, reproduce lines.

Expected values are derived by hand beside each test from L = ceil(D*m/100) and U = floor(D*x/100):
a service on unlimited room can start a new task only when U >= D + 1, and stop an old one only when L <= D - 1.
"""

import json
import shlex
from pathlib import Path

import pytest
from conftest import run_in_process as run
from conftest import sarif_schema

from verifier.ci.gate import gate

STUCK_AT_ONE = """AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  TaskCount:
    Type: Number
Resources:
  Queue:
    Type: AWS::ECS::Service
    Properties:
      DesiredCount: !Ref TaskCount
      DeploymentConfiguration:
        MinimumHealthyPercent: 50
        MaximumPercent: 150
"""

SIX_STUCK = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Web:
    Type: AWS::ECS::Service
    Properties:
      DesiredCount: 6
      DeploymentConfiguration:
        MinimumHealthyPercent: 100
        MaximumPercent: 100
"""

COMPUTED_WITH_TARGET = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Service:
    Type: AWS::ECS::Service
    Properties:
      DesiredCount: !GetAtt DynamicCount.DesiredCount
      LaunchType: FARGATE
      DeploymentConfiguration:
        MinimumHealthyPercent: 100
        MaximumPercent: 200
  Target:
    Type: AWS::ApplicationAutoScaling::ScalableTarget
    Properties:
      MinCapacity: 2
      MaxCapacity: 10
      ResourceId: !Join ['/', [service, !ImportValue cluster, !GetAtt Service.Name]]
      ScalableDimension: ecs:service:DesiredCount
      ServiceNamespace: ecs
"""

DAEMON = """AWSTemplateFormatVersion: '2010-09-09'
Resources:
  Agent:
    Type: AWS::ECS::Service
    Properties:
      SchedulingStrategy: DAEMON
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_a_count_parameter_without_default_is_checked_at_every_count_up_to_the_quota(tmp_path):
    path = write(tmp_path, "queue.yaml", STUCK_AT_ONE)
    row = gate([path]).rows[0]
    assert row.result.model.desired_range == (1, 5000)
    # D = 1: L = ceil(0.5) = 1, U = floor(1.5) = 1: stuck. D >= 2: floor(1.5 D) >= D + 1: a task can start.
    progress = next(f for f in row.result.findings if f.property_id == "progress")
    assert row.verdict.value == "violated" and progress.failing_desired() == [[1, 1]]
    code, out, _ = run("gate", path, seconds=120)
    assert code == 1
    assert "checked: every desired count 1..5,000: DesiredCount is !Ref TaskCount, a parameter with no Default" in out
    assert "5,000 is ECS's default quota of tasks per service" in out


def test_a_computed_count_uses_the_autoscaling_range(tmp_path):
    path = write(tmp_path, "svc.yaml", COMPUTED_WITH_TARGET)
    row = gate([path]).rows[0]
    # 100 / 200 at every D in 2..10: U = 2D >= D + 1.
    assert row.result.model.desired_range == (2, 10) and row.verdict.value == "proved"
    code, out, _ = run("gate", path, seconds=120)
    assert code == 0 and "checked: every desired count 2..10 (the autoscaling range)" in out
    assert "capacity unlimited: Fargate" in out


def test_ecs_json_without_desired_count_is_checked_at_every_count(tmp_path):
    path = write(tmp_path, "update.json", json.dumps(
        {"service": "api", "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 125}}))
    row = gate([path]).rows[0]
    # 100 / 125: U = floor(1.25 D) >= D + 1 only from D = 4; D = 1..3 are stuck.
    progress = next(f for f in row.result.findings if f.property_id == "progress")
    assert row.result.model.desired_range == (1, 5000) and progress.failing_desired() == [[1, 3]]


def test_zero_tasks_is_never_proved_without_saying_so(tmp_path):
    path = write(tmp_path, "idle.yaml", SIX_STUCK.replace("DesiredCount: 6", "DesiredCount: 0"))
    row = gate([path]).rows[0]
    # D = 0: the start is the goal, so every property holds, and says nothing.
    assert row.verdict.value == "proved"
    assert any("proved only because desiredCount is 0" in note for note in row.notes)
    for form in ("text", "markdown", "json", "sarif", "junit"):
        _, out, _ = run("gate", path, "--format", form, seconds=120)
        assert "desiredCount is 0" in out or "desired count 0 only" in out, form


def test_every_format_states_the_capacity_assumed(tmp_path):
    # 4 tasks at 50 / 200: the answer does not matter here, only what it says it assumed.
    path = write(tmp_path, "web.yaml", SIX_STUCK.replace("DesiredCount: 6", "DesiredCount: 4")
                 .replace("MinimumHealthyPercent: 100", "MinimumHealthyPercent: 50")
                 .replace("MaximumPercent: 100", "MaximumPercent: 200"))
    policy = write(tmp_path, "policy.yaml", "defaults:\n  capacityTasks: 9\n")
    for form in ("text", "markdown", "json", "sarif", "junit"):
        _, out, _ = run("gate", path, "--format", form, seconds=120)
        assert "capacity assumed unlimited" in out, form
        _, out, _ = run("gate", path, "--format", form, "--policy", policy, seconds=120)
        assert "capacity 9 task slots (from the policy)" in out, form


def test_each_format_carries_the_cause_with_the_rounding(tmp_path):
    path = write(tmp_path, "queue.yaml", STUCK_AT_ONE)
    wanted = ["minimumHealthyPercent 50% of 1 task rounds up to 1", "maximumPercent 150% of 1 task rounds down to 1"]
    for form in ("text", "markdown", "json", "sarif", "junit"):
        code, out, _ = run("gate", path, "--format", form, seconds=120)
        assert code == 1 and all(words in out for words in wanted), form


def test_a_fix_at_the_current_count_only_says_so_and_a_wider_one_is_beside_it(tmp_path):
    path = write(tmp_path, "web.yaml", SIX_STUCK)
    code, out, _ = run("gate", path, "--format", "json", seconds=300)
    service = json.loads(out)["services"][0]
    assert code == 1
    first, wider = service["fixes"]
    # max 117 at D = 6: U = floor(7.02) = 7 = D + 1. At D = 5: floor(5.85) = 5 = D, stuck; below too.
    assert first["edits"][0]["text"] == "MaximumPercent: 100 -> 117" and first["edits"][0]["line"] == 9
    assert first["holds_for"] == "desired count 6 only" and first["leaves"] == "leaves desiredCount 1..5 failing"
    # D = 1 needs floor(x / 100) >= 2, so x = 200, the least that holds for 1..6 (min 100 cannot drop).
    assert wider["edits"][0]["text"] == "MaximumPercent: 100 -> 200"
    assert wider["holds_for"] == "every desired count 1..6"


def test_sarif_fix_replaces_the_value_and_the_fixed_file_passes(tmp_path):
    path = write(tmp_path, "web.yaml", SIX_STUCK)
    code, out, _ = run("gate", path, "--format", "sarif", seconds=300)
    assert code == 1
    document = json.loads(out)
    result = next(r for r in document["runs"][0]["results"] if r["level"] == "error")
    wider = result["fixes"][-1]
    change = wider["artifactChanges"][0]
    replacement = change["replacements"][0]
    region = replacement["deletedRegion"]
    lines = path.read_text().splitlines(keepends=True)
    line = lines[region["startLine"] - 1]
    assert line[region["startColumn"] - 1:region["endColumn"] - 1] == "100"
    lines[region["startLine"] - 1] = (line[:region["startColumn"] - 1] + replacement["insertedContent"]["text"]
                                      + line[region["endColumn"] - 1:])
    path.write_text("".join(lines))
    assert "MaximumPercent: 200" in path.read_text()
    assert run("gate", path, seconds=120).code == 0  # the fix, applied as SARIF says, is verified


def test_sarif_with_fixes_and_notes_matches_the_schema(tmp_path):
    import jsonschema
    schema = json.loads(sarif_schema().read_text())
    write(tmp_path, "web.yaml", SIX_STUCK)
    write(tmp_path, "agent.yaml", DAEMON)
    _, out, _ = run("gate", tmp_path, "--format", "sarif", seconds=300)
    document = json.loads(out)
    jsonschema.Draft4Validator(schema).validate(document)
    levels = sorted(r["level"] for r in document["runs"][0]["results"])
    assert levels == ["error", "note"]


def test_unanalysed_services_pass_unless_asked_and_appear_in_every_format(tmp_path):
    path = write(tmp_path, "agent.yaml", DAEMON)
    assert run("gate", path).code == 0
    assert run("gate", path, "--fail-on-unanalysed").code == 1
    code, out, _ = run("gate", path, "--fail-on-unanalysed", "--format", "json")
    assert code == 1 and json.loads(out)["exit_code"] == 1
    for form in ("text", "markdown", "json", "sarif", "junit"):
        _, out, _ = run("gate", path, "--format", form)
        assert "Agent" in out and "DAEMON" in out, form


def test_reproduce_line_of_a_template_service_gives_the_gate_verdict(tmp_path):
    write(tmp_path, "queue.yaml", STUCK_AT_ONE)
    write(tmp_path, "svc.yaml", COMPUTED_WITH_TARGET)
    code, out, _ = run("gate", tmp_path, "--format", "json", seconds=120)
    assert code == 1
    for service in json.loads(out)["services"]:
        command = next(p["counterexample"]["reproduce"] for p in service["properties"] if p["counterexample"]) \
            if service["verdict"] == "violated" else None
        if command is None:
            continue
        words = shlex.split(command)
        assert words[:2] == ["rollproof", "verify"]
        again, text, _ = run(*words[1:], seconds=120)
        assert again == 1 and "VIOLATED" in text
    verdicts = {s["model"]: s["verdict"] for s in json.loads(out)["services"]}
    assert run("verify", tmp_path / "svc.yaml", seconds=120).code == 0 and verdicts["Service"] == "proved"


def test_verify_and_suggest_read_infrastructure_code(tmp_path):
    write(tmp_path, "queue.yaml", STUCK_AT_ONE)
    write(tmp_path, "web.yaml", SIX_STUCK)
    code, _, err = run("verify", tmp_path)
    assert code == 2 and "give --service NAME" in err and "Queue" in err and "Web" in err
    code, _, err = run("verify", tmp_path, "--service", "Nope")
    assert code == 2 and "no ECS service named 'Nope'" in err
    code, out, _ = run("verify", tmp_path, "--service", "Web", seconds=120)
    assert code == 1 and "deadlock with 6 old, 0 new tasks" in out
    code, out, _ = run("suggest", tmp_path / "web.yaml", seconds=300)
    assert code == 0 and "web.yaml:9   MaximumPercent: 100 -> 117" in out


@pytest.mark.parametrize("count, low, high", [(1, "is", "rounds down to"), (3, "rounds up to", "rounds down to")])
def test_rounding_words(count, low, high):
    from verifier.ci.answers import rounding
    from verifier.model.records import Model, Settings
    # 100% of 1 is exactly 1; 150% of 1 is 1.5 -> 1. 50%... of 3 is 1.5 -> 2; 150% of 3 is 4.5 -> 4.
    model = Model("m", Settings(count, 100 if count == 1 else 50, 150))
    words = rounding(model, count)
    assert f"of {count} task{'s' * (count != 1)} {low}" in words and f"{high}" in words


def test_a_capacity_fix_is_an_edit_to_the_policy(tmp_path):
    path = write(tmp_path, "svc.json", json.dumps({"serviceName": "w", "desiredCount": 3}))
    policy = write(tmp_path, "policy.yaml", "defaults:\n  capacityTasks: 3\n")
    code, out, _ = run("gate", path, "--policy", policy, "--format", "json", seconds=300)
    service = json.loads(out)["services"][0]
    # 3 tasks in 3 slots at 100 / 200: no old task may stop (L = 3) and no slot is free to start one.
    # minimumHealthyPercent never drops without a minHealthy requirement, and maximumPercent cannot
    # free a slot, so the fix is one more slot: 4 lets ECS start one task, then replace one at a time.
    assert code == 1 and service["capacity"] == "capacity 3 task slots (from the policy)"
    edits = [e for fix in service["fixes"] for e in fix["edits"]]
    assert edits[0] == {"file": str(policy), "line": 1, "text": "capacityTasks: 3 -> 4", "replacement": None}
