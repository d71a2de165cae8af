"""The report's tables, translated, in one place: the PDF, the spreadsheet, the dashboard and
the command line all show these, so a number reads the same everywhere.

A table's total row is the sum of the cells above it, except where a person counts in more
than one row (every form of exploitation with a signal): there the last row counts each person
once, and says so (``total_is_sum`` is False). Rows under the total (``separate``: serious
disadvantage in the categories table) are never in it. Tables that count the same persons
show the same numbers: the categories' total is the key figure of possible victims, the
outcome table's totals per form are the form table's, and "with an indication in this form"
is one count wherever it stands (:mod:`fieldapp.stats.model`). The tests compare every kind
with counts made straight from the database, and the tables with each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from fieldapp.agencies import agency_name
from fieldapp.countries import country_name
from fieldapp.i18n import t, tn
from fieldapp.localtime import date_text
from fieldapp.stats.model import (
    AGE_GROUPS,
    B83_STATUSES,
    CATEGORIES,
    OTHER_NATIONALITIES,
    OUTCOME_INDICATIONS,
    PERSON_COLUMNS,
    REGISTRATIONS,
    ROUTES,
    SERIOUS_DISADVANTAGE,
    SEX_WORK_COLUMNS,
    SEX_WORK_SECTORS,
    SEXES,
    UNKNOWN_NATIONALITY,
    VICTIM_CATEGORIES,
    MonthSignals,
    StatsReport,
)
from fieldapp.stats.regions import UNKNOWN, load_regions
from fieldapp.store.filters import FORMS

Cell = str | int | float | None
Counts = Mapping[str, int]

# The periodic-report tables first (Nationaal Rapporteur and CoMensha), then the dashboard's.
PERIODIC_TABLES = (
    "categories",
    "form_route",
    "highest_form_route",
    "form_route_sex",
    "form_route_age",
    "form_route_nationality",
    "sector_form",
    "sex_work",
    "agency",
    "region",
    "b83",
    "registration",
)
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
    """A titled table: a header row, body rows whose first ``labels`` cells name the row,
    (when ``total`` is set) a total row: the column sums of the body, or, where
    ``total_is_sum`` is False, each person once; and rows ``separate`` from the total."""

    id: str
    title: str
    sheet: str  # a spreadsheet tab name (at most 31 characters)
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    total: tuple[Cell, ...] | None = None
    labels: int = 1
    total_is_sum: bool = True
    separate: tuple[tuple[Cell, ...], ...] = ()  # shown under the total, never counted in it


def form_label(form: str, lang: str | None = None) -> str:
    return t(f"form.{form}", lang)


def form_column(form: str, lang: str | None = None) -> str:
    """A form as a column header: one short word (the CoMensha categories)."""
    return t(f"stats.form_short.{form}", lang)


def report_tables(
    report: StatsReport, lang: str | None = None, *, all_municipalities: bool = True
) -> list[ReportTable]:
    """Every table, in report order. ``all_municipalities=False`` keeps the top 15 and sums
    the rest (as the chart does), for the PDF."""
    return [
        _categories(report, lang),
        _form_route(report, lang),
        _highest_form_route(report, lang),
        _form_route_by(
            report,
            lang,
            "form_route_sex",
            matrix=report.periodic.form_route_sex,
            persons=report.periodic.sex_persons,
            columns=[(sex, t(f"stats.col.sex.{sex}", lang)) for sex in SEXES],
        ),
        _form_route_by(
            report,
            lang,
            "form_route_age",
            matrix=report.periodic.form_route_age,
            persons=report.periodic.age_persons,
            columns=[(group, t(f"stats.col.age.{group}", lang)) for group in AGE_GROUPS],
        ),
        _form_route_by(
            report,
            lang,
            "form_route_nationality",
            matrix=report.periodic.form_route_nationality,
            persons=report.periodic.nationality_persons,
            columns=[
                (code, nationality_label(code, lang))
                for code in report.periodic.nationality_columns
            ],
        ),
        _sector_form(report, lang),
        _sex_work(report, lang),
        _agency(report, lang),
        _region(report, lang),
        _b83(report, lang),
        _registration(report, lang),
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


def nationality_label(code: str, lang: str | None) -> str:
    if code in (OTHER_NATIONALITIES, UNKNOWN_NATIONALITY):
        return t(f"stats.col.nationality.{code}", lang)
    return country_name(code, lang or "nl")


# What a table needs said beside it (message keys of the report's definitions; "no_signals",
# "region_file" and "running_month" are the period's own figures, the last only when a month
# is still running).
TABLE_NOTES = {
    "categories": ("stats.note.categories", "stats.note.serious_disadvantage", "no_signals"),
    "form_route": ("stats.note.every_form", "stats.note.with_indication", "stats.note.route"),
    "highest_form_route": ("stats.note.highest_form",),
    "form_route_sex": ("stats.note.every_form",),
    "form_route_age": ("stats.note.every_form", "stats.note.minors"),
    "form_route_nationality": ("stats.note.every_form", "stats.note.nationality"),
    "sector_form": ("stats.note.every_form",),
    "sex_work": ("stats.note.sex_work",),
    "agency": ("stats.note.agency",),
    "region": ("stats.note.region", "region_file"),
    "b83": ("stats.note.b83",),
    "registration": ("stats.note.registration",),
    "signals_by_month": ("stats.note.signal_forms", "running_month"),
    "outcomes": ("stats.note.outcomes", "stats.note.with_indication"),
    "referrals": ("stats.note.referrals",),
    "followup": ("stats.note.followup",),
}


def note_text(report: StatsReport, key: str, lang: str | None = None) -> str:
    """One note as a sentence, with the period's own figures filled in; '' for a note that
    has nothing to say this period (no month running)."""
    periodic = report.periodic
    if key == "no_signals":
        return tn("stats.note.no_signals", periodic.no_signals, lang)
    if key == "region_file":
        as_of = periodic.regions_as_of or load_regions().as_of
        return t("stats.note.region_file", lang, date=date_text(as_of, lang))
    if key == "running_month":
        running = [month.month for month in report.signals_by_month if month.running]
        return t("stats.note.running_month", lang, month=running[0]) if running else ""
    order = ", ".join(form_label(form, lang).lower() for form in periodic.highest_form_order)
    return t(key, lang, order=order)


# The notes of the period itself, after the definitions.
PERIOD_NOTES = ("no_signals", "running_month", "region_file")


def note_keys(report: StatsReport) -> tuple[str, ...]:
    """Every note of the report, in order: the definitions, then the period's own."""
    return (*report.notes, *PERIOD_NOTES)


