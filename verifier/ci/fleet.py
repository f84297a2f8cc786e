"""Checking many services at once: each distinct setup once (a memo), over a pool of processes.

A fleet repeats a few hundred setups across thousands of services: two services
whose models differ only in their names and files (where they are written) get
the same verdict, findings and schedules, so the memo is keyed by what the
checks read (`setup_of`) and each setup is checked once. Distinct setups go to
a pool of `jobs` processes as soon as they are met, so reading the next file
overlaps checking the last one; `jobs=1` checks in this process. Answers are
handed back in the order the services were submitted whatever `jobs` is, and
each is the same as `check_model` gives in this process: the pool changes only
where the work runs.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import replace
from typing import TYPE_CHECKING, TypeVar

from verifier.check.verify import Options, Result, check_model
from verifier.model.records import Model

if TYPE_CHECKING:  # the range checker loads the solver; only its result type is named here
    from verifier.check.ranges import RangeResult

Answer = Callable[[], "Result | RangeResult"]  # waits for the result, then gives it with the service's own model


def setup_of(model: Model) -> Hashable:
    """What the checks read from a model: equal setups get equal results, whatever the names and files.

    The name, description, expectation and source (file, line, flags) only label
    the result; everything that decides it is here.
    """
    return (model.settings, model.requirements, model.plan, model.desired_range, model.capacity_headroom,
            model.faults, model.placement)


T = TypeVar("T")


def map_setups(call: Callable[[Model], T], models: Sequence[Model], jobs: int | None, seconds: float) -> list[T | None]:
    """`call` on each model, over `jobs` processes, in order; None for a model not started within `seconds`.

    A call already started when the time is up runs to its end, so no answer is cut short; with
    `jobs` 1 the calls run one after another in this process. `call` must be picklable (a module-level
    function, or a functools.partial of one).
    """
    jobs = max(1, jobs if jobs is not None else default_jobs())
    started = time.monotonic()
    if jobs == 1 or len(models) <= 1:
        return [call(model) if time.monotonic() - started <= seconds else None for model in models]
    context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
    with ProcessPoolExecutor(min(jobs, len(models)), mp_context=context) as pool:
        futures = [pool.submit(call, model) for model in models]
        wait(futures, timeout=max(0.0, seconds - (time.monotonic() - started)))
        for future in futures:
            future.cancel()  # only those not yet started: a started call finishes
        return [None if future.cancelled() else future.result() for future in futures]


def default_jobs() -> int:
    """Every core this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class FleetChecker:
    """A memo of results by setup, filled by this process or by a pool of `jobs` worker processes.

    Use as a context manager, so the pool's processes end with it. At most
    `limit` distinct setups are checked; `submit` answers None for a new setup
    past that, so that the caller can report it as not checked.
    """

    def __init__(self, options: Options = Options(), jobs: int | None = None, limit: int | None = None):
        self.options = options
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        self.limit = limit
        self.hits = 0      # services answered from the memo
        self.checked = 0   # distinct setups checked (or being checked)
        self._memo: dict[Hashable, Future[Result | RangeResult]] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._in_flight: set[Future[Result | RangeResult]] = set()

    def __enter__(self) -> FleetChecker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def submit(self, model: Model) -> Answer | None:
        """The result of checking `model`, to be waited for with the returned call; None past the limit."""
        key = setup_of(model)
        future = self._memo.get(key)
        if future is not None:
            self.hits += 1
        elif self.limit is not None and self.checked >= self.limit:
            return None
        else:
            future = self._memo[key] = self._start(model)
            self.checked += 1
        return lambda: _relabel(future.result(), model)

    def _start(self, model: Model) -> Future[Result | RangeResult]:
        if self.jobs == 1:  # checked now; an error (or Ctrl-C) stops the gate here, as it always did
            future: Future[Result | RangeResult] = Future()
            future.set_result(check_model(model, self.options))
            return future
        if self._pool is None:
            # fork on Linux: the workers start with every module this process has loaded (Z3, the
            # engines) instead of importing them again; elsewhere (macOS, Windows) fork is unsafe or
            # absent, and the platform's own way is used. Python forks them all here, before the
            # pool's own thread starts, so no lock is copied held.
            context = multiprocessing.get_context("fork" if sys.platform == "linux" else None)
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=context)
        # At most two checks per process are queued: reading files waits for the pool, and a gate that
        # stops on an error (or Ctrl-C) before close() leaves the pool only those to finish at exit.
        self._in_flight = {f for f in self._in_flight if not f.done()}
        if len(self._in_flight) >= 2 * self.jobs:
            wait(self._in_flight, return_when=FIRST_COMPLETED)
        # The progress callback stays in this process: a function cannot travel to another.
        future = self._pool.submit(check_model, model, replace(self.options, progress=None))
        self._in_flight.add(future)
        return future


def _relabel(result: Result | RangeResult, model: Model) -> Result | RangeResult:
    """The memo's result for the setup, told as this service's (its name, file and lines)."""
    return result if result.model is model else replace(result, model=model)
