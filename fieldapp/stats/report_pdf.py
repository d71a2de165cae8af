"""The periodic report as a PDF, built in memory: title, period, the Nationaal Rapporteur and
CoMensha tables, every chart with its table, and how each number was counted.

Pages are filled: a long table splits across pages with its header repeated, and only its
title, notes, header and first rows (a short table: all of it; a chart: with all of those) are
kept together, by breaking the page before them when they would not fit. A chart without data
is one line of text, not an empty frame. Each note is printed once: under the first table
that needs it; the closing section holds the notes no table printed.

The fonts are the referral renderer's (DejaVu Sans, registered by
:func:`fieldapp.referral.render._register_fonts`, embedded as a subset), so every language's
letters print. Charts are embedded as PNG images drawn at 150 dpi. Nothing is written to disk
here: the caller writes the bytes with :mod:`fieldapp.atomic`.
"""

from __future__ import annotations

from dataclasses import replace
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
from fieldapp.stats.charts import HEIGHT_INCHES, WIDTH_INCHES, has_data, number, render_chart
from fieldapp.stats.model import StatsReport
from fieldapp.stats.tables import (
    CHART_TABLES,
    PERIODIC_TABLES,
    ReportTable,
    note_text,
    report_notes,
    report_tables,
    summary_rows,
    table_note_keys,
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
TOP_MARGIN, BOTTOM_MARGIN = MARGIN_Y, MARGIN_Y + 6 * mm
FRAME_HEIGHT = PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN - 12  # less the frame's own padding
# A table starts on a new page only when its start does not fit: its title, notes, header and
# first FIRST_ROWS rows (all of a table with at most FIRST_ROWS + 2 rows, so no row or two is
# left over). The whole table, when it fits, or when less than SPLIT_ROOM of a page is left
# (no short table split for a few lines at the foot of a page); else it splits, its header
# repeated on the next page.
FIRST_ROWS = 4
SPLIT_ROOM = 1 / 3


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
        topMargin=TOP_MARGIN,
        bottomMargin=BOTTOM_MARGIN,
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
    ]
    notes = _Notes(report, styles, lang)
    heading: list[Flowable] = [Paragraph(escape(t("stats.report.periodic", lang)), styles.section)]
    for table_id in PERIODIC_TABLES:
        story += _kept_start(heading, tables[table_id], notes.under(table_id), styles, lang)
        heading = []
    heading = [Paragraph(escape(t("stats.report.charts", lang)), styles.section)]
    for chart_id, table_id in CHART_TABLES.items():
        shown = tables[table_id]
        if not has_data(chart_id, report):
            # One line instead of an empty frame; the table's notes go to the closing section.
            story += _kept_start(
                [*heading, Paragraph(escape(shown.title), styles.table_title)],
                None,
                [Paragraph(escape(t("stats.table.empty", lang)), styles.body)],
                styles,
                lang,
            )
        else:
            png = render_chart(chart_id, report, "png", lang, dpi=CHART_DPI)
            width = TEXT_WIDTH * CHART_WIDTH_SHARE
            image = Image(BytesIO(png), width=width, height=width * HEIGHT_INCHES / WIDTH_INCHES)
            image.hAlign = "LEFT"
            start = [*heading, Spacer(1, 3 * mm), image]
            story += _kept_start(start, shown, notes.under(table_id), styles, lang)
        heading = []
    story.append(CondPageBreak(60 * mm))
    story.append(Paragraph(escape(t("stats.report.definitions", lang)), styles.section))
    for note in report_notes(report, lang, leave_out=frozenset(notes.printed)):
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


class _Notes:
    """The notes under the tables, each printed under the first table that needs it only."""

    def __init__(self, report: StatsReport, styles: _Styles, lang: str | None) -> None:
        self.report, self.styles, self.lang = report, styles, lang
        self.printed: list[str] = []

    def under(self, table_id: str) -> list[Flowable]:
        keys = [key for key in table_note_keys(self.report, table_id) if key not in self.printed]
        self.printed += keys
        return [
            Paragraph(escape(note_text(self.report, key, self.lang)), self.styles.table_note)
            for key in keys
        ]


def _kept_start(
    before: list[Flowable],
    table: ReportTable | None,
    notes: list[Flowable],
    styles: _Styles,
    lang: str | None,
) -> list[Flowable]:
    """``before`` (a heading, a chart), the table's title and notes, and the table, with a
    page break first when the start would not fit the page: the whole of a short table, or
    the header and first rows of a long one, which then splits with its header repeated.
    Without a table: ``before`` and ``notes`` only, kept together."""
    start = [*before]
    if table is not None:
        start.append(Paragraph(escape(table.title), styles.table_title))
    start += notes
    height = sum(_height(flowable) for flowable in start)
    if table is None:
        return [_StartOnPage(height, height), *start]
    whole = _table(table, styles, lang)
    whole_height = height + _height(whole)
    if len(table.rows) + len(table.separate) <= FIRST_ROWS + 2:
        return [_StartOnPage(whole_height, whole_height), *start, whole]
    first = replace(table, rows=table.rows[:FIRST_ROWS], total=None, separate=())
    first_height = height + _height(_table(first, styles, lang))
    return [_StartOnPage(whole_height, first_height), *start, whole]


class _StartOnPage(CondPageBreak):
    """A page break where a table's start does not fit (see SPLIT_ROOM): ``whole`` is the
    height of everything kept together at best, ``first`` of the least that must be."""

    def __init__(self, whole: float, first: float) -> None:
        super().__init__(whole)
        self.first = first

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        roomy = availHeight >= self.first and availHeight >= FRAME_HEIGHT * SPLIT_ROOM
        # On an empty page a break would only make another empty page: go on there.
        fresh = availHeight >= FRAME_HEIGHT - 1
        if availHeight >= self.height or roomy or fresh:
            return 0, 0
        return super().wrap(availWidth, availHeight)


def _height(flowable: Flowable) -> float:
    """The height ``flowable`` takes in the text column, with its space before and after."""
    _width, height = flowable.wrap(TEXT_WIDTH, PAGE_HEIGHT)
    return float(height + flowable.getSpaceBefore() + flowable.getSpaceAfter())


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
    rows = [*table.rows, *([table.total] if table.total is not None else []), *table.separate]
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
    total_row = len(data)
    if table.total is not None:
        data.append(
            [
                Paragraph(escape(_cell_text(value, lang)), styles.head)
                if index < labels
                else _cell_text(value, lang)
                for index, value in enumerate(table.total)
            ]
        )
    data += [
        [
            Paragraph(escape(_cell_text(value, lang)), styles.cell)
            if index < labels
            else _cell_text(value, lang)
            for index, value in enumerate(row)
        ]
        for row in table.separate
    ]
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
            ("FONT", (labels, total_row), (-1, total_row), FONT_BOLD, CELL_SIZE),
            ("LINEABOVE", (0, total_row), (-1, total_row), 0.9, INK),
            ("BACKGROUND", (0, total_row), (-1, -1), colors.white),
        ]
    if table.separate:
        # Apart from the total: under a rule of their own, not banded.
        first = len(data) - len(table.separate)
        style += [
            ("LINEABOVE", (0, first), (-1, first), 0.9, RULE),
            ("BACKGROUND", (0, first), (-1, -1), colors.white),
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
