"""What a gate answer rests on, why a finding fails, and the edit that fixes it.

Every service answer says exactly which desired counts it covers (one count,
the autoscaling range, or every count from 1 up to ECS's quota when the file
leaves the count unknown) and what capacity it assumed. A violation carries its
cause with the rounding written out, and the smallest change `suggest` verifies,
as the edit to make at the line the file writes it. A change verified at the
current count only is said to be so, and the smallest change that holds for
every count up to it is offered beside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from verifier.ci.gate_placement import capacity_words, placement_fixes
from verifier.ingest import ServiceSpec, Setting
from verifier.model.records import Model
from verifier.rounding import rounded_percent

if TYPE_CHECKING:  # the fix search loads the solver; only its types are named here
    from verifier.check.suggest import Fix, Suggestion

# ECS's default quota "Tasks per service" (adjustable), from
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/service-quotas.html:
# a service whose count the file leaves unknown is checked at every count from 1 to this.
TASKS_PER_SERVICE = 5_000
QUOTA_WORDS = f"{TASKS_PER_SERVICE:,} is ECS's default quota of tasks per service"

# How each kind of file spells the two percentages, and where they sit in the service.
_NAMES = {
    "cloudformation": ("DeploymentConfiguration.MinimumHealthyPercent", "DeploymentConfiguration.MaximumPercent"),
    "terraform": ("deployment_minimum_healthy_percent", "deployment_maximum_percent"),
    "terraform-plan": ("deployment_minimum_healthy_percent", "deployment_maximum_percent"),
    "ecs-json": ("deploymentConfiguration.minimumHealthyPercent", "deploymentConfiguration.maximumPercent"),
    "cdk": ("minHealthyPercent", "maxHealthyPercent"),
    "aws-cli": ("--deployment-configuration minimumHealthyPercent", "--deployment-configuration maximumPercent"),
}


def count_unknown(spec: ServiceSpec) -> bool:
    """Whether the file leaves the desired count to be decided elsewhere (at deploy time, by autoscaling)."""
    return spec.desired.value is None or bool(spec.desired_unknown)


def counts_checked(spec: ServiceSpec, model: Model) -> str:
    """The desired counts an answer covers, and where they come from, in words."""
    if model.desired_range is None:
        desired = model.settings.desired
        if desired == 0:
            return ("desired count 0 only: a service with no tasks has nothing to deploy, so this says nothing "
                    "about the counts it will run at (set DesiredCount, or desiredRange in rollproof.yaml)")
        return f"desired count {desired}"
    low, high = model.desired_range
    span = f"every desired count {low:,}..{high:,}"
    if spec.desired_range == model.desired_range:
        return f"{span} (the autoscaling range)"
    if spec.desired_range is None and count_unknown(spec) and model.desired_range == (1, TASKS_PER_SERVICE):
        why = spec.desired_unknown or "the desired count is not given"
        return f"{span}: {why}, so every count is checked ({QUOTA_WORDS})"
    return f"{span} (desiredRange in the policy)"


def capacity_assumed(spec: ServiceSpec, model: Model) -> str:
    """The room for tasks the answer assumed, and where it comes from."""
    over_instances = capacity_words(spec, model)
    if over_instances is not None:
        return over_instances
    if spec.fargate:
        return "capacity unlimited: Fargate runs every task on its own capacity"
    if model.capacity_headroom is not None:
        return f"capacity desiredCount + {model.capacity_headroom} task slots (from the policy)"
    if model.settings.capacity is not None:
        return f"capacity {model.settings.capacity} task slots (from the policy)"
    return ("capacity assumed unlimited: nothing gives the cluster's room (capacityTasks or "
            "capacityHeadroomTasks in rollproof.yaml)")


def zero_tasks_note(model: Model) -> str:
    """The note a service checked at 0 tasks carries: its verdict says nothing about a real deployment."""
    if model.desired_range is None and model.settings.desired == 0:
        return "proved only because desiredCount is 0: with no task there is nothing to deploy"
    return ""


def _tasks(count: int) -> str:
    return f"{count} task{'s' * (count != 1)}"


def rounding(model: Model, desired: int) -> str:
    """The bounds at one desired count, with the rounding ECS applies written out."""
    settings = model.at(desired).settings
    m, x = settings.min_healthy_percent, settings.max_percent
    low, high = rounded_percent(desired, m, True), rounded_percent(desired, x, False)
    low_words = "is" if desired * m % 100 == 0 else "rounds up to"
    high_words = "is" if desired * x % 100 == 0 else "rounds down to"
    words = (f"at desiredCount {desired}: minimumHealthyPercent {m}% of {_tasks(desired)} {low_words} {low} "
             f"(at least {low} healthy), maximumPercent {x}% of {_tasks(desired)} {high_words} {high} "
             f"(at most {high} running or starting)")
    if settings.capacity is not None:
        words += f", room for {_tasks(settings.capacity)}"
    return words


@dataclass(frozen=True, slots=True)
class Edit:
    """One setting to change, at the line the file writes it (or the service's line, to add it)."""

    file: str
    line: int
    text: str                                   # the edit in words: "MaximumPercent: 100 -> 117"
    replacement: tuple[int, int, str] | None = None  # (first column, column after, new text) on `line`


@dataclass(frozen=True, slots=True)
class Remedy:
    edits: tuple[Edit, ...]
    holds_for: str        # the desired counts it was verified for
    leaves: str = ""      # the counts it leaves failing, when it was verified at one count only


@dataclass(frozen=True, slots=True)
class Advice:
    remedies: tuple[Remedy, ...]   # smallest first; a wider one beside it where the first holds at one count
    note: str = ""                 # why there is no remedy


def _value_span(file: str, line: int, column: int, old: int) -> tuple[int, int] | None:
    """The columns (first, after) of the number `old` written at or after `column` on `line`, if it is there."""
    try:
        text = Path(file).read_text(encoding="utf-8").splitlines()[line - 1]
    except (OSError, UnicodeError, IndexError):
        return None
    found = re.compile(rf"(?<![0-9]){old}(?![0-9])").search(text, max(0, column - 1))
    return (found.start() + 1, found.end() + 1) if found else None


def _edit(spec: ServiceSpec, name: str, setting: Setting, old: int | None, new: int) -> Edit:
    short = name.rsplit(".", 1)[-1]
    if setting.default or setting.line is None or old is None:
        return Edit(spec.file, spec.line or 1, f"add {name}: {new} (now the default {old})")
    span = _value_span(spec.file, setting.line, setting.column or 1, old)
    replacement = None if span is None else (span[0], span[1], str(new))
    return Edit(spec.file, setting.line, f"{short}: {old} -> {new}", replacement)


def edits_for(spec: ServiceSpec, model: Model, fix: Fix) -> tuple[Edit, ...]:
    """The edits that make the settings `fix`'s, in the file's own names; capacity goes to the policy."""
    names = _NAMES.get(spec.kind, _NAMES["ecs-json"])
    edits = []
    settings = model.settings
    if fix.min_healthy_percent != settings.min_healthy_percent:
        edits.append(_edit(spec, names[0], spec.min_healthy_percent, settings.min_healthy_percent,
                           fix.min_healthy_percent))
    if fix.max_percent != settings.max_percent:
        edits.append(_edit(spec, names[1], spec.max_percent, settings.max_percent, fix.max_percent))
    if fix.capacity_headroom is not None and fix.capacity_headroom != model.capacity_headroom:
        edits.append(Edit(getattr(model.source, "policy", None) or "rollproof.yaml", 1,
                          f"capacityHeadroomTasks: {model.capacity_headroom} -> {fix.capacity_headroom}"))
    elif fix.capacity is not None and fix.capacity != settings.capacity and model.capacity_headroom is None:
        edits.append(Edit(getattr(model.source, "policy", None) or "rollproof.yaml", 1,
                          f"capacityTasks: {settings.capacity} -> {fix.capacity}"))
    return tuple(edits)


def _chosen(suggestion: Suggestion) -> Fix | None:
    return suggestion.fix or suggestion.capacity_fix


@dataclass(frozen=True, slots=True)
class Found:
    """The fixes found for one setup, before they are written as edits to a particular file."""

    fixes: tuple[tuple[Fix, str, str], ...]   # (fix, the counts it holds for, the counts it leaves failing)
    note: str = ""
    breaker_change: str = ""   # under a bad release: the circuit breaker change that goes with the fixes
    one_more_instance: bool = False  # over instances: one more in the template's first group holds (verified)


def find_fixes(model: Model, timeout_ms: int) -> Found:
    """The smallest verified change, and, where it holds at the current count only, one for every count up to it."""
    from verifier.check.ranges import describe_counts, verify_range
    from verifier.check.suggest import Fix, suggest
    from verifier.results import Status
    if model.requirements.max_deploy_seconds is not None or model.requirements.max_steps is not None \
            or model.plan is not None:
        # `suggest` meets these by trying whole verifications one by one: minutes, not a gate's seconds.
        return Found((), "a deploy-time or step limit is not searched here: run the reproduce command with "
                         "'rollproof suggest' instead of 'rollproof verify'")
    if model.placement is not None:  # over instances: percentages and one more instance, each verified
        return _placement_found(model, timeout_ms)
    first = suggest(model, timeout_ms)
    if first.already_holds:
        return Found((), "every property already holds")
    if first.breaker_fix is not None:  # a bad release: the breaker and the minimum, verified at this count
        found, settings = first.breaker_fix, model.settings
        change = found.min_healthy_percent - settings.min_healthy_percent
        raised = Fix(found.min_healthy_percent, settings.max_percent, settings.capacity, model.capacity_headroom,
                     None, change)
        breaker = "; ".join(c for c in found.changes if "circuit breaker" in c)
        where = f"desired count {settings.desired} during the bad release"
        return Found(((raised, where, ""),) if change else (), "" if change or breaker else first.note, breaker)
    fix = _chosen(first)
    if fix is None:
        return Found((), first.note or "no change to the percentages or the capacity was found")
    if model.desired_range is not None:
        low, high = model.desired_range
        return Found(((fix, f"every desired count {low:,}..{high:,}", ""),))
    desired = model.settings.desired
    if desired <= 1:
        return Found(((fix, f"desired count {desired}", ""),))
    if desired > TASKS_PER_SERVICE:  # a search over so many counts takes minutes; no real service has them
        return Found(((fix, f"desired count {desired:,}", ""),), f"smaller counts were not checked: "
                     f"{desired:,} is above ECS's default quota of {TASKS_PER_SERVICE:,} tasks per service")
    # Verified at one count: does it hold for every smaller count the service may be scaled to?
    up_to = replace(model, desired_range=(1, desired), settings=replace(model.settings, desired=1))
    fixed = replace(up_to, settings=replace(up_to.settings, min_healthy_percent=fix.min_healthy_percent,
                                            max_percent=fix.max_percent))
    if fix.capacity_headroom is not None and model.capacity_headroom is not None:
        fixed = replace(fixed, capacity_headroom=fix.capacity_headroom)
    elif fix.capacity is not None and model.capacity_headroom is None:
        fixed = replace(fixed, settings=replace(fixed.settings, capacity=fix.capacity))
    failing = sorted({(i.low, i.high) for f in verify_range(fixed, timeout_ms).findings
                      if f.status is Status.VIOLATED for i in f.failing})
    if not failing:
        return Found(((fix, f"every desired count 1..{desired:,}", ""),))
    here = (fix, f"desired count {desired} only", f"leaves desiredCount {describe_counts(failing)} failing")
    wider = _chosen(suggest(up_to, timeout_ms))
    if wider is None:
        return Found((here,), f"no change makes every desired count 1..{desired:,} hold")
    return Found((here, (wider, f"every desired count 1..{desired:,}", "")))


def _placement_found(model: Model, timeout_ms: int) -> Found:
    from verifier.check.suggest import Fix
    settings = model.settings
    pairs, grown = placement_fixes(model, timeout_ms)
    fixes = tuple((Fix(low, high, None, None, None,
                       abs(low - settings.min_healthy_percent) + abs(high - settings.max_percent)),
                   f"desired count {settings.desired} on these instances", "") for low, high in pairs)
    note = "" if fixes or grown else ("no change to the percentages or one more instance makes every property "
                                      "hold; 'rollproof verify' on the reproduce command shows what blocks it")
    return Found(fixes, note, one_more_instance=grown)


def advice_for(spec: ServiceSpec, model: Model, found: Found) -> Advice:
    """The fixes found for `model`, written as edits to `spec`'s file."""
    remedies = tuple(Remedy(edits_for(spec, model, fix), holds, leaves) for fix, holds, leaves in found.fixes)
    if found.one_more_instance and model.placement is not None and spec.capacity is not None:
        group = model.placement.groups[0]
        what, line, also, file = spec.capacity.grow
        kind = f" {group.type}" if group.type else ""
        remedies += (Remedy((Edit(file or spec.file, line or spec.line or 1,
                                  f"{what}: {group.count} -> {group.count + 1}{also} (one more{kind} instance)"),),
                            f"desired count {model.settings.desired} with one more instance"),)
    if found.breaker_change:  # the breaker goes with the first remedy (or is the remedy, alone)
        breaker = Edit(spec.file, spec.breaker_line or spec.line or 1, found.breaker_change)
        first = remedies[0] if remedies else Remedy((), f"desired count {model.settings.desired} during the "
                                                        "bad release")
        remedies = (replace(first, edits=(breaker,) + first.edits),) + remedies[1:]
    return Advice(remedies, found.note)


def cause(model: Model, finding: object) -> str:
    """Why a violated property fails, at its first failing count, with the rounding written out."""
    failing = getattr(finding, "failing", None)
    message = str(getattr(finding, "message", ""))
    if failing is not None:  # a range finding: its first failing interval's example
        if not failing:
            return message
        count, why = failing[0].example, tuple(failing[0].why)
    else:
        count, why = model.settings.desired, tuple(getattr(finding, "details", ()))
    if model.desired_range is None and model.settings.desired != count:
        return message
    reasons = [w for w in why if not w.startswith("cause:")] if any(w.startswith("cause:") for w in why) else []
    if model.placement is not None:  # over instances the details name the instance and what blocks it
        reasons = [message] + [w for w in why if w.startswith(("instance ", "stopping one more"))]
    return f"{rounding(model, count)}; " + ("; ".join(reasons) if reasons else message)
