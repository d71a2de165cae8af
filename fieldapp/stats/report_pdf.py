"""The periodic report as a PDF, built in memory: title, period, the Nationaal Rapporteur and
CoMensha tables, every chart with its table, and how each number was counted.

The fonts are the referral renderer's (DejaVu Sans, registered by
:func:`fieldapp.referral.render._register_fonts`, embedded as a subset), so every language's
letters print. Charts are embedded as PNG images drawn at 150 dpi. Nothing is written to disk
here: the caller writes the bytes with :mod:`fieldapp.atomic`.
"""

from __future__ import annotations

from functools import partial
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from fieldapp.i18n import t
from fieldapp.localtime import datetime_text
from fieldapp.referral.render import (
    ACCENT,
    ACCENT_TINT,
    BAND,
    CREATOR,
    FONT,
    FONT_BOLD,
    HAIRLINE,
    HEAD,
    INK,
    MUTED,
    RULE,
    _register_fonts,
)
from fieldapp.stats.charts import HEIGHT_INCHES, WIDTH_INCHES, number, render_chart
from fieldapp.stats.model import StatsReport
from fieldapp.stats.tables import (
    CHART_TABLES,
    PERIODIC_TABLES,
    ReportTable,
    report_notes,
    report_tables,
    summary_rows,
    table_notes,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_Y = 18 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
CHART_DPI = 150
CHART_WIDTH_SHARE = 0.8
CELL_SIZE = 8
HEAD_SIZE, HEAD_MIN_SIZE = 7.5, 5.5  # a header shrinks down to this before a column widens
PADDING = 6  # reportlab's cell padding, left and right
SLACK = 0.5  # points kept free in a header line, against rounding


class _Styles:
    def __init__(self) -> None:
        base = ParagraphStyle("stats-base", fontName=FONT, fontSize=9.5, leading=13, textColor=INK)
        self.body = ParagraphStyle("stats-body", parent=base, spaceAfter=4)
        self.small = ParagraphStyle(
            "stats-small", parent=base, fontSize=8, leading=10.5, textColor=MUTED, spaceAfter=3
        )
        self.title = ParagraphStyle(
            "stats-title", parent=base, fontName=FONT_BOLD, fontSize=17, leading=21
        )
        self.meta = ParagraphStyle("stats-meta", parent=base, textColor=MUTED, fontSize=9)
        self.section = ParagraphStyle(
            "stats-section",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=12,
            leading=15,
            spaceBefore=12,
            spaceAfter=6,
        )
        self.table_title = ParagraphStyle(
            "stats-table-title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=9.5,
            leading=12,
            spaceBefore=8,
            spaceAfter=4,
        )
        self.cell = ParagraphStyle("stats-cell", parent=base, fontSize=8, leading=10)
        self.head = ParagraphStyle(
            "stats-head",
            parent=self.cell,
            fontName=FONT_BOLD,
            textColor=INK,
            fontSize=HEAD_SIZE,
            splitLongWords=0,  # a header breaks between words only (header_layout)
        )
        self.head_right = ParagraphStyle("stats-head-right", parent=self.head, alignment=2)
        self.table_note = ParagraphStyle(
            "stats-table-note", parent=self.small, spaceBefore=2, spaceAfter=2
        )
        self.banner = ParagraphStyle(
            "stats-banner", parent=base, fontName=FONT_BOLD, textColor=ACCENT, fontSize=10
        )


def render_report_pdf(report: StatsReport, lang: str | None = None) -> bytes:
    """The whole report as PDF bytes."""
    _register_fonts()
    styles = _Styles()
    buffer = BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_Y,
        bottomMargin=MARGIN_Y + 6 * mm,
        title=t("stats.report.title", lang),
        author="",
        subject=t("stats.report.period", lang, period=report.period.label()),
        keywords=[],
        creator=CREATOR,
        lang=lang or None,
        initialFontName=FONT,
        initialFontSize=9,
        initialLeading=12,
    )
    tables = {item.id: item for item in report_tables(report, lang, all_municipalities=False)}
    story: list[Flowable] = [
        Paragraph(escape(t("stats.report.title", lang)), styles.title),
        Spacer(1, 3 * mm),
        *_meta(report, lang, styles),
        Spacer(1, 3 * mm),
        _banner(t("stats.report.aggregates_only", lang), styles),
        Spacer(1, 2 * mm),
        Paragraph(escape(t("stats.report.summary", lang)), styles.section),
        _table(_summary(report, lang), styles, lang),
        Paragraph(escape(t("stats.report.periodic", lang)), styles.section),
    ]
    for table_id in PERIODIC_TABLES:
        story.append(KeepTogether(_titled_table(report, tables[table_id], styles, lang)))
    heading: list[Flowable] = [Paragraph(escape(t("stats.report.charts", lang)), styles.section)]
    for chart_id, table_id in CHART_TABLES.items():
        png = render_chart(chart_id, report, "png", lang, dpi=CHART_DPI)
        width = TEXT_WIDTH * CHART_WIDTH_SHARE
        image = Image(BytesIO(png), width=width, height=width * HEIGHT_INCHES / WIDTH_INCHES)
        image.hAlign = "LEFT"
        # A chart and its table stay on one page (the section heading with the first).
        story.append(
            KeepTogether(
                [
                    *heading,
                    Spacer(1, 3 * mm),
                    image,
                    *_titled_table(report, tables[table_id], styles, lang),
                ]
            )
        )
        heading = []
    story.append(CondPageBreak(60 * mm))
    story.append(Paragraph(escape(t("stats.report.definitions", lang)), styles.section))
    for note in report_notes(report, lang):
        story.append(Paragraph("• " + escape(note), styles.body))
    footer = partial(_footer, text=t("stats.report.footer", lang, period=report.period.label()))
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _meta(report: StatsReport, lang: str | None, styles: _Styles) -> list[Flowable]:
    lines = [
        t("stats.report.period", lang, period=report.period.label()),
        t("stats.report.generated", lang, date=datetime_text(report.generated_at, lang)),
        t(
            "stats.report.filters",
            lang,
            filters=", ".join(f"{k}: {v}" for k, v in report.filters.as_dict().items())
            or t("stats.report.no_filters", lang),
        ),
        t(
            "stats.report.catalogue",
            lang,
            versions=", ".join(report.catalogue_versions) or "–",
        ),
    ]
    return [Paragraph(escape(line), styles.meta) for line in lines]


