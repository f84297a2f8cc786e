"""What a command checks: model files, a model from flags, the paths and policy of infrastructure code.

The model loaders are imported when a command runs, not when the parser is built,
so that `rollproof --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.errors import UsageError
from verifier.model.records import Model
from verifier.model.sources import CommandLine

if TYPE_CHECKING:  # imported when a command runs (see above)
    from verifier.ci.policy import Policy
    from verifier.ingest import ServiceSpec


def flag_model(args: argparse.Namespace) -> Model:
    from verifier.model.loading import model_from_document
    from verifier.model.yamlsource import Document
    deployment: dict[str, Any] = {}
    if args.min_healthy_percent is not None:
        deployment["minimumHealthyPercent"] = args.min_healthy_percent
    if args.max_percent is not None:
        deployment["maximumPercent"] = args.max_percent
    if args.circuit_breaker is not None:
        deployment["deploymentCircuitBreaker"] = {"enable": True, "rollback": args.circuit_breaker == "rollback"}
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
    if args.circuit_breaker is not None:
        name += f"-breaker-{args.circuit_breaker}"
    return model_from_document(Document(data, "<command line>"), default_name=name, source=CommandLine())


def _or(value: int | None, default: int) -> int:
    return default if value is None else value


def models_of(args: argparse.Namespace) -> list[Model]:
    return [model for model, _ in models_and_specs(args)]


def models_and_specs(args: argparse.Namespace) -> list[tuple[Model, ServiceSpec | None]]:
    """Each model to check, with the service it was read from when it comes from infrastructure code."""
    from verifier.model.loading import load_model
    flags_given = any(getattr(args, name) is not None for name in (
        "desired", "desired_range", "min_healthy_percent", "max_percent", "capacity", "capacity_headroom",
        "health_check_seconds", "drain_seconds", "circuit_breaker"))
    flags_given = flags_given or args.stopping_counts_toward_max
    if args.models and flags_given:
        raise UsageError("give model files or model flags (--desired ...), not both")
    if args.models:
        return _file_models(args, load_model)
    if args.service is not None:
        raise UsageError("--service picks a service in infrastructure code: give the file or folder too")
    if args.desired is None and args.desired_range is None:
        raise UsageError("nothing to verify: give a model file, --desired D or --desired-range LOW..HIGH "
                         "(see 'rollproof verify --help')")
    if args.desired is not None and args.desired_range is not None:
        raise UsageError("give --desired or --desired-range, not both")
    return [(flag_model(args), None)]


def _file_models(args: argparse.Namespace,
                 load_model: Callable[[Path], Model]) -> list[tuple[Model, ServiceSpec | None]]:
    """Each model file as it is; infrastructure code (read as gate reads it) as the service --service names."""
    from verifier.ci.gate import services_in
    from verifier.reports.files import model_file_or_error

    def holds_services(path: Path) -> bool:
        # Read as gate reads it (a parent stack with its children, a template with its parameter
        # file), so a nested stack's parent counts; its reading error is the error to show.
        found = False
        for _, specs, error in services_in([path]):
            if error is not None:
                raise error
            found = found or bool(specs)
        return found

    models: list[tuple[Model, ServiceSpec | None]] = []
    infrastructure: list[Path] = []
    for path in args.models:
        if path.is_dir() and path.suffix not in (".yaml", ".yml"):  # `x.yaml/` is refused as a model file
            infrastructure.append(path)
        elif not path.is_file() or model_file_or_error(path)[0] or path.suffix not in INFRA_SUFFIXES \
                or not holds_services(path):
            models.append((load_model(path), None))  # not infrastructure code: the model file's own error, if any
        else:
            infrastructure.append(path)
    if infrastructure:
        models += infra_models(infrastructure, args.service, policy_of(args), args.solver_timeout * 1000)
    elif args.service is not None:
        raise UsageError("--service picks a service in infrastructure code, and only model files were given")
    return models


INFRA_SUFFIXES = (".yaml", ".yml", ".json", ".template", ".tf", ".sh", ".bash",
                  ".ts", ".js", ".py", ".java", ".cs", ".go")  # CDK source: its construct calls


def infra_models(paths: list[Path], service: str | None, policy: Policy,
                 timeout_ms: int) -> list[tuple[Model, ServiceSpec | None]]:
    """The model of the one analysable service under `paths` (or the one named `service`), as gate builds it."""
    from verifier.check.verify import Options
    from verifier.ci.gate import model_of, services_in
    from verifier.ci.gate_placement import each_count
    from verifier.ingest import ANALYSABLE
    found = []
    for _, specs, error in services_in(paths):
        if error is not None:
            raise error
        found += [spec for spec in specs or [] if service is None or service in spec.names]
    where = ", ".join(map(str, paths))
    if not found:
        raise UsageError(f"no ECS service named {service!r} in {where}" if service is not None else
                         f"no ECS service in {where} (CloudFormation, Terraform or ECS JSON); "
                         "to verify model files, name them (rollproof verify models/*.yaml)")
    if len(found) > 1:
        listed = "; ".join(f"{spec.name} ({spec.file}:{spec.line or 1})" for spec in found[:20])
        more = f" and {len(found) - 20} more" if len(found) > 20 else ""
        pick = "several services have that name" if service is not None else "give --service NAME to pick one"
        raise UsageError(f"{where} holds {len(found)} ECS services ({pick}): {listed}{more}")
    spec = found[0]
    if spec.status != ANALYSABLE:
        raise UsageError(f"{spec.name} ({spec.file}:{spec.line or 1}) is {spec.status}: {spec.reason}")
    model = model_of(spec, policy, Options(timeout_ms=timeout_ms))
    # Over the instances a template defines, a small range of counts is checked one count at a time.
    return [(one, spec) for one in each_count(spec, policy.for_service(spec.names, spec.cluster, spec.cluster_ref),
                                              model)]


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
