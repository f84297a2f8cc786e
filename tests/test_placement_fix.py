"""`suggest` over cluster.instances: the fixes offered, each verified, in the documented order."""

from __future__ import annotations

import json

from conftest import MODELS, assert_valid_json_output, run_in_process

from verifier.check.suggest import suggest
from verifier.model.loading import load_model


def test_static_port_no_spare_offers_the_minimum_ports_and_an_instance():
    # By hand (docs/semantics.md#placement, "static port, no spare"): 4 instances each hold an old task on
    # port 80, D = 4 at minimum 100%. A new task fits only where an old one has gone, so an old one must
    # stop first: L = ceil(4p/100) <= 3 iff p <= 75, and no maximum helps (no instance takes port 80):
    # the least change is minimumHealthyPercent 75 (25 points). Dynamic ports let a new task sit beside the
    # old one on any instance (2048 units and 4096 MiB hold both); a fifth instance is the "one spare" case.
    result = suggest(load_model(MODELS / "placement-static-port-no-spare.yaml"))
    assert not result.already_holds
    assert result.fix is not None
    assert (result.fix.min_healthy_percent, result.fix.max_percent, result.fix.total_change) == (75, 200, 25)
    kinds = [found.kind for found in result.placement_fixes]
    assert kinds == ["dynamic ports", "one more instance"]   # the documented order after the percentages
    assert "count 4 -> 5" in result.placement_fixes[1].change
    assert "bridge" in result.placement_fixes[0].cost


def test_the_cli_prints_and_serialises_them():
    path = MODELS / "placement-static-port-no-spare.yaml"
    text = run_in_process("suggest", path)
    assert text.code == 0   # before, suggest refused models with instances (exit 2)
    assert "minimumHealthyPercent: 75" in text.out
    assert "alternative, dynamic ports (verified): task.hostPorts: [80] -> [] (hostPort 0)" in text.out
    assert "alternative, one more instance (verified)" in text.out
    done = run_in_process("suggest", path, "--format", "json")
    assert_valid_json_output(done.out)
    data = json.loads(done.out)
    assert data["changes"] == {"min_healthy_percent": 75, "max_percent": 200}
    assert [fix["kind"] for fix in data["placement_fixes"]] == ["dynamic ports", "one more instance"]


def test_a_bigger_new_revision_that_cannot_fit_gets_no_fix():
    # "bigger new revision": 4 instances of 1536 MiB, new tasks of 1024 MiB, D = 8. An instance holds one
    # new task (2 x 1024 > 1536), so the goal of 8 new tasks needs 8 instances: no percentages help, a
    # fifth instance does not either (5 < 8), and there are no host ports to make dynamic.
    result = suggest(load_model(MODELS / "placement-bigger-new-revision.yaml"))
    assert result.fix is None and result.placement_fixes == ()
    assert "at most 4 new tasks, and 8 are needed" in result.note
    assert run_in_process("suggest", MODELS / "placement-bigger-new-revision.yaml").code == 1


def test_a_model_that_holds_needs_nothing():
    assert suggest(load_model(MODELS / "placement-dynamic-ports.yaml")).already_holds


def test_the_html_page_runs_ecs_on_the_instances():
    # Before the fix ECS's run is stuck at the start (every instance holds port 80, none may stop); after
    # minimumHealthyPercent 75 it replaces one task per round: drain 300 s + healthy 150 s = 450 s, 4 rounds
    # = 1800 s. (The count run alone would ignore the instances and finish before the change.)
    page = run_in_process("suggest", MODELS / "placement-static-port-no-spare.yaml", "--format", "html").out
    assert "never finishes" in page and "ECS finishes in 1800 s" in page
    assert "Or: dynamic ports (verified" in page and "Or: one more instance (verified" in page
