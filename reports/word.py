"""Editable copies of the status report and the handleplaner as Word documents, built from
the same context as their PDFs: real headings, tables whose head repeats, and the chart as a
picture with alternative text, for committee secretaries who paste into an agenda system."""

import io
import itertools
from collections.abc import Iterable

from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import Image, ImageDraw, ImageFont

from actions.rollup import Tally
from core.danish import deadline_text, format_kroner
from reports.templatetags.charts import SERIES_STYLES

from .pdf import static_file

FONT = "dkfds/fonts/IBMPlexSans/complete/ttf/IBMPlexSans-Regular.ttf"


def tally_text(tally) -> str:
    return _("%(done)s of %(counted)s (%(percent)s %%)") % {
        "done": tally.done,
        "counted": tally.counted,
        "percent": Tally(tally.done, tally.counted).percent,
    }


def assessment_text(pace, item, deadline=None) -> str:
    assessment = pace.assess(item, deadline)
    return f"{assessment.symbol} {assessment.word}" if assessment else ""


def _new_document(title: str, context: dict) -> Document:
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2)
    section.top_margin = section.bottom_margin = Cm(2)
    document.core_properties.title = title
    document.core_properties.author = context["strategy"].municipality_name
    document.core_properties.language = "da-DK"
    style = document.styles["Normal"]
    style.font.name = "IBM Plex Sans"
    style.font.size = Pt(10)
    document.add_paragraph(context["strategy"].municipality_name)
    document.add_heading(title, level=0)
    document.add_paragraph(context["strategy"].title)
    return document


def _facts(document: Document, facts: Iterable[tuple[str, str]]) -> None:
    for label, value in facts:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)


def _summary(document: Document, messages: list[str]) -> None:
    document.add_heading(_("Summary"), level=1)
    for message in messages:
        document.add_paragraph(message, style="List Bullet")


# A4 with 2 cm margins: 17 cm for the text.
TEXT_WIDTH_CM = 17.0


