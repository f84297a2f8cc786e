"""Reports as a person sees them: rendered by headless Chromium, with their charts in place.

A page of each kind (model, desired range, suggestion, gate index, diff, and a counterexample)
is opened in Chromium; the test reads back the DOM Chromium built (--dump-dom) and a screenshot.
To learn the size each chart is drawn at, the test's own copy of a page gets a few lines of
script that write every <svg>'s rendered width and height into the DOM; the pages themselves
hold no script.
"""

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import MODELS, ROOT

from verifier.check.suggest import suggest
from verifier.ci.diff import compare
from verifier.model.loading import load_model
from verifier.reports.files import diff_report, write_reports
from verifier.reports.html_pages import suggestion_page
from verifier.reports.svg_chart import LEFT, RIGHT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed here (.ci/run installs "
                                                          "Debian's chromium package for this test)")

MEASURE = """<script>
document.querySelectorAll("svg").forEach(function (svg) {
  var box = svg.getBoundingClientRect();
  svg.setAttribute("data-drawn", Math.round(box.width) + "x" + Math.round(box.height));
});
</script>"""


def chromium(tmp_path, *words):
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *words],
                          capture_output=True, text=True, timeout=120)


class Elements(HTMLParser):
    """Every start tag with its attributes, and each element's text by its class, from Chromium's DOM."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text = ""

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text += data

    def with_class(self, name: str) -> list[dict[str, str]]:
        return [a for _, a in self.tags if name in a.get("class", "").split()]


def rendered(tmp_path: Path, page: Path) -> Elements:
    measured = tmp_path / f"measured-{page.name}"
    measured.write_text(page.read_text().replace("</body>", MEASURE + "</body>"))
    dom = chromium(tmp_path, "--dump-dom", measured.as_uri()).stdout
    assert "</html>" in dom, "Chromium returned no DOM"
    parsed = Elements()
    parsed.feed(dom)
    return parsed


def non_degenerate(d: str) -> bool:
    points = re.findall(r"([\d.]+),([\d.]+)", d)
    return len({x for x, _ in points}) > 1 and len({y for _, y in points}) > 1


def assert_charts_drawn(dom: Elements, timelines: int) -> None:
    """Each <svg> is drawn with a size; each timeline has areas, limits, ticks, annotations and a legend."""
    svgs = [a for tag, a in dom.tags if tag == "svg"]
    assert svgs, "no chart on the page"
    for svg in svgs:
        width, height = map(int, svg["data-drawn"].split("x"))
        assert width > 100 and height > 100, svg["id"]
    assert len([s for s in svgs if "timeline" in s.get("class", "")]) == timelines
    areas = [a for tag, a in dom.tags if tag == "path" and "area" in a.get("class", "").split()]
    assert len([a for a in areas if non_degenerate(a["d"])]) >= timelines
    if timelines:
        assert dom.with_class("limit-L") and dom.with_class("limit-U")
        assert len(dom.with_class("x-tick")) >= 2 * timelines and len(dom.with_class("y-tick")) >= 2 * timelines
        assert len(dom.with_class("annotation-lowest")) == timelines == len(dom.with_class("annotation-peak"))
        assert len(dom.with_class("legend")) >= timelines
        assert "healthy minimum L" in dom.text and "lowest healthy" in dom.text and "old stopping" in dom.text


def screenshot(tmp_path: Path, page: Path) -> Path:
    shot = tmp_path / f"{page.stem}.png"
    chromium(tmp_path, "--window-size=1100,1600", f"--screenshot={shot}", page.as_uri())
    assert shot.exists() and shot.stat().st_size > 20_000
    return shot


def test_model_page(tmp_path):
    # plan-invalid: a counterexample to `plan`, ECS's run and the step plan: three timelines.
    page = ROOT / "reports" / "plan-invalid.html"
    dom = rendered(tmp_path, page)
    assert_charts_drawn(dom, timelines=3)
    assert dom.with_class("violation") and "plan violated" in dom.text
    assert dom.with_class("event-stop") and dom.with_class("event-launch")
    screenshot(tmp_path, page)


def test_counterexample_of_one_state_has_a_width(tmp_path):
    # max-below-100 is violated in its initial state: a one-state counterexample, which was
    # drawn zero-width and labelled "1 steps".
    page = ROOT / "reports" / "max-below-100.html"
    dom = rendered(tmp_path, page)
    counterexample = next(a for tag, a in dom.tags if tag == "svg" and a["id"].startswith("counterexample"))
    assert int(counterexample["data-drawn"].split("x")[0]) > 100
    assert "1 steps" not in dom.text and "steps taken" in dom.text
    surge = dom.with_class("violation")[0]     # the first chart's: surge, violated in the initial state
    assert float(surge["width"]) == pytest.approx(RIGHT - LEFT, abs=0.2)   # one state, one step: the whole plot
    assert_charts_drawn(dom, timelines=3)


def test_range_page(tmp_path):
    # autoscaled-min50-max150 fails progress for some counts: the range chart, one counterexample,
    # and ECS's run at the top of the range.
    page = ROOT / "reports" / "autoscaled-min50-max150.html"
    dom = rendered(tmp_path, page)
    assert [a["id"] for a in dom.with_class("range-chart")] == ["range-chart"]
    assert dom.with_class("deploy-line") and dom.with_class("verdict-band")
    assert any("violated" in a["class"] for a in dom.with_class("verdict-band"))
    assert_charts_drawn(dom, timelines=2)
    screenshot(tmp_path, page)


def test_suggestion_page_shows_before_and_after(tmp_path):
    page = tmp_path / "suggestion.html"
    page.write_text(suggestion_page([suggest(load_model(MODELS / "no-spare-room.yaml"))]))
    dom = rendered(tmp_path, page)
    assert [a["id"] for a in dom.with_class("timeline")] == ["before-1", "after-1"]
    assert_charts_drawn(dom, timelines=2)
    screenshot(tmp_path, page)


def test_gate_index_links_every_service(tmp_path):
    write_reports([ROOT / "tests" / "fixtures" / "infra" / "cloudformation"], tmp_path / "out")
    page = tmp_path / "out" / "index.html"
    dom = rendered(tmp_path, page)
    links = {a["href"] for tag, a in dom.tags if tag == "a" and a.get("href", "").endswith(".html")}
    assert links == {p.name for p in (tmp_path / "out").glob("*.html") if p.name != "index.html"}
    sorted_by = [a["href"] for tag, a in dom.tags if tag == "a" and a.get("href", "").startswith("#by-")]
    assert set(sorted_by) == {"#by-verdict", "#by-service", "#by-file", "#by-finding"}
    screenshot(tmp_path, page)


def test_diff_page_overlays_before_on_after(tmp_path):
    fixtures = ROOT / "tests" / "fixtures" / "diff"
    page = tmp_path / "diff.html"
    page.write_text(diff_report(fixtures / "before", fixtures / "after",
                                compare([fixtures / "before"], [fixtures / "after"])))
    dom = rendered(tmp_path, page)
    assert dom.with_class("overlay-healthy") and dom.with_class("overlay-occupied")
    assert_charts_drawn(dom, timelines=len([a for tag, a in dom.tags if tag == "svg"]))
    screenshot(tmp_path, page)
