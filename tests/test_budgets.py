"""Hostile sizes end in time: ranges by period, every simulation and search under a work or memory budget.

Each CLI run has a subprocess timeout, so a hang fails the test instead of the
suite. The expected answers come from arithmetic written here (the rounding of
docs/semantics.md#bounds, via tests/oracle.py) or from checking counts one at
a time, never from the range code itself.
"""

import json
import os
import random
import subprocess
import sys
import textwrap

import pytest
from conftest import ROOT, run_cli, run_in_process
from oracle import lower

from verifier.check.ranges import verify_range
from verifier.check.verify import Options, verify
from verifier.ci import diff
from verifier.ci import gate as gate_module
from verifier.explicit.explore import explore
from verifier.model.records import Model, Requirements, Settings, TaskCount
from verifier.properties import count_spans
from verifier.properties.count_spans import Span, flagged_spans, sampled_counts
from verifier.results import Engine, Status
from verifier.schedules import ecs_pieces
from verifier.semantics import bounds_of
from verifier.smt.closed_forms import highest_counted, invariant_deadlock, lowest_healthy

TERA = 10**12
D30 = 10**30


def range_model(low, high, min_pct=100, max_pct=200, headroom=None, requirements=Requirements()):
    return Model("range", Settings(low, min_pct, max_pct), requirements, desired_range=(low, high),
                 capacity_headroom=headroom)


def test_range_of_a_trillion_counts_is_answered_within_30_s():
    # autoscaled-min50-max150 explains it: only desiredCount 1 is stuck (ceil(0.5) = floor(1.5) = 1).
    code, out, err = run_cli("verify", "--desired-range", f"1..{TERA}", "--min-healthy-percent", "50",
                             "--max-percent", "150", "--format", "json", timeout=30)
    assert code == 1, err
    found = {p["id"]: p for p in json.loads(out)["range"]["properties"]}
    assert found["progress"]["status"] == "violated"
    assert found["progress"]["failing_desired"] == [[1, 1]]
    assert all(found[p]["status"] == "holds" for p in ("availability", "surge", "capacity"))


def test_periodic_failures_over_a_trillion_counts_agree_with_the_rounding_and_with_each_count():
    # Requirement 67% against minimumHealthyPercent 66: availability fails exactly where
    # ceil(0.66 D) < ceil(0.67 D), a pattern of period 100 that never ends.
    model = range_model(1, TERA, 66, 200, requirements=Requirements(min_healthy=TaskCount(67, percent=True)))
    result = verify_range(model)
    assert result.seconds < 30
    availability = next(f for f in result.findings if f.property_id == "availability")
    assert availability.status is Status.VIOLATED
    spans = [interval.span for interval in availability.failing]

    def fails(d):
        return any(d in span for span in spans)

    prefix = range(1, 2001)
    tail = range(TERA - 2000, TERA + 1)
    for d in [*prefix, *tail]:
        assert fails(d) == (lower(d, 66) < lower(d, 67)), d
    # And against rollproof's own check of each count alone (the explicit engine, a different path).
    for d in range(1, 31):
        alone = verify(model.at(d), Options(engine=Engine.EXPLICIT))
        status = next(f.status for f in alone.findings if f.property_id == "availability")
        assert (status is Status.VIOLATED) == fails(d), d


def test_stuck_at_the_start_over_a_trillion_counts_is_proved_for_all_of_them():
    # min 100 / max 100: L = U = D, so ECS can neither stop an old task nor launch a new one.
    result = verify_range(range_model(1, TERA, 100, 100))
    progress = next(f for f in result.findings if f.property_id == "progress")
    assert progress.status is Status.VIOLATED
    assert progress.failing_desired() == [[1, TERA]] and not progress.unknown


def test_counts_shown_one_by_one_stop_at_the_witness_budget():
    # min 150 / max 150: no old task can ever be stopped (it would leave fewer than
    # L = ceil(1.5 D) healthy, and at most U = floor(1.5 D) run), so every count is stuck;
    # but from D = 2 on a launch is allowed first, so not at the start.
    result = verify_range(range_model(1, TERA, 150, 150))
    progress = next(f for f in result.findings if f.property_id == "progress")
    assert progress.status is Status.VIOLATED
    assert progress.failing_desired() == [[1, 2000]] and progress.unknown == ((2001, TERA),)
    assert any("narrower desiredRange" in detail for detail in progress.details)


