"""The gate's policy file (`rollproof.yaml` at the repository root, or `--policy`): what templates do not say.

    defaults:                          # every service
      capacityTasks: 20                # or capacityHeadroomTasks: 2
      requirements: {minHealthy: "50%", maxTasks: 40, maxDeployMinutes: 30}
    clusters:                          # by the service's Cluster value (literal or a parameter default)
      prod: {capacityHeadroomTasks: 4}
      staging:                         # or its instances: EC2 services take their task's size from the template
        instances: [{count: 2, type: t3.small}]
    services:                          # by logical id / service name, or a glob (fnmatch) on either
      - match: "Web*"
        desiredRange: [2, 40]
        requirements: {minHealthy: 3}
        faults:                        # also check the service under a bad release (the model file's keys)
          newRevision: failsHealthChecks
          requirements: {minHealthy: "75%"}   # what must hold during it (else the section's requirements)
    waivers:                           # a violation that is known and accepted, until it expires
      - match: reports
        property: progress             # optional: every property when absent
        reason: moving to Fargate next sprint
        expires: 2026-12-31
    exclude:                           # paths to leave out (.gitignore syntax, from this folder)
      - examples/
    modules:                           # module sources not on disk -> local folders (policy_sources)
      terraform-aws-modules/ecs/aws//modules/service: vendor/ecs-service
    templateUrls:                      # nested stacks' TemplateURL -> local templates
      https://s3.amazonaws.com/acme/web.yaml: stacks/web.yaml

Without --policy, the file is looked for in the current folder and the folders above it up
to the repository root (`find_policy`). A `clusters` entry matches the cluster's resolved name
or the logical id its `!Ref` names (in Terraform, the address `cluster` refers to:
`aws_ecs_cluster.main`, `data.aws_ecs_cluster.shared`, `module.ecs_cluster`). Later sections
win over earlier ones: defaults, then the cluster, then every matching services entry in
order. Unknown keys are errors with file and line; an entry that matches no service (or, in
`modules` / `templateUrls`, maps nothing) is a warning (`Policy.unmatched`).
"""

from __future__ import annotations

import datetime
import fnmatch
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from verifier.ci.policy_sources import SOURCE_KEYS, SourceMaps, load_sources
from verifier.ingest.discovery import Exclude, git_top
from verifier.model.faults import Faults
from verifier.model.faults_loading import FAULT_KEYS, faults_of
from verifier.model.fields import count, mapping, range_of, task_count, text
from verifier.model.placement import InstanceGroup
from verifier.model.placement_loading import instance_group
from verifier.model.records import Requirements, TaskCount
from verifier.model.textfile import POLICY_FILE
from verifier.model.yamlsource import DocPath, Document, read_yaml
from verifier.results import PROPERTY_IDS

SETTING_KEYS = {"capacityTasks", "capacityHeadroomTasks", "instances", "desiredRange", "requirements", "faults"}
POLICY_NAME = "rollproof.yaml"
REQUIREMENT_KEYS = {"minHealthy", "maxTasks", "maxDeployMinutes", "maxSteps", "maxRollbackMinutes"}


class RequirementValues(TypedDict, total=False):
    """The `Requirements` fields a policy section sets; the ones it leaves out keep the earlier section's."""

    min_healthy: TaskCount
    max_tasks: TaskCount
    max_deploy_seconds: int
    max_steps: int
    max_rollback_seconds: int


@dataclass(frozen=True, slots=True)
class FaultCheck:
    """A policy's `faults:`: the bad release each service is also checked under, and what must hold then.

    `requirements` are the ones written inside `faults:`; the section's own requirements fill in the rest.
    """

    faults: Faults
    requirements: RequirementValues = field(default_factory=RequirementValues)


