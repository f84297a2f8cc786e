"""The SMT engine against the explicit engine, and its proofs on their own terms."""

import pytest
import z3
from hypothesis import given, settings as hsettings, strategies as st

from verifier.replay import replay
from verifier.smt.encoding import over_desired, state_vars, step
from verifier.results import Status
from verifier.smt.invariants import holds
from verifier.model.records import Requirements, Settings, TaskCount
from verifier.smt.solver import Query
from verifier.check.verify import Options, verify
from conftest import make_model, violation_of


def small_models(max_desired):
    return st.builds(
        make_model,
        desired=st.integers(0, max_desired),
        min_pct=st.integers(0, 200),
        max_pct=st.integers(0, 200),
        capacity=st.none() | st.integers(0, 2 * max_desired + 2),
        stopping_counts_toward_max=st.booleans(),
        requirements=st.builds(
            Requirements,
            min_healthy=st.none() | st.builds(TaskCount, st.integers(0, 12)) | st.builds(
                TaskCount, st.integers(0, 150), st.just(True)),
            max_tasks=st.none() | st.builds(TaskCount, st.integers(0, 24)),
            max_deploy_seconds=st.none() | st.integers(0, 3000),
            max_steps=st.none() | st.integers(0, 12),
        ),
    )


def statuses(result):
    return {f.property_id: f.status for f in result.findings}


def figures(result):
    return (result.bounds, result.step_plan.min_steps, result.step_plan.sequential_seconds,
            result.ecs.makespan_seconds, result.ecs.min_healthy_seen, result.ecs.max_counted_seen,
            result.optimal.makespan_seconds)


def compare_engines(model):
    explicit = verify(model, Options(engine="explicit"))
    smt = verify(model, Options(engine="smt"))
    assert statuses(smt) == statuses(explicit)
    assert figures(smt) == figures(explicit)
    for finding in smt.findings:
        if finding.status is Status.VIOLATED and finding.counterexample is not None:
            trace = finding.counterexample
            replay(smt.bounds, trace, violation_of(model, finding.property_id, trace), finding.property_id)


@hsettings(max_examples=80)
@given(small_models(max_desired=12))
def test_engines_agree_on_small_models(model):
    compare_engines(model)


@pytest.mark.slow
@hsettings(max_examples=600)
@given(small_models(max_desired=12))
def test_engines_agree_on_many_small_models(model):
    compare_engines(model)


@pytest.mark.parametrize("min_pct, max_pct, capacity", [
    (100, 200, None), (50, 200, None), (50, 150, None), (100, 125, None), (0, 100, None),
    (150, 50, None), (100, 200, "headroom"), (75, 100, "headroom"),
])
def test_invariant_is_inductive_for_every_desired_count(min_pct, max_pct, capacity):
    # Not for one D but for all: D is a Z3 integer, L and U tied to it by the rounding facts.
    desired = z3.Int("D")
    model = over_desired(Settings(1, min_pct, max_pct), desired,
                         capacity=desired + 2 if capacity == "headroom" else None)
    now, then = state_vars("a"), state_vars("b")
    answer = Query().add(*model.facts, holds(model, now), step(model, now, then),
                         z3.Not(holds(model, then))).check()
    assert not answer.sat


def test_a_million_tasks_are_proved():
    result = verify(make_model(1_000_000, 50, 200), Options(engine="smt"))
    assert result.engine == "smt"
    assert all(f.status is Status.HOLDS for f in result.findings)
    # ECS: launch 10^6 (U = 2 x 10^6), all ready at 150 s, stop all, gone at 450 s.
    assert result.ecs.makespan_seconds == 450


def test_auto_picks_smt_for_large_services():
    assert verify(make_model(200, 50, 200), Options(engine="auto")).engine == "smt"
    assert verify(make_model(6, 50, 200, 8), Options(engine="auto")).engine == "explicit"
