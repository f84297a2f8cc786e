"""Benchmark of desired ranges: wall time of `rollproof verify --desired-range 1..N` as N grows.

Run with `python benchmarks/bench_ranges.py [seconds]`. A range is answered by
period (see verifier/properties/count_spans.py) and ECS's run by pieces of the
count (verifier/schedules/ecs_pieces.py), so the time should stay flat from
10^3 to 10^12 counts, a maxDeploySeconds limit included; a trivial verify
(`--desired 6`) is timed first, the target being a few of those. Each run is
stopped after `seconds` (default 120) and shown as over it, so the script
also measures a checkout where it is not.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = [
    ("defaults, 1 free slot", ["--capacity-headroom", "1"]),
    ("defaults, 2 free slots", ["--capacity-headroom", "2"]),
    ("min 50, max 150", ["--min-healthy-percent", "50", "--max-percent", "150"]),
    ("min 100, max 125", ["--min-healthy-percent", "100", "--max-percent", "125"]),
]
SIZES = [10**3, 10**6, 10**9, 10**12]
# One free slot with a deadline: ECS's run is 450 s per task, so the limit is missed from D = 223.
DEADLINE_MODEL = """name: one-free-slot-deadline
service:
  desiredRange: [1, {high}]
cluster:
  capacityHeadroomTasks: 1
requirements:
  maxDeploySeconds: 100000
"""
# Fewest steps in closed form (verifier/schedules/step_counts.py): 100/125 needs 2 * ceil(D / floor(D/4))
# steps, so maxSteps 10 fails only at 1..3, 6, 7 and 11; one free slot needs 2D steps (fails from 4).
STEPS_MODELS = [
    ("max 125, maxSteps", """name: steps-max-125
service:
  desiredRange: [1, {high}]
  deploymentConfiguration:
    maximumPercent: 125
requirements:
  maxSteps: 10
"""),
    ("1 free slot, maxSteps", """name: steps-one-free-slot
service:
  desiredRange: [1, {high}]
cluster:
  capacityHeadroomTasks: 1
requirements:
  maxSteps: 7
"""),
]


def run(words: list[str], limit: float) -> tuple[str, str]:
    started = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "verifier", "verify", *words], cwd=ROOT,
                              capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return f"> {limit:.0f} s", "-"
    return f"{time.perf_counter() - started:.2f} s", str(done.returncode)


def main() -> None:
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 120.0
    print(f"{'settings':<30} {'range':<16} {'wall':>10}  exit")
    wall, code = run(["--desired", "6"], limit)
    print(f"{'trivial verify (baseline)':<30} {'6':<16} {wall:>10}  {code}", flush=True)
    for name, words in SETTINGS:
        for size in SIZES:
            wall, code = run(["--desired-range", f"1..{size}", *words], limit)
            print(f"{name:<30} {'1..' + f'{size:.0e}':<16} {wall:>10}  {code}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        for size in (10**3, 10**6, 10**12):
            path = Path(folder) / f"deadline-{size}.yaml"
            path.write_text(DEADLINE_MODEL.format(high=size))
            wall, code = run([str(path)], limit)
            print(f"{'1 free slot, maxDeploySeconds':<30} {'1..' + f'{size:.0e}':<16} {wall:>10}  {code}",
                  flush=True)
        for name, text in STEPS_MODELS:
            for size in (10**3, 10**6, 10**12):
                path = Path(folder) / f"steps-{size}.yaml"
                path.write_text(text.format(high=size))
                wall, code = run([str(path)], limit)
                print(f"{name:<30} {'1..' + f'{size:.0e}':<16} {wall:>10}  {code}", flush=True)
    print("(wall time of the whole command, process start included; indicative on a shared machine)")


if __name__ == "__main__":
    main()
