"""`suggest` for a model that fails under a bad release: the breaker, the minimum, or both.

When the model's `faults:` make a requirement fail (minHealthy during a bad
release, maxRollbackSeconds, or progress because nothing rolls the release
back), the percentages alone are the wrong lever: without a circuit breaker
that rolls back, a broken release never ends whatever the minimum. The
candidates, smallest first:

1. enable the circuit breaker with rollback (one setting, the percentages kept);
2. a lower threshold for that breaker (thresholdConfiguration COUNT v, the largest v that holds):
   it trips after fewer failed tasks, so the rollback starts sooner (maxRollbackSeconds);
3. raise minimumHealthyPercent alone, to the least value that holds;
4. both: the breaker with rollback and the least minimumHealthyPercent that holds with it.

Only values that change the healthy floor L = ceil(D·m/100) are tried: for each
L above today's, the least percentage giving it (`least_percent_for`). Each
candidate is verified by `verify()` before it is offered, so what is printed
holds under the same release. Above `LINEAR_COUNTS` floors the least floor is
found by bisection (a higher minimum never lowers the healthy floor; the
answer is still verified).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from verifier.check.verify import Options, verify
from verifier.model.faults import COUNT, Breaker
from verifier.model.records import Model
from verifier.results import Verdict
from verifier.rounding import rounded_percent

LINEAR_COUNTS = 64   # healthy floors tried one by one; above this, bisection


@dataclass(frozen=True, slots=True)
class BreakerFix:
    """A verified change for a model under a bad release."""

    breaker: Breaker | None          # the breaker to set; None: the model's own is kept
    min_healthy_percent: int         # the model's own when unchanged
    changes: tuple[str, ...]         # what to change, in words, smallest first
    verdict_after: Verdict


def least_percent_for(desired: int, floor: int) -> int:
    """The least minimumHealthyPercent m with ceil(desired·m/100) >= floor (1 <= floor <= desired).

    ceil(D·m/100) >= L exactly when D·m > 100·(L-1), that is m = floor(100·(L-1)/D) + 1.
    """
    return 100 * (floor - 1) // desired + 1


def _with(model: Model, breaker: Breaker | None, min_pct: int) -> Model:
    return replace(model, settings=replace(model.settings, breaker=breaker, min_healthy_percent=min_pct))


def _least_floor(holds: Callable[[int], bool], low: int, high: int) -> int | None:
    """The least floor in low..high for which `holds`; linear for a few, else bisection on a monotone answer."""
    if high < low:
        return None
    if high - low < LINEAR_COUNTS:
        return next((floor for floor in range(low, high + 1) if holds(floor)), None)
    if not holds(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _lower_threshold(breaker: Breaker, desired: int,
                     holds: Callable[[Breaker], bool]) -> tuple[Breaker, str] | None:
    """The breaker with the largest COUNT threshold below its own that holds, and the change in words.

    A lower threshold trips no later, so whether it holds is taken as monotone for the
    search; the threshold returned is verified by `holds` itself either way.
    """
    now = breaker.threshold(desired)

    def at(value: int) -> Breaker:
        return replace(breaker, threshold_type=COUNT, threshold_value=value)

    # _least_floor finds the least x that holds; x = now - value turns "largest value" into "least x".
    x = _least_floor(lambda x: holds(at(now - x)), 1, now - 1)
    if x is None or not holds(at(now - x)):
        return None
    value = now - x
    return at(value), (f"set the circuit breaker's thresholdConfiguration to COUNT {value}: it trips after "
                       f"{value} failed task{'s' * (value != 1)} instead of {now}")


def breaker_fix(model: Model, timeout_ms: int) -> BreakerFix | None:
    """The smallest verified change among the breaker with rollback and a higher minimum; None if none holds."""
    options = Options(timeout_ms=timeout_ms)
    settings = model.settings
    desired, current = settings.desired, settings.min_healthy_percent
    rolling_back = settings.breaker if settings.breaker is not None and settings.breaker.rollback else \
        replace(settings.breaker or Breaker(rollback=True), rollback=True)
    breaker_changes = () if rolling_back == settings.breaker else (
        "enable the deployment circuit breaker with rollback" if settings.breaker is None
        else "turn on the circuit breaker's rollback",)

    def verdict(breaker: Breaker | None, min_pct: int) -> Verdict:
        return verify(_with(model, breaker, min_pct), options).verdict

    if breaker_changes and verdict(rolling_back, current) is Verdict.PROVED:
        return BreakerFix(rolling_back, current, breaker_changes, Verdict.PROVED)
    lowered = _lower_threshold(rolling_back, desired, lambda breaker: verdict(breaker, current) is Verdict.PROVED)
    if lowered is not None:
        lower, change = lowered
        return BreakerFix(lower, current, breaker_changes + (change,), Verdict.PROVED)
    if desired == 0:
        return None
    floor_now = rounded_percent(desired, current, round_up=True)
    candidates: list[tuple[Breaker | None, tuple[str, ...]]] = [(settings.breaker, ())]
    if breaker_changes:
        candidates.append((rolling_back, breaker_changes))
    for breaker, changes in candidates:

        def holds(floor: int, breaker: Breaker | None = breaker) -> bool:
            return verdict(breaker, least_percent_for(desired, floor)) is Verdict.PROVED

        floor = _least_floor(holds, floor_now + 1, desired)
        if floor is not None:
            percent = least_percent_for(desired, floor)
            raised = f"raise minimumHealthyPercent from {current} to {percent} (at least {floor} of {desired} healthy)"
            return BreakerFix(breaker, percent, changes + (raised,), verdict(breaker, percent))
    return None
