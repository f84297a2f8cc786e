"""The terminal: colour only where it helps, progress only on a terminal, a summary first, --quiet.

The pseudo-terminal tests run the real program with stdout and stderr attached to ptys
(`os.openpty`), as a user's shell does; the others run it piped, as CI and `| less` do.
"""

import json
import os
import re
import select
import subprocess
import sys

import pytest
from conftest import INFRA, MODELS, ROOT, run_in_process

ANSI = re.compile("\x1b\\[[0-9;]*m")
RANGE = ("verify", "--desired-range", "1..60", "--min-healthy-percent", "50", "--max-percent", "150")


def run_on_terminal(*words: str, stdout_tty: bool = True, stderr_tty: bool = True,
                    env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`rollproof WORDS` with stdout and/or stderr on a pseudo-terminal; the rest piped."""
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "CI")}
    environment.update({"TERM": "xterm-256color", **(env or {})})
    streams, readers, slaves = [], {}, []
    for tty in (stdout_tty, stderr_tty):
        if tty:
            master, slave = os.openpty()
            streams.append(slave)
            slaves.append(slave)
            readers[master] = len(streams) - 1
        else:
            streams.append(subprocess.PIPE)
    process = subprocess.Popen([sys.executable, "-m", "verifier", *words], cwd=ROOT, env=environment,
                               stdout=streams[0], stderr=streams[1])
    for slave in slaves:
        os.close(slave)
    for index, pipe in enumerate((process.stdout, process.stderr)):
        if pipe is not None:
            readers[pipe.fileno()] = index
    chunks: list[list[bytes]] = [[], []]
    open_fds = set(readers)
    while open_fds:  # read both as they come: a full pty buffer would block the program
        ready, _, _ = select.select(list(open_fds), [], [], 120)
        assert ready, f"{words}: no output for 120 s"
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # EIO: the pty's other end is closed
                data = b""
            if data:
                chunks[readers[fd]].append(data)
            else:
                open_fds.discard(fd)
    code = process.wait(timeout=120)
    for fd, _ in readers.items():
        if fd not in (getattr(process.stdout, "fileno", lambda: -1)(), getattr(process.stderr, "fileno", lambda: -1)()):
            os.close(fd)
    out, err = (b"".join(part).decode("utf-8", "replace").replace("\r\n", "\n") for part in chunks)
    return code, out, err


def test_colour_on_a_terminal():
    code, out, _ = run_on_terminal("verify", str(MODELS / "both100.yaml"))
    assert code == 1
    assert "\x1b[1;31m✗\x1b[0m" in out and "\x1b[1;31mVIOLATED\x1b[0m" in out


def test_no_colour_when_piped_and_no_progress():
    code, out, err = run_on_terminal(*RANGE, stdout_tty=False, stderr_tty=False)
    assert code in (0, 1) and "\x1b" not in out + err
    assert "[1/" not in err


def test_no_colour_under_no_color_even_on_a_terminal():
    code, out, _ = run_on_terminal("verify", str(MODELS / "both100.yaml"), env={"NO_COLOR": "1"})
    assert code == 1 and "✗" in out and "\x1b[" not in out


def test_color_always_when_piped_and_over_no_color():
    for env in ({}, {"NO_COLOR": "1"}):
        code, out, _ = run_on_terminal("verify", str(MODELS / "both100.yaml"), "--color", "always",
                                       stdout_tty=False, stderr_tty=False, env=env)
        assert code == 1 and "\x1b[1;31m✗\x1b[0m" in out


def test_color_never_on_a_terminal():
    _, out, _ = run_on_terminal("verify", str(MODELS / "both100.yaml"), "--color", "never")
    assert "\x1b[" not in out


def test_progress_on_a_terminal_only_and_cleared():
    code, out, err = run_on_terminal(*RANGE)
    assert code in (0, 1)
    # One line per property of the range scan, each replacing the last, and erased at the end.
    assert "desiredCount 1..60: [1/4] availability" in err and err.endswith("\r\x1b[K")
    assert "[1/4]" not in out
    # stdout on a terminal, stderr piped (2>log): the log gets no progress.
    _, _, piped_err = run_on_terminal(*RANGE, stderr_tty=False)
    assert "[1/" not in piped_err and "\x1b" not in piped_err


def test_json_is_never_coloured():
    _, out, _ = run_on_terminal("verify", str(MODELS / "both100.yaml"), "--format", "json", "--color", "always")
    assert "\x1b" not in out and json.loads(out)["verdict"] == "violated"


def test_colour_cannot_come_from_a_name(tmp_path):
    """An escape sequence in a model's name is shown escaped; the only codes are the marks' own."""
    path = tmp_path / "m.yaml"
    path.write_text('name: "x\\u001b[31mVIOLATED \\u001b[0m"\nservice:\n  desiredCount: 6\n'
                    '  deploymentConfiguration: {minimumHealthyPercent: 100, maximumPercent: 100}\n')
    run = run_in_process("verify", path, "--color", "always")
    assert run.code == 1
    assert set(ANSI.findall(run.out)) <= {"\x1b[0m", "\x1b[1;31m", "\x1b[32m", "\x1b[33m"}
    assert "x\\x1b[31m" in run.out  # the name's own escape, shown as text
    assert "\x1b" not in ANSI.sub("", run.out)


def test_summary_line_first_and_timing_in_the_header():
    # both100: minimumHealthyPercent 100 and maximumPercent 100 leave no move (docs/semantics.md#bounds,
    # "stuck"); the four properties that always apply are availability, surge, capacity, progress.
    run = run_in_process("verify", MODELS / "both100.yaml")
    lines = run.out.splitlines()
    assert lines[0] == "VIOLATED: RP001 progress (1 of 4 properties) - both100, desiredCount 6"
    assert any("(healthCheckSeconds)" in line and "(drainSeconds)" in line for line in lines[:8])
    assert "  ✗ RP001 progress  " in run.out


def test_capacity_is_described_as_total_slots():
    run = run_in_process("verify", "--desired", "6", "--min-healthy-percent", "50", "--capacity", "8")
    assert "capacity 8 task slots in total" in run.out
    run = run_in_process("verify", "--desired", "6", "--min-healthy-percent", "50")
    assert "capacity unlimited" in run.out


def test_quiet_verify_prints_only_the_summary_when_it_holds():
    run = run_in_process("verify", "--desired", "6", "--min-healthy-percent", "50", "--quiet")
    assert run.code == 0 and run.out == "PROVED: all 4 properties hold - desired6-min50-max200, desiredCount 6\n"
    run = run_in_process("verify", MODELS / "both100.yaml", "-q")
    assert run.code == 1
    assert run.out.splitlines()[1].startswith("  ✗ RP001 progress") and "reproduce:" in run.out
    assert "schedules" not in run.out


def test_quiet_gate_lists_only_failing_and_inconclusive_services():
    full = run_in_process("gate", INFRA, "--jobs", "1", seconds=120)
    quiet = run_in_process("gate", INFRA, "--jobs", "1", "--quiet", seconds=120)
    assert quiet.code == full.code == 1
    assert quiet.out.splitlines()[0] == full.out.splitlines()[0]
    verdict = re.compile(r"\s{2}(proved|violated|inconclusive|not analysed)\s{2}")
    rows = [line for line in full.out.splitlines() if verdict.search(line) and not line.startswith(" ")]
    failing = [line for line in rows if "  violated  " in line or "  inconclusive  " in line]
    assert failing and len(failing) < len(rows)
    for line in rows:
        assert (line in quiet.out) == (line in failing), line


def test_gate_summary_counts_match_the_table():
    run = run_in_process("gate", INFRA, "--jobs", "1", seconds=120)
    verdicts = re.findall(r"^\S.*?\s{2}(proved|violated|inconclusive|not analysed)\s{2}", run.out, re.MULTILINE)
    first = run.out.splitlines()[0]
    failing = verdicts.count("violated")
    assert first.startswith(f"VIOLATED: {failing} of {len(verdicts)} services fail")
    if verdicts.count("not analysed"):
        assert f"{verdicts.count('not analysed')} not analysed" in first


def test_help_describes_capacity_as_total_slots():
    run = run_in_process("verify", "--help")
    assert "in total" in run.out and "free task slots" not in run.out
    for path in [ROOT / "README.md", *(ROOT / "docs").glob("*.md"), *(ROOT / "verifier").rglob("*.py")]:
        assert "free task slots" not in path.read_text(), path


@pytest.mark.parametrize("command", ["verify", "suggest", "gate", "diff", "report"])
def test_every_command_takes_color(command):
    run = run_in_process(command, "--help")
    assert "--color" in run.out
