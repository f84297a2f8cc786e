"""Answers at scale: runs that repeat a period, shortest smt counterexamples, steps and plan figures.

Every expected value here comes from tests/oracle.py's own arithmetic or from a hand
derivation written beside it, never from the verifier's output.
"""

from __future__ import annotations

import json
import re
from collections import deque
from itertools import pairwise

import oracle
import pytest
from conftest import make_model, run_in_process
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.check.verify import Options, verify
from verifier.counterexample import PairRepeat
from verifier.errors import ReplayError
from verifier.model.records import Requirements, Settings
from verifier.properties import progress
from verifier.properties.context import CheckContext
from verifier.replay import replay_settled
from verifier.reports.html import render_html
from verifier.reports.markdown import render_markdown
from verifier.reports.text import render
from verifier.schedules.ecs_controller import simulate
from verifier.schedules.no_plan import no_plan_invariant
from verifier.schedules.step_plan import StepPlan
from verifier.semantics import bounds_of, deployment_of
from verifier.smt.encoding import concrete
from verifier.smt.proofs import invariant_is_inductive


def apply(D, m, x, C, state, action):
    """One action of a JSON trace on (old, stopping, pending, new), with oracle.py's guards; None if refused."""
    name, amount = re.fullmatch(r"(\w+)(?:\((\d+)\))?", action).groups()
    k = int(amount or 1)
    o, s, p, n = state
    if name == "stop":
        return (o - k, s + k, p, n) if oracle.can_stop(D, m, x, C, False, o, s, p, n, k) else None
    if name == "launch":
        return (o, s, p + k, n) if oracle.can_launch(D, m, x, C, False, o, s, p, n, k) else None
    if name == "ready":
        return (o, s, p - k, n + k) if 1 <= k <= p else None
    if name == "gone":
        return (o, s - k, p, n) if 1 <= k <= s else None
    raise AssertionError(f"unknown action {action}")


def expand(D, m, x, C, trace):
    """Walk a JSON counterexample step by step, each `repeat xN` as N more runs of its period.

    Returns the end state and the number of actions taken; fails on any refused step
    or on a state that differs from the one the trace records.
    """
    repeats = {r["last_step"]: r for r in trace.get("repeats", [])}
    states = [tuple(s.values()) for s in trace["states"]]
    state, taken = states[0], 0
    assert state == (D, 0, 0, 0)
    for index, action in enumerate(trace["actions"]):
        if action.startswith("repeat"):
            period = repeats[index]
            for _ in range(period["periods"]):
                for step in trace["actions"][period["first_step"]:period["last_step"]]:
                    state = apply(D, m, x, C, state, step)
                    assert state is not None, f"a repetition of step {step} is refused"
                    taken += 1
        else:
            state = apply(D, m, x, C, state, action)
            assert state is not None, f"step {index + 1} ({action}) is refused"
            taken += 1
        assert state == states[index + 1]
    return state, taken


def is_deadlock(D, m, x, C, state):
    o, s, p, n = state
    return state != (0, 0, 0, D) and not s and not p and \
        not oracle.can_stop(D, m, x, C, False, o, s, p, n, 1) and \
        not oracle.can_launch(D, m, x, C, False, o, s, p, n, 1)


def fewest_actions_to_deadlock(D, m, x, C):
    """Breadth-first search over the smt engine's measure: stop(j), launch(k), ready(r), gone(g), any amounts."""
    start = (D, 0, 0, 0)
    distance = {start: 0}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if is_deadlock(D, m, x, C, state):
            return distance[state]
        o, s, p, n = state
        following = [(o - j, s + j, p, n) for j in range(1, o + 1) if oracle.can_stop(D, m, x, C, False, o, s, p, n, j)]
        following += [(o, s, p + k, n) for k in range(1, D + 1) if oracle.can_launch(D, m, x, C, False, o, s, p, n, k)]
        following += [(o, s, p - r, n + r) for r in range(1, p + 1)]
        following += [(o, s - g, p, n) for g in range(1, s + 1)]
        for after in following:
            if after not in distance:
                distance[after] = distance[state] + 1
                queue.append(after)
    return None


def progress_of(document):
    return next(p for p in document["properties"] if p["id"] == "progress")


# --- a run that repeats a period, as a progress counterexample -------------------------------------


def test_verify_reports_a_stuck_run_that_repeats_a_period():
    # D = 200, L = ceil(198) = 198, C = 199: the start occupies 200 > 199 slots (capacity violated), and
    # with 199 slots no run ever holds 200 new tasks, so the deployment cannot finish.
    D, m, x, C = 200, 99, 200, 199
    # `auto` takes the explicit engine here (few states fit 199 slots), so the smt engine is asked for.
    code, out, err = run_in_process("verify", "--desired", D, "--min-healthy-percent", m, "--capacity", C,
                                    "--engine", "smt", "--format", "json", seconds=20)
    assert code == 1, err
    document = json.loads(out)
    assert document["engine"] == "smt"
    statuses = {p["id"]: p["status"] for p in document["properties"]}
    assert statuses["capacity"] == statuses["progress"] == "violated"
    trace = progress_of(document)["counterexample"]
    assert trace["repeats"], "the run is long enough to be folded"
    end, taken = expand(D, m, x, C, trace)
    assert is_deadlock(D, m, x, C, end)
    assert f"after {taken:,} steps" in progress_of(document)["message"]
    # The explicit engine searches every state here (few are reachable) and must agree on each property.
    code, out, _ = run_in_process("verify", "--desired", D, "--min-healthy-percent", m, "--capacity", C,
                                  "--engine", "explicit", "--format", "json", seconds=20)
    assert code == 1 and {p["id"]: p["status"] for p in json.loads(out)["properties"]} == statuses


