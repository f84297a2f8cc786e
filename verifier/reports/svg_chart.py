"""The timeline chart of a report page: tasks by state as stacked areas, with the limits drawn in.

Hand-written SVG rather than a plotting library: a report must open the same from a CI
artifact, an e-mail or a file share, with no script, no font and no file beside it. A
plotting library either needs JavaScript in the page (Plotly, Vega) or writes a picture
whose text is not text (matplotlib's PNG); the few shapes drawn here (areas, dashed lines,
ticks, markers) are short to write by hand, stay exact, and can be asserted on in a test.

What the chart is for is how close a run comes to each limit, so:

* the areas are stacked in the order the limits read them: old healthy and new healthy at
  the bottom (their top is the healthy count, read against the healthy minimum L), then new
  pending (the top is what counts toward the maximum U), then old stopping (the top is every
  occupied slot, read against the capacity C);
* L, U and C (when finite) are dashed horizontal lines labelled in the right margin;
* stops and launches are marked above the plot; the lowest healthy point and the peak are
  annotated; a counterexample ends at its violation, highlighted;
* a trace without times (a counterexample) is drawn over steps, each state one step wide, so
  that even a one-state trace has a width; a repeated period (`repeat xN`) is drawn once and
  then as one hatched stretch labelled with its count, never expanded point by point.

Every text comes through `verifier.untrusted.html_text`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from verifier.counterexample import Counterexample
from verifier.format import plural
from verifier.semantics import Action, Bounds, RepeatStep, State, counted
from verifier.untrusted import html_text as escape

WIDTH, HEIGHT = 760, 330
LEFT, RIGHT, TOP, BOTTOM = 62, 590, 58, 270   # the plot area; labels of the limits go right of it
# Stacking order, bottom to top (see the module docstring): (state field, legend text, colour).
LAYERS = (("old", "old healthy", "#4c78a8"), ("new", "new healthy", "#54a24b"),
          ("pending", "new pending", "#e0c341"), ("stopping", "old stopping", "#f58518"))
LIMIT_COLOURS = {"L": "#cf222e", "U": "#8250df", "C": "#24292f", "R": "#bf3989", "T": "#0969da"}
TIME_STEPS = (1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400)
SHORT_RUN_SECONDS = 120   # up to two minutes, time ticks are in seconds
MOST_TICKS = 8
OFF_CHART = 2             # a limit more than this many times the run's highest count is named, not drawn
REPEAT_SHARE = 0.12       # of the plain stretch: the width a repeated period is drawn with
_Scale = Callable[[float], float]


@dataclass(frozen=True, slots=True)
class Axis:
    """Where each state of a trace is drawn along x, in display units (before scaling to pixels)."""

    starts: tuple[float, ...]   # display start of state i; state i ends where state i + 1 starts
    end: float                  # display end of the last state
    timed: bool
    plain: tuple[tuple[float, float, float], ...]   # (real start, real end, display start) of unrepeated stretches
    repeats: tuple[tuple[int, int], ...]            # (state index before the jump, periods)


def axis_of(trace: Counterexample, span: float = 0.0) -> Axis:
    """Display positions: real seconds (or steps) where nothing repeats, a fixed width per repeat.

    `span` widens a timed axis to at least that many seconds (a before/after overlay shares one)."""
    timed = trace.times is not None
    real = list(trace.times) if trace.times is not None else list(range(len(trace.states)))
    jumps = [i for i, action in enumerate(trace.actions) if isinstance(action, RepeatStep)]
    plain_length = sum(real[i + 1] - real[i] for i in range(len(real) - 1) if i not in jumps)
    if timed:
        if not jumps:
            plain_length = max(plain_length, int(span) - real[0])
        tail = max(plain_length * 0.04, 1.0) if plain_length else 1.0
    else:
        tail = 1.0   # the last state (the violation) is one step wide, like every other
    gap = max((plain_length + tail) * REPEAT_SHARE, 1.0)
    starts, plain, position = [0.0], [], 0.0
    for i in range(len(real) - 1):
        width = gap if i in jumps else real[i + 1] - real[i]
        if i not in jumps:
            plain.append((float(real[i]), float(real[i + 1]), position))
        position += width
        starts.append(position)
    last = float(real[-1])
    end = position + max(tail, (span - last) if timed and span > last else 0.0)
    plain.append((last, last + end - position, position))
    periods = [action.periods for action in trace.actions if isinstance(action, RepeatStep)]
    return Axis(tuple(starts), end, timed, tuple(plain), tuple(zip(jumps, periods, strict=True)))


def nice_step(span: float, steps: tuple[int, ...]) -> int:
    """The first of `steps` that gives at most MOST_TICKS ticks (a multiple of the last when none does)."""
    return next((step for step in steps if span / step <= MOST_TICKS),
                steps[-1] * (int(span // (steps[-1] * MOST_TICKS)) + 1))


def count_steps() -> tuple[int, ...]:
    return tuple(m * 10 ** e for e in range(10) for m in (1, 2, 5))


def time_unit(span: float) -> tuple[tuple[int, ...], int, str]:
    """Tick steps (in seconds), the unit labels are written in, and its name, for a span of seconds."""
    if span <= SHORT_RUN_SECONDS:
        return TIME_STEPS[:7], 1, "seconds"
    if span <= 6 * 3600:
        return TIME_STEPS[6:14], 60, "minutes"
    if span <= 10 * 86400:
        return tuple(3600 * m for m in (1, 2, 3, 6, 12, 24, 48)), 3600, "hours"
    return tuple(86400 * m for m in count_steps()), 86400, "days"


def x_ticks(axis: Axis) -> tuple[list[tuple[float, str]], str]:
    """(display position, label) of each tick, and the axis title."""
    real_span = sum(b - a for a, b, _ in axis.plain)
    if axis.timed:
        steps, unit, name = time_unit(real_span)
        step, title = nice_step(real_span, steps), f"time ({name})"
    else:
        step, title, unit = nice_step(real_span, count_steps()), "steps taken", 1
    ticks: list[tuple[float, str]] = []
    for start, stop, shown in axis.plain:
        first = -(-int(start) // step) * step
        for value in range(first, int(stop) + 1, step):
            position = shown + value - start
            if not ticks or position - ticks[-1][0] >= step * 0.6:
                label = f"{value // unit:,}" if value % unit == 0 else f"{value / unit:g}"
                ticks.append((position, label))
    return ticks, title


def y_ticks(top: int) -> list[int]:
    """Ticks from 0 at a step of 1, 2 or 5 times a power of ten, at most 7 of them, the last at or above `top`."""
    step, scale = 1, 1
    while top / step > 6:
        for m in (1, 2, 5):
            step = m * scale
            if top / step <= 6:
                break
        scale *= 10
    return list(range(0, -(-top // step) * step + 1, step))


@dataclass(frozen=True, slots=True)
class Overlay:
    """An earlier run drawn over this one as outlines: a diff's before, beside its after."""

    trace: Counterexample
    bounds: Bounds
    label: str