def report_notes(
    report: StatsReport, lang: str | None = None, *, leave_out: frozenset[str] = frozenset()
) -> list[str]:
    """How the report counts, as sentences: the definitions, and what this period left out
    (possible victims without any signal); without the notes ``leave_out`` (the PDF prints
    those under their tables already)."""
    texts = (note_text(report, key, lang) for key in note_keys(report) if key not in leave_out)
    return [text for text in texts if text]


def table_note_keys(report: StatsReport, table_id: str) -> tuple[str, ...]:
    """The notes ``table_id`` needs, those with something to say this period."""
    return tuple(key for key in TABLE_NOTES.get(table_id, ()) if note_text(report, key, "en"))


def table_notes(report: StatsReport, table_id: str, lang: str | None = None) -> list[str]:
    return [note_text(report, key, lang) for key in table_note_keys(report, table_id)]


def summary_rows(report: StatsReport) -> tuple[tuple[str, int], ...]:
    """The key figures: (message key, count)."""
    periodic = report.periodic
    return (
        ("stats.summary.visits", report.visits),
        ("stats.summary.signals", report.signals_total),
        ("stats.summary.possible_victims", periodic.possible_victims),
        ("stats.summary.with_indication", periodic.with_indication),
        ("stats.summary.minors", periodic.minors),
        ("stats.summary.serious_disadvantage", periodic.serious_disadvantage),
        ("stats.summary.referrals", report.referrals_total),
    )


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
    labels: int = 1,
) -> ReportTable:
    """Build a table; the total row sums every numeric column of ``rows``."""
    total_row: tuple[Cell, ...] | None = None
    if total:
        sums: list[Cell] = [label or t("stats.col.total", lang), *([""] * (labels - 1))]
        for column in range(labels, len(header)):
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
        labels=labels,
    )


def _with_separate(table: ReportTable, rows: Sequence[tuple[Cell, ...]]) -> ReportTable:
    return replace(table, separate=tuple(rows))


def _once(table: ReportTable, total: tuple[Cell, ...]) -> ReportTable:
    """``table`` with a last row that counts each person once instead of the column sums."""
    return ReportTable(
        id=table.id,
        title=table.title,
        sheet=table.sheet,
        header=table.header,
        rows=table.rows,
        total=total,
        labels=table.labels,
        total_is_sum=False,
    )


def _route_header(lang: str | None) -> list[str]:
    return [t(f"stats.col.route.{route}", lang) for route in ROUTES]


