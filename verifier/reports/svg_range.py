"""The chart of a desired-range result: the verdict and ECS's deploy time across the range.

Hand-written SVG for the reasons given in reports/svg_chart.py. The x axis is desiredCount;
one band per property shows where it holds (green), fails (red) or is unknown (amber); above
them, ECS's deploy time at sampled counts as a line, a cross where ECS never finishes.
"""

from __future__ import annotations

from verifier.check.ranges import RangeFinding
from verifier.properties.count_spans import Span
from verifier.reports.svg_chart import count_steps, nice_step, time_unit
from verifier.untrusted import html_text as escape

WIDTH, LEFT, RIGHT, TOP, PLOT_BOTTOM = 760, 150, 740, 30, 190
BAND, BAND_GAP = 16, 6
COLOURS = {"holds": "#54a24b", "violated": "#cf222e", "unknown": "#e0a800"}


def range_chart(low: int, high: int, findings: tuple[RangeFinding, ...], deploys: list[tuple[int, int | None]],
                element_id: str) -> str:
    """`deploys`: (desiredCount, seconds or None for never) at the counts simulated."""
    bands_top = PLOT_BOTTOM + 40
    height = bands_top + len(findings) * (BAND + BAND_GAP) + 40
    span = max(high - low, 0) + 1

    def x(count: float) -> float:   # count c covers [c, c + 1)
        return LEFT + (count - low) * (RIGHT - LEFT) / span

    finished = [seconds for _, seconds in deploys if seconds is not None]
    longest = max(finished + [1])
    steps, unit, unit_name = time_unit(longest)
    step = nice_step(longest, steps)
    top = -(-longest // step) * step

    def y(seconds: float) -> float:
        return PLOT_BOTTOM - seconds * (PLOT_BOTTOM - TOP) / top

    parts = [f'<svg id="{escape(element_id)}" class="range-chart" role="img" width="{WIDTH}" height="{height}" '
             f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg" font-family="system-ui,sans-serif" '
             'font-size="11" aria-label="verdict and ECS deploy time across the desired range">',
             '<title>verdict and ECS deploy time across the desired range</title>',
             f'<line x1="{LEFT}" y1="{PLOT_BOTTOM}" x2="{RIGHT}" y2="{PLOT_BOTTOM}" stroke="#57606a"/>',
             f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{PLOT_BOTTOM}" stroke="#57606a"/>',
             f'<text class="axis-title" x="{LEFT - 40}" y="{TOP - 12}" text-anchor="middle">ECS deploy time '
             f'({unit_name})</text>']
    for value in range(0, top + 1, step):
        label = f"{value / unit:g}"
        parts.append(f'<g class="tick y-tick"><line x1="{LEFT - 4}" y1="{y(value):.1f}" x2="{RIGHT}" '
                     f'y2="{y(value):.1f}" stroke="#d0d7de" stroke-width="0.5"/><text x="{LEFT - 6}" '
                     f'y="{y(value) + 4:.1f}" text-anchor="end">{label}</text></g>')
    count_step = nice_step(span, count_steps())
    for value in range(-(-low // count_step) * count_step, high + 1, count_step):
        parts.append(f'<g class="tick x-tick"><line x1="{x(value + 0.5):.1f}" y1="{PLOT_BOTTOM}" '
                     f'x2="{x(value + 0.5):.1f}" y2="{PLOT_BOTTOM + 4}" stroke="#57606a"/><text '
                     f'x="{x(value + 0.5):.1f}" y="{PLOT_BOTTOM + 16}" text-anchor="middle">{value:,}</text></g>')
    parts.append(f'<text class="axis-title" x="{(LEFT + RIGHT) / 2}" y="{PLOT_BOTTOM + 32}" '
                 'text-anchor="middle">desiredCount</text>')
    points = [(x(count + 0.5), y(seconds)) for count, seconds in deploys if seconds is not None]
    if points:
        parts.append('<path class="deploy-line" d="M' + " L".join(f"{px:.1f},{py:.1f}" for px, py in points)
                     + '" fill="none" stroke="#4c78a8" stroke-width="2"/>')
    for count, seconds in deploys:
        shown = "never finishes" if seconds is None else f"{seconds:,} s"
        if seconds is None:
            cx = x(count + 0.5)
            parts.append(f'<g class="deploy-never"><title>desiredCount {count:,}: ECS {shown}</title><path '
                         f'd="M{cx - 4:.1f},{TOP - 4} L{cx + 4:.1f},{TOP + 4} M{cx - 4:.1f},{TOP + 4} '
                         f'L{cx + 4:.1f},{TOP - 4}" stroke="#cf222e" stroke-width="2"/></g>')
        else:
            parts.append(f'<circle class="deploy-point" cx="{x(count + 0.5):.1f}" cy="{y(seconds):.1f}" r="2.5" '
                         f'fill="#4c78a8"><title>desiredCount {count:,}: {shown}</title></circle>')
    for row, finding in enumerate(findings):
        band_y = bands_top + row * (BAND + BAND_GAP)
        parts.append(f'<text x="{LEFT - 6}" y="{band_y + 12}" text-anchor="end">{escape(finding.property_id)}</text>'
                     f'<rect class="verdict-band holds" x="{LEFT}" y="{band_y}" width="{RIGHT - LEFT}" '
                     f'height="{BAND}" fill="{COLOURS["holds"]}"/>')
        for a, b in finding.unknown:
            parts.append(_band(x(a), x(b + 1), band_y, "unknown", f"{a:,}..{b:,}: unknown"))
        for interval in finding.failing:
            for a, b in _runs(interval.span, 200):
                parts.append(_band(x(a), x(b + 1), band_y, "violated",
                                   f"{a:,}..{b:,}: violated (example: desiredCount {interval.example:,})"))
    legend_y = height - 12
    parts.append(f'<g class="legend"><rect x="{LEFT}" y="{legend_y - 9}" width="11" height="11" '
                 f'fill="{COLOURS["holds"]}"/><text x="{LEFT + 15}" y="{legend_y}">holds</text><rect '
                 f'x="{LEFT + 60}" y="{legend_y - 9}" width="11" height="11" fill="{COLOURS["violated"]}"/><text '
                 f'x="{LEFT + 75}" y="{legend_y}">violated</text><rect x="{LEFT + 140}" y="{legend_y - 9}" width="11" '
                 f'height="11" fill="{COLOURS["unknown"]}"/><text x="{LEFT + 155}" y="{legend_y}">unknown</text>'
                 f'<line x1="{LEFT + 230}" y1="{legend_y - 4}" x2="{LEFT + 250}" y2="{legend_y - 4}" stroke="#4c78a8" '
                 f'stroke-width="2"/><text x="{LEFT + 255}" y="{legend_y}">ECS deploy time (sampled counts)</text>'
                 f'<text x="{LEFT + 460}" y="{legend_y}" fill="#cf222e">&#215; never finishes</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _band(left: float, right: float, band_y: int, kind: str, said: str) -> str:
    return (f'<rect class="verdict-band {kind}" x="{left:.1f}" y="{band_y}" width="{max(right - left, 1.5):.1f}" '
            f'height="{BAND}" fill="{COLOURS[kind]}"><title>{escape(said)}</title></rect>')


def _runs(span: Span, most: int) -> list[tuple[int, int]]:
    """The inclusive runs of a (possibly periodic) span, at most `most` of them (the rest are too thin to see)."""
    runs: list[tuple[int, int]] = []
    start = span.low
    while start <= span.high and len(runs) < most:
        runs.append((start, min(start + span.width - 1, span.high)))
        if span.period <= 1 or span.width >= span.period:
            runs[-1] = (span.low, span.high)
            break
        start += span.period
    return runs
