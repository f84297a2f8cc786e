"""The explicit engine over a bad release's fault graph: reference rows, the count model, budgets, replay.

Each reference row's expected answer is derived by hand beside its test from
docs/semantics.md#faults (T, L and U by the formulas there); the differential
test holds the fault graph of a healthy release to the count model's own
explicit engine, state for state.
"""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import MODELS, assert_valid_json_output, run_in_process
from hypothesis import given, settings
from hypothesis import strategies as st

from verifier.check.verify import Options, verify
from verifier.errors import ReplayError
from verifier.explicit.explore import explore
from verifier.explicit.fault_graph import explore_faults
from verifier.explicit.queries import can_finish
from verifier.fault_semantics import FAILED, fault_bounds_of
from verifier.model.faults import COUNT, UNBOUNDED_PERCENT, Breaker, Faults
from verifier.model.loading import load_model
from verifier.model.records import Model, Settings
from verifier.properties import progress as progress_property
from verifier.replay import replay_faults
from verifier.results import Status
from verifier.semantics import Action, State, bounds_of


def _model(name: str) -> Model:
    return load_model(MODELS / f"{name}.yaml")


def _graph(name: str, max_states: int = 1_000_000):
    model = _model(name)
    return explore_faults(fault_bounds_of(model.settings, model.faults), max_states)


def _findings(name: str, **options) -> dict[str, object]:
    result = verify(_model(name), Options(**options))
    return {f.property_id: f for f in result.findings} | {"result": result}


# --- the reference rows (docs/semantics.md#faults), each derived by hand --------------------------

def test_defaults_broken_holds_at_full_strength():
    # D = 6, min 100: L = 6. No new task ever becomes healthy, so a stop (o - 1 + n >= 6) is never
    # allowed and healthy stays 6. T = min(200, max(3, ceil(6 * 50 / 100))) = 3: pending tasks of a
    # broken revision must fail, the third failure trips the breaker, and with 6 old tasks healthy
    # the rollback is done at once. Peak: 6 old + 6 pending = 12 = U.
    graph = _graph("defaults-broken")
    assert graph.complete and all(graph.can_finish())
    assert graph.lowest_healthy == 6 and graph.peak_counted == 12
    found = _findings("defaults-broken")
    assert found["result"].verdict.value == "proved"
    assert found["result"].min_healthy_reachable == 6


def test_min50_broken_holds_at_half_strength():
    # L = ceil(6 * 50 / 100) = 3: ECS may stop 3 old tasks before any new one is healthy (none ever
    # is), so healthy reaches 3 and never lower; the breaker (T = 3) and the rollback end every run.
    graph = _graph("min50-broken")
    assert graph.complete and all(graph.can_finish())
    assert graph.lowest_healthy == 3
    found = _findings("min50-broken")
    assert found["availability"].status is Status.HOLDS and "never drop below 3" in found["availability"].message
    assert found["availability"].details == ("the lowest healthy count any run of the bad release reaches is 3, "
                                             "after stop(3)",)
    assert found["progress"].status is Status.HOLDS


def test_no_breaker_never_ends():
    # Without a breaker no failure fails the deployment and no new task is ever healthy: neither
    # goal is reachable from any state (not even the start), and nothing ever stops, so the trace
    # ends in a cycle of relaunches and failures.
    graph = _graph("no-breaker-broken")
    assert graph.complete and not any(graph.can_finish()) and graph.dead_ends() == []
    finding = _findings("no-breaker-broken")["progress"]
    assert finding.status is Status.VIOLATED
    assert finding.message.startswith("never ends: ECS relaunches failing tasks for ever")
    trace = finding.counterexample
    assert trace.fault_states[-1] in trace.fault_states[:-1]   # back where the cycle began
    assert "fail" in [a.name for a in trace.actions]


def test_breaker_without_rollback_ends_failed_half_way():
    # rollback: false: the third failure (T = 3) makes the deployment FAILED, never a goal. The
    # shortest way there launches 3 and lets them fail (6 old healthy); stopping L's worth first
    # (3 old) is another run, and the details give that worst one: 3 healthy.
    finding = _findings("breaker-no-rollback")["progress"]
    assert finding.status is Status.VIOLATED
    assert finding.message.startswith("the deployment ends FAILED half way with 6 old healthy tasks")
    assert [str(a) for a in finding.counterexample.actions] == ["launch(3)", "fail", "fail", "fail"]
    end = finding.counterexample.fault_states[-1]
    assert end.phase == FAILED and end.failures == 3
    assert any("as few as 3 healthy tasks" in line for line in finding.details)


