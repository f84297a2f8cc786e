"""Naive, independent re-statements of docs/semantics.md (Bounds to Views) for the tests to compare against.

Nothing here imports verifier.semantics: the point is a second reading of the
semantics, written as plainly as possible, with its own arithmetic.
"""

from __future__ import annotations

import heapq
from fractions import Fraction
from math import ceil, floor, gcd


def lower(desired, percent):
    return ceil(Fraction(desired * percent, 100))


def upper(desired, percent):
    return floor(Fraction(desired * percent, 100))


def can_stop(D, m, x, C, knob, o, s, p, n, j):
    return 1 <= j <= o and (o - j) + n >= lower(D, m)


def can_launch(D, m, x, C, knob, o, s, p, n, k):
    count = o + p + n + (s if knob else 0)
    return k >= 1 and p + n + k <= D and count + k <= upper(D, x) and (C is None or o + s + p + n + k <= C)


def settled_min_steps(D, m, x, C, knob=False):
    """Breadth-first search over every step plan: (old, new) pairs, all j and k."""
    start, goal = (D, 0), (0, D)
    frontier, seen, steps = [start], {start}, 0
    while frontier:
        if goal in frontier:
            return steps
        following = []
        for o, n in frontier:
            for j in range(1, o + 1):
                if can_stop(D, m, x, C, knob, o, 0, 0, n, j) and (o - j, n) not in seen:
                    seen.add((o - j, n))
                    following.append((o - j, n))
            for k in range(1, D + 1):
                if can_launch(D, m, x, C, knob, o, 0, 0, n, k) and (o, n + k) not in seen:
                    seen.add((o, n + k))
                    following.append((o, n + k))
        frontier, steps = following, steps + 1
    return None


def settled_least_seconds(D, m, x, C, health, drain, knob=False):
    """Dijkstra over step plans, by total seconds."""
    start, goal = (D, 0), (0, D)
    best = {start: 0}
    heap = [(0, start)]
    while heap:
        time, (o, n) = heapq.heappop(heap)
        if (o, n) == goal:
            return time
        if time > best[(o, n)]:
            continue
        moves = [((o - j, n), drain) for j in range(1, o + 1) if can_stop(D, m, x, C, knob, o, 0, 0, n, j)]
        moves += [((o, n + k), health) for k in range(1, D + 1) if can_launch(D, m, x, C, knob, o, 0, 0, n, k)]
        for state, cost in moves:
            if time + cost < best.get(state, time + cost + 1):
                best[state] = time + cost
                heapq.heappush(heap, (time + cost, state))
    return None


def reachable(D, m, x, C, knob=False):
    """Every state reachable with any stop(j), launch(k), ready, gone, and its successors."""
    start = (D, 0, 0, 0)
    graph = {}
    stack = [start]
    while stack:
        state = stack.pop()
        if state in graph:
            continue
        o, s, p, n = state
        succ = [(o - j, s + j, p, n) for j in range(1, o + 1) if can_stop(D, m, x, C, knob, o, s, p, n, j)]
        succ += [(o, s, p + k, n) for k in range(1, D + 1) if can_launch(D, m, x, C, knob, o, s, p, n, k)]
        if p:
            succ.append((o, s, p - 1, n + 1))
        if s:
            succ.append((o, s - 1, p, n))
        graph[state] = succ
        stack.extend(succ)
    return graph


def optimal_makespan(D, m, x, C, health, drain, knob=False):
    """Dijkstra over timed states with whole decisions (stop j and launch k at once) per instant.

    Differs from the real search on purpose: decisions are (j, k) pairs taken
    together, not unit steps, and every task carries its own finishing time.
    Durations must be positive.
    """
    tick = gcd(health, drain)
    start = (0, D, 0, (), ())  # time, old, new, stopping finish times, pending finish times
    heap = [start]
    seen = set()
    while heap:
        now, o, n, stopping, pending = heapq.heappop(heap)
        key = (o, n, tuple(t - now for t in stopping), tuple(t - now for t in pending))
        if key in seen:
            continue
        seen.add(key)
        # events due now first
        n += sum(1 for t in pending if t <= now)
        pending = tuple(sorted(t for t in pending if t > now))
        stopping = tuple(sorted(t for t in stopping if t > now))
        if o == 0 and n == D and not stopping and not pending:
            return now
        s, p = len(stopping), len(pending)
        for j in range(0, o + 1):
            if j and not can_stop(D, m, x, C, knob, o, s, p, n, j):
                break
            o2, s2 = o - j, s + j
            for k in range(0, D + 1):
                if k and not can_launch(D, m, x, C, knob, o2, s2, p, n, k):
                    break
                new_stopping = tuple(sorted(stopping + (now + drain,) * j))
                new_pending = tuple(sorted(pending + (now + health,) * k))
                if new_stopping or new_pending:  # else nothing will ever change: a dead end
                    heapq.heappush(heap, (now + tick, o2, n, new_stopping, new_pending))
    return None


def can_finish_from(D, m, x, C, knob, state):
    """Whether (0, 0, 0, D) is reachable from `state` (old, stopping, pending, new) by any actions."""
    goal = (0, 0, 0, D)
    seen, stack = set(), [tuple(state)]
    while stack:
        o, s, p, n = current = stack.pop()
        if current == goal:
            return True
        if current in seen:
            continue
        seen.add(current)
        stack += [(o - j, s + j, p, n) for j in range(1, o + 1) if can_stop(D, m, x, C, knob, o, s, p, n, j)]
        stack += [(o, s, p + k, n) for k in range(1, D + 1) if can_launch(D, m, x, C, knob, o, s, p, n, k)]
        stack += [(o, s, p - 1, n + 1)] * bool(p) + [(o, s - 1, p, n)] * bool(s)
    return False


def step_allowed(D, m, x, C, knob, state, name, amount):
    """Whether a hand-written plan step (`stop` or `launch` of `amount`) may start in `state`."""
    o, s, p, n = state
    if name == "stop":
        return can_stop(D, m, x, C, knob, o, s, p, n, amount)
    return can_launch(D, m, x, C, knob, o, s, p, n, amount)