def test_suggest_and_gate_on_a_stuck_run_that_repeats_a_period(tmp_path):
    # D = 100 with 101/102: L = 101 > 100 healthy at the start, so availability fails at once; ECS's
    # run then gets stuck after a long periodic stretch (the case that crashed replay).
    code, out, err = run_in_process("suggest", "--desired", 100, "--min-healthy-percent", 101,
                                    "--max-percent", 102, seconds=30)
    assert code in (0, 1) and "internal error" not in out + err
    service = {"serviceName": "stuck", "desiredCount": 100,
               "deploymentConfiguration": {"minimumHealthyPercent": 101, "maximumPercent": 102}}
    path = tmp_path / "service.json"
    path.write_text(json.dumps(service))
    code, out, err = run_in_process("gate", path, "--format", "json", seconds=30)
    assert code == 1 and "internal error" not in out + err
    row = json.loads(out)["services"][0]
    assert row["verdict"] == "violated"
    assert {p["id"]: p["status"] for p in row["properties"]}["progress"] == "violated"


# --- the smt engine's progress counterexamples are shortest --------------------------------------


def smt_progress(D, m, x, C=None):
    """The smt engine's progress finding alone (no schedules), as verify builds its context."""
    model = make_model(D, m, x, C)
    symbolic = concrete(model.settings)
    context = CheckContext(model, bounds_of(model.settings), None, StepPlan(None, (), (), None, (), ()),
                           simulate(deployment_of(model.settings)), 10**6, smt=symbolic,
                           invariant_proved=invariant_is_inductive(symbolic, 20_000))
    return progress.check_smt(context)


def test_smt_progress_counterexample_is_shortest_past_the_first_search_depth():
    # The first bounded search stops at 8 steps; the breadth-first oracle finds 10 (ECS's run takes 12).
    D, m, x = 12, 50, 93
    assert fewest_actions_to_deadlock(D, m, x, None) == 10
    finding = smt_progress(D, m, x)
    assert finding.status.value == "violated" and len(finding.counterexample.actions) == 10


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 14), st.integers(0, 100), st.integers(100, 200), st.none() | st.integers(1, 16))
def test_smt_progress_agrees_with_breadth_first_search(D, m, x, C):
    fewest = fewest_actions_to_deadlock(D, m, x, C)
    finding = smt_progress(D, m, x, C)
    if fewest is None:
        assert finding.status.value == "holds"
    else:
        assert finding.status.value == "violated"
        assert len(finding.counterexample.actions) == fewest, finding.details


# --- steps at scale, decided by the certified figures -----------------------------------------------


@pytest.fixture(scope="module")
def stuck_at_scale():
    # D = 1000 with 100/100: L = U = 1000, so the start allows neither a stop (999 healthy < 1000)
    # nor a launch (1001 tasks > 1000): no plan of any length finishes.
    return verify(make_model(1000, 100, 100, requirements=Requirements(max_steps=10**6)), Options(engine="smt"))


def test_steps_at_scale_is_violated_when_no_plan_finishes(stuck_at_scale):
    finding = next(f for f in stuck_at_scale.findings if str(f.property_id) == "steps")
    assert finding.status.value == "violated"
    assert "budget" not in finding.message and "(old, new) = (1000, 0)" in finding.message
    assert stuck_at_scale.step_plan.complete and stuck_at_scale.step_plan.min_steps is None


def test_report_says_none_where_no_plan_is_proved(stuck_at_scale):
    assert "fewest steps     none: no step plan finishes" in render(stuck_at_scale)
    assert "fewest steps: none." in render_markdown(stuck_at_scale)


@pytest.mark.parametrize("limit, status", [(99, "violated"), (100, "violated"), (101, "holds")])
def test_steps_at_scale_between_its_bounds(limit, status):
    # D = 1000 with 99/101: L = 990, U = 1010. A settled state has 990 <= old + new <= 1010, so a step
    # launches or stops at most 20: every plan takes at least 50 launch and 50 stop steps, 100 in all.
    # The certified plan takes 101, so 99 is provably too few. The closed form (step_counts) settles
    # 100: M = 1010, delta = M - L = 20, eps = M - D = 10; stop first takes ceil(990/20) + 1 = 51 stops
    # and ceil(1000/20) = 50 launches, launch first 1 + ceil(980/20) = 50 stops and 1 + ceil(990/20) = 51
    # launches: 101 either way, so 100 is too few and 101 enough.
    model = make_model(1000, 99, 101, requirements=Requirements(max_steps=limit))
    result = verify(model, Options(engine="smt"))
    finding = next(f for f in result.findings if str(f.property_id) == "steps")
    assert finding.status.value == status
    assert "budget" not in finding.message and "10" in finding.message