@pytest.mark.parametrize("seed", range(6))
def test_scan_by_period_flags_the_same_counts_as_a_scan_of_each(seed, monkeypatch):
    rng = random.Random(seed)
    m, x = rng.randint(0, 100), rng.randint(100, 200)
    requirements = Requirements(min_healthy=rng.choice([None, TaskCount(rng.randint(0, 100), True),
                                                        TaskCount(rng.randint(0, 3000))]))
    model = range_model(1, 9000, m, x, headroom=rng.choice([None, 0, 1, 3]), requirements=requirements)
    checks = [lambda b: lowest_healthy(b) < requirements.healthy_needed(b.desired, b.min_healthy),
              lambda b: highest_counted(b) > b.max_tasks, invariant_deadlock]
    for flagged in checks:
        each = {d for d in range(1, 9001) if flagged(bounds_of(model.at(d).settings))}
        monkeypatch.setattr(count_spans, "ENUMERATE_UP_TO", 10)
        by_period = flagged_spans(model, 1, 9000, flagged)
        monkeypatch.undo()
        assert {d for span in by_period for d in span} == each
        assert sum(span.size() for span in by_period) == len(each)


def test_sampled_counts_hold_the_extremes_of_a_range(monkeypatch):
    model = range_model(1, 9000, 37, 143, headroom=2)
    every = [bounds_of(model.at(d).settings) for d in range(1, 9001)]
    monkeypatch.setattr(count_spans, "ENUMERATE_UP_TO", 10)
    some = [bounds_of(model.at(d).settings) for d in sampled_counts(model, 1, 9000)]
    assert len(some) < len(every) // 2
    assert min(map(lowest_healthy, some)) == min(map(lowest_healthy, every))
    assert max(map(highest_counted, some)) == max(map(highest_counted, every))


def test_span_counts_its_members():
    span = Span(5, 31, 10, 3)   # 5..7, 15..17, 25..27: 9 counts
    assert list(span) == [5, 6, 7, 15, 16, 17, 25, 26, 27]
    assert span.size() == 9 and span.last == 27
    assert Span(5, 26, 10, 3).last == 26 and Span(5, 26, 10, 3).size() == 8


def test_desired_1e30_with_one_free_slot_ends_in_time():
    code, out, err = run_cli("verify", "--desired", D30, "--capacity", D30 + 1, "--solver-timeout", "5",
                             "--format", "json", timeout=120)
    assert code in (0, 3), err
    if code == 0:
        # One free slot: each task is launched, waits 150 s to be healthy, then an old one
        # is stopped and drained for 300 s before the slot is free again.
        assert json.loads(out)["ecs"]["makespan_seconds"] == 450 * D30


def test_a_tiny_memory_budget_is_inconclusive_with_advice():
    code, out, err = run_cli("verify", "--desired", "30", "--min-healthy-percent", "50", "--engine", "explicit",
                             "--max-memory-mb", "1", timeout=120)
    assert code == 3, err
    assert "--max-memory-mb" in out
    assert "Traceback" not in err


def test_a_search_stops_at_its_memory_budget_and_at_a_memory_error(monkeypatch):
    bounds = bounds_of(Settings(12, 50, 200))
    assert explore(bounds, max_memory_mb=1).out_of_memory
    from verifier.explicit import explore as explore_module

    class Full(list):
        """The array of states found, running out of memory at its 50th state."""

        def append(self, key):
            if len(self) >= 50:
                raise MemoryError
            super().append(key)
    monkeypatch.setattr(explore_module, "array", lambda code: Full())
    exploration = explore(bounds, max_memory_mb=None)
    assert not exploration.complete and exploration.out_of_memory
    assert exploration.states == 50 and exploration.unexpanded


def write_model(tmp_path, text):
    path = tmp_path / "model.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_deadline_over_a_trillion_counts_stops_at_its_work_budget(monkeypatch):
    # The mechanism, not the constant: with a budget of one controller round the pieces of
    # 10^12 counts are not all settled, and the rest is left unknown, not guessed.
    monkeypatch.setattr(ecs_pieces, "MAX_ROUNDS", 1)
    model = range_model(1, TERA, requirements=Requirements(max_deploy_seconds=10**20))
    result = verify_range(model)
    finding = next(f for f in result.findings if f.property_id == "deadline")
    assert finding.status is Status.UNKNOWN
    assert finding.unknown and finding.unknown[-1][1] == TERA
    assert result.seconds < 30


