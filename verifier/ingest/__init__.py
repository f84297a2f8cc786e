"""Read ECS services out of infrastructure code, keeping the file and line of every value.

Each reader returns `ServiceSpec` records: what the service says (or the AWS
default it gets when it says nothing), where it says it, and whether rollproof
can analyse it. A value that cannot be resolved statically makes the service
`inconclusive` with the reason; a service the model does not cover (DAEMON,
blue/green) is `not analysed` with the reason. Nothing is skipped silently.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NotRequired, TypedDict

from verifier.errors import ModelError
from verifier.ingest.capacity import DerivedCapacity
from verifier.ingest.discovery import Exclude
from verifier.ingest.discovery import discover as discover_files
from verifier.model.faults import Alarms, Breaker
from verifier.model.textfile import INFRA_FILE, read_text

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
    cluster_ref: str | None = None  # the logical id (or Terraform address) the Cluster reference points at
    via: tuple[str, ...] = ()       # the parent stacks / module calls it was read through, outermost first
    desired_owner: str | None = None  # "autoscaling" when the file leaves the count to a scaling target
    entry: str | None = None        # the file to gate to read it again as here (its root stack or module); None: file
    # Why the desired count is not known ("" when it is): absent on update, a parameter without a Default,
    # computed, or owned by autoscaling. The gate then checks the autoscaling range, else every count from 1.
    desired_unknown: str = ""
    # What ECS does about a bad release: the circuit breaker and deployment alarms (None: absent or
    # disabled), the line the breaker is written on, and why they cannot be read statically ("" when they
    # can): the gate's bad-release check is then inconclusive rather than assuming either answer.
    breaker: Breaker | None = None
    alarms: Alarms | None = None
    breaker_line: int | None = None
    faults_unknown: str = ""
    notes: tuple[str, ...] = ()     # what the answer assumes beyond the file (a CDK default), shown with it
    # The instances and task size the file defines for the service's cluster (None: it defines none).
    capacity: DerivedCapacity | None = None

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
    cluster_ref: NotRequired[str | None]
    via: NotRequired[tuple[str, ...]]


class IngestError(ModelError):
    """A file that is not the infrastructure code it looks like; reported with its file and line.

    A ModelError, so every command that reads infrastructure code reports it as
    bad input (exit 2, one line) without handling it specially.
    """


# Templates nest a dozen levels; past this, the parsers' recursion (cfn-lint's, json's, python-hcl2's)
# would exhaust Python's stack, so nesting is counted on the text before any of them runs.
MAX_NESTING = 100
_BRACKETS = re.compile(r'"(?:[^"\\\n]|\\.)*"|[\[\]{}()\n]')
_HCL_BRACKETS = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*|//[^\n]*|/\*.*?\*/|[\[\]{}()\n]', re.S)


def read_infra_text(path: Path) -> str:
    """The text of one infrastructure file: a regular UTF-8 file of at most 5 MB, or an `IngestError`."""
    try:
        return read_text(path, INFRA_FILE)
    except IngestError:
        raise
    except ModelError as error:
        raise IngestError(error.message, error.source, error.line) from None


def check_nesting(text: str, source: str, syntax: str, depth_at: int | None = None) -> None:
    """Refuse text nested deeper than MAX_NESTING, before a recursive parser reads it.

    `syntax` is "json" or "hcl": brackets count outside strings (and comments, in HCL).
    YAML's block nesting has no brackets: its reader counts PyYAML's events and
    reports the line it reached, `depth_at`, here.
    """
    depth, line = 0, 1
    if depth_at is not None:
        depth, line = MAX_NESTING + 1, depth_at
    else:
        for token in (_HCL_BRACKETS if syntax == "hcl" else _BRACKETS).finditer(text):
            mark = token.group()
            line += mark.count("\n")
            if mark in "[{(":
                depth += 1
                if depth > MAX_NESTING:
                    break
            elif mark in "]})":
                depth = max(0, depth - 1)
    if depth > MAX_NESTING:
        raise IngestError(f"nested deeper than {MAX_NESTING} levels; a template is never that deep", source, line)


def discover(paths: list[Path], exclude: Sequence[Exclude] = ()) -> list[Path]:
    """The template and JSON files under `paths`, in a stable order (see verifier.ingest.discovery).

    A dangling symbolic link is listed, so that reading it says what it is; a folder is never a file.
    """
    return discover_files(paths, exclude, skip_names=(POLICY_FILE,))


def on_fargate(launch_type: object, strategy: object) -> bool:
    """Whether tasks run on Fargate: the launch type, or every capacity provider being a Fargate one."""
    if isinstance(launch_type, str):
        return launch_type.upper() == "FARGATE"
    if isinstance(strategy, list) and strategy:
        names = [item.get("CapacityProvider") or item.get("capacityProvider") or item.get("capacity_provider")
                 for item in strategy if isinstance(item, dict)]
        return bool(names) and all(isinstance(n, str) and n.upper().startswith("FARGATE") for n in names)
    return False
