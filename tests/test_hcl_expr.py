"""Terraform expressions evaluated statically: values where Terraform's own rules give them, Unknown otherwise."""

import pytest

from verifier.ingest.hcl_expr import Unknown, evaluate
from verifier.ingest.hcl_types import convert

VALUES = {"on": True, "off": False, "two": "2", "services": {"web": {"count": 3}}, "empty": {},
          "partly": {"web": {"count": Unknown("module.x.count")}}}


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
    # A map is not null even when a value in it is only known at apply time.
    ("${var.partly != null ? 1 : 0}", 1),
    ("${var.partly == null}", False),
])
def test_values_terraform_would_compute(text, expected):
    assert evaluate(text, resolve) == expected


@pytest.mark.parametrize("text", [
    "${module.label.enabled && var.on ? 1 : 0}",   # true && unknown is unknown
    "${aws_ecs_cluster.main.name}",
    "${[for s in module.x.list : s]}",             # a for expression over what only apply knows
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


FOR_VALUES = {
    "strategy": {"default": {"capacity_provider": "core", "weight": 1}, "spot": {"capacity_provider": "spot"}},
    "controller": {}, "counts": [3, 1, 2], "empty": [], "queues": {"b": {"g": "x"}, "a": {"g": "x"}, "c": {"g": "y"}},
}


def resolve_for(root, name):
    if root == "var" and name in FOR_VALUES:
        return FOR_VALUES[name]
    if root == "local" and name == "external":  # as a module computes it from an empty deployment_controller
        return evaluate('${try(var.controller.type, null) == "EXTERNAL"}', resolve_for)
    return Unknown(f"{root}.{name}")


@pytest.mark.parametrize(("text", "expected"), [
    # {} has no `type`: try() falls back to null, and null == "EXTERNAL" is false, so `if !false` keeps both.
    ('${{for k, v in var.strategy : k => v.capacity_provider if !local.external}}',
     {"default": "core", "spot": "spot"}),
    ("${[for x in var.counts : x * 2 if x > 1]}", [6, 4]),           # 3 and 2 pass the filter, in list order
    ("${[for i, x in var.counts : i]}", [0, 1, 2]),                   # two names over a list: index, element
    ("${[for k, v in var.queues : k]}", ["a", "b", "c"]),             # a map is visited in key order
    ("${{for k, v in var.queues : v.g => k...}}", {"x": ["a", "b"], "y": ["c"]}),  # `...` groups by key
    ("${{for k, v in var.strategy : k => {w = try(v.weight, 0), n = [for c in var.counts : c if c != 1]}}}",
     {"default": {"w": 1, "n": [3, 2]}, "spot": {"w": 0, "n": [3, 2]}}),
    ("${length(var.strategy) > 0 ? null : \"FARGATE\"}", None),       # two strategies: launch type left null
    ("${local.external || length(var.empty) > 0 ? null : \"FARGATE\"}", "FARGATE"),
    # Only the branch taken is evaluated: var.empty[0] would fail, but the condition is false.
    ("${length(var.empty) > 0 ? var.empty[0] : null}", None),
    ("${var.counts[*]}", [3, 1, 2]),
    ("${[{n = 1}, {n = 2}][*].n}", [1, 2]),
    ("${max(var.counts...)}", 3), ("${min(var.counts...)}", 1), ("${max(\"4\", 2)}", 4),
    ("${keys(var.queues)}", ["a", "b", "c"]),
    ("${values(var.queues)[2].g}", "y"),                             # values in key order: a, b, c
    ("${merge({a = 1, b = 2}, null, {b = 3})}", {"a": 1, "b": 3}),    # later wins; null is skipped
    ("${concat([1], [], [2, 3])}", [1, 2, 3]),
    ('${compact(["a", "", null, "b"])}', ["a", "b"]),
    ("${element(var.counts, 4)}", 1),                                 # 4 mod 3 = 1: the second element
    ("${one([])}", None), ("${one([7])}", 7),
    ("${flatten([[1, [2]], [], 3])}", [1, 2, 3]),
    ("${distinct([1, 2, 1, 3, 2])}", [1, 2, 3]),
    ("${contains(var.counts, 2)}", True), ("${contains(var.counts, 9)}", False),
    ("${contains([module.x.y, 2], 2)}", True),                        # a known element equals it
    ('${tonumber("12")}', 12), ("${tostring(true)}", "true"), ("${tostring(5)}", "5"),
    ('${coalesce("", null, 3, module.x.y)}', 3),                      # the first non-empty, before the unknown
    ("${can(var.controller.type)}", False), ("${can(var.counts[0])}", True),
    ("${lookup(var.strategy.spot, \"weight\", 1)}", 1),
    ("x-${var.counts[0]}-${true}", "x-3-true"),
])
def test_for_expressions_and_functions_as_terraform_computes_them(text, expected):
    assert evaluate(text, resolve_for) == expected


@pytest.mark.parametrize("text", [
    "${[for x in var.counts : x if module.x.on]}",     # whether an element is kept is unknown
    "${{for x in var.counts : module.x.key => x}}",    # under which key is unknown
    "${contains([module.x.y, 2], 3)}",                 # the unknown element may be 3
    "${compact([module.x.y, \"a\"])}",                 # the unknown element may be empty
    "${distinct([module.x.y, 1])}",                    # it may equal 1
    "${flatten([module.x.y])}",                        # it may be a list
    '${coalesce(module.x.y, "a")}',                    # it may be non-empty and come first
    "${can(module.x.y)}",
    "${[var.a] == [var.b]}",                           # two unknowns are not known to be equal
    "${max(module.x.list...)}",
    "%{ if true }x%{ endif }",                         # a template directive is not evaluated
    "${one([1, 2])}",                                  # Terraform refuses one() of two elements
    '${tonumber("many")}',
    '${coalesce("", null)}',
    "${element([], 0)}",
    '${{for x in ["a", "a"] : x => 1}}',               # a duplicate key without `...`
])
def test_for_expressions_and_functions_stay_unknown_when_the_inputs_do_not_decide(text):
    value = evaluate(text, resolve_for)
    assert isinstance(value, Unknown) and value.why


def test_a_nested_object_in_a_for_expression_is_not_read_as_text():
    # Two levels of braces inside ${...}: the expression, never the literal string
    assert evaluate("${{for k, v in var.strategy : k => {a = {b = v.capacity_provider}}}}", resolve_for) == \
        {"default": {"a": {"b": "core"}}, "spot": {"a": {"b": "spot"}}}


def test_a_resource_reference_keeps_its_address_and_literal_name():
    def with_cluster(root, name):
        return Unknown("apply", ref=f"{root}.{name}", name="core") if root == "aws_ecs_cluster" else Unknown(root)

    arn = evaluate("${aws_ecs_cluster.main.arn}", with_cluster)
    assert (arn.ref, arn.name) == ("aws_ecs_cluster.main", "core")
    assert evaluate("service/${aws_ecs_cluster.main.name}/web", with_cluster) == "service/core/web"
    # computed from it, a value is no longer that cluster
    assert evaluate('${"${aws_ecs_cluster.main.arn}-x"}', with_cluster).ref is None


def test_nested_for_expressions_past_their_budget_are_unknown_not_a_hang():
    import time

    many = {"many": list(range(3_000))}
    started = time.monotonic()
    # 3,000 x 3,000 bodies is nine million evaluations: past the budget, the answer is unknown at once
    value = evaluate("${[for a in var.many : [for b in var.many : a + b]]}",
                     lambda root, name: many[name] if root == "var" else Unknown(root))
    assert isinstance(value, Unknown) and "tokens" in value.why
    assert time.monotonic() - started < 20
