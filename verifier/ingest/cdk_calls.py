"""The construct calls in one CDK source file: each ECS service construct, its id and the properties it writes.

A construct call (`new ecs.FargateService(this, 'Api', { desiredCount: 2 })`,
Python keyword arguments, a Java builder, a C# initializer, a Go props struct) is
split with cdk_scan; the values are left as written, for cdk_props to judge. Also
found: what each construct is assigned to, and every `autoScaleTaskCount(...)`
call or ECS scalable target in the file, so that a count autoscaling owns is
not read as fixed. An integer constant the file defines once (`const COUNT = 3`)
can stand for its literal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from verifier.ingest import Setting
from verifier.ingest.cdk_scan import (
    SPREAD,
    Span,
    Written,
    chain,
    closing,
    entries,
    line_and_column,
    masked,
    split_top,
)

# ECS's service constructs and the aws-ecs-patterns ones that create a service; CfnService is left out:
# App Runner and Cloud Map have constructs of that name too.
CONSTRUCT = re.compile(
    r"\b(?:New)?((?:ApplicationLoadBalanced|NetworkLoadBalanced|QueueProcessing|ApplicationMultipleTargetGroups|"
    r"NetworkMultipleTargetGroups)?(?:Fargate|Ec2)Service|ExternalService)\b\s*(?:\(|\.Builder\b)")
_SCALING = re.compile(r"([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*(?:\(\s*\))?)*)\s*\.\s*"
                      r"(?:autoScaleTaskCount|auto_scale_task_count|AutoScaleTaskCount)\s*\(")
_BOUND = re.compile(r"([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*(?::\s*[\w.<>\[\]]+\s*)?:?=\s*(?:new\s+)?"
                    r"(?:[\w$]+\s*\.\s*)*$")
_CONSTANT = {
    "js": r"\bconst\s+([A-Za-z_$][\w$]*)\s*(?::\s*number\s*)?=\s*([0-9]{1,9})\s*[;\n]",
    "py": r"(?m)^([A-Z][A-Z0-9_]*)\s*(?::\s*int\s*)?=\s*([0-9]{1,9})[ \t]*$",
    "java": r"\bfinal\s+(?:int|long|Integer|Number)\s+([A-Za-z_]\w*)\s*=\s*([0-9]{1,9})\s*;",
    "cs": r"\bconst\s+(?:int|long|double)\s+([A-Za-z_]\w*)\s*=\s*([0-9]{1,9})\s*;",
    "go": r"\bconst\s+([A-Za-z_]\w*)\s*(?:[\w.]+\s*)?=\s*([0-9]{1,9})\b",
}
# Escape hatches that change the synthesized service after the construct call: a property override
# of its deployment settings, or an assignment to the CfnService's (`cfn.desiredCount = 0`).
_OVERRIDE = re.compile(r"(?:addPropertyOverride|addOverride|add_property_override|add_override|AddPropertyOverride|"
                       r"AddOverride)\s*\(\s*[\"'][^\"'\n]*(?:DeploymentConfiguration|DesiredCount)")
_ASSIGNED = re.compile(r"\.\s*(?:desiredCount|desired_count|DesiredCount|deploymentConfiguration|"
                       r"deployment_configuration|DeploymentConfiguration)\s*=(?!=)")
_SEPARATOR = {"js": ":", "py": "=", "java": "", "cs": "=", "go": ":"}


def key(name: str) -> str:
    """A property name as every language's binding spells it: desiredCount, desired_count, DesiredCount."""
    return name.replace("_", "").lower()


@dataclass(frozen=True, slots=True)
class Call:
    construct: str
    offset: int                    # of the construct's name
    name: str                      # the construct id, or the expression that computes it
    props: dict[str, Written]      # by _key
    unread: str = ""               # why the properties cannot be read ("" when they can)
    variable: str | None = None    # what the construct is assigned to


