"""The command line that re-runs a check, printed beside every result and counterexample."""

from __future__ import annotations

import shlex

from verifier.model.records import DEFAULT_DRAIN_SECONDS, DEFAULT_HEALTH_CHECK_SECONDS, Model


def reproduce_command(model: Model) -> str:
    if model.source and model.source != "<command line>":
        return f"rollproof verify {shlex.quote(model.source)}"
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
    return " ".join(words)
