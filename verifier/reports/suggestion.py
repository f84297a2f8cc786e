"""Print a suggestion as the lines to edit (text) or as rollproof/suggestion/v1 (JSON)."""

from __future__ import annotations

from verifier.format import duration
from verifier.model.records import Model
from verifier.check.suggest import Fix, Suggestion

SCHEMA = "rollproof/suggestion/v1"

_PATHS = {
    "minimumHealthyPercent": ("service", "deploymentConfiguration", "minimumHealthyPercent"),
    "maximumPercent": ("service", "deploymentConfiguration", "maximumPercent"),
    "capacityTasks": ("cluster", "capacityTasks"),
    "capacityHeadroomTasks": ("cluster", "capacityHeadroomTasks"),
}
_FLAGS = {"minimumHealthyPercent": "--min-healthy-percent", "maximumPercent": "--max-percent",
          "capacityTasks": "--capacity", "capacityHeadroomTasks": "--capacity-headroom"}


def _changes(model: Model, fix: Fix) -> dict[str, tuple[int | None, int]]:
    settings = model.settings
    pairs = {
        "minimumHealthyPercent": (settings.min_healthy_percent, fix.min_healthy_percent),
        "maximumPercent": (settings.max_percent, fix.max_percent),
        "capacityTasks": (None if model.capacity_headroom is not None else settings.capacity, fix.capacity),
        "capacityHeadroomTasks": (model.capacity_headroom, fix.capacity_headroom),
    }
    return {key: (old, new) for key, (old, new) in pairs.items() if new is not None and old != new}


def _edit_lines(model: Model, fix: Fix) -> list[str]:
    lines = []
    for key, (old, new) in _changes(model, fix).items():
        path = _PATHS[key]
        if model.source.shown:
            line = model.lines.get(path)
            if line is not None:
                lines.append(f"    {model.source}:{line}   {key}: {old} -> {new}")
            else:
                parent = model.line_of(*path[:-1])
                where = f"{model.source}:{parent}" if parent else model.source.shown
                lines.append(f"    {where}   add {'.'.join(path[:-1])}.{key}: {new}")
        else:
            lines.append(f"    {_FLAGS[key]} {new}   (was {old})")
    return lines


def render_suggestion(result: Suggestion) -> str:
    model = result.model
    lines = [model.name + (f"  ({model.source.shown})" if model.source.shown else "")]
    if result.already_holds:
        lines.append("  every property already holds: nothing to change")
        return "\n".join(lines)
    if result.fix is not None:
        lines.append(f"  smallest change to the percentages ({result.fix.total_change} percentage points, "
                     "verified: every property holds):")
        lines += _edit_lines(model, result.fix)
        lines.append(f"    worst-case ECS deployment: {duration(result.fix.worst_deploy_seconds)}"
                     if result.fix.worst_deploy_seconds is not None else
                     "    worst-case ECS deployment: not compared (too many desired counts)")
    else:
        lines.append(f"  no change to the percentages: {result.note}")
    if result.capacity_fix is not None:
        lines.append("  alternative, capacity only (verified):")
        lines += _edit_lines(model, result.capacity_fix)
        if result.capacity_fix.worst_deploy_seconds is not None:
            lines.append(f"    worst-case ECS deployment: {duration(result.capacity_fix.worst_deploy_seconds)}")
    return "\n".join(lines)


def suggestion_json(result: Suggestion) -> dict:
    model = result.model

    def changes(fix: Fix | None) -> dict | None:
        return None if fix is None else {key: new for key, (_, new) in _changes(model, fix).items()}

    fix = result.fix
    return {
        "schema": SCHEMA,
        "model": model.name,
        "source": str(model.source),
        "already_holds": result.already_holds,
        "changes": ({"minimumHealthyPercent": fix.min_healthy_percent, "maximumPercent": fix.max_percent}
                    if fix else None),
        "verified": result.already_holds or (fix is not None and result.verdict_after is not None
                                             and result.verdict_after.value == "proved"),
        "total_change": fix.total_change if fix else None,
        "worst_deploy_seconds": fix.worst_deploy_seconds if fix else None,
        "alternative": changes(result.capacity_fix),
        "note": result.note,
    }
