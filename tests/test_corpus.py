"""Every model in models/ gets the verdict its `expect:` label states, for the stated reasons."""

import oracle
import pytest
from conftest import MODEL_PATHS, violation_of

from verifier.counterexample import Counterexample
from verifier.errors import ReplayError
from verifier.fault_semantics import fault_bounds_of
from verifier.replay import replay, replay_faults
from verifier.results import Status
from verifier.semantics import bounds_of


def test_corpus_is_large_enough():
    # The four docs/semantics.md#reference-scenarios and at least eight more.
    assert len(MODEL_PATHS) >= 12


@pytest.mark.parametrize("name", [p.stem for p in MODEL_PATHS])
def test_model_matches_its_label(corpus, name):
    _, model, result = corpus[name]
    assert model.expect is not None, f"{name}.yaml has no expect: label"
    violated = {f.property_id for f in result.findings if f.status is Status.VIOLATED}
    assert result.verdict.value == model.expect.verdict
    assert violated == set(model.expect.violated)
    for finding in result.findings:
        # A violation comes with a trace that the plain semantics reproduces step by step and
        # whose end really violates the property, by the oracle's arithmetic (for a range: one
        # trace per failing interval, at its first desired count).
        if model.desired_range is not None:
            for interval in finding.failing:
                example = model.at(interval.example)
                trace = interval.counterexample
                replay(bounds_of(example.settings), trace, violation_of(example, finding.property_id, trace),
                       finding.property_id)
        elif model.placement is not None:
            continue   # traces over instances are replayed by tests/test_placement.py's own oracle
        elif finding.status is Status.VIOLATED and finding.counterexample is not None:
            trace = finding.counterexample
            if trace.fault_states:   # a bad release's trace replays through the fault rules
                replay_faults(fault_bounds_of(model.settings, model.faults), trace,
                              fault_violation_of(model, finding.property_id, trace), finding.property_id)
                continue
            replay(result.bounds, trace, violation_of(model, finding.property_id, trace), finding.property_id)


def fault_violation_of(model, property_id, trace):
    """The end test for a bad release's trace, from docs/semantics.md#faults with oracle.py's arithmetic."""
    s, req = model.settings, model.requirements
    D = s.desired
    if property_id == "availability":
        need = (req.min_healthy.value if not req.min_healthy.percent else oracle.lower(D, req.min_healthy.value)) \
            if req.min_healthy else oracle.lower(D, s.min_healthy_percent)
        return lambda st: st.old + st.new < need
    if property_id == "progress":
        # Either FAILED with nothing left in transit (it stays so), or back at a state met before
        # (a cycle), with no goal on the way: D healthy new and nothing else, or D healthy old while rolling back.
        def goal(st):
            rest = st.stopping + st.pending + st.old_pending + st.new_stopping
            return rest == 0 and ((st.phase == 0 and st.new == D and st.old == 0)
                                  or (st.phase == 1 and st.old == D and st.new == 0))
        return lambda st: not any(goal(x) for x in trace.fault_states) and (
            (st.phase == 2 and st.stopping + st.pending + st.old_pending + st.new_stopping + st.owed == 0)
            or st in trace.fault_states[:-1])
    raise AssertionError(f"{property_id} has no bad-release counterexample in the corpus")


def test_a_trace_cut_short_of_its_violation_does_not_replay(corpus):
    # strict-requirement: one stop takes the healthy count below the required minimum; before
    # that stop all tasks are healthy, so the initial state alone violates nothing.
    _, model, result = corpus["strict-requirement"]
    finding = next(f for f in result.findings if f.property_id == "availability")
    assert len(finding.counterexample.actions) == 1
    cut = Counterexample(finding.counterexample.states[:1], ())
    with pytest.raises(ReplayError, match="not a violation"):
        replay(result.bounds, cut, violation_of(model, "availability", cut), "availability")
