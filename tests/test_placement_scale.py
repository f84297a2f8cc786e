"""The large-cluster path: instances of one task size reduce exactly to task slots (docs/semantics.md#placement)."""

from __future__ import annotations

import json

import pytest
from conftest import assert_valid_json_output, run_in_process
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from verifier.check import placement_scale
from verifier.check.placement_scale import slot_model
from verifier.check.placement_verify import check_placement
from verifier.check.verify import verify
from verifier.findings import verdict_of
from verifier.model.placement import BINPACK, SPREAD, InstanceGroup, Placement, TaskSize
from verifier.model.placement_slots import slot_bounds, task_slots
from verifier.model.records import Model, Settings
from verifier.placement_semantics import NEW, fits, initial_layout
from verifier.results import Status


def _brute_slots(placement: Placement) -> int:
    """k_i found by the per-instance rules themselves: add new tasks to an empty instance until one
    does not fit (an oracle independent of the closed form min(floor(cpu), floor(memory)), 1 with ports)."""
    total = 0
    for index in range(len(placement.instances)):
        layout = tuple((0, 0, 0, 0) for _ in placement.instances)
        while fits(placement, layout, index, NEW):
            slot = layout[index]
            layout = layout[:index] + ((slot[0], slot[1], slot[2], slot[3] + 1),) + layout[index + 1:]
        total += layout[index][3]
    return total


@st.composite
def one_size_clusters(draw):
    groups = tuple(InstanceGroup(draw(st.integers(1, 2)), draw(st.sampled_from([512, 1024, 2048])),
                                 draw(st.sampled_from([512, 1024, 1536])),
                                 reserved_memory=draw(st.sampled_from([0, 256])))
                   for _ in range(draw(st.integers(1, 2))))
    size = TaskSize(draw(st.sampled_from([256, 512, 1024])), draw(st.sampled_from([256, 512])),
                    draw(st.sampled_from([(), (80,)])))
    placement = Placement(groups, size, size, distinct_instance=draw(st.booleans()),
                          strategy=draw(st.sampled_from([SPREAD, BINPACK])))
    desired = draw(st.integers(1, 5))
    return placement, Settings(desired, draw(st.sampled_from([0, 50, 100])), draw(st.sampled_from([100, 150, 200])))


@hsettings(max_examples=60, deadline=None)
@given(one_size_clusters())
def test_one_task_size_is_exactly_the_count_model(case):
    placement, settings = case
    slots = task_slots(placement)
    assert slots == _brute_slots(placement)
    model = Model("placed", settings, placement=placement)
    # The initial spread placement fits iff D <= sum(k_i).
    assert (initial_layout(placement, settings.desired)[1] is None) == (settings.desired <= slots)
    searched = check_placement(model, 10**6)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(placement_scale, "EXPLICIT_INSTANCES", 0)   # take the reduction at any size
        reduced = verify(model)
    if settings.desired > slots:   # not reduced: the placement search reports the initial placement
        assert reduced.abstraction == ""
        return
    assert reduced.abstraction == f"exact: identical task sizes, {slots:,} task slots in total"
    assert {f.property_id: f.status for f in searched.findings} == {f.property_id: f.status for f in reduced.findings}
    assert verdict_of(searched.findings) == reduced.verdict
    # ECS's run on the instances (any strategy) has the count model's figures.
    counted = verify(slot_model(model, slots)).ecs
    for run in (searched.ecs, reduced.ecs):
        assert (run.completes, run.makespan_seconds, run.min_healthy_seen, run.max_counted_seen,
                run.max_occupied_seen) == (counted.completes, counted.makespan_seconds, counted.min_healthy_seen,
                                           counted.max_counted_seen, counted.max_occupied_seen)


def test_sizes_that_differ_are_not_reduced():
    # A bigger new revision: tasks are not interchangeable, so no slot count is exact.
    placement = Placement((InstanceGroup(2, 2048, 2048),), TaskSize(256, 1024), TaskSize(256, 512))
    assert task_slots(placement) is None


def test_a_port_or_distinct_instance_holds_one_task_per_instance():
    # By hand: 4096 MiB / 512 = 8 tasks per instance by memory, 4096 / 256 = 16 by CPU: 8 each, 24 in all;
    # with host port 80 (or distinctInstance) one each: 3.
    group = InstanceGroup(3, 4096, 4096)
    assert task_slots(Placement((group,), TaskSize(256, 512), TaskSize(256, 512))) == 24
    assert task_slots(Placement((group,), TaskSize(256, 512, (80,)), TaskSize(256, 512, (80,)))) == 3
    assert task_slots(Placement((group,), TaskSize(256, 512), TaskSize(256, 512), distinct_instance=True)) == 3
    # An instance too small for one task holds none: 2 * 256 MiB free of a 512 MiB task.
    assert task_slots(Placement((InstanceGroup(2, 1024, 256),), TaskSize(256, 512), TaskSize(256, 512))) == 0


