"""Placement (docs/semantics.md#placement): the reference cases, the exact symmetry reduction, agreement with
the count model where instances are only slots, loading errors, and an independent brute-force oracle.

The oracle below is written from the rules of docs/semantics.md#placement, not from placement_semantics:
plain per-instance tuples, unit moves, no canonical form.
"""

from __future__ import annotations

import json
import textwrap
from collections import deque

import pytest
from conftest import MODELS, assert_valid_json_output, run_in_process
from hypothesis import assume, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from verifier.check.verify import verify
from verifier.errors import ModelError
from verifier.explicit.placement_graph import explore_placement, goal_reachers
from verifier.model.instance_types import registered
from verifier.model.loading import load_model
from verifier.model.placement import BINPACK, InstanceGroup, Placement, TaskSize
from verifier.model.records import Model, Requirements, Settings, TaskCount
from verifier.placement_semantics import (
    binpack_choice,
    fit_problem,
    initial_layout,
    spread_choice,
    stop_choice,
)
from verifier.results import Status
from verifier.semantics import bounds_of

# ---------------------------------------------------------------- an independent oracle


def _oracle_holds(pl: Placement, g: InstanceGroup, olds, news):
    """The per-instance rules of docs/semantics.md#placement with `olds` old and `news` new tasks."""
    if olds * pl.old_task.cpu + news * pl.task.cpu > g.cpu - g.reserved_cpu:
        return False
    if olds * pl.old_task.memory + news * pl.task.memory > g.memory - g.reserved_memory:
        return False
    for port in set(pl.old_task.host_ports) | set(pl.task.host_ports):
        if olds * (port in pl.old_task.host_ports) + news * (port in pl.task.host_ports) > 1:
            return False
    return not (pl.distinct_instance and olds + news > 1)


def _oracle_fits(pl: Placement, layout, i, new=True):
    o, s, p, n = layout[i]
    return _oracle_holds(pl, pl.instances[i], o + s + (0 if new else 1), p + n + (1 if new else 0))


def _oracle_moves(pl, D, L, U, layout):
    o = sum(x[0] for x in layout)
    p = sum(x[2] for x in layout)
    n = sum(x[3] for x in layout)
    for i, (oi, si, pi, ni) in enumerate(layout):
        def at(slot, i=i):
            return layout[:i] + (slot,) + layout[i + 1:]
        if oi and o - 1 + n >= L:
            yield at((oi - 1, si + 1, pi, ni))
        if p + n + 1 <= D and o + p + n + 1 <= U and _oracle_fits(pl, layout, i):
            yield at((oi, si, pi + 1, ni))
        if pi:
            yield at((oi, si, pi - 1, ni + 1))
        if si:
            yield at((oi, si - 1, pi, ni))


def oracle_graph(pl: Placement, D, m, x, start):
    """Every layout reachable from `start` (no reduction), its distance, and the set that can reach the goal."""
    L, U = (D * m + 99) // 100, D * x // 100
    dist, edges, queue = {start: 0}, {}, deque([start])
    while queue:
        layout = queue.popleft()
        edges[layout] = set(_oracle_moves(pl, D, L, U, layout))
        for after in edges[layout]:
            if after not in dist:
                dist[after] = dist[layout] + 1
                queue.append(after)
    finishing = {lay for lay in dist if sum(s[3] for s in lay) == D and sum(map(sum, lay)) == D}
    changed = True
    while changed:
        changed = False
        for lay, outs in edges.items():
            if lay not in finishing and outs & finishing:
                finishing.add(lay)
                changed = True
    return dist, finishing


def oracle_shortest_stuck(pl, D, m, x, start):
    dist, finishing = oracle_graph(pl, D, m, x, start)
    stuck = [dist[lay] for lay in dist if lay not in finishing]
    return min(stuck) if stuck else None


# ---------------------------------------------------------------- the reference cases


def _model(name: str) -> Model:
    return load_model(MODELS / f"{name}.yaml")


def _finding(result, prop):
    return next(f for f in result.findings if f.property_id == prop)


