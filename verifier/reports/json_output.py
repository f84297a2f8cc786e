"""Every JSON output, in one vocabulary: the names docs/semantics.md#result-json fixes, snake_case, one schema id each.

The same thing has the same name in every output: `model` is a model or
service name, `file` the file it came from, `properties` a list of
{id, status, message, counterexample}, `makespan_seconds` a deployment's
time in ECS's own run. verifier/schemas/ holds a JSON Schema per output, and
CHANGELOG.md lists every rename between schema versions. Keys are added, never
renamed, within a version.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any, cast

from verifier.check.ranges import RangeFinding, RangeResult
from verifier.check.suggest import Fix, Suggestion
from verifier.check.verify import Result
from verifier.ci.answers import capacity_assumed, cause, counts_checked
from verifier.ci.diff import Change, Metrics
from verifier.ci.gate import GateReport, location_for, violated
from verifier.counterexample import Counterexample
from verifier.fault_semantics import DEPLOYING, FAILED, ROLLING_BACK, FaultState
from verifier.findings import Finding
from verifier.model.reproduce import reproduce_command
from verifier.reports.text import gate_verdict, setting_changes
from verifier.results import Verdict
from verifier.schedules.step_plan import StepPlan

RESULT_SCHEMA = "rollproof/result/v2"
RANGE_SCHEMA = "rollproof/range/v2"
SUGGESTION_SCHEMA = "rollproof/suggestion/v2"
GATE_SCHEMA = "rollproof/gate/v2"
DIFF_SCHEMA = "rollproof/diff/v2"

SCHEMA_FILES = {RESULT_SCHEMA: "result", RANGE_SCHEMA: "range", SUGGESTION_SCHEMA: "suggestion",
                GATE_SCHEMA: "gate", DIFF_SCHEMA: "diff"}


def json_schema(schema_id: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) shipped in the package for an output's `schema` id."""
    if schema_id not in SCHEMA_FILES:
        raise KeyError(f"no JSON Schema for {schema_id!r}; known: {', '.join(SCHEMA_FILES)}")
    schema: dict[str, Any] = json.loads(
        (files("verifier") / "schemas" / f"{SCHEMA_FILES[schema_id]}.schema.json").read_text())
    return schema


# Model-file setting names (which mirror the ECS API) -> their JSON names, shared with gate's.
SETTING_NAMES = {"minimumHealthyPercent": "min_healthy_percent", "maximumPercent": "max_percent",
                 "capacityTasks": "capacity", "capacityHeadroomTasks": "capacity_headroom"}


def counterexample_json(trace: Counterexample) -> dict[str, Any]:
    data: dict[str, Any] = {
        "states": [fault_state_json(state) for state in trace.fault_states] if trace.fault_states
        else [state._asdict() for state in trace.states],
        "actions": [str(action) for action in trace.actions],
    }
    if trace.instances:   # cluster.instances: each state's [old, stopping, pending, new] per instance
        for state, layout in zip(data["states"], trace.instances, strict=True):
            state["instances"] = [list(slot) for slot in layout]
    if trace.times is not None:
        data["times"] = list(trace.times)
    if trace.repeats:
        data["repeats"] = [{"first_step": r.first, "last_step": r.last, "periods": r.periods,
                            "delta": r.delta._asdict(), "seconds_per_period": r.seconds}
                           for r in trace.repeats]
    return data


def fault_state_json(state: FaultState) -> dict[str, Any]:
    """A state of a bad release's trace: the four counts of every state, then what a bad release adds."""
    return {**state._asdict(), "phase": PHASE_KEYS[state.phase], "launched": bool(state.launched),
            "monitored": bool(state.monitored)}


PHASE_KEYS = {DEPLOYING: "deploying", ROLLING_BACK: "rolling_back", FAILED: "failed"}


def property_json(finding: Finding | RangeFinding, command: str) -> dict[str, Any]:
    """One property: for a range, its counterexample is the first failing interval's example."""
    if isinstance(finding, RangeFinding):
        first = finding.failing[0] if finding.failing else None
        counterexample = None if first is None else {**counterexample_json(first.counterexample),
                                                     "desired": first.example}
    else:
        counterexample = None if finding.counterexample is None else counterexample_json(finding.counterexample)
    if counterexample is not None:
        counterexample["reproduce"] = command   # every counterexample carries the command that shows it again
    data: dict[str, Any] = {"id": str(finding.property_id), "status": finding.status.value, "message": finding.message,
            "counterexample": counterexample}
    if finding.details:
        data["details"] = list(finding.details)
    return data