@dataclass(frozen=True, slots=True)
class Required:
    """A model's own requirements (minHealthy, maxTasks), drawn where they differ from L and U."""

    healthy: int | None = None
    tasks: int | None = None


def timeline(trace: Counterexample, bounds: Bounds, element_id: str, title: str,
             violation: str = "", before: Overlay | None = None, required: Required = Required()) -> str:
    """The chart as an inline <svg>; `violation` names what the last state breaks (a counterexample)."""
    span = float(before.trace.times[-1]) if before is not None and before.trace.times and trace.times else 0.0
    axis = axis_of(trace, span)
    states = list(trace.states)
    heights = [s.occupied for s in states] + [counted(bounds, s) for s in states]
    if before is not None:
        heights += [s.occupied for s in before.trace.states] + [before.bounds.min_healthy]
    data_high = max(heights + [bounds.min_healthy, 1])
    # A limit far above the run (maximumPercent 1000, a large cluster) would flatten it to a line:
    # such a limit is named above the chart instead of drawn.
    limits = limit_lines(bounds, required)
    drawn = [limit for limit in limits if limit[0] <= data_high * OFF_CHART + 1]
    off_chart = [label for value, _, label in limits if value > data_high * OFF_CHART + 1]
    highest = max([data_high] + [value for value, _, _ in drawn])
    counts = y_ticks(highest)
    top_value = counts[-1]

    def x(position: float) -> float:
        return LEFT + position * (RIGHT - LEFT) / axis.end

    def y(value: float) -> float:
        return BOTTOM - value * (BOTTOM - TOP) / top_value

    parts = [f'<svg id="{escape(element_id)}" class="timeline" role="img" aria-label="{escape(title)}" '
             f'width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" xmlns="http://www.w3.org/2000/svg" '
             'font-family="system-ui,sans-serif" font-size="11">',
             f'<title>{escape(title)}</title>',
             f'<defs><pattern id="{escape(element_id)}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
             'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#57606a" '
             'stroke-width="1.5"/></pattern></defs>']
    parts += _areas(trace, axis, x, y)
    if violation:
        last = len(states) - 1
        room = x(axis.end) - x(axis.starts[last]) >= 90 or not last   # inside the band when it fits
        anchor = "start" if room else "end"
        label_x = x(axis.starts[last]) + 4 if room else x(axis.starts[last]) - 4
        parts.append(f'<rect class="violation" x="{x(axis.starts[last]):.1f}" y="{TOP}" '
                     f'width="{x(axis.end) - x(axis.starts[last]):.1f}" height="{BOTTOM - TOP}" fill="#cf222e" '
                     f'fill-opacity="0.15" stroke="#cf222e" stroke-width="2"/>'
                     f'<text class="annotation" x="{label_x:.1f}" y="{TOP + 12}" '
                     f'fill="#cf222e" font-weight="600" text-anchor="{anchor}">'
                     f'{escape(violation)}</text>')
    parts += _repeat_marks(trace, axis, x, element_id)
    if before is not None:
        parts += _overlay(before, axis if before.trace.times is None or trace.times is None else
                          axis_of(before.trace, axis.end), x, y)
    parts += _axes(axis, counts, x, y)
    parts += _limits(drawn, y, before.bounds if before else None, highest)
    parts += _events(trace, axis, x)
    parts += _annotations(trace, bounds, axis, x, y)
    parts += _legend(off_chart, before)
    parts.append("</svg>")
    return "".join(parts)


