"""The gate on whole repositories: which files it reads, which it skips with a note, and which stay errors.

tests/fixtures/repos/platform is a repository in miniature, written to reproduce the shapes that
made `rollproof gate .` exit 2 on public ECS repositories: tab-indented JSON (package.json, an IAM
policy, CloudFormation parameters), an npm lockfile, a tsconfig with comments and trailing commas,
Go-templated CloudFormation and a Helm chart, JSON Lines, a Latin-1 file, an unrelated template
with a duplicate key. The tests add what is not committed: a JSON file over 1 MB, .venv,
node_modules and .terraform folders, and .gitignore'd paths, each holding a broken file that
looks like an ECS service, so reading any of them would exit 2.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT, run_in_process

PLATFORM = ROOT / "tests" / "fixtures" / "repos" / "platform"
GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]
BROKEN_SERVICE = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  S:\n    Type: AWS::ECS::Service\n" \
                 "    Properties: [\n"
# 4 tasks at 100 / 150 on the cluster the !Ref names: with capacityHeadroomTasks 0 the cluster has
# 4 slots, all taken; ECS may stop none (4 must stay healthy) and start none: stuck. Unlimited: proved.
SERVICE_ON_REF_CLUSTER = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  ProdCluster:
    Type: AWS::ECS::Cluster
  Orders:
    Type: AWS::ECS::Service
    Properties:
      Cluster: !Ref ProdCluster
      DesiredCount: 4
      DeploymentConfiguration:
        MinimumHealthyPercent: 100
        MaximumPercent: 150
"""


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def git(repo: Path, *words: str) -> None:
    subprocess.run(GIT + list(words), cwd=repo, check=True, capture_output=True)


def platform_copy(tmp_path: Path, with_git: bool) -> Path:
    repo = tmp_path / "platform"
    shutil.copytree(PLATFORM, repo)
    # Installed copies of other code and ignored paths: each would be exit 2 if it were read.
    for folder in (".venv/lib/python3.11/site-packages/x", "node_modules/left-pad", ".terraform/modules/ecs",
                   "generated"):
        write(repo / folder / "service.yaml", BROKEN_SERVICE)
    write(repo / ".terraform" / "modules" / "ecs" / "main.tf", 'resource "aws_ecs_service" "x" {\n')
    write(repo / "app" / "cache.local.json", '{"serviceName": "web", "desiredCount": ')
    # A lockfile over 1 MB, tab-indented: valid JSON, not valid YAML (YAML refuses tabs as indentation).
    packages = {f"node_modules/p{i}": {"version": "1.0.0", "resolved": "x" * 40} for i in range(12_000)}
    write(repo / "app" / "big-lock.json", json.dumps({"lockfileVersion": 3, "packages": packages}, indent="\t"))
    assert (repo / "app" / "big-lock.json").stat().st_size > 1_000_000
    if with_git:
        git(repo, "init", "-q")
    return repo


@pytest.mark.parametrize("with_git", [True, False], ids=["git-ls-files", "gitignore-walk"])
def test_a_whole_repository_is_gated_without_exit_2(tmp_path, monkeypatch, with_git):
    # Before: exit 2 on the tab-indented JSON, the lockfile, the tsconfig, the templates, the Latin-1
    # file and the duplicate key, and on the broken files under .venv, node_modules and ignored paths.
    repo = platform_copy(tmp_path, with_git)
    monkeypatch.chdir(repo)
    done = run_in_process("gate", ".", "--verbose")
    assert done.code == 0, done
    assert "infra/services.yaml:6 OrdersService" in done.out and "1 proved" in done.out
    # Indented "file: reason" lines, less the service's own indented details ("checked: ...", "capacity ...").
    skipped = {line.split(":")[0].strip() for line in done.out.splitlines()
               if line.startswith("  ") and ": " in line and not line.startswith(("  checked:", "  capacity"))}
    # Files that do not parse and hold no ECS service, and the templated ones (one of them a
    # CloudFormation template with an ECS service in it): skipped, each with its reason.
    assert skipped == {"data/events.json", "infra/network.yaml", "legacy/settings.yaml", "templates/service.yml"}
    assert "templates/service.yml: holds template placeholders ({{ ... }} at line 7)" in done.out
    # Valid JSON, however indented, with comments where tsconfig allows them, over 1 MB: read, no service.
    for name in ("app/package.json", "app/package-lock.json", "app/tsconfig.json", "app/big-lock.json",
                 "docs/iam-policy-example.json", "infra/params/orders-params.json"):
        assert f"\n  {name}\n" in done.out, name
    assert "7 file(s) hold no ECS service:" in done.out and "4 file(s) skipped" in done.out
    for never_read in (".venv", "node_modules", ".terraform", "generated", "cache.local.json"):
        assert never_read not in done.out + done.err