def _table(
    document: Document,
    caption: str,
    head: list[str],
    rows: list[list[str]],
    shares: list[float] | None = None,
) -> None:
    """A table with a caption above it and a head row that repeats on every page; `shares`
    divides the text width between the columns (equally without it)."""
    document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1, cols=len(head), style="Table Grid")
    table.autofit = False
    header = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(header.cells, head, strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(text).bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = str(text)
    widths = [Cm(TEXT_WIDTH_CM * share) for share in shares or [1 / len(head)] * len(head)]
    # Word reads the cells' widths, LibreOffice the grid's: both are set.
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _shares(*, first: float, last: float, count: int) -> list[float]:
    """Column shares: the first and last columns fixed, the ones between alike."""
    middle = (1 - first - last) / (count - 2)
    return [first, *([middle] * (count - 2)), last]


def _picture(document: Document, png: bytes, alt: str) -> None:
    """The picture with its alternative text (Word's "Alternativ tekst")."""
    shape = document.add_picture(io.BytesIO(png), width=Cm(16))
    shape._inline.docPr.set("descr", alt)
    shape._inline.docPr.set("title", alt)


def _save(document: Document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- The chart as a picture ---------------------------------------------------------------


def _dashed(draw, points, colour, dashes: str, width: int) -> None:
    """A polyline with the chart's dash pattern ("8 4"), so lines differ without colour."""
    pattern = [float(n) * 2 for n in dashes.split()] or [1e9]
    index, left, on = 0, pattern[0], True
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
        done = 0.0
        while done < length:
            step = min(left, length - done)
            if on:
                a, b = done / length, (done + step) / length
                draw.line(
                    [
                        (x1 + (x2 - x1) * a, y1 + (y2 - y1) * a),
                        (x1 + (x2 - x1) * b, y1 + (y2 - y1) * b),
                    ],
                    fill=colour,
                    width=width,
                )
            done += step
            left -= step
            if left <= 0:
                index = (index + 1) % len(pattern)
                left, on = pattern[index], not on


def chart_png(series, labels: list[str]) -> bytes:
    """The over-time chart at twice the page's size: a line per series with its own dash
    pattern, a sample of each line beside its name, and the y axis in percent."""
    width, height, left, right, top, bottom = 1440, 640, 110, 460, 24, 70
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    font_data = static_file(FONT)
    font = ImageFont.truetype(io.BytesIO(font_data), 26) if font_data else None
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)
    for percent in (0, 25, 50, 75, 100):
        y = top + (1 - percent / 100) * plot_h
        draw.line([(left, y), (width - right, y)], fill="#d0d0d0", width=2)
        draw.text((left - 10, y), f"{percent} %", fill="#1a1a1a", font=font, anchor="rm")
    every = max(1, round(len(labels) / 6))
    for index in range(0, len(labels), every):
        draw.text(
            (left + index * step, height - bottom + 20),
            labels[index],
            fill="#1a1a1a",
            font=font,
            anchor="mt",
        )
    for number, one in enumerate(series):
        colour, dashes, stroke = SERIES_STYLES[number % len(SERIES_STYLES)]
        points = [
            (left + n * step, top + (1 - tally.percent / 100) * plot_h)
            for n, tally in enumerate(one.points)
        ]
        _dashed(draw, points, colour, dashes, int(stroke * 2))
        y = top + 34 * number + 10
        _dashed(
            draw,
            [(width - right + 20, y), (width - right + 80, y)],
            colour,
            dashes,
            int(stroke * 2),
        )
        last = one.points[-1].percent if one.points else 0
        draw.text(
            (width - right + 92, y), f"{one.label} {last} %", fill="#1a1a1a", font=font, anchor="lm"
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- The documents --------------------------------------------------------------------------


def status_docx(context: dict) -> bytes:
    title = context["title"]
    document = _new_document(title, context)
    _facts(
        document,
        [
            (_("Status as of"), date_format(context["today"], "j. F Y")),
            (_("Changes since"), date_format(context["since"], "j. F Y")),
        ],
    )
    _summary(document, context["summary"])
    pace, matrix = context["pace"], context["matrix"]
    strategy = context["strategy"]
    domain, domains = strategy.domain_noun, strategy.domains_noun
    document.add_heading(_("%(domains)s and actors") % {"domains": capfirst(domains)}, level=1)
    if matrix.total.counted:
        _table(
            document,
            _("Actions done per %(domain)s and actor") % {"domain": domain},
            [
                capfirst(domain),
                *(actor.name for actor in matrix.actors),
                _("In all"),
                _("Assessment"),
            ],
            [
                [
                    row.domain.name,
                    *(tally_text(cell.tally) for cell in row.cells),
                    tally_text(row.total),
                    assessment_text(pace, row.total),
                ]
                for row in matrix.rows
            ],
            _shares(first=0.22, last=0.14, count=len(matrix.actors) + 3),
        )
    else:
        document.add_paragraph(_("No institution has any of the strategy's actions yet."))
    over_time = context["over_time"]
    document.add_heading(_("Progress over time"), level=1)
    _picture(
        document,
        chart_png(over_time.series, over_time.labels),
        _("Share of actions done per %(domain)s, quarter by quarter") % {"domain": domain}
        + ": "
        + "; ".join(
            f"{one.label} {one.points[-1].percent if one.points else 0} %"
            for one in over_time.series
        ),
    )
    since = date_format(context["since"], "j. F Y")
    document.add_heading(_("Since %(since)s") % {"since": since}, level=1)
    for heading, rows in (
        (capfirst(domain), context["then_now"]),
        (_("Actor"), context["actor_then_now"]),
    ):
        _table(
            document,
            _("Share done then and now, per %(heading)s") % {"heading": heading.lower()},
            [heading, _("Then"), _("Now"), _("Change")],
            [
                [label, f"{then.percent} %", f"{now.percent} %", f"{now.percent - then.percent:+d}"]
                for label, then, now in rows
            ],
            [0.46, 0.18, 0.18, 0.18],
        )
    if context["changes"]:
        _table(
            document,
            _("The changes"),
            [_("When"), _("Institution"), _("Status"), _("Action")],
            [
                [
                    date_format(record.history_date, "j. F Y H:i"),
                    record.institution.name,
                    f"{record.status_before_label} → {record.get_status_display()}",
                    record.action.text,
                ]
                for record in context["changes"]
            ],
            [0.18, 0.2, 0.18, 0.44],
        )
    else:
        document.add_paragraph(_("Nothing has been changed since then."))
    document.add_heading(_("Overdue actions"), level=1)
    if context["overdue"]:
        _table(
            document,
            _("Actions past their deadline that not every institution has done"),
            [_("Action"), _("Deadline"), _("Done")],
            [
                [
                    action.text,
                    deadline_text(action.deadline, action.deadline_label),
                    tally_text(action),
                ]
                for action in context["overdue"]
            ],
            [0.55, 0.25, 0.2],
        )
    else:
        document.add_paragraph(_("No action is past its deadline."))
    document.add_heading(_("Institutions"), level=1)
    if context["institutions"]:
        _table(
            document,
            _("Actions done per institution"),
            [_("Institution"), _("Kind"), _("Area"), _("Done"), _("Assessment")],
            [
                [
                    institution.name,
                    institution.actor.name,
                    institution.area,
                    tally_text(institution),
                    assessment_text(pace, institution),
                ]
                for institution in context["institutions"]
            ],
            [0.3, 0.14, 0.14, 0.22, 0.2],
        )
    else:
        document.add_paragraph(_("The municipality has no active institutions yet."))
    return _save(document)


def action_plan_docx(context: dict) -> bytes:
    title = context["title"]
    document = _new_document(title, context)
    plan, page = context["plan"], context["page"]
    _facts(
        document,
        [
            (
                _("Period"),
                f"{date_format(plan.period_start, 'j. F Y')} – "
                f"{date_format(plan.period_end, 'j. F Y')}",
            ),
            (_("Made on"), date_format(context["today"], "j. F Y")),
        ],
    )
    _summary(document, context["summary"])
    overview = context["overview"]
    document.add_heading(_("Economic overview"), level=1)
    for caption, heading, rows in (
        (
            _("By %(domains)s") % {"domains": plan.strategy.domains_noun},
            capfirst(plan.strategy.domain_noun),
            overview.by_domain,
        ),
        (_("By funding source"), _("Funding"), overview.by_funding),
        (_("By year"), _("Year"), overview.by_year),
    ):
        shown = [(name, amount) for name, amount in rows if amount]
        if shown:
            _table(
                document,
                caption,
                [heading, _("Amount")],
                [
                    *([name, format_kroner(amount)] for name, amount in shown),
                    [_("In all"), format_kroner(sum(amount for _name, amount in shown))],
                ],
                [0.6, 0.4],
            )
    document.add_heading(_("Items in the plan"), level=1)
    if page.items:
        _table(
            document,
            _("Items in the plan"),
            [_("Item"), _("Deadline"), _("Responsible"), _("Budget")],
            [
                [
                    str(item.action.text if item.action_id else item.text),
                    date_format(item.deadline, "j. F Y") if item.deadline else "",
                    item.responsible,
                    format_kroner(item.budget or 0),
                ]
                for item in page.items
            ],
            [0.5, 0.16, 0.18, 0.16],
        )
    else:
        document.add_paragraph(_("The plan has no items yet."))
    return _save(document)
