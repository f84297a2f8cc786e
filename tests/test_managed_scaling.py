"""Managed scaling over instances (docs/semantics.md#placement): a group below maxCount gains an instance
when a new task fits on no instance in service.

Figures are derived by hand beside each test (150 s health checks, 300 s draining, the default 300 s
warm-up). The oracle below is written from the rules in docs/semantics.md#placement, not from
placement_semantics: it keeps an explicit "added" flag per addable instance instead of relying on
"an addable instance is added exactly when it holds a task", so it also checks that claim.
"""

from __future__ import annotations

import json
from collections import deque

import pytest
from conftest import MODELS, assert_valid_json_output, run_in_process
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from verifier.check.verify import verify
from verifier.explicit.placement_graph import explore_placement, goal_reachers
from verifier.model.loading import load_model
from verifier.model.placement import InstanceGroup, Placement, TaskSize
from verifier.model.records import Model, Settings
from verifier.placement_semantics import initial_layout
from verifier.reports.markdown import render_markdown
from verifier.results import Status
from verifier.semantics import bounds_of

PORT_80 = TaskSize(256, 512, (80,))


def _finding(result, prop):
    return next(f for f in result.findings if f.property_id == prop)


def _run(groups, desired, minimum=100, maximum=200, task=PORT_80, old=None, **extra):
    placement = Placement(tuple(groups), task, old or task, **extra)
    return verify(Model("scaling", Settings(desired, minimum, maximum), placement=placement))


# ---------------------------------------------------------------- an independent oracle


def _holds(pl, group, olds, news):
    if olds * pl.old_task.cpu + news * pl.task.cpu > group.cpu - group.reserved_cpu:
        return False
    if olds * pl.old_task.memory + news * pl.task.memory > group.memory - group.reserved_memory:
        return False
    for port in set(pl.old_task.host_ports) | set(pl.task.host_ports):
        if olds * (port in pl.old_task.host_ports) + news * (port in pl.task.host_ports) > 1:
            return False
    return not (pl.distinct_instance and olds + news > 1)


def oracle_graph(groups, task, old, D, m, x):
    """Every (layout, added) reachable: instances of each group now, then every group's addable ones;
    `added[k]` says whether addable instance k is in service. Returns the distances, the finishing set
    and each state's successors."""
    pl = Placement(tuple(groups), task, old)
    now = [g for g in groups for _ in range(g.count)]
    addable = [g for g in groups for _ in range((g.max_count or g.count) - g.count)]
    kinds = now + addable
    L, U = (D * m + 99) // 100, D * x // 100
    # Initial placement: spread over the instances in service, by fewest tasks then lowest index.
    layout = [(0, 0, 0, 0)] * len(kinds)
    for _ in range(D):
        fitting = [i for i in range(len(now)) if _holds(pl, kinds[i], layout[i][0] + 1, 0)]
        assert fitting, "these cases place their old tasks"
        i = min(fitting, key=lambda i: (layout[i][0], i))
        layout[i] = (layout[i][0] + 1, 0, 0, 0)
    start = (tuple(layout), (False,) * len(addable))

    def moves(state):
        lay, added = state
        o, p, n = (sum(s[k] for s in lay) for k in (0, 2, 3))
        usable = [i < len(now) or added[i - len(now)] for i in range(len(lay))]
        launch_ok = p + n + 1 <= D and o + p + n + 1 <= U

        def fits(i):
            oi, si, pi, ni = lay[i]
            return _holds(pl, kinds[i], oi + si, pi + ni + 1)

        for i, (oi, si, pi, ni) in enumerate(lay):
            def at(slot, i=i, flags=added):
                return lay[:i] + (slot,) + lay[i + 1:], flags
            if oi and o - 1 + n >= L:
                yield at((oi - 1, si + 1, pi, ni))
            if launch_ok and usable[i] and fits(i):
                yield at((oi, si, pi + 1, ni))
            if pi:
                yield at((oi, si, pi - 1, ni + 1))
            if si:
                yield at((oi, si - 1, pi, ni))
        if launch_ok and not any(usable[i] and fits(i) for i in range(len(lay))):
            for k, flag in enumerate(added):
                i = len(now) + k
                if not flag and _holds(pl, kinds[i], 0, 1):
                    yield (lay[:i] + ((0, 0, 1, 0),) + lay[i + 1:],
                           added[:k] + (True,) + added[k + 1:])

    dist, edges, queue = {start: 0}, {}, deque([start])
    while queue:
        state = queue.popleft()
        edges[state] = set(moves(state))
        for after in edges[state]:
            if after not in dist:
                dist[after] = dist[state] + 1
                queue.append(after)
    finishing = {s for s in dist if sum(t[3] for t in s[0]) == D and sum(map(sum, s[0])) == D}
    changed = True
    while changed:
        changed = False
        for state, outs in edges.items():
            if state not in finishing and outs & finishing:
                finishing.add(state)
                changed = True
    return dist, finishing, edges


