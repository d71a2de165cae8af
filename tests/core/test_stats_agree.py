"""Statistics whose tables agree with each other, on a hand-built vault: what counts the same
persons shows the same number in every table (the key figures, the categories, every form, the
outcomes, each breakdown), "with an indication in this form" is one count whatever gave the
indication; months stop at today's Dutch month and the running one is marked; the PDF fills
its pages, prints each note once and no empty chart frame; a bar's value label stays inside
its bar."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, replace
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from fieldapp.catalogue import load_catalogue
from fieldapp.cli.stats import summary_text
from fieldapp.clock import fixed_clock
from fieldapp.domain import ObservationStatus, Role, Sector, Sex
from fieldapp.i18n import t
from fieldapp.inputs import NewVisit
from fieldapp.stats import charts
from fieldapp.stats.compute import aggregate, compute_stats
from fieldapp.stats.model import (
    INDICATION_BY_ASSESSMENT,
    INDICATION_OTHERWISE,
    OUTCOME_INDICATIONS,
    StatsReport,
)
from fieldapp.stats.report_pdf import BOTTOM_MARGIN, FRAME_HEIGHT, TOP_MARGIN, render_report_pdf
from fieldapp.stats.tables import (
    ReportTable,
    note_text,
    report_notes,
    report_tables,
    summary_rows,
    table_note_keys,
)
from fieldapp.store.filters import FORMS, Period
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE
from tests.support.stats import indicator_for, stats_person, stats_visit

CATALOGUE = load_catalogue()
YEAR = Period.parse("2026-01-01", "2026-12-31")
THREE_YEARS = Period.parse("2024-01-01", "2026-12-31")
MID_JUNE = "2026-06-15T10:00:00Z"  # 'today' for the month tests
OBSERVED = ObservationStatus.OBSERVED
# Held passport, debt, employer housing, underpayment at a farm: the art. 273f reading gives an
# indication in labour (and here in sexual exploitation too, with a sexual signal).
HARBOURED = ("NLA-04", "NLA-07", "NLA-10", "NLA-03")
DRUG_RUNNING = "YCE-05"  # a minor's criminal exploitation: the rule for minors, no act known
POOR_CONDITIONS = ("ILO-EX-01", "ILO-EX-02")  # labour at 'exploited': serious disadvantage


SEXUAL, LABOUR, GENERIC = indicator_for("sexual"), indicator_for("labour"), indicator_for(None)


def _visits() -> list[NewVisit]:
    """One person for each way the old tables came apart (issue 15, the reader's item 11)."""
    return [
        # Q1: an indication by the assessment (the art. 273f reading) in labour and sexual.
        stats_visit(
            "2026-02-10T10:00:00Z",
            Sector.AGRICULTURE,
            (("Q1", stats_person("Q1", sex=Sex.MALE, age=30, nationality="UA")),),
            (*(("Q1", item) for item in HARBOURED), ("Q1", SEXUAL)),
        ),
        # Q2: the professional judges there is an indication and suspects sexual exploitation,
        # with no signal of it (counted there for the indication alone); a labour signal
        # without an indication in labour (so: a person with an indication, counted under
        # labour without one).
        stats_visit(
            "2026-03-10T10:00:00Z",
            Sector.AGRICULTURE,
            (
                (
                    "Q2",
                    stats_person(
                        "Q2",
                        sex=Sex.FEMALE,
                        age=28,
                        nationality="RO",
                        professional_indication=True,
                        suspected_forms=("sexual",),
                    ),
                ),
            ),
            (("Q2", LABOUR),),
        ),
        # Q3: a minor running drugs: an indication by the rule for minors, at 'signals present'.
        stats_visit(
            "2026-04-10T10:00:00Z",
            Sector.OTHER,
            (("Q3", stats_person("Q3", sex=Sex.MALE, age=15, nationality="NL")),),
            (("Q3", DRUG_RUNNING),),
        ),
        # Q4 serious disadvantage, Q5 signals below an indication, Q6 no signal at all.
        stats_visit(
            "2026-05-10T10:00:00Z",
            Sector.AGRICULTURE,
            (
                ("Q4", stats_person("Q4", sex=Sex.MALE, age=45, nationality="PL")),
                ("Q5", stats_person("Q5", sex=Sex.FEMALE, age=33, nationality="PL")),
                ("Q6", stats_person("Q6")),
            ),
            (*(("Q4", item) for item in POOR_CONDITIONS), ("Q5", GENERIC)),
        ),
    ]


@dataclass
class Hand:
    vault: Vault
    report: StatsReport  # the year 2026, made on 15 June 2026


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hand]:
    folder = tmp_path_factory.mktemp("stats-agree") / "vault"
    vault = Vault.create(folder, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    try:
        Store(vault).record_visits(_visits())
        with fixed_clock(MID_JUNE):
            report = compute_stats(vault, YEAR)
        yield Hand(vault, report)
    finally:
        vault.lock()


def _tables(report: StatsReport, lang: str = "nl") -> dict[str, ReportTable]:
    return {shown.id: shown for shown in report_tables(report, lang)}


def _column(shown: ReportTable, key: str, lang: str = "nl") -> int:
    return shown.header.index(t(key, lang))


def _by_label(shown: ReportTable, label: str) -> tuple[object, ...]:
    return next(row for row in shown.rows if row[0] == label)


# -- the same persons, the same numbers --------------------------------------------------------


def test_the_tables_that_count_the_same_persons_agree(hand: Hand) -> None:
    """As printed: the key figures, the categories' total and indication row, the last row of
    every form table, the highest form, each breakdown, B8/3 and registration."""
    report = hand.report
    figures = dict(summary_rows(report))
    victims = figures["stats.summary.possible_victims"]
    indicated = figures["stats.summary.with_indication"]
    minors = figures["stats.summary.minors"]
    apart = figures["stats.summary.serious_disadvantage"]
    assert (victims, indicated, minors, apart) == (4, 3, 1, 1)  # Q1-Q3, Q5; Q4 apart

    tables = _tables(report)
    total = _column(tables["categories"], "stats.col.total")
    categories = tables["categories"]
    assert categories.total is not None and categories.total[total] == victims
    assert categories.total[_column(categories, "stats.col.minors")] == minors
    assert _by_label(categories, t("stats.category.indication", "nl"))[total] == indicated
    assert [row[total] for row in categories.separate] == [apart]  # never in the total

    form_route = tables["form_route"]
    assert form_route.total is not None
    assert form_route.total[_column(form_route, "stats.col.total")] == victims
    assert form_route.total[_column(form_route, "stats.col.with_indication")] == indicated
    assert tables["highest_form_route"].total[-1] == victims  # type: ignore[index]
    for table_id in ("form_route_sex", "form_route_age", "form_route_nationality"):
        assert tables[table_id].total[-1] == victims, table_id  # type: ignore[index]
    age = tables["form_route_age"]
    assert age.total[age.header.index(t("stats.col.age.minor", "nl"))] == minors  # type: ignore[index]
    assert tables["sector_form"].total[-1] == victims  # type: ignore[index]
    for table_id in ("agency", "region"):
        shown = tables[table_id]
        assert shown.total is not None
        assert shown.total[_column(shown, "stats.col.person.indication")] == indicated, table_id
        assert shown.total[-2:] == (victims, apart), table_id
    assert tables["registration"].total[-1] == victims  # type: ignore[index]
    assert tables["b83"].total[-1] == indicated  # type: ignore[index]


def test_every_form_and_its_indication_are_one_count_in_every_table(hand: Hand) -> None:
    """Per form: the form table's total and 'with an indication in this form' are the outcome
    table's, whatever gave the indication (the assessment, the rule for minors, the
    professional's judgement), and each breakdown adds up to the same total per form."""
    report = hand.report
    tables = _tables(report)
    form_route, outcomes = tables["form_route"], tables["outcomes"]
    total_at = _column(form_route, "stats.col.total")
    indicated_at = _column(form_route, "stats.col.with_indication")
    assert outcomes.header[-2:] == (
        t("stats.col.total", "nl"),
        t("stats.col.with_indication", "nl"),
    )
    by_assessment = outcomes.header.index(t(f"stats.col.outcome.{INDICATION_BY_ASSESSMENT}", "nl"))
    otherwise = outcomes.header.index(t(f"stats.col.outcome.{INDICATION_OTHERWISE}", "nl"))
    for form_row, outcome_row in zip(form_route.rows, outcomes.rows, strict=True):
        assert form_row[0] == outcome_row[0]
        assert form_row[total_at] == outcome_row[-2], form_row[0]
        assert form_row[indicated_at] == outcome_row[-1], form_row[0]
        assert outcome_row[-1] == outcome_row[by_assessment] + outcome_row[otherwise]  # type: ignore[operator]
        assert sum(outcome_row[1:-2]) == outcome_row[-2]  # type: ignore[arg-type]
    periodic = report.periodic
    for form in FORMS:
        every = sum(periodic.form_route[form].values())
        assert sum(report.outcomes[form].values()) == every, form
        for matrix in (
            periodic.form_route_sex,
            periodic.form_route_age,
            periodic.form_route_nationality,
        ):
            assert sum(sum(row.values()) for row in matrix[form].values()) == every, form
        assert sum(row[form] for row in periodic.sector_form.values()) == every, form

    def row(form: str) -> dict[str, int]:
        return report.outcomes[form]

    # Q1 by the assessment in both forms; Q2 by judgement in sexual (no sexual signal: it
    # counts there for the indication alone) and in labour without one; Q3 by the minors' rule.
    assert row("sexual")[INDICATION_BY_ASSESSMENT] == row("sexual")[INDICATION_OTHERWISE] == 1
    assert (row("labour")[INDICATION_BY_ASSESSMENT], row("labour")["signals_present"]) == (1, 2)
    assert row("criminal")[INDICATION_OTHERWISE] == 1
    assert periodic.form_indication == {
        "sexual": 2,
        "labour": 1,
        "criminal": 1,
        **{form: 0 for form in FORMS[3:]},
    }
    # The person with an indication (Q2) counts under labour without one: the form's column,
    # not the person's category.
    assert periodic.with_indication == 3 > periodic.form_indication["labour"]
    assert set(report.outcome_order[-2:]) == set(OUTCOME_INDICATIONS)


def test_the_text_summary_shows_serious_disadvantage_under_the_total(hand: Hand) -> None:
    text = summary_text(hand.report, "nl").splitlines()
    total = next(
        i
        for i, line in enumerate(text)
        if line.startswith(t("stats.col.person.possible_victims", "nl"))
    )
    assert text[total + 1] == ""
    assert text[total + 2].startswith(t("stats.category.serious_disadvantage", "nl"))


# -- months ---------------------------------------------------------------------------------


def test_months_stop_at_today_and_the_running_month_is_marked(hand: Hand) -> None:
    report = hand.report  # the year 2026, on 15 June
    assert [m.month for m in report.signals_by_month] == [f"2026-{n:02d}" for n in range(1, 7)]
    assert [m.running for m in report.signals_by_month] == [False] * 5 + [True]
    assert sum(m.total for m in report.signals_by_month) == report.signals_total
    rows = _tables(report)["signals_by_month"].rows
    assert rows[-1][0] == t("stats.month_running", "nl", month="2026-06") == "2026-06 (lopend)"
    assert rows[0][0] == "2026-01"
    notes = " ".join(report_notes(report, "en"))
    assert t("stats.note.running_month", "en", month="2026-06") in notes
    conn = hand.vault.conn
    with fixed_clock(MID_JUNE):
        # A period that ended before today: every month whole, none running, no note.
        spring = aggregate(conn, Period.parse("2026-03-15", "2026-05-31"))
        # The period starts mid-March: no month before it; today's month is the last.
        started = aggregate(conn, Period.parse("2026-03-15", "2026-12-31"))
        # Entirely after today: no month at all, so no chart frame either.
        later = aggregate(conn, Period.parse("2026-09-01", "2026-12-31"))
    assert [(m.month, m.running) for m in spring.signals_by_month] == [
        ("2026-03", False),
        ("2026-04", False),
        ("2026-05", False),
    ]
    assert "running_month" not in table_note_keys(spring, "signals_by_month")
    assert note_text(spring, "running_month", "nl") == ""
    assert [m.month for m in started.signals_by_month] == [
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]
    assert started.signals_by_month[-1].running
    assert later.signals_by_month == () and not charts.has_data("signals_by_month", later)
    # A visit dated after today (a device's clock) still counts: months up to it, the months
    # between it and today shown as the zeros they are.
    store = Store(hand.vault)
    ahead = store.record_visit(
        stats_visit("2026-09-02T10:00:00Z", Sector.OTHER, (), ((None, GENERIC),))
    )
    try:
        with fixed_clock(MID_JUNE):
            report = aggregate(conn, YEAR)
        assert [m.month for m in report.signals_by_month][-4:] == [
            "2026-06",
            "2026-07",
            "2026-08",
            "2026-09",
        ]
        assert report.signals_by_month[-4].running and not report.signals_by_month[-1].running
        assert sum(m.total for m in report.signals_by_month) == report.signals_total
    finally:
        store.delete("visit", ahead)


def test_the_running_month_is_marked_in_the_chart(hand: Hand) -> None:
    figure = charts.chart_figure("signals_by_month", hand.report, "nl")
    texts = [text.get_text() for axes in figure.axes for text in axes.texts]
    assert t("stats.chart.running", "nl") in texts
    ticks = [label.get_text() for label in figure.axes[0].get_xticklabels()]
    assert ticks[-1] == "jun 26"  # the last month shown is today's, never one after it


# -- the PDF ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def long_pdf(hand: Hand) -> bytes:
    """Three years on 15 December 2026: a month table of 36 rows after the periodic tables
    (where the old layout left a page three-quarters empty), and no referrals (two charts
    without data)."""
    with fixed_clock("2026-12-15T10:00:00Z"):
        report = aggregate(hand.vault.conn, THREE_YEARS)
    assert len(report.signals_by_month) == 36 and report.referrals_total == 0
    return render_report_pdf(report, "nl")


def _blank_share(png: Path) -> float:
    """How much of the page's text frame is empty below its lowest mark."""
    image = Image.open(png).convert("L")
    width, height = image.size
    per_point = height / 842.0  # A4 in points
    top, bottom = int(TOP_MARGIN * per_point), int((842.0 - BOTTOM_MARGIN) * per_point)
    pixels = image.load()
    lowest = top
    for y in range(top, bottom):
        if any(pixels[x, y] < 200 for x in range(width)):  # type: ignore[index]
            lowest = y
    return (bottom - lowest) / (FRAME_HEIGHT * per_point)


def test_no_page_is_left_mostly_empty(long_pdf: bytes, tmp_path: Path) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(long_pdf)
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(path), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p-*.pgm"))
    assert len(pages) > 3
    shares = [_blank_share(page) for page in pages[:-1]]  # the last page may end anywhere
    assert max(shares) < 0.5, shares
    # The month table splits over two pages, its header repeated on the second.
    reader = PdfReader(BytesIO(long_pdf))
    month = re.compile(r"\b20\d\d-\d\d\b(?!-)")  # a month row, not a date of the period
    texts = [" ".join(page.extract_text().split()) for page in reader.pages]
    with_months = [text for text in texts if month.search(text)]
    assert len(with_months) == 2
    assert all(t("stats.col.all_signals", "nl") in text for text in with_months)


def test_each_note_is_printed_once_and_no_empty_chart_frame(hand: Hand, long_pdf: bytes) -> None:
    reader = PdfReader(BytesIO(long_pdf))
    flat = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    with fixed_clock("2026-12-15T10:00:00Z"):
        report = aggregate(hand.vault.conn, THREE_YEARS)
    notes = report_notes(report, "nl")
    assert len(notes) > 15
    for note in notes:
        assert flat.count(" ".join(note.split())) == 1, note
    drawn = [chart for chart in charts.CHART_IDS if charts.has_data(chart, report)]
    assert set(charts.CHART_IDS) - set(drawn) == {"referrals_by_recipient", "followup_times"}
    images = sum(len(page.images) for page in reader.pages)
    assert images == len(drawn)
    assert flat.count(t("stats.table.empty", "nl")) == 2  # a line each, instead of a frame


# -- bar labels -----------------------------------------------------------------------------------


def test_bar_labels_stay_inside_their_bars(hand: Hand) -> None:
    """The reader's case: a small segment beside the axis on a long scale. Its label is left
    out rather than drawn over the axis or the next segment; the wide ones keep theirs."""
    columns = hand.report.outcome_order
    wide = dict.fromkeys(columns, 0) | {"signals_present": 1965, INDICATION_BY_ASSESSMENT: 599}
    narrow = dict.fromkeys(columns, 0) | {
        "signals_present": 61,
        "exploited": 3,
        INDICATION_BY_ASSESSMENT: 70,
        INDICATION_OTHERWISE: 1,
    }
    outcomes = {form: dict.fromkeys(columns, 0) for form in FORMS}
    outcomes |= {"labour": wide, "criminal": narrow}
    report = replace(hand.report, outcomes=outcomes)
    for lang in ("nl", "en"):
        figure = charts.chart_figure("outcomes", report, lang)
        renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
        axes = figure.axes[0]
        plot = axes.get_window_extent(renderer)
        bars = [patch.get_window_extent(renderer) for patch in axes.patches]
        labels = [text for text in axes.texts if text.get_text()]
        shown = {text.get_text() for text in labels}
        assert {charts.number(1965, lang), charts.number(599, lang)} <= shown
        assert "61" not in shown and "3" not in shown  # too narrow to hold them
        boxes = [text.get_window_extent(renderer) for text in labels]
        for text, box in zip(labels, boxes, strict=True):
            assert box.x0 >= plot.x0, text.get_text()  # never over the axis
            assert any(
                bar.x0 <= box.x0 and box.x1 <= bar.x1 and bar.y0 <= box.y0 and box.y1 <= bar.y1
                for bar in bars
            ), text.get_text()
        for first, box in enumerate(boxes):
            for other in boxes[first + 1 :]:
                assert not box.overlaps(other)
