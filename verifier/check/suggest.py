"""`rollproof suggest`: the smallest change to the settings that makes every property hold.

Z3 Optimize chooses minimumHealthyPercent (0..100) and maximumPercent (100..200),
minimising the total change in percentage points. It sees the desired counts
one at a time through the closed forms of `closed_forms` (linear once the
count is fixed), starting from a few counts and adding every count where a
candidate is refuted (counterexample-guided). Each candidate is verified by the
real verifier over the whole desired range before it is printed. Where a
deadline or step limit refutes the closed-form optimum, `least_change` walks
the candidates by total change with integer checks and only those that pass
are verified. Among the candidates with the least change it prefers the
fastest worst-case ECS deployment (ECS's run by pieces of the range).
Availability never drops: a `minHealthy` requirement must still hold, and
without one minimumHealthyPercent never goes down.

The alternative changes only the capacity, keeping the percentages: more slots
never block an action, so the least capacity is found by bisection.

A model with a bad release (`faults:`) is answered by `breaker_fix` instead:
the circuit breaker with rollback, a higher minimum, or both, each verified.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, cast

import z3

from verifier.check.breaker_fix import BreakerFix, breaker_fix
from verifier.check.least_change import MAX_TIMED, by_change, closed_forms_allow, timing_allows
from verifier.check.placement_fix import PlacementFix, instance_fixes, percentages_fix
from verifier.check.ranges import verify_range
from verifier.check.verify import Options, check_model, verify
from verifier.defaults import DEFAULT_TIMEOUT_MS
from verifier.model.records import Model
from verifier.results import Engine, Verdict
from verifier.rounding import rounded_percent_facts
from verifier.schedules.ecs_controller import worst_makespan
from verifier.semantics import Bounds
from verifier.smt.closed_forms import highest_counted, invariant_deadlock, lowest_healthy
from verifier.smt.solver import Incremental, Optimum, SolverUnknown, value

MAX_ROUNDS = 40          # counterexample-guided rounds of the closed forms before giving up
MAX_TIES = 8             # least-change candidates compared by deploy time
TIME_WORK = 2_000_000    # ECS simulation steps spent comparing deploy times
MIN_RANGE, MAX_RANGE = (0, 100), (100, 200)


@dataclass(frozen=True, slots=True)
class Fix:
    min_healthy_percent: int
    max_percent: int
    capacity: int | None
    capacity_headroom: int | None
    worst_deploy_seconds: int | None   # None when ECS never finishes or the comparison was cut short
    total_change: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    model: Model
    already_holds: bool
    fix: Fix | None               # percentages
    capacity_fix: Fix | None      # capacity alone
    verdict_after: Verdict | None
    note: str = ""
    breaker_fix: BreakerFix | None = None   # under a bad release: the breaker and the minimum (see breaker_fix)
    placement_fixes: tuple[PlacementFix, ...] = ()   # cluster.instances: ports, an instance more (see placement_fix)


def _desired_counts(model: Model) -> range:
    low, high = model.desired_range or (model.settings.desired, model.settings.desired)
    return range(low, high + 1)


def _check(model: Model, timeout_ms: int) -> Verdict:
    return check_model(model, Options(engine=Engine.SMT, timeout_ms=timeout_ms)).verdict


def _failing_counts(model: Model, timeout_ms: int) -> list[int]:
    if model.desired_range is not None:
        result = verify_range(model, timeout_ms)
        return [i.example for f in result.findings for i in f.failing] + \
               [a for f in result.findings for a, _ in f.unknown]
    return [] if _check(model, timeout_ms) is Verdict.PROVED else [model.settings.desired]


def _with(model: Model, min_pct: int, max_pct: int) -> Model:
    settings = replace(model.settings, min_healthy_percent=min_pct, max_percent=max_pct)
    return replace(model, settings=settings)


def _constraints(model: Model, desired: int, m: z3.ArithRef, x: z3.ArithRef) -> list[Any]:
    """What must hold at one desired count, in the symbolic percentages."""
    low, high = z3.Int(f"L{desired}"), z3.Int(f"U{desired}")
    capacity = model.at(desired).settings.capacity
    bounds = Bounds(desired, low, high, capacity, 0, 0, model.settings.stopping_counts_toward_max)
    facts = [*rounded_percent_facts(low, desired, m, round_up=True),
             *rounded_percent_facts(high, desired, x, round_up=False),
             z3.Not(invariant_deadlock(bounds))]
    wanted = model.requirements.min_healthy
    if wanted is not None:
        facts.append(lowest_healthy(bounds) >= wanted.resolve(desired, round_up=True))
    allowed = model.requirements.max_tasks
    facts.append(highest_counted(bounds) <= (allowed.resolve(desired, round_up=False) if allowed else high))
    return facts


def _worst_deploy(model: Model, timeout_ms: int) -> int | None:
    return worst_makespan(model, TIME_WORK, timeout_ms)


def _percentages(model: Model, timeout_ms: int) -> tuple[Fix | None, str]:
    m, x = z3.Int("minimumHealthyPercent"), z3.Int("maximumPercent")
    current_m, current_x = model.settings.min_healthy_percent, model.settings.max_percent
    change = z3.If(m >= current_m, m - current_m, current_m - m) + z3.If(x >= current_x, x - current_x, current_x - x)
    base = [m >= MIN_RANGE[0], m <= MIN_RANGE[1], x >= MAX_RANGE[0], x <= MAX_RANGE[1]]
    if model.requirements.min_healthy is None:
        base.append(m >= min(current_m, MIN_RANGE[1]))  # never lower availability
    counts = _desired_counts(model)
    sample = sorted({counts[0], counts[-1]} | set(_failing_counts(model, timeout_ms)[:20]))
    for _ in range(MAX_ROUNDS):
        optimizer = Optimum(timeout_ms).add(*base)
        for desired in sample:
            optimizer.add(*_constraints(model, desired, m, x))
        answer = optimizer.least(change)
        if not answer.sat:
            if model.requirements.min_healthy is None:
                return None, (f"without lowering minimumHealthyPercent below {min(current_m, MIN_RANGE[1])} "
                              "(no minHealthy requirement allows it), no maximumPercent in 100..200 "
                              "makes every property hold")
            return None, ("no minimumHealthyPercent in 0..100 with maximumPercent in 100..200 "
                          "makes every property hold")
        candidate = (value(answer.model, m), value(answer.model, x))
        fixed = _with(model, *candidate)
        missed = _failing_counts(fixed, timeout_ms)
        if not missed:
            return _best_of_ties(model, candidate, base, change, sample, m, x, timeout_ms), ""
        new = [d for d in missed if d not in sample]
        if not new:  # refuted by something the closed forms do not see (a deadline, a step limit)
            least = abs(candidate[0] - current_m) + abs(candidate[1] - current_x)
            return _walk(model, sample, least, timeout_ms)
        sample = sorted(set(sample) | set(new[:20]))
    return None, (f"the closed forms and verification still disagreed after {MAX_ROUNDS} rounds; "
                  "check a narrower desiredRange")


def _walk(model: Model, sample: list[int], least: int, timeout_ms: int) -> tuple[Fix | None, str]:
    """Every candidate from change `least` up, by `least_change`'s integer checks, then verified.

    Candidates with a smaller change fail the closed forms at the sampled counts
    (Z3 Optimize found none), and the sample only grows, so the first verified
    candidate has the least change. Ties at that change are compared by deploy time.
    """
    current = (model.settings.min_healthy_percent, model.settings.max_percent)
    floor_m = min(current[0], MIN_RANGE[1]) if model.requirements.min_healthy is None else MIN_RANGE[0]
    if model.requirements.max_steps is not None and model.desired_range is not None:
        return None, "maxSteps is checked for one desiredCount at a time, so no change is verified over a range"
    verified: list[tuple[int, int]] = []
    found_at: int | None = None
    timed = 0
    for change_of, min_pct, max_pct in by_change(current, floor_m, least):
        if found_at is not None and (change_of > found_at or len(verified) >= MAX_TIES):
            break
        if not closed_forms_allow(model, sample, min_pct, max_pct):
            continue
        timed += 1
        if timed > MAX_TIMED:
            break
        fixed = _with(model, min_pct, max_pct)
        if not timing_allows(fixed):
            continue
        missed = _failing_counts(fixed, timeout_ms)
        if not missed:
            verified.append((min_pct, max_pct))
            found_at = change_of
        else:
            sample = sorted(set(sample) | set(missed[:20]))
    if not verified:
        if timed > MAX_TIMED:
            return None, (f"none of the {MAX_TIMED:,} least changes that the closed forms allow meets the "
                          "deadline or step limit")
        return None, ("no minimumHealthyPercent and maximumPercent the search may choose meets the deadline "
                      "or step limit")
    timed_fixes = [(_worst_deploy(_with(model, *c), timeout_ms), c) for c in verified]
    timed_fixes.sort(key=lambda t: (t[0] is None, t[0] or 0, -t[1][1], -t[1][0]))
    seconds, (best_m, best_x) = timed_fixes[0]
    return Fix(best_m, best_x, model.settings.capacity, model.capacity_headroom, seconds, cast(int, found_at)), ""


def _best_of_ties(model: Model, first: tuple[int, int], base: list[Any], change: z3.ArithRef, sample: list[int],
                  m: z3.ArithRef, x: z3.ArithRef, timeout_ms: int) -> Fix:
    """All verified candidates with the least change; the one with the fastest worst-case deploy."""
    least = abs(first[0] - model.settings.min_healthy_percent) + abs(first[1] - model.settings.max_percent)
    candidates, seen = [first], {first}
    solver = Incremental(timeout_ms).add(*base, change == least)
    for desired in sample:
        solver.add(*_constraints(model, desired, m, x))
    while len(candidates) < MAX_TIES:
        for known in seen:
            solver.add(z3.Or(m != known[0], x != known[1]))
        try:
            answer = solver.ask()
        except SolverUnknown:
            break  # the first candidate is verified already; ties only refine the choice
        if not answer.sat:
            break
        found = (value(answer.model, m), value(answer.model, x))
        seen.add(found)
        if _check(_with(model, *found), timeout_ms) is Verdict.PROVED:
            candidates.append(found)
    timed = [(_worst_deploy(_with(model, *c), timeout_ms), c) for c in candidates]
    # Fastest first; a candidate whose time is unknown goes last; then the larger percentages.
    timed.sort(key=lambda t: (t[0] is None, t[0] or 0, -t[1][1], -t[1][0]))
    seconds, (best_m, best_x) = timed[0]
    return Fix(best_m, best_x, model.settings.capacity, model.capacity_headroom, seconds, least)


def _capacity(model: Model, timeout_ms: int) -> Fix | None:
    """The least capacity (or headroom) that makes every property hold, with the percentages kept."""
    if model.settings.capacity is None:
        return None
    counts = _desired_counts(model)
    headroom = model.capacity_headroom is not None

    def with_slots(slots: int) -> Model:
        if headroom:
            return replace(model, capacity_headroom=slots, settings=replace(model.settings,
                                                                              capacity=counts[0] + slots))
        return replace(model, settings=replace(model.settings, capacity=slots))

    given = model.capacity_headroom if model.capacity_headroom is not None else model.settings.capacity
    low = given
    high = counts[-1] if headroom else 2 * counts[-1]  # beyond this capacity never blocks
    if _check(with_slots(high), timeout_ms) is not Verdict.PROVED:
        return None
    while low < high:  # invariant: `high` works
        middle = (low + high) // 2
        if _check(with_slots(middle), timeout_ms) is Verdict.PROVED:
            high = middle
        else:
            low = middle + 1
    fixed = with_slots(high)
    return Fix(model.settings.min_healthy_percent, model.settings.max_percent,
               None if headroom else high, high if headroom else None, _worst_deploy(fixed, timeout_ms),
               high - given)


def suggest(model: Model, timeout_ms: int = DEFAULT_TIMEOUT_MS,
            progress: Callable[[str], None] | None = None) -> Suggestion:
    """`progress` receives a status line as each stage of the search starts (a terminal shows it)."""
    if model.placement is not None:   # the closed forms below know task slots, not instances
        return _over_instances(model, timeout_ms, progress or (lambda line: None))
    if model.faults.any:
        return _under_bad_release(model, timeout_ms)
    say = progress or (lambda line: None)
    # "Already holds" is the model's full verification, every property: a hand-written plan too.
    say(f"{model.name}: [1/3] verifying the settings as they are")
    if _check(model, timeout_ms) is Verdict.PROVED:
        return Suggestion(model, True, None, None, Verdict.PROVED)
    # The closed forms the search uses do not see a hand-written plan: search without it, then
    # keep the least change only if the plan holds with it too. The capacity bisection runs the
    # full verification, so it sees the plan as it is.
    say(f"{model.name}: [2/3] searching the least change of the percentages")
    fix, note = _percentages(replace(model, plan=None), timeout_ms)
    if fix is not None and model.plan is not None and \
            _check(_with(model, fix.min_healthy_percent, fix.max_percent), timeout_ms) is not Verdict.PROVED:
        fix, note = None, ("the least change of the percentages still leaves the hand-written plan violated "
                           "(property plan): change the plan ('rollproof verify' shows the step that fails)")
    say(f"{model.name}: [3/3] searching the least capacity")
    capacity_fix = _capacity(model, timeout_ms)
    after = _check(_with(model, fix.min_healthy_percent, fix.max_percent), timeout_ms) if fix else None
    return Suggestion(model, False, fix, capacity_fix, after, note)


def _over_instances(model: Model, timeout_ms: int, say: Callable[[str], None]) -> Suggestion:
    """Every fix `placement_fix` verifies over the instances, the percentages first (docs/semantics.md#placement)."""
    say(f"{model.name}: [1/3] verifying the settings as they are")
    if verify(model, Options(timeout_ms=timeout_ms)).verdict is Verdict.PROVED:
        return Suggestion(model, True, None, None, Verdict.PROVED)
    say(f"{model.name}: [2/3] searching the least change of the percentages")
    found, note = percentages_fix(model, timeout_ms)
    fix = None if found is None else Fix(found.min_healthy_percent, found.max_percent, None, None,
                                         found.makespan_seconds, found.total_change)
    say(f"{model.name}: [3/3] trying dynamic host ports and one more instance")
    alternatives = tuple(instance_fixes(model, timeout_ms))
    after = Verdict.PROVED if fix is not None or alternatives else None   # each one was verified
    return Suggestion(model, False, fix, None, after, note, placement_fixes=alternatives)


def _under_bad_release(model: Model, timeout_ms: int) -> Suggestion:
    """The smallest verified change for a model checked under its `faults:` (see `breaker_fix`)."""
    if model.desired_range is not None:
        return Suggestion(model, False, None, None, None,
                          "a bad release is checked at one desired count: give desiredCount instead of desiredRange")
    if verify(model, Options(timeout_ms=timeout_ms)).verdict is Verdict.PROVED:
        return Suggestion(model, True, None, None, Verdict.PROVED)
    found = breaker_fix(model, timeout_ms)
    if found is None:
        return Suggestion(model, False, None, None, None,
                          "neither the circuit breaker with rollback nor any higher minimumHealthyPercent "
                          "(with or without it) makes every property hold under this release")
    return Suggestion(model, False, None, None, found.verdict_after, breaker_fix=found)
