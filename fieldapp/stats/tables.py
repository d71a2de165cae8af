"""The report's tables, translated, in one place: the PDF, the spreadsheet, the dashboard and
the command line all show these, so a number reads the same everywhere.

Each table's total row is the sum of the cells above it; the tests compare those totals with
counts made straight from the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from fieldapp.i18n import t, tn
from fieldapp.stats.model import AGE_GROUPS, NO_SIGNALS, ROUTES, StatsReport
from fieldapp.store.filters import FORMS

Cell = str | int | float | None

# The periodic-report tables first (Nationaal Rapporteur and CoMensha), then the dashboard's.
PERIODIC_TABLES = ("form_route", "sector_form", "form_age")
CHART_TABLES = {
    "signals_by_month": "signals_by_month",
    "signals_by_sector": "signals_by_sector",
    "signals_by_municipality": "signals_by_municipality",
    "outcomes": "outcomes",
    "referrals_by_recipient": "referrals",
    "followup_times": "followup",
}
TABLE_IDS = (*PERIODIC_TABLES, *CHART_TABLES.values())
TOP_MUNICIPALITIES = 15


@dataclass(frozen=True, slots=True)
class ReportTable:
    """A titled table: a header row, body rows, and (when ``total`` is set) a total row whose
    numeric cells are the column sums of the body."""

    id: str
    title: str
    sheet: str  # a spreadsheet tab name (at most 31 characters)
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None


def form_label(form: str, lang: str | None = None) -> str:
    return t("stats.form.none", lang) if form == NO_SIGNALS else t(f"form.{form}", lang)


def form_column(form: str, lang: str | None = None) -> str:
    """A form as a column header: one short word (the CoMensha categories)."""
    return t(f"stats.form_short.{form}", lang)


def report_tables(
    report: StatsReport, lang: str | None = None, *, all_municipalities: bool = True
) -> list[ReportTable]:
    """Every table, in report order. ``all_municipalities=False`` keeps the top 15 and sums
    the rest (as the chart does), for the PDF."""
    return [
        _form_route(report, lang),
        _sector_form(report, lang),
        _form_age(report, lang),
        _signals_by_month(report, lang),
        _signals_by_sector(report, lang),
        _signals_by_municipality(report, lang, all_municipalities),
        _outcomes(report, lang),
        _referrals(report, lang),
        _followup(report, lang),
    ]


def table(report: StatsReport, table_id: str, lang: str | None = None) -> ReportTable:
    for candidate in report_tables(report, lang):
        if candidate.id == table_id:
            return candidate
    raise KeyError(table_id)


def municipality_rows(report: StatsReport, lang: str | None) -> list[tuple[str, int]]:
    """The top municipalities by signals, the rest summed as "other municipalities"."""
    rows = [
        (municipality or t("stats.municipality_unknown", lang), count)
        for municipality, count in report.signals_by_municipality
    ]
    if len(rows) > TOP_MUNICIPALITIES + 1:
        rest = sum(count for _, count in rows[TOP_MUNICIPALITIES:])
        others = len(rows) - TOP_MUNICIPALITIES
        rows = [
            *rows[:TOP_MUNICIPALITIES],
            (tn("stats.municipality_other", others, lang), rest),
        ]
    return rows


def _table(
    table_id: str,
    lang: str | None,
    header: list[str],
    rows: Sequence[tuple[Cell, ...]],
    *,
    label: str | None = None,
    total: bool = True,
) -> ReportTable:
    """Build a table; the total row sums every numeric column of ``rows``."""
    total_row: tuple[Cell, ...] | None = None
    if total:
        sums: list[Cell] = [label or t("stats.col.total", lang)]
        for column in range(1, len(header)):
            values = [row[column] for row in rows]
            numeric = [value for value in values if isinstance(value, int)]
            sums.append(sum(numeric) if len(numeric) == len(values) else None)
        total_row = tuple(sums)
    return ReportTable(
        id=table_id,
        title=t(f"stats.table.{table_id}", lang),
        sheet=t(f"stats.sheet.{table_id}", lang)[:31],
        header=tuple(header),
        rows=tuple(rows),
        total=total_row,
    )


def _form_route(report: StatsReport, lang: str | None) -> ReportTable:
    matrix = report.periodic.form_route
    header = [
        t("stats.col.form", lang),
        *(t(f"stats.col.route.{route}", lang) for route in ROUTES),
        t("stats.col.total", lang),
    ]
    rows: list[tuple[Cell, ...]] = [
        (form_label(form, lang), *(matrix[form][r] for r in ROUTES), sum(matrix[form].values()))
        for form in (*FORMS, NO_SIGNALS)
    ]
    return _table("form_route", lang, header, rows)


def _sector_form(report: StatsReport, lang: str | None) -> ReportTable:
    forms = (*FORMS, NO_SIGNALS)
    header = [
        t("stats.col.sector", lang),
        *(form_column(form, lang) for form in forms),
        t("stats.col.total", lang),
    ]
    rows: list[tuple[Cell, ...]] = [
        (
            t(f"sector.{sector}", lang),
            *(counts[form] for form in forms),
            sum(counts.values()),
        )
        for sector, counts in report.periodic.sector_form.items()
    ]
    return _table("sector_form", lang, header, rows)


def _form_age(report: StatsReport, lang: str | None) -> ReportTable:
    matrix = report.periodic.form_age
    header = [
        t("stats.col.form", lang),
        *(t(f"stats.col.age.{group}", lang) for group in AGE_GROUPS),
        t("stats.col.total", lang),
    ]
    rows: list[tuple[Cell, ...]] = [
        (
            form_label(form, lang),
            *(matrix[form][g] for g in AGE_GROUPS),
            sum(matrix[form].values()),
        )
        for form in (*FORMS, NO_SIGNALS)
    ]
    return _table("form_age", lang, header, rows)


def _signals_by_month(report: StatsReport, lang: str | None) -> ReportTable:
    header = [
        t("stats.col.month", lang),
        *(form_column(form, lang) for form in FORMS),
        t("stats.col.all_signals", lang),
    ]
    rows: list[tuple[Cell, ...]] = [
        (month.month, *(month.by_form.get(form, 0) for form in FORMS), month.total)
        for month in report.signals_by_month
    ]
    return _table("signals_by_month", lang, header, rows)


def _signals_by_sector(report: StatsReport, lang: str | None) -> ReportTable:
    header = [t("stats.col.sector", lang), t("stats.col.signals", lang)]
    rows = [(t(f"sector.{sector}", lang), count) for sector, count in report.signals_by_sector]
    return _table("signals_by_sector", lang, header, rows)


def _signals_by_municipality(
    report: StatsReport, lang: str | None, all_municipalities: bool
) -> ReportTable:
    header = [t("stats.col.municipality", lang), t("stats.col.signals", lang)]
    if all_municipalities:
        rows = [
            (municipality or t("stats.municipality_unknown", lang), count)
            for municipality, count in report.signals_by_municipality
        ]
    else:
        rows = municipality_rows(report, lang)
    return _table("signals_by_municipality", lang, header, [tuple(row) for row in rows])


def _outcomes(report: StatsReport, lang: str | None) -> ReportTable:
    header = [
        t("stats.col.form", lang),
        *(t(f"outcome.{outcome}", lang) for outcome in report.outcome_order),
        t("stats.col.total", lang),
    ]
    rows: list[tuple[Cell, ...]] = []
    for form in FORMS:
        counts = report.outcomes.get(form, {})
        values = [counts.get(outcome, 0) for outcome in report.outcome_order]
        rows.append((form_label(form, lang), *values, sum(values)))
    return _table("outcomes", lang, header, rows, total=False)


def _referrals(report: StatsReport, lang: str | None) -> ReportTable:
    header = [t("stats.col.recipient", lang), t("stats.col.referrals", lang)]
    rows = [
        (t(f"recipient.{recipient}", lang), count)
        for recipient, count in report.referrals_by_recipient
    ]
    return _table("referrals", lang, header, rows)


def _followup(report: StatsReport, lang: str | None) -> ReportTable:
    header = [
        t("stats.col.status", lang),
        t("stats.col.referrals", lang),
        t("stats.col.timed", lang),
        t("stats.col.median_days", lang),
    ]
    rows = [
        (t(f"stats.followup.{row.status}", lang), row.count, row.timed, row.median_days)
        for row in report.followup
    ]
    return _table("followup", lang, header, rows)
