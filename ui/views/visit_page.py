"""The page that holds the visit editor (``ui.visit.editor.VisitEditor``, built separately).
The editor has its own way back (Escape, its back button); the window adds Ctrl+W."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget


class VisitPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.editor: QWidget | None = None

    def set_editor(self, editor: QWidget | None) -> None:
        if self.editor is not None:
            self._layout.removeWidget(self.editor)
            self.editor.hide()
            self.editor.setParent(None)
            self.editor.deleteLater()
        self.editor = editor
        if editor is not None:
            self._layout.addWidget(editor, 1)
            editor.show()
