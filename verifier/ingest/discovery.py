"""Which files under a folder the gate reads, and what a file it cannot read says about itself.

A repository holds far more than infrastructure code: lockfiles, editor settings,
test data, vendored packages, Helm charts. The gate reads what git would commit:

* inside a git work tree, the files `git ls-files --cached --others --exclude-standard`
  lists (tracked files, and new ones `.gitignore` does not exclude);
* elsewhere (a tarball, a folder git refuses to read), a walk that applies every
  `.gitignore` on the way down, with the `pathspec` library's reading of its patterns;
* never `.git`, `.venv`, `node_modules` or `.terraform` (installed copies of other code),
  nor a path an `--exclude` or policy `exclude:` pattern matches (.gitignore syntax).

A file the gate is asked for by name is always read. A file found by walking a
folder that does not parse is skipped with a note, not an error, when nothing in it
looks like an ECS service (`may_hold_a_service`) or when it holds template
placeholders (`templated_line`): such a file must be rendered before anyone can read it.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pathspec

SKIPPED_FOLDERS = frozenset({".git", ".venv", "node_modules", ".terraform"})
SUFFIXES = frozenset({".yaml", ".yml", ".json", ".template", ".tf", ".sh", ".bash"})
GIT_SECONDS = 60
PEEK_BYTES = 65_536  # how much of an unreadable file (too large, not UTF-8) is searched for ECS words


@dataclass(frozen=True, slots=True)
class Exclude:
    """One .gitignore-style pattern, matched against a path relative to the folder scanned or to `anchor`.

    `anchor` is the folder a pattern was written for: the current folder for `--exclude`,
    the policy file's folder for its `exclude:` list.
    """

    pattern: str
    anchor: Path | None = None


def discover(paths: Sequence[Path], exclude: Sequence[Exclude] = (), skip_names: Iterable[str] = ()) -> list[Path]:
    """The infrastructure-looking files under `paths`, in a stable order; a file given by name is kept.

    A dangling symbolic link is listed, so that reading it says what it is; a folder is never a file.
    """
    skipped_names = frozenset(skip_names)
    found: list[Path] = []
    for path in paths:
        if not path.is_dir():
            found.append(path)
            continue
        listed = _git_listing(path)
        candidates = listed if listed is not None else _walk(path)
        matcher = _Excluder(exclude, path)
        found += sorted(p for p in candidates
                        if p.suffix in SUFFIXES and p.name not in skipped_names
                        and not SKIPPED_FOLDERS.intersection(p.relative_to(path).parts)
                        and (p.is_file() or (p.is_symlink() and not p.exists()))
                        and not matcher.excludes(p))
    return found


class _Excluder:
    def __init__(self, exclude: Sequence[Exclude], root: Path) -> None:
        self.root = root
        self.rules = [(pathspec.GitIgnoreSpec.from_lines([rule.pattern]), rule.anchor) for rule in exclude]

    def excludes(self, path: Path) -> bool:
        for spec, anchor in self.rules:
            for base in (self.root, anchor):
                relative = _relative(path, base) if base is not None else None
                if relative is not None and spec.match_file(relative):
                    return True
        return False


def _relative(path: Path, base: Path) -> str | None:
    try:
        # abspath, not absolute(): a policy found above the current folder is named ../rollproof.yaml
        return Path(os.path.abspath(path)).relative_to(os.path.abspath(base)).as_posix()
    except ValueError:
        return None


def _git(folder: Path, *words: str) -> subprocess.CompletedProcess[bytes] | None:
    try:
        return subprocess.run(["git", "-C", str(folder), *words], capture_output=True, timeout=GIT_SECONDS)
    except (OSError, subprocess.TimeoutExpired):  # no git, or a repository too slow to list: walk instead
        return None


def git_top(folder: Path) -> Path | None:
    """The top of the git work tree that holds `folder`, or None outside one (or without git)."""
    done = _git(folder, "rev-parse", "--show-toplevel")
    if done is None or done.returncode != 0 or not done.stdout.strip():
        return None
    return Path(os.fsdecode(done.stdout.rstrip(b"\n"))).absolute()


def _git_listing(folder: Path) -> list[Path] | None:
    """The files git would commit under `folder`; None when git cannot say (not a work tree, no git).

    A folder that `.gitignore` excludes but that was named on the command line is walked:
    asking for it by name means it should be read.
    """
    done = _git(folder, "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ".")
    if done is None or done.returncode != 0:
        return None
    ignored = _git(folder, "check-ignore", "-q", ".")
    if ignored is not None and ignored.returncode == 0:
        return None
    # --cached lists a tracked file deleted from the work tree: it is not there to read.
    names = (os.fsdecode(name) for name in done.stdout.split(b"\0") if name)
    return [folder / name for name in dict.fromkeys(names) if os.path.lexists(folder / name)]


def _walk(root: Path) -> list[Path]:
    """Every file under `root`, leaving out what a `.gitignore` on the way down excludes."""
    found: list[Path] = []
    rules: dict[str, pathspec.GitIgnoreSpec] = {}
    for folder, folders, files in os.walk(root):
        here = Path(folder)
        ignore_file = here / ".gitignore"
        if ignore_file.is_file():
            with contextlib.suppress(OSError, ValueError):  # an unreadable or malformed .gitignore ignores nothing
                rules[folder] = pathspec.GitIgnoreSpec.from_lines(
                    ignore_file.read_text(encoding="utf-8", errors="replace").splitlines())
        folders[:] = sorted(name for name in folders
                            if name not in SKIPPED_FOLDERS and not _ignored(here / name, True, rules))
        found += [here / name for name in files if not _ignored(here / name, False, rules)]
    return found


def _ignored(path: Path, is_folder: bool, rules: dict[str, pathspec.GitIgnoreSpec]) -> bool:
    """Whether the .gitignore files above `path` exclude it; a deeper file's verdict wins, as in git."""
    verdict = False
    for folder, spec in rules.items():
        try:
            relative = path.relative_to(folder).as_posix()
        except ValueError:
            continue
        result = spec.check_file(relative + ("/" if is_folder else ""))
        if result.include is not None:
            verdict = result.include
    return verdict


