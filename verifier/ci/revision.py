"""The files of some paths as they were at a git revision, for `gate --base`.

File names come from `git ls-tree -z` as bytes: without -z git quotes a non-ASCII
name ("pr\\303\\251prod.yaml"), and a file read under the quoted name does not
exist, so its services would look added. Every git failure is an error, never a
file silently left out: a missing file would make a less safe change look added.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from verifier.errors import UsageError

GIT_SECONDS = 60
SYMLINK_MODE = b"120000"
SUBMODULE_TYPE = b"commit"


def _git(*words: str | bytes, cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *words], cwd=cwd, capture_output=True, timeout=GIT_SECONDS)
    except FileNotFoundError:
        raise UsageError("--base needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"--base: git {_shown(words)} took over {GIT_SECONDS} s") from None
    if done.returncode != 0:
        problem = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise UsageError(f"--base: git {_shown(words)} failed: {problem}")
    return done.stdout


def _shown(words: tuple[str | bytes, ...]) -> str:
    return " ".join(os.fsdecode(word) for word in words)


def _top_of(path: Path) -> Path:
    """The work tree that holds `path`; a usage error when it is in none."""
    folder = path if path.is_dir() else path.parent
    try:
        done = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True,
                              timeout=GIT_SECONDS)
    except FileNotFoundError:
        raise UsageError("--base needs git, which is not installed") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"--base: git rev-parse took over {GIT_SECONDS} s") from None
    if done.returncode != 0:
        raise UsageError(f"--base compares with a git revision, but {path} is not inside a git repository")
    return Path(os.fsdecode(done.stdout.rstrip(b"\n"))).resolve()


def check_revision(revision: str) -> None:
    """A usage error for what cannot be a revision, before git sees it."""
    if not revision.strip():
        raise UsageError("--base needs a git revision (a branch, tag or commit); it was given an empty one "
                         "(an unset CI variable?)")
    if revision.startswith("-"):  # git would read it as an option
        raise UsageError(f"--base {revision!r} is not a git revision (it starts with '-')")


def _commit(revision: str, top: Path) -> str:
    """The commit `revision` names, checked before it reaches any other git command."""
    try:
        found = _git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", cwd=top)
    except UsageError:
        raise UsageError(f"--base {revision!r}: no such commit in the repository at {top} "
                         "(in CI, fetch the base branch first, e.g. with fetch-depth: 0)") from None
    return found.decode("ascii").strip()


def _relative_paths(paths: list[Path]) -> tuple[Path, list[Path]]:
    """The one repository that holds every path, and each path relative to its top."""
    tops, relatives = [], []
    for path in paths:
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as error:  # a symlink loop, say
            raise UsageError(f"--base: cannot follow {path}: {error}") from None
        top = _top_of(resolved)
        tops.append(top)
        relatives.append(resolved.relative_to(top))
    if len(set(tops)) > 1:
        where = "; ".join(f"{path} is in {top}" for path, top in zip(paths, tops, strict=True))
        raise UsageError(f"--base compares paths of one git repository, but these are in several: {where}")
    return tops[0], relatives


def _entries(commit: str, relative: Path, top: Path) -> Iterator[tuple[bytes, bytes, bytes, bytes]]:
    """(mode, type, object, name) of each file under `relative` at `commit`, names as raw bytes."""
    # "." for the top itself: an empty pathspec would be refused.
    listing = _git("--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", commit, "--",
                   os.fsencode(relative) or b".", cwd=top)
    for entry in listing.split(b"\0"):
        if entry:
            info, _, name = entry.partition(b"\t")
            mode, kind, obj = info.split(b" ")
            yield mode, kind, obj, name


def _linked_file(commit: str, name: bytes, link: bytes, top: Path) -> bytes:
    """The content, at `commit`, of the file that the committed symbolic link `name` points at."""
    target = os.path.normpath(os.path.join(os.path.dirname(name), link))
    if os.path.isabs(link) or target == b".." or target.startswith(b"../"):
        raise UsageError(f"--base: {os.fsdecode(name)} is a symbolic link out of the repository "
                         f"(to {os.fsdecode(link)}); give the file it points at")
    try:
        return _git("cat-file", "blob", b"%s:%s" % (commit.encode("ascii"), target), cwd=top)
    except UsageError:
        raise UsageError(f"--base: {os.fsdecode(name)} is a symbolic link to {os.fsdecode(link)}, "
                         f"which is not a file at {commit[:12]}") from None


@contextmanager
def paths_at(revision: str, paths: list[Path]) -> Iterator[list[Path]]:
    """Copies of `paths` (files or folders) as committed at `revision`, in a temporary folder.

    One copy per path, in order; a path that did not exist at `revision` has a copy that does
    not exist either (so its services show as added).
    """
    check_revision(revision)
    top, relatives = _relative_paths(paths)
    commit = _commit(revision, top)
    with tempfile.TemporaryDirectory(prefix="rollproof-base-") as folder:
        root = Path(folder)
        for relative in relatives:
            for mode, kind, obj, name in _entries(commit, relative, top):
                if kind == SUBMODULE_TYPE:
                    continue  # another repository's commit: no file here to read
                target = root / os.fsdecode(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                content = _git("cat-file", "blob", obj.decode("ascii"), cwd=top)
                if mode == SYMLINK_MODE:  # the work tree's reader follows a link: copy what it points at
                    content = _linked_file(commit, name, content, top)
                target.write_bytes(content)
        yield [root / relative for relative in relatives]