def test_static_port_one_spare():
    # 5 instances, 4 tasks on port 80, 100/200: L = 4, U = 8. Only instance 5 is free of port 80: launch
    # there (0 s), healthy at 150 s, then one old task may stop (5 healthy - 1 = 4 >= L); its port is
    # free when it is gone (+300 s), the next launch goes there: each round is 150 + 300 = 450 s,
    # 4 rounds = 1800 s; at most 4 old + 1 new = 5 tasks counted; healthy never below 4.
    result = verify(_model("placement-static-port-one-spare"))
    assert result.verdict.value == "proved"
    assert result.bounds.capacity is None
    assert (result.ecs.completes, result.ecs.makespan_seconds) == (True, 1800)
    assert (result.ecs.min_healthy_seen, result.ecs.max_counted_seen) == (4, 5)
    launches = [str(a) for a in result.ecs.trace.actions if a.name == "launch"]
    assert launches == ["launch on instance 5", "launch on instance 1", "launch on instance 2",
                        "launch on instance 3"]


def test_static_port_no_spare_is_stuck_at_the_start():
    # Every instance holds port 80 with an old task; 4 healthy - 1 < L = 4, so no stop, and no instance
    # takes a new task: the initial state is a deadlock, and ECS's run stops there too (a certainty).
    result = verify(_model("placement-static-port-no-spare"))
    progress = _finding(result, "progress")
    assert progress.status is Status.VIOLATED
    assert len(progress.counterexample.actions) == 0
    assert "instance 3 already holds port 80" in progress.details
    assert any("a certainty" in d for d in progress.details)
    assert not result.ecs.completes


def test_static_port_no_spare_min50():
    # L = ceil(4 * 50 / 100) = 2: stop 2 (instances 1, 2) at 0 s; gone at 300 s, launch 2 there;
    # healthy at 450 s, stop the other 2; gone at 750 s, launch 2; healthy at 900 s. Lowest healthy 2.
    result = verify(_model("placement-static-port-no-spare-min50"))
    assert result.verdict.value == "proved"
    assert (result.ecs.completes, result.ecs.makespan_seconds, result.ecs.min_healthy_seen) == (True, 900, 2)


def test_bigger_new_revision():
    # 8 old tasks of 512 MiB by spread: 2 per instance, 1536 - 1024 = 512 MiB free on each; the new task
    # needs 1024, and L = 8 forbids a stop: stuck at the start.
    result = verify(_model("placement-bigger-new-revision"))
    progress = _finding(result, "progress")
    assert progress.status is Status.VIOLATED and len(progress.counterexample.actions) == 0
    assert "instance 2 has 512 MiB free, the new task needs 1024" in progress.details
    assert progress.counterexample.instances[0] == ((2, 0, 0, 0),) * 4


def test_dynamic_ports_one_round():
    # No host port: each instance holds 1 old (256/512) and takes 1 new beside it; U - counted = 8 - 4 = 4
    # launches at 0 s, healthy at 150 s, then 4 + 4 - 4 = 4 stops, gone at 450 s. Peak 8 counted.
    result = verify(_model("placement-dynamic-ports"))
    assert result.verdict.value == "proved"
    assert (result.ecs.makespan_seconds, result.ecs.max_counted_seen, result.ecs.min_healthy_seen) == (450, 8, 4)


def test_distinct_instance_is_stuck_like_a_static_port():
    result = verify(_model("placement-distinct-instance"))
    progress = _finding(result, "progress")
    assert progress.status is Status.VIOLATED and len(progress.counterexample.actions) == 0
    assert "instance 1 already holds a task of the service (distinctInstance)" in progress.details


def test_t2_micro_with_a_600_mib_task():
    # t2.micro: 1 vCPU, 1 GiB nominal -> 1024 CPU units, 1024 * 95 // 100 = 972 MiB registered.
    # One old task of 600 MiB leaves 372 MiB: the new one (600) does not fit, and L = 1 keeps the old one.
    assert registered("t2.micro") == (1024, 972)
    result = verify(_model("placement-t2-micro-600mib"))
    progress = _finding(result, "progress")
    assert progress.status is Status.VIOLATED
    assert "instance 1 has 372 MiB free, the new task needs 600" in progress.details


