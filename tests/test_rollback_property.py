"""The `rollback` property and ECS's run with faults in verify's JSON and text (docs/semantics.md#faults)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import assert_valid_json_output, run_in_process

from verifier.errors import ModelError
from verifier.model.loading import load_model

BREAKER = "    deploymentCircuitBreaker: {enable: true, rollback: true}\n"
NO_ROLLBACK = "    deploymentCircuitBreaker: {enable: true, rollback: false}\n"


def model(tmp_path: Path, minimum: int = 50, breaker: str = BREAKER, faults: str = "failsHealthChecks",
          limit: int | None = 300, extra: str = "") -> Path:
    text = (f"name: bad-release\nservice:\n  desiredCount: 6\n  deploymentConfiguration:\n"
            f"    minimumHealthyPercent: {minimum}\n{breaker}faults:\n  newRevision: {faults}\n{extra}")
    if limit is not None:
        text += f"requirements:\n  maxRollbackSeconds: {limit}\n"
    path = tmp_path / "bad-release.yaml"
    path.write_text(text)
    return path


def rollback_finding(output: str) -> dict[str, object]:
    data = json.loads(output)
    return next(p for p in data["properties"] if p["id"] == "rollback")


def test_max_rollback_seconds_is_read_and_checked(tmp_path: Path) -> None:
    assert load_model(model(tmp_path, limit=300)).requirements.max_rollback_seconds == 300
    with pytest.raises(ModelError, match="maxRollbackSeconds"):
        load_model(model(tmp_path, limit=-1))


def test_rollback_holds_at_the_limit_and_fails_below_it(tmp_path: Path) -> None:
    # SPEC 11's min-50 row: rolled back at 300 s. 300 s is within a 300 s limit, not a 299 s one.
    done = run_in_process("verify", model(tmp_path, limit=300), "--format", "json")
    assert rollback_finding(done.out)["status"] == "holds"
    done = run_in_process("verify", model(tmp_path, limit=299), "--format", "json")
    assert done.code == 1
    finding = rollback_finding(done.out)
    assert finding["status"] == "violated" and "300 s" in str(finding["message"])


@pytest.mark.parametrize("breaker, words", [
    ("", "relaunches failing tasks for ever"),           # no breaker: never completes
    (NO_ROLLBACK, "stays half way"),                     # FAILED at 150 s
])
def test_rollback_fails_without_a_rolling_back_breaker(tmp_path: Path, breaker: str, words: str) -> None:
    done = run_in_process("verify", model(tmp_path, breaker=breaker, limit=10_000), "--format", "json")
    finding = rollback_finding(done.out)
    assert finding["status"] == "violated" and words in str(finding["message"])


def test_rollback_holds_for_a_flaky_revision_that_completes(tmp_path: Path) -> None:
    # One failing task of six, defaults: the deployment completes at 600 s (see test_ecs_faults), nothing
    # to roll back, whatever the limit.
    path = model(tmp_path, minimum=100, faults="flaky\n  flakyFailures: 1", limit=1)
    assert rollback_finding(run_in_process("verify", path, "--format", "json").out)["status"] == "holds"


def test_rollback_applies_only_with_a_limit(tmp_path: Path) -> None:
    data = json.loads(run_in_process("verify", model(tmp_path, limit=None), "--format", "json").out)
    assert "rollback" not in [p["id"] for p in data["properties"]]


def test_json_ecs_block_of_a_rolled_back_run(tmp_path: Path) -> None:
    # SPEC 11's min-50 row: trips at 150 s, T = 3, rolled back at 300 s, 3 healthy from 0 s to 300 s.
    # A rolled-back run does not complete; its makespan is the rollback's end.
    done = run_in_process("verify", model(tmp_path), "--format", "json")
    assert_valid_json_output(done.out)
    ecs = json.loads(done.out)["ecs"]
    assert {k: ecs[k] for k in ("outcome", "breaker_threshold", "tripped_at_seconds", "rolled_back_at_seconds",
                                "seconds_below_desired", "completes", "makespan_seconds", "min_healthy_seen")} == {
        "outcome": "rolled_back", "breaker_threshold": 3, "tripped_at_seconds": 150, "rolled_back_at_seconds": 300,
        "seconds_below_desired": 300, "completes": False, "makespan_seconds": 300, "min_healthy_seen": 3}
    assert ecs["trace"]["times"][-1] == 300 and ecs["trace"]["states"][-1]["old"] == 6


def test_json_nulls_without_breaker(tmp_path: Path) -> None:
    # No breaker: never completes, healthy 3 for ever; no threshold, no trip.
    done = run_in_process("verify", model(tmp_path, breaker="", limit=None), "--format", "json")
    assert_valid_json_output(done.out)
    ecs = json.loads(done.out)["ecs"]
    assert (ecs["outcome"], ecs["breaker_threshold"], ecs["tripped_at_seconds"], ecs["seconds_below_desired"],
            ecs["completes"], ecs["makespan_seconds"]) == ("never_completes", None, None, None, False, None)


def test_a_model_without_faults_keeps_its_json(tmp_path: Path) -> None:
    path = tmp_path / "plain.yaml"
    path.write_text("service:\n  desiredCount: 6\n")
    ecs = json.loads(run_in_process("verify", path, "--format", "json").out)["ecs"]
    assert "outcome" not in ecs and ecs["completes"] is True and ecs["makespan_seconds"] == 450


def test_text_report_says_when_it_trips_and_how_low_it_goes(tmp_path: Path) -> None:
    text = run_in_process("verify", model(tmp_path, limit=None)).out
    assert ("ECS's run with a broken revision: breaker trips at 150 s (threshold 3), rolled back at 300 s; "
            "lowest healthy 3 of 6, below 6 for 300 s (0 s - 300 s); peak 9") in text
    text = run_in_process("verify", model(tmp_path, breaker="", limit=None)).out
    assert "no circuit breaker, never completes" in text and "below 6 for ever (from 0 s on)" in text


def test_a_desired_range_says_rollback_is_answered_per_count(tmp_path: Path) -> None:
    # Not silently left out: unknown over the range (exit 3 where nothing is violated), with the
    # lowest count's run (SPEC 11's min-50 row at D=6: rolled back at 300 s).
    path = model(tmp_path)
    path.write_text(path.read_text().replace("desiredCount: 6", "desiredRange: [6, 8]"))
    done = run_in_process("verify", path, "--format", "json")
    assert_valid_json_output(done.out)
    finding = rollback_finding(done.out)
    assert finding["status"] == "unknown" and done.code == 3
    assert "rolled back at 300 s" in " ".join(finding.get("details", []))  # type: ignore[arg-type]
