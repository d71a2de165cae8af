"""Small building blocks shared by the views, so every screen looks the same."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from fieldapp.i18n import t

FORM_WIDTH = 460

# Calm by default: no colour except for messages that need attention.
STYLE = """
QLabel#heading { font-size: 15pt; font-weight: 600; }
QLabel#step { color: palette(placeholder-text); }
QLabel#secondary { color: palette(placeholder-text); }
QLabel#error { color: #a4262c; }
QFrame#note { border: 1px solid palette(mid); border-radius: 4px; background: palette(base); }
QProgressBar#strength { border: 1px solid palette(mid); border-radius: 3px; max-height: 8px; }
QProgressBar#strength::chunk { border-radius: 2px; }
QProgressBar#strength[level="weak"]::chunk { background: #a4262c; }
QProgressBar#strength[level="fair"]::chunk { background: #b7791f; }
QProgressBar#strength[level="good"]::chunk { background: #2f7d4f; }
QTableView { gridline-color: palette(midlight); }
"""

# Large-touch mode (tablets, gloves, bright daylight): bigger text and targets of at least
# about 44 px, the size touch guidelines ask for.
LARGE_TOUCH_STYLE = """
QWidget { font-size: 13pt; }
QLabel#heading { font-size: 18pt; }
QPushButton, QToolButton, QComboBox, QLineEdit, QSpinBox, QDateEdit { min-height: 40px; }
QPushButton { padding: 4px 18px; }
QCheckBox::indicator, QRadioButton::indicator { width: 26px; height: 26px; }
QTableView { font-size: 13pt; }
QHeaderView::section { padding: 8px 6px; }
QMenuBar::item, QMenu::item { padding: 8px 16px; }
"""
ROW_HEIGHT = 28
LARGE_TOUCH_ROW_HEIGHT = 46


def style_sheet(large_touch: bool) -> str:
    return STYLE + (LARGE_TOUCH_STYLE if large_touch else "")


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    label.setAccessibleName(text)
    label.setWordWrap(True)
    return label


def paragraph(text: str = "", *, secondary: bool = False, selectable: bool = False) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if secondary:
        label.setObjectName("secondary")
    if selectable:
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def note(text: str) -> QFrame:
    """A framed paragraph for the one thing on a screen that must not be missed."""
    frame = QFrame()
    frame.setObjectName("note")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 10, 12, 10)
    label = QLabel(text)
    label.setWordWrap(True)
    label.setAccessibleName(text)
    layout.addWidget(label)
    return frame


class MessageLabel(QLabel):
    """Shows one error or status line; hidden while empty so the layout stays quiet."""

    def __init__(self) -> None:
        super().__init__()
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hide()

    def show_error(self, text: str) -> None:
        self.setObjectName("error")
        self._show(text)

    def show_info(self, text: str) -> None:
        self.setObjectName("")
        self._show(text)

    def clear_message(self) -> None:
        self.setText("")
        self.hide()

    def _show(self, text: str) -> None:
        self.style().unpolish(self)  # the object name picks the colour in STYLE
        self.style().polish(self)
        self.setText(text)
        self.setAccessibleName(text)
        self.show()


def passphrase_field(accessible_name: str) -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setAccessibleName(accessible_name)
    field.setInputMethodHints(
        Qt.InputMethodHint.ImhHiddenText
        | Qt.InputMethodHint.ImhSensitiveData
        | Qt.InputMethodHint.ImhNoPredictiveText
    )
    field.setMaxLength(1024)
    return field


def centered_column(content: QWidget) -> QWidget:
    """``content`` at a readable width, centred horizontally, near the top third."""
    content.setMaximumWidth(FORM_WIDTH)
    outer = QWidget()
    row = QHBoxLayout()
    row.addStretch(1)
    row.addWidget(content, 100)
    row.addStretch(1)
    column = QVBoxLayout(outer)
    column.addStretch(1)
    column.addLayout(row)
    column.addStretch(2)
    return outer


def read_only_table(name: str, accessible_key: str, columns: tuple[str, ...]) -> QTableWidget:
    """A table of whole rows to choose from: one row selectable, nothing editable, the Tab key
    leaves it (arrows move inside)."""
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setAccessibleName(t(accessible_key))
    table.setHorizontalHeaderLabels([t(key) for key in columns])
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table
