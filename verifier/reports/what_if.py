"""Both answers of `verify --what-if`: the model as written, then under the bad release, in text and JSON.

JSON keeps the first answer's document as it always was (schema rollproof/result/v2)
and adds `what_if`: the release, the verdict over both answers (what the exit
code follows) and the second answer as a whole result document.
"""

from __future__ import annotations

from typing import Any

from verifier.check.what_if import WhatIf, release_label
from verifier.reports.json_output import result_json
from verifier.reports.text import render
from verifier.untrusted import terminal


def what_if_json(pair: WhatIf, timing: bool = True) -> dict[str, Any]:
    data = result_json(pair.as_written, timing)
    faults = pair.under_faults.model.faults
    data["what_if"] = {
        "new_revision": faults.new_revision,
        "release": release_label(faults),
        "verdict_over_both": pair.verdict.value,
        "result": result_json(pair.under_faults, timing),
    }
    return data


def render_what_if(pair: WhatIf) -> str:
    faults = pair.under_faults.model.faults
    name = terminal(pair.as_written.model.name)
    return "\n".join([
        render(pair.as_written),
        "",
        f"What if the release is bad ({release_label(faults)}): {name} again",
        render(pair.under_faults),
        "",
        f"{name}: {pair.as_written.verdict.value} as written, {pair.under_faults.verdict.value} during a bad "
        f"release: {pair.verdict.value} over both",
    ])
