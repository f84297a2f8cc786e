"""The SMT engine against the explicit engine, and its proofs on their own terms."""

import pytest
import z3
from conftest import make_model, violation_of
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from verifier.check.verify import Options, verify
from verifier.model.records import Requirements, Settings, TaskCount
from verifier.replay import replay
from verifier.results import Status
from verifier.smt.encoding import over_desired, state_vars, step
from verifier.smt.invariants import holds
from verifier.smt.solver import Query


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


def test_optimum_finds_the_optimum_and_says_when_there_is_none():
    from verifier.smt.solver import Optimum, value
    x = z3.Int("x")
    # The largest x with 3x <= 20 is 6, the least with 3x >= 20 is 7: integer optima, not 20/3.
    most = Optimum().add(3 * x <= 20).most(x)
    assert most.sat and value(most.model, x) == 6
    least = Optimum().add(3 * x >= 20).least(x)
    assert least.sat and value(least.model, x) == 7
    assert not Optimum().add(x > 1, x < 1).least(x).sat


@hsettings(max_examples=40)
@given(st.integers(1, 6), st.integers(0, 100), st.integers(100, 200), st.none() | st.integers(0, 12))
def test_z3_settled_plans_agree_with_the_settled_graph(desired, min_pct, max_pct, capacity):
    # The same settled-step relation, searched by networkx (plan_steps) and as Z3 constraints.
    from verifier.schedules.certified import _least_seconds_within, _no_plan_within
    from verifier.schedules.step_plan import plan_steps
    from verifier.semantics import deployment_of
    deployment = deployment_of(Settings(desired, min_pct, max_pct, capacity, 60, 90))
    exact = plan_steps(deployment, 10**6)
    if exact.min_steps is None:
        assert _no_plan_within(deployment, 4, 20_000)
        return
    assert not _no_plan_within(deployment, exact.min_steps, 20_000)
    assert _no_plan_within(deployment, exact.min_steps - 1, 20_000)
    depth = len(exact.sequential_steps)
    assert _least_seconds_within(deployment, depth, 20_000) == exact.sequential_seconds


def test_auto_takes_the_explicit_engine_only_where_every_state_surely_fits():
    import oracle

    from verifier.check.verify import choose_engine
    from verifier.results import Engine
    from verifier.semantics import bounds_of
    small, large = bounds_of(Settings(3)), bounds_of(Settings(500))
    # D = 3 on defaults: the independent enumeration finds every reachable state; a budget
    # of exactly that many fits, one fewer does not (the bound auto uses is exact here).
    states = len(oracle.reachable(3, 100, 200, None, False))
    assert choose_engine(Engine.AUTO, small, states) is Engine.EXPLICIT
    assert choose_engine(Engine.AUTO, small, states - 1) is Engine.SMT
    assert choose_engine("auto", large, 10**6) is Engine.SMT
    # A requested engine is kept, whether named by the enum or by its command-line name.
    assert choose_engine("explicit", large, 10) is Engine.EXPLICIT
    assert choose_engine(Engine.SMT, small, 10**6) is Engine.SMT