@dataclass(frozen=True, slots=True)
class Overrides:
    capacity: int | None = None
    capacity_headroom: int | None = None
    desired_range: tuple[int, int] | None = None
    requirements: RequirementValues = field(default_factory=RequirementValues)
    faults: FaultCheck | None = None   # a later section's faults: replaces an earlier one whole
    # The cluster's instances where the templates do not define them (EC2 services take their task's size
    # from the template); a later section's capacity of any kind replaces an earlier one.
    instances: tuple[InstanceGroup, ...] | None = None

    def then(self, later: Overrides) -> Overrides:
        capacity, headroom, instances = self.capacity, self.capacity_headroom, self.instances
        if later.capacity is not None or later.capacity_headroom is not None or later.instances is not None:
            capacity, headroom, instances = later.capacity, later.capacity_headroom, later.instances
        merged: RequirementValues = {**self.requirements, **later.requirements}
        return Overrides(capacity, headroom, later.desired_range or self.desired_range, merged,
                         later.faults or self.faults, instances)


@dataclass(frozen=True, slots=True)
class Waiver:
    match: str
    property_id: str | None
    reason: str
    expires: datetime.date
    line: int | None = None

    def covers(self, names: tuple[str, ...], property_id: str) -> bool:
        return any(fnmatch.fnmatchcase(name, self.match) for name in names) and \
            self.property_id in (None, property_id)


@dataclass(frozen=True, slots=True)
class Policy:
    source: str | None = None
    defaults: Overrides = Overrides()
    clusters: dict[str, Overrides] = field(default_factory=dict)
    services: tuple[tuple[str, Overrides], ...] = ()    # (pattern, Overrides), in file order
    waivers: tuple[Waiver, ...] = ()
    exclude: tuple[Exclude, ...] = ()                   # paths the gate leaves out (.gitignore syntax)
    sources: SourceMaps = field(default_factory=SourceMaps)  # module sources and TemplateURLs -> local copies

    entry_lines: dict[str, int | None] = field(default_factory=dict)  # "services[0]", "clusters.prod": its line

    def for_service(self, names: tuple[str, ...], cluster: str | None, cluster_ref: str | None = None) -> Overrides:
        """The settings for one service; its cluster is matched by the name it resolves to, else by the
        logical id that `Cluster: !Ref X` points at."""
        result = self.defaults
        key = self.cluster_key(cluster, cluster_ref)
        if key is not None:
            result = result.then(self.clusters[key])
        for pattern, overrides in self.services:
            if any(fnmatch.fnmatchcase(name, pattern) for name in names):
                result = result.then(overrides)
        return result

    def requirements_for(self, overrides: Overrides) -> Requirements:
        return Requirements(**overrides.requirements)

    def fault_requirements_for(self, overrides: Overrides) -> Requirements:
        """What must hold under the policy's bad release: its own requirements over the section's."""
        merged: RequirementValues = {**overrides.requirements,
                                     **(overrides.faults.requirements if overrides.faults else RequirementValues())}
        return Requirements(**merged)

    def cluster_key(self, cluster: str | None, cluster_ref: str | None) -> str | None:
        for key in (cluster, cluster_ref):
            if key is not None and key in self.clusters:
                return key
        return None

    def unmatched(self, services: Iterable[tuple[tuple[str, ...], str | None, str | None]]) -> list[str]:
        """A warning for each clusters, services or waivers entry that matches none of `services`
        ((names, cluster, cluster_ref) each): a typo there would otherwise change nothing, silently."""
        every = list(services)
        names = [name for service_names, _, _ in every for name in service_names]
        clusters = {self.cluster_key(cluster, ref) for _, cluster, ref in every}
        where = self.source or "policy"
        warnings = []
        for key in self.clusters:
            if key not in clusters:
                warnings.append(f"{where}:{self.entry_lines.get(f'clusters.{key}') or 1}: warning: clusters entry "
                                f"{key!r} matches no service's cluster (its name, or the logical id its !Ref names)")
        for index, (pattern, _) in enumerate(self.services):
            if not any(fnmatch.fnmatchcase(name, pattern) for name in names):
                warnings.append(f"{where}:{self.entry_lines.get(f'services[{index}]') or 1}: warning: services "
                                f"entry {pattern!r} matches no service")
        for waiver in self.waivers:
            if not any(fnmatch.fnmatchcase(name, waiver.match) for name in names):
                warnings.append(f"{where}:{waiver.line or 1}: warning: waiver {waiver.match!r} matches no service")
        return warnings + self.sources.unused(where)


