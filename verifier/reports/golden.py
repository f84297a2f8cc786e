"""Keep reports/ current: a text, JSON, HTML and Markdown report per model in models/.

    python -m verifier.reports.golden --update   # rewrite reports/ (make reports)
    python -m verifier.reports.golden --check    # exit 1 and name the stale files

Reports leave out wall time so that they change only when a verdict, a figure
or a message does; the test suite runs --check, so a change that alters any
report must update reports/ in the same commit.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from verifier.check.ranges import RangeResult
from verifier.check.verify import Result, check_model
from verifier.model.loading import load_model
from verifier.reports.html import render_html
from verifier.reports.html_pages import range_page
from verifier.reports.json_output import range_json, result_json
from verifier.reports.markdown import render_markdown, render_range_markdown
from verifier.reports.text import render, render_range

ROOT = Path(__file__).resolve().parents[2]
REPORT_SUFFIXES = (".txt", ".json", ".html", ".md")


def expected_reports(models_dir: Path, checked: Mapping[str, Result | RangeResult] | None = None) -> dict[str, str]:
    """File name in reports/ -> its content, for every model file.

    `checked` may hold results already computed (by file stem), for models loaded as
    `load_model(path, shown_as=f"{models_dir.name}/{path.name}")`, so that a test run checks each model once.
    """
    reports = {}
    for path in sorted(models_dir.glob("*.yaml")):
        if checked is not None and path.stem in checked:
            result = checked[path.stem]
        else:
            result = check_model(load_model(path, shown_as=f"{models_dir.name}/{path.name}"))
        if isinstance(result, RangeResult):
            text, data = render_range(result, timing=False), range_json(result, timing=False)
            page, summary = range_page(result), render_range_markdown(result)
        else:
            text, data = render(result, timing=False), result_json(result, timing=False)
            page, summary = render_html(result), render_markdown(result)
        reports[f"{path.stem}.txt"] = text + "\n"
        reports[f"{path.stem}.json"] = json.dumps(data, indent=2) + "\n"
        reports[f"{path.stem}.html"] = page
        reports[f"{path.stem}.md"] = summary
    return reports


def stale_reports(models_dir: Path, reports_dir: Path,
                  checked: Mapping[str, Result | RangeResult] | None = None) -> list[str]:
    wanted = expected_reports(models_dir, checked)
    stale = [name for name, text in wanted.items()
             if not (reports_dir / name).exists() or (reports_dir / name).read_text() != text]
    extra = [p.name for p in reports_dir.glob("*") if p.suffix in REPORT_SUFFIXES and p.name not in wanted]
    return sorted(stale + extra)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m verifier.reports.golden", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--update", action="store_true", help="rewrite reports/ from models/")
    mode.add_argument("--check", action="store_true", help="exit 1 if reports/ is stale")
    args = parser.parse_args(argv)
    models_dir, reports_dir = ROOT / "models", ROOT / "reports"
    if args.check:
        stale = stale_reports(models_dir, reports_dir)
        for name in stale:
            print(f"reports/{name} is stale: run 'make reports'", file=sys.stderr)
        return 1 if stale else 0
    reports_dir.mkdir(exist_ok=True)
    wanted = expected_reports(models_dir)
    for old in reports_dir.glob("*"):
        if old.suffix in REPORT_SUFFIXES and old.name not in wanted:
            old.unlink()
    for name, text in wanted.items():
        (reports_dir / name).write_text(text)
    print(f"wrote {len(wanted)} reports to reports/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
