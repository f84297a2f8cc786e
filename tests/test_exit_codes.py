"""Every exit code of the contract, driven through the command line (docs/semantics.md#exit-codes).

0 holds, 1 violated, 2 bad input or usage, 3 inconclusive, 4 internal error; and a
reader that closes the pipe early does not change the code.
"""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import MODELS, ROOT, run_cli

import verifier.check.verify
import verifier.replay
from verifier.cli.main import main
from verifier.cli.parser import build_parser
from verifier.errors import ReplayError, RollproofError

LABEL_CODES = {"proved": 0, "violated": 1, "inconclusive": 3}


def run(*words):
    return run_cli(*words, timeout=120)


def labelled_code(name: str) -> int:
    """The exit code the model's own expect: label calls for, written by hand in the corpus."""
    return LABEL_CODES[yaml.safe_load((MODELS / name).read_text())["expect"]["verdict"]]


@pytest.mark.parametrize("name", ["min50-room8.yaml", "both100.yaml"])
def test_holds_and_violated_follow_the_label(name):
    code, _, err = run("verify", str(MODELS / name))
    assert labelled_code(name) in (0, 1)
    assert code == labelled_code(name), err


def test_inconclusive_exits_3():
    # 12 tasks have far more than 300 interleaved states, so the explicit search stops short.
    code, out, _ = run("verify", "--desired", "12", "--min-healthy-percent", "50",
                       "--max-states", "300", "--engine", "explicit")
    assert code == 3 and "INCONCLUSIVE" in out


@pytest.mark.parametrize("words", [
    ("verify", "no-such-file.yaml"),
    ("verify", "--desired", "-1"),
    ("gate", "tests/fixtures/infra/cloudformation/web.yaml", "--service", "no-such-service"),
    ("frobnicate",),
])
def test_bad_input_exits_2_in_one_line(words):
    code, _, err = run(*words)
    assert code == 2
    assert "Traceback" not in err


def test_gate_names_the_missing_service():
    code, _, err = run("gate", "tests/fixtures/infra/cloudformation/web.yaml", "--service", "nope")
    assert code == 2 and "no ECS service named 'nope'" in err


def test_solver_timeout_past_what_z3_takes_is_a_usage_error():
    # Z3's timeout is an unsigned 32-bit count of milliseconds: 2**32 - 1 ms is 4294967.295 s.
    assert build_parser().parse_args(["verify", "--solver-timeout", "4294967"]).solver_timeout == 4294967
    code, _, err = run("verify", "--desired", "3", "--solver-timeout", "4294968")
    assert code == 2
    assert "--solver-timeout" in err and "4294967" in err


def test_an_unexpected_exception_is_a_bug_exit_4_in_one_line(monkeypatch, capsys):
    def broken(*_args, **_kwargs):
        raise RuntimeError("something\nwent wrong")
    monkeypatch.setattr(verifier.check.verify, "check_model", broken)
    code = main(["verify", str(MODELS / "min50-room8.yaml")])
    err = capsys.readouterr().err
    assert code == 4
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "bug in rollproof" in err and "RuntimeError: something went wrong" in err
    assert f"rollproof verify {MODELS / 'min50-room8.yaml'} --debug" in err


def test_debug_adds_the_traceback(monkeypatch, capsys):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(verifier.check.verify, "check_model", broken)
    assert main(["--debug", "verify", str(MODELS / "min50-room8.yaml")]) == 4
    err = capsys.readouterr().err
    assert "Traceback" in err and "RuntimeError: boom" in err


def test_a_replay_that_disagrees_is_an_internal_error_not_bad_input(monkeypatch, capsys):
    assert not issubclass(ReplayError, RollproofError)
    real_replay = verifier.replay.replay

    def disagreeing(bounds, trace, final_check, what):  # the real replay, told the end is no violation
        return real_replay(bounds, trace, lambda state: False, what)
    for module in list(sys.modules.values()):
        if getattr(module, "replay", None) is real_replay and module is not verifier.replay:
            monkeypatch.setattr(module, "replay", disagreeing)
    code = main(["verify", str(MODELS / "both100.yaml")])  # violated: its counterexample gets replayed
    err = capsys.readouterr().err
    assert code == 4
    assert "ReplayError" in err and "bug in rollproof" in err


@pytest.mark.parametrize("name", ["min50-room8.yaml", "both100.yaml"])
def test_a_reader_that_leaves_early_keeps_the_verdicts_code(name):
    # `true` exits without reading, so every write to the pipe fails with EPIPE.
    script = f'"{sys.executable}" -m verifier verify "{MODELS / name}" | true; exit ${{PIPESTATUS[0]}}'
    completed = subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert completed.returncode == labelled_code(name)
    assert "BrokenPipeError" not in completed.stderr and "Exception ignored" not in completed.stderr


def test_a_closed_stdout_pipe_keeps_the_violated_code():
    process = subprocess.Popen([sys.executable, "-m", "verifier", "verify", str(MODELS / "both100.yaml")],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # the reader is gone before rollproof writes anything
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == labelled_code("both100.yaml") == 1
    assert "Traceback" not in err


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_standard_output_that_cannot_be_written_is_exit_2_not_a_bug():
    # A full disk is the user's environment, not a bug in rollproof (it used to exit 4).
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "verifier", "verify", str(MODELS / "both100.yaml")],
                              cwd=ROOT, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 2
    assert "cannot write the output" in done.stderr and "Traceback" not in done.stderr
