"""The files of some paths as they were at a git revision, for `gate --base`."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from verifier.errors import UsageError


def _git(*words: str, cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *words], cwd=cwd, capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        raise UsageError("--base needs git, which is not installed") from None
    if done.returncode != 0:
        raise UsageError(f"git {' '.join(words)}: {done.stderr.strip() or 'failed'}")
    return done.stdout


@contextmanager
def paths_at(revision: str, paths: list[Path]) -> Iterator[list[Path]]:
    """Copies of `paths` (files or folders) as committed at `revision`, in a temporary folder."""
    start = paths[0].resolve()
    top = Path(_git("rev-parse", "--show-toplevel", cwd=start if start.is_dir() else start.parent).strip())
    _git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", cwd=top)
    with tempfile.TemporaryDirectory(prefix="rollproof-base-") as folder:
        root = Path(folder)
        copies = []
        for path in paths:
            relative = path.resolve().relative_to(top)
            for name in _git("ls-tree", "-r", "--name-only", revision, "--", str(relative), cwd=top).splitlines():
                target = root / name
                target.parent.mkdir(parents=True, exist_ok=True)
                content = subprocess.run(["git", "show", f"{revision}:{name}"], cwd=top, capture_output=True,
                                         timeout=60).stdout
                target.write_bytes(content)
            copies.append(root / relative)
        yield [copy for copy in copies if copy.exists()]
