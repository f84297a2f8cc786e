"""CloudFormation Conditions decided from the parameters, and nested stacks whose template is not here.

The fixtures under tests/fixtures/shapes/cfn-conditions and cfn-unfound reproduce two shapes seen in
public ECS repositories: one service per launch type with `Condition:` picking one by a parameter
(and `!If` choosing a capacity provider or a count), and a parent whose nested stack's template is
published elsewhere. Each expected value is derived by hand from the fixture, as the comments say.
"""

import pytest
from conftest import ROOT

from verifier.ci.gate import services_in
from verifier.ingest import ANALYSABLE, INCONCLUSIVE, NOT_ANALYSED
from verifier.ingest.cfn_conditions import Decided
from verifier.ingest.cloudformation import read_template

SHAPES = ROOT / "tests" / "fixtures" / "shapes"
EITHER = SHAPES / "cfn-conditions" / "either-launch-type.yaml"


def specs(folder):
    found = []
    for _, services, error in services_in([SHAPES / folder]):
        assert error is None, error
        found += services or []
    return {spec.name: spec for spec in found}


def test_a_service_whose_condition_is_false_is_not_deployed():
    read = {spec.name: spec for spec in read_template(EITHER.read_text(), str(EITHER))}
    # LaunchType defaults to Fargate: OnFargate holds and OnEc2 does not, so Ec2Service is never created.
    assert "Ec2Service" not in read
    fargate = read["FargateService"]
    # Spot defaults to YAML false, compared as the text "false" with "true": HasSpot is false, so the
    # count is !Ref Count (3), the provider FARGATE and MaximumPercent 150. Scales = OnFargate and not
    # (AutoScaling "true" = "false") holds, so the target's 2..5 is the range.
    assert (fargate.status, fargate.desired.value, fargate.max_percent.value) == (ANALYSABLE, 3, 150)
    assert fargate.fargate and fargate.desired_range == (2, 5)
    # ProdOrEc2 = IsProd or OnEc2: OnEc2 is false and IsProd needs Stage, which has no value.
    prod = read["ProdOnly"]
    assert prod.status == INCONCLUSIVE and "ProdOrEc2" in prod.reason and "Stage" in prod.reason


def test_parameter_values_decide_conditions_and_no_value_removes_the_property():
    read = {spec.name: spec for spec in read_template(EITHER.read_text(), str(EITHER),
                                                      {"LaunchType": "EC2", "Spot": "true", "Stage": "dev"})}
    # LaunchType EC2: FargateService is gone, and with it the scalable target's condition (Scales needs
    # OnFargate); ProdOrEc2 holds through OnEc2 although IsProd is false.
    assert sorted(read) == ["Ec2Service", "ProdOnly"]
    assert (read["Ec2Service"].desired.value, read["Ec2Service"].max_percent.value) == (2, 100)
    assert read["ProdOnly"].status == ANALYSABLE
    spot = {spec.name: spec for spec in read_template(EITHER.read_text(), str(EITHER), {"Spot": "true"})}
    fargate = spot["FargateService"]
    # HasSpot: the count is 1 and MaximumPercent is !Ref AWS::NoValue, that is absent: ECS's 200.
    assert (fargate.desired.value, fargate.max_percent.value, fargate.max_percent.default) == (1, 200, True)


@pytest.mark.parametrize(("conditions", "name", "expected"), [
    ({"A": {"Fn::Equals": [1, "1"]}}, "A", True),                      # compared as text
    ({"A": {"Fn::Equals": [True, "true"]}}, "A", True),
    ({"A": {"Fn::Not": [{"Fn::Equals": ["a", "b"]}]}}, "A", True),
    ({"A": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}}, "A", None),
    # Or with one true operand is true, And with one false operand is false, whatever the unknown one is.
    ({"U": {"Fn::Equals": [{"Ref": "Free"}, "x"]}, "A": {"Fn::Or": [{"Condition": "U"}, {"Fn::Equals": ["a", "a"]}]}},
     "A", True),
    ({"U": {"Fn::Equals": [{"Ref": "Free"}, "x"]}, "A": {"Fn::And": [{"Condition": "U"}, {"Fn::Equals": ["a", "b"]}]}},
     "A", False),
    ({"U": {"Fn::Equals": [{"Ref": "Free"}, "x"]}, "A": {"Fn::And": [{"Condition": "U"}, {"Fn::Equals": ["a", "a"]}]}},
     "A", None),
    ({"A": {"Condition": "B"}, "B": {"Condition": "A"}}, "A", None),   # a cycle is unknown, not a hang
    ({}, "Missing", None),
])
def test_condition_functions(conditions, name, expected):
    decided = Decided({"Conditions": conditions}, {"Free": {"Type": "String"}})
    value, why = decided.value(name)
    assert value is expected and (why != "") == (expected is None)


