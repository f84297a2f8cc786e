"""The command line that re-runs a check, printed beside every result and counterexample.

It must give the same answer when pasted into a shell: a model file is re-verified,
a service from infrastructure code is verified alone (`verify FILE --service NAME`,
which reads the file as `gate` does and shows every counterexample in full),
a command-line model is written back as its flags, and every option that changed
the answer follows. Paths and names come from files a user may not control, so
every word is shell-quoted.
"""

from __future__ import annotations

import shlex
from dataclasses import replace

from verifier.model.records import DEFAULT_DRAIN_SECONDS, DEFAULT_HEALTH_CHECK_SECONDS, Model
from verifier.model.sources import InfraService, ModelFile


def reproduce_command(model: Model) -> str:
    source = model.source
    if isinstance(source, ModelFile):
        words = ["rollproof", "verify", source.path]
    elif isinstance(source, InfraService):
        # A name that starts with '-' (a CDK construct id may) would read as an option: `--service=-x`
        service = [f"--service={source.service}"] if source.service.startswith("-") else ["--service", source.service]
        words = ["rollproof", "verify", source.file, *service]
        if source.policy:
            words += ["--policy", source.policy]
    else:
        words = _flag_words(model)
    return shlex.join(words + list(source.check_flags))


def _flag_words(model: Model) -> list[str]:
    settings = model.settings
    if model.desired_range is not None:
        words = ["rollproof", "verify", "--desired-range", "{}..{}".format(*model.desired_range)]
    else:
        words = ["rollproof", "verify", "--desired", str(settings.desired)]
    words += ["--min-healthy-percent", str(settings.min_healthy_percent),
              "--max-percent", str(settings.max_percent)]
    if model.capacity_headroom is not None:
        words += ["--capacity-headroom", str(model.capacity_headroom)]
    elif settings.capacity is not None:
        words += ["--capacity", str(settings.capacity)]
    if settings.health_check_seconds != DEFAULT_HEALTH_CHECK_SECONDS:
        words += ["--health-check-seconds", str(settings.health_check_seconds)]
    if settings.drain_seconds != DEFAULT_DRAIN_SECONDS:
        words += ["--drain-seconds", str(settings.drain_seconds)]
    if settings.stopping_counts_toward_max:
        words.append("--stopping-counts-toward-max")
    if settings.breaker is not None:  # the flags give ECS's default threshold; a model file gives the rest
        words += ["--circuit-breaker", "rollback" if settings.breaker.rollback else "no-rollback"]
    return words


def with_check_flags(model: Model, flags: tuple[str, ...]) -> Model:
    """`model` with the options it is checked under, so its reproduce command repeats them."""
    return replace(model, source=replace(model.source, check_flags=tuple(flags)))