# ---------------------------------------------------------------- the stories, derived by hand


def test_managed_scaling_rescues_a_port_conflict():
    # Four instances each hold port 80 with an old task; L = U/2 = 4. At 0 s no instance in service takes
    # a new task, so ECS asks for instance 5 (usable at 300 s); the task is pending and counted meanwhile
    # (4 old + 1 = 5). A second launch fits neither in service nor beside it (port 80), and the group is
    # at maxCount 5. The task is healthy at 300 + 150 = 450 s; then it is the "one spare" case shifted by
    # 450 s: stop on 1 (gone 750), launch on 1 (healthy 900), ..., the last stop (on 4) gone at
    # 450 + 3 * 450 + 300 = 2100 s. Lowest healthy 4, peak 5 counted; one instance added (0 s, 300 s).
    result = verify(load_model(MODELS / "placement-managed-scaling-rescue.yaml"))
    assert result.verdict.value == "proved"
    run = result.ecs
    assert (run.completes, run.makespan_seconds, run.min_healthy_seen, run.max_counted_seen) == (True, 2100, 4, 5)
    assert run.scale_outs == ((0, 300),)
    placed = [str(a) for a in run.trace.actions if a.name in ("launch", "scale_out")]
    assert placed == ["scale_out on instance 5", "launch on instance 1", "launch on instance 2",
                      "launch on instance 3"]
    assert run.trace.times[run.trace.actions.index(next(a for a in run.trace.actions if a.name == "ready")) + 1] == 450


def test_without_scaling_the_same_cluster_is_stuck():
    # The same model with maxCount 4 (= count) is "static port, no spare": stuck at the start.
    result = _run([InstanceGroup(4, 2048, 4096, max_count=4)], 4)
    progress = _finding(result, "progress")
    assert progress.status is Status.VIOLATED and not progress.counterexample.actions
    assert not result.ecs.completes and result.ecs.scale_outs == ()


def test_managed_scaling_that_runs_out_is_stuck():
    # Two instances of 2048 MiB hold two old tasks of 1024 each; the new task needs 2048 (a whole
    # instance). At 0 s: instance 3 asked for (usable 300 s), its task healthy at 450 s; 4 + 1 - 4 = 1 stop,
    # on instance 1 (2 tasks, lowest index), gone at 750 s; instance 1 then has 1024 MiB free, the group is
    # at maxCount 3 and 3 old + 1 new = 4 = L allows no other stop: stuck, in ECS's own run too.
    result = verify(load_model(MODELS / "placement-managed-scaling-exhausted.yaml"))
    progress = _finding(result, "progress")
    assert progress.status is Status.VIOLATED
    assert "managed scaling has added all it may: its group is at maxCount 3" in " ".join(progress.details)
    assert any("a certainty" in d for d in progress.details)
    run = result.ecs
    assert not run.completes and run.trace.times[-1] == 750 and run.scale_outs == ((0, 300),)
    assert run.trace.instances[-1] == ((1, 0, 0, 0), (2, 0, 0, 0), (0, 0, 0, 1))


def test_provisioning_tasks_count_toward_the_maximum():
    # Port 80 on four full instances, maxCount 8, L = 4. With maximumPercent 200 (U = 8) ECS launches 4 at
    # 0 s, each on an instance of its own (the port): 4 instances added, all usable at 300 s, healthy at
    # 450 s; then 4 + 4 - 4 = 4 stops, gone at 750 s; peak 8 counted.
    wide = _run([InstanceGroup(4, 2048, 4096, max_count=8)], 4)
    assert wide.ecs.scale_outs == ((0, 300),) * 4
    assert (wide.ecs.makespan_seconds, wide.ecs.max_counted_seen) == (750, 8)
    # With maximumPercent 125 (U = 5) the task waiting for its instance is the fifth counted one, so one
    # task waits at a time:
    #   0 s: instance 5 asked for (usable 300 s), its task healthy at 450 s;
    #   450 s: stop on 1 (gone 750 s); 3 old + 1 new counted, 1 launch: instance 1's stopping task still
    #          holds port 80, so instance 6 is asked for (usable 750 s, healthy 900 s);
    #   750 s: 3 + 1 + 1 = 5 counted, no launch;  900 s: stop on 2 (gone 1200 s), launch on 1 (healthy 1050 s);
    #   1050 s: stop on 3 (gone 1350 s); 1 old + 3 new, 1 launch: 2 and 3 hold port 80 while stopping, so
    #          instance 7 is asked for (usable 1350 s, healthy 1500 s);
    #   1500 s: 4 new, stop on 4, gone at 1800 s: done. Three instances added, peak 5 counted.
    narrow = _run([InstanceGroup(4, 2048, 4096, max_count=8)], 4, maximum=125)
    assert narrow.ecs.scale_outs == ((0, 300), (450, 750), (1050, 1350))
    assert (narrow.ecs.makespan_seconds, narrow.ecs.max_counted_seen, narrow.ecs.min_healthy_seen) == (1800, 5, 4)
    assert narrow.verdict.value == "proved"


