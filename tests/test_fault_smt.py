"""The smt engine for bad releases against a breadth-first search of the fault rules, and on hand-derived cases.

The search below is written here, over `fault_semantics.fault_successors`
(the one definition of the rules): it enumerates every reachable state, then
works backward from the goals through the steps that must happen. It shares
nothing with the Z3 encoding but the rules themselves.
"""

from collections import deque
from itertools import product

import pytest
import z3
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from verifier.fault_semantics import (
    FAULT_BY_NAME,
    FaultState,
    counted,
    fault_bounds_of,
    fault_successors,
    initial_fault_state,
    is_goal,
)
from verifier.model.faults import (
    BOUNDED_PERCENT,
    COUNT,
    FAILS_HEALTH_CHECKS,
    FAILS_TO_START,
    FLAKY,
    HEALTHY,
    UNBOUNDED_PERCENT,
    Alarms,
    Breaker,
    Faults,
)
from verifier.model.records import Model, Requirements, Settings, TaskCount
from verifier.properties import availability, capacity, progress, surge
from verifier.properties.context import CheckContext
from verifier.results import Status
from verifier.semantics import bounds_of
from verifier.smt.fault_encoding import fault_vars, unit_step
from verifier.smt.faults import check_fault_smt

TIMEOUT_MS = 20_000
MAX_STATES = 30_000
WITH_ROLLBACK = Breaker(True)


def model_of(desired, min_pct, max_pct, revision=FAILS_HEALTH_CHECKS, breaker=WITH_ROLLBACK, crashes=0,
             flaky=0, alarms=None, capacity=None, knob=False, min_healthy=None, max_tasks=None):
    settings = Settings(desired, min_pct, max_pct, capacity, stopping_counts_toward_max=knob,
                        breaker=breaker, alarms=alarms)
    return Model("fault-smt", settings, Requirements(min_healthy=min_healthy, max_tasks=max_tasks),
                 faults=Faults(revision, flaky, None, crashes))


class Search:
    """Every reachable fault state, and which of them can still reach a goal through required steps."""

    def __init__(self, model):
        self.fb = fb = fault_bounds_of(model.settings, model.faults)
        start = initial_fault_state(fb)
        self.seen = {start}
        self.edges = {}
        queue = deque([start])
        while queue and len(self.seen) <= MAX_STATES:
            state = queue.popleft()
            self.edges[state] = fault_successors(fb, state)
            for _, target, _ in self.edges[state]:
                if target not in self.seen:
                    self.seen.add(target)
                    queue.append(target)
        self.complete = not queue
        back = {}
        for state, steps in self.edges.items():
            for _, target, optional in steps:
                if not optional:
                    back.setdefault(target, []).append(state)
        self.finishes = {state for state in self.seen if is_goal(fb, state)}
        queue = deque(self.finishes)
        while queue:
            for before in back.get(queue.popleft(), ()):
                if before not in self.finishes:
                    self.finishes.add(before)
                    queue.append(before)

    @property
    def progress(self):
        return self.finishes == self.seen

    @property
    def lowest(self):
        return min(state.old + state.new for state in self.seen)


def replayed_end(fb, path):
    """The end of `path`, each batch taken as unit steps that `fault_successors` must offer."""
    state = initial_fault_state(fb)
    for name, amount in path:
        for _ in range(amount):
            unit = FAULT_BY_NAME[name].effect(fb, state, 1)
            assert (name, unit) in {(n, t) for n, t, _ in fault_successors(fb, state)}, (name, state)
            state = unit
    return state


def agree(model):
    """Compare one model's answers with the search; True when some answer was unknown."""
    search = Search(model)
    if not search.complete:
        return False
    answer = check_fault_smt(model, TIMEOUT_MS)
    fb = search.fb
    if answer.lowest_healthy is not None:
        assert answer.lowest_healthy == search.lowest
        assert replayed_end(fb, answer.lowest_path).healthy == search.lowest
    if answer.progress.status != Status.UNKNOWN:
        assert (answer.progress.status == Status.HOLDS) == search.progress, answer.progress.message
    if answer.progress.status == Status.VIOLATED:
        end = replayed_end(fb, answer.progress.path)
        assert end in search.seen and end not in search.finishes
        assert answer.progress.states[-1] == end
    wanted = model.requirements.min_healthy
    if answer.availability.status != Status.UNKNOWN:
        required = model.requirements.healthy_needed(fb.bounds.desired, fb.bounds.min_healthy)
        expected = True if model.faults.old_task_crashes and wanted is None else search.lowest >= required
        assert (answer.availability.status == Status.HOLDS) == expected
        if answer.availability.status == Status.VIOLATED:
            assert replayed_end(fb, answer.availability.path).healthy < required
    bounds = fb.bounds
    allowed = model.requirements.tasks_allowed(bounds.desired, bounds.max_tasks)
    peaks = [(surge.check_fault_smt(context_of(model)), max(counted(bounds, s) for s in search.seen), allowed)]
    if bounds.capacity is not None:
        peaks.append((capacity.check_fault_smt(context_of(model)), max(s.occupied for s in search.seen),
                      bounds.capacity))
    for finding, peak, limit in peaks:
        if finding.status != Status.UNKNOWN:
            assert (finding.status == Status.HOLDS) == (peak <= limit), finding.message
    return Status.UNKNOWN in (answer.progress.status, answer.availability.status, *(f.status for f, _, _ in peaks))


