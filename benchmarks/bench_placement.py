"""The placement search over an instances x tasks grid: `python benchmarks/bench_placement.py`.

Each row is one `check_model` of identical instances (4096 CPU units, 4096 MiB), an old revision of
512 MiB and a new one of 1024 MiB, two tasks per instance, minimum 50%, maximum 150%, with a static
host port and without one. It prints the verdict, the canonical states searched and the wall time;
a row beyond the state budget reads `inconclusive`. On a shared machine every figure is indicative.
"""

from __future__ import annotations

import time

from verifier.check.verify import check_model
from verifier.model.placement import InstanceGroup, Placement, TaskSize
from verifier.model.records import Model, Settings

GRID = ((2, 4), (3, 6), (4, 8), (5, 5), (6, 6), (10, 10), (10, 20))


def main() -> None:
    print(f"{'instances':>9} {'tasks':>5} {'ports':>6} {'verdict':>12} {'states':>10} {'seconds':>8}")
    for instances, tasks in GRID:
        for ports in ((80,), ()):
            placement = Placement((InstanceGroup(instances, 4096, 4096),), TaskSize(256, 1024, ports),
                                  TaskSize(256, 512, ports))
            model = Model(f"{instances}x{tasks}", Settings(tasks, 50, 150), placement=placement)
            started = time.perf_counter()
            result = check_model(model)
            seconds = time.perf_counter() - started
            shown = "80" if ports else "-"
            print(f"{instances:>9} {tasks:>5} {shown:>6} {result.verdict.value:>12} "
                  f"{getattr(result, 'states', 0):>10,} {seconds:>8.1f}", flush=True)


if __name__ == "__main__":
    main()