def test_a_task_bigger_than_every_instance_is_a_capacity_finding():
    result = verify(_model("placement-task-too-big"))
    capacity = _finding(result, "capacity")
    assert capacity.status is Status.VIOLATED
    assert "instance 1 has 1536 MiB free, the old task needs 2048" in capacity.message
    assert capacity.counterexample.instances == (((0, 0, 0, 0), (0, 0, 0, 0)),)
    assert not result.ecs.completes and len(result.ecs.trace.states) == 1


def test_ecs_does_not_run_new_tasks_into_a_cluster_that_lacks_old_ones():
    # Two of three old tasks (1024 MiB) fit on two instances of 1536; a new task of 256 MiB would fit
    # beside them, but there is no real start: the run stays at the 2 old tasks placed.
    pl = Placement((InstanceGroup(2, 2048, 1536),), TaskSize(256, 256), TaskSize(256, 1024))
    result = verify(Model("partial", Settings(3, 0, 200), placement=pl))
    assert _finding(result, "capacity").status is Status.VIOLATED
    assert "only 2 old tasks of 3 fit" in _finding(result, "capacity").message
    assert not result.ecs.completes and result.ecs.trace.instances == (((1, 0, 0, 0), (1, 0, 0, 0)),)


def test_unlucky_placement_is_a_risk_not_a_certainty():
    # models/placement-unlucky-risk.yaml's comment derives both: a stuck state after launch on instance 1,
    # ready, stop on instance 2 (3 moves), while ECS's spread run finishes.
    model = _model("placement-unlucky-risk")
    result = verify(model)
    progress = _finding(result, "progress")
    assert progress.status is Status.VIOLATED
    assert [str(a) for a in progress.counterexample.actions] == [
        "launch on instance 1", "ready on instance 1", "stop on instance 2"]
    assert result.ecs.completes
    assert any("unlucky placement, a risk" in d for d in progress.details)
    # The dead end every way on reaches (the model's comment): 512 MiB free on each instance.
    assert "the nearest dead end: instance 1: 1 old, 1 new; instance 2: 1 new" in progress.details
    assert "  instance 2 has 512 MiB free, the new task needs 1024" in progress.details
    # The oracle agrees on the shortest distance to a state that cannot reach the goal.
    start, _ = initial_layout(model.placement, 3)
    assert oracle_shortest_stuck(model.placement, 3, 100, 150, start) == 3


@pytest.mark.parametrize("name", sorted(p.stem for p in MODELS.glob("placement-*.yaml")))
def test_counterexamples_replay_on_instances(name):
    # Each trace's moves are allowed by the oracle on the instances it shows, and a progress trace ends
    # where the oracle finds the goal out of reach.
    model = _model(name)
    result = verify(model)
    pl, s = model.placement, model.settings
    for finding in result.findings:
        trace = finding.counterexample
        if finding.status is not Status.VIOLATED or trace is None:
            continue
        L, U = (s.desired * s.min_healthy_percent + 99) // 100, s.desired * s.max_percent // 100
        for before, after in zip(trace.instances, trace.instances[1:], strict=False):
            assert after in set(_oracle_moves(pl, s.desired, L, U, before))
        if finding.property_id == "progress":
            _, finishing = oracle_graph(pl, s.desired, s.min_healthy_percent, s.max_percent, trace.instances[0])
            assert trace.instances[-1] not in finishing


# ---------------------------------------------------------------- rules, choices and sentences


PORT_80 = TaskSize(256, 512, (80,))


def _placement(groups, task=PORT_80, old=None, **extra) -> Placement:
    return Placement(tuple(groups), task, old or task, **extra)


