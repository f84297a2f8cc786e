"""`verify --what-if` and `suggest` under a bad release.

The CLI shape (both answers, JSON with `what_if`, exit codes, usage errors) is tested on any engine; the
verdicts under a broken release need the engines that check properties under faults, and are marked.
"""

import json
from dataclasses import replace

import pytest
from conftest import assert_valid_json_output, make_model, run_in_process

from verifier.check.breaker_fix import breaker_fix, least_percent_for
from verifier.check.suggest import suggest
from verifier.check.verify import verify
from verifier.check.what_if import WhatIf, faults_for, release_label
from verifier.model.faults import FAILS_HEALTH_CHECKS, FAILS_TO_START, Breaker, Faults
from verifier.model.records import Requirements, TaskCount
from verifier.results import Verdict
from verifier.rounding import rounded_percent

D6_MIN50 = ("--desired", "6", "--min-healthy-percent", "50", "--max-percent", "200")


def test_what_if_prints_both_answers_and_the_verdict_over_both():
    run = run_in_process("verify", *D6_MIN50, "--what-if", "broken")
    assert run.code in (0, 1)
    assert run.out.count("verdict:") == 2
    assert "What if the release is bad (newRevision: failsHealthChecks)" in run.out
    assert "over both" in run.out.splitlines()[-1]
    # the second answer's reproduce command checks the release again
    assert "--what-if broken" in run.out.split("What if")[1]


def test_what_if_json_shape_and_schema():
    run = run_in_process("verify", *D6_MIN50, "--what-if", "failsToStart", "--format", "json")
    assert_valid_json_output(run.out)
    data = json.loads(run.out)
    what_if = data["what_if"]
    assert what_if["new_revision"] == FAILS_TO_START and what_if["release"] == "newRevision: failsToStart"
    assert what_if["result"]["bounds"] == data["bounds"]   # the same model, only the release differs
    worst = max((data["verdict"], what_if["result"]["verdict"]), key=["proved", "inconclusive", "violated"].index)
    assert what_if["verdict_over_both"] == worst
    assert run.code == {"proved": 0, "violated": 1, "inconclusive": 3}[worst]


@pytest.mark.parametrize("words, message", [
    (("--what-if", "broken", "--check-labels"), "not both"),
    (("--what-if", "sometimes"), "invalid choice"),
])
def test_what_if_usage_errors(words, message):
    run = run_in_process("verify", *D6_MIN50, *words)
    assert run.code == 2 and message in run.err


def test_what_if_refuses_a_desired_range():
    run = run_in_process("verify", "--desired-range", "2..8", "--min-healthy-percent", "50", "--what-if", "broken")
    assert run.code == 2 and "one desired count" in run.err


def test_verdict_over_both_is_the_worse():
    as_written = verify(make_model(4, 50, 200))
    assert as_written.verdict is Verdict.PROVED
    for other in (Verdict.VIOLATED, Verdict.INCONCLUSIVE):
        assert WhatIf(as_written, replace(as_written, verdict=other)).verdict is other
        assert WhatIf(replace(as_written, verdict=other), as_written).verdict is other
    assert WhatIf(as_written, as_written).verdict is Verdict.PROVED


def test_faults_for_keeps_crashes_and_drops_what_the_release_does_not_read():
    model = replace(make_model(6, 50, 200), faults=Faults(new_revision="flaky", flaky_failures=2,
                                                          fail_after_seconds=60, old_task_crashes=1))
    broken = faults_for(model, "broken")
    assert broken == Faults(new_revision=FAILS_HEALTH_CHECKS, fail_after_seconds=60, old_task_crashes=1)
    assert faults_for(model, "failsToStart") == Faults(new_revision=FAILS_TO_START, old_task_crashes=1)
    assert release_label(broken) == "newRevision: failsHealthChecks, oldTaskCrashes: 1"


# --- suggest ---------------------------------------------------------------------------------------------

def test_least_percent_for_each_floor_by_brute_force():
    """The least m in 0..100 with ceil(D*m/100) >= L, found by trying every m, for D up to 60."""
    for desired in range(1, 61):
        for floor in range(1, desired + 1):
            expected = next(m for m in range(101) if rounded_percent(desired, m, round_up=True) >= floor)
            assert least_percent_for(desired, floor) == expected, (desired, floor)


def test_least_percent_for_hand_values():
    assert least_percent_for(6, 5) == 67    # ceil(6*67/100) = ceil(4.02) = 5; 66 gives ceil(3.96) = 4
    assert least_percent_for(6, 6) == 84    # ceil(6*84/100) = ceil(5.04) = 6; 83 gives ceil(4.98) = 5
    assert least_percent_for(3, 2) == 34    # ceil(1.02) = 2; 33 gives ceil(0.99) = 1


def broken_min50(breaker=None):
    model = make_model(6, 50, 200)
    model = replace(model, settings=replace(model.settings, breaker=breaker),
                    requirements=Requirements(min_healthy=TaskCount(75, percent=True)),
                    faults=Faults(new_revision=FAILS_HEALTH_CHECKS))
    return model


def test_suggest_under_a_bad_release_raises_the_minimum_to_the_least_value_that_holds():
    """D = 6, minHealthy 75% needs 5 healthy (ceil(4.5)); with the breaker on, ECS never stops a task below
    the floor L, and the rollback only adds old tasks, so the least fix is L = 5: m = 67 (see above)."""
    result = suggest(broken_min50(Breaker(rollback=True)))
    assert not result.already_holds and result.breaker_fix is not None
    assert result.breaker_fix.min_healthy_percent == 67
    assert result.breaker_fix.breaker == Breaker(rollback=True)   # kept: it was already on
    assert result.verdict_after is Verdict.PROVED
    run_json = result.breaker_fix.changes
    assert run_json == ("raise minimumHealthyPercent from 50 to 67 (at least 5 of 6 healthy)",)