breakers = st.none() | st.builds(
    Breaker, st.booleans(),
    st.sampled_from((BOUNDED_PERCENT, UNBOUNDED_PERCENT, COUNT)), st.integers(1, 100), st.booleans())

models = st.builds(
    model_of,
    desired=st.integers(0, 5), min_pct=st.integers(0, 150), max_pct=st.integers(50, 200),
    revision=st.sampled_from((FAILS_HEALTH_CHECKS, FAILS_TO_START, FLAKY, HEALTHY)),
    breaker=breakers, crashes=st.integers(0, 2), flaky=st.integers(0, 2),
    alarms=st.none() | st.builds(Alarms, st.just(("p99",)), st.booleans()),
    capacity=st.none() | st.integers(0, 12), knob=st.booleans(),
    min_healthy=st.none() | st.builds(TaskCount, st.integers(0, 6)),
    max_tasks=st.none() | st.builds(TaskCount, st.integers(0, 12)),
)

@hsettings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(models)
def test_agrees_with_breadth_first_search(model):
    if agree(model):
        print(f"fault smt unknown: {model.settings} {model.faults}")


def test_unknown_is_rare_on_a_grid():
    """Every shape of the differential test on a fixed grid; unknown answers stay under 5 %."""
    unknown = total = 0
    for desired, (low, high), revision, breaker, crashes, slots in product(
            (3,), ((50, 200), (100, 200), (0, 100), (100, 150)),
            (FAILS_HEALTH_CHECKS, FAILS_TO_START, FLAKY, HEALTHY),
            (None, Breaker(True), Breaker(False), Breaker(True, COUNT, 1, False)), (0, 2), (None,)):
        flaky = 1 if revision == FLAKY else 0
        if revision == HEALTHY and not crashes:
            continue
        unknown += agree(model_of(desired, low, high, revision, breaker, crashes, flaky, capacity=slots))
        total += 1
    print(f"fault smt: {unknown} unknown of {total} models")
    assert unknown <= total // 20


# --- SPEC section 11's reference rows, by hand ---------------------------------------------------------

def test_defaults_broken_rolls_back_without_losing_a_task():
    # 100/200, D=6: L = 6, so no old task may stop; crashes 0: the lowest healthy count is 6.
    answer = check_fault_smt(model_of(6, 100, 200), TIMEOUT_MS)
    assert answer.progress.status == Status.HOLDS
    assert answer.lowest_healthy == 6 and answer.availability.status == Status.HOLDS


def test_min_50_broken_goes_down_to_half():
    # L = ceil(6 * 50 / 100) = 3: stop(3) at the start reaches 3 healthy; nothing goes lower.
    answer = check_fault_smt(model_of(6, 50, 200, min_healthy=TaskCount(4)), TIMEOUT_MS)
    assert answer.progress.status == Status.HOLDS
    assert answer.lowest_healthy == 3 and answer.lowest_path == (("stop", 3),)
    # requirement minHealthy 4: stop(3) leaves 3 < 4.
    assert answer.availability.status == Status.VIOLATED and answer.availability.path == (("stop", 3),)


def test_no_breaker_broken_never_ends():
    # nothing trips, nothing rolls back, and no new task is ever healthy: violated at the start.
    answer = check_fault_smt(model_of(6, 50, 200, breaker=None), TIMEOUT_MS)
    assert answer.progress.status == Status.VIOLATED
    assert answer.progress.path == () and answer.progress.states[-1] == FaultState(6, 0, 0, 0)


def test_breaker_without_rollback_fails_half_way():
    # T = 3: launch 3 new tasks (U = 12 leaves room), all 3 fail, the breaker trips without rollback.
    answer = check_fault_smt(model_of(6, 50, 200, breaker=Breaker(False)), TIMEOUT_MS)
    assert answer.progress.status == Status.VIOLATED
    assert answer.progress.path == (("launch", 3), ("fail", 3)) and answer.progress.states[-1].phase == 2


def test_flaky_one_failure_completes():
    answer = check_fault_smt(model_of(6, 100, 200, FLAKY, flaky=1), TIMEOUT_MS)
    assert answer.progress.status == Status.HOLDS


def test_flaky_without_rollback_can_end_failed():
    # T = max(3, ceil(6 * 50 / 100)) = 3, 3 flaky failures allowed: launch 3, all fail, the breaker trips.
    answer = check_fault_smt(model_of(6, 50, 200, FLAKY, Breaker(False), flaky=3), TIMEOUT_MS)
    assert answer.progress.status == Status.VIOLATED
    assert answer.progress.states[-1].phase == 2


