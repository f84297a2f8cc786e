"""The HTML pages of each kind of result, through the CLI: suggest, diff, report's index, ranges.

Expected figures come from the fixtures and models named, worked out beside each test.
"""

import re
import xml.etree.ElementTree as ET

from conftest import MODELS, ROOT, run_in_process

from verifier.ci.gate import gate
from verifier.reports.html_pages import IndexEntry, gate_index, index_page
from verifier.results import Verdict

DIFF = ROOT / "tests" / "fixtures" / "diff"


def svgs(page: str) -> list[ET.Element]:
    return [ET.fromstring(s) for s in re.findall(r"<svg .*?</svg>", page, flags=re.S)]


def test_suggest_html_shows_before_and_after_side_by_side():
    # no-spare-room: 4 tasks, 100/200, capacity 4: stuck; the capacity-only fix is 5 slots, with
    # which ECS replaces one task at a time (the text output says the same, capacityTasks 4 -> 5).
    done = run_in_process("suggest", MODELS / "no-spare-room.yaml", "--format", "html")
    assert done.code == 0, done.err
    assert done.out.startswith("<!DOCTYPE html>") and '<div class="side">' in done.out
    charts = svgs(done.out)
    assert [c.get("id") for c in charts] == ["before-1", "after-1"]
    assert "stuck: never finishes" in ET.tostring(charts[0], encoding="unicode")
    assert "<td>4</td><td>5</td>" in done.out


def test_diff_html_draws_each_service_with_its_before():
    # The fixture pair has six services: Api, Batch, Search and Worker on both sides (each drawn
    # with its before overlaid), Legacy removed and Reports added (drawn without an overlay).
    done = run_in_process("diff", DIFF / "before", DIFF / "after", "--format", "html")
    assert done.code == 0, done.err
    charts = svgs(done.out)
    assert len(charts) == 6
    overlaid = [c for c in charts if "overlay-healthy" in ET.tostring(c, encoding="unicode")]
    assert len(overlaid) == 4
    assert "less safe" in done.out and "lowest healthy: 6 -&gt; 3" in done.out


def test_report_writes_an_index_of_every_service(tmp_path):
    # fixtures/infra/cloudformation holds four analysable services: Batch (50/150 at D = 1) and Worker
    # (100/100 at D = 3) are stuck at the start; Web (2..40) and Api (a count left to a parameter with
    # no Default, so every count 1..5,000, with the defaults 100/200) finish.
    done = run_in_process("report", ROOT / "tests" / "fixtures" / "infra" / "cloudformation", "--output", tmp_path)
    index = (tmp_path / "index.html").read_text()
    assert "4 services: 2 violated, 2 proved" in index
    pages = {p.name for p in tmp_path.glob("*.html")} - {"index.html"}
    assert set(re.findall(r'href="([^"#]+\.html)"', index)) == pages
    assert done.code == 1


def test_one_page_needs_no_index(tmp_path):
    run_in_process("report", MODELS / "plan-valid.yaml", "--output", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan-valid.html", "plan-valid.md"]


def test_index_sorts_without_script_and_escapes_names():
    entries = [IndexEntry("b<script>", "x.yaml", Verdict.PROVED, "every property holds", "b.html"),
               IndexEntry("a", "y.yaml", Verdict.VIOLATED, "progress: stuck", "a.html"),
               IndexEntry("c", "z.yaml", None, "not analysed: no desiredCount")]
    page = index_page("run", entries)
    assert "<script" not in page
    # One copy of the table per column; the copy by verdict (last, shown by default) is worst first.
    by_verdict = page[page.index('id="by-verdict"'):]
    order = [by_verdict.index(name) for name in (">a<", ">c<", "b&lt;script&gt;")]
    assert order == sorted(order)
    by_service = page[page.index('id="by-service"'):page.index('id="by-file"')]
    assert by_service.index(">a<") < by_service.index("b&lt;script") < by_service.index(">c<")
    assert "1 violated, 1 not analysed, 1 proved" in page


def test_gate_index_lists_services_that_were_not_analysed():
    report = gate([ROOT / "tests" / "fixtures" / "infra"])
    page = gate_index(report, {})
    assert page.count("<tr>") == 4 * (len(report.rows) + 1)   # four sorted copies, each with a heading row
    assert any(row.verdict is None for row in report.rows) and "not analysed" in page


def test_range_page_charts_the_verdict_and_deploy_time():
    # autoscaled-min50-max150 (1..5000, 50/150): desiredCount 1 is stuck (L = U = 1 leaves no room),
    # so the progress band has a violated stretch and ECS never finishes at 1.
    page = (ROOT / "reports" / "autoscaled-min50-max150.html").read_text()
    chart = svgs(page)[0]
    assert chart.get("id") == "range-chart"
    text = ET.tostring(chart, encoding="unicode")
    assert "desiredCount 1: ECS never finishes" in text and 'class="verdict-band violated"' in text
    assert "1..5,000" in page or "1..5000" in page


def test_names_on_diff_and_suggestion_pages_are_escaped():
    from verifier.ci.diff import Change
    from verifier.reports.html_pages import diff_page
    from verifier.results import DiffVerdict
    page = diff_page("<b>run</b>", [Change('<img src=x onerror="y">', None, None, DiffVerdict.UNCHANGED, ())], {})
    assert "<img" not in page and "<b>" not in page and "&lt;img src=x" in page


def test_diff_of_runs_at_scale_draws_before_beside_after():
    # One free slot at desiredCount 1,000 (before) and two (after): both ECS runs repeat a period,
    # drawn on a broken time axis, so the before run gets its own chart instead of an overlay.
    from verifier.ci.diff import Change
    from verifier.model.records import Settings
    from verifier.reports.html_pages import DiffRun, diff_page
    from verifier.results import DiffVerdict
    from verifier.schedules.ecs_controller import simulate
    from verifier.semantics import deployment_of
    runs = []
    for capacity in (1001, 1002):
        deployment = deployment_of(Settings(1000, 100, 200, capacity=capacity))
        runs.append(DiffRun(simulate(deployment), deployment.bounds))
    page = diff_page("d", [Change("Web", None, None, DiffVerdict.SAFER, ())], {"Web": (runs[0], runs[1])})
    assert [c.get("id") for c in svgs(page)] == ["diff-0", "diff-0-before"]
    assert "overlay-healthy" not in page and "repeat \u00d7" in page
