"""The large-cluster path: `python benchmarks/bench_placement_scale.py`.

Identical instances, new tasks of 256 CPU units and 512 MiB, old ones of that size or smaller, maximum 150%, up to
200 instances and 2,000 tasks (ROWS says what binds in each row). Each row is one `check_model`; it
prints the verdict, what answered it and the wall time. On a shared machine every figure is
indicative.
"""

from __future__ import annotations

import time

from verifier.check.verify import Result, check_model
from verifier.model.placement import InstanceGroup, Placement, TaskSize
from verifier.model.records import Model, Settings

# (instances, tasks, instance CPU units, instance MiB, host ports, minimumHealthyPercent, old task MiB)
ROWS = (
    (200, 2_000, 8192, 16384, (), 50, 512),      # 32 slots each (CPU and memory): 6,400 slots
    (200, 2_000, 4096, 5120, (), 50, 512),       # 10 slots each (memory binds): exactly 2,000
    (200, 200, 4096, 8192, (80,), 100, 512),     # a static port, no spare instance: stuck at the start
    (250, 200, 4096, 8192, (80,), 100, 512),     # 50 spare instances
    (200, 2_000, 8192, 16384, (), 50, 256),      # a bigger new revision: sound bounds
    (200, 2_000, 4096, 5120, (), 100, 256),      # a bigger new revision into a full cluster: ECS is stuck
)


def main() -> None:
    print(f"{'instances':>9} {'tasks':>6} {'ports':>5} {'min':>3} {'old MiB':>7} {'verdict':>12}  "
          f"{'seconds':>7}  answered by")
    for instances, tasks, cpu, memory, ports, minimum, old in ROWS:
        size = TaskSize(256, 512, ports)
        placement = Placement((InstanceGroup(instances, cpu, memory),), size, TaskSize(256, old, ports))
        model = Model(f"{instances}x{tasks}", Settings(tasks, minimum, 150), placement=placement)
        started = time.perf_counter()
        result = check_model(model)
        seconds = time.perf_counter() - started
        assert isinstance(result, Result)
        how = (result.abstraction or "placement search")[:60]
        print(f"{instances:>9} {tasks:>6} {'80' if ports else '-':>5} {minimum:>3} {old:>7} "
              f"{result.verdict.value:>12}  {seconds:>7.2f}  {how} ({result.engine.value})", flush=True)


if __name__ == "__main__":
    main()
