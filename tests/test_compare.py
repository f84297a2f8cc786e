"""`rollproof diff` and `gate --base` on hand-built before/after pairs, each expectation explained."""

import json
import subprocess

from conftest import DIFF, ROOT, run_cli

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
