"""What every test module shares: where things are, how Hypothesis runs, the CLI, the verified corpus."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))  # for `import oracle`

MODELS = ROOT / "models"
MODEL_PATHS = sorted(MODELS.glob("*.yaml"))
INFRA = ROOT / "tests" / "fixtures" / "infra"
DIFF = ROOT / "tests" / "fixtures" / "diff"
# The published SARIF 2.1.0 schema sits beside a CI clone, not inside the repository.
SARIF_SCHEMA = ROOT.parent / "shared" / "data" / "sarif-schema-2.1.0.json"

import oracle  # noqa: E402

from verifier.model.records import Model, Settings  # noqa: E402

# Checks run whole verifications, whose time varies with the machine: no per-example deadline.
# Tests say only how many examples they want. CI replays the same examples on every run so
# that a failure there is reproducible; set HYPOTHESIS_PROFILE to choose another profile.
settings.register_profile("default", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("ci", settings.get_profile("default"), derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "default"))


@pytest.fixture
def root() -> Path:
    return ROOT


class CliRun(NamedTuple):
    code: int
    out: str
    err: str


def run_cli(*words, cwd: Path = ROOT, env: dict | None = None, timeout: int = 300) -> CliRun:
    """`python -m verifier WORDS` in `cwd`, as a user would type `rollproof WORDS`."""
    done = subprocess.run([sys.executable, "-m", "verifier", *map(str, words)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    words = tuple(map(str, words))
    if "json" in words and "--format" in words and done.returncode in (0, 1, 3) and done.stdout.strip():
        assert_valid_json_output(done.stdout)
    return CliRun(done.returncode, done.stdout, done.stderr)


def run_in_process(*words, seconds: float = 30) -> CliRun:
    """`rollproof WORDS` in this process (no interpreter start-up), ending within `seconds`."""
    import contextlib
    import io
    import time

    from verifier.cli.main import main
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([str(word) for word in words])
    assert time.monotonic() - started < seconds, f"{words} took over {seconds} s"
    return CliRun(int(code), out.getvalue(), err.getvalue())


def assert_valid_json_output(text: str) -> None:
    """Every JSON document a test gets from the CLI must match the schema it names (shipped in the package)."""
    import jsonschema

    from verifier.reports.json_output import json_schema
    parsed = json.loads(text)
    for document in parsed if isinstance(parsed, list) else [parsed]:
        validator = jsonschema.Draft202012Validator(json_schema(document["schema"]))
        problems = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
        assert problems == [], f"{document['schema']} output does not match its schema: {problems[:5]}"


def sarif_schema() -> Path:
    """The schema's path; a clone without it skips, but CI (CI set) must have it and fails."""
    if not SARIF_SCHEMA.exists():
        message = f"the SARIF schema is read from {SARIF_SCHEMA}, which is absent here"
        if os.environ.get("CI"):
            pytest.fail(message + " (CI is set, so it must be there)")
        pytest.skip(message)
    return SARIF_SCHEMA


class Verified(NamedTuple):
    path: Path
    model: Model
    result: object


@pytest.fixture(scope="session")
def corpus() -> dict[str, Verified]:
    """Every model in models/, loaded and checked once per run, by file stem."""
    from verifier.check.verify import check_model
    from verifier.model.loading import load_model
    verified = {}
    for path in MODEL_PATHS:
        model = load_model(path, shown_as=f"models/{path.name}")  # as reports/ shows it
        verified[path.stem] = Verified(path, model, check_model(model))
    return verified


def make_model(desired, min_pct=100, max_pct=200, capacity=None, **extra) -> Model:
    settings = Settings(desired, min_pct, max_pct, capacity,
                        **{k: v for k, v in extra.items() if k in Settings.__slots__})
    fields = {k: v for k, v in extra.items() if k not in Settings.__slots__}
    return Model(name=f"d{desired}-m{min_pct}-x{max_pct}-c{capacity}", settings=settings, **fields)


def violation_of(model: Model, property_id: str, trace):
    """The state test that the end of `trace` must pass for `property_id` to be really violated.

    Written from docs/semantics.md (bounds, state, actions, views) with oracle.py's arithmetic, not
    the verifier's, so that a replay with it confirms the counterexample independently. `model` is at one desired count.
    """
    s, req = model.settings, model.requirements
    D, m, x, C, knob = s.desired, s.min_healthy_percent, s.max_percent, s.capacity, s.stopping_counts_toward_max
    goal = (0, 0, 0, D)
    if property_id == "availability":
        need = (req.min_healthy.value if not req.min_healthy.percent else oracle.lower(D, req.min_healthy.value)) \
            if req.min_healthy else oracle.lower(D, m)
        return lambda st: st[0] + st[3] < need
    if property_id == "surge":
        allow = (req.max_tasks.value if not req.max_tasks.percent else oracle.upper(D, req.max_tasks.value)) \
            if req.max_tasks else oracle.upper(D, x)
        return lambda st: st[0] + st[2] + st[3] + (st[1] if knob else 0) > allow
    if property_id == "capacity":
        return lambda st: C is not None and sum(st) > C
    if property_id == "progress":
        return lambda st: not oracle.can_finish_from(D, m, x, C, knob, st)
    if property_id == "deadline":
        limit = req.max_deploy_seconds
        return lambda st: tuple(st) != goal or trace.times[-1] > limit
    if property_id == "plan":
        # The trace is the plan's allowed steps, each an action and its settling event.
        done = len(trace.actions) // 2
        if done < len(model.plan):
            step = model.plan[done]
            return lambda st: not oracle.step_allowed(D, m, x, C, knob, st, step.action, step.amount)
        return lambda st: tuple(st) != goal
    raise AssertionError(f"{property_id} has no counterexample to replay")