def _banner(text: str, styles: _Styles) -> Table:
    banner = Table([[Paragraph(escape(text), styles.banner)]], colWidths=[TEXT_WIDTH])
    banner.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 10),
                ("BACKGROUND", (0, 0), (-1, -1), ACCENT_TINT),
                ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return banner


def _summary(report: StatsReport, lang: str | None) -> ReportTable:
    return ReportTable(
        id="summary",
        title=t("stats.report.summary", lang),
        sheet=t("stats.sheet.summary", lang),
        header=(t("stats.col.figure", lang), t("stats.col.count", lang)),
        rows=tuple((t(key, lang), value) for key, value in summary_rows(report)),
    )


def _titled_table(
    report: StatsReport, table: ReportTable, styles: _Styles, lang: str | None
) -> list[Flowable]:
    """The table's title, what the reader needs to know to read it, and the table."""
    return [
        Paragraph(escape(table.title), styles.table_title),
        *(
            Paragraph(escape(note), styles.table_note)
            for note in table_notes(report, table.id, lang)
        ),
        _table(table, styles, lang),
    ]


def _cell_text(value: object, lang: str | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float):
        return number(value, lang)
    return str(value)


def wrap_words(
    text: str, width: float, font: str = FONT_BOLD, size: float = HEAD_SIZE
) -> list[str]:
    """``text`` in lines no wider than ``width`` points, broken between words only: a word is
    never split or hyphenated; one wider than ``width`` stands on a line of its own (the
    caller shrinks the font or widens the column so that does not happen)."""
    _register_fonts()
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and stringWidth(candidate, font, size) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines or [""]


def widest_word(text: str, font: str = FONT_BOLD, size: float = HEAD_SIZE) -> float:
    _register_fonts()
    return max((stringWidth(word, font, size) for word in text.split()), default=0.0)


def header_layout(
    headers: tuple[str, ...], widths: list[float], minimums: list[float] | None = None
) -> tuple[float, list[float], list[list[str]]]:
    """(font size, column widths, lines per header) such that every header breaks only
    between words and every line fits its column.

    A column too narrow for its longest header word takes the width it needs from columns
    with room to spare (beyond their own longest word, and ``minimums``: what their cells
    need); only when the table as a whole is too narrow does the font shrink, from HEAD_SIZE
    down to HEAD_MIN_SIZE."""
    floors = minimums or [0.0] * len(headers)
    size = HEAD_SIZE
    while True:
        needs = [
            max(widest_word(text, size=size) + 2 * PADDING + SLACK, floor)
            for text, floor in zip(headers, floors, strict=True)
        ]
        if sum(needs) <= sum(widths) or size <= HEAD_MIN_SIZE:
            break
        size = round(size - 0.25, 2)
    fitted = _give_room(widths, needs)
    lines = [
        wrap_words(text, width - 2 * PADDING - SLACK, size=size)
        for text, width in zip(headers, fitted, strict=True)
    ]
    return size, fitted, lines


