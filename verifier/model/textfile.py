"""The one place where rollproof opens a file it is asked to read: regular files only, size-bounded, UTF-8.

Files come from pull requests, so a path may name anything: `/dev/zero` or
`/dev/urandom` (endless, and their reported size is 0), a FIFO (opening it
for reading blocks until a writer comes), a folder named `x.tf`, or a
symbolic link to nothing. The type is checked with `stat` before the file is
opened, the file is opened without blocking and checked again once open (the
path may have been swapped in between), and at most the kind's limit plus
one byte is read, whatever size the file claims.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from verifier.errors import ModelError


@dataclass(frozen=True, slots=True)
class FileKind:
    """What a file is read as: its name in messages, its size limit, and what it is expected to hold."""

    what: str          # "model file"
    max_bytes: int
    size_advice: str   # why the limit is enough, or what to do instead
    expects: str       # what an empty file should have held
    max_depth: int = 50  # nesting; past a few hundred levels the recursive parsers exhaust Python's stack


MODEL_FILE = FileKind("model file", 1_000_000, "a model file is a few dozen lines",
                      "a model is a mapping with at least a 'service:' key")
POLICY_FILE = FileKind("policy file", 1_000_000, "a policy file is a few dozen lines",
                       "a policy is a mapping with 'defaults', 'clusters', 'services' or 'waivers'")
INFRA_FILE = FileKind("infrastructure file", 5_000_000,
                      "infrastructure files are read whole, so split it or leave it out",
                      "a CloudFormation template, ECS service JSON or a Terraform plan", max_depth=100)


def size_text(limit: int) -> str:
    return f"{limit // 1_000_000} MB" if limit % 1_000_000 == 0 else f"{limit // 1000} kB"


def _not_regular(path: Path, mode: int) -> str | None:
    """Why a file of this mode cannot be read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "it is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "it is a named pipe (FIFO), not a regular file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "it is a device, not a regular file"
    if stat.S_ISSOCK(mode):
        return "it is a socket, not a regular file"
    return "it is not a regular file"


def read_bytes(path: Path, kind: FileKind, shown_as: str | None = None) -> bytes:
    """The bytes of `path`, refused unless it is a regular file of at most `kind.max_bytes`."""
    source = shown_as or str(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        if os.path.islink(path):
            raise ModelError(f"cannot read file: it is a symbolic link to {os.readlink(path)!r}, "
                             "which does not exist", source) from None
        raise ModelError(f"cannot read file: {exc.strerror}", source) from None
    reason = _not_regular(path, info.st_mode)
    if reason:
        raise ModelError(f"cannot read file: {reason}; a {kind.what} is read only from a regular file", source)
    too_large = f"file is larger than {size_text(kind.max_bytes)}; {kind.size_advice}"
    if info.st_size > kind.max_bytes:
        raise ModelError(too_large, source, 1)
    try:
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise ModelError(f"cannot read file: {exc.strerror}", source) from None
    with os.fdopen(descriptor, "rb") as handle:
        reason = _not_regular(path, os.fstat(handle.fileno()).st_mode)  # swapped since the stat above?
        if reason:
            raise ModelError(f"cannot read file: {reason}; a {kind.what} is read only from a regular file", source)
        try:
            raw = handle.read(kind.max_bytes + 1)
        except OSError as exc:
            raise ModelError(f"cannot read file: {exc.strerror}", source) from None
    if len(raw) > kind.max_bytes:  # it grew while being read
        raise ModelError(too_large, source, 1)
    return raw


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 text, without the byte-order mark some editors write; the line of the first bad byte otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ModelError("file is not UTF-8 text", source, line) from None
    return text.removeprefix("\ufeff")


def read_text(path: Path, kind: FileKind, shown_as: str | None = None) -> str:
    """The text of `path` (see `read_bytes` and `decode_text`)."""
    return decode_text(read_bytes(path, kind, shown_as), shown_as or str(path))