class Source:
    """One source file: its text, its masked text, its language, and its integer constants."""

    def __init__(self, text: str, language: str):
        self.text, self.language = text, language
        self.mask = masked(text, language)
        self.constants: dict[str, int] = {}   # name -> offset of its integer literal
        found = list(re.finditer(_CONSTANT[language], self.mask))
        for match in found:
            name = match.group(1)
            defined = sum(1 for other in found if other.group(1) == name)
            assigned = len(re.findall(rf"(?<![\w$.]){re.escape(name)}\s*(?::\s*[\w.]+\s*)?=(?!=)", self.mask))
            if defined == 1 and assigned == 1:
                self.constants[name] = match.start(2)

    def written(self, span: Span) -> str:
        return self.text[span.start:span.end]

    def where(self, span: Span) -> str:
        shown = " ".join(self.written(span).split())
        return f"`{shown[:80]}{'...' if len(shown) > 80 else ''}` (line {line_and_column(self.text, span.start)[0]})"

    def integer(self, span: Span) -> int | None:
        """The offset of the integer literal `span` is, or names through a constant; None when it is anything else."""
        written = self.written(span)
        wrapped = re.fullmatch(r"jsii\.Number\(\s*(.*?)\s*\)", written, re.S)
        start = span.start + (wrapped.start(1) if wrapped else 0)
        inner = wrapped.group(1) if wrapped else written
        if re.fullmatch(r"[0-9]{1,9}", inner):
            return start
        return self.constants.get(inner)

    def value_at(self, offset: int) -> int:
        return int(re.match(r"[0-9]+", self.text[offset:]).group())  # type: ignore[union-attr]

    def setting(self, written: Written) -> Setting | None:
        offset = self.integer(written.value)
        if offset is None:
            return None
        return Setting(self.value_at(offset), *line_and_column(self.text, offset))

    def props(self, argument: Span | None) -> tuple[list[Written], str]:
        """The properties one props argument writes, or why they cannot be read."""
        if argument is None or self.written(argument) in ("nil", "null", "undefined", "None"):
            return [], ""
        mask = self.mask
        if self.language == "java":
            builder = re.search(r"\.\s*builder\s*\(\s*\)", mask[argument.start:argument.end])
            if builder:
                return chain(mask, self.text, argument.start + builder.end(), argument.end)[0], ""
        else:
            prefix = {"js": r"", "go": r"&?[\w.]*\s*", "cs": r"new\s+[\w.]*\s*(?:\(\s*\)\s*)?"}.get(self.language, "")
            opening = re.match(prefix + r"\{", mask[argument.start:argument.end])
            if opening and self.language != "py":
                open_at = argument.start + opening.end() - 1
                close = closing(mask, open_at)
                if close is not None and close < argument.end:
                    return entries(mask, self.text, Span(open_at + 1, close), _SEPARATOR[self.language]), ""
        return [], f"its properties are {self.where(argument)}, which rollproof does not evaluate"


def _name(source: Source, span: Span | None, construct: str) -> str:
    """The construct id when it is a string literal; otherwise the expression as written (it still names it)."""
    if span is None:
        return construct
    written = source.written(span)
    wrapped = re.fullmatch(r"jsii\.String\(\s*(.*?)\s*\)", written, re.S)
    start = span.start + (wrapped.start(1) if wrapped else 0)
    inner = wrapped.group(1) if wrapped else written
    if re.fullmatch(r"(['\"`])_*\1", source.mask[start:start + len(inner)]) and "${" not in inner:
        return inner[1:-1][:200]
    return " ".join(inner.split())[:200] or construct


