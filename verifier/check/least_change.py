"""The least change of the percentages, searched by closed forms, with no verification per candidate.

`suggest` first asks Z3 Optimize for the least change that the closed forms of
`closed_forms` allow. A deadline or a step limit is not among those forms, so
a candidate can pass them and still fail. Rather than verifying candidates one
by one, this module walks every (minimumHealthyPercent, maximumPercent) in
order of total change and keeps the first that passes, in plain integer
arithmetic:

* the closed forms at every sampled desired count (as the Optimize query);
* maxDeploySeconds: ECS's run over the whole range by pieces (`ecs_pieces`),
  whose makespan is affine on each piece, so its largest value is at an end;
* maxSteps (one desired count): the fewest steps of the step-plan graph.

A candidate that passes all of them is then verified for real by `suggest`;
if that fails at counts the sample lacked, the counts are added and the walk
goes on from the same change, so every smaller change stays ruled out.
"""

from __future__ import annotations

from collections.abc import Iterator

from verifier.model.records import Model
from verifier.rounding import ceil_percent, floor_percent
from verifier.schedules.ecs_pieces import ecs_pieces
from verifier.schedules.step_plan import plan_steps
from verifier.semantics import Bounds, deployment_of
from verifier.smt.closed_forms import highest_counted, invariant_deadlock, lowest_healthy

MAX_TIMED = 3_000        # candidates whose deadline or step count is computed before the walk gives up
STEP_PLAN_WORK = 200_000  # transitions of one step-plan graph; larger counts are left to verification


def by_change(current: tuple[int, int], floor_m: int, least: int = 0) -> Iterator[tuple[int, int, int]]:
    """(change, m, x) for m in floor_m..100 and x in 100..200, by total change, then larger x, then larger m."""
    m0, x0 = current
    for change in range(least, 301):
        found = []
        for m in range(floor_m, 101):
            rest = change - abs(m - m0)
            if rest < 0:
                continue
            for x in {x0 - rest, x0 + rest}:
                if 100 <= x <= 200:
                    found.append((change, m, x))
        yield from sorted(found, key=lambda c: (-c[2], -c[1]))


def closed_forms_allow(model: Model, sample: list[int], m: int, x: int) -> bool:
    """The closed-form conditions of `suggest._constraints`, on integers."""
    requirements = model.requirements
    for desired in sample:
        capacity = model.at(desired).settings.capacity
        bounds = Bounds(desired, ceil_percent(desired, m), floor_percent(desired, x), capacity, m, x,
                        model.settings.stopping_counts_toward_max)
        if invariant_deadlock(bounds):
            return False
        if requirements.min_healthy is not None and \
                lowest_healthy(bounds) < requirements.min_healthy.resolve(desired, round_up=True):
            return False
        allowed = requirements.tasks_allowed(desired, bounds.max_tasks)
        if highest_counted(bounds) > allowed:
            return False
    return True


def timing_allows(model: Model) -> bool:
    """Whether maxDeploySeconds and maxSteps can hold, False only where they provably do not."""
    requirements = model.requirements
    low, high = model.desired_range or (model.settings.desired, model.settings.desired)
    if requirements.max_deploy_seconds is not None:
        for run in ecs_pieces(model, low, high):
            if run.unknown:
                continue          # not settled here: verification decides
            if run.makespan is None or run.piece.hi is None:
                return False      # ECS never finishes at these counts
            worst = max(run.makespan.at(run.piece.lo), run.makespan.at(run.piece.hi))
            if worst > requirements.max_deploy_seconds:
                return False
    if requirements.max_steps is not None and model.desired_range is None:
        plan = plan_steps(deployment_of(model.settings), STEP_PLAN_WORK)
        if plan.complete and (plan.min_steps is None or plan.min_steps > requirements.max_steps):
            return False
    return True