def find_policy(here: Path, paths: Iterable[Path] = ()) -> Path | None:
    """The rollproof.yaml that applies when none is given.

    The one in `here` (the current folder) or in a folder above it up to the repository root
    (the git top level), so a gate run from `infra/` keeps the root's policy; else the one at
    the root of the repository that holds the paths checked, when the gate runs from elsewhere.
    """
    folder = here.absolute()
    top = git_top(folder) or folder
    while True:
        if (folder / POLICY_NAME).is_file():
            return folder / POLICY_NAME
        if folder == top or folder.parent == folder:
            break
        folder = folder.parent
    for path in paths:
        root = git_top(path.absolute() if path.is_dir() else path.absolute().parent)
        if root is not None and (root / POLICY_NAME).is_file():
            return root / POLICY_NAME
    return None


def load_policy(path: Path) -> Policy:
    doc = read_yaml(path, kind=POLICY_FILE)
    top = mapping(doc, (), {"defaults", "clusters", "services", "waivers", "exclude"} | SOURCE_KEYS)
    defaults = _overrides(doc, ("defaults",)) if "defaults" in top else Overrides()
    clusters: dict[str, Overrides] = {}
    if "clusters" in top:
        named = top["clusters"]
        if named is not None and not isinstance(named, dict):
            raise doc.error(("clusters",), f"clusters must be a mapping of cluster names to settings, not {named!r}")
        for name in mapping(doc, ("clusters",), set(named or {}), optional=True):
            clusters[str(name)] = _overrides(doc, ("clusters", name))
    services: list[tuple[str, Overrides]] = []
    for index, _ in enumerate(_list(doc, ("services",), top.get("services"))):
        where = ("services", index)
        section = mapping(doc, where, SETTING_KEYS | {"match"})
        if "match" not in section:
            raise doc.error(where, "a services entry needs 'match': a logical id, service name or glob")
        services.append((text(doc, where + ("match",), section["match"]), _overrides(doc, where, extra={"match"})))
    waivers = tuple(_waiver(doc, ("waivers", i)) for i, _ in enumerate(_list(doc, ("waivers",), top.get("waivers"))))
    # Patterns are written for the policy's folder (the repository root), wherever the gate runs.
    exclude = tuple(Exclude(text(doc, ("exclude", i), pattern), path.parent)
                    for i, pattern in enumerate(_list(doc, ("exclude",), top.get("exclude"))))
    lines = {f"clusters.{name}": doc.line_of(("clusters", name)) for name in clusters}
    lines |= {f"services[{index}]": doc.line_of(("services", index)) for index in range(len(services))}
    return Policy(doc.source, defaults, clusters, tuple(services), waivers, exclude,
                  load_sources(doc, top, path.parent), lines)


