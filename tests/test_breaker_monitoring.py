"""faults.breakerMonitoring: the other reading of AWS's pages, where the first healthy new task ends the count."""

from __future__ import annotations

import pytest

from verifier.check.verify import Options, verify
from verifier.errors import ModelError
from verifier.model.loading import model_from_document
from verifier.model.yamlsource import parse_yaml
from verifier.results import Engine

MODEL = """\
name: flaky-three
service:
  desiredCount: 6
  deploymentConfiguration:
    deploymentCircuitBreaker: {{enable: true, rollback: true}}
faults:
  newRevision: flaky
  flakyFailures: 3
{extra}"""


def _model(extra: str = ""):
    return model_from_document(parse_yaml(MODEL.format(extra=extra), "flaky.yaml"))


def test_counting_throughout_trips_on_three_failures_of_one_instant():
    # D = 6 at 100/200: L = 6, U = 12, T = max(3, ceil(6 * 50 / 100)) = 3. Nothing may stop at 0 s;
    # ECS launches 6. The 3 earliest fail at 150 s, the other 3 become healthy then: ready first
    # (it resets only earlier failures), then the 3 failures count, f = 3 = T: the breaker trips at
    # 150 s. The rollback stops the 3 healthy new tasks (6 old stay, L = 6 holds) and launches no old
    # one (6 old already); they drain 300 s: rolled back at 450 s.
    run = verify(_model()).fault_run
    assert run is not None
    assert (run.outcome, run.tripped_at_seconds, run.rolled_back_at_seconds) == ("rolled_back", 150, 450)


def test_monitoring_until_the_first_healthy_task_lets_the_same_release_complete():
    # The same run, but the 3 tasks healthy at 150 s end the breaker's monitoring before the failures
    # of that instant are counted: no trip. ECS stops 3 old (6 + 3 healthy, L = 6) and launches 3
    # (3 + 3 <= 6 new; 3 + 3 + 3 = 9 <= 12 counted), which no longer fail (the budget of 3 is spent):
    # healthy at 300 s, when the last 3 old stop; they drain until 600 s: completed at 600 s.
    run = verify(_model("  breakerMonitoring: untilFirstHealthy\n")).fault_run
    assert run is not None
    assert (run.outcome, run.tripped_at_seconds, run.makespan_seconds) == ("completed", None, 600)


def test_the_explicit_engine_answers_and_the_smt_engine_says_it_cannot():
    model = _model("  breakerMonitoring: untilFirstHealthy\n")
    explicit = {str(f.property_id): str(f.status) for f in verify(model, Options(engine=Engine.EXPLICIT)).findings}
    assert explicit["progress"] == "holds"   # completed or rolled back is reachable from every state
    smt = {str(f.property_id): str(f.status) for f in verify(model, Options(engine=Engine.SMT)).findings}
    assert smt["progress"] == "unknown" and smt["availability"] == "unknown"


def test_a_misspelt_reading_is_an_error_with_its_line():
    with pytest.raises(ModelError) as error:
        _model("  breakerMonitoring: untilFirstHealty\n")
    assert error.value.line == 9 and "untilFirstHealthy" in str(error.value)
