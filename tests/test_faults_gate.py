"""Bad releases in the gate: the breaker and alarms read from templates, the policy's faults:, the second check.

Expected values come from the fixtures as written (tests/fixtures/bad_release) and from SPEC section 11's
rules worked by hand beside each test.
"""

import datetime
import textwrap
from pathlib import Path

import pytest
from conftest import ROOT, make_model

from verifier.ci.fleet import setup_of
from verifier.ci.gate import gate, read_services
from verifier.ci.policy import load_policy
from verifier.errors import ModelError
from verifier.model.faults import COUNT, FAILS_HEALTH_CHECKS, Alarms, Breaker, Faults
from verifier.results import Verdict

FIXTURES = ROOT / "tests" / "fixtures" / "bad_release"
TODAY = datetime.date(2026, 1, 1)


def by_name(path: Path) -> dict:
    return {spec.name: spec for spec in read_services(path)}


def write_policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rollproof.yaml"
    path.write_text(textwrap.dedent(text))
    return path


# --- reading the breaker and alarms ------------------------------------------------------------------

def test_cloudformation_breaker_alarms_and_unknown_switch():
    specs = by_name(FIXTURES / "breaker.yaml")
    # Rollback: !Ref RollBack, whose Default is the text "true" (CloudFormation passes parameters as text)
    assert specs["Web"].breaker == Breaker(rollback=True) and specs["Web"].alarms is None
    assert specs["Web"].breaker_line == 24 and specs["Web"].faults_unknown == ""
    # Enable: !Ref BreakerOn has no Default: never read as off (or on)
    assert specs["Api"].breaker is None and "BreakerOn" in specs["Api"].faults_unknown
    assert "no Default" in specs["Api"].faults_unknown
    # Enable: false disables the breaker; the CommaDelimitedList default gives two alarm names
    assert specs["Worker"].breaker is None
    assert specs["Worker"].alarms == Alarms(("api-5xx", "api-p99"), rollback=False)
    assert specs["Plain"].breaker is None and specs["Plain"].alarms is None and specs["Plain"].breaker_line is None


def test_ecs_json_reads_the_api_fields_cloudformation_lacks():
    orders = by_name(FIXTURES / "ecs-service.json")["orders"]
    assert orders.breaker == Breaker(rollback=True, threshold_type=COUNT, threshold_value=2,
                                     reset_on_healthy_task=False)
    assert orders.alarms == Alarms(("orders-errors",), rollback=True)
    assert orders.breaker_line == 9


def test_terraform_module_blocks_and_variable_values():
    specs = by_name(FIXTURES / "tf" / "main.tf")
    assert specs["web"].breaker == Breaker(rollback=True)       # rollback = var.rollback, default true
    assert specs["web"].alarms == Alarms(("web-5xx",), rollback=False)
    assert specs["web"].breaker_line == 15
    assert specs["plain"].breaker is None and specs["plain"].faults_unknown == ""


def test_terraform_variable_without_value_is_unknown_not_off():
    web = by_name(FIXTURES / "tf_unknown" / "main.tf")["web"]
    assert web.breaker is None and "var.breaker_on" in web.faults_unknown


def test_terraform_plan_after_and_after_unknown():
    specs = by_name(FIXTURES / "plan.json")
    assert specs["aws_ecs_service.known"].breaker == Breaker(rollback=True)
    assert "after apply" in specs["aws_ecs_service.later"].faults_unknown


def test_aws_cli_script_shorthand_json_and_shell_values():
    specs = by_name(FIXTURES / "deploy.sh")
    # shorthand: deploymentCircuitBreaker={enable=true,rollback=true}, alarms={alarmNames=[a5xx,p99],...}
    assert specs["web"].breaker == Breaker(rollback=True)
    assert specs["web"].alarms == Alarms(("a5xx", "p99"), rollback=False)
    assert specs["api"].breaker == Breaker(rollback=False)            # JSON, rollback false
    assert specs["job"].breaker is None and "$ROLLBACK" in specs["job"].faults_unknown


def test_breaker_reaches_the_gate_model():
    from verifier.ci.gate import model_of
    web = by_name(FIXTURES / "breaker.yaml")["Web"]
    assert model_of(web).settings.breaker == Breaker(rollback=True)


# --- the policy's faults: -----------------------------------------------------------------------------

def test_policy_faults_with_own_requirements_and_precedence(tmp_path):
    policy = load_policy(write_policy(tmp_path, """\
        defaults:
          requirements: {maxDeployMinutes: 30, minHealthy: 2}
          faults: {newRevision: failsToStart}
        services:
          - match: Web
            faults:
              newRevision: failsHealthChecks
              failAfterSeconds: 60
              requirements: {minHealthy: "75%"}
        """))
    web = policy.for_service(("Web", "web"), None)
    assert web.faults is not None
    assert web.faults.faults == Faults(new_revision=FAILS_HEALTH_CHECKS, fail_after_seconds=60)
    needed = policy.fault_requirements_for(web)
    # minHealthy from faults: (75% of 6 rounds up to 5); maxDeployMinutes from defaults still applies
    assert needed.healthy_needed(6, 0) == 5 and needed.max_deploy_seconds == 1800
    assert policy.requirements_for(web).healthy_needed(6, 0) == 2   # the check as written keeps its own
    other = policy.for_service(("Other",), None)
    assert other.faults.faults.new_revision == "failsToStart"


