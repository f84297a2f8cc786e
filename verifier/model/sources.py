"""Where a model came from, typed, so the command that re-checks it can be written back out.

`check_flags` are the options the check ran with that change its answer (an engine,
a budget, a solver timeout), as command-line words; the reproduce command ends with them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ModelFile:
    """A model file (docs/semantics.md#model-files), as the path the user gave."""

    path: str
    check_flags: tuple[str, ...] = ()

    @property
    def shown(self) -> str | None:
        """The file to name beside the model, if there is one."""
        return self.path

    def __str__(self) -> str:
        return self.path


@dataclass(frozen=True, slots=True)
class CommandLine:
    """A model given as numbers on the command line (`verify --desired 6 ...`)."""

    check_flags: tuple[str, ...] = ()

    @property
    def shown(self) -> str | None:
        return None

    def __str__(self) -> str:
        return "<command line>"


@dataclass(frozen=True, slots=True)
class InfraService:
    """One ECS service read from infrastructure code, with the policy file that completed it."""

    file: str
    service: str
    policy: str | None = None
    check_flags: tuple[str, ...] = ()

    @property
    def shown(self) -> str | None:
        return self.file

    def __str__(self) -> str:
        return self.file


ModelSource = ModelFile | CommandLine | InfraService
