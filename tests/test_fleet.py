"""Gating a fleet: the memo of setups, the pool of processes (`--jobs`), and the order of the report."""

import json
from dataclasses import replace
from operator import attrgetter

import pytest
from conftest import make_model, run_in_process

from verifier.check.verify import check_model
from verifier.ci.fleet import FleetChecker, map_setups, setup_of
from verifier.ci.gate import gate, model_of, with_advice
from verifier.model.sources import InfraService

# Seven services over four setups (counted by hand: A = 2 tasks 50/200, B = 3 tasks 100/100,
# C = 1 task 50/150, D = 4 tasks 50/200 on Fargate-free defaults), in an order that interleaves them.
SERVICES = [("Alpha", 2, 50, 200), ("Bravo", 3, 100, 100), ("Charlie", 2, 50, 200), ("Delta", 1, 50, 150),
            ("Echo", 3, 100, 100), ("Foxtrot", 4, 50, 200), ("Golf", 2, 50, 200)]
DISTINCT = 4


def _template(services: list[tuple[str, int, int, int]]) -> str:
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", "Resources:"]
    for name, desired, minimum, maximum in services:
        lines += [f"  {name}:", "    Type: AWS::ECS::Service", "    Properties:", f"      DesiredCount: {desired}",
                  "      DeploymentConfiguration:", f"        MinimumHealthyPercent: {minimum}",
                  f"        MaximumPercent: {maximum}"]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fleet")
    (folder / "a.yaml").write_text(_template(SERVICES[:4]))
    (folder / "b.yaml").write_text(_template(SERVICES[4:]))
    return folder


def _summary(report):
    return [(row.spec.file.rsplit("/", 1)[-1], row.spec.name, row.verdict,
             tuple((f.property_id, f.status) for f in row.result.findings), row.result.model.name)
            for row in report.rows]


def test_one_and_two_jobs_give_the_same_report_in_file_order(fleet_dir):
    one, two = gate([fleet_dir], jobs=1), gate([fleet_dir], jobs=2)
    assert _summary(one) == _summary(two)
    # Files in name order, services in the order they are written: the order of SERVICES.
    assert [row.spec.name for row in two.rows] == [name for name, *_ in SERVICES]


def test_every_service_gets_what_checking_it_alone_gives(fleet_dir):
    # The oracle is check_model on each service's own model, with no memo and no pool.
    for row in gate([fleet_dir], jobs=2).rows:
        alone = check_model(model_of(row.spec))
        assert row.result.model.name == row.spec.name and row.result.model.source.file == row.spec.file
        assert row.verdict == alone.verdict
        assert [(f.property_id, f.status) for f in row.result.findings] == \
            [(f.property_id, f.status) for f in alone.findings]


@pytest.mark.parametrize("jobs", [1, 2])
def test_each_setup_is_checked_once(jobs):
    models = [make_model(desired, minimum, maximum) for _, desired, minimum, maximum in SERVICES]
    # Names and files differ from service to service; the setups do not.
    models = [replace(m, name=name, source=InfraService(f"{name}.yaml", name, None, ()))
              for m, (name, *_) in zip(models, SERVICES, strict=True)]
    with FleetChecker(jobs=jobs) as fleet:
        answers = [fleet.submit(m) for m in models]
        results = [answer() for answer in answers if answer is not None]
    assert (fleet.checked, fleet.hits) == (DISTINCT, len(SERVICES) - DISTINCT)
    assert [r.model.name for r in results] == [name for name, *_ in SERVICES]


def test_a_different_capacity_or_requirement_is_another_setup():
    base = make_model(4, 50, 200)
    assert setup_of(replace(base, name="other")) == setup_of(base)
    assert setup_of(make_model(4, 50, 200, capacity=5)) != setup_of(base)
    assert setup_of(replace(base, desired_range=(4, 8))) != setup_of(base)


def test_past_the_limit_a_new_setup_is_refused_and_a_known_one_answered():
    first, second = make_model(2, 50, 200), make_model(3, 50, 200)
    with FleetChecker(jobs=1, limit=1) as fleet:
        assert fleet.submit(first) is not None
        assert fleet.submit(second) is None
        again = fleet.submit(replace(first, name="again"))
        assert again is not None and again().model.name == "again"


def test_cli_jobs_gives_the_same_json_and_refuses_zero(fleet_dir):
    one = run_in_process("gate", fleet_dir, "--format", "json", "--jobs", "1")
    two = run_in_process("gate", fleet_dir, "--format", "json", "--jobs", "2")
    assert one.code == two.code == 1  # Bravo and Echo (3 tasks, 100/100) cannot move: violated
    assert json.loads(one.out) == json.loads(two.out)
    refused = run_in_process("gate", fleet_dir, "--jobs", "0")
    assert refused.code == 2 and "--jobs" in refused.err


def test_the_gate_checks_a_setup_shared_across_files_once(fleet_dir, monkeypatch):
    import verifier.ci.fleet as fleet_module
    calls = []

    def counting(model, options):
        calls.append(model.name)
        return check_model(model, options)

    monkeypatch.setattr(fleet_module, "check_model", counting)
    report = gate([fleet_dir], jobs=1)
    # Bravo (a.yaml) and Echo (b.yaml) share a setup, as do Alpha, Charlie (a.yaml) and Golf (b.yaml).
    assert calls == ["Alpha", "Bravo", "Delta", "Foxtrot"]
    assert len(report.rows) == len(SERVICES)


def test_map_setups_keeps_order_and_starts_nothing_past_its_time():
    models = [make_model(desired, 50, 200) for desired in (5, 1, 4, 2, 3)]
    read = attrgetter("settings.desired")  # picklable, so the pool can run it
    assert map_setups(read, models, 2, 60) == map_setups(read, models, 1, 60) == [5, 1, 4, 2, 3]
    assert map_setups(read, models, 1, -1) == [None] * 5  # past its time before the first call


def test_fix_searches_run_over_the_pool_and_stop_at_their_limit(fleet_dir, monkeypatch):
    # Bravo/Echo (3 tasks, 100/100) and Delta (1 task, 50/150) are stuck at the start: two violated
    # setups. Their fixes are the same with one process or two; with a limit of one search, the
    # second setup's services say that no fix was searched.
    report = gate([fleet_dir], jobs=1)
    one, two = with_advice(report, jobs=1), with_advice(report, jobs=2)
    advised = {row.spec.name: row.advice for row in one.rows if row.advice is not None}
    assert sorted(advised) == ["Bravo", "Delta", "Echo"]
    assert advised == {row.spec.name: row.advice for row in two.rows if row.advice is not None}
    assert all(advice.remedies for advice in advised.values())
    monkeypatch.setattr("verifier.ci.gate.MAX_FIX_SEARCHES", 1)
    limited = {row.spec.name: row.advice for row in with_advice(report, jobs=2).rows if row.advice is not None}
    assert limited["Bravo"] == advised["Bravo"] and limited["Echo"] == advised["Echo"]
    assert not limited["Delta"].remedies and "no fix searched" in limited["Delta"].note
