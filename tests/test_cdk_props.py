"""CDK source answered from its construct calls: the props each language writes, CDK's defaults, unknown values.

tests/fixtures/shapes/cdk-props reproduces the shapes of CDK sample repositories that keep only the
app: a TypeScript stack (object literals, a constant, comments and strings holding brackets, props
from a variable or a spread, a queue-processing pattern), a Python stack (keyword arguments, a
module constant, a daemon, a pattern scaled by `auto_scale_task_count`), a Java builder in both
forms, a C# initializer and a Go props struct. Every expected value below is read off the fixture
by hand; the CDK defaults (minHealthyPercent 50, maxHealthyPercent 200 where the call says nothing)
are aws-cdk-lib's BaseService's (see verifier/ingest/cdk_props.py).
"""

import json
import shlex

import pytest
from conftest import ROOT, assert_valid_json_output, run_in_process

from verifier.ci.gate import gate, services_in
from verifier.ingest import ANALYSABLE, NOT_ANALYSED
from verifier.ingest.cdk_props import source_services
from verifier.ingest.cdk_scan import Span, closing, masked, split_top
from verifier.model.reproduce import reproduce_command

APP = ROOT / "tests" / "fixtures" / "shapes" / "cdk-props"


def read(folder):
    found = {}
    for _, services, error in services_in([folder]):
        assert error is None, error
        for spec in services or []:
            found[spec.name] = spec
    return found


@pytest.fixture(scope="module")
def specs():
    return read(APP)


def test_every_construct_is_found_once_and_none_in_comments_or_strings(specs):
    # api-stack.ts line 8 is a comment and worker.py line 9 a docstring: each names a construct call.
    assert sorted(specs) == sorted([
        "Api", "Stuck", "Site", "FromProps", "Spread", "OddMin", "--x; touch pwned", "Queue",
        "Worker", "Agent", "Web", "Billing", "Ledger", "Cart", "Front", "Search", "Index"])


def test_typescript_literals_and_a_constant_with_brackets_in_comments_and_strings(specs):
    api = specs["Api"]
    assert api.status == ANALYSABLE and api.line == 9 and api.kind == "cdk"
    # desiredCount: API_COUNT, the constant `const API_COUNT = 3;` on line 4 (its 3 in column 19);
    # the comment after it holds `desiredCount: 7 } )` and the one after minHealthyPercent `maxHealthyPercent: 1 ,{`.
    assert (api.desired.value, api.desired.line, api.desired.column) == (3, 4, 19)
    assert (api.min_healthy_percent.value, api.min_healthy_percent.line) == (100, 13)
    assert (api.max_percent.value, api.max_percent.line) == (150, 14)
    assert api.aliases == ("api-{v2}, (blue)",) and api.fargate and api.notes == ()


def test_absent_values_take_cdks_defaults_and_say_so(specs):
    site = specs["Site"]  # an ALB pattern that writes none of the three
    assert site.status == ANALYSABLE
    assert (site.min_healthy_percent.value, site.max_percent.value) == (50, 200)
    assert site.min_healthy_percent.default and site.max_percent.default
    assert site.desired.value is None and "absent" in site.desired_unknown
    assert site.notes == ("CDK default assumed: minHealthyPercent 50", "CDK default assumed: maxHealthyPercent 200")
    cart, front = specs["Cart"], specs["Front"]  # Java: one of the two percentages written each
    assert (cart.min_healthy_percent.value, cart.max_percent.value, cart.desired.value) == (100, 200, 2)
    assert (front.min_healthy_percent.value, front.max_percent.value, front.desired.value) == (50, 100, 3)
    assert cart.notes == ("CDK default assumed: maxHealthyPercent 200",)


def test_python_keyword_arguments_a_module_constant_and_autoscaling(specs):
    worker = specs["Worker"]  # desired_count=WORKERS (WORKERS = 4 on line 4), 50 and 100 written
    assert (worker.desired.value, worker.desired.line) == (4, 4)
    assert (worker.min_healthy_percent.value, worker.max_percent.value) == (50, 100)
    assert not worker.fargate  # an Ec2Service
    web = specs["Web"]  # desired_count=2, scaled by auto_scale_task_count(max_capacity=6): minCapacity defaults to 1
    assert web.desired.value == 2 and web.desired_range == (1, 6) and web.desired_owner == "autoscaling"
    assert "CDK default assumed: autoScaleTaskCount minCapacity 1" in web.notes