def _areas(trace: Counterexample, axis: Axis, x: _Scale, y: _Scale) -> list[str]:
    """One closed path per layer; a repeated stretch joins its two ends with straight lines."""
    parts = []
    jumps = {i for i, _ in axis.repeats}
    for index, (field, _, colour) in enumerate(LAYERS):
        if all(getattr(s, field) == 0 for s in trace.states):
            continue
        upper, lower = [], []
        for i, state in enumerate(trace.states):
            start = axis.starts[i]
            end = axis.starts[i + 1] if i + 1 < len(trace.states) else axis.end
            low, high = _stacked(state, index)
            upper.append((start, high))
            lower.append((start, low))
            if i not in jumps:   # flat until the next state; a jump slopes to it instead
                upper.append((end, high))
                lower.append((end, low))
        points = upper + lower[::-1]
        d = "M" + " L".join(f"{x(px):.1f},{y(py):.1f}" for px, py in points) + " Z"
        parts.append(f'<path class="area area-{field}" d="{d}" fill="{colour}" fill-opacity="0.85" '
                     f'stroke="{colour}" stroke-width="0.5"/>')
    return parts


def _stacked(state: State, index: int) -> tuple[int, int]:
    values = [getattr(state, field) for field, _, _ in LAYERS]
    return sum(values[:index]), sum(values[:index + 1])


def _repeat_marks(trace: Counterexample, axis: Axis, x: _Scale, element_id: str) -> list[str]:
    parts = []
    for number, (i, periods) in enumerate(axis.repeats):
        left, right = x(axis.starts[i]), x(axis.starts[i + 1])
        repeat = trace.repeats[number] if number < len(trace.repeats) else None
        steps = repeat.last - repeat.first if repeat is not None else 0
        said = f"repeat \u00d7{periods:,}"
        if repeat is not None and trace.times is not None and repeat.seconds:
            said += f" ({repeat.seconds * periods:,} s)"
        detail = f"the {plural(steps, 'step')} before are taken {plural(periods, 'more time')}" if steps else said
        parts.append(f'<g class="repeat"><title>{escape(detail)}</title><rect x="{left:.1f}" y="{TOP}" '
                     f'width="{right - left:.1f}" height="{BOTTOM - TOP}" fill="url(#{escape(element_id)}-hatch)" '
                     f'fill-opacity="0.35"/><text x="{(left + right) / 2:.1f}" y="{TOP + 26}" text-anchor="middle" '
                     f'font-weight="600" fill="#24292f">{escape(said)}</text></g>')
    return parts


