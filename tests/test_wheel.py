"""The wheel a user installs: built from a copy of the sources, installed into a fresh virtual
environment, and every `rollproof` subcommand run from there, away from the source tree.

The dependencies are not downloaded: a .pth file in the fresh environment names this
environment's site-packages, which adds that folder to sys.path without running its own .pth
files, so the editable install of the source tree stays out of reach.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest
from conftest import DIFF, INFRA, MODELS, ROOT


def quiet(*words, cwd):
    done = subprocess.run([str(w) for w in words], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(the fresh environment, a folder outside the source tree to run in)."""
    base = tmp_path_factory.mktemp("wheel")
    # Build from a copy: building in place would leave build/ behind, and a stale build/
    # could put files into the wheel that the sources no longer have.
    source = base / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "verifier", source / "verifier", ignore=shutil.ignore_patterns("__pycache__"))
    wheels = base / "wheels"
    quiet(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
          "--quiet", "-w", wheels, source, cwd=base)
    (wheel,) = wheels.glob("rollproof-*.whl")
    env_dir = base / "env"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    quiet(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "--quiet",
          wheel, cwd=base)
    purelib = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                  capture_output=True, text=True, check=True).stdout.strip())
    (purelib / "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = base / "work"
    work.mkdir()
    return env_dir, work


def rollproof(installed, *words):
    env_dir, work = installed
    environ = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    done = subprocess.run([env_dir / "bin" / "rollproof", *map(str, words)], cwd=work, env=environ,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, done.stderr


def test_the_installed_package_is_the_wheel_not_the_source_tree(installed):
    env_dir, work = installed
    done = subprocess.run([env_dir / "bin" / "python", "-c", "import verifier; print(verifier.__file__)"],
                          cwd=work, capture_output=True, text=True, check=True)
    location = Path(done.stdout.strip()).resolve()
    assert location.is_relative_to(env_dir.resolve()) and not location.is_relative_to(ROOT)


def test_verify(installed):
    # both100's label says violated (progress), and a violation exits 1.
    code, out, _ = rollproof(installed, "verify", MODELS / "both100.yaml", "--format", "json")
    assert code == 1
    document = json.loads(out)
    assert document["verdict"] == "violated"


def test_suggest(installed):
    code, out, _ = rollproof(installed, "suggest", MODELS / "both100.yaml", "--format", "json")
    assert code == 0 and json.loads(out)["schema"] == "rollproof/suggestion/v2"


def test_gate(installed):
    # The fixtures hold stuck services (see test_gate), so the gate fails with 1.
    code, out, _ = rollproof(installed, "gate", INFRA, "--format", "json")
    assert code == 1 and json.loads(out)["schema"] == "rollproof/gate/v2"


def test_diff(installed):
    # Without --fail-on-less-safe a diff only reports: exit 0.
    code, out, _ = rollproof(installed, "diff", DIFF / "before", DIFF / "after", "--format", "json")
    assert code == 0 and {s["model"] for s in json.loads(out)["services"]} >= {"Api", "Batch"}


def test_report(installed, tmp_path):
    code, _, _ = rollproof(installed, "report", MODELS / "plan-invalid.yaml", "--output", tmp_path)
    # plan-invalid's label says violated.
    assert code == 1
    page = (tmp_path / "plan-invalid.html").read_text()
    assert page.startswith("<!DOCTYPE html>") and "violated" in page
    assert (tmp_path / "plan-invalid.md").read_text().strip()


def test_the_json_schemas_ship_in_the_wheel(installed):
    """Users validate output against the schemas inside the installed package, not a checkout."""
    env_dir, work = installed
    code = ("import importlib.resources as r, json; "
            "schemas = (r.files('verifier') / 'schemas').iterdir(); "
            "print(json.dumps(sorted(json.loads(p.read_text())['title'] for p in schemas)))")
    done = subprocess.run([env_dir / "bin" / "python", "-c", code], cwd=work, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == sorted(f"rollproof/{name}/v2"
                                             for name in ("result", "range", "suggestion", "gate", "diff"))
