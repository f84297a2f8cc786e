"""The gate's policy file: validation with file and line, precedence, and waivers."""

import datetime
import textwrap

import pytest
from conftest import INFRA

from verifier.ci.gate import gate
from verifier.ci.policy import load_policy
from verifier.errors import ModelError


def write(tmp_path, text):
    path = tmp_path / "rollproof.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_precedence_defaults_cluster_then_services(tmp_path):
    policy = load_policy(write(tmp_path, """\
        defaults: {capacityTasks: 20, requirements: {minHealthy: 2}}
        clusters: {prod: {capacityHeadroomTasks: 4}}
        services:
          - match: "web*"
            requirements: {maxDeployMinutes: 10}
          - match: web-api
            capacityTasks: 9
        """))
    web = policy.for_service(("WebService", "web-api"), "prod")
    assert (web.capacity, web.capacity_headroom) == (9, None)   # the last matching entry wins
    assert web.requirements["max_deploy_seconds"] == 600 and web.requirements["min_healthy"].value == 2
    other = policy.for_service(("Other",), "prod")
    assert (other.capacity, other.capacity_headroom) == (None, 4)
    assert policy.for_service(("Other",), "dev").capacity == 20


@pytest.mark.parametrize("text, line, words", [
    ("defaults:\n  capacityTask: 3\n", 2, "unknown key 'capacityTask'"),
    ("services:\n  - desiredRange: [1, 4]\n", 2, "needs 'match'"),
    ("waivers:\n  - match: x\n    expires: 2026-01-01\n", 2, "needs 'reason'"),
    ("waivers:\n  - match: x\n    reason: r\n    expires: soon\n", 4, "must be a date"),
    ("waivers:\n  - match: x\n    property: speed\n    reason: r\n    expires: 2026-01-01\n", 3,
     "unknown property id 'speed'"),
])
def test_bad_policy_names_file_and_line(tmp_path, text, line, words):
    with pytest.raises(ModelError) as caught:
        load_policy(write(tmp_path, text))
    assert caught.value.line == line and words in str(caught.value)


def test_gate_with_the_fixture_policy():
    policy = load_policy(INFRA / "rollproof.yaml")
    report = gate([INFRA], policy=policy, today=datetime.date(2026, 11, 26))
    rows = {row.spec.name: row for row in report.rows}
    # The waiver for `reports` is active: its stuck deployment no longer fails the gate.
    assert rows["reports"].verdict.value == "proved" and rows["reports"].waived[0][0] == "progress"
    # The Batch* waiver expired in 2020: the violation stands, with a note.
    assert rows["BatchService"].verdict.value == "violated"
    assert "expired on 2020-01-31" in rows["BatchService"].notes[0]
    # checkout is in cluster prod, but on Fargate: the cluster's slots do not limit it. ECS starts
    # all 6 new tasks at once, stops the 6 old ones at 150 s, gone at 450 s: over 5 minutes.
    assert rows["checkout"].verdict.value == "violated"
    assert rows["checkout"].result.model.settings.capacity is None
    assert rows["checkout"].result.ecs.makespan_seconds == 450
    # WebService (EC2, cluster prod by parameter default) does get the 4 slots of headroom.
    assert rows["WebService"].result.model.capacity_headroom == 4
    assert str(INFRA / "rollproof.yaml") not in report.unrecognised
