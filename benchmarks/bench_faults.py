"""Benchmark of the smt engine on a bad release: `python benchmarks/bench_faults.py`.

Each row is one `check_fault_smt` call (progress and availability under the
release's faults, and the lowest healthy count, proved) on a broken revision
(failsHealthChecks), with the circuit breaker on (rollback) or off, at
D = 10^3, 10^4 and 10^6. The target is under 2 s at D = 10^6. The time is the
call's wall time in this process (the import of Z3 is not counted); on a shared
machine every figure is indicative only.
"""

from __future__ import annotations

import time

from verifier.model.faults import FAILS_HEALTH_CHECKS, Breaker, Faults
from verifier.model.records import Model, Settings
from verifier.smt.faults import check_fault_smt

TIMEOUT_MS = 30_000


def main() -> None:
    print(f"{'case':<40} {'wall s':>7}  progress / availability / lowest healthy")
    for desired in (10 ** 3, 10 ** 4, 10 ** 6):
        for low, high in ((50, 200), (100, 200)):
            for breaker in (Breaker(rollback=True), None):
                settings = Settings(desired, low, high, breaker=breaker)
                model = Model("bench", settings, faults=Faults(FAILS_HEALTH_CHECKS))
                started = time.perf_counter()
                answer = check_fault_smt(model, TIMEOUT_MS)
                wall = time.perf_counter() - started
                case = f"D={desired:,} {low}/{high} breaker {'on' if breaker else 'off'}"
                print(f"{case:<40} {wall:>7.2f}  {answer.progress.status} / {answer.availability.status} / "
                      f"{answer.lowest_healthy:,}")


if __name__ == "__main__":
    main()
