"""Rule codes: a stable code and a documentation anchor for each property and each gate note.

The codes are written out here, one line each, and never derived from the order of
`PROPERTY_IDS`: a code printed in a CI log or a code-scanning alert must mean the same
property after properties are added. A new property gets the next free code on a line
of its own (tests/test_rules.py fails until it has one, and until docs/rules.md has its section).

Each rule's section in docs/rules.md is headed `## RPnnn id`, which GitHub and most
Markdown renderers turn into the anchor `rpnnn-id`. `helpUri` in SARIF is a URI reference
relative to the root of the rollproof repository (`docs/rules.md#rp001-progress`): the
project has no single public address, and every copy of the repository carries the page.
The same explanation travels in SARIF's `help` text, so a reader needs no link.
"""

from __future__ import annotations

from dataclasses import dataclass

RULES_DOC = "docs/rules.md"


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    fix: str  # one sentence: the usual way to make the rule hold (docs/rules.md says more)


RULES: dict[str, Rule] = {
    "progress": Rule("RP001", "lower minimumHealthyPercent or raise maximumPercent or the capacity, so that a "
                              "task can be started or stopped from every state"),
    "availability": Rule("RP002", "keep minimumHealthyPercent at most 100 and high enough for the minHealthy "
                                  "requirement"),
    "surge": Rule("RP003", "keep maximumPercent at least 100 and low enough for the maxTasks requirement"),
    "capacity": Rule("RP004", "give the service as many task slots as its peak, or lower maximumPercent"),
    "deadline": Rule("RP005", "raise maximumPercent or lower minimumHealthyPercent so that more tasks change at "
                              "once, or shorten the health-check and drain times"),
    "steps": Rule("RP006", "widen the gap between minimumHealthyPercent and maximumPercent so that each step "
                           "moves more tasks"),
    "plan": Rule("RP007", "change the step the report names so that it is allowed when it starts, or end the plan "
                          "with every task replaced"),
    "rollback": Rule("RP008", "enable the deployment circuit breaker with rollback, and keep the rollback short: a "
                              "higher minimumHealthyPercent replaces fewer tasks when the release is bad"),
    "not-analysed": Rule("RP900", "nothing to fix in the settings; the service is outside the rolling-update model"),
    "zero-tasks": Rule("RP901", "set the desired count, or desiredRange in rollproof.yaml, to check real counts"),
}


def rule_code(rule_id: str) -> str:
    """The code of a property or gate note; the id itself for one the table does not know yet."""
    rule = RULES.get(rule_id)
    return rule.code if rule is not None else rule_id


def rule_anchor(rule_id: str) -> str:
    return f"{rule_code(rule_id).lower()}-{rule_id}"


def rule_uri(rule_id: str) -> str:
    """Where the rule is explained, relative to the repository root."""
    return f"{RULES_DOC}#{rule_anchor(rule_id)}"


def labelled(rule_id: str) -> str:
    """`RP001 progress`: how text and Markdown name a property."""
    code = rule_code(rule_id)
    return f"{code} {rule_id}" if code != rule_id else rule_id
