"""Benchmark of the explicit engine: states per second and wall time, beside a plain-dict baseline.

Run with `make bench` (or `python benchmarks/bench_explicit.py`). Each case runs
in a fresh subprocess so that its peak memory (max RSS) is its own.

Columns:
  states        states explored (capped by the 1,000,000 state budget)
  explore s     networkx explorer: breadth-first search into a DiGraph
  nx st/s       its states per second
  baseline st/s a plain-dict breadth-first search of the same states, written
                below with inline arithmetic (no networkx, no generic guards)
  ratio         baseline / networkx states per second (target: within 3x)
  same-succ st/s  a plain-dict BFS that calls the package's own successor
                function: what networkx alone costs over a dict
  ratio2        same-succ / networkx states per second
  verify s      the whole `verify` with the explicit engine (all properties and all three schedules)
  peak MB       max resident memory of the verify subprocess
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runnable without installing

CASES = [(d, m) for d in (6, 20, 50, 100) for m in (100, 50)]
BUDGET = 1_000_000


def baseline(desired: int, min_pct: int, max_pct: int = 200, budget: int = BUDGET) -> int:
    """Plain dict-of-lists BFS over (old, stopping, pending, new) with unit actions."""
    low = (desired * min_pct + 99) // 100
    high = (desired * max_pct) // 100
    start = (desired, 0, 0, 0)
    adjacency = {start: []}
    queue = deque([start])
    while queue and len(adjacency) < budget:
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


def baseline_same_successors(bounds, budget: int = BUDGET) -> int:
    """Plain dict-of-lists BFS using the package's own successor function."""
    from verifier.explicit.explore import successors
    from verifier.semantics import initial_state
    start = initial_state(bounds)
    adjacency = {start: []}
    queue = deque([start])
    while queue and len(adjacency) < budget:
        state = queue.popleft()
        succ = list(successors(bounds, state, False))
        adjacency[state] = succ
        for target in succ:
            if target not in adjacency:
                adjacency[target] = []
                queue.append(target)
    return len(adjacency)


def one_case(desired: int, min_pct: int) -> dict:
    import resource

    from verifier.check.verify import Options, verify
    from verifier.explicit.explore import explore
    from verifier.model.records import Model, Settings
    from verifier.semantics import bounds_of

    settings = Settings(desired, min_pct, 200)
    started = time.perf_counter()
    exploration = explore(bounds_of(settings), BUDGET)
    explore_seconds = time.perf_counter() - started
    states = exploration.states
    del exploration
    started = time.perf_counter()
    base_states = baseline(desired, min_pct)
    base_seconds = time.perf_counter() - started
    started = time.perf_counter()
    same_states = baseline_same_successors(bounds_of(settings))
    same_seconds = time.perf_counter() - started
    started = time.perf_counter()
    result = verify(Model(f"d{desired}-m{min_pct}", settings), Options(max_states=BUDGET, engine="explicit"))
    verify_seconds = time.perf_counter() - started
    return {
        "desired": desired, "min": min_pct, "states": states, "baseline_states": base_states,
        "explore_s": explore_seconds, "nx_rate": states / explore_seconds,
        "base_rate": base_states / base_seconds, "verify_s": verify_seconds,
        "same_rate": same_states / same_seconds,
        "verdict": result.verdict.value,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    if len(sys.argv) == 3:
        print(json.dumps(one_case(int(sys.argv[1]), int(sys.argv[2]))))
        return
    print(f"{'D':>4} {'min%':>4} {'states':>9} {'explore s':>9} {'nx st/s':>9} {'baseline st/s':>13} "
          f"{'ratio':>5} {'same-succ st/s':>14} {'ratio2':>6} {'verify s':>8} {'verdict':>12} {'peak MB':>7}")
    for desired, min_pct in CASES:
        out = subprocess.run([sys.executable, __file__, str(desired), str(min_pct)],
                             capture_output=True, text=True, check=True).stdout
        row = json.loads(out)
        assert row["states"] == row["baseline_states"], "baseline searched a different space"
        print(f"{row['desired']:>4} {row['min']:>4} {row['states']:>9,} {row['explore_s']:>9.2f} "
              f"{row['nx_rate']:>9,.0f} {row['base_rate']:>13,.0f} {row['base_rate'] / row['nx_rate']:>5.2f} "
              f"{row['same_rate']:>14,.0f} {row['same_rate'] / row['nx_rate']:>6.2f} "
              f"{row['verify_s']:>8.2f} {row['verdict']:>12} {row['peak_mb']:>7,.0f}")
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, "-m", "verifier", "verify", "--desired", "100000",
                                "--format", "json"], capture_output=True, text=True,
                               cwd=Path(__file__).resolve().parent.parent)
    wall = time.perf_counter() - started
    verdict = json.loads(completed.stdout)["verdict"]
    print(f"desiredCount 100000 (defaults): {verdict}, exit {completed.returncode}, {wall:.2f} s wall")


if __name__ == "__main__":
    main()
