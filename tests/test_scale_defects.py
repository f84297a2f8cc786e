"""Answers at scale: runs that repeat a period, shortest smt counterexamples, steps and plan figures.

Every expected value here comes from tests/oracle.py's own arithmetic or from a hand
derivation written beside it, never from the verifier's output.
"""

from __future__ import annotations

import json
import re
from collections import deque

import oracle
from conftest import make_model, run_in_process
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.check.verify import Options, verify


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
    code, out, err = run_in_process("verify", "--desired", D, "--min-healthy-percent", m, "--capacity", C,
                                    "--format", "json", seconds=20)
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


def test_smt_progress_counterexample_is_shortest_past_the_first_search_depth():
    # The first bounded search stops at 8 steps; the breadth-first oracle finds 10 (ECS's run takes 12).
    D, m, x = 12, 50, 93
    assert fewest_actions_to_deadlock(D, m, x, None) == 10
    finding = next(f for f in verify(make_model(D, m, x), Options(engine="smt")).findings
                   if str(f.property_id) == "progress")
    assert finding.status.value == "violated" and len(finding.counterexample.actions) == 10


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 7), st.integers(0, 100), st.integers(100, 200), st.none() | st.integers(1, 9))
def test_smt_progress_agrees_with_breadth_first_search(D, m, x, C):
    fewest = fewest_actions_to_deadlock(D, m, x, C)
    result = verify(make_model(D, m, x, C), Options(engine="smt"))
    finding = next(f for f in result.findings if str(f.property_id) == "progress")
    if fewest is None:
        assert finding.status.value == "holds"
    else:
        assert finding.status.value == "violated"
        assert len(finding.counterexample.actions) == fewest, finding.details
