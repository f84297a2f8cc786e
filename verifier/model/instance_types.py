"""CPU and memory that common EC2 instance types register with ECS, for `cluster.instances[].type`.

vCPUs and nominal memory (GiB) are those of the Amazon EC2 instance type
specifications (docs.aws.amazon.com/ec2/latest/instancetypes: general purpose,
compute optimized and memory optimized tables). ECS registers 1024 CPU units per
vCPU. It registers less memory than the nominal figure: the kernel and platform
keep some, and AWS's page "Reserving Amazon ECS Linux container instance memory"
(docs.aws.amazon.com/AmazonECS/latest/developerguide/memory-management.html)
shows an m4.large with 8 GiB nominal offering 7985 MiB (97.5%); AWS recommends
keeping a 5% memory buffer for the agent and system processes. We take 95% of
the nominal MiB, rounded down: below every documented registration, so a
deployment we call placeable fits on a real instance. A model's `memory:`
overrides the figure (read it from `aws ecs describe-container-instances`,
registeredResources).
"""

from __future__ import annotations

CPU_UNITS_PER_VCPU = 1024
REGISTERED_MEMORY_PERCENT = 95

# type -> (vCPUs, nominal memory in GiB)
_NOMINAL: dict[str, tuple[int, int]] = {
    "t2.micro": (1, 1), "t2.small": (1, 2), "t2.medium": (2, 4), "t2.large": (2, 8), "t2.xlarge": (4, 16),
    "t3.micro": (2, 1), "t3.small": (2, 2), "t3.medium": (2, 4), "t3.large": (2, 8), "t3.xlarge": (4, 16),
    "m5.large": (2, 8), "m5.xlarge": (4, 16), "m5.2xlarge": (8, 32),
    "c5.large": (2, 4), "c5.xlarge": (4, 8), "c5.2xlarge": (8, 16),
    "r5.large": (2, 16), "r5.xlarge": (4, 32), "r5.2xlarge": (8, 64),
}

INSTANCE_TYPES: tuple[str, ...] = tuple(_NOMINAL)


def registered(instance_type: str) -> tuple[int, int] | None:
    """(CPU units, MiB) an instance of this type registers with ECS; None for a type not in the table."""
    if instance_type not in _NOMINAL:
        return None
    vcpus, gib = _NOMINAL[instance_type]
    return vcpus * CPU_UNITS_PER_VCPU, gib * 1024 * REGISTERED_MEMORY_PERCENT // 100