@pytest.mark.parametrize(("low", "crashes", "lowest"), [(50, 0, 500_000), (100, 0, 1_000_000), (50, 2, 499_998)])
def test_a_million_tasks(low, crashes, lowest):
    # L = D * low / 100; each crash costs one healthy task below it.
    answer = check_fault_smt(model_of(1_000_000, low, 200, crashes=crashes), TIMEOUT_MS)
    assert answer.progress.status == Status.HOLDS
    assert answer.lowest_healthy == lowest


@pytest.mark.parametrize("model", [
    # desiredCount 0: the start is the goal, nothing is ever launched, so neither trip nor alarm can fire.
    model_of(0, 38, 50, breaker=None, alarms=Alarms(("p99",), False), capacity=7),
    model_of(0, 61, 50, breaker=Breaker(False, UNBOUNDED_PERCENT, 61, False)),
], ids=["alarm-without-rollback", "breaker-without-rollback"])
def test_nothing_to_deploy_is_proved_not_unknown(model):
    assert not agree(model)
    assert check_fault_smt(model, TIMEOUT_MS).progress.status == Status.HOLDS


# --- the property checks' findings under the smt engine ---------------------------------------------

def context_of(model):
    """What verify hands a property check; the smt answers for a bad release read only the model."""
    return CheckContext(model, bounds_of(model.settings), None, None, None, 10**6)


def test_findings_of_a_broken_release_without_rollback():
    # breaker without rollback, D = 6, min 50: launch 3 (U = 12), 3 failures reach T = 3, FAILED.
    model = model_of(6, 50, 200, breaker=Breaker(False), min_healthy=TaskCount(4))
    found = progress.check_fault_smt(context_of(model))
    assert found.status == Status.VIOLATED
    assert [(a.name, a.amount) for a in found.counterexample.actions] == [("launch", 3)] + [("fail", 1)] * 3
    assert found.counterexample.states[-1] == (6, 0, 0, 0)
    assert any("FAILED" in line for line in found.details)
    found = availability.check_fault_smt(context_of(model))
    # stop(3) leaves 3 healthy, below the 4 required.
    assert found.status == Status.VIOLATED and found.counterexample.states[-1] == (3, 3, 0, 0)
    assert "lowest healthy count any run of the bad release reaches is 3" in found.details[0]


def test_findings_of_a_million_task_rollback():
    model = model_of(10**6, 50, 200)
    assert progress.check_fault_smt(context_of(model)).status == Status.HOLDS
    found = availability.check_fault_smt(context_of(model))
    assert found.status == Status.HOLDS and "500,000" in found.details[0]


def test_no_breaker_finding_is_the_start():
    found = progress.check_fault_smt(context_of(model_of(4, 50, 200, breaker=None)))
    assert found.status == Status.VIOLATED and found.counterexample.states == ((4, 0, 0, 0),)
    assert "for ever" in found.message


@pytest.mark.parametrize("model", [
    model_of(3, 50, 200), model_of(3, 50, 200, breaker=Breaker(False), crashes=1),
    model_of(3, 100, 150, FLAKY, Breaker(True, COUNT, 1, False), flaky=2, crashes=1, knob=True, capacity=5),
    model_of(2, 50, 200, FAILS_TO_START, None, alarms=Alarms(("p99",), True), crashes=2),
], ids=["broken", "no-rollback-crash", "flaky-count-1", "alarm"])
def test_encoded_steps_are_the_rules_steps(model):
    """From each reachable state, the Z3 step relation allows exactly the successors of `fault_successors`."""
    search = Search(model)
    fb = search.fb
    for state in sorted(search.seen)[:60]:
        after = fault_vars("after")
        solver = z3.Solver()
        solver.add(unit_step(fb, FaultState(*state), after))
        found = set()
        while solver.check() == z3.sat:
            successor = FaultState(*(solver.model().eval(term, model_completion=True).as_long() for term in after))
            found.add(successor)
            solver.add(z3.Or(*(term != v for term, v in zip(after, successor, strict=True))))
        assert found == {target for _, target, _ in fault_successors(fb, state)}, state


def test_a_maximum_below_the_desired_count_is_shown_stuck():
    # D = 4, max 84: U = floor(4 * 84 / 100) = 3. Completing needs a 4th new task launched while 3 new
    # ones already count toward U, so no run completes; without a breaker none rolls back either.
    # Past the bounded search, ECS-like greedy rounds reach the dead end; its end must be one.
    model = model_of(4, 36, 84, FLAKY, None)
    answer = check_fault_smt(model, TIMEOUT_MS)
    assert answer.progress.status == Status.VIOLATED
    fb = fault_bounds_of(model.settings, model.faults)
    end = replayed_end(fb, answer.progress.path)
    assert not is_goal(fb, end) and all(optional for _, _, optional in fault_successors(fb, end))
