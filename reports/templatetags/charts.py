"""Charts as inline SVG drawn from numbers computed in Python, so the page and the PDF show
the same chart. Colour is never the only carrier: each line has its own dash pattern and a
label, and every chart comes with its numbers as a table."""

import math

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from actions.rollup import Tally

register = template.Library()

# Drawn at its own size on screen (a phone scrolls it sideways), so its text is 14 px there.
WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 52, 220, 12, 40
# Each line's label starts with a sample of the line, so it can be told apart in greyscale.
SAMPLE = 26
FONT_SIZE = 14
# Stroke colour, dash pattern and width per series: colour is never the only difference.
SERIES_STYLES = [
    ("#0059b3", "", 2.5),
    ("#b35900", "8 4", 2.5),
    ("#00804d", "2 3", 2.5),
    ("#8a1a8a", "10 3 2 3", 2.5),
    ("#a3001b", "14 6", 2.5),
    ("#1a1a1a", "", 4),
]


BAR_SVG = (
    '<svg class="bar-chart" viewBox="0 0 100 8" width="100" height="8" aria-hidden="true"'
    ' focusable="false"><rect class="bar-track" fill="#e0e0e0" x="0" y="0" width="100"'
    ' height="8" /><rect class="bar-fill" fill="#0059b3" x="0" y="0" width="{}" height="8" />'
    "</svg>"
)
# In a PDF (no Content-Security-Policy there) the bar is a background, an artifact, so only
# the words are read aloud.
PRINT_BAR = '<span class="print-bar"><span class="print-bar-fill" style="width: {}%"></span></span>'


@register.simple_tag
def tally_text(item) -> str:
    """ "x af N (p %)" for anything with `done` and `counted`."""
    done, counted = item.done or 0, item.counted or 0
    return _("%(done)s of %(counted)s (%(percent)s %%)") % {
        "done": number_format(done, force_grouping=True),
        "counted": number_format(counted, force_grouping=True),
        "percent": Tally(done, counted).percent,
    }


@register.simple_tag(takes_context=True)
def tally(context, item) -> SafeString:
    """ "x af N" with a bar, written here rather than by an included template: a dashboard
    shows one per cell, per institution and per action."""
    percent = Tally(item.done or 0, item.counted or 0).percent
    bar = format_html(PRINT_BAR if context.get("for_print") else BAR_SVG, percent)
    return format_html(
        '<span class="tally">{} <span class="tally-text">{}</span></span>', bar, tally_text(item)
    )


@register.filter
def points_since(now: Tally, then: Tally) -> str:
    """The change in the share done, in percentage points with its sign: "+13 pct.-point"."""
    return _("%(change)+d pct. points") % {"change": now.percent - then.percent}


@register.inclusion_tag("reports/includes/assessment.html")
def assessment(item, pace, deadline=None):
    """The assessment's symbol and word for anything with done, counted and started."""
    return {"assessment": pace.assess(item, deadline) if pace else None}


@register.inclusion_tag("includes/charts/line_chart.html")
def line_chart(series, labels, title, description, chart_id):
    """Percent done over time: one line per series, y from 0 to 100 %."""
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(labels) - 1, 1)

    def x(index):
        return round(LEFT + index * step, 1)

    def y(percent):
        return round(TOP + (1 - percent / 100) * plot_height, 1)

    lines = []
    for number, one in enumerate(series):
        points = [(x(index), y(tally.percent)) for index, tally in enumerate(one.points)]
        colour, dashes, stroke_width = SERIES_STYLES[number % len(SERIES_STYLES)]
        lines.append(
            {
                "label": one.label,
                "colour": colour,
                "dashes": dashes,
                "stroke_width": stroke_width,
                "points": " ".join(f"{px},{py}" for px, py in points),
                "end": points[-1] if points else (LEFT, TOP + plot_height),
                "last": one.points[-1].percent if one.points else 0,
            }
        )
    _spread_labels(lines)
    last = len(labels) - 1
    return {
        "chart_id": chart_id,
        "title": title,
        "description": description,
        "width": WIDTH,
        "height": HEIGHT,
        "lines": lines,
        "grid": [{"y": y(percent), "label": percent} for percent in (0, 25, 50, 75, 100)],
        "ticks": [
            # The last label ends at its tick, clear of the lines' labels to its right.
            {"x": x(index), "label": labels[index], "anchor": "end" if index == last else "middle"}
            for index in _tick_indices(len(labels))
        ],
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": TOP + plot_height,
        "sample_x": WIDTH - RIGHT + 8,
        "sample_end": WIDTH - RIGHT + 8 + SAMPLE,
        "label_x": WIDTH - RIGHT + 8 + SAMPLE + 6,
        "font_size": FONT_SIZE,
    }


def _tick_indices(count: int) -> list[int]:
    """At most about five labelled moments (a label such as "28. nov 2026" takes a fifth
    of the plot), the last one (today) always among them."""
    every = max(1, math.ceil(count / 5))
    shown = [*range(0, count - 1, every), count - 1]
    # Today's label ends at its tick, so it reaches back towards the one before it: that
    # one gives way unless it is at least one and a half steps away.
    if len(shown) > 2 and shown[-1] - shown[-2] < 1.5 * every:
        del shown[-2]
    return shown


def _spread_labels(lines, gap=FONT_SIZE + 3):
    """Place each line's end label beside it without overlapping the others, in order."""
    placed = sorted(lines, key=lambda line: line["end"][1])
    floor = TOP
    for line in placed:
        line["label_y"] = max(line["end"][1], floor)
        floor = line["label_y"] + gap
    ceiling = HEIGHT - BOTTOM + 4  # above the axis's labels
    for line in reversed(placed):
        line["label_y"] = min(line["label_y"], ceiling)
        ceiling = line["label_y"] - gap