def _categories(report: StatsReport, lang: str | None) -> ReportTable:
    periodic = report.periodic
    header = [
        t("stats.col.category", lang),
        *_route_header(lang),
        t("stats.col.total", lang),
        t("stats.col.minors", lang),
    ]
    rows: dict[str, tuple[Cell, ...]] = {}
    for category in CATEGORIES:
        counts = periodic.categories.get(category, {})
        rows[category] = (
            t(f"stats.category.{category}", lang),
            *(counts.get(route, 0) for route in ROUTES),
            sum(counts.values()),
            periodic.category_minors.get(category, 0),
        )
    # The total is the possible victims (the key figure); serious disadvantage stands under
    # it, counted apart.
    victims = _table(
        "categories",
        lang,
        header,
        [rows[category] for category in VICTIM_CATEGORIES],
        label=t("stats.col.person.possible_victims", lang),
    )
    return _with_separate(victims, [rows[SERIOUS_DISADVANTAGE]])


def _form_route(report: StatsReport, lang: str | None) -> ReportTable:
    periodic = report.periodic
    header = [
        t("stats.col.form", lang),
        *_route_header(lang),
        t("stats.col.total", lang),
        t("stats.col.with_indication", lang),
    ]
    rows: list[tuple[Cell, ...]] = []
    for form in FORMS:
        counts = periodic.form_route.get(form, {})
        rows.append(
            (
                form_label(form, lang),
                *(counts.get(route, 0) for route in ROUTES),
                sum(counts.values()),
                periodic.form_indication.get(form, 0),
            )
        )
    once: tuple[Cell, ...] = (
        t("stats.col.persons_once", lang),
        *(periodic.route_persons.get(route, 0) for route in ROUTES),
        periodic.possible_victims,
        periodic.with_indication,
    )
    return _once(_table("form_route", lang, header, rows), once)


def _highest_form_route(report: StatsReport, lang: str | None) -> ReportTable:
    matrix = report.periodic.highest_form_route
    header = [t("stats.col.form", lang), *_route_header(lang), t("stats.col.total", lang)]
    rows: list[tuple[Cell, ...]] = [
        (
            form_label(form, lang),
            *(matrix.get(form, {}).get(route, 0) for route in ROUTES),
            sum(matrix.get(form, {}).values()),
        )
        for form in FORMS
    ]
    return _table("highest_form_route", lang, header, rows)


def _form_route_by(
    report: StatsReport,
    lang: str | None,
    table_id: str,
    *,
    matrix: Mapping[str, Mapping[str, Counts]],
    persons: Counts,
    columns: list[tuple[str, str]],
) -> ReportTable:
    """Form and route down, ``columns`` across: every form with a possible victim, each with
    its three routes; the last row counts each person once."""
    header = [
        t("stats.col.form", lang),
        t("stats.col.route", lang),
        *(label for _, label in columns),
        t("stats.col.total", lang),
    ]
    rows: list[tuple[Cell, ...]] = []
    for form in report.periodic.forms_present():
        for route in ROUTES:
            counts = matrix.get(form, {}).get(route, {})
            rows.append(
                (
                    form_label(form, lang),
                    t(f"stats.col.route.{route}", lang),
                    *(counts.get(key, 0) for key, _ in columns),
                    sum(counts.values()),
                )
            )
    once: tuple[Cell, ...] = (
        t("stats.col.persons_once", lang),
        "",
        *(persons.get(key, 0) for key, _ in columns),
        sum(persons.values()),
    )
    return _once(_table(table_id, lang, header, rows, labels=2), once)


def _sector_form(report: StatsReport, lang: str | None) -> ReportTable:
    """Each possible victim in the sector of the visit; under every form with a signal, and
    once in the last column."""
    periodic = report.periodic
    header = [
        t("stats.col.sector", lang),
        *(form_column(form, lang) for form in FORMS),
        t("stats.col.persons", lang),
    ]
    rows: list[tuple[Cell, ...]] = [
        (
            t(f"sector.{sector}", lang),
            *(counts.get(form, 0) for form in FORMS),
            periodic.sector_persons.get(sector, 0),
        )
        for sector, counts in periodic.sector_form.items()
    ]
    return _table("sector_form", lang, header, rows)


def _sex_work(report: StatsReport, lang: str | None) -> ReportTable:
    header = [
        t("stats.col.sex_work", lang),
        *(t(f"stats.col.person.{column}", lang) for column in SEX_WORK_COLUMNS),
    ]
    rows: list[tuple[Cell, ...]] = [
        (
            t(f"sector.{sector}", lang),
            *(
                report.periodic.sex_work.get(sector, {}).get(column, 0)
                for column in SEX_WORK_COLUMNS
            ),
        )
        for sector in SEX_WORK_SECTORS
    ]
    return _table("sex_work", lang, header, rows)