def calls(source: Source) -> list[Call]:
    calls = []
    mask, text = source.mask, source.text
    for match in CONSTRUCT.finditer(mask):
        construct, end = match.group(1), match.end()
        line_start = mask.rfind("\n", 0, match.start()) + 1
        bound = _BOUND.search(mask[line_start:match.start()])
        variable = re.sub(r"\s+", "", bound.group(1)) if bound else None
        if not match.group(0).endswith("("):  # Java: X.Builder.create(scope, id).prop(value)....build()
            create = re.compile(r"\s*\.\s*create\s*\(").match(mask, end)
            if create is None:
                continue
            end = create.end()
        open_at = end - 1
        close = closing(mask, open_at)
        if close is None:
            calls.append(Call(construct, match.start(), construct, {}, "its arguments could not be read (unbalanced "
                               "brackets, or a call longer than rollproof reads)", variable))
            continue
        arguments = split_top(mask, Span(open_at + 1, close))
        if source.language == "py":
            positional = [a for a in arguments if not _keyword(source, a)]
            props = [w for w in entries(mask, text, Span(open_at + 1, close), "=") if _keyword_named(source, w)]
            by_key = {key(w.name): w for w in props}
            name_span = positional[1] if len(positional) > 1 else (by_key["id"].value if "id" in by_key else None)
            unread = ""
        elif not match.group(0).endswith("("):
            name_span = arguments[1] if len(arguments) > 1 else None
            props, unread = chain(mask, text, close + 1, len(mask))[0], ""
        else:
            name_span = arguments[1] if len(arguments) > 1 else None
            props, unread = source.props(arguments[2] if len(arguments) > 2 else None)
        spread = next((w for w in props if w.name == SPREAD), None)
        if spread is not None:
            unread = f"its properties are spread from {source.where(spread.value)}, which rollproof does not evaluate"
        calls.append(Call(construct, match.start(), _name(source, name_span, construct),
                           {key(w.name): w for w in props}, unread, variable))
    return calls


def _keyword(source: Source, part: Span) -> bool:
    return bool(re.match(r"(?:[A-Za-z_]\w*\s*=(?!=)|\*\*)", source.mask[part.start:part.end]))


def _keyword_named(source: Source, written: Written) -> bool:
    """Whether a Python argument is `name=value` (or `**kwargs`), not a positional one."""
    # `cluster=cluster` names its value as a bare positional `cluster` does: the `=` before the value tells them apart
    if written.name == SPREAD:
        return True
    before = written.value.start - 1
    while before >= 0 and source.mask[before].isspace():
        before -= 1
    return written.name.isidentifier() and before >= 0 and source.mask[before] == "="


@dataclass(frozen=True, slots=True)
class Scaling:
    receiver: str | None   # the construct's variable, or None when it cannot be told
    line: int
    props: dict[str, Written]
    unread: str = ""


def scalings(source: Source) -> list[Scaling]:
    """Every `autoScaleTaskCount(...)` call, and every ECS ScalableTarget written directly, in the file."""
    found = []
    mask = source.mask
    for match in _SCALING.finditer(mask):
        receiver = re.sub(r"\s+", "", match.group(1))
        receiver = re.sub(r"\.(?:service|Service|getService|GetService)(?:\(\))?$", "", receiver)
        open_at = match.end() - 1
        close = closing(mask, open_at)
        line = line_and_column(source.text, match.start())[0]
        if close is None:
            found.append(Scaling(receiver, line, {}, "its arguments could not be read"))
            continue
        if source.language == "py":
            props = [w for w in entries(mask, source.text, Span(open_at + 1, close), "=") if _keyword_named(source, w)]
            unread = ""
        else:
            arguments = split_top(mask, Span(open_at + 1, close))
            props, unread = source.props(arguments[0] if arguments else None)
        if any(w.name == SPREAD for w in props):
            unread = "its properties are spread from another object"
        found.append(Scaling(receiver, line, {key(w.name): w for w in props}, unread))
    for match in re.finditer(r"ecs:service:DesiredCount", source.text):
        if mask[match.start()] == "_":  # inside a string, not a comment
            found.append(Scaling(None, line_and_column(source.text, match.start())[0], {}))
    return found


def overridden(source: Source) -> int | None:
    """The line of the first escape hatch in the file that rewrites a service's count or deployment settings."""
    lines = [match.start() for match in _OVERRIDE.finditer(source.text) if source.mask[match.start()] != " "]
    lines += [match.start() for match in _ASSIGNED.finditer(source.mask)]
    return line_and_column(source.text, min(lines))[0] if lines else None
