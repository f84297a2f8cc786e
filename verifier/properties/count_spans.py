"""The desired counts of a range a closed form flags, found in time set by its behaviours, not its size.

Every quantity a range check compares is affine in D up to rounding: D, 2D,
L = ceil(D*m/100), U = floor(D*x/100), the capacity (D + headroom, or fixed)
and the requirements (a count, or a percentage rounded either way). Adding 100
to D adds a whole number to each, so comparing two with the same slope gives
the same answer at D and D + 100. Two with different slopes can only swap
order near the count where their exact lines cross: the rounding moves each
by less than 1, and the closed forms add at most 2, so 4 units either side
of the crossing are enough, which is at most 400 counts away.

So a range is cut into windows around every crossing, scanned count by count,
and blocks between them where each comparison keeps its sign: there the
flagged counts repeat with period 100, and one period tells them all. The
answer is a list of `Span`s, whole intervals or periodic patterns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import pairwise
from math import lcm

from verifier.model.records import Model, TaskCount
from verifier.semantics import Bounds, bounds_of

PERIOD = 100                 # percentages are whole, so every rounding repeats after 100 counts
ENUMERATE_UP_TO = 20_000     # a range this small is scanned count by count
MARGIN = 4 * PERIOD + PERIOD  # counts scanned either side of a crossing (see above), and one period more


@dataclass(frozen=True, slots=True)
class Span:
    """Counts low..high; with a period, only those whose (count - low) % period < width."""

    low: int
    high: int
    period: int = 1
    width: int = 1

    @property
    def whole(self) -> bool:
        return self.width >= self.period

    def __contains__(self, count: int) -> bool:
        return self.low <= count <= self.high and (count - self.low) % self.period < self.width

    def __iter__(self) -> Iterator[int]:
        """Every count of the span (only for small spans: a whole range may hold 10^12)."""
        return (count for count in range(self.low, self.high + 1) if count in self)

    @property
    def last(self) -> int:
        """The highest count of the span."""
        if self.whole:
            return self.high
        start = self.low + (self.high - self.low) // self.period * self.period
        return min(self.high, start + self.width - 1)

    def size(self) -> int:
        if self.whole:
            return self.high - self.low + 1
        full, rest = divmod(self.high - self.low + 1, self.period)
        return full * self.width + min(rest, self.width)

    def describe(self) -> str:
        if self.low == self.high:
            return f"{{{self.low}}}"
        if self.whole:
            return f"{self.low}..{self.high}"
        first = f"{self.low}..{self.low + self.width - 1}" if self.width > 1 else str(self.low)
        return f"{first} and every {self.period}th count on, up to {self.last}"


def merged(counts: list[int]) -> list[Span]:
    """Sorted, merged, whole spans of the given counts."""
    spans: list[Span] = []
    for count in sorted(set(counts)):
        if spans and count == spans[-1].high + 1:
            spans[-1] = Span(spans[-1].low, count)
        else:
            spans.append(Span(count, count))
    return spans


def _lines(model: Model) -> list[tuple[int, int]]:
    """(slope per 100 counts, value at D = 0) of every quantity the closed forms compare."""
    settings, requirements = model.settings, model.requirements
    lines = [(100, 0), (200, 0), (settings.min_healthy_percent, 0), (settings.max_percent, 0), (0, 0), (0, 1)]
    if model.capacity_headroom is not None:
        lines.append((100, model.capacity_headroom))
    elif settings.capacity is not None:
        lines.append((0, settings.capacity))
    for count in (requirements.min_healthy, requirements.max_tasks):
        if isinstance(count, TaskCount):
            lines.append((count.value, 0) if count.percent else (0, count.value))
    return lines


def crossings(model: Model) -> list[Fraction]:
    """The counts at which two of the quantities' exact lines cross."""
    lines = sorted(set(_lines(model)))
    found = set()
    for i, (slope, value) in enumerate(lines):
        for other_slope, other_value in lines[i + 1:]:
            if slope != other_slope:
                found.add(Fraction(100 * (other_value - value), slope - other_slope))
    return sorted(found)


def horizon(model: Model, low: int) -> int:
    """A count past which every flag of the closed forms repeats with period PERIOD, for ever.

    It is past the last crossing's window, and far enough past `low` that
    `flagged_spans` scans its last block by period: the spans that reach it are
    whole or periodic patterns of that block, which go on unchanged.
    """
    last = max((int(c) + MARGIN for c in crossings(model)), default=low)
    return max(low, last) + ENUMERATE_UP_TO + 4 * PERIOD