def _plan_repeats(plan: StepPlan) -> dict[str, Any]:
    """Repeat markers of plans at scale, only where a trace has them (optional keys of result/v2)."""
    data = {}
    for key, repeats in (("trace_repeats", plan.trace_repeats),
                         ("sequential_trace_repeats", plan.sequential_trace_repeats)):
        if repeats:
            data[key] = [{"at": r.at, "steps": r.steps, "periods": r.periods, "delta": list(r.delta)}
                         for r in repeats]
    return data


def result_json(result: Result, timing: bool = True) -> dict[str, Any]:
    """The result as plain JSON data; `timing=False` leaves out the wall time for golden files."""
    bounds, plan, ecs, optimal = result.bounds, result.step_plan, result.ecs, result.optimal
    command = reproduce_command(result.model)
    data = {
        "schema": RESULT_SCHEMA,
        "model": result.model.name,
        "file": result.model.source.shown,
        "bounds": {"desired": bounds.desired, "min_healthy": bounds.min_healthy,
                   "max_tasks": bounds.max_tasks, "capacity": bounds.capacity},
        "verdict": result.verdict.value,
        "properties": [property_json(finding, command) for finding in result.findings],
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
            **_plan_repeats(plan),
        },
        "ecs": {
            "completes": ecs.completes,
            "makespan_seconds": ecs.makespan_seconds,
            "min_healthy_seen": ecs.min_healthy_seen,
            "max_counted_seen": ecs.max_counted_seen,
            "max_occupied_seen": ecs.max_occupied_seen,
            "trace": counterexample_json(ecs.trace),
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
        "reproduce": command,
    }
    if result.fault_run is not None:
        data["ecs"] = _fault_ecs_json(cast(dict[str, Any], data["ecs"]), result)
    if ecs.scale_outs:   # managed scaling: the instances ECS's run adds, when asked for and when usable
        cast(dict[str, Any], data["ecs"]).update(
            instances_added=len(ecs.scale_outs),
            scale_outs=[{"asked_seconds": asked, "usable_seconds": usable} for asked, usable in ecs.scale_outs])
    if result.abstraction:
        data["abstraction"] = result.abstraction
    if result.model.faults.any:
        data["faults"] = {"min_healthy_reachable": result.min_healthy_reachable}
    if not timing:
        del data["seconds"]
    return data


def _fault_ecs_json(ecs: dict[str, Any], result: Result) -> dict[str, Any]:
    """`ecs` for a model with faults, a breaker or alarms (docs/semantics.md#faults): a bad release's figures added.

    Where the release may fail or crash, ECS's run is the one with those
    faults: a rolled-back run does not complete, and its makespan is when the
    rollback ended; `seconds_below_desired` is null when the service never
    returns to desiredCount. A healthy release's run is unchanged.
    """
    run = result.fault_run
    assert run is not None
    data = dict(ecs)
    if result.model.faults.any:
        data.update({
            "completes": run.completes,
            "makespan_seconds": run.makespan_seconds,
            "min_healthy_seen": run.min_healthy_seen,
            "max_counted_seen": run.max_counted_seen,
            "max_occupied_seen": run.max_occupied_seen,
            "trace": {"states": [fault_state_json(state) for state in run.trace.states],
                      "actions": list(run.trace.actions), "times": list(run.trace.times)},
        })
    data.update({
        "outcome": run.outcome,
        "breaker_threshold": run.breaker_threshold,
        "tripped_at_seconds": run.tripped_at_seconds,
        "rolled_back_at_seconds": run.rolled_back_at_seconds,
        "seconds_below_desired": run.seconds_below_desired,
    })
    return data


def range_json(result: RangeResult, timing: bool = True) -> dict[str, Any]:
    """A desired-count range: the result keys (bounds per count are not one value, so null) and `range`."""
    model = result.model
    capacity = model.settings.capacity if model.capacity_headroom is None else None
    command = reproduce_command(model)
    data = {
        "schema": RANGE_SCHEMA,
        "model": model.name,
        "file": model.source.shown,
        "bounds": {"desired": None, "min_healthy": None, "max_tasks": None, "capacity": capacity},
        "verdict": result.verdict.value,
        "properties": [property_json(finding, command) for finding in result.findings],
        "range": {
            "desired": [result.low, result.high],
            "capacity_headroom": model.capacity_headroom,
            "properties": [{
                "id": f.property_id,
                "status": f.status.value,
                "failing_desired": f.failing_desired(),
                "unknown_desired": [list(span) for span in f.unknown],
                "examples": [{"desired": i.example, "counterexample": counterexample_json(i.counterexample),
                              "why": list(i.why)} for i in f.failing],
            } for f in result.findings],
        },
        "plan": None,
        "ecs": None,
        "optimal": None,
        "engine": result.engine,
        "invariants": list(result.invariants),
        "states": 0,
        "seconds": round(result.seconds, 4),
        "reproduce": command,
    }
    if not timing:
        del data["seconds"]
    return data


