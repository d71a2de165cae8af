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
from fieldapp.localtime import utc_text
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
from fieldapp.stats.tables import CHART_TABLES, PERIODIC_TABLES, ReportTable, report_tables

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN_X = 18 * mm
MARGIN_Y = 18 * mm
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_X
CHART_DPI = 150
CHART_WIDTH_SHARE = 0.8


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
            "stats-head", parent=self.cell, fontName=FONT_BOLD, textColor=INK, fontSize=7.5
        )
        self.head_right = ParagraphStyle("stats-head-right", parent=self.head, alignment=2)
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
        Paragraph(escape(t("stats.note.possible_victims", lang)), styles.small),
        Paragraph(escape(t("stats.note.route", lang)), styles.small),
    ]
    for table_id in PERIODIC_TABLES:
        story.append(KeepTogether(_titled_table(tables[table_id], styles, lang)))
    heading: list[Flowable] = [Paragraph(escape(t("stats.report.charts", lang)), styles.section)]
    for chart_id, table_id in CHART_TABLES.items():
        png = render_chart(chart_id, report, "png", lang, dpi=CHART_DPI)
        width = TEXT_WIDTH * CHART_WIDTH_SHARE
        image = Image(BytesIO(png), width=width, height=width * HEIGHT_INCHES / WIDTH_INCHES)
        image.hAlign = "LEFT"
        # A chart and its table stay on one page (the section heading with the first).
        story.append(
            KeepTogether(
                [*heading, Spacer(1, 3 * mm), image, *_titled_table(tables[table_id], styles, lang)]
            )
        )
        heading = []
    story.append(CondPageBreak(60 * mm))
    story.append(Paragraph(escape(t("stats.report.definitions", lang)), styles.section))
    for key in report.notes:
        story.append(Paragraph("• " + escape(t(key, lang)), styles.body))
    footer = partial(_footer, text=t("stats.report.footer", lang, period=report.period.label()))
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _meta(report: StatsReport, lang: str | None, styles: _Styles) -> list[Flowable]:
    lines = [
        t("stats.report.period", lang, period=report.period.label()),
        t("stats.report.generated", lang, date=utc_text(report.generated_at)),
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
    rows = (
        (t("stats.summary.visits", lang), report.visits),
        (t("stats.summary.signals", lang), report.signals_total),
        (t("stats.summary.possible_victims", lang), report.periodic.possible_victims),
        (t("stats.summary.minors", lang), report.periodic.minors),
        (t("stats.summary.referrals", lang), report.referrals_total),
    )
    return ReportTable(
        id="summary",
        title=t("stats.report.summary", lang),
        sheet=t("stats.sheet.summary", lang),
        header=(t("stats.col.figure", lang), t("stats.col.count", lang)),
        rows=rows,
    )


def _titled_table(table: ReportTable, styles: _Styles, lang: str | None) -> list[Flowable]:
    return [Paragraph(escape(table.title), styles.table_title), _table(table, styles, lang)]


def _cell_text(value: object, lang: str | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float):
        return number(value, lang)
    return str(value)


def _table(table: ReportTable, styles: _Styles, lang: str | None) -> Table:
    """Numbers right-aligned, a grey header, the total row in bold over a rule. Two-column
    tables stay narrow; wider ones give the label column a quarter of the width."""
    columns = len(table.header)
    if columns == 2:
        widths = [TEXT_WIDTH * 0.45, TEXT_WIDTH * 0.2]
    else:
        label = TEXT_WIDTH * 0.24
        widths = [label] + [(TEXT_WIDTH - label) / (columns - 1)] * (columns - 1)
    data: list[list[Any]] = [
        [
            Paragraph(escape(text), styles.head if i == 0 else styles.head_right)
            for i, text in enumerate(table.header)
        ]
    ]
    data += [
        [
            Paragraph(escape(_cell_text(value, lang)), styles.cell)
            if index == 0
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
            [Paragraph(escape(_cell_text(table.total[0], lang)), styles.head)]
            + [_cell_text(value, lang) for value in table.total[1:]]
        )
    style: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), FONT, 8),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.4, HAIRLINE),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]),
    ]
    if table.total is not None:
        style += [
            ("FONT", (1, -1), (-1, -1), FONT_BOLD, 8),
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