def _overlay(before: Overlay, axis: Axis, x: _Scale, y: _Scale) -> list[str]:
    """The earlier run's healthy count and occupied slots, as dashed step lines."""
    parts = []
    for name in ("healthy", "occupied"):
        points: list[tuple[float, int]] = []
        for i, state in enumerate(before.trace.states):
            end = axis.starts[i + 1] if i + 1 < len(before.trace.states) else axis.end
            value = state.healthy if name == "healthy" else state.occupied
            points += [(axis.starts[i], value), (end, value)]
        d = "M" + " L".join(f"{x(px):.1f},{y(py):.1f}" for px, py in points)
        parts.append(f'<path class="overlay overlay-{name}" d="{d}" fill="none" stroke="#24292f" '
                     f'stroke-width="2" stroke-dasharray="{"6 3" if name == "healthy" else "2 2"}"/>')
    return parts


def _axes(axis: Axis, counts: list[int], x: _Scale, y: _Scale) -> list[str]:
    parts = [f'<line x1="{LEFT}" y1="{BOTTOM}" x2="{RIGHT}" y2="{BOTTOM}" stroke="#57606a"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{BOTTOM}" stroke="#57606a"/>']
    for value in counts:
        parts.append(f'<g class="tick y-tick"><line x1="{LEFT - 4}" y1="{y(value):.1f}" x2="{RIGHT}" '
                     f'y2="{y(value):.1f}" stroke="#d0d7de" stroke-width="0.5"/><text x="{LEFT - 6}" '
                     f'y="{y(value) + 4:.1f}" text-anchor="end">{value:,}</text></g>')
    ticks, title = x_ticks(axis)
    for position, label in ticks:
        parts.append(f'<g class="tick x-tick"><line x1="{x(position):.1f}" y1="{BOTTOM}" x2="{x(position):.1f}" '
                     f'y2="{BOTTOM + 4}" stroke="#57606a"/><text x="{x(position):.1f}" y="{BOTTOM + 16}" '
                     f'text-anchor="middle">{escape(label)}</text></g>')
    parts.append(f'<text class="axis-title" x="{(LEFT + RIGHT) / 2}" y="{BOTTOM + 32}" text-anchor="middle">'
                 f'{escape(title)}</text>'
                 f'<text class="axis-title" transform="translate(13,{(TOP + BOTTOM) / 2}) rotate(-90)" '
                 'text-anchor="middle">tasks</text>')
    return parts


def limit_lines(bounds: Bounds, required: Required) -> list[tuple[int, str, str]]:
    """(value, key, label) of L, U, C and the model's own requirements where they differ from L and U."""
    limits = [(bounds.min_healthy, "L", f"healthy minimum L = {bounds.min_healthy:,}"),
              (bounds.max_tasks, "U", f"maximum U = {bounds.max_tasks:,}")]
    if bounds.capacity is not None:
        limits.append((bounds.capacity, "C", f"capacity C = {bounds.capacity:,}"))
    if required.healthy is not None and required.healthy != bounds.min_healthy:
        limits.append((required.healthy, "R", f"required: at least {required.healthy:,} healthy"))
    if required.tasks is not None and required.tasks != bounds.max_tasks:
        limits.append((required.tasks, "T", f"required: at most {plural(required.tasks, 'task')}"))
    return limits


def _limits(drawn: list[tuple[int, str, str]], y: _Scale, before: Bounds | None, highest: int) -> list[str]:
    """The limits as dashed lines; equal values share one line, their labels stacked."""
    named: dict[int, list[tuple[str, str]]] = {}
    for value, key, label in drawn:
        named.setdefault(value, []).append((key, label))
    parts, last_label = [], float("inf")
    for value in sorted(named):
        keys = [key for key, _ in named[value]]
        colour = LIMIT_COLOURS[keys[0]]
        line = (f'<g class="limit {" ".join("limit-" + key for key in keys)}"><line x1="{LEFT}" '
                f'y1="{y(value):.1f}" x2="{RIGHT + 4}" y2="{y(value):.1f}" stroke="{colour}" stroke-width="1.5" '
                f'stroke-dasharray="7 4"/>')
        for key, label in named[value]:   # equal or near limits: labels stacked upward, never overlaid
            label_y = min(y(value) + 4, last_label - 12)
            last_label = label_y
            line += f'<text x="{RIGHT + 8}" y="{label_y:.1f}" fill="{LIMIT_COLOURS[key]}">{escape(label)}</text>'
        parts.append(line + "</g>")
    if before is not None and (before.min_healthy, before.max_tasks) != tuple(v for v, k, _ in drawn if k in "LU")[:2]:
        for value, name in ((before.min_healthy, "L before"), (before.max_tasks, "U before")):
            if value > highest:
                continue
            parts.append(f'<g class="limit limit-before"><line x1="{LEFT}" y1="{y(value):.1f}" x2="{RIGHT}" '
                         f'y2="{y(value):.1f}" stroke="#8c959f" stroke-width="1" stroke-dasharray="2 3"/>'
                         f'<text x="{LEFT + 4}" y="{y(value) - 3:.1f}" fill="#57606a">{name} = {value:,}</text></g>')
    return parts