def test_without_verbose_the_files_are_counted_not_named(tmp_path, monkeypatch):
    # Before: one line naming every file (170 kB on a CDK repository).
    repo = platform_copy(tmp_path, with_git=True)
    monkeypatch.chdir(repo)
    done = run_in_process("gate", ".")
    assert done.code == 0, done
    assert "7 file(s) hold no ECS service (--verbose lists them)" in done.out
    assert "4 file(s) skipped" in done.out and "package.json" not in done.out and "events.json" not in done.out


@pytest.mark.parametrize("name, text, line", [
    ("infra/broken.yaml", BROKEN_SERVICE, 6),  # the '[' of line 5 is still open at the end, line 6
    ("modules/ecs/main.tf", 'resource "aws_ecs_service" "web" {\n  desired_count = \n', 2),
])
def test_a_template_or_module_that_does_not_parse_stays_an_error(tmp_path, monkeypatch, name, text, line):
    repo = platform_copy(tmp_path, with_git=True)
    write(repo / name, text)
    monkeypatch.chdir(repo)
    done = run_in_process("gate", ".")
    assert done.code == 2, done
    assert f"{name}:" in done.out + done.err and "error" in done.out + done.err
    if name.endswith(".yaml"):  # cfn-lint names the line; PyYAML's mark is the unclosed '['
        assert f"{name}:{line}: error" in done.out + done.err


def test_exclude_leaves_a_path_out(tmp_path, monkeypatch):
    repo = platform_copy(tmp_path, with_git=True)
    write(repo / "infra" / "experiments" / "broken.yaml", BROKEN_SERVICE)
    monkeypatch.chdir(repo)
    assert run_in_process("gate", ".").code == 2
    assert run_in_process("gate", ".", "--exclude", "infra/experiments/").code == 0
    assert run_in_process("gate", ".", "--exclude", "broken.yaml", "--exclude", "nothing/").code == 0
    # The policy's patterns are relative to its folder, wherever the gate runs from.
    write(repo / "rollproof.yaml", "exclude:\n  - infra/experiments/\n")
    assert run_in_process("gate", ".").code == 0
    monkeypatch.chdir(repo / "infra")
    assert run_in_process("gate", ".").code == 0


def test_a_file_named_on_the_command_line_is_always_read(tmp_path):
    # Asked for by name, a file that does not parse is an error, whatever it holds.
    path = write(tmp_path / "events.json", '{"a": 1}\n{"a": 2}\n')
    done = run_in_process("gate", path)
    assert done.code == 2 and f"{path}:2: error: not valid JSON" in done.out + done.err, done


def test_tab_indented_ecs_json_is_read_with_its_lines(tmp_path):
    # CreateService input indented with tabs (ecspresso, the AWS CLI's --generate-cli-skeleton output).
    # Before: "found character '\t' that cannot start any token", exit 2. 2 tasks at 100 / 100:
    # floor(2 * 100 / 100) = 2 = ceil(2 * 100 / 100) = 2: no task may start or stop, stuck.
    text = ('{\n\t"serviceName": "queue",\n\t"desiredCount": 2,\n\t"deploymentConfiguration": {\n'
            '\t\t"minimumHealthyPercent": 100,\n\t\t"maximumPercent": 100\n\t}\n}\n')
    path = write(tmp_path / "svc.json", text)
    done = run_in_process("gate", path)
    assert done.code == 1, done
    assert f"{path}:5:" in done.out  # the finding points at minimumHealthyPercent, line 5


def test_json_with_comments_is_read_as_json(tmp_path):
    text = ('{\n  // the queue worker\n  "serviceName": "queue", /* two tasks */\n  "desiredCount": 2,\n'
            '  "deploymentConfiguration": {"minimumHealthyPercent": 50, "maximumPercent": 200,},\n}\n')
    done = run_in_process("gate", write(tmp_path / "svc.json", text))
    assert done.code == 0 and "queue" in done.out, done


def test_policy_is_found_at_the_repository_root_from_a_subfolder(tmp_path, monkeypatch):
    # Before: rollproof.yaml was read from the current folder only, so running from infra/ dropped it.
    repo = tmp_path / "repo"
    write(repo / "infra" / "orders.yaml", SERVICE_ON_REF_CLUSTER)
    write(repo / "rollproof.yaml", "clusters:\n  ProdCluster:\n    capacityHeadroomTasks: 0\n")
    git(repo, "init", "-q")
    monkeypatch.chdir(repo / "infra")
    # The cluster is matched by the logical id its !Ref names (before: only by a resolved name,
    # so the policy's 4 slots were never applied and the service was proved on unlimited room).
    done = run_in_process("gate", ".")
    assert done.code == 1 and "Orders" in done.out, done
    monkeypatch.chdir(tmp_path)
    assert run_in_process("gate", repo / "infra").code == 1  # run from outside: the paths' repository


def test_without_a_policy_the_service_is_proved(tmp_path, monkeypatch):
    # The control for the test above: the same service, no policy, unlimited room.
    repo = tmp_path / "repo"
    write(repo / "infra" / "orders.yaml", SERVICE_ON_REF_CLUSTER)
    git(repo, "init", "-q")
    monkeypatch.chdir(repo / "infra")
    assert run_in_process("gate", ".").code == 0