def test_suggest_json_and_text_for_a_bad_release(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("service:\n  desiredCount: 6\n  deploymentConfiguration:\n    minimumHealthyPercent: 50\n"
                    "    deploymentCircuitBreaker: {enable: true, rollback: true}\n"
                    "faults: {newRevision: failsHealthChecks}\nrequirements: {minHealthy: 75%}\n")
    run = run_in_process("suggest", path, "--format", "json")
    assert_valid_json_output(run.out)
    data = json.loads(run.out)
    assert run.code == 0 and data["verified"] is True
    assert data["bad_release_fix"]["min_healthy_percent"] == 67
    # ECS's defaults for a breaker given only enable and rollback: BOUNDED_PERCENT 50, reset on a healthy task
    assert data["bad_release_fix"]["circuit_breaker"] == {
        "enable": True, "rollback": True, "thresholdConfiguration": {"type": "BOUNDED_PERCENT", "value": 50},
        "resetOnHealthyTask": True}
    text = run_in_process("suggest", path)
    assert "raise minimumHealthyPercent from 50 to 67" in text.out


# --- verdicts under a broken release: they need the engines that check properties under faults ----------

def _fault_engines():
    pytest.importorskip("verifier.explicit.fault_graph", reason="properties under faults are checked by the "
                        "fault graph engine (verifier.explicit.fault_graph)")


def test_what_if_broken_without_breaker_is_violated():
    """SPEC 11 "no breaker, broken": ECS relaunches failing tasks forever, so progress is violated under the
    release while the model as written (a working release) holds: exit 1, the worse of the two."""
    _fault_engines()
    run = run_in_process("verify", *D6_MIN50, "--what-if", "broken", "--format", "json")
    data = json.loads(run.out)
    assert data["verdict"] == "proved" and data["what_if"]["result"]["verdict"] == "violated"
    assert run.code == 1


def test_suggest_enables_the_breaker_alone_when_that_suffices():
    """D = 6, min 100 / max 200, broken, no breaker: progress is violated (never ends). With the breaker and
    rollback, SPEC 11 "defaults, broken" rolls back at 150 s with healthy never below 6: one change."""
    _fault_engines()
    model = replace(make_model(6, 100, 200), faults=Faults(new_revision=FAILS_HEALTH_CHECKS))
    found = breaker_fix(model, 10_000)
    assert found is not None and found.breaker == Breaker(rollback=True) and found.min_healthy_percent == 100
    assert found.changes == ("enable the deployment circuit breaker with rollback",)


def test_suggest_needs_both_without_breaker_and_min50():
    """D = 6, min 50, no breaker, minHealthy 75%: a higher minimum alone never ends the release (progress),
    the breaker alone leaves 3 healthy (< 5): both, with m = 67 as derived above."""
    _fault_engines()
    found = breaker_fix(broken_min50(), 10_000)
    assert found is not None and found.breaker == Breaker(rollback=True) and found.min_healthy_percent == 67
    assert len(found.changes) == 2


@pytest.mark.parametrize("mode, rollback", [("rollback", True), ("no-rollback", False)])
def test_circuit_breaker_flag_reaches_the_model_and_its_reproduce_command(mode, rollback):
    import argparse

    from verifier.cli.inputs import models_of
    from verifier.cli.parser import build_parser
    from verifier.model.reproduce import reproduce_command
    args = build_parser().parse_args(["verify", *D6_MIN50, "--circuit-breaker", mode])
    assert isinstance(args, argparse.Namespace)
    model, = models_of(args)
    assert model.settings.breaker == Breaker(rollback=rollback)
    assert reproduce_command(model).endswith(f"--circuit-breaker {mode}")
    again, = models_of(build_parser().parse_args(reproduce_command(model).split()[1:]))
    assert again.settings == model.settings


def test_suggest_lowers_the_breaker_threshold_when_the_rollback_is_late(tmp_path):
    """D = 10 at 100/110: L = 10, U = 11, so ECS runs one new task at a time. Each fails 150 s after its
    launch and is relaunched at once: failures at 150, 300, 450, ... s. The default threshold is
    max(3, ceil(10 * 50 / 100)) = 5: the breaker trips at 750 s, and with no old task stopped the service is
    rolled back then, over maxRollbackSeconds 300. COUNT 2 trips at 300 s (holds); COUNT 3 at 450 s does not.
    The minimum is already 100 and raises nothing, so the threshold is the fix."""
    path = tmp_path / "slow.yaml"
    path.write_text(
        "service:\n  desiredCount: 10\n  deploymentConfiguration:\n    minimumHealthyPercent: 100\n"
        "    maximumPercent: 110\n    deploymentCircuitBreaker: {enable: true, rollback: true}\n"
        "faults: {newRevision: failsHealthChecks}\nrequirements: {maxRollbackSeconds: 300}\n")
    run = run_in_process("suggest", str(path), "--format", "json")
    fix = json.loads(run.out)["bad_release_fix"]
    assert fix["circuit_breaker"]["thresholdConfiguration"] == {"type": "COUNT", "value": 2}
    assert fix["verified"] is True and fix["min_healthy_percent"] == 100