def _events(trace: Counterexample, axis: Axis, x: _Scale) -> list[str]:
    """A triangle above the plot per stop (down) and launch (up), its amount in a tooltip."""
    parts = []
    for i, action in enumerate(trace.actions):
        if not isinstance(action, Action) or action.name not in ("stop", "launch"):
            continue
        at = x(axis.starts[i + 1])
        when = f" at {trace.times[i + 1]:,} s" if trace.times is not None else f" in step {i + 1}"
        if action.name == "stop":
            shape, colour = f"{at - 4:.1f},{TOP - 22} {at + 4:.1f},{TOP - 22} {at:.1f},{TOP - 15}", "#f58518"
        else:
            shape, colour = f"{at - 4:.1f},{TOP - 5} {at + 4:.1f},{TOP - 5} {at:.1f},{TOP - 12}", "#54a24b"
        parts.append(f'<polygon class="event event-{action.name}" points="{shape}" fill="{colour}">'
                     f'<title>{escape(str(action) + when)}</title></polygon>')
    return parts


def _annotations(trace: Counterexample, bounds: Bounds, axis: Axis, x: _Scale, y: _Scale) -> list[str]:
    """The lowest healthy point and the peak of the tasks counted toward the maximum."""
    states = trace.states
    lowest = min(range(len(states)), key=lambda i: (states[i].healthy, i))
    peak = max(range(len(states)), key=lambda i: (counted(bounds, states[i]), -i))
    parts = []
    for index, value, text, colour, below in (
            (lowest, states[lowest].healthy, f"lowest healthy {states[lowest].healthy:,}", LIMIT_COLOURS["L"], True),
            (peak, counted(bounds, states[peak]), f"peak {plural(counted(bounds, states[peak]), 'task')}",
             LIMIT_COLOURS["U"], False)):
        end = axis.starts[index + 1] if index + 1 < len(states) else axis.end
        at_x, at_y = x((axis.starts[index] + end) / 2), y(value)
        text_y = at_y + 15 if below and at_y + 15 < BOTTOM - 2 else at_y - 7
        anchor = "end" if at_x > RIGHT - 90 else "start" if at_x < LEFT + 90 else "middle"
        parts.append(f'<g class="annotation annotation-{"lowest" if below else "peak"}"><circle cx="{at_x:.1f}" '
                     f'cy="{at_y:.1f}" r="3.5" fill="#fff" stroke="{colour}" stroke-width="2"/><text x="{at_x:.1f}" '
                     f'y="{text_y:.1f}" text-anchor="{anchor}" fill="{colour}" font-weight="600" paint-order="stroke" '
                     f'stroke="#fff" stroke-width="3">{escape(text)}</text></g>')
    return parts


def _legend(off_chart: list[str], before: Overlay | None) -> list[str]:
    parts, at = ['<g class="legend">'], LEFT
    for _, text, colour in LAYERS:
        parts.append(f'<rect x="{at}" y="8" width="11" height="11" fill="{colour}"/>'
                     f'<text x="{at + 15}" y="17">{text}</text>')
        at += 24 + 6 * len(text)
    parts.append(f'<polygon points="{at},10 {at + 8},10 {at + 4},17" fill="#f58518"/><text x="{at + 12}" y="17">'
                 f'stop</text><polygon points="{at + 44},17 {at + 52},17 {at + 48},10" fill="#54a24b"/>'
                 f'<text x="{at + 56}" y="17">launch</text>')
    if off_chart:
        parts.append(f'<text class="off-chart" x="{LEFT}" y="33" fill="{LIMIT_COLOURS["C"]}">'
                     f'{escape(", ".join(off_chart))}: above the chart</text>')
    if before is not None:
        parts.append(f'<text x="{RIGHT - 250}" y="33" fill="#24292f">dashed outlines: healthy and occupied '
                     f'{escape(before.label)}</text>')
    parts.append("</g>")
    return parts