def test_csharp_initializer_and_go_struct(specs):
    billing = specs["Billing"]
    assert (billing.desired.value, billing.min_healthy_percent.value, billing.max_percent.value) == (4, 75, 125)
    assert billing.aliases == ('billing "{v1}"',)  # a verbatim string: "" is one quote
    search = specs["Search"]  # jsii.Number(searchCount), `const searchCount = 2`; MaxHealthyPercent 0
    assert search.desired.value == 2 and search.min_healthy_percent.value == 0
    assert search.max_percent.value == 200  # CDK writes `maxHealthyPercent || 200`
    assert any("maxHealthyPercent 0 is read as 200" in note for note in search.notes)
    assert search.aliases == ("search-{raw}",)


def test_queue_processing_scales_between_its_capacities(specs):
    assert specs["Queue"].desired_range == (2, 5)  # minScalingCapacity 2, maxScalingCapacity 5


def test_unknown_values_name_the_property_and_its_line(specs):
    assert specs["OddMin"].status == NOT_ANALYSED
    assert "minHealthyPercent is `props.min` (line 37)" in specs["OddMin"].reason
    assert "cdk synth" in specs["OddMin"].reason
    assert "`serviceProps` (line 30)" in specs["FromProps"].reason and specs["FromProps"].status == NOT_ANALYSED
    assert "spread from `...serviceProps` (line 32)" in specs["Spread"].reason
    hostile = specs["--x; touch pwned"]  # desiredCount: a conditional: the count is open, every count is checked
    assert hostile.status == ANALYSABLE and hostile.desired.value is None
    assert "`props.min ? 2 : 4` (line 42)" in hostile.desired_unknown


def test_daemon_and_other_deployment_controllers_are_not_analysed(specs):
    assert specs["Agent"].status == NOT_ANALYSED and "DAEMON" in specs["Agent"].reason
    assert specs["Ledger"].status == NOT_ANALYSED and "CODE_DEPLOY" in specs["Ledger"].reason
    assert specs["Index"].status == NOT_ANALYSED and "BLUE_GREEN" in specs["Index"].reason
    assert specs["Billing"].status == ANALYSABLE  # DeploymentControllerType.ECS is a rolling update


def test_the_gate_answers_and_points_the_fix_at_the_line(tmp_path):
    run = run_in_process("gate", APP, "--format", "json", seconds=120)
    assert_valid_json_output(run.out)
    rows = {row["model"]: row for row in json.loads(run.out)["services"]}
    # Stuck: 1 task, 100% of 1 is 1 and 100% of 1 is 1: no task may stop and none may start.
    assert run.code == 1 and rows["Stuck"]["verdict"] == "violated"
    # Api: 3 tasks, 100% is 3 and 150% of 3 rounds down to 4: one task at a time is replaced.
    assert rows["Api"]["verdict"] == "proved"
    assert rows["Agent"]["verdict"] == "not analysed"
    text = run_in_process("gate", APP, "--service", "Stuck", seconds=60).out
    assert "api-stack.ts:22: maxHealthyPercent: 100 -> " in text  # the edit at the line that writes 100


def _reproduce(service):
    [row] = gate([APP], service=service, jobs=1).rows
    return row, reproduce_command(row.result.model)


def test_the_reproduce_line_runs_and_gives_the_gate_verdict():
    row, command = _reproduce("Stuck")
    assert shlex.split(command)[1:5] == ["verify", str(APP / "lib" / "api-stack.ts"), "--service", "Stuck"]
    assert row.verdict.exit_code == 1 == run_in_process(*shlex.split(command)[1:], seconds=60).code


def test_a_hostile_construct_id_reproduces_as_a_name_not_an_option(tmp_path):
    row, command = _reproduce("--x; touch pwned")
    words = shlex.split(command)
    assert words[3] == "--service=--x; touch pwned"  # `--service --x...` would read the name as an option
    rerun = run_in_process(*words[1:], seconds=120)
    # 100/200 holds at every count with unlimited capacity: 100% of D is D, 200% of D is 2D >= D + 1.
    assert rerun.code == 0 == row.verdict.exit_code, rerun.err
    assert not (tmp_path / "pwned").exists()


