"""Hostile inputs to the CI commands (diff, gate --base, report, suggest) and to their output paths.

Each test builds what a pull request could hold (file names, git history, symbolic links) in
tmp_path and runs the command line as a user would. The expected verdicts come from the
settings written here, explained beside each test, never from rollproof's own output.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import MODELS, ROOT, run_cli

ENV = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": "/nonexistent",
       "GIT_CONFIG_NOSYSTEM": "1", "LANG": "C.UTF-8"}


def template(minimum: int, name: str = "Web", desired: int = 6) -> str:
    """One ECS service. At 6 tasks, minimum 100 keeps 6 healthy; minimum 50 lets ECS drop to 3."""
    return (f'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  {name}:\n    Type: AWS::ECS::Service\n'
            f"    Properties:\n      DesiredCount: {desired}\n      DeploymentConfiguration:\n"
            f"        MinimumHealthyPercent: {minimum}\n        MaximumPercent: 200\n")


def git(repo: Path, *words: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "core.symlinks=true",
                    *words], cwd=repo, check=True, capture_output=True, env=ENV)


def new_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q")
    return path


def commit_all(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")


def gate(*words, cwd: Path):
    return run_cli("gate", *words, cwd=cwd, env=ENV)


# --- diff and gate --base: a service is its file and its name ---------------------------------

def test_same_name_in_prod_and_staging_is_two_services(tmp_path):
    # Web in prod.yaml goes from minimum 100 to 50 (6 -> 3 healthy): less safe. Web in
    # staging.yaml stays at 50. Keyed by name alone, staging's copy hid prod's change.
    for side, prod in (("old", 100), ("new", 50)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "prod.yaml").write_text(template(prod))
        (tmp_path / side / "staging.yaml").write_text(template(50))
    done = run_cli("diff", tmp_path / "old", tmp_path / "new", "--format", "json", "--fail-on-less-safe")
    services = {s["file"]: s for s in json.loads(done.out)["services"]}
    assert services["prod.yaml"]["verdict"] == "less safe" and services["prod.yaml"]["model"] == "Web"
    assert services["staging.yaml"]["verdict"] == "unchanged"
    assert done.code == 1
    text = run_cli("diff", tmp_path / "old", tmp_path / "new").out
    assert "Web (prod.yaml)" in text and "Web (staging.yaml)" in text


def test_same_name_in_a_template_and_an_ecs_json_file_of_one_folder(tmp_path):
    # "Web" as a CloudFormation logical id and as an ECS serviceName: two services. Only the JSON
    # one changes, 100 -> 50 at 6 tasks: less safe; the template's stays unchanged.
    for side, minimum in (("old", 100), ("new", 50)):
        (tmp_path / side).mkdir()
        (tmp_path / side / "web.yaml").write_text(template(100))
        (tmp_path / side / "web.json").write_text(json.dumps({
            "serviceName": "Web", "desiredCount": 6, "launchType": "FARGATE",
            "deploymentConfiguration": {"minimumHealthyPercent": minimum, "maximumPercent": 200}}))
    done = run_cli("diff", tmp_path / "old", tmp_path / "new", "--format", "json")
    verdicts = {s["file"]: s["verdict"] for s in json.loads(done.out)["services"]}
    assert verdicts == {"web.json": "less safe", "web.yaml": "unchanged"}


def test_one_describe_services_file_with_a_name_twice(tmp_path):
    # describe-services over two clusters: Web twice in one file. The first weakens (100 -> 50 at
    # 6 tasks, less safe); keyed by name, the second (unchanged) replaced it.
    for side, minimum in (("old", 100), ("new", 50)):
        (tmp_path / side).mkdir()
        services = [{"serviceName": "Web", "clusterArn": f"arn:aws:ecs:us-east-1:1:cluster/{cluster}",
                     "desiredCount": 6, "launchType": "FARGATE",
                     "deploymentConfiguration": {"minimumHealthyPercent": percent, "maximumPercent": 200}}
                    for cluster, percent in (("prod", minimum), ("staging", 100))]
        (tmp_path / side / "services.json").write_text(json.dumps({"services": services}))
    done = run_cli("diff", tmp_path / "old", tmp_path / "new", "--format", "json", "--fail-on-less-safe")
    assert sorted(s["verdict"] for s in json.loads(done.out)["services"]) == ["less safe", "unchanged"]
    assert done.code == 1


def test_gate_base_reads_a_file_with_a_non_ascii_name(tmp_path):
    # Without -z git quotes "prédiction.yaml"; the base copy went missing, Web looked added and
    # --fail-on-less-safe passed. 100 -> 50 at 6 tasks is less safe: exit 1.
    repo = new_repo(tmp_path / "repo")
    (repo / "infra").mkdir()
    target = repo / "infra" / "prédiction ünïcode.yaml"
    target.write_text(template(100))
    commit_all(repo)
    target.write_text(template(50))
    done = gate("infra", "--base", "HEAD", "--fail-on-less-safe", cwd=repo)
    assert "less safe" in done.out and "added" not in done.out, done.out + done.err
    assert "Web (prédiction ünïcode.yaml)" in done.out
    assert done.code == 1


def test_gate_base_with_two_paths_that_hold_the_same_file_name(tmp_path):
    # a/x.yaml and b/x.yaml both declare Web; only a's weakens (100 -> 50): less safe, exit 1.
    # Keyed by name, b's unchanged copy (read second) hid it.
    repo = new_repo(tmp_path / "repo")
    for folder in ("a", "b"):
        (repo / folder).mkdir()
        (repo / folder / "x.yaml").write_text(template(100))
    commit_all(repo)
    (repo / "a" / "x.yaml").write_text(template(50))
    done = gate("a", "b", "--base", "HEAD", "--fail-on-less-safe", cwd=repo)
    assert "Web (b/x.yaml)" in done.out and "Web (a/x.yaml)" in done.out
    assert done.code == 1, done.out + done.err


def test_gate_base_with_a_file_git_cannot_read_is_an_error(tmp_path):
    # The base's blob is gone (a damaged or partial clone): reading it fails. That failure was
    # ignored, the base copy came out empty and Web looked added; now it is exit 2.
    repo = new_repo(tmp_path / "repo")
    (repo / "t.yaml").write_text(template(100))
    commit_all(repo)
    blob = subprocess.run(["git", "rev-parse", "HEAD:t.yaml"], cwd=repo, capture_output=True, text=True,
                          check=True, env=ENV).stdout.strip()
    (repo / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    (repo / "t.yaml").write_text(template(50))
    done = gate("t.yaml", "--base", "HEAD", "--fail-on-less-safe", cwd=repo)
    assert done.code == 2 and "cat-file" in done.err and "Traceback" not in done.err, done.out + done.err


@pytest.mark.parametrize("base", ["", "   "])
def test_gate_empty_base_is_a_usage_error(tmp_path, base):
    # `--base "$BASE_REF"` with the variable unset skipped the comparison and passed.
    repo = new_repo(tmp_path / "repo")
    (repo / "t.yaml").write_text(template(100))
    commit_all(repo)
    done = gate("t.yaml", "--base", base, "--fail-on-less-safe", cwd=repo)
    assert done.code == 2 and "--base needs a git revision" in done.err and "Traceback" not in done.err


def test_gate_base_that_looks_like_an_option(tmp_path):
    repo = new_repo(tmp_path / "repo")
    (repo / "t.yaml").write_text(template(100))
    commit_all(repo)
    for base in ("--base=-x", "--base=--output=/tmp/x"):
        done = gate("t.yaml", base, cwd=repo)
        assert done.code == 2 and "starts with '-'" in done.err, done.err


def test_gate_base_with_paths_in_two_repositories(tmp_path):
    first, second = new_repo(tmp_path / "one"), new_repo(tmp_path / "two")
    for repo in (first, second):
        (repo / "t.yaml").write_text(template(100))
        commit_all(repo)
    done = gate(first / "t.yaml", second / "t.yaml", "--base", "HEAD", cwd=first)
    assert done.code == 2 and "one git repository" in done.err and "Traceback" not in done.err


def test_gate_base_outside_any_repository(tmp_path):
    (tmp_path / "t.yaml").write_text(template(100))
    env = dict(ENV, GIT_CEILING_DIRECTORIES=str(tmp_path.parent))  # tmp_path may sit inside a checkout
    done = run_cli("gate", "t.yaml", "--base", "HEAD", cwd=tmp_path, env=env)
    assert done.code == 2 and "is not inside a git repository" in done.err


def test_fail_on_less_safe_without_base_is_a_usage_error(tmp_path):
    # It would compare with nothing and never fail: a gate that cannot catch what it promises.
    (tmp_path / "t.yaml").write_text(template(100))
    done = gate("t.yaml", "--fail-on-less-safe", cwd=tmp_path)
    assert done.code == 2 and "give --base" in done.err


def test_gate_base_follows_a_committed_link_inside_the_repository(tmp_path):
    # infra/web.yaml is a link to ../shared/web.yaml; the link's target at the base had minimum
    # 100, now 50: less safe, as the work tree's reader (which follows links) sees it.
    repo = new_repo(tmp_path / "repo")
    (repo / "shared").mkdir()
    (repo / "infra").mkdir()
    (repo / "shared" / "web.yaml").write_text(template(100))
    os.symlink("../shared/web.yaml", repo / "infra" / "web.yaml")
    commit_all(repo)
    (repo / "shared" / "web.yaml").write_text(template(50))
    done = gate("infra", "--base", "HEAD", "--fail-on-less-safe", cwd=repo)
    assert "less safe" in done.out and done.code == 1, done.out + done.err


def test_gate_base_refuses_a_committed_link_out_of_the_repository(tmp_path):
    repo = new_repo(tmp_path / "repo")
    (repo / "infra").mkdir()
    (tmp_path / "outside.yaml").write_text(template(100))
    os.symlink("../../outside.yaml", repo / "infra" / "web.yaml")
    commit_all(repo)
    done = gate("infra", "--base", "HEAD", cwd=repo)
    assert done.code == 2 and "symbolic link out of the repository" in done.err


def test_gate_base_path_pattern_characters_are_literal(tmp_path):
    # A folder named "inf*" must not also match "infra" at the base (git pathspecs are globs).
    repo = new_repo(tmp_path / "repo")
    for folder in ("inf*", "infra"):
        (repo / folder).mkdir()
    (repo / "inf*" / "a.yaml").write_text(template(100, name="Star"))
    (repo / "infra" / "b.yaml").write_text(template(100, name="Other"))
    commit_all(repo)
    done = gate("inf*", "--base", "HEAD", cwd=repo)
    assert "Other" not in done.out and "Star (a.yaml)" in done.out and "unchanged" in done.out


# --- diff of model files ----------------------------------------------------------------------

def test_diff_of_two_model_files_says_what_to_do():
    done = run_cli("diff", MODELS / "both100.yaml", MODELS / "min50-room8.yaml")
    assert done.code == 2 and "infrastructure code" in done.err and "rollproof verify" in done.err


# --- report ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["service:\n  desiredCount: [6\n", "service:\n\tdesiredCount: 6\n"])
def test_report_on_a_broken_model_file_exits_2_like_verify(tmp_path, text):
    broken = tmp_path / "broken.yaml"
    broken.write_text(text)
    assert run_cli("verify", broken).code == 2
    done = run_cli("report", broken, "--output", tmp_path / "out")
    assert done.code == 2 and "not valid YAML" in done.err and "Traceback" not in done.err


def model_named(folder: Path, file: str, name: str) -> Path:
    path = folder / file
    path.write_text(f"name: {json.dumps(name)}\nservice:\n  desiredCount: 2\n"
                    "  deploymentConfiguration: {minimumHealthyPercent: 50, maximumPercent: 200}\n")
    return path


def test_report_pages_with_the_same_file_name_do_not_overwrite(tmp_path):
    # "web app" and "web/app" both become web-app; "API" and "api" differ only by case, the same
    # file on macOS and Windows. Four models, four pages of each kind, and a note for each rename.
    models = [model_named(tmp_path, f"m{i}.yaml", name) for i, name in enumerate(["web app", "web/app", "API", "api"])]
    done = run_cli("report", *models, "--output", tmp_path / "out")
    assert done.code == 0, done.err
    pages = sorted(p.name for p in (tmp_path / "out").glob("*.html") if p.name != "index.html")
    assert len({p.casefold() for p in pages}) == 4, pages
    assert done.err.count("would share the page name") == 2


def test_report_page_name_longer_than_a_file_name_may_be(tmp_path):
    long_names = ["x" * 300, "x" * 300 + "y"]  # the same first 200 characters: the hash tells them apart
    models = [model_named(tmp_path, f"m{i}.yaml", name) for i, name in enumerate(long_names)]
    done = run_cli("report", *models, "--output", tmp_path / "out")
    assert done.code == 0, done.err
    pages = [p.name for p in (tmp_path / "out").glob("*.html") if p.name != "index.html"]
    assert len(pages) == 2 and all(len(p.encode()) <= 255 for p in pages)


# --- output paths -------------------------------------------------------------------------------

def bad_outputs(tmp_path: Path) -> dict[str, Path]:
    (tmp_path / "a-file").write_text("")
    (tmp_path / "a-folder").mkdir()
    return {"full": Path("/dev/full"), "missing parent": tmp_path / "no" / "such" / "out.txt",
            "under a file": tmp_path / "a-file" / "out.txt"}


def test_gate_output_errors_exit_2(tmp_path):
    outputs = bad_outputs(tmp_path) | {"a folder": tmp_path / "a-folder"}
    for why, output in outputs.items():
        if why == "full" and not output.exists():
            continue
        done = run_cli("gate", MODELS.parent / "tests" / "fixtures" / "diff" / "after", "--output", output)
        assert done.code == 2 and "Traceback" not in done.err and "internal error" not in done.err, (why, done.err)
        assert str(output) in done.err, (why, done.err)


def test_report_output_errors_exit_2(tmp_path):
    outputs = bad_outputs(tmp_path) | {"an existing file": tmp_path / "a-file"}
    for why, output in outputs.items():
        if why == "full" and not output.exists():
            continue
        if why == "missing parent":
            continue  # a report folder's missing parents are created, as `mkdir -p` would
        done = run_cli("report", MODELS / "both100.yaml", "--output", output)
        assert done.code == 2 and "Traceback" not in done.err and "internal error" not in done.err, (why, done.err)
        assert str(output) in done.err, (why, done.err)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_output_into_a_read_only_folder_exits_2(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        for words in (["gate", MODELS.parent / "tests" / "fixtures" / "diff" / "after", "--output", folder / "g"],
                      ["report", MODELS / "both100.yaml", "--output", folder / "pages"]):
            done = run_cli(*words)
            assert done.code == 2 and "Traceback" not in done.err and "internal error" not in done.err, done.err
    finally:
        folder.chmod(0o755)


# --- suggest --------------------------------------------------------------------------------------

def test_suggest_sees_a_violated_plan():
    # plan-invalid: stop 3 of 6, then launch 6 needs 3 + 6 = 9 slots, the cluster has 8. The
    # settings alone hold, so "already holds" was wrong; one more slot (9) lets the plan through.
    done = run_cli("suggest", MODELS / "plan-invalid.yaml")
    assert "already holds" not in done.out
    assert "capacityTasks: 8 -> 9" in done.out and "hand-written plan" in done.out
    assert run_cli("suggest", MODELS / "plan-valid.yaml").out.count("already holds") == 1
