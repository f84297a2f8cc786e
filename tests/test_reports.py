"""reports/ holds the current report of every model in models/ (refresh with `make reports`)."""

from verifier.reports.golden import ROOT, stale_reports


def test_reports_are_current(corpus):
    checked = {name: verified.result for name, verified in corpus.items()}
    stale = stale_reports(ROOT / "models", ROOT / "reports", checked)
    assert not stale, f"stale reports (run 'make reports'): {stale}"
