"""`auto` for a bad release: the fault graph while it is small, the smt engine beyond, with the same answers."""

from __future__ import annotations

from dataclasses import replace

from verifier.check.bad_release import AUTO_FAULT_STATES
from verifier.check.verify import Options, verify
from verifier.model.faults import Breaker, Faults
from verifier.model.records import Model, Settings
from verifier.results import Engine


def _broken(desired: int, minimum: int) -> Model:
    settings = Settings(desired, minimum, 200, breaker=Breaker(rollback=True))
    return Model(f"broken-{desired}", settings, faults=Faults("failsHealthChecks"))


def _statuses(model: Model, engine: Engine) -> dict[str, str]:
    result = verify(model, Options(engine=engine))
    return {str(f.property_id): str(f.status) for f in result.findings}


def test_a_small_bad_release_is_searched_state_by_state():
    # D = 6 at 50/200: 250 fault states (the reference row), far below the auto limit.
    result = verify(_broken(6, 50))
    assert result.engine is Engine.EXPLICIT and 0 < result.states < AUTO_FAULT_STATES
    assert result.min_healthy_reachable == 3   # stop 3 of 6 under L = 3


def test_a_larger_bad_release_goes_to_z3_and_gets_the_explicit_answers():
    model = _broken(24, 50)
    auto = verify(model)
    assert auto.engine is Engine.SMT and auto.states == 0
    # L = ceil(24 * 50 / 100) = 12: the lowest healthy count is 12 (stop 12 old, no crash).
    assert auto.min_healthy_reachable == 12
    explicit = verify(model, Options(engine=Engine.EXPLICIT))
    assert explicit.states > AUTO_FAULT_STATES
    assert explicit.min_healthy_reachable == 12
    assert _statuses(model, Engine.AUTO) == _statuses(model, Engine.EXPLICIT)


def test_without_rollback_both_engines_find_the_half_way_failure():
    model = _broken(24, 50)
    model = replace(model, settings=replace(model.settings, breaker=Breaker(rollback=False)))
    auto, explicit = _statuses(model, Engine.AUTO), _statuses(model, Engine.EXPLICIT)
    assert auto["progress"] == explicit["progress"] == "violated"
