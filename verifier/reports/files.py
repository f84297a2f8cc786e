"""`rollproof report PATH... --output DIR`: an HTML page and a Markdown summary per model or service.

A YAML file whose top level has `service:` is a model file; anything else is
read as infrastructure code, like `gate` does, and each analysable service
gets its own pages; index.html lists them all (when there are
several), worst verdict first. Pages are named after the model or service; names that
come out the same (ignoring case) get a `-2`, `-3` suffix, and a name too long
for a file is cut and ends with a hash of the whole.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from verifier.check.ranges import RangeResult
from verifier.check.verify import Options, check_model
from verifier.ci.diff import Change, read_all
from verifier.ci.gate import model_of, services_in
from verifier.ci.policy import Policy
from verifier.defaults import answer_flags
from verifier.errors import ModelError, UsageError
from verifier.ingest import ANALYSABLE, discover
from verifier.model.loading import load_model
from verifier.model.records import Model
from verifier.model.reproduce import with_check_flags
from verifier.model.yamlsource import read_yaml
from verifier.reports.html import render_html
from verifier.reports.html_pages import DiffRun, IndexEntry, diff_page, findings_message, index_page, range_page
from verifier.reports.markdown import render_markdown, render_range_markdown
from verifier.results import Verdict
from verifier.schedules.ecs_controller import simulate
from verifier.semantics import deployment_of

MAX_STEM_BYTES = 200   # a file name has at most 255 bytes; room for a suffix, "-2" and ".html"
HASH_CHARACTERS = 12
INDEX_STEM = "index"    # index.html lists every page written, worst verdict first


def model_file_or_error(path: Path) -> tuple[bool, ModelError | None]:
    """Whether `path` is a model file; the YAML error when it is a YAML file that cannot be read."""
    if path.suffix not in (".yaml", ".yml"):
        return False, None
    try:
        data = read_yaml(path).data
    except ModelError as error:  # maybe infrastructure code the readers know; else this is the error
        return False, error
    return isinstance(data, dict) and "service" in data, None


def _models(paths: list[Path], policy: Policy, options: Options) -> list[Model]:
    files = discover(paths, policy.exclude)
    named = set(paths)
    model_files, unreadable = set(), {}
    for path in files:
        is_model, error = model_file_or_error(path)
        if is_model:
            model_files.add(path)
        elif error is not None and path in named:
            unreadable[path] = error
    flags = answer_flags(timeout_ms=options.timeout_ms)
    models = [with_check_flags(load_model(path), flags) for path in files if path in model_files]
    # Read from `paths`, not file by file: a file found in a folder that does not parse and holds
    # no ECS service is skipped, as gate skips it; a file named on the command line is always read.
    for path, specs, error in services_in(paths, policy.exclude, skipped=[], sources=policy.sources):
        if path in model_files:
            continue
        if error is not None:
            raise error
        if specs is None and path in unreadable:
            # A YAML file named on the command line that no reader takes: a broken model file,
            # the same error (and exit code) as `verify` gives. In a folder it is skipped, as gate does.
            raise unreadable[path]
        models += [model_of(spec, policy, options) for spec in specs or [] if spec.status == ANALYSABLE]
    return models


def page_stem(name: str) -> str:
    """A file name for `name`: letters, digits, `_.-`; a long one is cut and keeps a hash of the whole."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "model"
    if len(stem) > MAX_STEM_BYTES:  # ASCII by now, so characters are bytes
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:HASH_CHARACTERS]
        stem = f"{stem[:MAX_STEM_BYTES - HASH_CHARACTERS - 1]}-{digest}"
    return stem


def _unique(stem: str, taken: set[str]) -> str:
    """`stem`, or `stem-2`, `-3`...: compared without case, as macOS and Windows file systems do."""
    candidate, number = stem, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{stem}-{number}"
    taken.add(candidate.casefold())
    return candidate


def _prepare(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise UsageError(f"--output {output} is a file; give a folder to write the pages into")
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"cannot create the folder {output}: {error.strerror}") from None


def _write(target: Path, text: str) -> None:
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {target}: {error.strerror}") from None


def write_reports(paths: list[Path], output: Path, options: Options = Options(),
                  policy: Policy = Policy()) -> tuple[list[Path], list[Verdict], list[str]]:
    """The files written, the verdict of each model (for the exit code), and notes on renamed pages."""
    models = _models(paths, policy, options)  # input errors first: nothing is created for a bad file
    _prepare(output)
    written, verdicts, notes = [], [], []
    taken: set[str] = {INDEX_STEM}   # the run's index page
    entries: list[IndexEntry] = []
    first_of: dict[str, str] = {}
    for model in models:
        result = check_model(model, options)
        verdicts.append(result.verdict)
        wanted = page_stem(model.name)
        stem = _unique(wanted, taken)
        if stem != wanted:
            notes.append(f"rollproof: {model.name!r} and {first_of[wanted.casefold()]!r} would share the page "
                         f"name {wanted}; this one is {stem}")
        first_of.setdefault(wanted.casefold(), model.name)
        if isinstance(result, RangeResult):
            page, summary = range_page(result), render_range_markdown(result)
        else:
            page, summary = render_html(result), render_markdown(result)
        for suffix, text in ((".html", page), (".md", summary)):
            target = output / f"{stem}{suffix}"
            _write(target, text)
            written.append(target)
        entries.append(IndexEntry(model.name, model.source.shown or "", result.verdict,
                                  findings_message(result.findings), f"{stem}.html"))
    if len(entries) > 1:   # one page needs no index
        target = output / f"{INDEX_STEM}.html"
        _write(target, index_page("rollproof report", entries))
        written.append(target)
    return written, verdicts, notes


def diff_report(old: Path, new: Path, changes: list[Change], policy: Policy = Policy(),
                options: Options = Options()) -> str:
    """`diff --format html`: the changes, and each service's ECS run after, with before overlaid."""
    runs: dict[str, list[DiffRun | None]] = {}
    for side, root in enumerate((old, new)):
        for key, spec in read_all([root], policy.exclude).items():
            name = key[2] + (f" (cluster {key[3]})" if key[3] else "") + (f" #{key[4] + 1}" if key[4] else "")
            run = None
            if spec.status == ANALYSABLE:
                model = model_of(spec, policy, options)
                desired = model.desired_range[1] if model.desired_range else model.settings.desired
                deployment = deployment_of(model.at(desired).settings)
                run = DiffRun(simulate(deployment, options.timeout_ms), deployment.bounds)
            runs.setdefault(name, [None, None])[side] = run
    return diff_page(f"rollproof diff {old} {new}", changes, {name: (pair[0], pair[1]) for name, pair in runs.items()})