HOSTILE = [
    # A health check of 10^9 s beside a 7 s drain: the optimal search would track 10^9 ticks a state.
    ["--desired", "3", "--health-check-seconds", "1000000000", "--drain-seconds", "7"],
    ["--desired", "1000000000000000000", "--drain-seconds", "0"],
    ["--desired-range", "1000000000000000000..1000000000000000000"],
    ["--desired", "5", "--capacity", str(D30)],
    ["--desired", str(D30), "--min-healthy-percent", "0", "--max-percent", "100", "--capacity", str(D30 + 1)],
    ["--desired-range", f"1..{TERA}", "--capacity", str(D30)],
    ["--desired-range", f"1..{TERA}", "--capacity-headroom", "1", "--min-healthy-percent", "100",
     "--max-percent", "100"],
]


@pytest.mark.parametrize("words", HOSTILE, ids=lambda w: " ".join(w)[:60])
def test_hostile_sizes_end_in_time_with_an_answer(words):
    code, _out, err = run_cli("verify", *words, timeout=60)
    assert code in (0, 1, 3), err
    assert "Traceback" not in err


def test_a_huge_state_budget_does_not_pick_a_search_that_cannot_fit_in_memory():
    # --max-states 10^12 alone would let `auto` pick the explicit engine for 200 tasks
    # (about 10^8 states, far beyond the default memory budget).
    code, out, err = run_cli("verify", "--desired", "200", "--max-states", str(TERA), timeout=60)
    assert code == 0, err
    assert "smt engine" in out


def test_diff_of_a_trillion_count_range_ends_in_time(tmp_path, monkeypatch):
    template = (ROOT / "tests" / "fixtures" / "infra" / "cloudformation" / "web.yaml").read_text()
    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    (before / "web.yaml").write_text(template)
    (after / "web.yaml").write_text(template.replace("MaxCapacity: 40", f"MaxCapacity: {TERA}"))
    # In process, with a small simulation budget: the mechanism, not the default constant.
    monkeypatch.setattr(diff, "SIMULATION_WORK", 20_000)
    code, _out, err = run_in_process("diff", before, after)
    assert code in (0, 1, 3), err
    assert "Traceback" not in err


@pytest.mark.slow
def test_the_default_budgets_keep_an_explicit_search_under_a_gigabyte():
    # 60 tasks at 50% is past the default state budget: the search must stop before 1 GB.
    script = ("import resource, sys; from verifier.cli.main import main; code = main(sys.argv[1:]); "
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", script, "verify", "--desired", "60", "--min-healthy-percent", "50",
                           "--engine", "explicit"], cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ})
    peak_kib = int(done.stdout.strip().splitlines()[-1])
    assert peak_kib < 1024 * 1024


def _many_services(count: int, setups: int) -> str:
    """describe-services output with `count` services cycling through `setups` distinct settings."""
    services = [{"serviceName": f"svc{i}", "desiredCount": 2 + i % setups,
                 "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 200}}
                for i in range(count)]
    return json.dumps({"services": services})


def test_a_file_of_10000_services_is_gated_in_time(tmp_path):
    # 10,000 services over 3 setups: each setup is checked once, every service gets its verdict.
    # (30,000 take about 15 s, most of it reading the file with a line for every value.)
    path = tmp_path / "services.json"
    path.write_text(_many_services(10_000, 3))
    code, out, err = run_in_process("gate", path, "--format", "json", seconds=60)
    assert code == 0, err
    services = json.loads(out)["services"]
    assert len(services) == 10_000
    assert {s["verdict"] for s in services} == {"proved"}
    assert [s["model"] for s in services[:3]] == ["svc0", "svc1", "svc2"]


def test_past_the_gate_budget_services_are_inconclusive_with_advice(tmp_path, monkeypatch):
    monkeypatch.setattr(gate_module, "MAX_DISTINCT_SERVICES", 5)
    path = tmp_path / "services.json"
    path.write_text(_many_services(10, 10))  # ten distinct setups
    code, out, _ = run_in_process("gate", path)
    assert code == 3
    assert out.count("inconclusive") >= 5 and "distinct service setups" in out