def _person_header(first: str, lang: str | None) -> list[str]:
    return [first, *(t(f"stats.col.person.{column}", lang) for column in PERSON_COLUMNS)]


def _agency(report: StatsReport, lang: str | None) -> ReportTable:
    periodic = report.periodic
    rows: list[tuple[Cell, ...]] = [
        (
            agency_name(periodic.agency_names.get(key), lang) or t("stats.agency.unknown", lang),
            *(counts.get(column, 0) for column in PERSON_COLUMNS),
        )
        for key, counts in periodic.agency.items()
    ]
    return _table("agency", lang, _person_header(t("stats.col.agency", lang), lang), rows)


def _region(report: StatsReport, lang: str | None) -> ReportTable:
    regions = load_regions()
    header = [
        t("stats.col.police_unit", lang),
        t("stats.col.riec", lang),
        *(t(f"stats.col.person.{column}", lang) for column in PERSON_COLUMNS),
    ]
    rows: list[tuple[Cell, ...]] = []
    for (unit, riec), counts in report.periodic.region.items():
        if unit == UNKNOWN:
            names = (t("stats.region.unknown", lang), "")
        else:
            names = (regions.units.get(unit, unit), regions.riecs.get(riec, riec))
        rows.append((*names, *(counts.get(column, 0) for column in PERSON_COLUMNS)))
    return _table("region", lang, header, rows, labels=2)


def _b83(report: StatsReport, lang: str | None) -> ReportTable:
    header = [t("stats.col.b83", lang), *_route_header(lang), t("stats.col.total", lang)]
    rows: list[tuple[Cell, ...]] = [
        (
            t(f"stats.b83.{status}", lang),
            *(report.periodic.b83.get(status, {}).get(route, 0) for route in ROUTES),
            sum(report.periodic.b83.get(status, {}).values()),
        )
        for status in B83_STATUSES
    ]
    return _table("b83", lang, header, rows)


def _registration(report: StatsReport, lang: str | None) -> ReportTable:
    columns = PERSON_COLUMNS[:3]
    header = [
        t("stats.col.registration", lang),
        *(t(f"stats.col.person.{column}", lang) for column in columns),
    ]
    rows: list[tuple[Cell, ...]] = [
        (
            t(f"stats.registration.{registration}", lang),
            *(report.periodic.registration.get(registration, {}).get(c, 0) for c in columns),
        )
        for registration in REGISTRATIONS
    ]
    return _table("registration", lang, header, rows)


def _signals_by_month(report: StatsReport, lang: str | None) -> ReportTable:
    header = [
        t("stats.col.month", lang),
        *(form_column(form, lang) for form in FORMS),
        t("stats.col.all_signals", lang),
    ]
    rows: list[tuple[Cell, ...]] = [
        (month_text(month, lang), *(month.by_form.get(form, 0) for form in FORMS), month.total)
        for month in report.signals_by_month
    ]
    return _table("signals_by_month", lang, header, rows)


def month_text(month: MonthSignals, lang: str | None) -> str:
    """``YYYY-MM``, marked when the month is still running."""
    return t("stats.month_running", lang, month=month.month) if month.running else month.month


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


def outcome_label(column: str, lang: str | None = None) -> str:
    """A column of the outcome table: no indication in the form, at an outcome; or an
    indication, by what gave it."""
    if column in OUTCOME_INDICATIONS:
        return t(f"stats.col.outcome.{column}", lang)
    return t("stats.col.outcome.without", lang, outcome=t(f"outcome.{column}", lang))


def _outcomes(report: StatsReport, lang: str | None) -> ReportTable:
    """Per form, the possible victims counted under it (as in the form table) by the
    outcome there, those with an indication in the form by what gave it; the last column
    is the form table's "with an indication in this form"."""
    header = [
        t("stats.col.form", lang),
        *(outcome_label(column, lang) for column in report.outcome_order),
        t("stats.col.total", lang),
        t("stats.col.with_indication", lang),
    ]
    rows: list[tuple[Cell, ...]] = []
    for form in FORMS:
        counts = report.outcomes.get(form, {})
        values = [counts.get(column, 0) for column in report.outcome_order]
        indicated = sum(counts.get(column, 0) for column in OUTCOME_INDICATIONS)
        rows.append((form_label(form, lang), *values, sum(values), indicated))
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
