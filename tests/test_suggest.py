"""`rollproof suggest`: every stuck model in models/ gets a fix that `verify` then proves."""

import json
from dataclasses import replace

import pytest
from conftest import MODEL_PATHS, MODELS, run_cli

from verifier.check.suggest import suggest
from verifier.check.verify import Options, check_model
from verifier.model.loading import load_model
from verifier.results import Verdict

# A bad release that never rolls back is fixed by its circuit breaker, not by the percentages this
# file's fixes change, so models with faults are left out here; suggest refuses models with
# cluster.instances (tests/test_placement.py checks that it says so).
STUCK = [p for p in MODEL_PATHS
         if "progress" in (load_model(p).expect.violated if load_model(p).expect else ())
         and not load_model(p).faults.any and load_model(p).placement is None]


def apply(model, fix):
    settings = replace(model.settings, min_healthy_percent=fix.min_healthy_percent,
                       max_percent=fix.max_percent,
                       capacity=fix.capacity if fix.capacity is not None else model.settings.capacity)
    return replace(model, settings=settings, plan=None)


def test_there_are_stuck_models():
    assert len(STUCK) >= 4


@pytest.mark.parametrize("path", STUCK, ids=[p.stem for p in STUCK])
def test_every_stuck_model_gets_a_fix_that_verify_proves(path):
    model = load_model(path)
    result = suggest(model)
    fixes = [fix for fix in (result.fix, result.capacity_fix) if fix is not None]
    assert fixes, result.note
    for fix in fixes:
        for engine in ("explicit", "smt"):
            assert check_model(apply(model, fix), Options(engine=engine)).verdict is Verdict.PROVED


def test_both100_needs_maximum_117():
    # D = 6, minimum stays 100 (no requirement lets it drop), so ECS must start one new task
    # first: floor(6 x / 100) >= 7 needs x >= 117 (6 x 1.16 = 6.96 rounds down to 6).
    result = suggest(load_model(MODELS / "both100.yaml"))
    assert (result.fix.min_healthy_percent, result.fix.max_percent) == (100, 117)
    assert result.fix.total_change == 17


def test_one_task_stuck_at_min50_max150_needs_max_200():
    # D = 1: L = ceil(m / 100) = 1 for any m >= 50, so the new task must start first:
    # floor(x / 100) >= 2 needs x = 200. A change of 50 points, and nothing smaller works.
    from verifier.model.records import Model, Settings
    model = Model("one", Settings(1, 50, 150), desired_range=(1, 5000))
    result = suggest(model)
    assert (result.fix.min_healthy_percent, result.fix.max_percent) == (50, 200)


def test_no_lowering_of_minimum_without_requirement():
    # no-spare-room: 4 tasks, 4 slots, minimum 100. Only a lower minimum or one more slot helps;
    # without a minHealthy requirement the minimum may not drop, so only capacity is offered.
    result = suggest(load_model(MODELS / "no-spare-room.yaml"))
    assert result.fix is None and result.capacity_fix.capacity == 5


def test_suggest_json_and_exit_code():
    code, out, _ = run_cli("suggest", "models/both100.yaml", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["schema"] == "rollproof/suggestion/v2"
    assert document["changes"] == {"min_healthy_percent": 100, "max_percent": 117}
    assert document["verified"] is True
