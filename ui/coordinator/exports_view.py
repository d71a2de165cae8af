"""The workspace tab ``exports``: the CTDC export in its two modes (the public k-anonymous file,
k chosen, with what was kept, what was held back and the detail per column group; or the full
file for a partner under a data-sharing agreement, encrypted for the partner's age key) and
the coordinator's own table of the visits the merged picture's
filters show, as CSV or XLSX, encrypted with a passphrase unless the coordinator confirms a
plain file after a clear warning.

The work runs on the runner: a worker opens its own connection to the vault (the GUI thread's
never leaves it) with a copy of the key that is wiped once opened, collects the rows, builds
the file in memory and writes it atomically. The audit entry is written back on the GUI
thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldAppError
from fieldapp.exports import ctdc, table
from fieldapp.i18n import current_language, t, tn
from fieldapp.store.filters import VisitFilter
from fieldapp.vault.vault import Vault
from fieldapp.vault.worker import WorkerVaultKey
from ui.runner import JobRunner
from ui.sync.common import button, error_text
from ui.widgets import MessageLabel, heading, note, paragraph, passphrase_field

FilterSource = Callable[[], VisitFilter | None]
FIELD_WIDTH = 420


class ExportsView(QWidget):
    """``ExportsView(vault, runner, parent)``."""

    finished = Signal(str)  # "ctdc" or "table", after a file was written

    def __init__(self, vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.runner = runner
        self._filter_source: FilterSource | None = None
        self.busy = False
        self.last_ctdc: ctdc.CtdcResult | None = None
        self.last_table: table.TableExport | None = None

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(12)
        column.addWidget(heading(t("ui.exports.title")))
        column.addWidget(self._ctdc_box())
        column.addWidget(self._table_box())
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self._encryption_changed()

    # -- building --------------------------------------------------------------------------

    def _ctdc_box(self) -> QGroupBox:
        box = QGroupBox(t("ui.exports.ctdc_title"))
        self.ctdc_mode = QComboBox()
        self.ctdc_mode.setObjectName("ctdc_mode")
        self.ctdc_mode.setAccessibleName(t("ui.exports.ctdc_mode"))
        self.ctdc_mode.addItem(t("ui.exports.ctdc_mode_public"), "public")
        self.ctdc_mode.addItem(t("ui.exports.ctdc_mode_full"), "full")
        self.ctdc_mode.currentIndexChanged.connect(self._ctdc_mode_changed)
        self.k = QSpinBox()
        self.k.setObjectName("ctdc_k")
        self.k.setRange(ctdc.MIN_K, ctdc.MAX_K)
        self.k.setValue(ctdc.DEFAULT_K)
        self.k.setAccessibleName(t("ui.exports.k"))
        self.k.setToolTip(t("ui.exports.k_tip"))
        self.recipient = QLineEdit()
        self.recipient.setObjectName("ctdc_recipient")
        self.recipient.setAccessibleName(t("ui.exports.ctdc_recipient"))
        self.recipient.setPlaceholderText("age1...")
        self.recipient_hint = paragraph(t("ui.exports.ctdc_recipient_hint"), secondary=True)
        self.ctdc_button = button("ctdc_export", "ui.exports.ctdc_export", self.export_ctdc)
        self.ctdc_result = MessageLabel()
        self.ctdc_result.setObjectName("ctdc_result")
        for widget in (self.ctdc_mode, self.recipient):
            widget.setMaximumWidth(FIELD_WIDTH)
        self.ctdc_form = QFormLayout()
        self.ctdc_form.addRow(t("ui.exports.ctdc_mode"), self.ctdc_mode)
        self.k_row = QHBoxLayout()
        self.k_row.addWidget(self.k)
        self.k_row.addStretch(1)
        k_label = QLabel(t("ui.exports.k"))
        k_label.setBuddy(self.k)
        self.ctdc_form.addRow(k_label, self.k_row)
        self.ctdc_form.addRow(t("ui.exports.ctdc_recipient"), self.recipient)
        layout = QVBoxLayout(box)
        layout.addWidget(paragraph(t("ui.exports.ctdc_explain"), secondary=True))
        layout.addLayout(self.ctdc_form)
        layout.addWidget(self.recipient_hint)
        layout.addWidget(self.ctdc_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.ctdc_result)
        self._ctdc_mode_changed()
        return box

    def _table_box(self) -> QGroupBox:
        box = QGroupBox(t("ui.exports.table_title"))
        self.scope = paragraph(secondary=True)
        self.scope.setObjectName("table_scope")
        self.format = QComboBox()
        self.format.setObjectName("table_format")
        self.format.setAccessibleName(t("ui.exports.format"))
        self.format.addItem(t("ui.exports.format_xlsx"), "xlsx")
        self.format.addItem(t("ui.exports.format_csv"), "csv")
        self.encrypt = QCheckBox(t("ui.exports.encrypt"))
        self.encrypt.setObjectName("table_encrypt")
        self.encrypt.setChecked(True)
        self.encrypt.toggled.connect(self._encryption_changed)
        self.passphrase = passphrase_field(t("ui.exports.passphrase"))
        self.passphrase.setObjectName("table_passphrase")
        self.repeat = passphrase_field(t("ui.exports.repeat"))
        self.repeat.setObjectName("table_repeat")
        self.passphrase_hint = paragraph(t("ui.exports.passphrase_hint"), secondary=True)
        self.warning = note(t("ui.exports.unencrypted_warning"))  # object name "note": styled
        self.confirm_plain = QCheckBox(t("ui.exports.confirm_unencrypted"))
        self.confirm_plain.setObjectName("table_confirm_unencrypted")
        self.confirm_plain.toggled.connect(self._update_buttons)
        self.table_button = button("table_export", "ui.exports.table_export", self.export_table)
        self.table_result = MessageLabel()
        self.table_result.setObjectName("table_result")

        for field in (self.format, self.passphrase, self.repeat):
            field.setMaximumWidth(FIELD_WIDTH)
        self.table_form = QFormLayout()
        self.table_form.addRow(t("ui.exports.format"), self.format)
        self.table_form.addRow("", self.encrypt)
        self.table_form.addRow(t("ui.exports.passphrase"), self.passphrase)
        self.table_form.addRow(t("ui.exports.repeat"), self.repeat)
        layout = QVBoxLayout(box)
        layout.addWidget(paragraph(t("ui.exports.table_explain"), secondary=True))
        layout.addWidget(self.scope)
        layout.addLayout(self.table_form)
        layout.addWidget(self.passphrase_hint)
        layout.addWidget(self.warning)
        layout.addWidget(self.confirm_plain)
        layout.addWidget(self.table_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.table_result)
        return box

    # -- which visits ------------------------------------------------------------------------

    def set_filter_source(self, source: FilterSource | None) -> None:
        """Where the table's visits come from: a function giving the merged picture's current
        filter (the workspace sets it); without one, or while it gives None, every visit."""
        self._filter_source = source
        self.update_scope()

    def current_filter(self) -> VisitFilter:
        if self._filter_source is not None:
            return self._filter_source() or VisitFilter()
        return VisitFilter()

    def update_scope(self) -> None:
        if not self.vault.is_open:
            return
        count = len(table.visit_ids_for(self.vault, self.current_filter()))
        filtered = self.current_filter() != VisitFilter()
        key = "ui.exports.scope_filtered" if filtered else "ui.exports.scope_all"
        self.scope.setText(tn(key, count))
        self.scope.setAccessibleName(self.scope.text())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.update_scope()

    # -- state -------------------------------------------------------------------------------

    def ctdc_mode_value(self) -> str:
        return str(self.ctdc_mode.currentData())

    def _ctdc_mode_changed(self) -> None:
        """k belongs to the public file, the recipient's key to the full one."""
        full = self.ctdc_mode_value() == "full"
        self.ctdc_form.setRowVisible(self.k_row, not full)
        self.ctdc_form.setRowVisible(self.recipient, full)
        self.recipient_hint.setVisible(full)

    def _encryption_changed(self) -> None:
        encrypted = self.encrypt.isChecked()
        for field in (self.passphrase, self.repeat):
            self.table_form.setRowVisible(field, encrypted)
        self.passphrase_hint.setVisible(encrypted)
        self.warning.setVisible(not encrypted)
        self.confirm_plain.setVisible(not encrypted)
        if encrypted:
            self.confirm_plain.setChecked(False)
        self._update_buttons()

    def _update_buttons(self) -> None:
        plain_ok = self.encrypt.isChecked() or self.confirm_plain.isChecked()
        self.table_button.setEnabled(not self.busy and plain_ok)
        self.ctdc_button.setEnabled(not self.busy)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _usable(self) -> bool:
        return self.vault.is_open and not self.busy

    # -- CTDC --------------------------------------------------------------------------------

    def export_ctdc(self) -> None:
        if not self._usable():
            return
        mode = self.ctdc_mode_value()
        recipient = self.recipient.text().strip()
        if mode == "full" and not recipient:
            self.ctdc_result.show_error(t("ui.exports.ctdc_recipient_missing"))
            return
        recipients: tuple[str, ...] = (recipient,) if mode == "full" else ()
        try:
            ctdc.check_protection(mode, recipients, confirm_unencrypted=False)
        except FieldAppError as exc:
            self.ctdc_result.show_error(exc.message())
            return
        path, _ = QFileDialog.getSaveFileName(
            self, t("ui.exports.ctdc_save_title"), "ctdc.csv", t("ui.exports.csv_filter")
        )
        if not path or not self._usable():
            return
        chosen = Path(path)
        encrypted = bool(recipients)
        target = ctdc.output_path(chosen, encrypted)
        # The save dialog asked about the name chosen; a name we extended was not asked about.
        if target != chosen and target.exists():
            self.ctdc_result.show_error(t("exports.file_exists", path=target.name))
            return
        k = self.k.value()
        key = WorkerVaultKey(self.vault)

        def job() -> ctdc.CtdcResult:
            with key.open() as worker:
                rows = ctdc.collect_rows(worker)
            result = ctdc.make(rows, mode, k)
            ctdc.write_file(ctdc.file_bytes(result, recipients), target)
            return result

        self.ctdc_result.show_info(t("ui.exports.working"))
        self._set_busy(True)
        self.runner.run(
            job,
            lambda result: self._ctdc_done(result, target, encrypted),
            lambda exc: self._failed(exc, self.ctdc_result, key),
        )

    def _ctdc_done(self, result: ctdc.CtdcResult, target: Path, encrypted: bool) -> None:
        self._set_busy(False)
        self.last_ctdc = result
        if self.vault.is_open:
            self.vault.record("export", ctdc.audit_kind(result.mode, encrypted), None)
        lines = ctdc.summary(result, target.name, encrypted=encrypted)
        self.ctdc_result.show_info(" ".join(lines))
        self.finished.emit("ctdc")

    # -- the table ------------------------------------------------------------------------------

    def export_table(self) -> None:
        if not self._usable():
            return
        fmt = str(self.format.currentData())
        encrypted = self.encrypt.isChecked()
        secret: str | None = None
        if encrypted:
            secret = self.passphrase.text()
            if secret != self.repeat.text():
                self.table_result.show_error(t("passphrase.mismatch"))
                return
        try:
            table.check_protection(secret, self.confirm_plain.isChecked())
        except FieldAppError as exc:
            self.table_result.show_error(exc.message())
            return
        path, _ = QFileDialog.getSaveFileName(
            self,
            t("ui.exports.table_save_title"),
            t("ui.exports.table_file", fmt=fmt),
            t(f"ui.exports.{fmt}_filter"),
        )
        if not path or not self._usable():
            return
        chosen = Path(path)
        target = table.target_path(chosen, fmt, encrypted)
        # The save dialog asked about the name chosen; a name we extended was not asked about.
        overwrite = target == chosen
        if target.exists() and not overwrite:
            self.table_result.show_error(t("exports.file_exists", path=target.name))
            return
        visit_ids = table.visit_ids_for(self.vault, self.current_filter())
        lang = current_language()
        key = WorkerVaultKey(self.vault)

        def job() -> table.TableExport:
            with key.open() as worker:
                rows = table.table_rows(worker, visit_ids)
            table.write_file(table.build_file(rows, fmt, secret, lang), target, overwrite=overwrite)
            return table.TableExport(target, len(rows), encrypted)

        self.table_result.show_info(t("ui.exports.working"))
        self._set_busy(True)
        self.runner.run(
            job, self._table_done, lambda exc: self._failed(exc, self.table_result, key)
        )

    def _table_done(self, result: table.TableExport) -> None:
        self._set_busy(False)
        self.last_table = result
        self.passphrase.clear()
        self.repeat.clear()
        if self.vault.is_open:
            table.record_export(self.vault, result.encrypted)
        key = "ui.exports.table_done_encrypted" if result.encrypted else "ui.exports.table_done"
        self.table_result.show_info(tn(key, result.rows, name=result.path.name))
        self.finished.emit("table")

    def _failed(self, exc: BaseException, label: MessageLabel, key: WorkerVaultKey) -> None:
        key.discard()
        self._set_busy(False)
        label.show_error(error_text(exc))

    # -- the workspace -----------------------------------------------------------------------

    def clear(self) -> None:
        """Nothing from the vault stays in the view (the workspace closes, the vault locks)."""
        self.passphrase.clear()
        self.repeat.clear()
        self.confirm_plain.setChecked(False)
        self.encrypt.setChecked(True)
        self.recipient.clear()
        self.ctdc_result.clear_message()
        self.table_result.clear_message()
        self.scope.clear()
        self.last_ctdc = None
        self.last_table = None
