"""Terraform expressions evaluated statically: values where Terraform's own rules give them, Unknown otherwise."""

import pytest

from verifier.ingest.hcl_expr import Unknown, evaluate
from verifier.ingest.hcl_types import convert

VALUES = {"on": True, "off": False, "two": "2", "services": {"web": {"count": 3}}, "empty": {}}


def resolve(root, name):
    if root == "var" and name in VALUES:
        return VALUES[name]
    return Unknown(f"{root}.{name}")


@pytest.mark.parametrize(("text", "expected"), [
    # Kleene's three-valued logic: false decides && and true decides ||, whatever the unknown is.
    ("${module.label.enabled && var.off ? 1 : 0}", 0),
    ("${module.label.enabled || var.on ? 1 : 0}", 1),
    ("${!var.off && var.on ? 1 : 0}", 1),
    # Both branches equal: the condition does not matter.
    ("${module.x.y ? 2 : 2}", 2),
    # Operator precedence as in HCL: * before +, comparison before &&.
    ("${1 + 2 * 3}", 7),
    ("${var.two == 2}", True),        # Terraform converts "2" to a number to compare it with one
    ("${length(var.services) > 0 ? var.services.web.count : 0}", 3),
    ("${try(var.services.api.count, 1)}", 1),   # the missing key fails; try() moves to the next argument
    ("${lookup(var.services.web, \"count\", 5)}", 3),
    ("${lookup(var.empty, \"count\", 5)}", 5),
    ("service/${var.two}/web", "service/2/web"),
    ("${var.on ? null : \"EC2\"}", None),
    ("${min(4, var.two)}", 2),
])
def test_values_terraform_would_compute(text, expected):
    assert evaluate(text, resolve) == expected


@pytest.mark.parametrize("text", [
    "${module.label.enabled && var.on ? 1 : 0}",   # true && unknown is unknown
    "${aws_ecs_cluster.main.name}",
    "${[for s in var.services : s]}",              # for expressions are not evaluated
    "${jsondecode(var.two)}",                      # nor functions outside the short list
    "${var.services.api.count}",                   # a missing attribute outside try(): Terraform refuses it
    "service/${aws_ecs_cluster.main.name}/web",
])
def test_what_only_apply_knows_is_unknown_with_a_reason(text):
    value = evaluate(text, resolve)
    assert isinstance(value, Unknown) and value.why


def test_optional_attributes_get_their_defaults():
    kind = "${map(object({desired_count = optional(number, 2), launch_type = optional(string), " \
           "nested = optional(object({min = optional(number, 50)}), {})}))}"
    converted = convert(kind, {"web": {"launch_type": "EC2"}, "api": {"desired_count": 4, "nested": {"min": 100}}})
    assert converted == {"web": {"desired_count": 2, "launch_type": "EC2", "nested": {"min": 50}},
                         "api": {"desired_count": 4, "launch_type": None, "nested": {"min": 100}}}