def test_one_flaky_failure_completes():
    # One failure never reaches T = 3; the failed task is replaced and the deployment can complete
    # from every state; L = 6 keeps healthy at 6 (old stop only as new ones become healthy).
    graph = _graph("flaky-one-failure")
    assert graph.complete and all(graph.can_finish())
    assert graph.lowest_healthy == 6


def test_a_crash_after_the_stops_goes_below_the_requirement():
    # L = 3: stop(3) leaves 3 healthy; one crash leaves 2 < minHealthy 3. No shorter trace exists:
    # one crash from the start leaves 5. The lowest reachable is 2 (one crash only).
    found = _findings("crash-below-requirement")
    finding = found["availability"]
    assert finding.status is Status.VIOLATED
    assert [str(a) for a in finding.counterexample.actions] == ["stop(3)", "crash"]
    assert found["result"].min_healthy_reachable == 2
    assert found["progress"].status is Status.HOLDS


def test_crashes_without_a_required_minimum_check_nothing_but_report_the_lowest():
    # docs/semantics.md#faults: with oldTaskCrashes and no requirements.minHealthy availability holds;
    # the lowest healthy count is still reported (2, as above).
    model = _model("crash-below-requirement")
    model = replace(model, requirements=replace(model.requirements, min_healthy=None))
    result = verify(model)
    finding = next(f for f in result.findings if f.property_id == "availability")
    assert finding.status is Status.HOLDS and "never drop below 2" in finding.message
    assert result.min_healthy_reachable == 2


def test_a_crash_is_never_the_way_out():
    # D = 1, min 100, max 100: L = U = 1, so ECS can neither stop the old task nor launch a new one
    # (stuck at the start, as both100). A crash would free the slot: then a new task may launch and
    # complete the deployment (the owed replacement lapses). But a crash need not happen, so the
    # start is a dead end and progress is violated, with the empty trace.
    model = Model("one-task-stuck", Settings(1, 100, 100), faults=Faults(old_task_crashes=1))
    graph = explore_faults(fault_bounds_of(model.settings, model.faults), 1_000)
    assert graph.complete and graph.first(lambda s: s.new == 1 and s.old == 0) is not None  # via the crash
    finding = next(f for f in verify(model, Options(engine="explicit")).findings if f.property_id == "progress")
    assert finding.status is Status.VIOLATED and finding.counterexample.actions == ()
    assert finding.message.startswith("the deployment can never finish")


@pytest.mark.parametrize("rollback", [True, False])
def test_an_alarm_without_a_breaker_ends_the_deployment(tmp_path, rollback):
    # failsToStart, no breaker: nothing counts the failures, but the alarm fires some time after the
    # first launch (a step that must happen). With rollback ECS then returns to 4 old tasks; without,
    # the shortest run is launch(1), alarm: FAILED with the 4 old tasks untouched.
    path = tmp_path / "alarm.yaml"
    path.write_text("service:\n  desiredCount: 4\n  deploymentConfiguration:\n    minimumHealthyPercent: 50\n"
                    f"    alarms: {{alarmNames: [p99], enable: true, rollback: {str(rollback).lower()}}}\n"
                    "faults:\n  newRevision: failsToStart\n")
    finding = next(f for f in verify(load_model(path)).findings if f.property_id == "progress")
    if rollback:
        assert finding.status is Status.HOLDS
    else:
        assert finding.status is Status.VIOLATED and "an alarm failed it" in finding.message
        assert [str(a) for a in finding.counterexample.actions] == ["launch(1)", "alarm"]


