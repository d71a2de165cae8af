"""The statistics tab: the frame first, filled when the runner delivers; charts shown as
images, tables beside them; exports written through the save dialog; bad periods refused."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QImage

from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.i18n import t
from fieldapp.stats.charts import CHART_IDS, has_data, number
from fieldapp.stats.compute import aggregate
from fieldapp.stats.tables import PERIODIC_TABLES
from fieldapp.store.filters import Period
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE
from tests.support.qt import unnamed_controls
from ui.coordinator import dashboard
from ui.coordinator.dashboard import DashboardView
from ui.runner import InlineRunner, Runner

PERIOD = Period.parse("2024-01-01", "2026-12-31")  # every demo visit


@pytest.fixture
def coordinator(vault_dir: Path) -> Iterator[Vault]:
    vault = Vault.create(vault_dir, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    Store(vault).record_visits(demo_visits(40, seed=3))  # visits in 2024-2026
    yield vault
    vault.lock()


@pytest.fixture
def view(qtbot, coordinator: Vault) -> DashboardView:
    widget = DashboardView(coordinator, InlineRunner())
    qtbot.addWidget(widget)
    widget.resize(1200, 800)
    widget.show()
    qtbot.waitUntil(lambda: widget.report is not None)
    return widget


def computed_for(qtbot, view: DashboardView, period: Period) -> None:
    view.set_period(period)
    with qtbot.waitSignal(view.computed):
        view.compute()


def save_to(monkeypatch: pytest.MonkeyPatch, path: Path) -> list[str]:
    """Patch the save dialog to answer ``path``; returns the names it suggested."""
    suggested: list[str] = []

    def fake(parent: Any, title: str, directory: str, filters: str) -> tuple[str, str]:
        suggested.append(directory)
        return str(path), filters

    monkeypatch.setattr(dashboard.QFileDialog, "getSaveFileName", staticmethod(fake))
    return suggested


def distinct_colours(image: QImage) -> int:
    colours = set()
    for x in range(0, image.width(), 7):
        for y in range(0, image.height(), 7):
            colours.add(image.pixel(x, y))
    return len(colours)


def test_the_frame_comes_first_and_fills_in(qtbot, coordinator: Vault) -> None:
    widget = DashboardView(coordinator, InlineRunner())
    qtbot.addWidget(widget)
    # Built, nothing computed yet: the work starts from the event loop.
    assert widget.report is None and widget.summary.text() == ""
    assert not widget.pdf_button.isEnabled()
    default = Period.last_months(12)
    assert widget.period() == default
    with qtbot.waitSignal(widget.computed):
        widget.show()
    assert widget.report is not None and widget.report.period == default
    assert widget.pdf_button.isEnabled() and widget.png_button.isEnabled()
    assert unnamed_controls(widget) == []


def test_numbers_match_the_core_and_the_chart_is_an_image(
    qtbot, view: DashboardView, coordinator: Vault
) -> None:
    computed_for(qtbot, view, PERIOD)
    expected = aggregate(coordinator.conn, PERIOD)
    report = view.report
    assert report is not None
    assert report.signals_total == expected.signals_total > 0
    assert number(report.visits) in view.summary.text()
    assert number(report.signals_total) in view.summary.text()

    image = view.chart.pixmap.toImage()
    assert not image.isNull()
    assert (image.width(), image.height()) == (1200, 675)
    assert distinct_colours(image) > 5
    shown = view.chart.grab().toImage()
    assert distinct_colours(shown) > 5  # drawn in the widget, scaled

    # The table under the chart: months (none after today's), with the total of all signals
    # last.
    table = view.data_table
    assert table.rowCount() == len(report.signals_by_month) + 1
    last = table.rowCount() - 1
    assert table.item(last, 0).text() == t("stats.col.total")
    assert table.item(last, table.columnCount() - 1).text() == number(report.signals_total)


def test_every_chart_and_table_can_be_chosen(qtbot, view: DashboardView) -> None:
    computed_for(qtbot, view, PERIOD)
    report = view.report
    assert report is not None
    empty = [chart_id for chart_id in CHART_IDS if not has_data(chart_id, report)]
    assert "referrals_by_recipient" in empty  # the demo makes no referrals
    for chart_id in CHART_IDS:
        view.select_chart(chart_id)
        assert view.chart.isVisibleTo(view) and view.table_title.text()
        if chart_id in empty:
            # One line of text, no empty frame, and no image to save.
            assert chart_id not in view.charts and view.chart.pixmap.isNull()
            assert view.chart.text == t("stats.chart.no_data")
            assert not view.png_button.isEnabled() and not view.svg_button.isEnabled()
            continue
        assert chart_id in view.charts
        assert not view.chart.pixmap.isNull()
        assert view.png_button.isEnabled() and view.svg_button.isEnabled()
    for table_id in PERIODIC_TABLES:
        view.select_table(table_id)
        assert not view.chart.isVisibleTo(view)
        assert view.table_title.text() == t(f"stats.table.{table_id}")
        assert view.data_table.rowCount() > 1
        assert not view.png_button.isEnabled()
        assert view.pdf_button.isEnabled()
    view.select_table("form_route")
    total = view.data_table.item(view.data_table.rowCount() - 1, 4).text()
    assert total == number(view.report.periodic.possible_victims)  # type: ignore[union-attr]
    assert t("stats.note.route") in view.table_note.text()


def test_the_rapporteur_and_comensha_breakdowns_are_tables(qtbot, view: DashboardView) -> None:
    """Each breakdown is a table in the list, shown with the notes that say how it counts."""
    computed_for(qtbot, view, PERIOD)
    report = view.report
    assert report is not None
    for table_id in ("highest_form_route", "form_route_sex", "form_route_age",
                     "form_route_nationality", "sex_work", "agency", "region", "b83",
                     "registration", "categories"):  # fmt: skip
        view.select_table(table_id)
        assert view.table_title.text() == t(f"stats.table.{table_id}"), table_id
        assert view.table_note.isVisibleTo(view) and view.table_note.text(), table_id
    view.select_table("highest_form_route")
    assert t("form.labour").lower() in view.table_note.text()  # the fixed order, spelled out
    view.select_table("region")
    header = view.data_table.horizontalHeaderItem
    assert (header(0).text(), header(1).text()) == (t("stats.col.police_unit"), "RIEC")
    view.select_table("form_route_age")
    last = view.data_table.rowCount() - 1
    assert view.data_table.item(last, 0).text() == t("stats.col.persons_once")
    total = view.data_table.item(last, view.data_table.columnCount() - 1).text()
    assert total == number(report.periodic.possible_victims)
    labels = {view.data_table.item(row, 0).text() for row in range(last)}
    assert t("outcome.no_signals") not in labels and "Geen signalen" not in labels


@pytest.mark.parametrize(("fmt", "magic"), [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_the_chart_exports_as_an_image(
    qtbot, view: DashboardView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, magic
) -> None:
    computed_for(qtbot, view, PERIOD)  # the demo's visits, whatever today is
    view.select_chart("signals_by_sector")
    out = tmp_path / "out"
    out.mkdir()
    target = out / "chart"  # no suffix: the format's is added
    suggested = save_to(monkeypatch, target)
    button = view.png_button if fmt == "png" else view.svg_button
    with qtbot.waitSignal(view.exported) as written:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    path = Path(written.args[0])
    assert path == out / f"chart.{fmt}"
    assert path.read_bytes().startswith(magic)
    assert suggested[0].endswith(f".{fmt}") and "signals_by_sector" in suggested[0]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in out.iterdir()] == [path.name]  # no temporary file left
    assert t("ui.stats.saved", path=str(path)) == view.message.text()


def test_the_report_exports_as_pdf_and_xlsx(
    qtbot, view: DashboardView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    save_to(monkeypatch, tmp_path / "report.pdf")
    with qtbot.waitSignal(view.exported):
        qtbot.mouseClick(view.pdf_button, Qt.MouseButton.LeftButton)
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    save_to(monkeypatch, tmp_path / "report.xlsx")
    with qtbot.waitSignal(view.exported):
        qtbot.mouseClick(view.xlsx_button, Qt.MouseButton.LeftButton)
    assert zipfile.is_zipfile(tmp_path / "report.xlsx")


def test_a_cancelled_dialog_writes_nothing(
    qtbot, view: DashboardView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = sorted(tmp_path.rglob("*"))
    monkeypatch.setattr(
        dashboard.QFileDialog, "getSaveFileName", staticmethod(lambda *args: ("", ""))
    )
    with qtbot.assertNotEmitted(view.exported):
        qtbot.mouseClick(view.pdf_button, Qt.MouseButton.LeftButton)
    assert sorted(tmp_path.rglob("*")) == before


def test_an_extended_name_never_replaces_a_file_unasked(
    qtbot, view: DashboardView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    existing = tmp_path / "report.pdf"
    existing.write_bytes(b"keep")
    save_to(monkeypatch, tmp_path / "report")
    with qtbot.assertNotEmitted(view.exported):
        qtbot.mouseClick(view.pdf_button, Qt.MouseButton.LeftButton)
    assert existing.read_bytes() == b"keep"
    assert view.message.text() == t("ui.stats.file_exists", path="report.pdf")


def test_a_reversed_period_is_refused_and_keeps_the_numbers(qtbot, view: DashboardView) -> None:
    before = view.report
    view.date_from.setDate(QDate(2026, 5, 1))
    view.date_to.setDate(QDate(2026, 3, 1))
    assert view.message.text() == t("ui.stats.period_changed")
    with qtbot.assertNotEmitted(view.computed):
        view.compute()
    assert view.report is before
    assert "2026-05-01" in view.message.text() and "2026-03-01" in view.message.text()


def test_clear_forgets_every_number(qtbot, view: DashboardView) -> None:
    view.clear()
    assert view.report is None and view.charts == {}
    assert view.summary.text() == "" and view.data_table.rowCount() == 0
    assert not view.pdf_button.isEnabled()


def test_on_a_worker_thread(qtbot, coordinator: Vault) -> None:
    """The real runner: statistics on a worker's own connection, the result on the GUI
    thread."""
    runner = Runner()
    widget = DashboardView(coordinator, runner)
    qtbot.addWidget(widget)
    widget.set_period(PERIOD)
    try:
        with qtbot.waitSignal(widget.computed, timeout=60_000):
            widget.show()
        assert widget.report is not None and widget.report.signals_total > 0
        assert not widget.chart.pixmap.isNull()
        widget.select_chart("outcomes")
        qtbot.waitUntil(lambda: "outcomes" in widget.charts, timeout=60_000)
    finally:
        runner.wait()
