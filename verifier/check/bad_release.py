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

import z3

from verifier.explicit.fault_graph import explore_faults
from verifier.fault_semantics import FaultBounds, FaultState, fault_bounds_of
from verifier.findings import Finding
from verifier.properties import PROPERTIES
from verifier.properties.context import CheckContext
from verifier.properties.fault_checks import FAULT_CHECKS
from verifier.properties.fault_checks import capacity as unlimited_capacity
from verifier.properties.fault_smt import answer_for
from verifier.results import Engine, PropertyId, Status
from verifier.smt.fault_encoding import invariant

# Fault states per MiB a search holds: about 175 bytes each with their edges (measured at D = 20),
# and the goal-reachability pass adds a few dozen more.
FAULT_STATES_PER_MB = 3_000
# Under `auto`, the fault graph is searched up to this many states (about half a second) and
# the smt engine answers beyond: Z3 takes a few tenths of a second at any desired count.
AUTO_FAULT_STATES = 10_000


@dataclass(frozen=True, slots=True)
class BadRelease:
    """What the fault graph says: a finding for each property it decides, and its lowest healthy count."""

    findings: dict[PropertyId, Finding]
    states: int                          # fault states searched (0 under the smt engine)
    min_healthy_reachable: int | None    # the lowest healthy count of any reachable state, where known
    engine: Engine = Engine.EXPLICIT     # the engine that answered
    invariants: tuple[str, ...] = ()     # the smt engine's invariant of the fault states, written out


def fault_budget(max_states: int, max_memory_mb: int | None) -> int:
    """The state budget, or fewer where the memory budget would end the search first."""
    return max_states if max_memory_mb is None else min(max_states, max_memory_mb * FAULT_STATES_PER_MB)


def check_bad_release(context: CheckContext, requested: Engine, max_states: int,
                      max_memory_mb: int | None) -> BadRelease:
    """Findings for the properties in `FAULT_CHECKS`, by the engine asked for.

    `auto` searches the fault graph while it stays small and hands a larger one
    to the smt engine; the count model's choice says nothing about it, since a
    bad release has many more states than the same deployment without one.
    """
    model = context.model
    fb = fault_bounds_of(model.settings, model.faults)
    budget = fault_budget(max_states, max_memory_mb)
    if requested is not Engine.SMT:
        graph = explore_faults(fb, budget if requested is Engine.EXPLICIT else min(budget, AUTO_FAULT_STATES))
        if graph.complete or requested is Engine.EXPLICIT:
            findings = {pid: check(context, graph, max_states) for pid, check in FAULT_CHECKS.items()}
            return BadRelease(findings, graph.states, graph.lowest_healthy if graph.complete else None)
    findings = {prop.ID: _by_smt(prop, context) for prop in PROPERTIES if prop.ID in FAULT_CHECKS}
    return BadRelease(findings, 0, answer_for(context).lowest_healthy, Engine.SMT, _written(fb))


# How the invariant's phase tests read in a report.
_PHASE_WORDS = (("Not(phase == 0)", "not deploying"), ("Not(phase == 1)", "not rolling back"),
                ("phase == 0", "deploying"), ("phase == 1", "rolling back"), ("phase == 2", "FAILED"),
                ("phase != 2", "never FAILED"), ("phase != 1", "never rolling back"))


def _written(fb: FaultBounds) -> tuple[str, ...]:
    """The fault invariant's conjuncts as a report shows them, at this model's numbers."""
    z3.set_option(max_width=1_000_000, max_lines=1_000_000)   # one line per conjunct
    shown = FaultState(*(z3.Int(name) for name in FaultState._fields))
    lines = ["every count >= 0"]
    for conjunct in invariant(fb, shown).children():
        text = str(conjunct)
        if text.endswith(" >= 0") and text[:-5] in FaultState._fields:
            continue
        for phase, words in _PHASE_WORDS:
            text = text.replace(phase, words)
        lines.append(text)
    return tuple(lines)


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
