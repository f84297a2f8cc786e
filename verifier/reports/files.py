"""`rollproof report PATH... --output DIR`: an HTML page and a Markdown summary per model or service.

A YAML file whose top level has `service:` is a model file; anything else is
read as infrastructure code, like `gate` does, and each analysable service
gets its own pages. Pages are named after the model or service.
"""

from __future__ import annotations

import re
from pathlib import Path

from verifier.check.ranges import RangeResult
from verifier.check.verify import Options, check_model
from verifier.ci.gate import model_of, services_in
from verifier.ci.policy import Policy
from verifier.defaults import answer_flags
from verifier.ingest import ANALYSABLE, discover
from verifier.model.loading import load_model
from verifier.model.records import Model
from verifier.model.reproduce import with_check_flags
from verifier.model.yamlsource import read_yaml
from verifier.reports.html import render_html, render_range_html
from verifier.reports.markdown import render_markdown
from verifier.reports.text import render_range
from verifier.results import Verdict
from verifier.untrusted import markdown_block


def _is_model_file(path: Path) -> bool:
    if path.suffix not in (".yaml", ".yml"):
        return False
    try:
        data = read_yaml(path).data
    except Exception:  # not YAML at all: let the infrastructure readers say what it is
        return False
    return isinstance(data, dict) and "service" in data


def _models(paths: list[Path], policy: Policy, options: Options) -> list[Model]:
    files = discover(paths)
    model_files = {path for path in files if _is_model_file(path)}
    flags = answer_flags(timeout_ms=options.timeout_ms)
    models = [with_check_flags(load_model(path), flags) for path in files if path in model_files]
    infrastructure = [path for path in files if path not in model_files]
    for _, specs, error in services_in(infrastructure):
        if error is not None:
            raise error
        models += [model_of(spec, policy, options) for spec in specs or [] if spec.status == ANALYSABLE]
    return models


def write_reports(paths: list[Path], output: Path, options: Options = Options(),
                  policy: Policy = Policy()) -> tuple[list[Path], list[Verdict]]:
    """The files written, and the verdict of each model (for the exit code)."""
    output.mkdir(parents=True, exist_ok=True)
    written, verdicts = [], []
    for model in _models(paths, policy, options):
        result = check_model(model, options)
        verdicts.append(result.verdict)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", model.name).strip("-") or "model"
        if isinstance(result, RangeResult):
            # The summary is plain text: a code block keeps Markdown from reading names as syntax.
            page, summary = render_range_html(result), markdown_block(render_range(result, timing=False)) + "\n"
        else:
            page, summary = render_html(result), render_markdown(result)
        for suffix, text in ((".html", page), (".md", summary)):
            target = output / f"{stem}{suffix}"
            target.write_text(text)
            written.append(target)
    return written, verdicts
