"""A synthetic fleet: CloudFormation templates with many ECS services of realistic variety.

`python benchmarks/fleet.py OUT_DIR --services 10000 --per-template 1000` writes
OUT_DIR/fleet-000.yaml, ... Each service is what teams write: mostly small counts
(1-6 tasks), a tail of large ones, the common percentage pairs (100/200, 50/200,
100/150, ...) with a few odd ones, some Fargate, some with an autoscaling
ScalableTarget whose ResourceId is a `!Sub service/${Cluster}/${Svc.Name}`,
some leaving a percentage to its AWS default. The choice is a seeded random
draw, so the same arguments give the same files; a thousand services hold a few
hundred distinct settings (see `distinct_settings`), as real fleets do.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# (minimum, maximum) healthy percentages, weighted by how often teams pick them.
PERCENTAGES: list[tuple[tuple[int | None, int | None], int]] = [
    ((100, 200), 30), ((50, 200), 20), ((100, 150), 8), ((50, 150), 6), ((0, 100), 4),
    ((75, 200), 4), ((100, 125), 3), ((66, 200), 2), ((90, 110), 1), ((None, None), 6),
    ((None, 300), 1), ((25, 200), 2), ((100, 100), 1)]
COUNTS: list[tuple[int, int]] = [
    (1, 18), (2, 24), (3, 18), (4, 10), (5, 4), (6, 6), (8, 4), (10, 4), (12, 2), (16, 2), (20, 2),
    (24, 1), (30, 1), (40, 1), (50, 1), (64, 1), (100, 1)]
AUTOSCALED = 0.12   # share of services with a ScalableTarget on their DesiredCount
FARGATE = 0.35      # share of services on Fargate (no cluster slots to run out of)


def _pick(rng: random.Random, weighted: list[tuple[T, int]]) -> T:
    return rng.choices([value for value, _ in weighted], [weight for _, weight in weighted])[0]


def service_yaml(index: int, rng: random.Random) -> str:
    """One AWS::ECS::Service resource (and its scalable target, if any), indented for Resources."""
    name = f"Svc{index:06d}"
    desired = _pick(rng, COUNTS)
    minimum, maximum = _pick(rng, PERCENTAGES)
    # An odd team sets a percentage off the usual grid, which is what makes settings distinct.
    if rng.random() < 0.08:
        minimum = rng.choice((33, 40, 60, 80, 85, 95))
    if rng.random() < 0.06:
        maximum = rng.choice((120, 130, 175, 250))
    lines = [f"  {name}:", "    Type: AWS::ECS::Service", "    Properties:",
             f"      ServiceName: {name.lower()}-svc", "      Cluster: !Ref Cluster",
             f"      TaskDefinition: !Ref Task{index % 7}",
             f"      DesiredCount: {desired}"]
    if rng.random() < FARGATE:
        lines.append("      LaunchType: FARGATE")
    if minimum is not None or maximum is not None:
        lines.append("      DeploymentConfiguration:")
        if minimum is not None:
            lines.append(f"        MinimumHealthyPercent: {minimum}")
        if maximum is not None:
            lines.append(f"        MaximumPercent: {maximum}")
    if rng.random() < AUTOSCALED:
        low = max(1, desired)
        high = low * rng.choice((2, 3, 4, 10))
        lines += [f"  {name}Scaling:", "    Type: AWS::ApplicationAutoScaling::ScalableTarget", "    Properties:",
                  f"      MinCapacity: {low}", f"      MaxCapacity: {high}",
                  f"      ResourceId: !Sub service/${{Cluster}}/${{{name}.Name}}",
                  "      ScalableDimension: ecs:service:DesiredCount",
                  "      ServiceNamespace: ecs"]
    return "\n".join(lines) + "\n"


def template(first: int, count: int, seed: int = 13) -> str:
    """A template holding services first .. first + count - 1 (the same text for the same arguments)."""
    rng = random.Random(seed * 1_000_003 + first)
    head = ("AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n  Cluster:\n    Type: String\n"
            "    Default: main\nResources:\n")
    return head + "".join(service_yaml(first + i, rng) for i in range(count))


def write_fleet(out: Path, services: int, per_template: int = 1000, seed: int = 13) -> list[Path]:
    """Write the fleet as templates of at most `per_template` services; the paths, in order."""
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, first in enumerate(range(0, services, per_template)):
        path = out / f"fleet-{number:03d}.yaml"
        path.write_text(template(first, min(per_template, services - first), seed), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--per-template", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args()
    for path in write_fleet(args.out, args.services, args.per_template, args.seed):
        print(path)


if __name__ == "__main__":
    main()
