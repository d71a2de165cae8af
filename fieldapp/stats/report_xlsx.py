"""The periodic report as a spreadsheet: a summary sheet (period, definitions, key figures) and
one sheet per table, headers translated, numbers as numbers.

xlsxwriter builds the workbook in memory (``in_memory``: without it, it writes each sheet to a
temporary file first) into a ``BytesIO``; the caller writes the bytes with
:mod:`fieldapp.atomic`.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from fieldapp.i18n import t
from fieldapp.localtime import datetime_text
from fieldapp.stats.model import StatsReport
from fieldapp.stats.tables import (
    Cell,
    ReportTable,
    report_notes,
    report_tables,
    summary_rows,
    table_notes,
)

Formats = dict[str, Any]  # xlsxwriter cell formats by name
_INVALID_SHEET_CHARACTERS = str.maketrans({char: " " for char in "[]:*?/\\"})


def sheet_name(text: str) -> str:
    """A valid tab name: at most 31 characters, none of ``[]:*?/\\``."""
    return text.translate(_INVALID_SHEET_CHARACTERS).strip()[:31] or "-"


def render_report_xlsx(report: StatsReport, lang: str | None = None) -> bytes:
    import xlsxwriter  # noqa: PLC0415 - only when a spreadsheet is made

    buffer = BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_numbers": False})
    workbook.set_properties(
        {"title": t("stats.report.title", lang), "author": "", "company": "", "comments": ""}
    )
    formats = {
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "muted": workbook.add_format({"font_color": "#595959"}),
        "banner": workbook.add_format({"bold": True, "font_color": "#A31F1F"}),
        "head": workbook.add_format(
            {"bold": True, "bg_color": "#E4E4E4", "bottom": 1, "text_wrap": True, "valign": "top"}
        ),
        "number": workbook.add_format({"num_format": "#,##0"}),
        "decimal": workbook.add_format({"num_format": "0.0"}),
        "total_label": workbook.add_format({"bold": True, "top": 1}),
        "total": workbook.add_format({"bold": True, "top": 1, "num_format": "#,##0"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
    }
    _summary_sheet(workbook, formats, report, lang)
    used = {sheet_name(t("stats.sheet.summary", lang))}
    for table in report_tables(report, lang):
        name = sheet_name(table.sheet)
        while name in used:  # translations could collide after cutting to 31 characters
            name = name[:28] + f"~{len(used)}"
        used.add(name)
        _table_sheet(
            workbook.add_worksheet(name), formats, table, table_notes(report, table.id, lang)
        )
    workbook.close()
    return buffer.getvalue()


def _summary_sheet(workbook: Any, formats: Formats, report: StatsReport, lang: str | None) -> None:
    sheet = workbook.add_worksheet(sheet_name(t("stats.sheet.summary", lang)))
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, 1, 16)
    sheet.write(0, 0, t("stats.report.title", lang), formats["title"])
    sheet.write(1, 0, t("stats.report.period", lang, period=report.period.label()))
    sheet.write(
        2,
        0,
        t("stats.report.generated", lang, date=datetime_text(report.generated_at, lang)),
        formats["muted"],
    )
    filters = ", ".join(f"{k}: {v}" for k, v in report.filters.as_dict().items())
    sheet.write(
        3,
        0,
        t("stats.report.filters", lang, filters=filters or t("stats.report.no_filters", lang)),
        formats["muted"],
    )
    sheet.write(
        4,
        0,
        t("stats.report.catalogue", lang, versions=", ".join(report.catalogue_versions) or "-"),
        formats["muted"],
    )
    sheet.write(5, 0, t("stats.report.aggregates_only", lang), formats["banner"])
    row = 7
    sheet.write(row, 0, t("stats.col.figure", lang), formats["head"])
    sheet.write(row, 1, t("stats.col.count", lang), formats["head"])
    for label_key, value in summary_rows(report):
        row += 1
        sheet.write_string(row, 0, t(label_key, lang))
        sheet.write_number(row, 1, value, formats["number"])
    row += 2
    sheet.write(row, 0, t("stats.report.definitions", lang), formats["head"])
    for note in report_notes(report, lang):
        row += 1
        sheet.merge_range(row, 0, row, 5, note, formats["wrap"])
        sheet.set_row(row, 45)


def _table_sheet(sheet: Any, formats: Formats, table: ReportTable, notes: list[str]) -> None:
    """Title, the notes needed to read the table, then the table with its header frozen."""
    sheet.write_string(0, 0, table.title, formats["title"])
    width = max(6, len(table.header))
    for offset, note in enumerate(notes, start=1):
        sheet.merge_range(offset, 0, offset, width - 1, note, formats["wrap"])
        sheet.set_row(offset, 30)
    header_row = len(notes) + 2
    for column, text in enumerate(table.header):
        sheet.write_string(header_row, column, text, formats["head"])
    sheet.set_column(0, table.labels - 1, 34)
    sheet.set_column(table.labels, max(table.labels, len(table.header) - 1), 16)
    sheet.freeze_panes(header_row + 1, table.labels)
    row = header_row
    for values in table.rows:
        row += 1
        for column, value in enumerate(values):
            _write(sheet, row, column, value, formats)
    if table.total is not None:
        row += 1
        for column, value in enumerate(table.total):
            if column < table.labels:
                sheet.write_string(row, column, str(value or ""), formats["total_label"])
            elif isinstance(value, int | float):
                sheet.write_number(row, column, value, formats["total"])
            else:
                sheet.write_blank(row, column, None, formats["total"])
    # Counted apart: under the total, after an empty row, so no sum takes them in.
    row += 1 if table.separate else 0
    for values in table.separate:
        row += 1
        for column, value in enumerate(values):
            _write(sheet, row, column, value, formats)


def _write(sheet: Any, row: int, column: int, value: Cell, formats: Formats) -> None:
    if value is None:
        sheet.write_blank(row, column, None)
    elif isinstance(value, bool):
        sheet.write_string(row, column, str(value))
    elif isinstance(value, int):
        sheet.write_number(row, column, value, formats["number"])
    elif isinstance(value, float):
        sheet.write_number(row, column, value, formats["decimal"])
    else:
        sheet.write_string(row, column, str(value))
