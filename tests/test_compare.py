"""`rollproof diff` and `gate --base` on hand-built before/after pairs, each expectation explained."""

import json
import subprocess

from conftest import DIFF, ROOT, assert_valid_json_output, run_cli, run_in_process

from verifier.ci.diff import Metrics, classify, compare


def test_fixture_pairs():
    changes = {c.name: c for c in compare([DIFF / "before"], [DIFF / "after"])}
    # Api: minimum 100 -> 50 at 6 tasks: ECS may now drop to ceil(3) = 3 healthy. Nothing else
    # moves (Fargate, so ECS launches all 6 at once either way: 450 s).
    assert changes["Api"].verdict == "less safe"
    assert (changes["Api"].old.lowest_healthy, changes["Api"].new.lowest_healthy) == (6, 3)
    # Worker: identical settings.
    assert changes["Worker"].verdict == "unchanged"
    # Batch: 3 tasks at 100/100 are stuck; maximum 134 lets one extra task start
    # (floor(4.02) = 4): no longer stuck and it finishes, but the peak rises from 3 to 4 tasks.
    # A deployment that starts finishing is safer, whatever its peak does (rule 1).
    assert changes["Batch"].verdict == "safer"
    assert "the deployment now finishes, which outweighs peak tasks" in changes["Batch"].details
    assert changes["Batch"].old.stuck == ((3, 3),) and changes["Batch"].new.stuck == ()
    # Search: 8 tasks, 75/150 -> 100/125: never below 8 healthy instead of 6, peak 10 instead
    # of 12, but slower. Before: stop 2 and launch 6 at once, stop the other 6 when those are
    # healthy at 150 s, all gone at 450 s. After: nothing may stop first and only 2 may start,
    # so ECS goes in rounds of 2: 900 s.
    assert changes["Search"].verdict == "mixed"
    assert (changes["Search"].old.deploy_seconds, changes["Search"].new.deploy_seconds) == (450, 900)
    assert changes["Legacy"].verdict == "removed" and changes["Reports"].verdict == "added"


def test_classification_rules():
    base = Metrics(lowest_healthy=4, peak_tasks=8, deploy_seconds=600, stuck=())
    # Only better figures: safer.
    assert classify(base, Metrics(5, 8, 600, ()))[0] == "safer"
    assert classify(base, Metrics(4, 8, 450, ()))[0] == "safer"
    # Only worse: less safe; a desired count that becomes stuck is worse.
    assert classify(base, Metrics(4, 8, 600, ((1, 1),)))[0] == "less safe"
    assert classify(base, Metrics(4, 8, None, ()))[0] == "less safe"   # never finishes
    # Both: mixed. Neither: unchanged.
    assert classify(base, Metrics(5, 9, 600, ()))[0] == "mixed"
    assert classify(base, base)[0] == "unchanged"


# Rule 1 of docs/semantics.md#diff-verdicts: a change of the stuck counts decides before any figure.
FINISHES = Metrics(lowest_healthy=3, peak_tasks=6, deploy_seconds=450, stuck=())
# The same service stuck at 6 tasks: nothing new starts, so the peak is lower (6 -> 5 is what the
# issue's example showed) and the lowest healthy may even be higher; it never finishes.
STUCK = Metrics(lowest_healthy=4, peak_tasks=5, deploy_seconds=None, stuck=((6, 6),))


def test_a_deployment_that_stops_finishing_is_less_safe_whatever_the_peak_does():
    verdict, details = classify(FINISHES, STUCK)  # before: "mixed" (peak and lowest healthy improved)
    assert verdict == "less safe"
    assert "stuck desired counts: none -> {6}" in details
    assert details[-1] == "the deployment stops finishing, which outweighs lowest healthy and peak tasks"


def test_a_deployment_that_starts_finishing_is_safer_whatever_the_peak_does():
    verdict, details = classify(STUCK, FINISHES)  # the fix lets one more task start
    assert verdict == "safer"
    assert details[-1] == "the deployment now finishes, which outweighs lowest healthy and peak tasks"


def test_stuck_at_some_counts_and_freed_at_others_is_mixed():
    # Over a desired range: 2..3 stop finishing while 7 starts finishing; neither outweighs the other.
    old = Metrics(4, 8, None, ((7, 7),))
    new = Metrics(4, 8, None, ((2, 3),))
    assert classify(old, new)[0] == "mixed"


def test_more_stuck_counts_is_less_safe_even_when_deploy_time_improves():
    old = Metrics(4, 8, 900, ((1, 1),))
    new = Metrics(4, 8, 450, ((1, 2),))
    assert classify(old, new)[0] == "less safe"


def test_when_the_stuck_counts_stay_the_figures_decide():
    # Rule 2: the same stuck counts on both sides; only the figures move.
    old = Metrics(4, 8, None, ((1, 1),))
    assert classify(old, Metrics(5, 8, None, ((1, 1),)))[0] == "safer"
    assert classify(old, Metrics(3, 8, None, ((1, 1),)))[0] == "less safe"
    assert classify(old, Metrics(5, 9, None, ((1, 1),)))[0] == "mixed"
    assert classify(old, old)[0] == "unchanged"


