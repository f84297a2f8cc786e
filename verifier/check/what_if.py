"""One model checked twice: as written, and under a bad release (`verify --what-if`, the policy's `faults:`).

A user who picks minimumHealthyPercent wants both answers from one command:
does the deployment hold when the new revision works, and what happens when it
does not (docs/semantics.md#faults). The second check is the same model with
its `faults:` replaced; its findings are told apart by a prefix naming the
release, so that a report listing both never mixes them up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from verifier.check.verify import Options, Result, verify
from verifier.findings import Finding
from verifier.model.faults import FAILS_HEALTH_CHECKS, FAILS_TO_START, FLAKY, Faults
from verifier.model.records import Model, Requirements
from verifier.results import Status, Verdict, worst_of

BROKEN = "broken"   # --what-if broken: every new task fails its health checks
WHAT_IFS = {BROKEN: FAILS_HEALTH_CHECKS, FAILS_TO_START: FAILS_TO_START}


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The model as written and the same model under `faults`."""

    as_written: Result
    under_faults: Result

    @property
    def verdict(self) -> Verdict:
        """The worse of the two: a deployment that only holds while the release works is not proved."""
        return worst_of((self.as_written.verdict, self.under_faults.verdict))


def under_release(model: Model, faults: Faults, requirements: Requirements | None = None) -> Model:
    """`model` under the release `faults` (and `requirements`, where what must hold then differs)."""
    return replace(model, faults=faults, requirements=model.requirements if requirements is None else requirements)


def at_one_count(model: Model) -> Model | None:
    """`model` at its one desired count (a desiredRange of one count too); None for a wider range,
    where a bad release is not worked out."""
    if model.desired_range is None:
        return model
    low, high = model.desired_range
    return model.at(low) if low == high else None


def faults_for(model: Model, what_if: str) -> Faults:
    """The model's own `faults:` with its new revision replaced by the one `--what-if` names.

    Crashes and alarm timing the model file gives are kept; what only a flaky revision reads is dropped.
    """
    revision = WHAT_IFS[what_if]
    return replace(model.faults, new_revision=revision, flaky_failures=0,
                   fail_after_seconds=model.faults.fail_after_seconds if revision == FAILS_HEALTH_CHECKS else None)


def release_label(faults: Faults) -> str:
    """The release in words, as the findings under it are prefixed: `newRevision: failsHealthChecks`."""
    parts = [f"newRevision: {faults.new_revision}"]
    if faults.new_revision == FLAKY:
        parts.append(f"flakyFailures: {faults.flaky_failures}")
    if faults.old_task_crashes:
        parts.append(f"oldTaskCrashes: {faults.old_task_crashes}")
    return ", ".join(parts)


def relabelled(findings: tuple[Finding, ...], faults: Faults) -> tuple[Finding, ...]:
    """The findings of a check under `faults`, each message saying which release it is about."""
    label = release_label(faults)
    return tuple(replace(f, message=f"during a bad release ({label}): {f.message}") for f in findings)


def findings_under_release(result: Result) -> tuple[Finding, ...]:
    """`result`'s findings relabelled; a violated availability also gives ECS's own figure under the release.

    The counterexample is the shortest way below the requirement; how low ECS itself goes (and so what
    users would see) is the run's lowest healthy count, which is the number the choice is made on.
    """
    lowest, desired = result.ecs.min_healthy_seen, result.model.settings.desired
    shown = tuple(replace(f, message=f"{f.message}; ECS's own run under this release goes down to {lowest} "
                                     f"healthy of {desired}")
                  if f.property_id == "availability" and f.status is Status.VIOLATED and lowest is not None else f
                  for f in result.findings)
    return relabelled(shown, result.model.faults)


def verify_what_if(model: Model, what_if: str, options: Options = Options()) -> WhatIf:
    """`model` checked as written and under the release `--what-if` names (broken, failsToStart)."""
    return WhatIf(verify(model, options), verify(under_release(model, faults_for(model, what_if)), options))
