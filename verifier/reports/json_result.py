"""The JSON result contract (SPEC section 8, schema rollproof/result/v1).

The keys SPEC section 8 names are stable; the extra keys here (traces, steps,
schedules, reproduce) may grow but are never renamed.
"""

from __future__ import annotations

from verifier.model.reproduce import reproduce_command
from verifier.check.verify import SCHEMA, Result


def result_json(result: Result, timing: bool = True) -> dict:
    """The result as plain JSON data; `timing=False` leaves out the wall time for golden files."""
    bounds, plan, ecs, optimal = result.bounds, result.step_plan, result.ecs, result.optimal
    data = {
        "schema": SCHEMA,
        "model": result.model.name,
        "source": str(result.model.source),
        "bounds": {"desired": bounds.desired, "min_healthy": bounds.min_healthy,
                   "max_tasks": bounds.max_tasks, "capacity": bounds.capacity},
        "verdict": result.verdict.value,
        "properties": [_with_reproduce(finding.to_json(), result) for finding in result.findings],
        "plan": {
            "min_steps": plan.min_steps,
            "sequential_seconds": plan.sequential_seconds,
            "trace": [list(pair) for pair in plan.trace],
            "steps": [str(step) for step in plan.steps],
            "sequential_trace": [list(pair) for pair in plan.sequential_trace],
            "sequential_steps": [str(step) for step in plan.sequential_steps],
            "complete": plan.complete,
            "skipped": plan.skipped,
            "certificate": plan.certificate or None,
            "upper_steps": plan.upper_steps,
            "upper_seconds": plan.upper_seconds,
        },
        "ecs": {
            "completes": ecs.completes,
            "makespan_seconds": ecs.makespan_seconds,
            "min_healthy_seen": ecs.min_healthy_seen,
            "max_counted_seen": ecs.max_counted_seen,
            "max_occupied_seen": ecs.max_occupied_seen,
            "trace": ecs.trace.to_json(),
        },
        "optimal": {
            "makespan_seconds": optimal.makespan_seconds,
            "schedule": [{"second": d.second, "actions": [str(a) for a in d.actions]} for d in optimal.schedule],
            "tick_seconds": optimal.tick_seconds,
            "complete": optimal.complete,
            "skipped": optimal.skipped,
        },
        "engine": result.engine,
        "invariants": list(result.invariants),
        "states": result.states,
        "seconds": round(result.seconds, 4),
        "reproduce": reproduce_command(result.model),
    }
    if not timing:
        del data["seconds"]
    return data


def _with_reproduce(finding: dict, result: Result) -> dict:
    """Every counterexample carries the command line that shows it again."""
    if finding["counterexample"] is not None:
        finding["counterexample"]["reproduce"] = reproduce_command(result.model)
    return finding