def test_a_task_waits_for_an_instance_already_asked_for():
    # Two instances of 1024 MiB hold two old tasks of 512 each; the new task is 512 MiB, dynamic ports.
    # At 0 s: the first launch fits nowhere in service, instance 3 is asked for; the second fits beside
    # it on instance 3 and waits for it too (healthy at 300 + 150 = 450 s, not 150); a third fits
    # nowhere and the group is at maxCount 3. At 450 s: 4 + 2 - 4 = 2 stops, both on instance 1 (two
    # tasks each, lowest index), gone at 750 s; 2 launches on instance 1, healthy at 900 s; 2 stops on
    # instance 2, gone at 1200 s. Peak counted 4 + 2 = 6, lowest healthy 4.
    result = _run([InstanceGroup(2, 2048, 1024, max_count=3)], 4, task=TaskSize(256, 512))
    run = result.ecs
    assert (run.completes, run.makespan_seconds, run.min_healthy_seen, run.max_counted_seen) == (True, 1200, 4, 6)
    assert run.scale_outs == ((0, 300),)
    assert [str(a) for a in run.trace.actions[:2]] == ["scale_out on instance 3", "launch on instance 3"]
    assert result.verdict.value == "proved"


def test_scaling_cannot_help_a_task_bigger_than_an_empty_instance():
    # The new task (2048 MiB) does not fit on an empty instance of 1536: no instance is added.
    result = _run([InstanceGroup(2, 2048, 1536, max_count=4)], 2, task=TaskSize(256, 2048),
                  old=TaskSize(256, 512))
    progress = _finding(result, "progress")
    assert progress.status is Status.VIOLATED and result.ecs.scale_outs == ()
    assert any("managed scaling cannot help" in d for d in progress.details)


def test_text_and_json_say_how_many_instances_are_added():
    model = MODELS / "placement-managed-scaling-rescue.yaml"
    text = run_in_process("verify", model)
    assert text.code == 0
    assert ("managed scaling up to 5 instances (instance 5 once added; empty until then), each usable "
            "300 s (5 min) after ECS asks for it") in text.out
    assert "1 instance added by managed scaling: asked for at 0 s, usable at 300 s (5 min)" in text.out
    out = run_in_process("verify", "--format", "json", model)
    assert_valid_json_output(out.out)
    data = json.loads(out.out)
    assert (data["ecs"]["instances_added"], data["ecs"]["scale_outs"]) == (1, [{"asked_seconds": 0,
                                                                                 "usable_seconds": 300}])
    assert "finishes in 2100 s (35 min), adding 1 instance by managed scaling" in \
        render_markdown(verify(load_model(model)))
    # A run that adds nothing has neither key.
    plain = run_in_process("verify", "--format", "json", MODELS / "placement-static-port-one-spare.yaml")
    assert_valid_json_output(plain.out)
    assert "instances_added" not in json.loads(plain.out)["ecs"]


# ---------------------------------------------------------------- the graph against the oracle


SCALING_CASES = [
    ([InstanceGroup(2, 2048, 4096, max_count=3)], PORT_80, PORT_80, 2, 100, 200),
    ([InstanceGroup(2, 2048, 4096, max_count=4)], PORT_80, PORT_80, 2, 100, 150),
    ([InstanceGroup(2, 2048, 2048, max_count=3)], TaskSize(512, 2048), TaskSize(512, 1024), 4, 100, 200),
    ([InstanceGroup(2, 2048, 2048, max_count=4)], TaskSize(512, 2048), TaskSize(512, 1024), 4, 100, 200),
    ([InstanceGroup(2, 2048, 1024, max_count=3)], TaskSize(256, 512), TaskSize(256, 512), 4, 100, 200),
    ([InstanceGroup(1, 2048, 4096, max_count=2), InstanceGroup(2, 2048, 4096, max_count=3)],
     PORT_80, PORT_80, 3, 67, 200),
]