def test_blocking_sentences():
    pl = _placement([InstanceGroup(3, 2048, 4096)])
    assert fit_problem(pl, ((0, 0, 0, 0), (0, 0, 0, 0), (0, 1, 0, 0)), 2) == "instance 3 already holds port 80"
    big = _placement([InstanceGroup(2, 2048, 1536)], task=TaskSize(512, 1024), old=TaskSize(512, 512))
    assert fit_problem(big, ((0, 0, 0, 0), (2, 0, 0, 0)), 1) == "instance 2 has 512 MiB free, the new task needs 1024"
    assert fit_problem(big, ((0, 0, 0, 0), (2, 0, 0, 0)), 0) is None


def test_spread_binpack_and_stop_order():
    pl = _placement([InstanceGroup(1, 4096, 4096, zone="a"), InstanceGroup(1, 4096, 4096, zone="a"),
                     InstanceGroup(1, 4096, 2048, zone="b")], task=TaskSize(256, 512))
    layout = ((1, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0))
    # spread: instances 2 and 3 hold no task; zone b holds none, zone a holds one -> instance 3.
    assert spread_choice(pl, layout) == 2
    # binpack: free memory 3584, 4096, 2048 -> instance 3 (least free).
    assert binpack_choice(pl, layout) == 2
    # instance 3 with 3 tasks has 512 MiB free, exactly one more task: still the least free.
    assert binpack_choice(pl, ((1, 0, 0, 0), (0, 0, 0, 0), (3, 0, 0, 0))) == 2
    # with 4 it is full; of the rest, instance 1 (3584 free) has less than instance 2 (4096).
    assert binpack_choice(pl, ((1, 0, 0, 0), (0, 0, 0, 0), (4, 0, 0, 0))) == 0
    # stops: the instance with the most tasks (stopping ones count) first, ties to the lowest index.
    assert stop_choice(((1, 0, 0, 0), (1, 1, 0, 0), (1, 0, 0, 1))) == 1
    assert stop_choice(((0, 0, 0, 2), (1, 0, 0, 0))) == 1


def test_initial_placement_is_spread_whatever_the_strategy():
    pl = _placement([InstanceGroup(3, 4096, 4096)], task=TaskSize(256, 512), strategy=BINPACK)
    assert initial_layout(pl, 5)[0] == ((2, 0, 0, 0), (2, 0, 0, 0), (1, 0, 0, 0))


# ---------------------------------------------------------------- the symmetry reduction is exact


SMALL_CASES = [
    (_placement([InstanceGroup(3, 2048, 4096)]), 2, 100, 200),
    (_placement([InstanceGroup(3, 2048, 4096)]), 3, 50, 150),
    (_placement([InstanceGroup(2, 2048, 4096), InstanceGroup(2, 2048, 1024)], task=TaskSize(256, 1024),
                old=TaskSize(256, 512)), 3, 100, 150),
    (_placement([InstanceGroup(1, 2048, 2048), InstanceGroup(1, 1024, 1536)], task=TaskSize(256, 1024),
                old=TaskSize(256, 512)), 3, 100, 150),
    (_placement([InstanceGroup(4, 2048, 4096)], distinct_instance=True), 3, 67, 100),
    (_placement([InstanceGroup(3, 1024, 2048)], task=TaskSize(256, 1024), old=TaskSize(256, 512)), 4, 50, 200),
]


@pytest.mark.parametrize("pl, D, m, x", SMALL_CASES)
def test_canonical_graph_matches_the_unreduced_one(pl, D, m, x):
    bounds = bounds_of(Settings(D, m, x))
    start, problem = initial_layout(pl, D)
    assert problem is None
    verdicts = []
    for reduce in (True, False):
        graph = explore_placement(pl, bounds, start, 10**6, reduce=reduce)
        finishing = goal_reachers(graph, bounds)
        stuck = [lay for lay in graph.parents if lay not in finishing]
        shortest = len(graph.path_to(stuck[0])) - 1 if stuck else None
        lowest = min(sum(s[0] + s[3] for s in lay) for lay in graph.parents)
        verdicts.append((shortest, lowest))
        if not reduce:
            unreduced_states = graph.states
        else:
            reduced_states = graph.states
    assert verdicts[0] == verdicts[1]
    # The oracle (no reduction at all, written separately) agrees too.
    assert verdicts[1][0] == oracle_shortest_stuck(pl, D, m, x, start)
    assert reduced_states <= unreduced_states


