"""Reports as a person sees them: rendered by headless Chromium, with their charts in place."""

import shutil
import subprocess

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed here (.ci/run installs "
                                                          "Debian's chromium package for this test)")


def chromium(tmp_path, *words):
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *words],
                          capture_output=True, text=True, timeout=120)


def test_report_renders_with_its_charts(tmp_path):
    page = ROOT / "reports" / "plan-invalid.html"
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert '<svg id="ecs-timeline"' in dom and '<svg id="counterexample-plan"' in dom
    assert 'class="series-new"' in dom and "violated" in dom
    shot = tmp_path / "report.png"
    chromium(tmp_path, "--window-size=1100,1400", f"--screenshot={shot}", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000