def _list(doc: Document, path: DocPath, value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise doc.error(path, f"{path[-1]} must be a list")
    return value


def _overrides(doc: Document, path: DocPath, extra: Set[str] = frozenset()) -> Overrides:
    section = mapping(doc, path, SETTING_KEYS | set(extra), optional=True)
    if "capacityTasks" in section and "capacityHeadroomTasks" in section:
        raise doc.error(path + ("capacityHeadroomTasks",), "give capacityTasks or capacityHeadroomTasks, not both")
    instances = _instances(doc, path, section)
    capacity = count(doc, path + ("capacityTasks",), section["capacityTasks"]) if "capacityTasks" in section else None
    headroom = (count(doc, path + ("capacityHeadroomTasks",), section["capacityHeadroomTasks"])
                if "capacityHeadroomTasks" in section else None)
    desired = range_of(doc, path + ("desiredRange",), section["desiredRange"]) if "desiredRange" in section else None
    requirements = _requirements(doc, path + ("requirements",)) if "requirements" in section else RequirementValues()
    fault_check = None
    if "faults" in section:
        where = path + ("faults",)
        inner = mapping(doc, where, set(FAULT_KEYS) | {"requirements"})
        fault_check = FaultCheck(faults_of(doc, inner, where, also={"requirements"}),
                                 _requirements(doc, where + ("requirements",)) if "requirements" in inner
                                 else RequirementValues())
        if not fault_check.faults.any:
            raise doc.error(where, "faults: with newRevision: healthy and no oldTaskCrashes checks nothing more; "
                            "name a bad release (newRevision: failsHealthChecks, failsToStart or flaky)")
    return Overrides(capacity, headroom, desired, requirements, fault_check, instances)


def _instances(doc: Document, path: DocPath, section: dict[str, Any]) -> tuple[InstanceGroup, ...] | None:
    """`instances:`, the groups of a model's cluster.instances (count with a type, or cpu and memory)."""
    if "instances" not in section:
        return None
    for other in ("capacityTasks", "capacityHeadroomTasks"):
        if other in section:
            raise doc.error(path + (other,), f"give instances or {other}, not both: instances already say how many "
                            "tasks fit")
    raw = section["instances"]
    if not isinstance(raw, list) or not raw:
        raise doc.error(path + ("instances",), "instances must be a non-empty list of groups such as "
                        "'- {count: 2, type: t3.small}'")
    return tuple(instance_group(doc, path + ("instances", index)) for index in range(len(raw)))


def _requirements(doc: Document, here: DocPath) -> RequirementValues:
    """A `requirements:` mapping: the fields it sets (the others keep an earlier section's)."""
    requirements = RequirementValues()
    wanted = mapping(doc, here, REQUIREMENT_KEYS)
    if "minHealthy" in wanted:
        requirements["min_healthy"] = task_count(doc, here + ("minHealthy",), wanted["minHealthy"])
    if "maxTasks" in wanted:
        requirements["max_tasks"] = task_count(doc, here + ("maxTasks",), wanted["maxTasks"])
    if "maxDeployMinutes" in wanted:
        requirements["max_deploy_seconds"] = 60 * count(doc, here + ("maxDeployMinutes",),
                                                         wanted["maxDeployMinutes"])
    if "maxSteps" in wanted:
        requirements["max_steps"] = count(doc, here + ("maxSteps",), wanted["maxSteps"])
    if "maxRollbackMinutes" in wanted:   # the rollback property: a bad release rolled back in time
        requirements["max_rollback_seconds"] = 60 * count(doc, here + ("maxRollbackMinutes",),
                                                           wanted["maxRollbackMinutes"])
    return requirements


def _waiver(doc: Document, path: DocPath) -> Waiver:
    section = mapping(doc, path, {"match", "property", "reason", "expires"})
    for key in ("match", "reason", "expires"):
        if key not in section:
            raise doc.error(path, f"a waiver needs '{key}' (match, reason and expires are required)")
    prop = section.get("property")
    if prop is not None and prop not in PROPERTY_IDS:
        raise doc.error(path + ("property",), f"unknown property id '{prop}'; known ids: {', '.join(PROPERTY_IDS)}")
    expires = section["expires"]
    if not isinstance(expires, datetime.date) or isinstance(expires, datetime.datetime):
        shown = expires.isoformat(" ") if isinstance(expires, datetime.datetime) else repr(expires)
        raise doc.error(path + ("expires",), f"expires={shown} must be a date such as 2026-12-31, "
                        "without a time of day")
    reason = text(doc, path + ("reason",), section["reason"])
    if not reason.strip():
        raise doc.error(path + ("reason",), "a waiver needs a reason")
    return Waiver(text(doc, path + ("match",), section["match"]), prop, reason, expires, doc.line_of(path))