# ---------------------------------------------------------------- slots only: the count model's answers


@st.composite
def slot_clusters(draw):
    groups = draw(st.lists(st.tuples(st.integers(1, 2), st.integers(1, 3)), min_size=1, max_size=3))
    slots = sum(count * room for count, room in groups)
    desired = draw(st.integers(1, min(5, slots + 1)))
    minimum = draw(st.sampled_from([0, 34, 50, 67, 100]))
    maximum = draw(st.sampled_from([100, 125, 150, 200]))
    wanted = draw(st.none() | st.integers(0, desired))
    return groups, desired, minimum, maximum, wanted


@hsettings(max_examples=60, deadline=None)
@given(slot_clusters())
def test_slot_only_instances_agree_with_the_count_model(case):
    # Memory allows exactly c tasks of 512 MiB on an instance of c * 512 MiB (CPU and ports never bind):
    # the cluster is sum(c) interchangeable slots, so every verdict and ECS figure is the count model's
    # (counterexamples differ in length only: unit moves here, batched actions there).
    groups, desired, minimum, maximum, wanted = case
    placement = Placement(tuple(InstanceGroup(count, 1024, 512 * room) for count, room in groups),
                          TaskSize(0, 512), TaskSize(0, 512))
    slots = sum(count * room for count, room in groups)
    requirements = Requirements(min_healthy=TaskCount(wanted)) if wanted is not None else Requirements()
    placed = verify(Model("placed", Settings(desired, minimum, maximum), requirements, placement=placement))
    counted = verify(Model("counted", Settings(desired, minimum, maximum, capacity=slots), requirements))
    by_id = {f.property_id: f.status for f in counted.findings}
    if desired > slots:   # the old tasks do not fit: both say capacity, the rest is not a real start
        assert by_id["capacity"] is _finding(placed, "capacity").status is Status.VIOLATED
        return
    assert {f.property_id: f.status for f in placed.findings} == by_id
    assert placed.verdict == counted.verdict
    ours, theirs = placed.ecs, counted.ecs
    assert (ours.completes, ours.makespan_seconds, ours.min_healthy_seen, ours.max_counted_seen) == \
        (theirs.completes, theirs.makespan_seconds, theirs.min_healthy_seen, theirs.max_counted_seen)


# ---------------------------------------------------------------- model files


def _write(tmp_path, text):
    path = tmp_path / "model.yaml"
    path.write_text(textwrap.dedent(text))
    return path


BASE = """\
service:
  desiredCount: 2
cluster:
  instances:
    - count: 2
      cpu: 2048
      memory: 4096
task: {cpu: 256, memory: 512, hostPorts: [80]}
"""


def test_a_model_with_instances_loads(tmp_path):
    model = load_model(_write(tmp_path, BASE + "oldTask: {memory: 256}\nplacement: {strategy: binpack}\n"))
    pl = model.placement
    assert pl.instances == (InstanceGroup(2, 2048, 4096),) * 2
    assert pl.task == TaskSize(256, 512, (80,)) and pl.old_task == TaskSize(256, 256, (80,))
    assert pl.strategy == BINPACK and model.settings.capacity is None


def test_an_instance_type_is_looked_up_and_memory_overrides_it(tmp_path):
    text = BASE.replace("      cpu: 2048\n      memory: 4096\n", "      type: m5.large\n      memory: 7900\n")
    group = load_model(_write(tmp_path, text)).placement.groups[0]
    assert (group.cpu, group.memory, group.type) == (2048, 7900, "m5.large")