def test_json_and_text_show_what_a_bad_release_adds():
    run = run_in_process("verify", MODELS / "breaker-no-rollback.yaml", "--format", "json")
    assert run.code == 1
    assert_valid_json_output(run.out)
    data = json.loads(run.out)
    assert data["faults"] == {"min_healthy_reachable": 3}
    end = next(p for p in data["properties"] if p["id"] == "progress")["counterexample"]["states"][-1]
    assert end["phase"] == "failed" and end["failures"] == 3 and end["old"] == 6
    text = run_in_process("verify", MODELS / "breaker-no-rollback.yaml").out
    assert "failures" in text and "phase" in text and "ends FAILED half way" in text
    healthy = run_in_process("verify", MODELS / "min50-room8.yaml", "--format", "json")
    assert "faults" not in json.loads(healthy.out)


# --- budgets and engines ---------------------------------------------------------------------------

def test_a_cut_short_search_is_inconclusive_with_advice():
    graph = _graph("min50-broken", max_states=40)
    assert not graph.complete and graph.states <= 40
    found = _findings("min50-broken", max_states=40, engine="explicit")
    assert found["progress"].status is Status.UNKNOWN
    assert any("budget of 40 states" in line and "--max-states" in line for line in found["progress"].details)
    assert found["availability"].status is Status.UNKNOWN
    run = run_in_process("verify", MODELS / "min50-broken.yaml", "--max-states", "40", "--engine", "explicit")
    assert run.code == 3


def test_a_dead_end_found_before_the_budget_is_still_a_violation():
    # breaker-no-rollback: launch 3, three failures: FAILED six steps from the start, well inside
    # 120 of its 220 states (the full graph's count, asserted so the search is really cut short).
    assert _graph("breaker-no-rollback").states == 220 and not _graph("breaker-no-rollback", 120).complete
    found = _findings("breaker-no-rollback", max_states=120, engine="explicit")
    assert found["progress"].status is Status.VIOLATED
    assert "shorter counterexample may exist" in found["progress"].details[-1]


def test_the_smt_engine_without_a_fault_check_is_inconclusive(monkeypatch):
    for name in ("availability", "surge", "capacity", "progress"):
        module = __import__(f"verifier.properties.{name}", fromlist=["ID"])
        monkeypatch.delattr(module, "check_fault_smt", raising=False)
    found = _findings("min50-broken", engine="smt")
    assert found["progress"].status is Status.UNKNOWN and found["result"].verdict.value == "inconclusive"
    assert any("--engine explicit" in line for line in found["progress"].details)


def test_a_range_of_counts_does_not_answer_for_a_bad_release(tmp_path):
    # The range engine knows only the count model: without a breaker a broken release never ends,
    # which it would call proved. Unknown (exit 3) is the honest answer.
    path = tmp_path / "range-broken.yaml"
    path.write_text("service:\n  desiredRange: [2, 8]\n  deploymentConfiguration:\n    minimumHealthyPercent: 50\n"
                    "faults:\n  newRevision: failsHealthChecks\n")
    run = run_in_process("verify", path, "--format", "json")
    assert run.code == 3
    assert_valid_json_output(run.out)
    progress = next(p for p in json.loads(run.out)["properties"] if p["id"] == "progress")
    assert progress["status"] == "unknown"


# --- replay ----------------------------------------------------------------------------------------

def test_replay_rejects_a_tampered_fault_trace():
    model = _model("no-breaker-broken")
    fb = fault_bounds_of(model.settings, model.faults)
    trace = _findings("no-breaker-broken")["progress"].counterexample
    replay_faults(fb, trace, lambda s: True, "progress")   # the real one replays
    states = list(trace.fault_states)
    states[-1] = states[-1]._replace(failures=1)   # a breaker count without a breaker
    with pytest.raises(ReplayError, match="reaches"):
        replay_faults(fb, replace(trace, fault_states=tuple(states)), lambda s: True, "progress")
    actions = list(trace.actions)
    actions[-1] = Action("ready")   # a broken revision's task never becomes healthy
    with pytest.raises(ReplayError, match="not enabled"):
        replay_faults(fb, replace(trace, actions=tuple(actions)), lambda s: True, "progress")
    actions[-1] = Action("fail", 2)   # failures come one at a time
    with pytest.raises(ReplayError, match="not enabled"):
        replay_faults(fb, replace(trace, actions=tuple(actions)), lambda s: True, "progress")
    shown = list(trace.states)
    shown[1] = State(9, 9, 9, 9)   # the four counts shown must be the full state's
    with pytest.raises(ReplayError):
        replay_faults(fb, replace(trace, states=tuple(shown)), lambda s: True, "progress")
    with pytest.raises(ReplayError, match="not a violation"):
        replay_faults(fb, trace, lambda s: False, "progress")