def test_a_parent_decides_its_childs_conditions_and_its_own_stacks():
    read = specs("cfn-conditions")
    # parent.yaml passes LaunchType EC2 to stacks/app.yaml: only Ec2Service is created there, and its
    # LaunchType !If [OnFargate, FARGATE, EC2] is EC2. The Workers stack's condition (WithWorkers "no" =
    # "yes") is false, so its unfound template is not reported. either-launch-type.yaml is read alone.
    # The Mirror stack reads app.yaml with its default (Fargate), but exists only when MirrorRegion, which
    # has no value, is eu-west-1: its service is inconclusive, with that reason.
    assert sorted(read) == ["Api", "App/Ec2Service", "FargateService", "Mirror/FargateService", "Placed",
                            "ProdOnly", "Shifted"]
    app = read["App/Ec2Service"]
    assert (app.status, app.desired.value, app.fargate) == (ANALYSABLE, 4, False)
    mirror = read["Mirror/FargateService"]
    assert mirror.status == INCONCLUSIVE and "Mirrored" in mirror.reason and "MirrorRegion" in mirror.reason


def test_a_nested_stack_whose_template_is_not_here_is_reported():
    read = specs("cfn-unfound")
    # root.yaml's Service stack (line 13) names a template on S3 that no file in the folder matches;
    # Network is found (network.yaml, no service) and so is not listed. Addons (line 19) takes its URL
    # from a parameter with no value, and exists only when HasAddons holds, which that parameter decides.
    assert sorted(read) == ["Addons", "Service"]
    stack, addons = read["Service"], read["Addons"]
    assert stack.status == NOT_ANALYSED and "ecs-service-v2.yaml" in stack.reason and stack.line == 13
    assert addons.status == NOT_ANALYSED and addons.line == 19
    assert "computed URL" in addons.reason and "HasAddons" in addons.reason and "AddonsUrl" in addons.reason


def test_an_undecided_deployment_configuration_is_not_read_as_ecs_defaults():
    path = SHAPES / "cfn-conditions" / "undecided-configuration.yaml"
    api, = read_template(path.read_text(), str(path))
    # Critical needs Tier, which has no value: the percentages are 100/150 or 50/100, never the 100/200
    # ECS would take if DeploymentConfiguration were absent.
    assert api.status == INCONCLUSIVE and "DeploymentConfiguration" in api.reason and "Fn::If" in api.reason
    tiered, = read_template(path.read_text(), str(path), {"Tier": "critical"})
    assert (tiered.status, tiered.min_healthy_percent.value, tiered.max_percent.value) == (ANALYSABLE, 100, 150)


def test_an_undecided_controller_or_capacity_provider_strategy_is_not_guessed():
    path = SHAPES / "cfn-conditions" / "undecided-controller.yaml"
    read = {spec.name: spec for spec in read_template(path.read_text(), str(path))}
    # Shifted may be CODE_DEPLOY (not a rolling update) and Placed may be on an EC2 capacity provider
    # (cluster capacity applies) or on FARGATE_SPOT (it does not): neither is ECS's default.
    assert read["Shifted"].status == INCONCLUSIVE and "DeploymentController" in read["Shifted"].reason
    assert read["Placed"].status == INCONCLUSIVE and "CapacityProviderStrategy" in read["Placed"].reason
    decided = {spec.name: spec for spec in read_template(path.read_text(), str(path),
                                                         {"BlueGreen": "true", "Spot": "true"})}
    assert decided["Shifted"].status == NOT_ANALYSED and decided["Placed"].fargate