# BASE's lines: 1 service, 2 desiredCount, 3 cluster, 4 instances, 5 count, 6 cpu, 7 memory, 8 task.
@pytest.mark.parametrize("change, line, words", [
    (("cluster:\n", "cluster:\n  capacityTasks: 4\n"), 4, "give cluster.instances or capacityTasks, not both"),
    (("      memory: 4096\n", "      memory: 4096\n      reserved: {memory: 5000}\n"), 8,
     "reserved memory 5000 MiB is more than the 4096 MiB"),
    (("hostPorts: [80]", "hostPorts: [80, 80]"), 8, "hostPorts: 80 is listed twice"),
    (("hostPorts: [80]", "hostPorts: [0]"), 8, "must be a port from 1 to 65535"),
    (("task: {cpu: 256, memory: 512, hostPorts: [80]}", "task: {cpu: 256}"), 8, "task needs memory"),
    (("      cpu: 2048\n", "      type: m9.huge\n"), 6, "type='m9.huge' is not in rollproof's table"),
    (("      cpu: 2048\n", "      cpus: 2048\n"), 6, "unknown key 'cpus'"),
    (("  instances:\n", "  capacityTasks: 2\n  zinstances:\n"), 5, "unknown key 'zinstances'"),
    (("service:\n", "plan:\n  - stop: 1\nservice:\n"), 1, "'plan' is not checked together with cluster.instances"),
    (("    - count: 2\n", "    - count: 0\n"), 5, "count=0 must be at least 1"),
])
def test_bad_placement_names_line_and_value(tmp_path, change, line, words):
    text = BASE.replace(*change)
    assert text != BASE
    with pytest.raises(ModelError) as caught:
        load_model(_write(tmp_path, text))
    assert caught.value.line == line, str(caught.value)
    assert words in str(caught.value)


def test_task_sizes_need_instances(tmp_path):
    with pytest.raises(ModelError, match=r"needs cluster\.instances"):
        load_model(_write(tmp_path, "service:\n  desiredCount: 2\ntask: {cpu: 1, memory: 1}\n"))


# ---------------------------------------------------------------- reports


def test_json_states_carry_instances_and_text_numbers_them_from_1():
    run = run_in_process("verify", "--format", "json", MODELS / "placement-static-port-no-spare.yaml")
    assert run.code == 1
    assert_valid_json_output(run.out)
    data = json.loads(run.out)
    assert data["bounds"]["capacity"] is None
    progress = next(p for p in data["properties"] if p["id"] == "progress")
    assert progress["counterexample"]["states"][0]["instances"] == [[1, 0, 0, 0]] * 4
    text = run_in_process("verify", MODELS / "placement-static-port-one-spare.yaml")
    assert text.code == 0
    assert "launch on instance 5" in text.out and "1:O 2:O 3:O 4:O 5:p" in text.out


def test_what_is_not_searched_over_instances_is_refused_or_said():
    # (suggest over instances: tests/test_placement_fix.py)
    smt = run_in_process("verify", "--engine", "smt", MODELS / "placement-static-port-no-spare.yaml")
    assert smt.code == 2 and "explicit engine only" in smt.err
    small = run_in_process("verify", "--max-states", "10", MODELS / "placement-unlucky-risk.yaml")
    assert small.code == 3 and "raise it with --max-states" in small.out
    assert "fewest steps     not searched with cluster.instances" in small.out


def test_a_search_cut_short_still_reports_a_dead_end_it_met():
    # Dead ends are final whatever is left unexplored; any other stuck state needs the whole graph.
    from verifier.explicit.placement_graph import explore_placement as explore
    from verifier.properties.placement_checks import PlacementContext, placement_findings
    from verifier.schedules.ecs_placement import simulate_placement
    from verifier.semantics import deployment_of
    model = _model("placement-unlucky-risk")
    pl, deployment = model.placement, deployment_of(model.settings)
    start, _ = initial_layout(pl, 3)
    ecs = simulate_placement(pl, deployment, start)
    seen = set()
    for budget in range(2, 40):
        graph = explore(pl, deployment.bounds, start, budget)
        if graph.complete:
            break
        progress = _finding(SimpleResult(placement_findings(
            PlacementContext(model, deployment.bounds, graph, None, ecs, budget))), "progress")
        seen.add(progress.status)
        if progress.status is Status.VIOLATED:
            end = progress.counterexample.instances[-1]
            assert list(_oracle_moves(pl, 3, 3, 4, end)) == []   # L = 3, U = floor(3 * 1.5) = 4
    assert seen == {Status.UNKNOWN, Status.VIOLATED}


