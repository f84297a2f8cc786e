"""What a command checks: model files, a model from flags, the paths and policy of infrastructure code.

The model loaders are imported when a command runs, not when the parser is built,
so that `rollproof --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.errors import UsageError
from verifier.model.records import Model
from verifier.model.sources import CommandLine

if TYPE_CHECKING:  # imported when a command runs (see above)
    from verifier.ci.policy import Policy


def flag_model(args: argparse.Namespace) -> Model:
    from verifier.model.loading import model_from_document
    from verifier.model.yamlsource import Document
    deployment: dict[str, Any] = {}
    if args.min_healthy_percent is not None:
        deployment["minimumHealthyPercent"] = args.min_healthy_percent
    if args.max_percent is not None:
        deployment["maximumPercent"] = args.max_percent
    service: dict[str, Any] = {"deploymentConfiguration": deployment}
    if args.desired_range is not None:
        service["desiredRange"] = list(args.desired_range)
    else:
        service["desiredCount"] = args.desired
    data: dict[str, Any] = {"service": service}
    if args.capacity is not None and args.capacity_headroom is not None:
        raise UsageError("give --capacity or --capacity-headroom, not both")
    if args.capacity is not None:
        data["cluster"] = {"capacityTasks": args.capacity}
    if args.capacity_headroom is not None:
        data["cluster"] = {"capacityHeadroomTasks": args.capacity_headroom}
    timing: dict[str, Any] = {}
    if args.health_check_seconds is not None:
        timing["healthCheckSeconds"] = args.health_check_seconds
    if args.drain_seconds is not None:
        timing["drainSeconds"] = args.drain_seconds
    if args.stopping_counts_toward_max:
        timing["stoppingCountsTowardMax"] = True
    if timing:
        data["timing"] = timing
    desired = "{}-{}".format(*args.desired_range) if args.desired_range else args.desired
    name = f"desired{desired}-min{_or(args.min_healthy_percent, 100)}-max{_or(args.max_percent, 200)}"
    if args.capacity is not None:
        name += f"-cap{args.capacity}"
    if args.capacity_headroom is not None:
        name += f"-headroom{args.capacity_headroom}"
    return model_from_document(Document(data, "<command line>"), default_name=name, source=CommandLine())


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def models_of(args: argparse.Namespace) -> list[Model]:
    from verifier.model.loading import load_model
    flags_given = any(getattr(args, name) is not None for name in (
        "desired", "desired_range", "min_healthy_percent", "max_percent", "capacity", "capacity_headroom",
        "health_check_seconds", "drain_seconds"))
    flags_given = flags_given or args.stopping_counts_toward_max
    if args.models and flags_given:
        raise UsageError("give model files or model flags (--desired ...), not both")
    if args.models:
        return [load_model(path) for path in args.models]
    if args.desired is None and args.desired_range is None:
        raise UsageError("nothing to verify: give a model file, --desired D or --desired-range LOW..HIGH "
                         "(see 'rollproof verify --help')")
    if args.desired is not None and args.desired_range is not None:
        raise UsageError("give --desired or --desired-range, not both")
    return [flag_model(args)]


def policy_of(args: argparse.Namespace) -> Policy:
    """The policy file given, else the rollproof.yaml `find_policy` finds (at the repository root), else none."""
    from verifier.ci.policy import Policy, find_policy, load_policy
    paths = getattr(args, "paths", None) or [getattr(args, "new", Path())]
    found = args.policy or find_policy(Path.cwd(), paths)
    if found is not None and not args.policy:  # named as the user would write it: ../rollproof.yaml
        found = Path(os.path.relpath(found))
    return load_policy(found) if found else Policy()


def existing(paths: list[Path]) -> list[Path]:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise UsageError(f"no such file or folder: {', '.join(missing)}")
    return paths
