"""Defaults the command line shows in its help before any engine is loaded.

They live here, below every engine, so that `rollproof --help` needs neither
Z3 nor networkx; the engines import them from here too, so there is one value.
"""

from __future__ import annotations

from verifier.results import Engine

DEFAULT_MAX_STATES = 1_000_000   # states per explicit search before the answer is inconclusive
DEFAULT_TIMEOUT_MS = 20_000      # per Z3 query
DEFAULT_MAX_MEMORY_MB = 900      # resident memory at which an explicit search stops, inconclusive
ENGINES = tuple(engine.value for engine in Engine)  # the command line's choices
# Z3 reads its timeout as an unsigned 32-bit count of milliseconds and wraps larger values.
MAX_TIMEOUT_MS = 2**32 - 1


def answer_flags(engine: str = Engine.AUTO, max_states: int = DEFAULT_MAX_STATES,
                 timeout_ms: int = DEFAULT_TIMEOUT_MS,
                 max_memory_mb: int = DEFAULT_MAX_MEMORY_MB) -> tuple[str, ...]:
    """The `verify` options that differ from their defaults, as words to re-run the same check."""
    words: list[str] = []
    if engine != Engine.AUTO:
        words += ["--engine", str(Engine(engine).value)]
    if max_states != DEFAULT_MAX_STATES:
        words += ["--max-states", str(max_states)]
    if timeout_ms != DEFAULT_TIMEOUT_MS:
        words += ["--solver-timeout", str(-(-timeout_ms // 1000))]  # seconds, rounded up
    if max_memory_mb != DEFAULT_MAX_MEMORY_MB:
        words += ["--max-memory-mb", str(max_memory_mb)]
    return tuple(words)
