"""The page that holds the visit editor (``ui.visit.editor.VisitEditor``, built separately).
The editor has its own way back (Escape, its back button); the window adds Ctrl+W.

Above the editor, on a field device, one quiet line says when the signal list new
observations use is one the coordinator sent (a reply installed it, issue 16): the inspector
then knows why the list may differ from the one the program came with. Nothing is shown
otherwise."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QVBoxLayout, QWidget

from fieldapp.domain import Role
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.localtime import date_text
from ui.widgets import paragraph

if TYPE_CHECKING:
    from fieldapp.vault.vault import VaultLike


class VisitPage(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self.catalogue_notice = paragraph(secondary=True)
        self.catalogue_notice.setContentsMargins(12, 6, 12, 6)
        self.catalogue_notice.hide()
        self._layout.addWidget(self.catalogue_notice)
        self.editor: QWidget | None = None

    def set_editor(self, editor: QWidget | None) -> None:
        if self.editor is not None:
            self._layout.removeWidget(self.editor)
            self.editor.hide()
            self.editor.setParent(None)
            self.editor.deleteLater()
        self.editor = editor
        self.show_catalogue_notice(editor)
        if editor is not None:
            self._layout.addWidget(editor, 1)
            editor.show()

    def show_catalogue_notice(self, editor: QWidget | None) -> None:
        """The line about a signal list the coordinator sent, for the editor's catalogue (the
        one its new observations are made with)."""
        text = None if editor is None else _catalogue_notice(editor)
        self.catalogue_notice.setText(text or "")
        self.catalogue_notice.setAccessibleName(text or "")
        self.catalogue_notice.setVisible(text is not None)


def _catalogue_notice(editor: QWidget) -> str | None:
    """Read from the editor's store and catalogue (``VisitEditor``'s ``controller.store`` and
    ``catalogue``; this layer cannot import the editor, and a stand-in without them gets no
    line)."""
    store = getattr(getattr(editor, "controller", None), "store", None)
    vault: VaultLike | None = getattr(store, "vault", None)
    version = getattr(getattr(editor, "catalogue", None), "version", None)
    if vault is None or not isinstance(version, str) or vault.info.role is not Role.FIELD:
        return None
    from fieldapp.store.reply_store import ReplyStore  # noqa: PLC0415 - keep start-up light: the store loads with the first visit opened

    try:
        arrivals = ReplyStore(vault).installed_catalogues()
    except FieldAppError:  # locked meanwhile: no line rather than no page
        return None
    for arrival in arrivals:
        if arrival.version == version:
            return t(
                "ui.sync.reply.catalogue_in_use",
                version=version,
                date=date_text(arrival.installed_at),
            )
    return None
