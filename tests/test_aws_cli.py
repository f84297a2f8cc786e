"""`aws ecs create-service` / `update-service` calls in shell scripts (verifier.ingest.aws_cli).

Every expected verdict is derived by hand beside the test from ECS's rounding:
the healthy floor is ceil(desired * minimumHealthyPercent / 100), the running
ceiling floor(desired * maximumPercent / 100); a rolling update is stuck at the
start when it can neither stop an old task (floor reached) nor start a new one
(ceiling reached).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_in_process
from verifier.ingest import ANALYSABLE, INCONCLUSIVE, NOT_ANALYSED
from verifier.ingest.aws_cli import commands, read_script

SHAPES = Path(__file__).parent / "fixtures" / "shapes" / "aws-cli"
STUCK = SHAPES / "stuck" / "deploy.sh"
LOOP = SHAPES / "loop" / "deploy.sh"
FORMS = SHAPES / "forms" / "create.sh"


def _read(path: Path) -> dict[str, object]:
    return {spec.name: spec for spec in read_script(path, path.read_text(encoding="utf-8"))}


def test_words_join_continuations_drop_comments_and_remove_quotes():
    text = "aws ecs create-service \\\n  --service-name 'a b' # a comment\nx=\"$Y\"; echo ok\n"
    found = [[word.text for word in command] for command in commands(text)]
    assert found == [["aws", "ecs", "create-service", "--service-name", "a b"], ["x=$Y"], ["echo", "ok"]]
    assert [w.dynamic for w in commands(text)[1]] == [True]  # "$Y" is known only when the script runs


def test_shorthand_with_a_circuit_breaker():
    # front: line 4 holds `maximumPercent=200,minimumHealthyPercent=50,deploymentCircuitBreaker={...}`;
    # the braces' commas must not split the shorthand, so both percentages are read.
    front = _read(FORMS)["front"]
    assert front.status == ANALYSABLE
    assert (front.desired.value, front.min_healthy_percent.value, front.max_percent.value) == (4, 50, 200)
    assert (front.max_percent.line, front.min_healthy_percent.line, front.desired.line) == (4, 4, 3)
    assert front.cluster == "web" and front.line == 2


def test_json_over_several_lines_keeps_each_value_line():
    worker = _read(FORMS)["worker"]  # '{ "maximumPercent": 100 (line 6), "minimumHealthyPercent": 0 (line 7) }'
    assert (worker.max_percent.value, worker.max_percent.line) == (100, 6)
    assert (worker.min_healthy_percent.value, worker.min_healthy_percent.line) == (0, 7)
    assert worker.max_percent.column == 6  # four spaces, then the quote: the key's name starts at column 6


def test_a_variable_percentage_is_inconclusive_with_the_reason():
    batch = _read(FORMS)["batch"]
    assert batch.status == INCONCLUSIVE and "$MAX" in batch.reason and "shell value" in batch.reason


def test_daemon_code_deploy_and_silent_update_are_not_analysed():
    specs = _read(FORMS)
    assert specs["agent"].status == NOT_ANALYSED and "DAEMON" in specs["agent"].reason
    assert specs["green"].status == NOT_ANALYSED and "CODE_DEPLOY" in specs["green"].reason
    cart = _read(LOOP)["cart"]  # --force-new-deployment only: the service keeps settings the script does not state
    assert cart.status == NOT_ANALYSED and "current deployment settings" in cart.reason


def test_echoed_text_is_not_a_call():
    assert "aws" not in " ".join(_read(FORMS))  # `echo "aws ecs create-service ..."` is one quoted word
    assert len(_read(FORMS)) == 6  # front, worker, batch, agent, green, from-file


def test_a_service_named_by_a_loop_variable_is_named_from_the_script_and_line():
    loop = _read(LOOP)["deploy.sh:5"]  # `aws ecs update-service` starts on line 5
    assert loop.aliases == ("$SERVICE",)
    assert loop.desired.value is None and "$COUNT" in loop.desired_unknown  # the gate checks every count
    assert (loop.min_healthy_percent.value, loop.max_percent.value) == (50, 150)


def test_the_loop_is_stuck_at_one_task_and_only_there():
    # max 150: floor(1 * 1.5) = 1 running, min 50: ceil(0.5) = 1 healthy -> stuck at 1 task.
    # At 2 tasks: floor(3) = 3 > 2, so one new task can start; at every d >= 2, floor(1.5 d) > d.
    run = run_in_process("gate", LOOP.parent, "--format", "json")
    assert run.code == 1, run.err
    rows = {row["model"]: row for row in json.loads(run.out)["services"]}
    assert rows["deploy.sh:5"]["verdict"] == "violated"
    assert "{1}" in json.dumps(rows["deploy.sh:5"])  # the only failing count
    assert rows["cart"]["verdict"] == "not analysed"


def test_cli_input_json_is_read_through_the_script_once():
    # service.json: desired 2, min 100 -> 2 healthy, max 100 -> 2 running: neither stop nor start, stuck.
    run = run_in_process("gate", FORMS.parent, "--format", "json")
    assert run.code == 1, run.err
    rows = [row for row in json.loads(run.out)["services"] if row["model"] == "from-file"]
    assert len(rows) == 1, "the JSON file is read through the script, not again on its own"
    assert rows[0]["verdict"] == "violated" and rows[0]["file"].endswith("service.json")


def test_the_gate_finds_the_stuck_script_at_its_line():
    # desired 1, min 50 -> ceil(0.5) = 1 healthy, max 100 -> 1 running: stuck at the start.
    run = run_in_process("gate", STUCK)
    assert run.code == 1, run.err
    assert "deploy.sh:11:" in run.out and "stuck" in run.out  # line 11: --deployment-configuration
    assert f"reproduce: rollproof verify {STUCK} --service api" in run.out


def test_verify_reproduces_the_finding():
    run = run_in_process("verify", STUCK, "--service", "api")
    assert run.code == 1, run.err
    assert "stuck" in run.out


def test_unbalanced_quote_is_a_note_and_earlier_calls_are_still_read(tmp_path: Path):
    # As in the shell, the quote opened on line 2 runs to the end: line 3 is inside it, not a call.
    script = tmp_path / "deploy.sh"
    script.write_text("aws ecs create-service --service-name ok --desired-count 2 "
                      "--deployment-configuration maximumPercent=200,minimumHealthyPercent=100\n"
                      "aws ecs create-service --service-name 'broken --desired-count 1\n"
                      "aws ecs create-service --service-name late --desired-count 1\n")
    notes: list[str] = []
    specs = read_script(script, script.read_text(), notes)
    assert [spec.name for spec in specs] == ["ok"] and "line 2" in notes[0]
    run = run_in_process("gate", tmp_path)
    assert run.code == 0, run.out + run.err  # ok: 2 tasks may rise to 4 (200%), so each step can start one


def test_hostile_scripts_never_end_in_an_internal_error(tmp_path: Path):
    big = tmp_path / "big.sh"  # about 1 MB of calls with unclosed $( and quotes between them
    big.write_text("aws ecs update-service --service x$((\n'\"\\\n" * 30_000)
    control = tmp_path / "control.sh"
    control.write_text("aws ecs create-service --service-name 'a\x1b[31mred\x07' --desired-count 1 "
                       "--deployment-configuration maximumPercent=100,minimumHealthyPercent=100\n")
    latin = tmp_path / "latin.sh"
    latin.write_bytes(b"# caf\xe9\naws ecs create-service --service-name x\n")
    long = tmp_path / "long.sh"  # about 1 MB of ordinary lines, then a call: read in linear time
    long.write_text("echo 'step' \"$X\" # note\n" * 40_000 + "aws ecs create-service --service-name tail\n")
    assert [spec.name for spec in read_script(long, long.read_text())] == ["tail"]
    for path in (big, control, latin, long, tmp_path):
        for form in ("text", "json", "sarif", "markdown"):
            run = run_in_process("gate", path, "--format", form, seconds=60)
            assert run.code in (0, 1, 2, 3), run.err
            assert "\x1b" not in run.out and "\x07" not in run.out  # escaped, never sent to the terminal
    assert run_in_process("gate", tmp_path).code == 1  # control.sh: desired 1, 100/100 -> stuck


def test_a_script_without_an_ecs_call_is_not_a_service_file(tmp_path: Path):
    (tmp_path / "build.sh").write_text("#!/bin/sh\nset -e\nnpm ci && npm test\naws s3 cp x s3://y\n")
    (tmp_path / "unbalanced.sh").write_text("echo 'never closed\n")
    run = run_in_process("gate", tmp_path, "--format", "json")
    assert run.code in (0, 3), run.err  # nothing found is never bad input
    assert json.loads(run.out)["services"] == []
