"""The visits list: a lazy model sorted and filtered by the database, search, opening visits."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QHeaderView

from fieldapp import i18n
from fieldapp.demo import demo_visits
from fieldapp.domain import Sector, VisitStatus
from fieldapp.errors import NotFound
from fieldapp.localtime import datetime_text as local_time
from fieldapp.store.store import Store, VisitFilter
from tests.support.qt import FakeEditor, unlock
from ui.models.visits import COLUMNS, UUID_ROLE, VisitsModel
from ui.session import Screen

SORT_KEYS = {spec.sort_key: column for column, spec in enumerate(COLUMNS) if spec.sort_key}


@pytest.fixture
def demo_store(store: Store) -> Store:
    store.record_visits(demo_visits(75, seed=11))
    return store


# -- the model ---------------------------------------------------------------------------


def test_model_passes_the_model_tester(qtmodeltester, demo_store: Store) -> None:
    model = VisitsModel(page_size=20)
    qtmodeltester.check(model)  # empty
    model.set_store(demo_store)
    qtmodeltester.check(model)
    assert model.rowCount() == 75 == model.total
    assert model.columnCount() == len(COLUMNS) == 9
    model.sort(SORT_KEYS["site"], Qt.SortOrder.AscendingOrder)
    qtmodeltester.check(model)
    model.set_filter(VisitFilter(status=VisitStatus.OPEN))
    qtmodeltester.check(model)
    model.clear()
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_model_loads_rows_a_page_at_a_time(demo_store: Store) -> None:
    model = VisitsModel(page_size=20)
    model.set_store(demo_store)
    assert model.page_loads == 0  # the ids only
    assert model.rowCount() == 75
    last = model.index(74, 1)
    assert model.data(last, UUID_ROLE) == demo_store.visit_ids()[74]
    assert model.page_loads == 0  # the id needs no page
    assert model.data(last) == model.visit(74).site_name
    assert model.page_loads == 1 and model.cached_pages == 1
    model.data(model.index(73, 2))
    assert model.page_loads == 1  # same page, cached
    model.data(model.index(0, 0))
    assert model.page_loads == 2

    first = model.visit(0)
    assert first is not None
    assert model.data(model.index(0, 0)) == local_time(first.started_at)
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Datum"
    assert model.data(model.index(0, 6)) in {"open", "afgesloten"}
    assert model.data(model.index(0, 7), Qt.ItemDataRole.TextAlignmentRole) == int(
        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    )


def test_model_sorts_in_the_database(demo_store: Store) -> None:
    model = VisitsModel()
    model.set_store(demo_store)
    dates = [model.visit(row).started_at for row in range(model.rowCount())]
    assert dates == sorted(dates, reverse=True)  # newest first by default

    model.sort(SORT_KEYS["site"], Qt.SortOrder.AscendingOrder)
    names = [model.visit(row).site_name.casefold() for row in range(model.rowCount())]
    assert names == sorted(names)
    assert model.sort_column == SORT_KEYS["site"]

    model.sort(7, Qt.SortOrder.AscendingOrder)  # persons: no sort key, nothing changes
    assert model.sort_column == SORT_KEYS["site"]


def test_local_time_is_dutch_time() -> None:
    assert local_time("2026-07-01T08:30:00Z") == "01-07-2026 10:30"  # CEST
    i18n.set_language("en")
    assert local_time("2026-01-01T08:30:00Z") == "01/01/2026 09:30"
    assert local_time("not a date") == "not a date"


# -- the view ----------------------------------------------------------------------------


def test_header_click_sorts_and_keeps_the_selection(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = window.visits_view
    model = window.visits_model
    view.focus_table()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    chosen = view.current_visit()

    header = view.table.horizontalHeader()
    site = SORT_KEYS["site"]
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=header.rect().center().__class__(header.sectionViewportPosition(site) + 5, 5),
    )
    assert model.sort_column == site
    names = [model.visit(row).site_name.casefold() for row in range(model.rowCount())]
    assert names in (sorted(names), sorted(names, reverse=True))
    assert view.current_visit() == chosen  # the selection follows its visit
    assert window.sort_actions[site].isChecked()

    # The menu does the same by keyboard.
    window.sort_actions[SORT_KEYS["municipality"]].trigger()
    window.descending_action.setChecked(False)
    window.descending_action.trigger()  # checks it: descending
    assert model.sort_column == SORT_KEYS["municipality"]
    assert model.sort_order == Qt.SortOrder.DescendingOrder

    # A count column cannot be sorted: the indicator stays where the order comes from.
    header.setSortIndicator(7, Qt.SortOrder.AscendingOrder)
    assert header.sortIndicatorSection() == SORT_KEYS["municipality"]
    assert header.sectionResizeMode(1) == QHeaderView.ResizeMode.Stretch


def test_filters_narrow_the_list(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = window.visits_view
    model = window.visits_model
    store = window.session.store
    names = store.municipalities()
    assert view.municipality.count() == 1  # read when first used, not at unlock
    view.municipality.setFocus()
    view.municipality.ensure_loaded()
    assert [view.municipality.itemText(i) for i in range(1, view.municipality.count())] == names

    view.status.setCurrentIndex(view.status.findData("closed"))
    closed = store.visit_ids(VisitFilter(status=VisitStatus.CLOSED))
    assert model.rowCount() == len(closed) < locked_vault
    assert view.count.text() == f"{len(closed)} van {locked_vault} bezoeken"
    assert all(model.visit(r).status is VisitStatus.CLOSED for r in range(model.rowCount()))

    view.status.setCurrentIndex(0)
    view.sector.setCurrentIndex(view.sector.findData("agriculture"))
    assert all(model.visit(r).sector is Sector.AGRICULTURE for r in range(model.rowCount()))

    view.sector.setCurrentIndex(0)
    view.municipality.setCurrentIndex(view.municipality.findData(names[0]))
    assert model.rowCount() > 0
    assert all(model.visit(r).municipality == names[0] for r in range(model.rowCount()))

    view.municipality.setCurrentIndex(0)
    middle = sorted(model.visit(r).started_at for r in range(model.rowCount()))[30][:10]
    view.date_from.setDate(QDate.fromString(middle, "yyyy-MM-dd"))
    view.apply_filters()  # dates wait for the pause; the test applies at once
    assert 0 < model.rowCount() < locked_vault
    assert all(model.visit(r).started_at[:10] >= middle for r in range(model.rowCount()))
    view.date_to.setDate(QDate.fromString(middle, "yyyy-MM-dd"))
    view.apply_filters()
    assert all(model.visit(r).started_at[:10] == middle for r in range(model.rowCount()))

    view.reset_filters()
    assert model.rowCount() == locked_vault
    assert model.filter == VisitFilter()


def test_search_box_uses_the_full_text_index(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = window.visits_view
    model = window.visits_model
    place = window.session.store.visit_summaries(window.session.store.visit_ids()[:1])[0].place
    assert place

    qtbot.keyClicks(view.search, place)
    assert view.search_timer.isActive()  # typing waits for a pause
    assert model.rowCount() == locked_vault
    view.apply_filters()
    assert 0 < model.rowCount() < locked_vault
    assert all(model.visit(r).place == place for r in range(model.rowCount()))

    view.search.setText("zzzgeenwoordzzz")
    view.apply_filters()
    assert model.rowCount() == 0
    assert view.no_match.isVisible() and not view.table.isVisible()

    qtbot.keyClick(view.search, Qt.Key.Key_Escape)  # clears the search
    assert view.search.text() == "" and model.rowCount() == locked_vault


def test_ctrl_f_goes_to_the_search_box(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.visits_view.search.hasFocus()
    qtbot.keyClick(window.visits_view.search, Qt.Key.Key_Down)
    assert window.visits_view.table.hasFocus()


# -- opening visits ----------------------------------------------------------------------


def test_enter_opens_a_visit_and_escape_returns_to_a_fresh_list(
    qtbot, make_window, locked_vault: int
) -> None:
    window = make_window()
    unlock(qtbot, window)
    view = window.visits_view
    view.focus_table()
    qtbot.keyClick(view.table, Qt.Key.Key_Down)
    chosen = view.current_visit()
    qtbot.keyClick(view.table, Qt.Key.Key_Return)

    assert window.current_screen() is Screen.VISIT
    editor = window.editor
    assert isinstance(editor, FakeEditor) and editor.visit_uuid == chosen
    assert window.back_action.isEnabled() and not window.new_visit_action.isEnabled()

    window.session.store.update_visit(chosen, status=VisitStatus.CLOSED)  # as the editor would
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert window.current_screen() is Screen.OVERVIEW
    assert window.editor is None
    assert view.current_visit() == chosen
    row = window.visits_model.row_of(chosen)
    assert window.visits_model.visit(row).status is VisitStatus.CLOSED  # refreshed


def test_double_click_opens_and_ctrl_w_goes_back(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    table = window.visits_view.table
    rect = table.visualRect(window.visits_model.index(2, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_screen() is Screen.VISIT
    assert window.editor.visit_uuid == window.visits_model.visit_id(2)
    window.back_action.trigger()
    assert window.current_screen() is Screen.OVERVIEW


def test_ctrl_n_starts_a_new_visit(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert window.current_screen() is Screen.VISIT
    new_uuid = window.editor.visit_uuid
    window.back_to_list()
    assert window.visits_model.rowCount() == locked_vault + 1
    assert window.visits_view.current_visit() == new_uuid


def test_the_real_editor_opens_a_demo_visit(
    qtbot, make_window, locked_vault: int, vault_dir: Path
) -> None:
    window = make_window(editor_class=None)
    unlock(qtbot, window)
    window.visits_view.focus_table()
    window.visits_view.open_current()
    assert window.current_screen() is Screen.VISIT
    assert type(window.editor).__name__ == "VisitEditor"
    window.lock()
    assert window.editor is None


def test_a_new_visit_left_empty_leaves_no_trace(qtbot, make_window, locked_vault: int) -> None:
    """Ctrl+N by mistake, then Escape: no "anders, 0, 0" visit in the list. A visit with
    anything typed in it stays."""
    window = make_window(editor_class=None)
    unlock(qtbot, window)
    window.new_visit_action.trigger()
    assert window.current_screen() is Screen.VISIT
    empty = window.editor.visit_uuid
    window.back_to_list()
    assert window.visits_model.rowCount() == locked_vault
    with pytest.raises(NotFound):
        window.session.store.visit_detail(empty)
    window.new_visit_action.trigger()
    kept = window.editor.visit_uuid
    name = window.editor.site_form.edits["name"]
    name.setFocus()
    qtbot.keyClicks(name, "Kwekerij De Groene Kas")
    window.back_to_list()
    assert window.visits_model.rowCount() == locked_vault + 1
    assert window.session.store.visit_detail(kept).site.name == "Kwekerij De Groene Kas"


@pytest.mark.parametrize("large_touch", [False, True])
def test_on_a_tablet_place_and_sector_read_whole(
    qtbot, make_window, locked_vault: int, large_touch: bool
) -> None:
    """853 px wide (a 1280x800 tablet at 150 %): the date and status columns take what their
    text needs, and common places and sectors are not cut while they had room."""
    window = make_window()
    window.set_large_touch(large_touch)
    unlock(qtbot, window)
    window.resize(853, 533)
    qtbot.waitUntil(lambda: window.width() == 853)
    view = window.visits_view
    table = view.table
    metrics = table.fontMetrics()
    margin = 2 * (table.style().pixelMetric(table.style().PixelMetric.PM_FocusFrameHMargin) + 1)
    place, sector, date, status = 2, 4, 0, 6
    for column in (place, sector, date, status):
        assert not table.isColumnHidden(column)
    for text in ("Honselersdijk",):
        assert table.columnWidth(place) >= metrics.horizontalAdvance(text) + margin
    for text in (i18n.t("sector.agriculture"), i18n.t("sector.meat_processing")):
        assert table.columnWidth(sector) >= metrics.horizontalAdvance(text) + margin, text
    # Date and status: their content width, not a guessed share of the row.
    assert table.columnWidth(date) <= metrics.horizontalAdvance("00-00-0000 00:00") + 40
    header = table.horizontalHeader()
    assert header.length() <= table.viewport().width()  # no side scrolling
