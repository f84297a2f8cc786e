"""The command line as a pipeline sees it: exit codes, stdout, stderr (docs/semantics.md#exit-codes, #result-json)."""

import json

import pytest
from conftest import ROOT
from conftest import run_cli as run


def test_reference_scenario_json_has_the_spec_figures():
    code, out, err = run("verify", "--desired", "6", "--min-healthy-percent", "50", "--max-percent", "200",
                         "--capacity", "8", "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert result["schema"] == "rollproof/result/v2"
    assert set(result) >= {"model", "bounds", "verdict", "properties", "plan", "ecs", "optimal",
                           "engine", "states", "seconds"}
    assert result["bounds"] == {"desired": 6, "min_healthy": 3, "max_tasks": 12, "capacity": 8}
    assert result["verdict"] == "proved"
    assert {p["id"]: p["status"] for p in result["properties"]} == {
        "availability": "holds", "surge": "holds", "capacity": "holds", "progress": "holds"}
    assert result["plan"]["min_steps"] == 4 and result["plan"]["sequential_seconds"] == 900
    assert len(result["plan"]["trace"]) == 5
    assert result["ecs"]["completes"] is True and result["ecs"]["makespan_seconds"] == 750
    assert result["optimal"]["makespan_seconds"] == 750
    assert result["engine"] == "explicit"


def test_violation_exits_1_with_counterexample():
    code, out, _ = run("verify", str(ROOT / "models" / "both100.yaml"), "--format", "json")
    assert code == 1
    progress = next(p for p in json.loads(out)["properties"] if p["id"] == "progress")
    assert progress["status"] == "violated"
    assert progress["counterexample"]["states"] == [{"old": 6, "stopping": 0, "pending": 0, "new": 0}]


def test_text_report_has_ticks_crosses_and_reproduce():
    code, out, _ = run("verify", "models/both100.yaml", "models/min50-room8.yaml")
    assert code == 1  # worst of violated and proved
    assert "✗ RP001 progress" in out and "✓ RP002 availability" in out
    assert "starting one would make 7 tasks, above the 6 that maximumPercent 100 allows" in out
    assert "reproduce: rollproof verify models/min50-room8.yaml" in out
    assert "750 s (12 min 30 s)" in out


def test_several_models_give_a_json_array():
    code, out, _ = run("verify", "models/min50-room8.yaml", "models/min50-room10.yaml", "--format", "json")
    assert code == 0
    assert [r["model"] for r in json.loads(out)] == ["min50-room8", "min50-room10"]


def test_budget_exits_3():
    code, out, _err = run("verify", "--desired", "12", "--min-healthy-percent", "50", "--max-states", "300",
                         "--engine", "explicit")
    assert code == 3
    assert "--max-states" in out and "INCONCLUSIVE" in out


def test_check_labels():
    code, out, _ = run("verify", "--check-labels", *sorted(str(p) for p in (ROOT / "models").glob("*.yaml")))
    assert code == 0, out
    assert "models match their expect: label" in out


def test_check_labels_fails_on_a_wrong_label(tmp_path):
    model = tmp_path / "wrong.yaml"
    model.write_text("service:\n  desiredCount: 6\n  deploymentConfiguration:\n    maximumPercent: 100\n"
                     "expect:\n  verdict: proved\n")
    code, out, _ = run("verify", "--check-labels", str(model))
    assert code == 1 and "✗ wrong" in out


@pytest.mark.parametrize("text, line, words", [
    ("service:\n  desiredCount: 6\n  deploymentConfiguration:\n    maximumPercent: two hundred\n", 4,
     "maximumPercent='two hundred'"),
    ("service:\n  desiredCount: 6\ncluser:\n  capacityTasks: 8\n", 3,
     "unknown key 'cluser' at the top level (did you mean 'cluster'?)"),
    ("", 1, "file is empty"),
    ("\t- bad\n", 1, "not valid YAML"),
])
def test_bad_file_exits_2_with_file_and_line_and_no_traceback(tmp_path, text, line, words):
    model = tmp_path / "bad.yaml"
    model.write_text(text)
    code, out, err = run("verify", str(model))
    assert code == 2 and out == ""
    assert err.strip().startswith(f"{model}:{line}: error:")
    assert words in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("words, message", [
    (["verify"], "nothing to verify"),
    (["verify", "--desired", "six"], "'six' is not a whole number"),
    (["verify", "--desired", "-3"], "must not be negative"),
    (["verify", "models/both100.yaml", "--desired", "6"], "not both"),
    (["verify", "--format", "xml", "--desired", "6"], "invalid choice"),
    (["verify", "--max-states", "0", "--desired", "6"], "must be at least 1"),
    (["verify", "no/such/file.yaml"], "cannot read file"),
    (["verify", "models"], "to verify model files, name them"),  # a folder is read as infrastructure code
    (["frobnicate"], "invalid choice"),
    (["verify", "--desired-range", "5..1"], "not a range such as 1..5000"),
    (["verify", "--desired-range", "ten"], "not a range such as 1..5000"),
    (["verify", "--desired", "3", "--desired-range", "1..4"], "not both"),
    (["verify", "--desired", "3", "--capacity", "4", "--capacity-headroom", "1"], "not both"),
    (["verify", "--engine", "magic", "--desired", "3"], "invalid choice"),
    (["suggest"], "nothing to verify"),
    (["verify", "--desired-range", "1..5", "--engine", "explicit"], "is verified with Z3"),
    (["suggest", "no/such/file.yaml"], "cannot read file"),
])
def test_usage_errors_exit_2_without_traceback(words, message):
    code, _out, err = run(*words)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_version_and_help():
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("rollproof ")
    code, out, _ = run("verify", "--help")
    assert code == 0 and "--min-healthy-percent" in out
    code, out, _ = run("--help")
    assert code == 0 and "exit codes: 0 every property holds" in out


def test_min_200_is_analysed_not_rejected():
    # ECS accepts minimumHealthyPercent 200: ceil(2 x 200 / 100) = 4 > 2 healthy tasks,
    # so availability fails in the initial state, and no old task may ever stop.
    code, out, _ = run("verify", "--desired", "2", "--min-healthy-percent", "200", "--format", "json")
    assert code == 1
    statuses = {p["id"]: p["status"] for p in json.loads(out)["properties"]}
    assert statuses["availability"] == "violated" and statuses["progress"] == "violated"


def test_range_json_lists_failing_intervals():
    code, out, _ = run("verify", "--desired-range", "1..200", "--min-healthy-percent", "100",
                       "--max-percent", "125", "--format", "json")
    assert code == 1
    result = json.loads(out)
    assert result["range"]["desired"] == [1, 200]
    assert {p["id"]: p for p in result["range"]["properties"]}["progress"]["failing_desired"] == [[1, 3]]
    assert {p["id"]: p for p in result["range"]["properties"]}["availability"]["failing_desired"] == []


def test_engine_flag_and_invariants_in_json():
    code, out, _ = run("verify", "--desired", "6", "--min-healthy-percent", "50", "--capacity", "8",
                       "--engine", "smt", "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["engine"] == "smt" and "old + new >= 3" in result["invariants"]