@pytest.mark.parametrize("text, line, words", [
    ("defaults:\n  faults:\n    newRevision: brokenish\n", 3, "newRevision"),
    ("defaults:\n  faults:\n    newRevision: failsHealthChecks\n    requirement: {}\n", 4, "requirement"),
    ("defaults:\n  faults:\n    newRevision: healthy\n", 2, "checks nothing more"),
    ("defaults:\n  faults:\n    newRevision: failsHealthChecks\n    requirements: {minHealthy: lots}\n", 4,
     "minHealthy"),
])
def test_bad_policy_faults_name_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "rollproof.yaml"
    path.write_text(text)
    with pytest.raises(ModelError) as error:
        load_policy(path)
    assert error.value.line == line and words in str(error.value)


# --- the gate's second check ----------------------------------------------------------------------------

def test_gate_flags_min50_with_breaker_under_a_bad_release(tmp_path):
    """SPEC 11, "min 50, broken": D = 6, L = ceil(6*50/100) = 3, so ECS stops 3 old tasks at 0 s and the
    new ones all fail: healthy drops to 3, below minHealthy 75% = ceil(6*75/100) = 5. The breaker does not
    help (it trips at 150 s, after the drop). The check as written has no minHealthy requirement: it holds."""
    policy = load_policy(write_policy(tmp_path, """\
        services:
          - match: Web
            faults:
              newRevision: failsHealthChecks
              requirements: {minHealthy: "75%"}
        """))
    report = gate([FIXTURES / "breaker.yaml"], policy=policy, today=TODAY, service="Web", jobs=1)
    row, = report.rows
    assert row.verdict is Verdict.VIOLATED
    bad = [f for f in row.result.findings if f.message.startswith("during a bad release")]
    assert bad and all("newRevision: failsHealthChecks" in f.message for f in bad)
    availability = next(f for f in bad if f.property_id == "availability")
    assert availability.status.value == "violated"
    # the requirement (5 of 6, from 75%) and how low ECS's run goes under the release (3 of 6)
    assert "the 5 that requirement minHealthy 75%" in availability.message
    assert "goes down to 3 healthy of 6" in availability.message
    written = [f for f in row.result.findings if not f.message.startswith("during")]
    assert written and all(f.status.value == "holds" for f in written)


def test_gate_without_policy_faults_checks_once(tmp_path):
    report = gate([FIXTURES / "breaker.yaml"], today=TODAY, service="Web", jobs=1)
    row, = report.rows
    assert row.verdict is Verdict.PROVED
    assert not any(f.message.startswith("during a bad release") for f in row.result.findings)


def test_gate_breaker_unknown_makes_the_bad_release_check_inconclusive(tmp_path):
    policy = load_policy(write_policy(tmp_path, "defaults:\n  faults: {newRevision: failsHealthChecks}\n"))
    report = gate([FIXTURES / "breaker.yaml"], policy=policy, today=TODAY, service="Api", jobs=1)
    row, = report.rows
    assert row.verdict is Verdict.INCONCLUSIVE
    assert any("BreakerOn" in note and "bad release" in note for note in row.notes)


