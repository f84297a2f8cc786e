"""ECS services declared in a CDK app's source that has not been synthesized where the gate looks.

rollproof reads the CloudFormation CDK synthesizes (`cdk.out/*.template.json`)
when it is there. A repository that keeps only the app (cdk.out is build output,
usually ignored) would otherwise show no service at all. So each ECS service
construct in the app's source (`new ecs.FargateService(this, "Api", ...)`,
`ecs_patterns.ApplicationLoadBalancedFargateService(self, ...)`, Go's
`NewEc2Service(`, Java's `FargateService.Builder.create(`) is read from the call
itself (cdk_props): answered where the call writes its settings literally, and
listed as not analysed, at its line, with what to do (write the value, or
synthesize and gate the output) where it does not.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from verifier.ingest import ANALYSABLE, ServiceSpec
from verifier.ingest.cdk_props import SOURCE_ENDINGS, scaled_elsewhere, source_services

_SKIPPED = frozenset({"node_modules", ".git", ".venv", "venv", "__pycache__", "dist", "build", "target", "obj",
                      "cdk.out", ".terraform"})
MAX_FILES = 2000        # an app is a handful of files; a huge tree is not worth walking for a warning
MAX_FILE_BYTES = 1_000_000


def unsynthesized_services(cdk_json: Path, discovered: Iterable[Path]) -> list[ServiceSpec]:
    """The ECS service constructs of the app `cdk_json` configures, when none of its synthesized output was found."""
    app = cdk_json.parent
    out = app / _output_folder(cdk_json)
    if any(out in path.parents for path in discovered):
        return []  # the synthesized templates are read; the constructs are in them
    shown_out = os.path.relpath(out)
    specs: list[ServiceSpec] = []
    elsewhere: list[str] = []  # autoscaling calls in files that create no service: they scale another file's
    for source in _sources(app):
        try:
            text = source.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        specs += source_services(source, text, shown_out)
        line = scaled_elsewhere(source, text)
        if line is not None:
            elsewhere.append(f"{source}:{line}")
    if elsewhere:
        why = f"autoscaling at {elsewhere[0]} may set its count, and rollproof cannot tell which service it scales"
        specs = [replace(spec, desired_unknown=why) if spec.status == ANALYSABLE and spec.desired_range is None
                 and not spec.desired_unknown else spec for spec in specs]
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
            if name.endswith(SOURCE_ENDINGS) and not name.endswith(".d.ts") and _small(path):
                found.append(path)
                if len(found) >= MAX_FILES:
                    return found
    return found


def _small(path: Path) -> bool:
    try:
        return path.stat().st_size <= MAX_FILE_BYTES
    except OSError:
        return False
