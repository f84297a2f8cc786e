"""Cold start of the `rollproof` command: how long until it answers, in a fresh process each time.

Run with `make bench-startup` (or `python benchmarks/bench_startup.py`). Each command
runs RUNS times in a new subprocess; the table shows the median and the fastest wall
time, and which heavy libraries the command loaded (z3, networkx, cfn-lint, hcl2):
`--version` and `--help` should load none of them and answer well under 0.3 s.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 7
HEAVY = ("z3", "networkx", "cfnlint", "hcl2")
CASES = (
    ("rollproof --version", ["--version"]),
    ("rollproof verify --help", ["verify", "--help"]),
    ("rollproof verify --desired 3", ["verify", "--desired", "3"]),
)


def _command() -> list[str]:
    """The installed console script when there is one (what a user runs), else `python -m verifier`."""
    script = Path(sys.executable).parent / "rollproof"
    return [str(script)] if script.exists() else [sys.executable, "-m", "verifier"]


def _seconds(words: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([*_command(), *words], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False)
    return time.perf_counter() - started


def _heavy_loaded(words: list[str]) -> str:
    probe = ("import sys\nfrom verifier.cli.main import main\nmain(sys.argv[1:])\n"
             f"print(','.join(m for m in {HEAVY!r} if m in sys.modules) or 'none', file=sys.stderr)\n")
    completed = subprocess.run([sys.executable, "-c", probe, *words], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, check=False)
    return completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "?"


def main() -> None:
    print(f"{'command':32} {'median s':>9} {'min s':>7}  heavy modules loaded")
    for label, words in CASES:
        _seconds(words)  # one unmeasured run, so the file cache is warm for every command alike
        times = [_seconds(words) for _ in range(RUNS)]
        print(f"{label:32} {statistics.median(times):9.3f} {min(times):7.3f}  {_heavy_loaded(words)}")
    print(f"({RUNS} runs each, {' '.join(_command())}, Python {sys.version.split()[0]})")


if __name__ == "__main__":
    main()
