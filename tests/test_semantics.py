from hypothesis import given
from hypothesis import strategies as st

from verifier.model.records import Settings
from verifier.semantics import (
    GONE,
    LAUNCH,
    READY,
    STOP,
    TRANSITIONS,
    Action,
    RepeatStep,
    State,
    blocked_reasons,
    bounds_of,
    counted,
    deployment_of,
    initial_state,
    is_deadlock,
    refusal_reasons,
    settled_step,
    step_actions,
)

settings = st.builds(
    Settings,
    desired=st.integers(0, 12),
    min_healthy_percent=st.integers(0, 200),
    max_percent=st.integers(0, 200),
    capacity=st.none() | st.integers(0, 30),
    stopping_counts_toward_max=st.booleans(),
)
states = st.builds(State, st.integers(0, 12), st.integers(0, 12), st.integers(0, 12), st.integers(0, 12))


def test_stop_and_launch_follow_spec_section_4():
    bounds = bounds_of(Settings(6, 50, 200, 8))  # L = 3, U = 12, C = 8
    start = initial_state(bounds)
    assert STOP.enabled(bounds, start, 3) and not STOP.enabled(bounds, start, 4)  # 6 - 4 < 3
    assert LAUNCH.enabled(bounds, start, 2) and not LAUNCH.enabled(bounds, start, 3)  # 6 + 3 > 8
    assert STOP.effect(start, 3) == State(3, 3, 0, 0)
    assert LAUNCH.effect(start, 2) == State(6, 0, 2, 0)
    assert READY.effect(State(6, 0, 2, 0), 1) == State(6, 0, 1, 1)
    assert GONE.effect(State(3, 3, 0, 0), 1) == State(3, 2, 0, 0)


def test_stopping_tasks_count_toward_max_only_with_the_knob():
    state = State(2, 2, 0, 0)
    assert counted(bounds_of(Settings(4, 50, 100)), state) == 2
    assert counted(bounds_of(Settings(4, 50, 100, stopping_counts_toward_max=True)), state) == 4


@given(settings, states)
def test_largest_amount_is_the_spec_formula(settings, state):
    # docs/semantics.md#ecs-run states the ECS controller's amounts as closed forms:
    # j = min(o, o + n - L) and k = min(D - p - n, U - counted, C - occupied), when positive.
    bounds = bounds_of(settings)
    o, _s, p, n = state
    stop = min(o, o + n - bounds.min_healthy)
    room = [bounds.desired - p - n, bounds.max_tasks - counted(bounds, state)]
    if bounds.capacity is not None:
        room.append(bounds.capacity - state.occupied)
    assert STOP.largest_amount(bounds, state) == max(stop, 0)
    assert LAUNCH.largest_amount(bounds, state) == max(min(room), 0)


@given(settings, states, st.integers(1, 30))
def test_guards_are_downward_closed(settings, state, amount):
    # The unit graph and the batched graph agree because of this property.
    bounds = bounds_of(settings)
    for transition in TRANSITIONS:
        if transition.enabled(bounds, state, amount):
            assert all(transition.enabled(bounds, state, smaller) for smaller in range(1, amount))


def test_both_100_explained_in_plain_words():
    bounds = bounds_of(Settings(6, 100, 100, 8))
    start = initial_state(bounds)
    assert is_deadlock(bounds, start)
    assert blocked_reasons(bounds, start)[:2] == [
        "stopping one more old task would leave 5 healthy, below the 6 that minimumHealthyPercent 100 requires",
        "starting one would make 7 tasks, above the 6 that maximumPercent 100 allows",
    ]


def test_refusal_names_capacity():
    bounds = bounds_of(Settings(6, 50, 200, 8))
    reasons = refusal_reasons(bounds, State(3, 0, 0, 0), Action("launch", 6))
    assert reasons == ["starting 6 would need 9 task slots, above the 8 the cluster has"]


def test_goal_is_not_a_deadlock():
    bounds = bounds_of(Settings(3))
    assert not is_deadlock(bounds, State(0, 0, 0, 3))
    assert str(Action("stop", 3)) == "stop(3)" and str(Action("ready")) == "ready"


@given(settings, st.integers(0, 12), st.integers(0, 12), st.integers(1, 12))
def test_a_settled_step_is_its_action_then_its_events(settings, old, new, amount):
    # The step-plan searches use settled_step; a hand-written plan and the greedy plans
    # walk step_actions through the interleaving semantics. Both must give the same state.
    bounds = bounds_of(settings)
    start = State(old, 0, 0, new)
    for transition in (STOP, LAUNCH):
        guard, settled = settled_step(bounds, start, transition, amount)
        action, events = step_actions(transition.name, amount)
        moved = action.apply(bounds, start)
        assert all(guard) == (moved is not None)
        if moved is not None:
            assert events.apply(bounds, moved) == settled
            assert (settled.stopping, settled.pending) == (0, 0)


def test_a_step_waits_for_the_health_check_or_the_drain():
    deployment = deployment_of(Settings(4, health_check_seconds=30, drain_seconds=120))
    assert (deployment.step_seconds("launch"), deployment.step_seconds("stop")) == (30, 120)
    assert deployment.bounds == bounds_of(Settings(4))


def test_a_repeat_step_is_no_transition():
    # Replay confirms a repeat with Z3; applying it as an action must be impossible.
    step = RepeatStep(1_000_000)
    assert str(step) == "repeat x1,000,000"
    assert not isinstance(step, Action)
