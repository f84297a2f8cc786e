"""Reports for a desired-count range: text for people, JSON in the result/v1 schema with a `range` key."""

from __future__ import annotations

from verifier.check.ranges import RangeResult
from verifier.reports.text import MARKS, trace_table
from verifier.model.reproduce import reproduce_command
from verifier.check.verify import SCHEMA

MAX_EXAMPLES = 3  # counterexamples printed per property in text (JSON has one per interval)


def render_range(result: RangeResult, timing: bool = True) -> str:
    model, settings = result.model, result.model.settings
    lines = [model.name + (f"  ({model.source.shown})" if model.source.shown else "")]
    if model.description:
        lines.append(f"  {model.description}")
    if model.capacity_headroom is not None:
        capacity = f"desiredCount + {model.capacity_headroom} task slots"
    else:
        capacity = "unlimited" if settings.capacity is None else f"{settings.capacity} task slots"
    lines += [f"  desiredCount {result.low}..{result.high}: minimumHealthyPercent {settings.min_healthy_percent}, "
              f"maximumPercent {settings.max_percent}, capacity {capacity}", ""]
    width = max(len(f.property_id) for f in result.findings)
    for finding in result.findings:
        lines.append(f"  {MARKS[finding.status]} {finding.property_id:<{width}}  {finding.message}")
        lines += [f"      {detail}" for detail in finding.details]
        for interval in finding.failing[:MAX_EXAMPLES]:
            lines.append(f"      e.g. desiredCount {interval.example}:")
            lines += [f"        {why}" for why in interval.why]
            lines += trace_table(interval.counterexample, indent="        ")
        if len(finding.failing) > MAX_EXAMPLES:
            lines.append(f"      ... {len(finding.failing) - MAX_EXAMPLES} more intervals (--format json has them all)")
    lines += ["", "  inductive invariant (checked by Z3 for every desired count in the range)"]
    lines += [f"    {text}" for text in result.invariants]
    spent = f"{result.seconds:.2f} s, " if timing else ""
    lines += ["", f"  verdict: {result.verdict.value.upper()}   ({spent}{result.engine} engine)",
              f"  reproduce: {reproduce_command(model)}"]
    return "\n".join(lines)


def range_json(result: RangeResult, timing: bool = True) -> dict:
    model = result.model
    capacity = model.settings.capacity if model.capacity_headroom is None else None
    command = reproduce_command(model)
    properties = []
    for finding in result.findings:
        first = finding.failing[0].counterexample.to_json() if finding.failing else None
        if first is not None:
            first["desired"] = finding.failing[0].example
            first["reproduce"] = command
        properties.append({"id": finding.property_id, "status": finding.status.value,
                           "message": finding.message, "counterexample": first})
    data = {
        "schema": SCHEMA,
        "model": model.name,
        "source": str(model.source),
        "bounds": {"desired": None, "min_healthy": None, "max_tasks": None, "capacity": capacity},
        "verdict": result.verdict.value,
        "properties": properties,
        "range": {
            "desired": [result.low, result.high],
            "capacity_headroom": model.capacity_headroom,
            "properties": {
                f.property_id: {
                    "status": f.status.value,
                    "failing_desired": f.failing_desired(),
                    "unknown_desired": [list(span) for span in f.unknown],
                    "examples": [{"desired": i.example, "counterexample": i.counterexample.to_json(),
                                  "why": list(i.why)} for i in f.failing],
                } for f in result.findings
            },
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