def _give_room(widths: list[float], needs: list[float]) -> list[float]:
    """Widths where each column has at least its need, the shortfall taken from the spare
    room of the others in proportion to it (the total stays, unless nothing is spare)."""
    short = sum(max(0.0, need - width) for width, need in zip(widths, needs, strict=True))
    spare = [max(0.0, width - need) for width, need in zip(widths, needs, strict=True)]
    room = sum(spare)
    taken = min(short, room)
    return [
        max(width, need) if need >= width else width - (taken * free / room if room else 0.0)
        for width, need, free in zip(widths, needs, spare, strict=True)
    ]


def _widths(table: ReportTable) -> list[float]:
    """Two-column tables stay narrow; wider ones give the label columns about a quarter of
    the width (two label columns: a third), the numbers share the rest."""
    columns = len(table.header)
    if columns == 2:
        return [TEXT_WIDTH * 0.45, TEXT_WIDTH * 0.2]
    labels = [TEXT_WIDTH * 0.24] if table.labels == 1 else [TEXT_WIDTH * 0.2, TEXT_WIDTH * 0.14]
    numbers = columns - len(labels)
    return [*labels, *[(TEXT_WIDTH - sum(labels)) / numbers] * numbers]


def _cell_room(table: ReportTable, lang: str | None) -> list[float]:
    """What each column's cells need: the longest word of a label, the widest number."""
    rows = [*table.rows, *([table.total] if table.total is not None else [])]
    room = []
    for index in range(len(table.header)):
        texts = [_cell_text(row[index], lang) for row in rows]
        if index < table.labels:
            widest = max((widest_word(text, FONT_BOLD, CELL_SIZE) for text in texts), default=0.0)
        else:
            widest = max((stringWidth(text, FONT_BOLD, CELL_SIZE) for text in texts), default=0.0)
        room.append(widest + 2 * PADDING + SLACK)
    return room


def _table(table: ReportTable, styles: _Styles, lang: str | None) -> Table:
    """Numbers right-aligned, a grey header that breaks between words only, the total row in
    bold over a rule."""
    columns, labels = len(table.header), table.labels
    size, widths, lines = header_layout(table.header, _widths(table), _cell_room(table, lang))
    head = ParagraphStyle(
        "stats-head-fitted", parent=styles.head, fontSize=size, leading=size * 1.25
    )
    head_right = ParagraphStyle("stats-head-fitted-right", parent=head, alignment=2)
    data: list[list[Any]] = [
        [
            Paragraph(
                "<br/>".join(escape(line) for line in lines[i]), head if i < labels else head_right
            )
            for i in range(columns)
        ]
    ]
    data += [
        [
            Paragraph(escape(_cell_text(value, lang)), styles.cell)
            if index < labels
            else _cell_text(value, lang)
            for index, value in enumerate(row)
        ]
        for row in table.rows
    ]
    if not table.rows:
        data.append(
            [Paragraph(escape(t("stats.table.empty", lang)), styles.cell)] + [""] * (columns - 1)
        )
    if table.total is not None:
        data.append(
            [
                Paragraph(escape(_cell_text(value, lang)), styles.head)
                if index < labels
                else _cell_text(value, lang)
                for index, value in enumerate(table.total)
            ]
        )
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, CELL_SIZE),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("ALIGN", (labels, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, HAIRLINE),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("LEFTPADDING", (0, 0), (-1, -1), PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
    ]
    if table.total is not None:
        style += [
            ("FONT", (labels, -1), (-1, -1), FONT_BOLD, CELL_SIZE),
            ("LINEABOVE", (0, -1), (-1, -1), 0.9, INK),
            ("BACKGROUND", (0, -1), (-1, -1), colors.white),
        ]
    result = Table(data, colWidths=widths, repeatRows=1, hAlign="LEFT")
    result.setStyle(TableStyle(style))
    return result


def _footer(canvas: Canvas, document: SimpleDocTemplate, text: str) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(MUTED)
    canvas.setStrokeColor(RULE)
    canvas.line(MARGIN_X, MARGIN_Y, PAGE_WIDTH - MARGIN_X, MARGIN_Y)
    canvas.drawString(MARGIN_X, MARGIN_Y - 4 * mm, text)
    canvas.drawRightString(PAGE_WIDTH - MARGIN_X, MARGIN_Y - 4 * mm, str(document.page))
    canvas.restoreState()
