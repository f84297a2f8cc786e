"""ECS's own run as a function of the desired count: pieces on which it is one run, affine in D.

For a fixed count the controller (see `ecs_controller`) is a sequence of
minima and sign tests on integers. Write D = P*t + R with P chosen so that
L = ceil(D*m/100) and U = floor(D*x/100) are affine in t (P*m and P*x are
multiples of 100); then every count, amount and time of the run is an affine
function of t for as long as each test has one answer on the piece of t
considered. Where a test changes its answer inside the piece, the piece is cut
at that point (affine, so the cut is exact) and each part is run again. The
result is a list of pieces, each with ECS's verdict and its makespan as an
affine function of t, found in time set by the run's distinct behaviours.

Runs whose length grows with D (one free slot: a million tasks is a million
rounds) repeat a period whose effect on the counts does not depend on t. The
period is replayed once more with the repetition number i as a second
variable and the same answers to every test; each test then bounds i by
floor((A*t + C)/B), which is affine in t on each residue class of t modulo
B / gcd(A, B), so the piece is split into those classes and the period is
repeated that many times at once. Each piece's tests hold for every t in it,
so the answer is exact for every count, not sampled; tests compare the pieces
with `simulate` count by count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import gcd, lcm
from typing import NamedTuple

from verifier.model.records import Model

MAX_ROUNDS = 200_000   # controller rounds over all pieces of one range before the rest is left unknown
MAX_PIECES = 20_000    # pieces of one range, likewise
MIN_PERIODS_TO_JUMP = 2


class Lin(NamedTuple):
    """t*a + i*b + c: t numbers the counts of a piece, i a repetition of a period (0 outside a replay)."""

    a: int
    b: int
    c: int

    def __add__(self, other: object) -> Lin:
        o = _lin(other)
        return Lin(self.a + o.a, self.b + o.b, self.c + o.c)

    def __sub__(self, other: object) -> Lin:
        o = _lin(other)
        return Lin(self.a - o.a, self.b - o.b, self.c - o.c)

    def scaled(self, k: int) -> Lin:
        return Lin(self.a * k, self.b * k, self.c * k)

    def at(self, t: int) -> int:
        return self.a * t + self.c


ZERO = Lin(0, 0, 0)


def _lin(value: object) -> Lin:
    return value if isinstance(value, Lin) else Lin(0, 0, int(value))  # type: ignore[call-overload]


@dataclass(frozen=True, slots=True)
class Piece:
    """The counts D = period*t + offset for lo <= t <= hi (hi None: every t from lo up)."""

    period: int
    offset: int
    lo: int
    hi: int | None

    def count(self, t: int) -> int:
        return self.period * t + self.offset

    @property
    def first(self) -> int:
        return self.count(self.lo)

    @property
    def last(self) -> int | None:
        return None if self.hi is None else self.count(self.hi)

    def restricted(self, lo: int, hi: int | None) -> Piece | None:
        lo = max(lo, self.lo)
        hi = self.hi if hi is None else (hi if self.hi is None else min(hi, self.hi))
        return None if hi is not None and lo > hi else Piece(self.period, self.offset, lo, hi)

    def classes(self, modulus: int) -> list[Piece]:
        """This piece cut into the residue classes of t modulo `modulus`, renumbered from t = 0."""
        parts = []
        for s in range(modulus):
            lo = -((s - self.lo) // modulus)            # least t' with modulus*t' + s >= lo
            hi = None if self.hi is None else (self.hi - s) // modulus
            if hi is None or lo <= hi:
                parts.append(Piece(self.period * modulus, self.period * s + self.offset, lo, hi))
        return parts


@dataclass(frozen=True, slots=True)
class RunPiece:
    """ECS's run for every count of `piece`: it completes (after `makespan` seconds, affine in t) or not."""

    piece: Piece
    completes: bool
    makespan: Lin | None
    unknown: bool = False       # not settled within the work budget

    def seconds(self, t: int) -> int | None:
        return None if self.makespan is None else self.makespan.at(t)


class _Split(Exception):
    def __init__(self, parts: list[Piece]):
        self.parts = parts


class _NoPeriod(Exception):
    """A forced replay left the recorded answers: the rounds are not a period."""


@dataclass(slots=True)
class _Oracle:
    """Answers sign tests for every t of a piece (cutting it where they differ), or replays recorded answers."""

    piece: Piece
    log: list[int] = field(default_factory=list)
    forced: list[int] | None = None
    asked: list[tuple[Lin, int]] = field(default_factory=list)

    def sign(self, e: Lin) -> int:
        if self.forced is not None:
            if len(self.asked) >= len(self.forced):
                raise _NoPeriod
            answer = self.forced[len(self.asked)]
            self.asked.append((e, answer))
            return answer
        answer = _uniform_sign(self.piece, e)
        self.log.append(answer)
        return answer

    def positive(self, e: Lin) -> bool:
        return self.sign(e) > 0

    def smallest(self, *terms: Lin) -> Lin:
        best = terms[0]
        for term in terms[1:]:
            if self.sign(term - best) < 0:
                best = term
        return best