def test_steps_at_scale_open_between_its_bounds(monkeypatch):
    # Without the closed form, the certified bounds leave 100 open (see above): the report says so,
    # with the upper bounds, and never "never".
    from verifier.schedules import certified
    from verifier.schedules.step_counts import FewestSteps
    monkeypatch.setattr(certified, "closed_form", lambda deployment: FewestSteps(None, None, None))
    model = make_model(1000, 99, 101, requirements=Requirements(max_steps=100))
    result = verify(model, Options(engine="smt"))
    finding = next(f for f in result.findings if str(f.property_id) == "steps")
    assert finding.status.value == "unknown" and "100" in finding.message
    line = next(row for row in render(result).splitlines() if row.strip().startswith("fewest steps"))
    assert line.split(None, 2)[2].startswith("unknown, at most 101; step plan time unknown, at most ")
    assert "fewest steps: unknown." in render_markdown(result)


def test_least_time_at_scale_is_exact_when_no_faster_plan_fits_the_bound():
    # D = 1000 with 33/133: L = 330, U = 1330. Two steps never finish (a first launch of 1000 needs 2000
    # tasks, a first stop of 1000 leaves 0 healthy); three with a stop are launch 330, stop 1000,
    # launch 670: 150 + 300 + 150 = 600 s, and any plan with more steps takes longer. So 600 s exactly.
    code, out, _ = run_in_process("verify", "--desired", 1000, "--min-healthy-percent", 33, "--max-percent", 133,
                                  "--format", "json")
    assert code == 0 and json.loads(out)["plan"]["sequential_seconds"] == 600


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.integers(0, 200), st.integers(100, 220), st.none() | st.integers(1, 12))
def test_no_plan_is_proved_exactly_when_breadth_first_search_finds_none(D, m, x, C):
    proof = no_plan_invariant(deployment_of(Settings(D, m, x, C)), 20_000)
    assert (proof is not None) == (oracle.settled_min_steps(D, m, x, C) is None)


# --- plan traces at scale carry replayable repeat markers -------------------------------------------


def test_plan_trace_at_scale_expands_to_a_whole_plan():
    # D = 1000 with 100/101: L = 1000, U = 1010, so a step moves at most 10 tasks; 1000 launched and
    # 1000 stopped take at least 100 + 100 = 200 steps, and alternating steps of 10 achieve it.
    D, m, x = 1000, 100, 101
    code, out, _ = run_in_process("verify", "--desired", D, "--min-healthy-percent", m, "--max-percent", x,
                                  "--format", "json")
    assert code == 0
    plan = json.loads(out)["plan"]
    assert plan["min_steps"] == 200
    for key in ("trace", "sequential_trace"):
        pairs = [tuple(pair) for pair in plan[key]]
        markers = {r["at"]: r for r in plan.get(f"{key}_repeats", [])}
        assert markers, "the plan is long enough to be folded"
        expanded = [pairs[0]]
        for index in range(1, len(pairs)):
            if index in markers:
                marker = markers[index]
                period = [(b[0] - a[0], b[1] - a[1]) for a, b in zip(expanded[-1 - marker["steps"]:-1],
                                                                   expanded[-marker["steps"]:], strict=True)]
                for _ in range(marker["periods"]):
                    for moved_old, moved_new in period:
                        expanded.append((expanded[-1][0] + moved_old, expanded[-1][1] + moved_new))
            else:
                expanded.append(pairs[index])
            assert expanded[-1] == pairs[index]
        for (o, n), (o2, n2) in pairwise(expanded):   # each a settled step the oracle allows
            assert (n2 == n and oracle.can_stop(D, m, x, None, False, o, 0, 0, n, o - o2)) or \
                (o2 == o and oracle.can_launch(D, m, x, None, False, o, 0, 0, n, n2 - n))
        assert expanded[0] == (D, 0) and expanded[-1] == (0, D) and len(expanded) - 1 == 200
    text = run_in_process("verify", "--desired", D, "--min-healthy-percent", m, "--max-percent", x).out
    assert "(980,20) [last 2 steps x98 more] (0,1000)" in text


def test_replay_refuses_a_repeat_marker_that_overstates_its_periods():
    bounds = bounds_of(Settings(1000, 100, 101))
    pairs = ((1000, 0), (1000, 10), (990, 10), (990, 20), (980, 20), (0, 1000))
    replay_settled(bounds, pairs, (PairRepeat(5, 2, 98, (-10, 10)),), "plan")
    with pytest.raises(ReplayError):
        replay_settled(bounds, pairs[:-1] + ((-10, 1010),), (PairRepeat(5, 2, 99, (-10, 10)),), "plan")
    with pytest.raises(ReplayError):
        replay_settled(bounds, pairs, (), "plan")   # without its marker, the last step is no single step


def test_html_shows_the_repeat_marker():
    result = verify(make_model(1000, 100, 101), Options(engine="smt"))
    assert "[last 2 steps x98 more]" in render_html(result)
