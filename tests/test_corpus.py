"""Every model in models/ gets the verdict its `expect:` label states, for the stated reasons."""

from pathlib import Path

import pytest

from verifier.replay import replay
from verifier.results import Status
from verifier.model.loading import load_model
from verifier.semantics import bounds_of
from verifier.check.verify import check_model

MODELS = sorted((Path(__file__).resolve().parent.parent / "models").glob("*.yaml"))


def test_corpus_is_large_enough():
    # The four docs/semantics.md#reference-scenarios and at least eight more.
    assert len(MODELS) >= 12


@pytest.mark.parametrize("path", MODELS, ids=[p.stem for p in MODELS])
def test_model_matches_its_label(path):
    model = load_model(path)
    assert model.expect is not None, f"{path.name} has no expect: label"
    result = check_model(model)
    violated = {f.property_id for f in result.findings if f.status is Status.VIOLATED}
    assert result.verdict.value == model.expect.verdict
    assert violated == set(model.expect.violated)
    for finding in result.findings:
        # A violation comes with a trace that the plain semantics reproduces step by step
        # (for a range: one per failing interval, at its first desired count).
        if model.desired_range is not None:
            for interval in finding.failing:
                example = model.at(interval.example)
                replay(bounds_of(example.settings), interval.counterexample, lambda state: True,
                       finding.property_id)
        elif finding.status is Status.VIOLATED and finding.counterexample is not None:
            replay(result.bounds, finding.counterexample, lambda state: True, finding.property_id)