def test_two_hundred_instances_and_two_thousand_tasks_answer_by_slots():
    # 200 instances of 4096 CPU units and 5120 MiB hold 10 tasks of 256 units and 512 MiB each (16 by CPU,
    # 10 by memory): 2,000 slots for 2,000 tasks. At minimum 50%
    # ECS stops 1,000 old tasks, launches 1,000 new ones into the freed slots, and so on: it holds (the count
    # model's reference case of a cluster exactly full with a minimum below 100%).
    size = TaskSize(256, 512)
    model = Model("big", Settings(2000, 50, 150), placement=Placement((InstanceGroup(200, 4096, 5120),), size, size))
    result = verify(model)
    assert result.abstraction == "exact: identical task sizes, 2,000 task slots in total"
    assert result.verdict.value == "proved"
    assert result.ecs.completes and result.ecs.max_occupied_seen == 2000


def test_the_report_says_the_answer_is_exact(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("service: {desiredCount: 40}\ncluster:\n  instances:\n    - {count: 40, cpu: 2048, memory: 4096}\n"
                    "task: {cpu: 256, memory: 512, hostPorts: [80]}\n")
    # 40 instances, port 80 on every task: 40 slots for 40 tasks at minimum 100%: no old task may stop
    # and no new one fits, so progress is violated, as in the four-instance reference case.
    text = run_in_process("verify", path)
    assert text.code == 1
    assert "exact: identical task sizes, 40 task slots in total" in text.out
    assert "1:O 2:O 3:O" in text.out   # ECS's run shown on the instances: spread put one old task on each
    done = run_in_process("verify", path, "--format", "json")
    assert_valid_json_output(done.out)
    assert json.loads(done.out)["abstraction"] == "exact: identical task sizes, 40 task slots in total"


@st.composite
def two_size_clusters(draw):
    placement, settings = draw(one_size_clusters())
    old = TaskSize(draw(st.sampled_from([256, 512])), draw(st.sampled_from([256, 512, 1024])),
                   draw(st.sampled_from([(), (80,), (81,)])))
    return Placement(placement.groups, placement.task, old, placement.distinct_instance, placement.strategy), settings


@hsettings(max_examples=80, deadline=None)
@given(two_size_clusters())
def test_bounds_never_contradict_the_placement_search(case):
    placement, settings = case
    model = Model("placed", settings, placement=placement)
    searched = {f.property_id: f.status for f in check_placement(model, 10**6).findings}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(placement_scale, "EXPLICIT_INSTANCES", 0)
        bounded = verify(model)
    low, high = slot_bounds(placement)
    brute = _brute_slots(placement)   # the new task alone: between the two bounds
    assert low <= brute and (high is None or brute <= high)
    for finding in bounded.findings:   # a verdict from the bounds is the search's verdict
        if finding.status is not Status.UNKNOWN:
            assert searched[finding.property_id] is finding.status, finding


def test_a_bigger_new_revision_on_a_large_cluster_holds_by_the_bounds():
    # 30 instances of 2048 CPU units and 4096 MiB; old tasks 256 units / 512 MiB, new ones 256 / 1024 MiB.
    # Pessimistic: every task 1024 MiB, 4 per instance, 120 slots; D = 40 <= 120, L = 20 < U = 60 and
    # 20 < 120, so every placement can still finish (docs/semantics.md#placement, sound bounds).
    placement = Placement((InstanceGroup(30, 2048, 4096),), TaskSize(256, 1024), TaskSize(256, 512))
    result = verify(Model("bigger", Settings(40, 50, 150), placement=placement))
    assert result.abstraction.startswith("sound bounds: ")
    assert "at least 120 tasks" in result.abstraction and "at most 240" in result.abstraction  # 4096/512 = 8 each
    assert result.verdict.value == "proved"


def test_a_bigger_new_revision_that_ecs_cannot_place_is_violated():
    # 30 instances of 1024 MiB full of 1024 MiB... : old tasks 512 MiB two per instance (60 tasks), new 1024 MiB
    # at minimum 100%: no old task may stop, and no instance has 1024 MiB free. ECS's own run is stuck at once.
    placement = Placement((InstanceGroup(30, 2048, 1024),), TaskSize(256, 1024), TaskSize(256, 512))
    result = verify(Model("stuck", Settings(60, 100, 200), placement=placement))
    assert result.abstraction.startswith("sound bounds: ")
    progress = next(f for f in result.findings if f.property_id == "progress")
    assert progress.status is Status.VIOLATED and "gets stuck" in progress.message