def _uniform_sign(piece: Piece, e: Lin) -> int:
    """The sign of e(t) for every t of the piece; raises _Split where it is not one sign."""
    assert e.b == 0
    if e.a == 0:
        return (e.c > 0) - (e.c < 0)
    first = e.at(piece.lo)
    end_sign = (e.a > 0) - (e.a < 0) if piece.hi is None else (lambda v: (v > 0) - (v < 0))(e.at(piece.hi))
    first_sign = (first > 0) - (first < 0)
    if first_sign == end_sign:
        return first_sign
    # e = a*t + c changes sign once: t < z, t == z (when whole), t > z for z = -c/a.
    num, den = -e.c, e.a
    if den < 0:
        num, den = -num, -den
    below = -((-num) // den) - 1      # the largest t < z
    above = num // den + 1            # the least t > z
    cuts = [(piece.lo, below), (below + 1, above - 1), (above, piece.hi)]
    parts = [p for lo, hi in cuts if (p := piece.restricted(lo, hi)) is not None]
    raise _Split(parts)


class _State(NamedTuple):
    old: Lin
    stopping: Lin
    pending: Lin
    new: Lin


class _Run:
    """One piece's symbolic run; mirrors `ecs_controller._Simulation` test for test."""

    def __init__(self, model: Model, piece: Piece, oracle: _Oracle, budget: list[int]):
        s = model.settings
        p, r = piece.period, piece.offset
        self.desired = Lin(p, 0, r)
        self.low = Lin(p * s.min_healthy_percent // 100, 0, -((-r * s.min_healthy_percent) // 100))
        self.high = Lin(p * s.max_percent // 100, 0, r * s.max_percent // 100)
        self.capacity: Lin | None = None
        if model.capacity_headroom is not None:
            self.capacity = self.desired + model.capacity_headroom
        elif s.capacity is not None:
            self.capacity = Lin(0, 0, s.capacity)
        self.knob = s.stopping_counts_toward_max
        self.health, self.drain = s.health_check_seconds, s.drain_seconds
        self.oracle, self.budget = oracle, budget
        self.state = _State(self.desired, ZERO, ZERO, ZERO)
        self.due: dict[int, tuple[Lin, Lin]] = {}   # base second -> (tasks becoming ready, tasks gone)
        self.shift = ZERO                           # real time = base second + shift
        self.now = 0

    def control(self) -> None:
        o, s, p, n = self.state
        stop = self.oracle.smallest(o, o + n - self.low)
        if self.oracle.positive(stop):
            o, s = o - stop, s + stop
            self._schedule(self.now + self.drain, ZERO, stop)
        counted = o + p + n + (s if self.knob else ZERO)
        terms = [self.desired - p - n, self.high - counted]
        if self.capacity is not None:
            terms.append(self.capacity - (o + s + p + n))
        launch = self.oracle.smallest(*terms)
        if self.oracle.positive(launch):
            p = p + launch
            self._schedule(self.now + self.health, launch, ZERO)
        self.state = _State(o, s, p, n)

    def _schedule(self, when: int, ready: Lin, gone: Lin) -> None:
        before = self.due.get(when, (ZERO, ZERO))
        self.due[when] = (before[0] + ready, before[1] + gone)

    def round(self) -> None:
        self.budget[0] -= 1
        self.now = min(self.due)
        ready, gone = self.due.pop(self.now)
        o, s, p, n = self.state
        self.state = _State(o, s - gone, p - ready, n + ready)
        self.control()

    def signature(self) -> tuple[tuple[int, Lin, Lin], ...]:
        return tuple(sorted((when - self.now, r, g) for when, (r, g) in self.due.items()))

    def run(self) -> RunPiece | None:
        self.control()
        seen: dict[tuple[tuple[int, Lin, Lin], ...], _Mark] = {}
        rounds = 0
        while self.due:
            if self.budget[0] <= 0:
                return None
            signature = self.signature()
            earlier = seen.get(signature)
            if earlier is not None and self._jump(earlier, rounds):
                seen.clear()
                continue
            seen[signature] = _Mark(len(self.oracle.log), self.state, rounds, self.now)
            self.round()
            rounds += 1
        o, s, p, n = self.state
        done = all(self.oracle.sign(e) == 0 for e in (o, s, p, n - self.desired))
        return RunPiece(self.oracle.piece, done, self.shift + self.now if done else None)

    def _jump(self, earlier: _Mark, rounds: int) -> bool:
        """Repeat the rounds since `earlier` as often as every test keeps its answer, for every t."""
        delta = _State(*(a - b for a, b in zip(self.state, earlier.state, strict=True)))
        if any(d.a or d.b for d in delta) or not any(d.c for d in delta):
            return False
        forced = _Oracle(self.oracle.piece, forced=self.oracle.log[earlier.log_at:])
        replay = self._copy(forced)
        replay.state = _State(*(x + Lin(0, d.c, 0) for x, d in zip(self.state, delta, strict=True)))
        try:
            for _ in range(rounds - earlier.rounds):
                replay.round()
        except _NoPeriod:
            return False
        after = _State(*(x + Lin(0, d.c, d.c) for x, d in zip(self.state, delta, strict=True)))
        if len(forced.asked) != len(forced.forced or ()) or replay.state != after or \
                replay.signature() != self.signature():
            return False
        quiet = _Oracle(self.oracle.piece)   # its answers stay out of the log that periods are read from
        limits: list[Lin] = []   # the last valid i for one test: an affine function of t
        for e, answer in forced.asked:
            wanted = [e - 1] if answer > 0 else [ZERO - e - 1] if answer < 0 else [e, ZERO - e]
            for g in wanted:                              # g(t, i) >= 0 must hold for i = 0, 1, ...
                if quiet.sign(Lin(g.a, 0, g.c)) < 0:
                    return False                          # not even at i = 0 (the cut makes it uniform)
                if g.b < 0:
                    divisor = -g.b
                    modulus = divisor // gcd(g.a, divisor)
                    if modulus > 1:
                        limits.append(_constant_floor(self.oracle.piece, g, divisor, modulus))
                    else:
                        limits.append(Lin(g.a // divisor, 0, g.c // divisor))  # exact: divisor divides g.a
        if not limits:
            return False
        periods = quiet.smallest(*limits) + 1
        if quiet.sign(periods - MIN_PERIODS_TO_JUMP) < 0:
            return False
        self.state = _State(*(x + periods.scaled(d.c) for x, d in zip(self.state, delta, strict=True)))
        self.shift = self.shift + periods.scaled(self.now - earlier.now)
        return True

    def _copy(self, oracle: _Oracle) -> _Run:
        other = object.__new__(_Run)
        other.__dict__.update(self.__dict__)
        other.oracle, other.due = oracle, dict(self.due)
        return other


def _constant_floor(piece: Piece, g: Lin, divisor: int, modulus: int) -> Lin:
    """floor((g.a*t + g.c) / divisor) where it is one number on the piece; else cut the piece.

    It is affine on each residue class of t modulo `modulus`; where it takes fewer
    values than that on a bounded piece, the piece is cut where the value changes.
    """
    if piece.hi is None:
        raise _Split(piece.classes(modulus))
    first, last = (g.a * piece.lo + g.c) // divisor, (g.a * piece.hi + g.c) // divisor
    if first == last:
        return Lin(0, 0, first)
    if abs(last - first) + 1 > modulus:
        raise _Split(piece.classes(modulus))
    a, c, parts = g.a, g.c, []
    for v in range(min(first, last), max(first, last) + 1):   # the t with floor((a*t + c)/divisor) == v
        if a > 0:
            lo, hi = -((c - v * divisor) // a), -((c - (v + 1) * divisor) // a) - 1
        else:
            lo, hi = (c - (v + 1) * divisor) // -a + 1, (c - v * divisor) // -a
        part = piece.restricted(lo, hi)
        if part is not None:
            parts.append(part)
    raise _Split(parts)


class _Mark(NamedTuple):
    """Where a round began: the oracle's log, the counts, the rounds so far, the base second."""

    log_at: int
    state: _State
    rounds: int
    now: int


def ecs_pieces(model: Model, low: int, high: int | None) -> list[RunPiece]:
    """ECS's run for every count of low..high (high None: every count from low up), as pieces in order.

    Pieces not settled within MAX_ROUNDS controller rounds or MAX_PIECES pieces are `unknown`.
    """
    s = model.settings
    period = lcm(100 // gcd(100, s.min_healthy_percent), 100 // gcd(100, s.max_percent))
    todo: list[Piece] = []
    for r in range(period):
        lo = -((r - low) // period)
        hi = None if high is None else (high - r) // period
        if hi is None or lo <= hi:
            todo.append(Piece(period, r, lo, hi))
    budget = [MAX_ROUNDS]
    done: list[RunPiece] = []
    while todo:
        piece = todo.pop()
        if budget[0] <= 0 or len(done) + len(todo) >= MAX_PIECES:
            done.append(RunPiece(piece, False, None, unknown=True))
            continue
        try:
            result = _Run(model, piece, _Oracle(piece), budget).run()
        except _Split as split:
            todo += split.parts
            continue
        done.append(result if result is not None else RunPiece(piece, False, None, unknown=True))
    done.sort(key=lambda run: run.piece.first)
    return done