def test_scaling_written_in_another_file_opens_every_count(tmp_path):
    app = tmp_path / "app"
    (app / "lib").mkdir(parents=True)
    (app / "cdk.json").write_text('{"app": "npx ts-node bin/app.ts"}')
    (app / "lib" / "stack.ts").write_text(
        "export class S {\n  readonly api = new ecs.FargateService(this, 'Api', { desiredCount: 2 });\n}\n")
    (app / "bin").mkdir()
    (app / "bin" / "app.ts").write_text("const s = new S(app, 'S');\ns.api.autoScaleTaskCount({ maxCapacity: 9 });\n")
    api = read(app)["Api"]
    # The count 2 is written, but the call in bin/app.ts line 2 may scale it to anything up to 9.
    assert api.desired.value == 2 and "bin/app.ts:2" in api.desired_unknown


def test_masking_keeps_offsets_and_hides_brackets_in_strings_and_comments():
    text = "f('a(b', /* ) */ \"c\\\")\", `d${e}`) // )\n"
    mask = masked(text, "js")
    assert len(mask) == len(text) and mask.count("\n") == 1
    assert closing(mask, 1) == text.index(") //")
    python = 'g("""x)\n""", \'y\' # )\n)'
    assert closing(masked(python, "py"), 1) == len(python) - 1
    verbatim = 'h(@"a "")" , 1)'
    assert closing(masked(verbatim, "cs"), 1) == len(verbatim) - 1
    raw = "k(`)\n`, 1)"
    parts = split_top(masked(raw, "go"), Span(2, len(raw) - 1))
    assert [raw[p.start:p.end] for p in parts] == ["`)\n`", "1"]


def test_an_unbalanced_call_is_not_analysed_not_an_error():
    text = "new ecs.FargateService(this, 'Open', { desiredCount: 2,\n" + "x\n" * 5
    [spec] = source_services(APP / "open.ts", text)
    assert spec.status == NOT_ANALYSED and "could not be read" in spec.reason


@pytest.mark.parametrize("hatch", [
    "(svc.node.defaultChild as ecs.CfnService).desiredCount = 0;",
    "cfn.addPropertyOverride('DeploymentConfiguration.MinimumHealthyPercent', 100);",
])
def test_an_escape_hatch_that_rewrites_the_service_leaves_it_not_analysed(hatch):
    text = f"const svc = new ecs.FargateService(this, 'Api', {{ desiredCount: 2 }});\n{hatch}\n"
    [spec] = source_services(APP / "hatch.ts", text)
    # The call alone says 2 tasks; the line after rewrites the synthesized service.
    assert spec.status == NOT_ANALYSED and "line 2 rewrites" in spec.reason
    [plain] = source_services(APP / "hatch.ts", text.replace(hatch, "// " + hatch))
    assert plain.status == ANALYSABLE  # the same line in a comment changes nothing


def test_a_construct_id_repeated_in_a_file_gets_its_line_so_reproduce_picks_one(tmp_path):
    stack = tmp_path / "two.ts"
    stack.write_text("new ecs.FargateService(this, 'Svc', { desiredCount: 1, maxHealthyPercent: 100,\n"
                     "  minHealthyPercent: 100 });\n"
                     "new ecs.FargateService(other, 'Svc', { desiredCount: 2 });\n")
    first, second = source_services(stack, stack.read_text())
    assert (first.name, second.name) == ("Svc@1", "Svc@3") and "Svc" in first.names and "Svc" in second.names
    # Svc@1: 1 task at 100/100 cannot move (stuck); Svc@3: 2 tasks at CDK's 50/200 replace one at a time.
    assert run_in_process("verify", stack, "--service", "Svc@1", seconds=60).code == 1
    assert run_in_process("verify", stack, "--service", "Svc@3", seconds=60).code == 0


def test_a_python_keyword_whose_value_is_its_own_name_is_still_read():
    text = ("def stack(self, min_healthy_percent, desired_count):\n"
            "    ecs.FargateService(self, 'Api', desired_count=desired_count,\n"
            "                       min_healthy_percent=min_healthy_percent)\n")
    [spec] = source_services(APP / "same.py", text)
    # min_healthy_percent=min_healthy_percent is a value rollproof does not know, not an absent one (CDK's 50).
    assert spec.status == NOT_ANALYSED and "minHealthyPercent is `min_healthy_percent` (line 3)" in spec.reason
