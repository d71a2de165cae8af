"""Everything by keyboard, with names for screen readers; Help > Shortcuts lists the keys."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
)

from tests.support.qt import unlock, unnamed_controls
from ui.session import Screen
from ui.views.shortcuts import ShortcutsDialog


def test_every_control_has_an_accessible_name(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    assert unnamed_controls(window.first_run_view) == []
    assert unnamed_controls(window.unlock_view) == []
    unlock(qtbot, window)
    assert unnamed_controls(window.visits_view) == []


def test_the_shortcuts_dialog_lists_the_window_keys(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    unlock(qtbot, window)
    rows = dict((what, keys.toString()) for what, keys in window.shortcut_rows())
    assert rows["Nieuw bezoek"] == "Ctrl+N"
    assert rows["Vergrendelen"] == "Ctrl+L"
    assert rows["Zoeken"] == "Ctrl+F"
    assert rows["Gekozen bezoek openen"] == "Enter"
    assert rows["Sneltoetsen"] == QKeySequence(QKeySequence.StandardKey.HelpContents).toString()

    shown: list[list[tuple[str, str]]] = []

    def read_and_close() -> None:
        dialog = next(d for d in window.findChildren(ShortcutsDialog) if d.isVisible())
        shown.append(dialog.rows)
        dialog.reject()

    QTimer.singleShot(0, read_and_close)
    window.shortcuts_action.trigger()
    assert shown and ("Vergrendelen", "Ctrl+L") in shown[0]
    assert window.menuBar().actions()[-1].text() == "&Help"


def test_the_whole_unlock_and_open_flow_by_keyboard(qtbot, make_window, locked_vault: int) -> None:
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert QApplication.focusWidget() is window.unlock_view.passphrase
    unlock(qtbot, window)
    assert QApplication.focusWidget() is window.visits_view.table
    qtbot.keyClick(window.visits_view.table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(window.visits_view.table, Qt.Key.Key_Enter)
    assert window.current_screen() is Screen.VISIT
    assert window.editor.visit_uuid == window.visits_model.visit_id(locked_vault - 1)
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert window.current_screen() is Screen.OVERVIEW
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.current_screen() is Screen.UNLOCK
