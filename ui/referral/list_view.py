"""Doorverwijzingen: every referral in the vault with the visit (site name, date) and the
persons it is about, and its status; Enter (or a double click) shows one, and it can be
exported from here as from the preview."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QModelIndex, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.store.store import Store
from ui.referral.controller import referral_pdf
from ui.referral.dialog import fitted_size
from ui.referral.export import ReferralExporter, describe_export_error
from ui.referral.list_model import DATE_COLUMN, ReferralListModel
from ui.referral.preview import PreviewDialog
from ui.widgets import ROW_HEIGHT, MessageLabel, heading, paragraph


class _Table(QTableView):
    """Enter and Return open the current row (the visits list does the same)."""

    activated_row = Signal(int)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.currentIndex().isValid():
            self.activated_row.emit(self.currentIndex().row())
            return
        super().keyPressEvent(event)


class ReferralsView(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.model = ReferralListModel(self)
        self.exporter = ReferralExporter(store, self)
        self.preview_dialog: PreviewDialog | None = None

        self.table = _Table()
        self.table.setObjectName("referrals")
        self.table.setAccessibleName(t("ui.referral.list.table"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(True)
        self.table.horizontalHeader().setSortIndicator(DATE_COLUMN, Qt.SortOrder.DescendingOrder)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        self.table.doubleClicked.connect(lambda index: self.open_row(index.row()))
        self.table.activated_row.connect(self.open_row)

        self.empty = QLabel(t("ui.referral.list.empty"))
        self.empty.setObjectName("secondary")
        self.empty.setWordWrap(True)
        self.message = MessageLabel()
        self.open_button = self._button("open", "ui.referral.list.open", self.open_current)
        self.export_button = self._button(
            "export", "ui.referral.preview.export", lambda: self.export_current(encrypt=True)
        )
        self.plain_button = self._button(
            "export_plain",
            "ui.referral.preview.export_plain",
            lambda: self.export_current(encrypt=False),
        )
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.plain_button)
        buttons.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(heading(t("ui.referral.list.heading")))
        layout.addWidget(paragraph(t("ui.referral.list.intro"), secondary=True))
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.model.modelReset.connect(self._update)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._update_buttons())
        self.model.set_store(store)

    def _button(self, name: str, key: str, slot: Callable[[], object]) -> QPushButton:
        button = QPushButton(t(key))
        button.setObjectName(name)
        button.setAccessibleName(t(key).replace("…", "").replace("&", ""))
        button.setAutoDefault(False)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def _update(self) -> None:
        has_rows = self.model.rowCount() > 0
        self.table.setVisible(has_rows)
        self.empty.setVisible(not has_rows)
        if has_rows and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.resizeColumnsToContents()
        self._update_buttons()

    def _update_buttons(self) -> None:
        selected = self.table.currentIndex().isValid()
        for button in (self.open_button, self.export_button, self.plain_button):
            button.setEnabled(selected)

    def focus_table(self) -> None:
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def select(self, referral_uuid: str) -> None:
        row = self.model.row_of(referral_uuid)
        if row is not None:
            self.table.setCurrentIndex(self.model.index(row, 0))

    def current_row(self) -> int:
        index: QModelIndex = self.table.currentIndex()
        return index.row() if index.isValid() else -1

    # -- acting on a row -----------------------------------------------------------------

    def open_current(self) -> PreviewDialog | None:
        return self.open_row(self.current_row())

    def open_row(self, row: int) -> PreviewDialog | None:
        referral = self.model.referral(row)
        if referral is None:
            return None
        try:
            pdf = referral_pdf(self.store, referral)
        except (FieldAppError, OSError) as exc:
            self.message.show_error(describe_export_error(exc))
            return None
        if self.preview_dialog is not None:
            self.preview_dialog.reject()
        dialog = PreviewDialog(self.store, referral, pdf, self)
        dialog.finished.connect(lambda _result: self._forget(dialog))
        self.preview_dialog = dialog
        dialog.open()
        return dialog

    def _forget(self, dialog: PreviewDialog) -> None:
        if self.preview_dialog is dialog:
            self.preview_dialog = None
        dialog.deleteLater()
        self.focus_table()

    def export_current(self, *, encrypt: bool = True) -> Path | None:
        referral = self.model.referral(self.current_row())
        if referral is None:
            return None
        try:
            pdf = referral_pdf(self.store, referral)
            target = self.exporter.export(referral, pdf, encrypt=encrypt)
        except (FieldAppError, OSError) as exc:
            self.message.show_error(describe_export_error(exc))
            return None
        if target is not None:
            key = "ui.referral.export.done" if encrypt else "ui.referral.export.done_plain"
            self.message.show_info(t(key, name=target.name))
        return target

    def clear(self) -> None:
        if self.preview_dialog is not None:
            self.preview_dialog.reject()
        if self.exporter.password_dialog is not None:
            self.exporter.password_dialog.reject()
        self.model.clear()


class ReferralsDialog(QDialog):
    """The list as a window of its own, opened from the main window (Doorverwijzingen)."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(t("ui.referral.list.title"))
        self.setAccessibleName(t("ui.referral.list.title"))
        self.view = ReferralsView(store)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(t("ui.referral.close"))
        close.setAccessibleName(t("ui.referral.close"))
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        screen = self.screen() or QApplication.primaryScreen()
        preferred = QSize(1000, 560)
        self.resize(
            fitted_size(screen.availableGeometry().size(), preferred) if screen else preferred
        )
        refresh = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self)
        refresh.activated.connect(self.view.model.reload)
        self.finished.connect(lambda _result: self.view.clear())
        self.view.focus_table()