def test_diff_cli_exit_codes():
    words = ["diff", DIFF / "before", DIFF / "after"]
    plain = run_cli(*words)
    assert plain.code == 0 and "Api" in plain.out
    strict = run_cli(*words, "--fail-on-less-safe", "--format", "json")
    assert strict.code == 1
    assert {s["model"]: s["verdict"] for s in json.loads(strict.out)["services"]}["Api"] == "less safe"


def test_gate_base_compares_with_a_git_revision(tmp_path):
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    template = repo / "infra" / "service.yaml"
    template.write_text((DIFF / "before" / "services.yaml").read_text())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(git + ["add", "."], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-qm", "base"], cwd=repo, check=True)
    template.write_text((DIFF / "after" / "services.yaml").read_text())
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = run_cli("gate", "infra", "--base", "HEAD", "--fail-on-less-safe", cwd=repo, env=env)
    assert "compared with HEAD:" in done.out and "less safe" in done.out
    assert done.code == 1
    bad = run_cli("gate", "infra", "--base", "no-such-ref", cwd=repo, env=env)
    assert bad.code == 2 and "Traceback" not in bad.err


def test_diff_and_report_on_a_malformed_template_exit_2_without_traceback(tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "t.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  S:\n"
                                "    Type: AWS::ECS::Service\n    Properties: [\n")
    for words in (["diff", str(bad), str(bad)], ["report", str(bad), "--output", str(tmp_path / "out")]):
        done = run_cli(*words)
        assert done.code == 2 and "Traceback" not in done.err
        assert done.err.startswith(f"{bad / 't.yaml'}:") and "cannot read the template" in done.err


def _service(minimum: int) -> str:
    return ("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Api:\n    Type: AWS::ECS::Service\n"
            f"    Properties:\n      DesiredCount: 4\n      DeploymentConfiguration:\n"
            f"        MinimumHealthyPercent: {minimum}\n        MaximumPercent: 200\n")


def _repo_with_a_less_safe_change(tmp_path):
    # 4 tasks, minimum 100 -> 50: every property still holds (exit 0 alone), but ECS may now
    # drop to ceil(4 * 50 / 100) = 2 healthy tasks instead of 4: less safe.
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / "infra" / "api.yaml").write_text(_service(100))
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(git + ["add", "."], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-qm", "base"], cwd=repo, check=True)
    (repo / "infra" / "api.yaml").write_text(_service(50))
    return repo


def test_gate_base_puts_the_comparison_in_the_report_and_states_the_exit_code(tmp_path, monkeypatch):
    # Before: the comparison went to stderr for every format but text.
    monkeypatch.chdir(_repo_with_a_less_safe_change(tmp_path))
    words = ["gate", "infra", "--base", "HEAD", "--fail-on-less-safe", "--format"]
    as_json = run_in_process(*words, "json")
    assert as_json.code == 1 and as_json.err == "", as_json
    document = json.loads(as_json.out)
    assert document["exit_code"] == 1
    assert document["comparison"]["base"] == "HEAD"
    assert [(s["model"], s["verdict"]) for s in document["comparison"]["services"]] == [("Api", "less safe")]
    assert_valid_json_output(as_json.out)
    markdown = run_in_process(*words, "markdown")
    assert markdown.code == 1 and markdown.err == "", markdown
    assert "Exit code 1." in markdown.out and "#### Compared with `HEAD`" in markdown.out
    # markdown_text escapes '>' (a quote block at the start of a line): "4 -\\> 2" shows as "4 -> 2".
    assert "| `Api` (api.yaml) | less safe | lowest healthy: 4 -\\> 2 |" in markdown.out
    sarif = run_in_process(*words, "sarif")
    assert sarif.code == 1 and sarif.err == ""
    compared = json.loads(sarif.out)["runs"][0]["properties"]["rollproof/comparison"]
    assert compared["services"][0]["verdict"] == "less safe"
    junit = run_in_process(*words, "junit")
    assert junit.code == 1 and junit.err == ""
    assert 'name="rollproof compared with HEAD"' in junit.out and "<failure" in junit.out
    text = run_in_process(*words, "text")
    assert text.code == 1 and "compared with HEAD:" in text.out and text.err == ""
    # Without --fail-on-less-safe the gate's own answer stands, and the report says so.
    plain = run_in_process("gate", "infra", "--base", "HEAD", "--format", "json")
    assert plain.code == 0 and json.loads(plain.out)["exit_code"] == 0


def test_gate_base_writes_the_comparison_into_the_output_file(tmp_path, monkeypatch):
    monkeypatch.chdir(_repo_with_a_less_safe_change(tmp_path))
    out = tmp_path / "report.md"
    done = run_in_process("gate", "infra", "--base", "HEAD", "--format", "markdown", "--output", out)
    assert done.code == 0 and done.out == "" and done.err == ""
    assert "#### Compared with `HEAD`" in out.read_text() and "Exit code 0." in out.read_text()
