"""`rollproof diff OLD NEW` and `rollproof gate --base REF`: what a change does to each service.

A service is matched by its file (its path relative to the folder compared, so
that `prod.yaml` and `staging.yaml` stay apart) and its logical id or service
name. Per service, four figures, each over every reachable state and every
desired count the service may have:

    lowest healthy   min over counts of min(D, L)           higher is safer
    peak tasks       max over counts of max(D, min(U, 2D, C)) lower is safer
    deploy time      ECS's own run, worst over counts          lower is safer
    stuck counts     desired counts where the deployment can get stuck (fewer is safer)

A change of the stuck counts decides the verdict first: one that makes some count
stuck (and frees none) is `less safe`, one that frees some (and makes none stuck)
is `safer`, whatever the other figures do. Otherwise the verdict is `safer` (some
better, none worse), `less safe` (some worse, none better), `mixed`, or
`unchanged`; services only on one side are `added` or `removed`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from verifier.check.ranges import RangeFinding, describe_counts, intervals, sampled_counts
from verifier.check.verify import Options, check_model
from verifier.ci.gate import model_of, services_in
from verifier.ci.policy import Policy
from verifier.ci.policy_sources import SourceMaps
from verifier.ingest import ANALYSABLE, ServiceSpec
from verifier.ingest.discovery import Exclude
from verifier.results import DiffVerdict, PropertyId, Status
from verifier.schedules.ecs_controller import worst_makespan
from verifier.semantics import bounds_of
from verifier.smt.closed_forms import highest_counted, lowest_healthy

SIMULATION_WORK = 2_000_000


@dataclass(frozen=True, slots=True)
class Metrics:
    lowest_healthy: int
    peak_tasks: int
    deploy_seconds: int | None      # None: ECS never finishes for some count (or too many to simulate)
    stuck: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Change:
    name: str
    old: Metrics | None
    new: Metrics | None
    verdict: DiffVerdict
    details: tuple[str, ...]
    file: str = ""     # the service's file, relative to the folder compared (its name when a file is compared)


def metrics(spec: ServiceSpec, policy: Policy, options: Options) -> Metrics | None:
    if spec.status != ANALYSABLE:
        return None
    model = model_of(spec, policy)
    counts = (sampled_counts(model, *model.desired_range) if model.desired_range  # extremes only, not all
              else [model.settings.desired])
    every = [bounds_of(model.at(desired).settings) for desired in counts]
    lowest = min(lowest_healthy(bounds) for bounds in every)
    peak = max(highest_counted(bounds) for bounds in every)
    slowest = worst_makespan(model, SIMULATION_WORK, options.timeout_ms)
    result = check_model(model, options)
    progress = next(f for f in result.findings if f.property_id == PropertyId.PROGRESS)
    stuck: tuple[tuple[int, int], ...]
    if isinstance(progress, RangeFinding):  # the model has a desiredRange
        stuck = tuple((low, high) for low, high in progress.failing_desired())
    elif progress.status is Status.VIOLATED:
        stuck = ((model.settings.desired, model.settings.desired),)
    else:
        stuck = ()
    return Metrics(lowest, peak, slowest, stuck)


def _stuck_set(metrics: Metrics) -> set[int]:
    return {d for a, b in metrics.stuck for d in range(a, b + 1)}


def classify(old: Metrics, new: Metrics) -> tuple[DiffVerdict, tuple[str, ...]]:
    """The verdict of one change, by two rules in order (docs/semantics.md#diff-verdicts).

    1. Finishing decides first. A desired count at which the deployment can get stuck is worse
       than any figure of one that finishes: a change that makes some count stuck and frees none
       is `less safe`, one that frees some and makes none stuck is `safer`, whatever the lowest
       healthy count, the peak or the deploy time do (a stuck deployment starts fewer tasks, so
       its peak goes down; a fix lets one more task start, so its peak goes up). One that does
       both, at different counts, is `mixed`.
    2. When the stuck counts do not change, the figures decide: some better and none worse is
       `safer`, some worse and none better `less safe`, both `mixed`, neither `unchanged`.
    """
    better: list[str] = []
    worse: list[str] = []
    details: list[str] = []

    def judge(name: str, before: int | None, after: int | None, higher_is_better: bool,
              show: Callable[[int | None], str] = str) -> None:
        if before == after:
            return
        details.append(f"{name}: {show(before)} -> {show(after)}")
        # None deploy time: never finishes
        improved = before is None if before is None or after is None else (after > before) == higher_is_better
        (better if improved else worse).append(name)

    judge("lowest healthy", old.lowest_healthy, new.lowest_healthy, True)
    judge("peak tasks", old.peak_tasks, new.peak_tasks, False)
    judge("deploy time", old.deploy_seconds, new.deploy_seconds, False,
          lambda s: "never finishes" if s is None else f"{s} s")
    before, after = _stuck_set(old), _stuck_set(new)
    if before != after:
        details.append(f"stuck desired counts: {describe_counts(intervals(sorted(before))) or 'none'} -> "
                       f"{describe_counts(intervals(sorted(after))) or 'none'}")
        now_stuck, now_finish = after - before, before - after
        if now_stuck and now_finish:
            return DiffVerdict.MIXED, tuple(details)
        if now_stuck:
            if better:
                details.append("the deployment stops finishing, which outweighs " + " and ".join(better))
            return DiffVerdict.LESS_SAFE, tuple(details)
        if worse:
            details.append("the deployment now finishes, which outweighs " + " and ".join(worse))
        return DiffVerdict.SAFER, tuple(details)
    if better and worse:
        return DiffVerdict.MIXED, tuple(details)
    if worse:
        return DiffVerdict.LESS_SAFE, tuple(details)
    if better:
        return DiffVerdict.SAFER, tuple(details)
    return DiffVerdict.UNCHANGED, tuple(details)


# A service's identity on one side: which root it came from, its file under that root, its name,
# and its cluster and ordinal for the rare file (describe-services output) that repeats a name.
ServiceKey = tuple[int, str, str, str, int]


def _relative(file: str, root: Path) -> str:
    """`file` relative to the folder `root` (a file compared as a whole is ""), with / separators."""
    if not root.is_dir():
        return ""
    try:
        return Path(file).relative_to(root).as_posix()
    except ValueError:  # a reader that names a file outside the folder: keep its whole path
        return Path(file).as_posix()


def read_all(roots: list[Path], exclude: Sequence[Exclude] = (),
             sources: SourceMaps | None = None) -> dict[ServiceKey, ServiceSpec]:
    """Every service under `roots`, keyed by root, file and name: the same name in two files is two services.

    A root that does not exist (a path added since a base revision) holds no service.
    """
    specs: dict[ServiceKey, ServiceSpec] = {}
    for index, root in enumerate(roots):
        if not root.exists():
            continue
        for _, found, error in services_in([root], exclude, skipped=[], sources=sources):
            if error is not None:
                raise error
            for spec in found or []:
                key = (index, _relative(spec.file, root), spec.name, spec.cluster or "", 0)
                while key in specs:
                    key = key[:4] + (key[4] + 1,)
                specs[key] = spec
    return specs


def _shown(key: ServiceKey, roots: list[Path]) -> str:
    """The file a change names: relative to the folder compared, under its root when there are several."""
    index, relative, *_ = key
    root = roots[index] if index < len(roots) else Path()
    if not relative:
        return root.name or root.as_posix()
    return relative if len(roots) == 1 else (root / relative).as_posix()


def _name(key: ServiceKey) -> str:
    _, _, name, cluster, ordinal = key
    if cluster:
        name += f" (cluster {cluster})"
    return name + (f" #{ordinal + 1}" if ordinal else "")


def compare(old_paths: list[Path], new_paths: list[Path], policy: Policy = Policy(),
            options: Options = Options()) -> list[Change]:
    """The changes from `old_paths` to `new_paths`, matched root by root (the i-th old with the i-th new)."""
    old, new = read_all(old_paths, policy.exclude, policy.sources), read_all(new_paths, policy.exclude, policy.sources)
    changes = []
    for key in sorted(set(old) | set(new), key=lambda k: (_shown(k, new_paths), *k[2:])):
        name = _name(key)
        file = _shown(key, new_paths)  # as the new side names it: base copies live in a temporary folder
        if key not in new:
            changes.append(Change(name, metrics(old[key], policy, options), None, DiffVerdict.REMOVED, (), file))
            continue
        if key not in old:
            changes.append(Change(name, None, metrics(new[key], policy, options), DiffVerdict.ADDED, (), file))
            continue
        before, after = metrics(old[key], policy, options), metrics(new[key], policy, options)
        if before is None or after is None:
            reason = (new[key] if after is None else old[key]).reason
            changes.append(Change(name, before, after, DiffVerdict.NOT_ANALYSED, (reason,), file))
            continue
        verdict, details = classify(before, after)
        changes.append(Change(name, before, after, verdict, details, file))
    return changes