def suggestion_json(result: Suggestion) -> dict[str, Any]:
    model = result.model

    def changes(fix: Fix | None) -> dict[str, Any] | None:
        return None if fix is None else {SETTING_NAMES[key]: new
                                         for key, (_, new) in setting_changes(model, fix).items()}

    fix = result.fix
    return {
        "schema": SUGGESTION_SCHEMA,
        "model": model.name,
        "file": model.source.shown,
        "already_holds": result.already_holds,
        "changes": {"min_healthy_percent": fix.min_healthy_percent, "max_percent": fix.max_percent} if fix else None,
        "verified": result.already_holds or ((fix is not None or result.breaker_fix is not None)
                                             and result.verdict_after is Verdict.PROVED),
        "total_change": fix.total_change if fix else None,
        "makespan_seconds": fix.worst_deploy_seconds if fix else None,
        "alternative": changes(result.capacity_fix),
        "note": result.note,
        **_bad_release_fix(result),
        **({"placement_fixes": [{"kind": found.kind, "change": found.change, "cost": found.cost,
                                 "makespan_seconds": found.makespan_seconds, "verified": True}
                                for found in result.placement_fixes]} if result.placement_fixes else {}),
    }


def _bad_release_fix(result: Suggestion) -> dict[str, Any]:
    """`bad_release_fix` for a model under a bad release: what to change, the minimum, the breaker to set."""
    found = result.breaker_fix
    if found is None:
        return {}
    breaker = found.breaker
    return {"bad_release_fix": {
        "changes": list(found.changes),
        "min_healthy_percent": found.min_healthy_percent,
        "circuit_breaker": None if breaker is None else {
            "enable": True, "rollback": breaker.rollback,
            "thresholdConfiguration": {"type": breaker.threshold_type, "value": breaker.threshold_value},
            "resetOnHealthyTask": breaker.reset_on_healthy_task},
        "verified": result.verdict_after is Verdict.PROVED,
    }}


def gate_json(report: GateReport, exit_code: int | None = None) -> dict[str, Any]:
    """`exit_code` is what the process exits with; by default the report's own (no --base comparison)."""
    services = []
    for row in report.rows:
        spec = row.spec
        properties = []
        extra: dict[str, Any] = {}
        if row.result is not None:
            command = reproduce_command(row.result.model)
            for finding in row.result.findings:
                entry = {**property_json(finding, command), "line": location_for(spec, finding.property_id)[0]}
                if finding in violated(row):
                    entry["cause"] = cause(row.result.model, finding)
                properties.append(entry)
            extra = {"checked": counts_checked(spec, row.result.model),
                     "capacity": capacity_assumed(spec, row.result.model)}
        if row.advice is not None:
            extra["fixes"] = [{"holds_for": r.holds_for, "leaves": r.leaves or None,
                               "edits": [{"file": e.file, "line": e.line, "text": e.text,
                                          "replacement": None if e.replacement is None else dict(
                                              zip(("start_column", "end_column", "text"), e.replacement,
                                                  strict=True))} for e in r.edits]}
                              for r in row.advice.remedies]
            extra["fix_note"] = row.advice.note or None
        services.append({
            "model": spec.name, "file": spec.file, "line": spec.line, "kind": spec.kind,
            "verdict": gate_verdict(row), "reason": spec.reason or None,
            "desired": spec.desired.value, "desired_range": list(spec.desired_range or []) or None,
            "min_healthy_percent": spec.min_healthy_percent.value, "max_percent": spec.max_percent.value,
            "properties": properties,
            "waived": [{"id": pid, "reason": w.reason, "expires": w.expires.isoformat()} for pid, w in row.waived],
            "notes": list(row.notes),
            **extra,
        })
    return {
        "schema": GATE_SCHEMA,
        "services": services,
        "unrecognised_files": list(report.unrecognised),
        "skipped_files": [{"file": skip.file, "reason": skip.reason} for skip in report.skipped],
        "errors": list(report.errors),
        "exit_code": report.exit_code if exit_code is None else int(exit_code),
    }


def diff_json(changes: list[Change]) -> dict[str, Any]:
    def figures(m: Metrics | None) -> dict[str, Any] | None:
        return None if m is None else {"lowest_healthy": m.lowest_healthy, "peak_tasks": m.peak_tasks,
                                       "makespan_seconds": m.deploy_seconds,
                                       "stuck_desired": [list(s) for s in m.stuck]}
    return {"schema": DIFF_SCHEMA,
            "services": [{"model": c.name, "file": c.file, "verdict": c.verdict, "old": figures(c.old),
                          "new": figures(c.new), "details": list(c.details)} for c in changes]}
