"""How much memory this process holds now, for the searches that stop at a memory budget.

A search's state budget bounds its states, not its bytes: a state of the
interleaving graph costs a few bytes packed, but a shortest-path query keeps a
few hundred per state it touches, and a timed state of the optimal search grows
with its durations. So each search also looks at the
memory the process really holds every few thousand states, and stops,
inconclusive, past `--max-memory-mb`.
"""

from __future__ import annotations

import os
import resource
import sys

CHECK_EVERY = 4096   # states between two looks: reading /proc costs microseconds, a state about one

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def resident_mb() -> float:
    """The resident set of this process now, in MiB (the peak so far where /proc is not there)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE / 2**20
    except (OSError, ValueError, IndexError):
        # ru_maxrss is in KiB on Linux and in bytes on macOS; the peak never undercounts the present.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def over(max_memory_mb: int | None) -> bool:
    return max_memory_mb is not None and resident_mb() > max_memory_mb