def test_gate_unknown_desired_count_is_inconclusive_under_faults(tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text(textwrap.dedent("""\
        Resources:
          Svc:
            Type: AWS::ECS::Service
            Properties: {LaunchType: FARGATE}
        """))
    policy = load_policy(write_policy(tmp_path, "defaults:\n  faults: {newRevision: failsToStart}\n"))
    row, = gate([template], policy=policy, today=TODAY, jobs=1).rows
    assert row.verdict is Verdict.INCONCLUSIVE
    assert any("one desired count" in note for note in row.notes)


def test_fleet_memo_tells_releases_apart():
    """Regression: setup_of left the model's faults out, so a setup checked healthy answered for its
    bad release too."""
    healthy = make_model(6, 50, 200)
    from dataclasses import replace
    broken = replace(healthy, faults=Faults(new_revision=FAILS_HEALTH_CHECKS))
    assert setup_of(healthy) != setup_of(broken)


FAULTS_POLICY = """\
    services:
      - match: Web
        faults:
          newRevision: failsHealthChecks
          requirements: {minHealthy: "75%"}
    """


def test_gate_fix_for_a_bad_release_is_searched_under_it(tmp_path):
    """The fix of the finding above: L must reach 5 of 6, and the least m with ceil(6*m/100) >= 5 is 67
    (ceil(4.02) = 5; 66 gives ceil(3.96) = 4). Searched on the service as written it would find nothing
    to change (it holds)."""
    from verifier.ci.gate import with_advice
    policy = load_policy(write_policy(tmp_path, FAULTS_POLICY))
    report = with_advice(gate([FIXTURES / "breaker.yaml"], policy=policy, today=TODAY, service="Web", jobs=1),
                         jobs=1)
    remedy, = report.rows[0].advice.remedies
    assert [edit.text for edit in remedy.edits] == ["MinimumHealthyPercent: 50 -> 67"]
    assert "during the bad release" in remedy.holds_for


def test_breaker_change_becomes_an_edit_at_the_breaker_line():
    from verifier.ci.answers import Found, advice_for
    from verifier.ci.gate import model_of
    web = by_name(FIXTURES / "breaker.yaml")["Web"]
    advice = advice_for(web, model_of(web), Found((), "", "turn on the circuit breaker's rollback"))
    edit, = advice.remedies[0].edits
    assert (edit.line, edit.text) == (24, "turn on the circuit breaker's rollback")


def test_verify_service_reproduces_the_gate_check_under_the_policy_release(tmp_path):
    from conftest import run_in_process
    policy = write_policy(tmp_path, FAULTS_POLICY)
    run = run_in_process("verify", FIXTURES / "breaker.yaml", "--service", "Web", "--policy", policy)
    assert run.code == 1   # holds as written, violated under the release: the worse
    assert "What if the release is bad (newRevision: failsHealthChecks)" in run.out
    assert run.out.rstrip().endswith("proved as written, violated during a bad release: violated over both")


def test_verify_service_with_an_unknown_breaker_is_inconclusive_as_in_the_gate(tmp_path):
    from conftest import run_in_process
    policy = write_policy(tmp_path, "defaults:\n  faults: {newRevision: failsHealthChecks}\n")
    run = run_in_process("verify", FIXTURES / "breaker.yaml", "--service", "Api", "--policy", policy)
    assert run.code == 3 and "BreakerOn" in run.err and "not checked during a bad release" in run.err


def test_gate_desired_range_of_one_count_checks_the_release_there(tmp_path):
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n  Svc:\n    Type: AWS::ECS::Service\n    Properties: {LaunchType: FARGATE}\n")
    policy = load_policy(write_policy(tmp_path, "defaults:\n  desiredRange: [6, 6]\n"
                                                "  faults: {newRevision: failsToStart}\n"))
    row, = gate([template], policy=policy, today=TODAY, jobs=1).rows
    assert row.result.model.settings.desired == 6 and row.result.model.desired_range is None
    assert any(f.message.startswith("during a bad release (newRevision: failsToStart)")
               for f in row.result.findings)
    assert row.bad_release is not None and row.bad_release.faults.new_revision == "failsToStart"


def test_describe_services_output_and_a_bad_threshold(tmp_path):
    path = tmp_path / "describe.json"
    path.write_text("""{"services": [
  {"serviceName": "a", "desiredCount": 2,
   "deploymentConfiguration": {"deploymentCircuitBreaker": {"enable": true, "rollback": false}}},
  {"serviceName": "b", "desiredCount": 2,
   "deploymentConfiguration": {"deploymentCircuitBreaker":
     {"enable": true, "rollback": true, "thresholdConfiguration": {"type": "SOMETIMES", "value": 2}}}}
]}""")
    specs = by_name(path)
    assert specs["a"].breaker == Breaker(rollback=False) and specs["a"].breaker_line == 3
    assert specs["b"].breaker is None and "SOMETIMES" in specs["b"].faults_unknown


def test_terraform_dynamic_breaker_block(tmp_path):
    (tmp_path / "main.tf").write_text("""\
variable "breakers" {
  default = [{ rollback = true }]
}

resource "aws_ecs_service" "svc" {
  name          = "svc"
  launch_type   = "FARGATE"
  desired_count = 3

  dynamic "deployment_circuit_breaker" {
    for_each = var.breakers
    content {
      enable   = true
      rollback = deployment_circuit_breaker.value.rollback
    }
  }
}
""")
    svc = by_name(tmp_path / "main.tf")["svc"]
    assert svc.breaker == Breaker(rollback=True) and svc.faults_unknown == ""


@pytest.mark.parametrize(("minutes", "status"), [(5, "holds"), (4, "violated")])
def test_policy_max_rollback_minutes_checks_the_rollback_in_time(tmp_path, minutes, status):
    """The same service (D = 6, 50/200, breaker with rollback): ECS stops 3 old tasks at 0 s, the new ones fail
    at 150 s and trip the breaker (T = 3), 3 old tasks are launched then and healthy at 300 s: rolled back at
    300 s = 5 minutes. maxRollbackMinutes 5 allows it; 4 (240 s) does not."""
    policy = load_policy(write_policy(tmp_path, f"""\
        services:
          - match: Web
            faults:
              newRevision: failsHealthChecks
              requirements: {{maxRollbackMinutes: {minutes}}}
        """))
    report = gate([FIXTURES / "breaker.yaml"], policy=policy, today=TODAY, service="Web", jobs=1)
    row, = report.rows
    rollback = next(f for f in row.result.findings
                    if f.property_id == "rollback" and f.message.startswith("during a bad release"))
    assert rollback.status.value == status
