"""Read ECS services out of infrastructure code, keeping the file and line of every value.

Each reader returns `ServiceSpec` records: what the service says (or the AWS
default it gets when it says nothing), where it says it, and whether rollproof
can analyse it. A value that cannot be resolved statically makes the service
`inconclusive` with the reason; a service the model does not cover (DAEMON,
blue/green) is `not analysed` with the reason. Nothing is skipped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import NotRequired, TypedDict

from verifier.errors import ModelError

ANALYSABLE, INCONCLUSIVE, NOT_ANALYSED = "analysable", "inconclusive", "not analysed"
POLICY_FILE = "rollproof.yaml"  # the gate's own policy, never a template


@dataclass(frozen=True, slots=True)
class Setting:
    """One value and where it was written; `default` when AWS supplies it because the file is silent."""

    value: int | None
    line: int | None = field(default=None, compare=False)
    column: int | None = field(default=None, compare=False)
    default: bool = False


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    file: str
    kind: str                  # "cloudformation" | "ecs-json"
    name: str                  # logical id, or serviceName
    line: int | None           # where the service is declared
    status: str
    reason: str = ""
    desired: Setting = Setting(None)
    min_healthy_percent: Setting = Setting(100, default=True)
    max_percent: Setting = Setting(200, default=True)
    desired_range: tuple[int, int] | None = None
    desired_range_line: int | None = None
    aliases: tuple[str, ...] = ()   # other names a policy may match: the service name
    cluster: str | None = None      # the cluster, where the file names it statically
    fargate: bool = False           # LaunchType FARGATE or a FARGATE capacity provider: no cluster slots

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,) + self.aliases


class ServiceBase(TypedDict):
    """The fields a reader knows about a service before it decides its status; unpacked into `ServiceSpec`."""

    file: str
    kind: str
    name: str
    line: int | None
    aliases: NotRequired[tuple[str, ...]]
    cluster: NotRequired[str | None]
    fargate: NotRequired[bool]


class IngestError(ModelError):
    """A file that is not the infrastructure code it looks like; reported with its file and line.

    A ModelError, so every command that reads infrastructure code reports it as
    bad input (exit 2, one line) without handling it specially.
    """


def discover(paths: list[Path]) -> list[Path]:
    """The template and JSON files under `paths`, in a stable order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml", ".json", ".template", ".tf")
                            and p.is_file() and ".git" not in p.parts and p.name != POLICY_FILE)
        else:
            found.append(path)
    return found


def on_fargate(launch_type: object, strategy: object) -> bool:
    """Whether tasks run on Fargate: the launch type, or every capacity provider being a Fargate one."""
    if isinstance(launch_type, str):
        return launch_type.upper() == "FARGATE"
    if isinstance(strategy, list) and strategy:
        names = [item.get("CapacityProvider") or item.get("capacityProvider") or item.get("capacity_provider")
                 for item in strategy if isinstance(item, dict)]
        return bool(names) and all(isinstance(n, str) and n.upper().startswith("FARGATE") for n in names)
    return False
