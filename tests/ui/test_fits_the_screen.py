"""Every window fits the smallest screen inspectors use: a 1280x800 tablet at 150 % scaling,
853x533 logical pixels (issue 14). Offscreen, through the sizes Qt reports."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldapp.catalogue import Catalogue
from fieldapp.domain import Address, Sector
from fieldapp.inputs import NewVisit, PersonInput, SiteInput, VisitInput
from fieldapp.store.store import Store
from tests.support.qt import unlock
from tests.support.sync import make_field
from tests.support.workspace import build_workspace
from ui.coordinator.workspace import WorkspaceDialog
from ui.quick_unlock import QuickUnlock
from ui.runner import InlineRunner
from ui.session import Screen
from ui.sync.coordinator_page import CoordinatorSyncDialog
from ui.sync.field_page import FieldSyncDialog
from ui.views.first_run import PAGES
from ui.visit import VisitEditor
from ui.visit.steps import LOCATION, PERSONS
from ui.widgets import style_sheet
from ui.window_settings import SMALLEST_SCREEN, WindowSettings, first_window_size

TITLE_BAR = 32  # what the window manager adds above a window
USABLE = QSize(SMALLEST_SCREEN.width(), SMALLEST_SCREEN.height() - TITLE_BAR)
TOUCH = 44  # px: the smallest target in large-touch mode


def _fits(widget: QWidget, name: str) -> None:
    QApplication.processEvents()  # style sheets polish on show
    needed = widget.minimumSize().expandedTo(widget.minimumSizeHint())
    assert needed.width() <= USABLE.width(), f"{name} needs {needed.width()} px wide"
    assert needed.height() <= USABLE.height(), f"{name} needs {needed.height()} px high"


@pytest.mark.parametrize(
    ("pixels", "scale"), [((1280, 800), 1.5), ((1366, 768), 1.0), ((1920, 1080), 2.0)]
)
def test_the_screens_inspectors_carry_are_no_smaller_than_the_one_checked(
    pixels: tuple[int, int], scale: float
) -> None:
    """Layouts are checked in logical pixels at the smallest of the issue's screens; the
    others give at least as many (1920x1080 at 200 % is 960x540), so what fits there fits
    them. Should a smaller screen join the list, this says so."""
    logical = QSize(round(pixels[0] / scale), round(pixels[1] / scale))
    assert logical.expandedTo(SMALLEST_SCREEN) == logical, logical


def test_the_first_window_is_never_larger_than_the_screen(qtbot, make_window) -> None:
    window = make_window()
    available = window.screen().availableGeometry()
    assert available.contains(window.geometry())
    size = first_window_size(window)
    assert size.width() <= available.width() and size.height() <= available.height()


@pytest.mark.parametrize("large_touch", [False, True])
def test_every_screen_of_the_main_window_fits(
    qtbot, make_window, locked_vault: int, large_touch: bool
) -> None:
    window = make_window()
    window.set_large_touch(large_touch)
    _fits(window, "unlock")
    unlock(qtbot, window)
    assert window.current_screen() is Screen.OVERVIEW
    _fits(window, "visits list")
    window.visits_view.table.resize(USABLE.width() - 40, 300)
    header = window.visits_view.table.horizontalHeader()
    assert header.length() <= window.visits_view.table.viewport().width()  # no side scrolling


@pytest.mark.parametrize("large_touch", [False, True])
def test_every_page_of_the_first_run_fits(qtbot, make_window, large_touch: bool) -> None:
    window = make_window()
    window.set_large_touch(large_touch)
    for page in range(PAGES):
        window.first_run_view.go_to(page)
        _fits(window, f"first run page {page}")


def test_the_quick_unlock_window_fits(qtbot, locked_vault: int, vault_dir: Path) -> None:
    settings = WindowSettings(vault_dir.parent / "window.ini")
    settings.large_touch = True
    window = QuickUnlock(vault_dir, settings, InlineRunner(), lambda keys: QWidget())
    qtbot.addWidget(window)
    window.show()
    _fits(window, "quick unlock")
    assert window.screen().availableGeometry().contains(window.geometry())


def test_the_sync_dialogs_and_the_workspace_fit(qtbot, tmp_path: Path) -> None:
    field = make_field(tmp_path / "field")
    workspace = build_workspace(tmp_path / "coordinator")
    try:
        for name, dialog in (
            ("field sync", FieldSyncDialog(field, InlineRunner())),
            ("coordinator sync", CoordinatorSyncDialog(workspace.vault)),
            ("workspace", WorkspaceDialog(workspace.vault, InlineRunner())),
        ):
            qtbot.addWidget(dialog)
            dialog.show()
            _fits(dialog, name)
            available = dialog.screen().availableGeometry()
            assert dialog.width() <= available.width() and dialog.height() <= available.height()
            if isinstance(dialog, WorkspaceDialog):
                for index in range(dialog.tabs.count()):
                    dialog.tabs.setCurrentIndex(index)
                    _fits(dialog, f"workspace tab {index}")
            dialog.reject()
    finally:
        field.lock()
        workspace.vault.lock()


@pytest.mark.parametrize("large_touch", [False, True])
def test_the_locatie_and_personen_steps_fit_with_every_field_shown(
    qtbot, store: Store, catalogue: Catalogue, large_touch: bool
) -> None:
    """Issue 15's fields shown (the agency and housing opened, a possible victim's safety,
    care and CoMensha details): nothing wider than the tablet, nothing scrolls sideways, and
    in large touch every control is a finger's target."""
    visit = store.record_visit(
        NewVisit(
            SiteInput(
                name="Kas Zuidweg",
                sector=Sector.AGRICULTURE,
                intermediary_name="Flex Uitzend BV",
                housing=Address("Dorpsstraat", "12", "2675 AB", "Monster"),
            ),
            VisitInput(started_at="2026-05-04T08:00:00Z"),
        ),
        catalogue.version,
    )
    store.add_person(visit, PersonInput(label="A", whereabouts="Opvang Den Haag"))
    editor = VisitEditor(store, catalogue, visit)
    host = QWidget()
    host.setStyleSheet(style_sheet(large_touch))
    QVBoxLayout(host).addWidget(editor)
    editor.set_large_touch(large_touch)
    qtbot.addWidget(host)
    host.resize(USABLE)
    host.show()
    try:
        for step, shown in (
            (LOCATION, editor.site_form.edits["housing_place"]),
            (PERSONS, editor.person_form.birth_date),
        ):
            editor.go_to_step(step)
            QApplication.processEvents()
            assert shown.isVisibleTo(editor)
            _fits(host, f"step {step}")
            page = editor.pages.currentWidget()
            assert isinstance(page, QScrollArea)
            assert not page.horizontalScrollBar().isVisible(), f"step {step} scrolls sideways"
            if not large_touch:
                continue
            body = page.widget()
            checked = 0
            for widget in body.findChildren(QWidget):
                if (
                    not isinstance(widget, QAbstractButton | QLineEdit | QComboBox)
                    or not widget.isVisibleTo(body)
                    or isinstance(widget.parent(), QComboBox)
                ):
                    continue
                name = widget.objectName() or type(widget).__name__
                assert widget.height() >= TOUCH, f"{name} is {widget.height()} high"
                if isinstance(widget, QAbstractButton):
                    assert widget.width() >= TOUCH, f"{name} is {widget.width()} wide"
                checked += 1
            assert checked >= 15  # the step's own fields, the new ones among them
    finally:
        editor.clear()


def test_the_shortcuts_list_wraps_on_a_tablet(qtbot) -> None:
    """F1's list in large touch at 853 px: a long description wraps instead of being cut."""
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QLabel

    from ui.views.shortcuts import ShortcutsDialog
    from ui.widgets import style_sheet

    long_text = "Paspoort of ID in handen van werkgever: waargenomen bij deze persoon " * 3
    dialog = ShortcutsDialog([(long_text, QKeySequence("Ctrl+Shift+1"))])
    dialog.setStyleSheet(style_sheet(True))
    qtbot.addWidget(dialog)
    dialog.show()
    _fits(dialog, "shortcuts")
    dialog.resize(USABLE.width() - 40, USABLE.height() - 40)
    QApplication.processEvents()
    label = next(w for w in dialog.findChildren(QLabel) if w.text() == long_text)
    assert label.wordWrap()
    assert label.geometry().right() <= dialog.width()
