"""ECS services declared in a CDK app's source that has not been synthesized where the gate looks.

rollproof reads the CloudFormation CDK synthesizes (`cdk.out/*.template.json`),
not TypeScript, Python, Java, C# or Go. A repository that keeps only the app
(cdk.out is build output, usually ignored) would otherwise show no service at
all, without a word. So each ECS service construct in the app's source
(`new ecs.FargateService(this, "Api", ...)`, `ecs_patterns.ApplicationLoadBalancedFargateService(self, ...)`,
Go's `NewEc2Service(`, Java's `FargateService.Builder.create(`) is listed as
not analysed, at its line, with what to do: synthesize and gate the output.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

from verifier.ingest import NOT_ANALYSED, ServiceSpec

_SOURCE_ENDINGS = (".ts", ".js", ".py", ".java", ".cs", ".go")
_SKIPPED = frozenset({"node_modules", ".git", ".venv", "venv", "__pycache__", "dist", "build", "target", "obj",
                      "cdk.out", ".terraform"})
MAX_FILES = 2000        # an app is a handful of files; a huge tree is not worth walking for a warning
MAX_FILE_BYTES = 1_000_000
# ECS's service constructs and the aws-ecs-patterns ones that create a service; CfnService is left out:
# App Runner and Cloud Map have constructs of that name too.
_CONSTRUCT = re.compile(
    r"\b(?:New)?((?:ApplicationLoadBalanced|NetworkLoadBalanced|QueueProcessing|ApplicationMultipleTargetGroups|"
    r"NetworkMultipleTargetGroups)?(?:Fargate|Ec2)Service|ExternalService)\b\s*(?:\(|\.Builder\b)")
_CONSTRUCT_ID = re.compile(r"\s*\(\s*(?:this|self|stack|scope)\s*,\s*[\"']([^\"'\n]{1,200})[\"']")


def unsynthesized_services(cdk_json: Path, discovered: Iterable[Path]) -> list[ServiceSpec]:
    """The ECS service constructs of the app `cdk_json` configures, when none of its synthesized output was found."""
    app = cdk_json.parent
    out = app / _output_folder(cdk_json)
    if any(out in path.parents for path in discovered):
        return []  # the synthesized templates are read; the constructs are in them
    shown_out = os.path.relpath(out)
    specs: list[ServiceSpec] = []
    for source in _sources(app):
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _CONSTRUCT.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            after = text[match.end() - 1:] if match.group(0).endswith("(") else ""
            named = _CONSTRUCT_ID.match(after) if after else None
            construct = match.group(1)
            specs.append(ServiceSpec(
                file=str(source), kind="cloudformation", name=named.group(1) if named else construct, line=line,
                status=NOT_ANALYSED,
                reason=f"{construct} is a CDK construct; rollproof reads the CloudFormation CDK synthesizes from "
                       f"it, and no synthesized template was found under {shown_out}: run `cdk synth` and gate "
                       f"{shown_out}"))
    return specs


def _output_folder(cdk_json: Path) -> str:
    """cdk.json's `output` (where `cdk synth` writes), cdk.out when it says nothing."""
    try:
        settings = json.loads(cdk_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "cdk.out"
    output = settings.get("output") if isinstance(settings, dict) else None
    return output if isinstance(output, str) and output and ".." not in output else "cdk.out"


def _sources(app: Path) -> list[Path]:
    found: list[Path] = []
    for here, folders, files in os.walk(app):
        folders[:] = sorted(name for name in folders if name not in _SKIPPED and not name.startswith("."))
        for name in sorted(files):
            path = Path(here) / name
            if name.endswith(_SOURCE_ENDINGS) and not name.endswith(".d.ts") and _small(path):
                found.append(path)
                if len(found) >= MAX_FILES:
                    return found
    return found


def _small(path: Path) -> bool:
    try:
        return path.stat().st_size <= MAX_FILE_BYTES
    except OSError:
        return False