def _windows(model: Model, low: int, high: int) -> list[tuple[int, int]]:
    """Merged windows of counts around every crossing, within low..high, in order."""
    windows: list[tuple[int, int]] = []
    for crossing in crossings(model):
        a, b = max(low, int(crossing) - MARGIN), min(high, int(crossing) + MARGIN)
        if a > b:
            continue
        if windows and a <= windows[-1][1] + 1:
            windows[-1] = (windows[-1][0], max(windows[-1][1], b))
        else:
            windows.append((a, b))
    return windows


def sampled_counts(model: Model, low: int, high: int) -> list[int]:
    """Counts of low..high among which any quantity compared above has its least and greatest value.

    Within a block each quantity is affine on every class of counts modulo PERIOD,
    so its extremes there are in the block's first or last period.
    """
    if high - low + 1 <= ENUMERATE_UP_TO:
        return list(range(low, high + 1))
    counts: list[int] = []
    start = low
    for a, b in _windows(model, low, high) + [(high + 1, high)]:
        if a > start:
            counts += sorted(set(range(start, min(a, start + PERIOD))) | set(range(max(start, a - PERIOD), a)))
        counts += range(a, b + 1)
        start = b + 1
    return counts


def flagged_spans(model: Model, low: int, high: int, flagged: Callable[[Bounds], bool]) -> list[Span]:
    """The counts in low..high where `flagged` holds of the bounds, as spans in order."""

    def at(desired: int) -> bool:
        return bool(flagged(bounds_of(model.at(desired).settings)))

    if high - low + 1 <= ENUMERATE_UP_TO:
        return merged([d for d in range(low, high + 1) if at(d)])
    counts: list[int] = []
    patterns: list[Span] = []
    start = low
    for a, b in _windows(model, low, high) + [(high + 1, high)]:
        if a > start:
            _block(start, a - 1, at, counts, patterns)
        counts += [d for d in range(a, b + 1) if at(d)]
        start = b + 1
    return _joined(merged(counts), patterns)


def union(spans: list[Span]) -> list[Span]:
    """The counts of all `spans` as few spans, in order: whole intervals where they join up.

    Between two consecutive ends of the given spans the same spans are present,
    so membership repeats with the least common multiple of their periods there.
    """
    ends = sorted({s.low for s in spans} | {s.high + 1 for s in spans})
    waiting = sorted(spans, key=lambda s: s.low)
    counts: list[int] = []
    patterns: list[Span] = []
    active: list[Span] = []
    joining = 0
    for a, after in pairwise(ends):
        while joining < len(waiting) and waiting[joining].low <= a:   # each span joins once, in order
            active.append(waiting[joining])
            joining += 1
        active = [s for s in active if s.high >= a]
        if not active:
            continue
        present = list(active)
        period = lcm(*(s.period for s in present))
        _block(a, after - 1, lambda d, present=present: any(d in s for s in present), counts, patterns,  # type: ignore[misc]
               period)
    return _joined(merged(counts), patterns)


def _joined(spans: list[Span], patterns: list[Span]) -> list[Span]:
    """Whole spans and patterns' whole spans joined where they touch; patterns kept, all in order."""
    wholes = [s for s in patterns if s.whole]
    flat = sorted([(s.low, s.high) for s in spans] + [(s.low, s.high) for s in wholes])
    joined: list[Span] = []
    for a, b in flat:
        if joined and a <= joined[-1].high + 1:
            joined[-1] = Span(joined[-1].low, max(b, joined[-1].high))
        else:
            joined.append(Span(a, b))
    return sorted(joined + [s for s in patterns if not s.whole], key=lambda s: (s.low, s.high))


def _block(a: int, b: int, at: Callable[[int], bool], counts: list[int], patterns: list[Span],
           period: int = PERIOD) -> None:
    """Counts a..b, where the flags repeat every `period` counts: one period tells them all."""
    if b - a + 1 <= 3 * period:
        counts += [d for d in range(a, b + 1) if at(d)]
        return
    flags = [at(a + i) for i in range(period)]
    if all(flags):
        patterns.append(Span(a, b))
        return
    if not any(flags):
        return
    # Start at the first unflagged count, so no run of flagged counts wraps round the period.
    shift = flags.index(False)
    rotated = flags[shift:] + flags[:shift]
    i = 0
    while i < period:
        if not rotated[i]:
            i += 1
            continue
        j = i
        while j < period and rotated[j]:
            j += 1
        first, width = a + shift + i, j - i
        patterns.append(Span(first, b, period, width))
        # The same run one period earlier may reach into the block's start.
        counts += [d for d in range(max(a, first - period), first - period + width) if d >= a]
        i = j
