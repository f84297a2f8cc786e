"""Benchmark of the explicit engine and of `auto`'s choice, each figure beside its target.

Run with `make bench` (or `python benchmarks/bench_explicit.py [--quick]`). Each
case runs in a fresh subprocess so that its memory is its own. On a shared
machine the figures are indicative only.

Table 1, the packed breadth-first search (`explore`), per (D, minimumHealthyPercent):
  states        reachable states (all of them: the budget is raised to fit)
  explore s     seconds of the search alone
  states/s      target: >= 100,000 (1 M states per 10 s on one core)
  B/state       resident memory the search added, per state; target: <= 300
  baseline st/s a plain dict-of-tuples breadth-first search of the same states, written below
                with inline arithmetic: what Python itself allows without packing
  checks s      the explicit checks of every property on that exploration

Table 2, `rollproof verify` wall time by engine `auto` (a fresh process each, imports
included), beside a trivial `verify --desired 3`; target: every size within 3x of it,
so no cliff between neighbouring sizes. `--quick` skips D = 100 in table 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # runnable without installing

CASES = [(d, m) for d in (6, 20, 43) for m in (100, 50)] + [(60, 50)]
LARGE = [(100, 50)]   # 17.5 M states: about a minute
AUTO_SIZES = [3, 12, 16, 17, 18, 20, 39, 43, 44, 100, 1000]
TARGET_RATE, TARGET_BYTES, TARGET_CLIFF = 100_000, 300, 3.0


def baseline(desired: int, min_pct: int, max_pct: int = 200) -> int:
    """Plain dict-of-lists BFS over (old, stopping, pending, new) with unit actions."""
    low = (desired * min_pct + 99) // 100
    high = (desired * max_pct) // 100
    start = (desired, 0, 0, 0)
    adjacency: dict[tuple[int, int, int, int], list[tuple[int, int, int, int]]] = {start: []}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        o, s, p, n = state
        succ = []
        if o >= 1 and o - 1 + n >= low:
            succ.append((o - 1, s + 1, p, n))
        if p + n + 1 <= desired and o + p + n + 1 <= high:
            succ.append((o, s, p + 1, n))
        if p:
            succ.append((o, s, p - 1, n + 1))
        if s:
            succ.append((o, s - 1, p, n))
        adjacency[state] = succ
        for target in succ:
            if target not in adjacency:
                adjacency[target] = []
                queue.append(target)
    return len(adjacency)


def one_case(desired: int, min_pct: int, with_baseline: bool) -> dict[str, object]:
    from verifier.explicit.explore import explore
    from verifier.explicit.memory import resident_mb
    from verifier.model.records import Model, Settings
    from verifier.properties import PROPERTIES
    from verifier.properties.context import CheckContext
    from verifier.schedules.ecs_controller import simulate
    from verifier.schedules.step_plan import StepPlan
    from verifier.semantics import bounds_of, deployment_of

    settings = Settings(desired, min_pct, 200)
    bounds = bounds_of(settings)
    before = resident_mb()
    started = time.perf_counter()
    exploration = explore(bounds, 10**9, max_memory_mb=None)
    explore_seconds = time.perf_counter() - started
    added = (resident_mb() - before) * 2**20
    states = exploration.states
    plan = StepPlan(None, (), (), None, (), (), complete=False, skipped=True)
    ecs = simulate(deployment_of(settings), 20_000)
    context = CheckContext(Model("bench", settings), bounds, exploration, plan, ecs, 10**9)
    started = time.perf_counter()
    verdicts = [prop.check(context).status.value for prop in PROPERTIES if prop.applies(context.model)]
    checks_seconds = time.perf_counter() - started
    row: dict[str, object] = {"desired": desired, "min": min_pct, "states": states, "explore_s": explore_seconds,
                              "rate": states / explore_seconds, "bytes": added / states,
                              "checks_s": checks_seconds, "verdicts": verdicts}
    if with_baseline:
        del exploration, context
        started = time.perf_counter()
        row["baseline_states"] = baseline(desired, min_pct)
        row["base_rate"] = states / (time.perf_counter() - started)
    return row


def cli_seconds(*words: str) -> tuple[float, str]:
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "verifier", "verify", *words, "--format", "json"],
                               capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - started
    return wall, json.loads(completed.stdout)["engine"] if completed.stdout else f"exit {completed.returncode}"


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--case":
        desired, min_pct = (int(x) for x in sys.argv[2].split(":"))
        print(json.dumps(one_case(desired, min_pct, sys.argv[3] == "base")))
        return
    quick = "--quick" in sys.argv
    print(f"{'D':>4} {'min%':>4} {'states':>11} {'explore s':>9} {'states/s':>9} {'target':>8} "
          f"{'B/state':>7} {'target':>6} {'baseline st/s':>13} {'checks s':>8}  verdicts")
    for desired, min_pct in CASES + ([] if quick else LARGE):
        with_base = desired <= 43
        out = subprocess.run([sys.executable, __file__, "--case", f"{desired}:{min_pct}",
                              "base" if with_base else "-"], capture_output=True, text=True, check=True).stdout
        row = json.loads(out)
        if with_base:
            assert row["states"] == row["baseline_states"], "baseline searched a different space"
        base = f"{row['base_rate']:>13,.0f}" if with_base else f"{'-':>13}"
        print(f"{row['desired']:>4} {row['min']:>4} {row['states']:>11,} {row['explore_s']:>9.2f} "
              f"{row['rate']:>9,.0f} {'>=' + format(TARGET_RATE, ','):>8} {row['bytes']:>7.1f} "
              f"{'<=' + str(TARGET_BYTES):>6} {base} {row['checks_s']:>8.2f}  {','.join(row['verdicts'])}")
    trivial, _ = cli_seconds("--desired", "3")
    print(f"\nverify --desired 3 (trivial): {trivial:.2f} s wall; target: every row within "
          f"{TARGET_CLIFF:.0f}x ({TARGET_CLIFF * trivial:.2f} s)")
    print(f"{'D':>5} {'min%':>4} {'engine':>8} {'wall s':>7} {'x trivial':>9}")
    for desired in AUTO_SIZES:
        wall, engine = cli_seconds("--desired", str(desired), "--min-healthy-percent", "50")
        print(f"{desired:>5} {50:>4} {engine:>8} {wall:>7.2f} {wall / trivial:>9.2f}")
    wall, engine = cli_seconds("--desired", "100", "--capacity", "102")
    print(f"{100:>5} {100:>4} {engine:>8} {wall:>7.2f} {wall / trivial:>9.2f}  (capacity 102: 995 states)")


if __name__ == "__main__":
    main()