def test_a_policy_entry_that_matches_nothing_is_a_warning(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    write(repo / "infra" / "orders.yaml", SERVICE_ON_REF_CLUSTER)
    write(repo / "rollproof.yaml", "clusters:\n  prod-typo:\n    capacityTasks: 4\nservices:\n"
                                   "  - match: Order*\n    capacityTasks: 100\n  - match: Ordres\n"
                                   "    capacityTasks: 100\n")
    git(repo, "init", "-q")
    monkeypatch.chdir(repo)
    done = run_in_process("gate", ".")
    assert done.code == 0, done
    assert "rollproof.yaml:2: warning: clusters entry 'prod-typo' matches no service" in done.err
    assert "rollproof.yaml:7: warning: services entry 'Ordres' matches no service" in done.err
    assert "Order*" not in done.err


def test_a_folder_named_on_the_command_line_is_read_even_when_gitignored(tmp_path, monkeypatch):
    # generated/ is in .gitignore, but asking for it by name means it should be read: its broken
    # template is an error, not silently nothing.
    repo = platform_copy(tmp_path, with_git=True)
    monkeypatch.chdir(repo)
    done = run_in_process("gate", "generated")
    assert done.code == 2 and "generated/service.yaml:6: error" in done.out + done.err, done


def test_report_reads_a_whole_repository_as_gate_does(tmp_path, monkeypatch):
    # Before: exit 2 on the first tab-indented JSON file.
    repo = platform_copy(tmp_path, with_git=True)
    monkeypatch.chdir(repo)
    done = run_in_process("report", ".", "--output", tmp_path / "pages", seconds=120)
    assert done.code == 0, done
    assert sorted(p.name for p in (tmp_path / "pages").iterdir()) == ["OrdersService.html", "OrdersService.md"]


def test_an_unrelated_terraform_module_that_does_not_parse_is_skipped(tmp_path):
    # No aws_ecs_service and no module call in any of its files: nothing the gate could check there.
    write(tmp_path / "network" / "main.tf", 'resource "aws_vpc" "main" {\n  cidr_block = \n')
    write(tmp_path / "app" / "svc.json", '{"serviceName": "web", "desiredCount": 2}\n')
    done = run_in_process("gate", tmp_path, "--verbose")
    assert done.code == 0, done
    assert "network/main.tf: cannot be read" in done.out and "web" in done.out


def test_a_json_file_over_the_size_limit_is_skipped_when_its_start_holds_no_service(tmp_path):
    # 5 MB is the limit for infrastructure files; a bigger lockfile is skipped, named, never an error.
    write(tmp_path / "big.json", '{"lockfileVersion": 3, "pad": "' + "x" * 5_100_000 + '"}')
    write(tmp_path / "svc.json", '{"serviceName": "web", "desiredCount": 2}\n')
    done = run_in_process("gate", tmp_path, "--verbose")
    assert done.code == 0 and "big.json: cannot be read (file is larger than 5 MB" in done.out, done
    # With an ECS service at its start it may be the file that matters: an error, with the limit.
    write(tmp_path / "big.json", '{"serviceName": "web", "pad": "' + "x" * 5_100_000 + '"}')
    done = run_in_process("gate", tmp_path)
    assert done.code == 2 and "big.json:1: error: file is larger than 5 MB" in done.out + done.err, done


@pytest.mark.parametrize("with_git", [True, False], ids=["git-ls-files", "gitignore-walk"])
def test_nested_gitignore_files_and_negations(tmp_path, with_git):
    # With git, git decides; outside a work tree the walk must agree with it: a deeper .gitignore
    # overrides a shallower one (gitignore(5): "patterns in lower level files override those in
    # higher level files").
    from verifier.ingest.discovery import Exclude, discover
    write(tmp_path / ".gitignore", "*.json\nout/\n")
    write(tmp_path / "keep" / ".gitignore", "!wanted.json\n")
    for name in ("a.json", "keep/wanted.json", "keep/other.json", "out/x.yaml", "b.yaml", "keep/c.tf",
                 "node_modules/m/d.yaml", "sub/.venv/e.yaml"):
        write(tmp_path / name, "x")
    if with_git:
        git(tmp_path, "init", "-q")
    found = {p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])}
    assert found == {"keep/wanted.json", "b.yaml", "keep/c.tf"}
    found = {p.relative_to(tmp_path).as_posix() for p in discover([tmp_path], [Exclude("keep/*.tf")])}
    assert found == {"keep/wanted.json", "b.yaml"}


def test_a_policy_exclude_that_is_not_a_list_is_refused_with_its_line(tmp_path):
    policy = write(tmp_path / "rollproof.yaml", "defaults: {}\nexclude: examples/\n")
    done = run_in_process("gate", PLATFORM / "infra", "--policy", policy)
    assert done.code == 2 and f"{policy}:2: error: exclude must be a list" in done.err, done