class SimpleResult:
    def __init__(self, findings):
        self.findings = findings


def test_binpack_run_packs_new_tasks_and_stops_from_the_fullest_instance(tmp_path):
    # Two instances of 2048 MiB, one old task of 512 MiB each (spread), D = 2, 100/200: U - counted = 2
    # launches at 0 s. Binpack: both have 1536 MiB free, tie -> instance 1 (1024 left), then instance 1
    # again (1024 < 1536). Healthy at 150 s; 2 + 2 - 2 = 2 stops: instance 1 holds 3 tasks -> its old one
    # first, then instance 2's (the only old task left); gone at 450 s. Spread would use instance 2.
    text = """\
    service:
      desiredCount: 2
    cluster:
      instances:
        - {count: 2, cpu: 2048, memory: 2048}
    task: {cpu: 256, memory: 512}
    placement: {strategy: STRATEGY}
    """
    runs = {}
    for strategy in ("binpack", "spread"):
        result = verify(load_model(_write(tmp_path, text.replace("STRATEGY", strategy))))
        runs[strategy] = [str(a) for a in result.ecs.trace.actions if a.name in ("launch", "stop")]
        assert result.ecs.makespan_seconds == 450
    assert runs["binpack"] == ["launch on instance 1", "launch on instance 1", "stop on instance 1",
                               "stop on instance 2"]
    # spread: tie -> instance 1, then instance 2 (1 task against 2); stops: both hold 2, lowest first.
    assert runs["spread"] == ["launch on instance 1", "launch on instance 2", "stop on instance 1",
                              "stop on instance 2"]


def test_a_stricter_requirement_is_checked_over_instances(tmp_path):
    # min 50 allows 2 stops at once (L = 2), but minHealthy 3: the second stop leaves 2 healthy.
    # Shortest counterexample: stop, stop (2 moves); the oracle allows both moves.
    path = MODELS / "placement-static-port-no-spare-min50.yaml"
    model = load_model(_write(tmp_path, path.read_text().split("expect:")[0] + "requirements:\n  minHealthy: 3\n"))
    availability = _finding(verify(model), "availability")
    assert availability.status is Status.VIOLATED
    trace = availability.counterexample
    assert [a.name for a in trace.actions] == ["stop", "stop"] and trace.states[-1].healthy == 2
    for before, after in zip(trace.instances, trace.instances[1:], strict=False):
        assert after in set(_oracle_moves(model.placement, 4, 2, 8, before))


@hsettings(max_examples=200, deadline=None)
@given(st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 2), st.integers(0, 2)),
       st.sampled_from([(), (80,), (80, 443)]), st.sampled_from([(), (80,)]), st.booleans(),
       st.integers(0, 1024), st.integers(0, 2048))
def test_fit_rules_agree_with_the_oracle(slot, ports, old_ports, distinct, reserved_cpu, reserved_memory):
    group = InstanceGroup(1, 2048, 4096, reserved_cpu, reserved_memory)
    pl = Placement((group,), TaskSize(512, 1024, ports), TaskSize(256, 512, old_ports), distinct)
    assume(_oracle_holds(pl, group, slot[0] + slot[1], slot[2] + slot[3]))   # reachable slots keep the rules
    assert (fit_problem(pl, (slot,), 0) is None) == _oracle_fits(pl, (slot,), 0)


def test_cpu_and_reserved_amounts_are_named():
    # 2048 - 1024 reserved - 2 old x 256 = 512 CPU units free; the new task needs 1024.
    pl = Placement((InstanceGroup(1, 2048, 8192, 1024, 0),), TaskSize(1024, 512), TaskSize(256, 512))
    assert fit_problem(pl, ((2, 0, 0, 0),), 0) == "instance 1 has 512 CPU units free, the new task needs 1024"
