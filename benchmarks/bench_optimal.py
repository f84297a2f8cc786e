"""Benchmark of the optimal timed schedule: seconds per figure beside its target.

Run with `python benchmarks/bench_optimal.py [tick-seconds]`. For 7 s health checks
and 13 s draining at D = 1..20 (target: under a second each) it prints the optimal
makespan as `verify` computes it (ECS's run, proved optimal in
verifier/schedules/optimal.py), the exact event search's time and states beside it
(they must agree), and the old tick search for the first few sizes, each stopped
after `tick-seconds` (default 20) of budget. Then the figures at D = 100, 1000 and 10^6.
"""

from __future__ import annotations

import multiprocessing
import sys
import time

from verifier.rounding import ceil_percent, floor_percent
from verifier.schedules.event_search import search
from verifier.schedules.optimal import optimal_schedule
from verifier.schedules.tick_search import tick_schedule
from verifier.semantics import Bounds, Deployment

TARGET_SECONDS = 1.0
EVENT_STATES = 2_000_000
TICK_SIZES = range(1, 9)   # the tick search grows fast; it is shown where it ends in time


def deployment(desired: int, min_pct: int, max_pct: int, capacity: int | None, health: int,
               drain: int) -> Deployment:
    bounds = Bounds(desired, ceil_percent(desired, min_pct), floor_percent(desired, max_pct), capacity,
                    min_pct, max_pct)
    return Deployment(bounds, health, drain)


def timed(call):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    answer = call()
    return answer, time.perf_counter() - started


def _tick(dep: Deployment, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    queue.put(tick_schedule(dep, 5_000_000, None, None).makespan_seconds)


def tick_search(dep: Deployment, limit: float) -> str:
    """The tick search without an upper bound, in a child process stopped after `limit` seconds."""
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    child = multiprocessing.Process(target=_tick, args=(dep, queue))
    started = time.perf_counter()
    child.start()
    child.join(limit)
    if child.is_alive():
        child.terminate()
        child.join()
        return f"> {limit:.0f} s"
    return f"{queue.get()} in {time.perf_counter() - started:.2f} s"


def main() -> None:
    limit = float(sys.argv[1]) if len(sys.argv) > 1 else 20.0
    print("7 s health checks, 13 s draining, min 50, max 150, one spare slot (indicative: shared machine)")
    print(f"{'D':>3} {'optimal':>8} {'seconds':>8} {'target':>7}  {'event search':<26} tick search (no bound)")
    for desired in range(1, 21):
        dep = deployment(desired, 50, 150, desired + 1, 7, 13)
        optimal, seconds = timed(lambda dep=dep: optimal_schedule(dep))
        exact, exact_seconds = timed(lambda dep=dep: search(dep, EVENT_STATES))
        agree = "=" if exact.complete and exact.makespan_seconds == optimal.makespan_seconds else "!="
        event = f"{agree} {exact.makespan_seconds} in {exact_seconds:.2f} s, {exact.states:,} st"
        ticks = tick_search(dep, limit) if desired in TICK_SIZES else "-"
        verdict = "ok" if seconds < TARGET_SECONDS else "OVER"
        print(f"{desired:>3} {optimal.makespan_seconds!s:>8} {seconds:>8.3f} {verdict:>7}  {event:<26} {ticks}")
    print()
    print("at scale (150 s health checks, 300 s draining)")
    for desired, min_pct, max_pct, capacity in [(100, 50, 200, None), (100, 50, 200, 102), (1000, 100, 200, 1001),
                                                (10**6, 50, 200, None), (10**6, 100, 200, 10**6 + 1)]:
        dep = deployment(desired, min_pct, max_pct, capacity, 150, 300)
        optimal, seconds = timed(lambda dep=dep: optimal_schedule(dep))
        figure = optimal.makespan_seconds if optimal.complete else f"unknown: {optimal.reason}"
        print(f"  D = {desired:>9,} min {min_pct:>3} max {max_pct} capacity {capacity!s:>9}: "
              f"{figure!s:>12} s in {seconds:.2f} s")


if __name__ == "__main__":
    main()
