"""States of the interleaving graph packed into one integer each.

Every reachable state has o + s <= D (old tasks only stop, stopping ones only
go) and p + n <= D (launch's guard), so a state is a pair of points of the
triangle {(a, b) : a, b >= 0, a + b <= D}, which has T = (D+1)(D+2)/2 points.
Rows of the triangle are numbered by `a`, so the rank of (a, b) is
offset(a) + b with offset(a) = a(D+1) - a(a-1)/2, and a state's key is
rank(o, s) * T + rank(p, n): a dense number below T^2, about a quarter of the
(D+1)^4 of plain mixed-radix digits, so a one-byte mark per possible key costs
a few bytes per reachable state.

Up to `DENSE_TABLE` rows the offsets and the inverse of `rank` are lists;
beyond, they are computed (isqrt) on each call, which only the near-start
searches of huge spaces need.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import isqrt
from typing import overload

from verifier.semantics import State

DENSE_TABLE = 1 << 20   # triangle points up to which rank tables are plain lists


class _Offsets(Sequence[int]):
    """offset(a) = a(D+1) - a(a-1)/2, computed on demand."""

    def __init__(self, desired: int) -> None:
        self._width = desired + 1

    def __len__(self) -> int:
        return self._width + 1

    @overload
    def __getitem__(self, a: int) -> int: ...
    @overload
    def __getitem__(self, a: slice) -> Sequence[int]: ...
    def __getitem__(self, a: int | slice) -> int | Sequence[int]:
        assert isinstance(a, int)
        return a * self._width - a * (a - 1) // 2


class _Rows(Sequence[int]):
    """The first (`first=True`) or second coordinate of the point with rank r, computed on demand."""

    def __init__(self, desired: int, first: bool) -> None:
        self._desired, self._first = desired, first
        self._offsets = _Offsets(desired)

    def __len__(self) -> int:
        return (self._desired + 1) * (self._desired + 2) // 2

    @overload
    def __getitem__(self, r: int) -> int: ...
    @overload
    def __getitem__(self, r: slice) -> Sequence[int]: ...
    def __getitem__(self, r: int | slice) -> int | Sequence[int]:
        assert isinstance(r, int)
        # offset(a) <= r solves a^2 - (2D+3)a + 2r >= 0 for the smaller root; isqrt may be one off.
        width = 2 * self._desired + 3
        a = max(0, (width - isqrt(width * width - 8 * r)) // 2)
        while self._offsets[a + 1] <= r:
            a += 1
        while self._offsets[a] > r:
            a -= 1
        return a if self._first else r - self._offsets[a]


class Packing:
    """The key of a state and back, for one desired count D."""

    def __init__(self, desired: int) -> None:
        self.desired = desired
        self.side = (desired + 1) * (desired + 2) // 2      # T, the triangle's points
        self.size = self.side * self.side                  # every key is below this
        self.offsets: Sequence[int]
        self.firsts: Sequence[int]
        self.seconds: Sequence[int]
        if self.side <= DENSE_TABLE:
            self.offsets = [a * (desired + 1) - a * (a - 1) // 2 for a in range(desired + 2)]
            self.firsts = [a for a in range(desired + 1) for _ in range(desired + 1 - a)]
            self.seconds = [b for a in range(desired + 1) for b in range(desired + 1 - a)]
        else:
            self.offsets = _Offsets(desired)
            self.firsts, self.seconds = _Rows(desired, True), _Rows(desired, False)

    def key(self, state: State) -> int:
        offsets = self.offsets
        return (offsets[state.old] + state.stopping) * self.side + offsets[state.pending] + state.new

    def state(self, key: int) -> State:
        first, second = divmod(key, self.side)
        return State(self.firsts[first], self.seconds[first], self.firsts[second], self.seconds[second])

    def holds(self, state: State) -> bool:
        """Whether `state` has a key at all (outside the triangles it is not reachable)."""
        return min(state) >= 0 and state.old + state.stopping <= self.desired \
            and state.pending + state.new <= self.desired
