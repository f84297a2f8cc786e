"""ECS services answered from CDK source, where the construct call writes what matters literally.

cdk_calls finds each service construct and the properties it writes. Here they
become a ServiceSpec the gate verifies like a template's service: an integer
literal (or a constant the file defines once) is known, at its line; an unknown
desiredCount leaves the count open, and the gate checks every count, as for a
template; an unknown percentage, `daemon`, deployment controller or strategy, or
properties that come from elsewhere (`props`, a spread) leave the service not
analysed, naming the property and its line.

What CDK writes when a property is absent, read in aws-cdk-lib's
aws-ecs/lib/base/base-service.ts (v2 up to v2.2xx; CDK v1's @aws-cdk/aws-ecs writes the same):
`minimumHealthyPercent: props.minHealthyPercent === undefined ? 50 : ...` and
`maximumPercent: props.maxHealthyPercent || 200` (0 also gives 200). Since
about v2.160 CDK warns when minHealthyPercent is absent; the value is still 50.
`desiredCount: props.desiredCount`: absent, it is left out of the template, so 1
when the service is created and the running count on update. The aws-ecs-patterns
load-balanced constructs leave it out too in CDK v2 (their feature flag
`@aws-cdk/aws-ecs-patterns:removeDefaultDesiredCount` is always on); CDK v1 without
the flag writes 1. An absent count is checked at every count, which covers both.
The queue-processing constructs always scale, between minScalingCapacity (default
desiredTaskCount, else 1) and maxScalingCapacity (default twice desiredTaskCount,
else 2); `autoScaleTaskCount` defaults minCapacity to 1. An answer that rests on
a CDK default says so in a note.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path

from verifier.ingest import ANALYSABLE, INCONCLUSIVE, NOT_ANALYSED, ServiceBase, ServiceSpec, Setting
from verifier.ingest.cdk_calls import CONSTRUCT, Call, Scaling, Source, calls, overridden, scalings
from verifier.ingest.cdk_scan import LANGUAGES, Written

DEFAULT_MIN_HEALTHY, DEFAULT_MAX = 50, 200  # aws-cdk-lib BaseService, v1 and v2 (see above)
SOURCE_ENDINGS = tuple(LANGUAGES)
_OTHER_STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")  # ECS-native strategies that are not rolling updates
_WORD = r"(?<![A-Za-z0-9]){}(?![A-Za-z0-9_])"  # Go writes DeploymentControllerType_CODE_DEPLOY
_SCALING_WORDS = re.compile(r"autoScaleTaskCount|auto_scale_task_count|AutoScaleTaskCount|ecs:service:DesiredCount")


class _NotAnalysed(Exception):
    pass


def source_services(path: Path, text: str, output: str = "cdk.out") -> list[ServiceSpec]:
    """The ECS services the construct calls in one source file create; `output` is where `cdk synth` writes."""
    language = LANGUAGES.get(path.suffix)
    if language is None or not CONSTRUCT.search(text):
        return []
    source = Source(text, language)
    found = scalings(source)
    constructs = calls(source)
    bound = {call.variable for call in constructs if call.variable}
    # A scaling call on something that is no construct's variable (a variable passed around, a
    # ScalableTarget) may scale any service of the file: their counts are then autoscaling's.
    unattributed = [scaling for scaling in found if scaling.receiver not in bound]
    specs = _distinct([_spec(source, call, str(path), found, unattributed, output) for call in constructs])
    rewritten = overridden(source)
    if rewritten is None:
        return specs
    # Which service the override reaches is not followed: each service of the file may be the one.
    why = f"line {rewritten} rewrites a service's DesiredCount or DeploymentConfiguration after its construct " \
          f"call, which rollproof does not follow; run `cdk synth` and gate {output}"
    return [replace(spec, status=NOT_ANALYSED, reason=why) if spec.status == ANALYSABLE else spec for spec in specs]


def _distinct(specs: list[ServiceSpec]) -> list[ServiceSpec]:
    """Construct ids are unique per scope, not per file: a repeated one is named `ID@LINE`, `ID` kept as an alias.

    `--service ID@LINE` then picks one service of the file (the reproduce line), and a policy entry
    for `ID` still matches each.
    """
    counts = Counter(spec.name for spec in specs)
    return [replace(spec, name=f"{spec.name}@{spec.line}", aliases=(spec.name, *spec.aliases))
            if counts[spec.name] > 1 else spec for spec in specs]


def scaled_elsewhere(path: Path, text: str) -> int | None:
    """The line of the first autoscaling call in a file that creates no service construct, if any.

    Such a call (`app.api.service.autoScaleTaskCount(...)` in bin/app.ts) scales a service another
    file creates: every service of the app may then have its count set by autoscaling.
    """
    language = LANGUAGES.get(path.suffix)
    if language is None or not _SCALING_WORDS.search(text) or CONSTRUCT.search(text):
        return None
    found = scalings(Source(text, language))
    return found[0].line if found else None


def _spec(source: Source, call: Call, file: str, found: list[Scaling], unattributed: list[Scaling],
          output: str) -> ServiceSpec:
    line = source.text.count("\n", 0, call.offset) + 1
    props = call.props
    service_name = props.get("servicename")
    alias = _string(source, service_name)
    base = ServiceBase(file=file, kind="cdk", name=call.name, line=line, aliases=(alias,) if alias else (),
                       fargate=_fargate(source, call))
    later = f"; write the value in the call, or run `cdk synth` and gate {output}"
    if call.unread:
        return ServiceSpec(**base, status=NOT_ANALYSED, reason=f"{call.construct}: {call.unread}{later}")
    try:
        not_rolling = _not_rolling(source, call)
        if not_rolling:  # whatever its percentages say
            return ServiceSpec(**base, status=NOT_ANALYSED, reason=not_rolling)
        minimum = _percent(source, props.get("minhealthypercent"), "minHealthyPercent", DEFAULT_MIN_HEALTHY)
        maximum = _percent(source, props.get("maxhealthypercent"), "maxHealthyPercent", DEFAULT_MAX)
    except _NotAnalysed as unread:
        return ServiceSpec(**base, status=NOT_ANALYSED, reason=f"{unread}{later}")
    notes = [f"CDK default assumed: {what} {setting.value}" for what, setting in
             (("minHealthyPercent", minimum), ("maxHealthyPercent", maximum)) if setting.default]
    written_max = props.get("maxhealthypercent")
    if written_max is not None and source.setting(written_max) != maximum:
        notes.append(f"maxHealthyPercent 0 is read as {DEFAULT_MAX}: CDK writes `maxHealthyPercent || {DEFAULT_MAX}`")
    desired, unknown = _desired(source, props.get("desiredcount"))
    scaled = _range(source, call, found, unattributed)
    if isinstance(scaled, str):
        unknown = scaled
        scaled = None
    elif scaled is not None and scaled[0] > scaled[1]:
        return ServiceSpec(**base, status=INCONCLUSIVE, reason=f"its autoscaling range {scaled[0]}..{scaled[1]} is "
                           "empty: the minimum is above the maximum, which CDK and ECS refuse")
    if scaled is not None:
        low, high, range_line, range_notes = scaled
        return ServiceSpec(**base, status=ANALYSABLE, desired=desired, min_healthy_percent=minimum,
                           max_percent=maximum, desired_range=(low, high), desired_range_line=range_line,
                           desired_owner="autoscaling", notes=tuple(notes + range_notes))
    return ServiceSpec(**base, status=ANALYSABLE, desired=desired, min_healthy_percent=minimum, max_percent=maximum,
                       desired_unknown=unknown, notes=tuple(notes))


def _string(source: Source, written: Written | None) -> str | None:
    if written is None:
        return None
    span = written.value
    inner = re.fullmatch(r"(?:jsii\.String\(\s*)?(@?)(['\"`])(_*)\2\s*\)?", source.mask[span.start:span.end])
    if inner is None:
        return None
    text = source.text[span.start + inner.start(3):span.start + inner.end(3)]
    if "${" in text or (inner.group(2) == "" and "\\" in text):
        return None  # interpolated, or escapes this reading does not undo
    return (text.replace('""', '"') if inner.group(2) else text) or None


def _fargate(source: Source, call: Call) -> bool:
    """Fargate constructs run on Fargate unless a capacity provider other than FARGATE / FARGATE_SPOT is named."""
    if "Fargate" not in call.construct:
        return False
    strategies = call.props.get("capacityproviderstrategies")
    if strategies is None:
        return True
    written = source.written(strategies.value)
    names = re.findall(r"[\"']([^\"'\n]*)[\"']", written)
    return bool(names) and all(name.upper().startswith("FARGATE") for name in names)


def _percent(source: Source, written: Written | None, what: str, default: int) -> Setting:
    if written is None:
        return Setting(default, default=True)
    setting = source.setting(written)
    if setting is None:
        raise _NotAnalysed(f"{what} is {source.where(written.value)}, which rollproof does not evaluate "
                           "(it reads integer literals and constants)")
    if what == "maxHealthyPercent" and setting.value == 0:  # CDK writes `maxHealthyPercent || 200`
        return Setting(DEFAULT_MAX, setting.line, setting.column)
    return setting


def _desired(source: Source, written: Written | None) -> tuple[Setting, str]:
    if written is None:
        return Setting(None), ("desiredCount is absent: CDK leaves DesiredCount out of the template, so "
                               "CloudFormation starts a new service at 1 and keeps the running count on update")
    setting = source.setting(written)
    if setting is None:
        line = source.text.count("\n", 0, written.value.start) + 1
        return Setting(None, line), f"desiredCount is {source.where(written.value)}, which rollproof does not evaluate"
    return setting, ""


def _not_rolling(source: Source, call: Call) -> str:
    """Why the service is not a rolling update this model covers ('' when it is one); _NotAnalysed when unknown."""
    daemon = call.props.get("daemon")
    if daemon is not None:
        value = source.written(daemon.value)
        if value in ("true", "True"):
            return "DAEMON services run one task per instance; the rolling-update model covers REPLICA services"
        if value not in ("false", "False"):
            raise _NotAnalysed(f"daemon is {source.where(daemon.value)}, which rollproof does not evaluate")
    controller = call.props.get("deploymentcontroller")
    if controller is not None:
        written = source.written(controller.value)
        for kind in ("CODE_DEPLOY", "EXTERNAL"):
            if re.search(_WORD.format(kind), written):
                return f"deployment controller {kind} (blue/green or external) is not the rolling update this " \
                       "model covers"
        if not re.search(_WORD.format("ECS"), written):
            raise _NotAnalysed(f"deploymentController is {source.where(controller.value)}, which rollproof does "
                               "not evaluate")
    strategy = call.props.get("deploymentstrategy")
    if strategy is not None:
        written = source.written(strategy.value)
        for kind in _OTHER_STRATEGIES:
            if re.search(_WORD.format(kind), written):
                return f"deployment strategy {kind} shifts traffic between two task sets; rollproof models " \
                       "rolling updates only"
        if not re.search(_WORD.format("ROLLING"), written):
            raise _NotAnalysed(f"deploymentStrategy is {source.where(strategy.value)}, which rollproof does not "
                               "evaluate")
    return ""


Range = tuple[int, int, int | None, list[str]]


def _range(source: Source, call: Call, found: list[Scaling], unattributed: list[Scaling]) -> Range | str | None:
    """The autoscaling range of the construct; a reason when autoscaling may own its count in a way not read."""
    if call.construct.startswith("QueueProcessing"):
        return _queue_range(source, call)
    mine = [s for s in found if s.receiver is not None and s.receiver == call.variable]
    if mine:
        scaling = mine[-1]
        if scaling.unread:
            return f"its autoScaleTaskCount call at line {scaling.line}: {scaling.unread}"
        high = scaling.props.get("maxcapacity")
        low = scaling.props.get("mincapacity")
        high_setting = source.setting(high) if high is not None else None
        if high_setting is None or high_setting.value is None:
            shown = source.where(high.value) if high is not None else "absent"
            return f"its autoScaleTaskCount call at line {scaling.line} has maxCapacity {shown}, which rollproof " \
                   "does not evaluate"
        if low is None:
            return 1, high_setting.value, scaling.line, ["CDK default assumed: autoScaleTaskCount minCapacity 1"]
        low_setting = source.setting(low)
        if low_setting is None or low_setting.value is None:
            return f"its autoScaleTaskCount call at line {scaling.line} has minCapacity {source.where(low.value)}, " \
                   "which rollproof does not evaluate"
        return low_setting.value, high_setting.value, scaling.line, []
    if unattributed:
        return f"autoscaling at line {unattributed[0].line} may set its count, and rollproof cannot tell which " \
               "service it scales"
    return None


def _queue_range(source: Source, call: Call) -> Range | str:
    values: dict[str, int | None] = {}
    for name in ("desiredtaskcount", "minscalingcapacity", "maxscalingcapacity"):
        written = call.props.get(name)
        if written is None:
            values[name] = None
            continue
        setting = source.setting(written)
        if setting is None:
            return f"{written.name} is {source.where(written.value)}, which rollproof does not evaluate"
        values[name] = setting.value
    desired = values["desiredtaskcount"]
    low = values["minscalingcapacity"]
    high = values["maxscalingcapacity"]
    notes = []
    if low is None:
        low = desired if desired is not None else 1
        notes.append(f"CDK default assumed: minScalingCapacity {low}")
    if not high:  # CDK writes `maxScalingCapacity || 2 * desired`
        high = 2 * desired if desired is not None else 2
        notes.append(f"CDK default assumed: maxScalingCapacity {high}")
    return low, high, source.text.count("\n", 0, call.offset) + 1, notes
