"""Words in every format: no Python repr, plurals that agree, and gate --format html wired to its index page."""

import re
from html.parser import HTMLParser

import pytest
from conftest import DIFF, INFRA, MODEL_PATHS, run_in_process

REPR = re.compile(r"\b(None|True|False)\b")
ONE_PLURAL = re.compile(r"(?<![\d,.])1 (tasks|steps|slots|task slots|seconds|services|counts|properties|files)\b")


def _words_ok(text: str) -> None:
    assert not REPR.search(text), REPR.search(text)
    assert not ONE_PLURAL.search(text), ONE_PLURAL.search(text)


@pytest.mark.parametrize("form", ["text", "markdown", "html", "sarif", "junit", "json"])
def test_gate_output_of_the_fixtures_says_no_repr(form):
    # JSON's own `true`/`null` are lower case: the pattern looks for Python's spellings only.
    _words_ok(run_in_process("gate", INFRA, "--jobs", "1", "--format", form, seconds=120).out)


def test_quiet_and_range_text_of_every_model_say_no_repr():
    # reports/ holds each model's full text and Markdown (tests/test_charts.py greps it); --quiet is built apart.
    for path in MODEL_PATHS:
        _words_ok(run_in_process("verify", path, "--quiet", seconds=120).out)


def test_diff_text_says_no_repr():
    run = run_in_process("diff", DIFF / "before", DIFF / "after", seconds=120)
    assert run.code == 0 and run.out.strip(), run
    _words_ok(run.out)


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "td":
            self._in_cell = True
            self.cells.append("")

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.cells[-1] += data


def test_gate_html_is_the_index_of_every_service():
    text = run_in_process("gate", INFRA, "--jobs", "1", seconds=120).out
    page = run_in_process("gate", INFRA, "--jobs", "1", "--format", "html", seconds=120)
    assert page.code == 1 and page.out.startswith("<!DOCTYPE html>")
    parser = _Cells()
    parser.feed(page.out)
    # Each service the text table names (its first column ends with the name) is a cell of the page.
    rows = [line.split("  ")[0] for line in text.splitlines()[2:] if re.match(r"\S+:\d+ \S", line)]
    assert rows
    for row in rows:
        assert row.rsplit(" ", 1)[1] in parser.cells, row


def test_diff_text_marks_before_and_after_as_diff_does():
    # Api: DesiredCount 6, MinimumHealthyPercent 100 -> 50 in the fixtures: ECS keeps ceil(6 * 100 / 100) = 6
    # healthy before and ceil(6 * 50 / 100) = 3 after (docs/semantics.md#bounds).
    run = run_in_process("diff", DIFF / "before", DIFF / "after", seconds=120)
    lines = run.out.splitlines()
    api = lines.index(next(line for line in lines if line.startswith("Api ")))
    assert lines[api + 1:api + 3] == ["  - lowest healthy: 6", "  + lowest healthy: 3"]
    assert " -> " not in run.out
