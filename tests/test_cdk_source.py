"""A CDK app whose synthesized templates are not in what the gate reads: its ECS services are listed, not unseen.

tests/fixtures/shapes/cdk-source reproduces the shape of CDK sample repositories that keep the app's
source and no cdk.out: an aws-ecs-patterns construct in TypeScript, an Ec2Service in Python, a type
annotation and an import that create nothing, and compiled output under dist/ that is not source.
"""

import json
import shutil

from conftest import ROOT, run_in_process

from verifier.ci.gate import services_in
from verifier.ingest import ANALYSABLE

APP = ROOT / "tests" / "fixtures" / "shapes" / "cdk-source"


def read(folder):
    found = []
    for _, services, error in services_in([folder]):
        assert error is None, error
        found += services or []
    return found


def test_service_constructs_of_an_unsynthesized_app_are_read_from_their_calls():
    found = {(spec.file.rsplit("/", 1)[-1], spec.line): spec for spec in read(APP)}
    # web-stack.ts line 10 creates 'Web'; worker.py line 5 creates "Worker". Line 7 (a type) and line 3
    # (an import) create nothing, and dist/ holds compiled output, not the app's source.
    assert sorted(found) == [("web-stack.ts", 10), ("worker.py", 5)]
    web, worker = found[("web-stack.ts", 10)], found[("worker.py", 5)]
    assert (web.name, worker.name) == ("Web", "Worker")
    # Both calls write desiredCount literally and leave the percentages to CDK (50 and 200).
    assert web.status == worker.status == ANALYSABLE
    assert (web.desired.value, worker.desired.value) == (2, 1)
    assert (web.min_healthy_percent.value, web.max_percent.value) == (50, 200)
    assert web.fargate and not worker.fargate


def test_a_synthesized_output_takes_the_place_of_the_constructs(tmp_path):
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    settings = json.loads((app / "cdk.json").read_text())
    (app / "cdk.json").write_text(json.dumps({**settings, "output": "synth"}))  # cdk.json names the folder
    (app / "synth").mkdir()
    (app / "synth" / "Web.template.json").write_text(json.dumps({"Resources": {"Web": {
        "Type": "AWS::ECS::Service", "Properties": {"DesiredCount": 2, "LaunchType": "FARGATE"}}}}))
    # The template is read; the constructs it came from are not listed a second time.
    assert [(spec.name, spec.desired.value) for spec in read(app)] == [("Web", 2)]


def test_the_gate_answers_them_and_exits_0():
    run = run_in_process("gate", APP, "--format", "json")
    assert run.code == 0, run.err
    rows = json.loads(run.out)["services"]
    # Web: 2 tasks, 50% of 2 is 1 healthy, 200% of 2 is 4: one new task starts, one old stops, and so on.
    # Worker: 1 task, 50% of 1 rounds up to 1, 200% of 1 is 2: the new task starts beside the old one.
    assert [row["verdict"] for row in rows] == ["proved", "proved"]
