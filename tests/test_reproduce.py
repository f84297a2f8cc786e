"""The printed `reproduce:` command, pasted into a shell, gives the same answer.

Each case runs a check, takes the reproduce command it printed, runs that, and
compares exit codes (which carry the verdict); the first code is also checked
against an independent expectation (the model's expect: label, or the budget).
"""

import json
import shlex

import pytest
import yaml
from conftest import INFRA, MODELS, ROOT, run_cli

from verifier.check.verify import Options
from verifier.ci.gate import gate
from verifier.ci.policy import load_policy
from verifier.model.records import Model, Settings
from verifier.model.reproduce import reproduce_command
from verifier.model.sources import InfraService

LABEL_CODES = {"proved": 0, "violated": 1, "inconclusive": 3}


def run(words, cwd=ROOT):
    return run_cli(*words, cwd=cwd, timeout=180)


def rerun(command: str, cwd=ROOT) -> int:
    words = shlex.split(command)
    assert words[0] == "rollproof"
    return run(words[1:], cwd)[0]


def printed_reproduce(words) -> tuple[int, str]:
    code, out, err = run([*words, "--format", "json"])
    assert code in (0, 1, 3), err
    document = json.loads(out)
    return code, document["reproduce"]


@pytest.mark.parametrize("name", ["min50-room8.yaml", "both100.yaml", "autoscaled-min50-max150.yaml",
                                  "stopping-counts-slow.yaml", "plan-invalid.yaml"])
def test_model_file_reproduce_gives_the_same_code(name):
    code, command = printed_reproduce(["verify", f"models/{name}"])
    assert code == LABEL_CODES[yaml.safe_load((MODELS / name).read_text())["expect"]["verdict"]]
    assert rerun(command) == code


def test_flags_that_change_the_answer_are_repeated():
    # 300 states cannot hold a 12-task search: inconclusive (3), where the default budget proves it.
    words = ["verify", "--desired", "12", "--min-healthy-percent", "50", "--max-states", "300",
             "--engine", "explicit", "--solver-timeout", "7", "--health-check-seconds", "30"]
    code, command = printed_reproduce(words)
    assert code == 3
    for flag in ("--max-states 300", "--engine explicit", "--solver-timeout 7", "--health-check-seconds 30"):
        assert flag in command
    assert rerun(command) == 3


def test_default_options_are_left_out():
    _, command = printed_reproduce(["verify", "models/min50-room8.yaml"])
    assert command == "rollproof verify models/min50-room8.yaml"


def _gated_rows():
    policy = load_policy(INFRA / "rollproof.yaml")
    report = gate([INFRA], Options(), policy)
    return [row for row in report.rows if row.result is not None]


def test_every_fixture_service_reproduces_with_its_gate_verdict():
    rows = _gated_rows()
    assert len(rows) >= 5 and {row.verdict.exit_code for row in rows} == {0, 1}
    for row in rows:
        command = reproduce_command(row.result.model)
        assert shlex.split(command)[1:5] == ["verify", row.spec.file, "--service", row.spec.name]
        # verify shows every finding; a policy waiver is the gate's to apply, so a waived row reruns as violated.
        expected = 1 if row.waived else row.verdict.exit_code
        assert rerun(command) == expected, command


def test_service_names_are_shell_quoted(tmp_path):
    hostile = "web; touch pwned $(id)"
    service = {"cluster": "prod", "serviceName": hostile, "desiredCount": 2,
               "deploymentConfiguration": {"minimumHealthyPercent": 100, "maximumPercent": 100}}
    (tmp_path / "create-service.json").write_text(json.dumps(service))
    model = Model("x", Settings(2), source=InfraService("create-service.json", hostile))
    command = reproduce_command(model)
    assert shlex.split(command)[4] == hostile
    # min 100 and max 100: ECS can neither stop nor start a task, so the deployment is stuck.
    assert rerun(command, cwd=tmp_path) == 1
    assert not (tmp_path / "pwned").exists()


def _reproduce_lines_in_reports() -> dict[str, set[str]]:
    """Every distinct command printed as `reproduce` in reports/, by the model whose report holds it."""
    found: dict[str, set[str]] = {}
    for page in sorted((ROOT / "reports").iterdir()):
        text = page.read_text()
        if page.suffix == ".json":
            document = json.loads(text)
            commands = {document["reproduce"]}
            commands |= {p["counterexample"]["reproduce"] for p in document["properties"]
                         if p.get("counterexample") and p["counterexample"].get("reproduce")}
        else:
            commands = {line.split("rollproof ", 1)[1].split("`")[0].split("<")[0].strip()
                        for line in text.splitlines() if "reproduce" in line and "rollproof " in line}
            commands = {"rollproof " + command for command in commands}
        found.setdefault(page.stem, set()).update(commands)
    return found


@pytest.mark.parametrize("stem, commands", sorted(_reproduce_lines_in_reports().items()))
def test_every_reproduce_line_in_reports_gives_the_models_label(stem, commands):
    """Each page's reproduce lines (text, JSON, HTML, Markdown) re-run to the verdict the model's label names."""
    expected = LABEL_CODES[yaml.safe_load((MODELS / f"{stem}.yaml").read_text())["expect"]["verdict"]]
    assert commands, f"reports/{stem}.* print no reproduce command"
    for command in commands:
        assert rerun(command) == expected, command


def test_a_memory_budget_is_repeated():
    _, command = printed_reproduce(["verify", "models/min50-room8.yaml", "--max-memory-mb", "500"])
    assert command == "rollproof verify models/min50-room8.yaml --max-memory-mb 500"
