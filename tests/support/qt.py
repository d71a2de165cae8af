"""The desktop tests' fakes and gestures: a clock the test moves by hand, a small stand-in for
the visit editor, unlocking as a person types, the accessibility check, and a file dialog that
answers for the user."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFileDialog,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.demo import demo_visits
from fieldapp.store.store import Store
from tests.support import PASSPHRASE
from ui.main_window import MainWindow

DEMO_VISITS = 60


class FakeClock:
    """Monotonic seconds that only move when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeEditor(QWidget):
    """The visit editor's interface (``ui.visit.editor.VisitEditor``), without its screens."""

    saved = Signal(str)
    close_requested = Signal()
    instances: list[FakeEditor] = []  # noqa: RUF012 - a record for the test

    def __init__(self, store: Store, catalogue: Any, visit_uuid: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.store, self.catalogue, self.visit_uuid = store, catalogue, visit_uuid
        self.cleared = False
        self.large_touch = False
        self.label = QLabel(store.visit_detail(visit_uuid).site.name)
        QVBoxLayout(self).addWidget(self.label)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        FakeEditor.instances.append(self)

    @staticmethod
    def start_new_visit(store: Store, catalogue: Any) -> str:
        return store.record_visit(next(demo_visits(1, seed=4242)))

    def clear(self) -> None:
        self.cleared = True
        self.label.clear()

    def set_large_touch(self, enabled: bool) -> None:
        self.large_touch = enabled

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_requested.emit()
            return
        super().keyPressEvent(event)


def unlock(qtbot, window: MainWindow, passphrase: str = PASSPHRASE) -> None:
    qtbot.keyClicks(window.unlock_view.passphrase, passphrase)
    qtbot.keyClick(window.unlock_view.passphrase, Qt.Key.Key_Return)


CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QTableView)


def unnamed_controls(root: QWidget) -> list[str]:
    unnamed = []
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or isinstance(widget.parent(), QAbstractSpinBox):
            continue  # a spin box's own line edit is named through the spin box
        if isinstance(widget.parent(), QComboBox | QLineEdit | QTableView):
            continue  # Qt's own parts: a combo's editor, a clear button, the corner button
        text = widget.text() if isinstance(widget, QAbstractButton) else ""
        if not (widget.accessibleName() or text.replace("&", "").strip()):
            unnamed.append(f"{type(widget).__name__} {widget.objectName()}")
    return unnamed


def answer_file_dialog(monkeypatch: pytest.MonkeyPatch, method: str, value: Any) -> list[tuple]:
    """Patch one QFileDialog static method to return ``value``; returns the calls made."""
    calls: list[tuple] = []

    def fake(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return value

    monkeypatch.setattr(QFileDialog, method, staticmethod(fake))
    return calls


# -- keys as a user presses them -----------------------------------------------------------


def focused() -> QWidget:
    """Where a user's key goes: an open list of suggestions first, else the focus."""
    widget = QApplication.activePopupWidget() or QApplication.focusWidget()
    assert widget is not None
    return widget


def type_text(qtbot, text: str) -> None:
    for char in text:
        qtbot.keyClicks(focused(), char)


def press(qtbot, key: Qt.Key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(focused(), key, modifier)
