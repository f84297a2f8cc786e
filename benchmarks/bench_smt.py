"""Benchmark of the SMT engine: wall time of whole CLI runs, start-up included.

Run with `make bench-smt` (or `python benchmarks/bench_smt.py`). Each row is one
`rollproof verify` process; the explicit engine is run beside it up to the size
where it still answers (beyond that it only reports inconclusive).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SETTINGS = [
    ("min 100, max 200", ["--min-healthy-percent", "100", "--max-percent", "200"]),
    ("min 50, max 200", ["--min-healthy-percent", "50", "--max-percent", "200"]),
    ("min 100, 1 free slot", ["--min-healthy-percent", "100", "--max-percent", "200", "--capacity-headroom", "1"]),
]
RANGE_SETTINGS = SETTINGS + [
    ("min 50, max 150", ["--min-healthy-percent", "50", "--max-percent", "150"]),
    ("min 100, max 125", ["--min-healthy-percent", "100", "--max-percent", "125"]),
]


def run(words: list[str]) -> tuple[float, dict, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "verifier", "verify", *words, "--format", "json"],
                          cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    return wall, json.loads(done.stdout) if done.stdout else {}, done.returncode


def describe(result: dict) -> str:
    if "range" in result:
        failing = {p["id"]: p["failing_desired"] for p in result["range"]["properties"] if p["failing_desired"]}
        return f"{result['verdict']} {failing or ''}".strip()
    plan = result.get("plan") or {}
    ecs = result.get("ecs") or {}
    return (f"{result.get('verdict')} steps={plan.get('min_steps')} seq={plan.get('sequential_seconds')}s "
            f"ecs={ecs.get('makespan_seconds')}s")


def main() -> None:
    print(f"{'case':<34} {'engine':<8} {'wall s':>7}  result")
    for exponent in (3, 4, 5, 6):
        desired = 10 ** exponent
        for label, flags in SETTINGS:
            if "--capacity-headroom" in flags:
                flags = [f for f in flags if f not in ("--capacity-headroom", "1")] + ["--capacity", str(desired + 1)]
            case = f"D=10^{exponent}, {label}"
            for engine in ("smt", "explicit"):
                if engine == "explicit" and exponent > 3:
                    continue
                wall, result, code = run(["--desired", str(desired), *flags, "--engine", engine])
                print(f"{case:<34} {engine:<8} {wall:>7.2f}  exit {code}: {describe(result)}")
    for high in (1_000, 10_000):
        for label, flags in RANGE_SETTINGS:
            wall, result, code = run(["--desired-range", f"1..{high}", *flags])
            print(f"{f'range 1..{high}, {label}':<34} {'smt':<8} {wall:>7.2f}  exit {code}: {describe(result)}")


if __name__ == "__main__":
    main()