# Words that only infrastructure holding an ECS service uses (CloudFormation, Terraform, ECS API
# JSON, a plan), and a module call or nested stack that may bring one in.
_ECS_WORDS = re.compile(r"AWS::ECS::Service|AWS::CloudFormation::Stack|aws_ecs_service|\bserviceName\b"
                        r"|\bdesiredCount\b|\bresource_changes\b|^\s*module\s+\"", re.M)
# Go, Helm and Jinja placeholders; CloudFormation's own {{resolve:...}} references are not one.
_PLACEHOLDER = re.compile(r"\{\{-?\s*(?!resolve:)[.$\w(\"/]|\{%-?\s")


def may_hold_a_service(text: str) -> bool:
    """Whether `text` holds anything that looks like an ECS service, or a module or stack that may hold one."""
    return _ECS_WORDS.search(text) is not None


def templated_line(text: str) -> int | None:
    """The first line holding a template placeholder (`{{ .Env }}`, `{% if %}`), or None."""
    found = _PLACEHOLDER.search(text)
    return None if found is None else text.count("\n", 0, found.start()) + 1


def peek(path: Path) -> str:
    """The start of a regular file as text (bad bytes replaced); "" for anything else."""
    try:
        if not path.is_file():
            return ""
        with path.open("rb") as handle:
            return handle.read(PEEK_BYTES).decode("utf-8", "replace")
    except OSError:
        return ""


_JSON_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(?=\s*[}\]])')


def without_json_comments(text: str) -> str:
    """JSON with comments (tsconfig, VS Code settings: JSONC) as JSON: each comment, and each comma
    before a closing bracket, blanked; lines and columns kept."""
    def blank(match: re.Match[str]) -> str:
        token = match.group()
        return token if token.startswith('"') else re.sub(r"[^\n]", " ", token)
    return _TRAILING_COMMA.sub(blank, _JSON_COMMENT.sub(blank, text))
