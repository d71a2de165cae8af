"""The field device's sync page: enrolment with the coordinator (fingerprints compared aloud)
and, once enrolled, export of everything changed to a chosen folder.

The vault's connection belongs to the GUI thread: ``prepare_export`` and ``finish_export`` (or
``abandon_export``) run here, only ``write_bundle`` (encryption and writing, no vault) runs on
the runner, with progress and a cancel flag.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.localtime import datetime_text
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync import cards, export
from fieldapp.sync.errors import ExportCancelled
from fieldapp.sync.keys import own_keys
from fieldapp.vault.vault import Vault
from ui.runner import JobRunner
from ui.sync.common import (
    FingerprintLabel,
    button,
    error_text,
    fingerprint_field,
    read_document,
    write_document,
)
from ui.widgets import MessageLabel, heading, paragraph, scrolling
from ui.window_settings import fit_dialog


class _Progress(QObject):
    """Emitted on the worker, delivered on the GUI thread (queued across threads)."""

    changed = Signal(int, int)


class FieldSyncDialog(QDialog):
    def __init__(self, vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.runner = runner
        self._card_raw: bytes | None = None
        self._cancel = threading.Event()
        self._prepared: export.PreparedExport | None = None
        self._closed = False
        self.last_result: export.ExportResult | None = None
        self.setWindowTitle(t("ui.sync.title_field"))
        self.setAccessibleName(t("ui.sync.title_field"))

        self.state = paragraph()
        self.state.setObjectName("sync_state")
        self.message = MessageLabel()
        self.message.setObjectName("sync_message")

        # -- enrolment
        self.enrol_box = QGroupBox()
        self.open_card_button = button("open_card", "ui.sync.open_card", self.open_card)
        self.coordinator_fp = fingerprint_field("coordinator_fp", "ui.sync.coordinator_fingerprint")
        self.coordinator_fp.returnPressed.connect(self.trust)
        self.trust_button = button("trust", "ui.sync.trust", self.trust)
        self.save_request_button = button("save_request", "ui.sync.save_request", self.save_request)
        self.own_fp = FingerprintLabel("ui.sync.fingerprint_own")
        self.own_fp_hint = paragraph(t("ui.sync.fingerprint_hint"), secondary=True)
        self.open_ack_button = button("open_ack", "ui.sync.open_ack", self.open_ack)
        fp_label = QLabel(t("ui.sync.coordinator_fingerprint"))
        fp_label.setBuddy(self.coordinator_fp)
        card_row = QHBoxLayout()
        card_row.addWidget(self.coordinator_fp, 1)
        card_row.addWidget(self.trust_button)
        enrol = QVBoxLayout(self.enrol_box)
        enrol.addWidget(paragraph(t("ui.sync.step_card")))
        enrol.addWidget(self.open_card_button, 0, Qt.AlignmentFlag.AlignLeft)
        enrol.addWidget(fp_label)
        enrol.addLayout(card_row)
        enrol.addWidget(paragraph(t("ui.sync.step_request")))
        enrol.addWidget(self.save_request_button, 0, Qt.AlignmentFlag.AlignLeft)
        enrol.addWidget(self.own_fp_hint)
        enrol.addWidget(self.own_fp)
        enrol.addWidget(paragraph(t("ui.sync.step_ack")))
        enrol.addWidget(self.open_ack_button, 0, Qt.AlignmentFlag.AlignLeft)

        # -- export
        self.export_box = QGroupBox()
        self.pending_label = paragraph()
        self.pending_label.setObjectName("pending")
        self.last_label = paragraph(secondary=True)
        self.export_button = button("export", "ui.sync.export", self.choose_and_export)
        self.progress = QProgressBar()
        self.progress.setObjectName("export_progress")
        self.progress.setAccessibleName(t("ui.sync.progress"))
        self.progress.setRange(0, 1000)
        self.cancel_button = button("cancel_export", "ui.sync.cancel", self.cancel_export)
        self.result_label = paragraph(selectable=True)
        self.result_label.setObjectName("export_result")
        # A bundle lost on the way (the coordinator's import names the missing numbers).
        self.resend_field = QLineEdit()
        self.resend_field.setObjectName("resend_range")
        self.resend_field.setPlaceholderText(t("ui.sync.resend_placeholder"))
        self.resend_field.setAccessibleName(t("ui.sync.resend_label"))
        self.resend_field.setMaximumWidth(160)
        self.resend_field.returnPressed.connect(self.choose_and_resend)
        self.resend_button = button("resend", "ui.sync.resend", self.choose_and_resend)
        resend_label = QLabel(t("ui.sync.resend_label"))
        resend_label.setBuddy(self.resend_field)
        resend_row = QHBoxLayout()
        resend_row.addWidget(resend_label)
        resend_row.addWidget(self.resend_field)
        resend_row.addWidget(self.resend_button)
        resend_row.addStretch(1)
        progress_row = QHBoxLayout()
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        box = QVBoxLayout(self.export_box)
        box.addWidget(self.pending_label)
        box.addWidget(self.last_label)
        box.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addLayout(resend_row)
        box.addLayout(progress_row)
        box.addWidget(self.result_label)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(t("ui.sync.close"))
        close.setAccessibleName(t("ui.sync.close"))
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(heading(t("ui.sync.title_field")))
        column.addWidget(self.state)
        column.addWidget(self.enrol_box)
        column.addWidget(self.export_box)
        column.addWidget(self.message)
        column.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.addWidget(scrolling(content), 1)  # a tablet is lower than the page
        layout.addWidget(buttons)
        fit_dialog(self, QSize(720, 640))
        self._set_exporting(False)
        self.refresh()

    # -- state ---------------------------------------------------------------------------

    def _usable(self) -> bool:
        return not self._closed and self.vault.is_open

    def refresh(self) -> None:
        if not self._usable():
            return
        sync = SyncStore(self.vault)
        trusted = sync.trusted_coordinator()
        enrolled = trusted is not None and trusted.enrolled_at is not None
        if trusted is None:
            self.state.setText(t("ui.sync.state_not_trusted"))
        elif enrolled:
            self.state.setText(t("ui.sync.state_enrolled", fingerprint=trusted.fingerprint))
        elif trusted.requested_at is not None:
            self.state.setText(t("ui.sync.state_requested"))
        else:
            self.state.setText(t("ui.sync.state_trusted"))
        self.enrol_box.setVisible(not enrolled)
        self.export_box.setVisible(enrolled)
        has_card = self._card_raw is not None
        self.coordinator_fp.setEnabled(has_card)
        self.trust_button.setEnabled(has_card)
        self.save_request_button.setEnabled(trusted is not None)
        self.open_ack_button.setEnabled(trusted is not None and trusted.requested_at is not None)
        if trusted is not None and trusted.requested_at is not None and not enrolled:
            self.show_own_fingerprint()
        if enrolled:
            self.pending_label.setText(t("ui.sync.pending", count=sync.pending_changes()))
            exported = sync.outgoing("exported")
            if exported:
                last = exported[-1]
                self.last_label.setText(
                    t(
                        "ui.sync.last_export",
                        seq=last.seq,
                        when=datetime_text(last.exported_at) or "-",
                    )
                )
            else:
                self.last_label.setText(t("ui.sync.no_export"))

    def show_own_fingerprint(self) -> None:
        self.own_fp.show_fingerprint(own_keys(self.vault).fingerprint)
        self.own_fp_hint.show()

    # -- enrolment -----------------------------------------------------------------------

    def open_card(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, t("ui.sync.card_title"), "", t("ui.sync.card_filter")
        )
        if not path or not self._usable():
            return
        try:
            raw = read_document(Path(path))
            cards.parse_card(raw)  # refuse a damaged file now, before anything is typed
        except (FieldAppError, OSError) as exc:
            self.message.show_error(error_text(exc))
            return
        self._card_raw = raw
        self.coordinator_fp.clear()
        self.message.show_info(t("ui.sync.card_loaded", name=Path(path).name))
        self.refresh()
        self.coordinator_fp.setFocus()

    def trust(self) -> None:
        if self._card_raw is None or not self._usable():
            return
        try:
            cards.trust_coordinator(self.vault, self._card_raw, self.coordinator_fp.text())
        except FieldAppError as exc:
            self.message.show_error(error_text(exc))
            self.coordinator_fp.setFocus()
            self.coordinator_fp.selectAll()
            return
        self._card_raw = None
        self.coordinator_fp.clear()
        self.message.show_info(t("ui.sync.trusted"))
        self.refresh()
        self.save_request_button.setFocus()

    def save_request(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, t("ui.sync.request_title"), t("ui.sync.request_file"), t("ui.sync.json_filter")
        )
        if not path or not self._usable():
            return
        try:
            raw, fingerprint = cards.make_request(self.vault)
            write_document(Path(path), raw)
        except (FieldAppError, OSError) as exc:
            self.message.show_error(error_text(exc))
            return
        self.message.show_info(t("ui.sync.request_saved", name=Path(path).name))
        self.refresh()
        self.own_fp.show_fingerprint(fingerprint)
        self.own_fp.setFocus()

    def open_ack(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, t("ui.sync.ack_title"), "", t("ui.sync.card_filter")
        )
        if not path or not self._usable():
            return
        try:
            cards.accept_ack(self.vault, read_document(Path(path)))
        except (FieldAppError, OSError) as exc:
            self.message.show_error(error_text(exc))
            return
        self.own_fp.clear_fingerprint()
        self.own_fp_hint.hide()
        self.message.show_info(t("ui.sync.enrolled"))
        self.refresh()
        self.export_button.setFocus()

    # -- export --------------------------------------------------------------------------

    @property
    def exporting(self) -> bool:
        return self._prepared is not None

    def _set_exporting(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        self.resend_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)

    def choose_and_export(self) -> None:
        if self.exporting:
            return
        folder = QFileDialog.getExistingDirectory(self, t("ui.sync.export_title"))
        if folder and self._usable():
            self.export_to(Path(folder))

    def choose_and_resend(self) -> None:
        """Send lost bundles again: their records in a new bundle that says which seqs it
        replaces, so the coordinator's gap warning ends."""
        if self.exporting:
            return
        try:
            resend = export.parse_resend_range(self.resend_field.text())
        except FieldAppError as exc:
            self.message.show_error(exc.message())
            self.resend_field.setFocus()
            return
        folder = QFileDialog.getExistingDirectory(self, t("ui.sync.export_title"))
        if folder and self._usable():
            self.export_to(Path(folder), resend=resend)

    def export_to(self, folder: Path, resend: tuple[int, ...] = ()) -> None:
        """Prepare here, write on the runner, finish back here."""
        if self.exporting or not self._usable():
            return
        self.result_label.clear()
        self.message.clear_message()
        try:
            prepared = export.prepare_export(self.vault, folder, resend=resend)
        except (FieldAppError, OSError) as exc:
            self.message.show_error(t("ui.sync.export_failed", reason=error_text(exc)))
            return
        if prepared is None:
            self.message.show_info(t("ui.sync.nothing"))
            return
        self._prepared = prepared
        self._cancel = threading.Event()
        cancel = self._cancel
        relay = _Progress()  # no parent: it may outlive the dialog
        relay.changed.connect(self._on_progress)
        self.progress.setValue(0)
        self._set_exporting(True)
        self.message.show_info(t("ui.sync.exporting"))
        self.cancel_button.setFocus()
        self.runner.run(
            lambda: export.write_bundle(
                prepared, progress=relay.changed.emit, cancel=cancel.is_set
            ),
            lambda written: self._written(prepared, written, relay),
            lambda exc: self._write_failed(prepared, exc, relay),
        )

    def _on_progress(self, done: int, total: int) -> None:
        if total > 0:
            self.progress.setValue(min(1000, done * 1000 // total))

    def cancel_export(self) -> None:
        self._cancel.set()
        self.cancel_button.setEnabled(False)

    def _written(
        self, prepared: export.PreparedExport, written: export.WrittenBundle, relay: QObject
    ) -> None:
        relay.deleteLater()
        if self._prepared is prepared:
            self._prepared = None
        if not self.vault.is_open:
            return  # locked meanwhile: the next export adopts the complete file
        try:
            result = export.finish_export(self.vault, prepared, written)
        except (FieldAppError, OSError) as exc:
            if self._closed:
                return
            self._end_export()
            self.message.show_error(t("ui.sync.export_failed", reason=error_text(exc)))
            return
        self.last_result = result
        if self._closed:
            return
        self._end_export()
        self.message.clear_message()
        text = t("ui.sync.exported", seq=result.seq, path=str(result.path))
        if result.resends:
            self.resend_field.clear()
            text += "\n" + tn("ui.sync.resent", len(result.resends), seqs=_seq_text(result.resends))
        if result.remaining:
            text += "\n" + tn("ui.sync.export_remaining", result.remaining)
        self.result_label.setText(text)
        self.refresh()

    def _write_failed(
        self, prepared: export.PreparedExport, exc: BaseException, relay: QObject
    ) -> None:
        relay.deleteLater()
        if self._prepared is prepared:
            self._prepared = None
        if self.vault.is_open:
            export.abandon_export(self.vault, prepared)
        if self._closed:
            return
        self._end_export()
        if isinstance(exc, ExportCancelled):
            self.message.show_info(exc.message())
            return
        if not isinstance(exc, FieldAppError | OSError):
            sys.excepthook(type(exc), exc, exc.__traceback__)
        self.message.show_error(t("ui.sync.export_failed", reason=error_text(exc)))

    def _end_export(self) -> None:
        self._set_exporting(False)
        self.refresh()
        self.export_button.setFocus()

    # -- closing -------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing (also by the lock) cancels a running export and forgets the card."""
        self._cancel.set()
        self._closed = True
        self._card_raw = None
        self.coordinator_fp.clear()
        self.own_fp.clear_fingerprint()
        super().done(result)


def _seq_text(seqs: tuple[int, ...]) -> str:
    return str(seqs[0]) if len(seqs) == 1 else f"{seqs[0]}-{seqs[-1]}"
