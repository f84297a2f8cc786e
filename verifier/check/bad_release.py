"""The properties a bad release changes, checked over its fault graph (docs/semantics.md#faults).

`verify` asks this module for progress, availability, surge and capacity when
the model's release can fail (`Faults.any`): the count model's graph knows no
failing task, crash or rollback, so its answers would be about another
deployment. The explicit engine searches the fault graph; the smt engine
answers through a property's `check_fault_smt` where the property has one, and
is otherwise inconclusive with advice, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from verifier.explicit.fault_graph import explore_faults
from verifier.fault_semantics import fault_bounds_of
from verifier.findings import Finding
from verifier.properties import PROPERTIES
from verifier.properties.context import CheckContext
from verifier.properties.fault_checks import FAULT_CHECKS
from verifier.properties.fault_checks import capacity as unlimited_capacity
from verifier.results import Engine, PropertyId, Status

# Fault states per MiB a search holds: about 175 bytes each with their edges (measured at D = 20),
# and the goal-reachability pass adds a few dozen more.
FAULT_STATES_PER_MB = 3_000


@dataclass(frozen=True, slots=True)
class BadRelease:
    """What the fault graph says: a finding for each property it decides, and its lowest healthy count."""

    findings: dict[PropertyId, Finding]
    states: int                          # fault states searched (0 under the smt engine)
    min_healthy_reachable: int | None    # the lowest healthy count of any reachable state, where known


def fault_budget(max_states: int, max_memory_mb: int | None) -> int:
    """The state budget, or fewer where the memory budget would end the search first."""
    return max_states if max_memory_mb is None else min(max_states, max_memory_mb * FAULT_STATES_PER_MB)


def check_bad_release(context: CheckContext, engine: Engine, max_states: int,
                      max_memory_mb: int | None) -> BadRelease:
    """Findings for the properties in `FAULT_CHECKS`, by the engine `verify` chose."""
    model = context.model
    if engine is Engine.EXPLICIT:
        graph = explore_faults(fault_bounds_of(model.settings, model.faults), fault_budget(max_states, max_memory_mb))
        findings = {pid: check(context, graph, max_states) for pid, check in FAULT_CHECKS.items()}
        return BadRelease(findings, graph.states, graph.lowest_healthy if graph.complete else None)
    return BadRelease({prop.ID: _by_smt(prop, context) for prop in PROPERTIES if prop.ID in FAULT_CHECKS}, 0, None)


def _by_smt(prop: ModuleType, context: CheckContext) -> Finding:
    """The smt engine's answer for a bad release, where the property has one (`check_fault_smt`)."""
    check = getattr(prop, "check_fault_smt", None)
    if check is not None:
        finding: Finding = check(context)
        return finding
    if prop.ID == PropertyId.CAPACITY and context.bounds.capacity is None:
        return unlimited_capacity(context, None, 0)   # no limit: nothing can exceed it
    return Finding(prop.ID, Status.UNKNOWN, "not checked for the bad release: the smt engine does not "
                   "search failing tasks, crashes or rollbacks",
                   details=("check it with --engine explicit, which searches every state of the bad release "
                            "up to --max-states, or check a smaller desiredCount",))