@pytest.mark.parametrize("groups, task, old, D, m, x", SCALING_CASES)
def test_the_graph_with_scaling_matches_the_oracle_reduced_or_not(groups, task, old, D, m, x):
    pl = Placement(tuple(groups), task, old)
    bounds = bounds_of(Settings(D, m, x))
    start, problem = initial_layout(pl, D)
    assert problem is None
    dist, finishing, edges = oracle_graph(groups, task, old, D, m, x)
    # The oracle's flags agree with "added exactly when it holds a task" in every reachable state.
    for lay, added in dist:
        assert list(added) == [any(slot) for slot in lay[pl.first_reserve:]]
    stuck = [d for s, d in dist.items() if s not in finishing]
    expected = (min(stuck) if stuck else None, min(sum(s[0] + s[3] for s in lay) for lay, _ in dist))
    layouts = {lay for lay, _ in dist}
    for reduce in (True, False):
        graph = explore_placement(pl, bounds, start, 10**6, reduce=reduce)
        reached = goal_reachers(graph, bounds)
        ours = [lay for lay in graph.parents if lay not in reached]
        shortest = len(graph.path_to(ours[0])) - 1 if ours else None
        assert (shortest, min(sum(s[0] + s[3] for s in lay) for lay in graph.parents)) == expected
        if not reduce:   # the same states and the same moves between them
            assert set(graph.parents) == layouts
            assert {lay: set(graph.successors[lay]) for lay in layouts} == \
                {lay: {after for after, _ in outs} for (lay, _), outs in edges.items()}


# ---------------------------------------------------------------- maxCount == count changes nothing


@st.composite
def fixed_groups(draw):
    groups = draw(st.lists(st.tuples(st.integers(1, 2), st.sampled_from([1024, 1536, 2048])),
                           min_size=1, max_size=2))
    task = TaskSize(256, draw(st.sampled_from([512, 1024])), draw(st.sampled_from([(), (80,)])))
    old = TaskSize(256, draw(st.sampled_from([512, 1024])), task.host_ports)
    desired = draw(st.integers(1, 4))
    minimum = draw(st.sampled_from([0, 50, 100]))
    maximum = draw(st.sampled_from([100, 150, 200]))
    return groups, task, old, desired, minimum, maximum, draw(st.booleans())


@hsettings(max_examples=40, deadline=None)
@given(fixed_groups())
def test_max_count_equal_to_count_behaves_exactly_as_before(case):
    groups, task, old, desired, minimum, maximum, distinct = case

    def result(max_count):
        pl = Placement(tuple(InstanceGroup(c, 2048, mem, max_count=max_count(c)) for c, mem in groups),
                       task, old, distinct_instance=distinct)
        return verify(Model("fixed", Settings(desired, minimum, maximum), placement=pl))

    plain, fixed = result(lambda c: None), result(lambda c: c)
    assert fixed.findings == plain.findings
    assert fixed.ecs == plain.ecs and fixed.ecs.scale_outs == ()
    assert (fixed.verdict, fixed.states) == (plain.verdict, plain.states)


def test_one_t2_micro_with_managed_scaling_up_to_two_scales_out(tmp_path):
    # The t2.micro story (972 MiB registered, tasks of 600 MiB: a second one does not fit beside the
    # first) with a capacity provider that may grow the group to 2: at 0 s instance 2 is asked for
    # (usable 300 s), the new task is healthy at 450 s, then 1 + 1 - 1 = 1 stop, gone at 750 s: done.
    path = tmp_path / "micro.yaml"
    path.write_text("service:\n  desiredCount: 1\ncluster:\n  instances:\n"
                    "    - {count: 1, type: t2.micro, maxCount: 2}\ntask: {cpu: 256, memory: 600}\n")
    result = verify(load_model(path))
    assert result.verdict.value == "proved"
    assert (result.ecs.makespan_seconds, result.ecs.scale_outs, result.ecs.max_counted_seen) == (750, ((0, 300),), 2)
    text = run_in_process("verify", path)
    assert text.code == 0 and "1 instance added by managed scaling" in text.out


@pytest.mark.parametrize("groups, task, old, D, m, x", SCALING_CASES)
def test_ecs_run_with_scaling_is_a_path_of_the_oracle_graph(groups, task, old, D, m, x):
    # ECS's run makes the choices the graph leaves open, so each of its moves is an oracle edge.
    _, _, edges = oracle_graph(groups, task, old, D, m, x)
    successors = {lay: {after for after, _ in outs} for (lay, _), outs in edges.items()}
    run = _run(groups, D, m, x, task=task, old=old).ecs
    for before, after in zip(run.trace.instances, run.trace.instances[1:], strict=False):
        assert after in successors[before]