def test_progress_property_module_is_the_count_models_for_healthy_releases():
    # Without faults nothing of the fault graph runs: the result is the count model's.
    result = verify(_model("min50-room8"))
    assert result.min_healthy_reachable is None
    assert progress_property.ID == "progress"


# --- a healthy release: the fault graph is the count model's graph ----------------------------------

breakers = st.one_of(
    st.none(),
    st.builds(Breaker, st.booleans(), st.sampled_from(["BOUNDED_PERCENT", UNBOUNDED_PERCENT, COUNT]),
              st.integers(1, 100), st.booleans()))

small_settings = st.builds(
    lambda d, m, x, extra, knob, breaker: Settings(d, m, x, None if extra is None else d + extra,
                                                   stopping_counts_toward_max=knob, breaker=breaker),
    st.integers(0, 6), st.sampled_from([0, 25, 50, 75, 100, 150]), st.sampled_from([50, 100, 125, 150, 200]),
    st.one_of(st.none(), st.integers(-2, 4)), st.booleans(), breakers)


@settings(max_examples=60, deadline=None)
@given(small_settings)
def test_a_healthy_release_has_the_count_models_graph(settings_):
    bounds = bounds_of(settings_)
    exploration = explore(bounds)
    graph = explore_faults(fault_bounds_of(settings_, Faults()), 1_000_000)
    assert exploration.complete and graph.complete
    shown = {State(*s[:4]) for s in graph.each_state()}
    assert shown == set(exploration.each_state())
    # Nothing but the four counts (and whether a launch happened) ever moves.
    assert all(s[4:11] == (0,) * 7 for s in graph.each_state())
    finishes, _ = can_finish(exploration)
    fault_finishes = graph.can_finish()
    for place in range(graph.states):
        assert bool(fault_finishes[place]) == finishes(State(*graph.state(place)[:4]))
    assert (graph.lowest_healthy, graph.peak_occupied, graph.peak_counted) == exploration.extremes()
    dead = {State(*graph.state(place)[:4]) for place in graph.dead_ends()}
    assert dead == {s for s in exploration.each_state() if not exploration.successors_of(s)
                    and s != State(0, 0, 0, bounds.desired)}


@settings(max_examples=25, deadline=None)
@given(small_settings)
def test_a_release_that_cannot_fail_gets_the_count_models_verdicts(settings_):
    # A flaky revision allowed 0 failures is a bad release to verify (it searches the fault graph)
    # that can do nothing a healthy one cannot: every status must be the count model's.
    healthy = verify(Model("healthy", settings_), Options(engine="explicit"))
    flaky = verify(Model("flaky", settings_, faults=Faults("flaky", 0)), Options(engine="explicit"))
    assert flaky.min_healthy_reachable is not None   # the fault graph answered
    assert [(f.property_id, f.status) for f in flaky.findings] == \
        [(f.property_id, f.status) for f in healthy.findings]
    assert flaky.min_healthy_reachable == min(s.healthy for s in explore(bounds_of(settings_)).each_state())


@pytest.mark.parametrize("desired", [6, 300])
def test_packing_round_trips_and_refuses_what_it_cannot_hold(desired):
    # Up to 255 per count a state is packed a byte per count, beyond in radix 1 + max(D, U, ...):
    # both must give back the state they packed, and refuse a count beyond their range.
    from verifier.explicit.fault_graph import FaultGraph
    from verifier.fault_semantics import FaultState
    graph = FaultGraph(fault_bounds_of(Settings(desired, 50, 200, breaker=Breaker(True)), Faults("flaky", 2)))
    state = FaultState(desired - 1, 1, desired, 0, 2, 1, 2, FAILED, 0, 2, 0, 1)
    graph.order.append(graph.pack(state))
    assert graph.state(len(graph.order) - 1) == state
    with pytest.raises(ValueError):
        graph.pack(state._replace(pending=10**6))
    with pytest.raises(ValueError):
        graph.pack(state._replace(old=-1))
