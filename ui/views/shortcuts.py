"""Help > Shortcuts: every keyboard shortcut of the window, read from the actions themselves so
the list cannot drift from what the keys do."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from fieldapp.i18n import t
from ui.widgets import heading, paragraph


class ShortcutsDialog(QDialog):
    """``rows``: (what it does, key sequence) in the order to show."""

    def __init__(self, rows: list[tuple[str, QKeySequence]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("ui.shortcuts.title"))
        self.setAccessibleName(t("ui.shortcuts.title"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        grid.setColumnStretch(1, 1)
        self.rows: list[tuple[str, str]] = []
        for number, (what, keys) in enumerate(rows):
            key_text = keys.toString(QKeySequence.SequenceFormat.NativeText)
            key_label = QLabel(f"<b>{key_text}</b>")
            key_label.setAccessibleName(key_text)
            what_label = QLabel(what)
            what_label.setWordWrap(True)  # a tablet in large touch: wrap, never cut at the right
            what_label.setAccessibleName(f"{what}: {key_text}")
            grid.addWidget(key_label, number, 0)
            grid.addWidget(what_label, number, 1)
            self.rows.append((what, key_text))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        layout.addWidget(heading(t("ui.shortcuts.title")))
        layout.addLayout(grid)
        layout.addWidget(paragraph(t("ui.shortcuts.more"), secondary=True))
        layout.addWidget(buttons)
