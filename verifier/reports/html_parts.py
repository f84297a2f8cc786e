"""What every HTML page shares: the page shell, its style, verdict badges and trace tables.

No scripts, no external files: a page opens
the same from a CI artifact, an e-mail or a file share. Every text read from input goes
through `escape` (verifier.untrusted.html_text), so a model's name cannot add markup.
"""

from __future__ import annotations

from verifier.counterexample import Counterexample, fault_columns
from verifier.format import duration
from verifier.results import Status, Verdict
from verifier.untrusted import html_text as escape

MARK = {Status.HOLDS: "✓", Status.VIOLATED: "✗", Status.UNKNOWN: "?"}

STYLE = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:2rem auto;max-width:62rem;color:#222;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem} .muted{color:#666} table{border-collapse:collapse;margin:.5rem 0 1rem}
td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:right} th{background:#f4f4f4}
td.text,th.text{text-align:left} .holds{color:#1a7f37} .violated{color:#cf222e} .unknown{color:#9a6700}
.badge{display:inline-block;padding:.2rem .6rem;border-radius:.3rem;color:#fff;font-weight:600}
.badge.proved{background:#1a7f37}.badge.violated{background:#cf222e}.badge.inconclusive{background:#9a6700}
.badge.not-analysed{background:#57606a}
code{background:#f4f4f4;padding:.1rem .3rem;border-radius:.2rem}
svg{background:#fff;border:1px solid #eee;max-width:100%;height:auto}
.side{display:flex;gap:1rem;flex-wrap:wrap} .side>div{flex:1 1 28rem;min-width:0}
details{margin:.3rem 0 1rem} summary{cursor:pointer}
"""


def page(title: str, body: list[str]) -> str:
    """A whole HTML document; `title` is escaped here, `body` is markup already escaped."""
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>rollproof: {escape(title)}</title><style>{STYLE}</style></head><body>"
            + "\n".join(body) + "</body></html>\n")


def badge(verdict: Verdict | None) -> str:
    shown = verdict.value if verdict is not None else "not analysed"
    return f'<span class="badge {shown.replace(" ", "-")}">{shown}</span>'


def lines(text: str) -> str:
    """Several lines for a <pre>: each escaped on its own, so the line breaks stay."""
    return "\n".join(escape(line) for line in text.split("\n"))


def trace_table(trace: Counterexample, folded: bool = False) -> str:
    """Every state of a trace with the action that reached it; `folded` puts a long one in <details>."""
    timed = trace.times is not None
    extra = fault_columns(trace.fault_states)   # a bad release's trace: what it adds, where not 0 throughout
    head = "<tr><th>step</th>" + ("<th>time</th>" if timed else "") + \
           '<th class="text">action</th><th>old healthy</th><th>old stopping</th><th>new pending</th>' \
           '<th>new healthy</th>' + "".join(f"<th>{escape(heading)}</th>" for heading, _ in extra) + "</tr>"
    rows = []
    for i, state in enumerate(trace.states):
        action = "(start)" if i == 0 else str(trace.actions[i - 1])
        when = f"<td>{escape(duration(trace.times[i]))}</td>" if trace.times is not None else ""
        rows.append(f"<tr><td>{i}</td>{when}<td class=\"text\">{escape(action)}</td>"
                    + "".join(f"<td>{v:,}</td>" for v in state)
                    + "".join(f"<td>{escape(values[i])}</td>" for _, values in extra) + "</tr>")
    table = f"<table>{head}{''.join(rows)}</table>"
    if folded and len(trace.states) > 12:
        return f"<details><summary>all {len(trace.states):,} states</summary>{table}</details>"
    return table
