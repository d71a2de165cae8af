"""The coordinator's sync page: the card with its fingerprint, approving a device's enrolment
request after comparing its fingerprint, the enrolled devices (revocation, a reply on demand),
and the import of bundles with a report per bundle, followed by a reply to each device that
sent something, written next to the bundles (the stick goes back to the inspectors).

Import works on the vault's connection, which belongs to the GUI thread: no worker. Each
bundle, and each reply after it, is one step of a chain of zero-delay timers, so the window
repaints (and a lock can only come) between them; one bundle is one transaction.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldapp import reply
from fieldapp.agencies import agency_name
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.localtime import datetime_text
from fieldapp.store.reply_store import ReplyStore
from fieldapp.store.sync_store import Device, SyncStore
from fieldapp.sync import cards, import_, keys
from fieldapp.sync.errors import EnrolmentError
from fieldapp.sync.keys import normalise_fingerprint
from fieldapp.vault.vault import Vault
from ui.sync.attention import AttentionBox
from ui.sync.common import (
    STATUS_ROLE,
    FingerprintLabel,
    button,
    error_text,
    fingerprint_field,
    item,
    plain,
    plain_label,
    read_document,
    short_device_id,
    write_document,
)
from ui.widgets import MessageLabel, heading, paragraph, read_only_table
from ui.window_settings import fit_dialog

DEVICE_COLUMNS = (
    "ui.sync.col_device",
    "ui.sync.col_inspector",
    "ui.sync.col_agency",
    "ui.sync.col_enrolled",
    "ui.sync.col_state",
    "ui.sync.col_bundles",
    "ui.sync.col_missing",
    "ui.sync.col_last_reply",
)
REPORT_COLUMNS = (
    "ui.sync.col_file",
    "ui.sync.col_device",
    "ui.sync.col_status",
    "ui.sync.col_counts",
    "ui.sync.col_warnings",
    "ui.sync.col_reason",
)


def _total(bucket: dict[str, int]) -> int:
    return sum(bucket.values())


def device_label(device_id: str | None, inspector: str | None, agency: str | None) -> str:
    """A device as the import report names it: its id, with the inspector and agency."""
    who = device_id or "-"
    if inspector or agency:
        who += f" ({inspector or '-'}, {agency_name(agency) or '-'})"
    return who


class CoordinatorSyncDialog(QDialog):
    imported = Signal(int)
    """After an import run that brought bundles in (their number): the lists showing the
    vault's visits reload, rather than saying "0 visits" until the user refreshes them."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self._request_raw: bytes | None = None
        self._closed = False
        self._run: import_.ImportRun | None = None  # while importing
        self.reports: list[import_.BundleReport] = []  # of the last import
        self._import_folder: Path | None = None  # where the bundles of the last import were
        self._reply_queue: list[str] | None = None  # devices still to answer, while writing
        self._reply_folder = Path()
        self.replies_written: list[reply.WrittenReply] = []  # of the last run of replies
        self.replies_failed: list[tuple[str, str]] = []  # (device, why not)
        self.setWindowTitle(t("ui.sync.title_coordinator"))
        self.setAccessibleName(t("ui.sync.title_coordinator"))
        self.message = MessageLabel()
        self.message.setObjectName("sync_message")

        # -- card and approval
        enrol_box = QGroupBox()
        self.save_card_button = button("save_card", "ui.sync.save_card", self.save_card)
        self.own_fp = FingerprintLabel("ui.sync.fingerprint_coordinator_own")
        self.own_fp_hint = paragraph(t("ui.sync.fingerprint_hint"), secondary=True)
        self.own_fp_hint.hide()
        self.open_request_button = button("open_request", "ui.sync.approve_open", self.open_request)
        self.request_label = paragraph()
        self.request_label.setObjectName("request")
        self.device_fp = fingerprint_field("device_fp", "ui.sync.device_fingerprint")
        self.device_fp.returnPressed.connect(self.approve)
        self.approve_button = button("approve", "ui.sync.approve", self.approve)
        fp_label = QLabel(t("ui.sync.device_fingerprint"))
        fp_label.setBuddy(self.device_fp)
        approve_row = QHBoxLayout()
        approve_row.addWidget(self.device_fp, 1)
        approve_row.addWidget(self.approve_button)
        enrol = QVBoxLayout(enrol_box)
        enrol.addWidget(self.save_card_button, 0, Qt.AlignmentFlag.AlignLeft)
        enrol.addWidget(self.own_fp_hint)
        enrol.addWidget(self.own_fp)
        enrol.addWidget(self.open_request_button, 0, Qt.AlignmentFlag.AlignLeft)
        enrol.addWidget(self.request_label)
        enrol.addWidget(fp_label)
        enrol.addLayout(approve_row)

        # -- devices
        devices_box = QGroupBox(t("ui.sync.devices"))
        self.devices = read_only_table("devices", "ui.sync.devices", DEVICE_COLUMNS)
        self.devices_empty = paragraph(t("ui.sync.devices_empty"), secondary=True)
        self.revoke_button = button("revoke", "ui.sync.revoke", self.revoke_current)
        self.make_reply_button = button("make_reply", "ui.sync.reply.make", self.reply_to_current)
        self.devices.itemSelectionChanged.connect(self._update_buttons)
        device_buttons = QHBoxLayout()
        device_buttons.addWidget(self.revoke_button)
        device_buttons.addWidget(self.make_reply_button)
        device_buttons.addStretch(1)
        devices = QVBoxLayout(devices_box)
        devices.addWidget(self.devices, 1)
        devices.addWidget(self.devices_empty)
        devices.addLayout(device_buttons)

        # -- import
        import_box = QGroupBox(t("ui.sync.report"))
        self.import_files_button = button("import_files", "ui.sync.import_files", self.choose_files)
        self.import_folder_button = button(
            "import_folder", "ui.sync.import_folder", self.choose_folder
        )
        self.progress = QProgressBar()
        self.progress.setObjectName("import_progress")
        self.progress.setAccessibleName(t("ui.sync.import_progress"))
        self.progress.setFormat(t("ui.sync.importing", done="%v", total="%m"))
        self.progress.hide()
        self.report = read_only_table("report", "ui.sync.report", REPORT_COLUMNS)
        self.report.setWordWrap(True)
        self.summary = paragraph()
        self.summary.setObjectName("import_summary")
        self.write_replies_check = QCheckBox(t("ui.sync.reply.write_check"))
        self.write_replies_check.setObjectName("write_replies")
        self.write_replies_check.setAccessibleName(plain(t("ui.sync.reply.write_check")))
        self.write_replies_check.setAccessibleDescription(t("ui.sync.reply.write_hint"))
        self.write_replies_check.setToolTip(t("ui.sync.reply.write_hint"))
        self.write_replies_check.setChecked(True)
        self.reply_progress = QProgressBar()
        self.reply_progress.setObjectName("reply_progress")
        self.reply_progress.setAccessibleName(t("ui.sync.reply.writing_progress"))
        self.reply_progress.setFormat(t("ui.sync.reply.writing", done="%v", total="%m"))
        self.reply_progress.hide()
        self.reply_report = plain_label(paragraph(selectable=True))  # names from a stick
        self.reply_report.setObjectName("reply_report")
        self.reply_report.hide()
        import_row = QHBoxLayout()
        import_row.addWidget(self.import_files_button)
        import_row.addWidget(self.import_folder_button)
        import_row.addWidget(self.progress, 1)
        box = QVBoxLayout(import_box)
        box.addLayout(import_row)
        box.addWidget(self.write_replies_check)
        box.addWidget(self.summary)
        box.addWidget(self.reply_progress)
        box.addWidget(self.reply_report)
        box.addWidget(self.report, 1)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close = buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setText(t("ui.sync.close"))
        close.setAccessibleName(t("ui.sync.close"))
        close.setAutoDefault(False)
        buttons.rejected.connect(self.reject)

        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(heading(t("ui.sync.title_coordinator")))
        self.attention = AttentionBox(vault)
        column.addWidget(self.attention)
        column.addWidget(enrol_box)
        column.addWidget(devices_box, 1)
        column.addWidget(import_box, 2)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 14)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        fit_dialog(self, QSize(980, 760))
        self._show_request(None)
        self.refresh_devices()

    def _usable(self) -> bool:
        return not self._closed and self.vault.is_open

    # -- the card ------------------------------------------------------------------------

    def save_card(self) -> None:
        if not keys.own_keys(self.vault).recovery_recipient and not self.make_recovery_key():
            return
        path, _ = QFileDialog.getSaveFileName(
            self, t("ui.sync.card_save_title"), t("ui.sync.card_file"), t("ui.sync.json_filter")
        )
        if not path or not self._usable():
            return
        try:
            raw, card = cards.make_card(self.vault)
            write_document(Path(path), raw)
        except (FieldAppError, OSError) as exc:
            self.message.show_error(error_text(exc))
            return
        self.message.show_info(t("ui.sync.card_saved", name=Path(path).name))
        self.own_fp.show_fingerprint(card.fingerprint)
        self.own_fp_hint.show()
        self.own_fp.setFocus()

    def make_recovery_key(self) -> bool:
        """A coordinator vault made on the desktop has no keys yet: make them, with the offline
        recovery key written to a file the coordinator keeps apart from the vault."""
        answer = QMessageBox.question(
            self,
            t("ui.sync.recovery_title"),
            t("ui.sync.recovery_explain"),
            QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Ok,
        )
        if answer != QMessageBox.StandardButton.Ok:
            return False
        path, _ = QFileDialog.getSaveFileName(
            self, t("ui.sync.recovery_title"), "fieldapp-recovery-key.txt"
        )
        if not path or not self._usable():
            return False
        try:
            keys.write_recovery_key(self.vault, Path(path))
        except (FieldAppError, OSError) as exc:
            self.message.show_error(error_text(exc))
            return False
        self.message.show_info(t("ui.sync.recovery_written", name=Path(path).name))
        return True

    # -- approving a request -------------------------------------------------------------

    def _show_request(self, request: cards.Request | None) -> None:
        self.device_fp.clear()
        self.device_fp.setEnabled(request is not None)
        self.approve_button.setEnabled(request is not None)
        self.request_label.setVisible(request is not None)
        if request is not None:
            self.request_label.setText(
                t(
                    "ui.sync.request_loaded",
                    inspector=request.inspector or "-",
                    agency=agency_name(request.agency) or "-",
                    device=request.device_id,
                )
            )

    def open_request(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, t("ui.sync.approve_open_title"), "", t("ui.sync.card_filter")
        )
        if not path or not self._usable():
            return
        try:
            raw = read_document(Path(path))
            request = cards.parse_request(raw)  # shape and signature; the fingerprint is typed
        except (FieldAppError, OSError) as exc:
            self._request_raw = None
            self._show_request(None)
            self.message.show_error(error_text(exc))
            return
        self._request_raw = raw
        self._show_request(request)
        self.message.clear_message()
        self.device_fp.setFocus()

    def approve(self) -> None:
        """Check the typed fingerprint first (nothing is asked or written on a mismatch), then
        ask where the acknowledgement goes, then enrol and write it."""
        if self._request_raw is None or not self._usable():
            return
        raw, typed = self._request_raw, self.device_fp.text()
        try:
            request = cards.parse_request(raw)
            normal = normalise_fingerprint(typed)
            if normal is None:
                raise EnrolmentError("sync.enrol.fingerprint_format")
            if normal != request.fingerprint:
                raise EnrolmentError("sync.enrol.fingerprint_mismatch")
        except FieldAppError as exc:
            self.message.show_error(error_text(exc))
            self.device_fp.setFocus()
            self.device_fp.selectAll()
            return
        path, _ = QFileDialog.getSaveFileName(
            self, t("ui.sync.ack_save_title"), t("ui.sync.ack_file"), t("ui.sync.json_filter")
        )
        if not path or not self._usable():
            return
        try:
            ack, request = cards.approve_request(self.vault, raw, typed)
            write_document(Path(path), ack)
        except (FieldAppError, OSError) as exc:
            self.message.show_error(error_text(exc))
            self.refresh_devices()
            return
        self._request_raw = None
        self._show_request(None)
        self.message.show_info(
            t("ui.sync.approved", device=request.device_id, name=Path(path).name)
        )
        self.refresh_devices(select=request.device_id)

    # -- devices -------------------------------------------------------------------------

    def refresh_devices(self, select: str | None = None) -> None:
        if not self._usable():
            return
        current = select or self.current_device_id()
        summary = SyncStore(self.vault).device_summary()
        replies = ReplyStore(self.vault)
        self.devices.setRowCount(len(summary))
        for row, (device, count, highest, missing) in enumerate(summary):
            state = (
                t("ui.sync.device_active")
                if device.revoked_at is None
                else t("ui.sync.device_revoked", when=datetime_text(device.revoked_at))
            )
            written = replies.replies_to(device.device_id)
            last_reply = (
                t(
                    "ui.sync.last_reply",
                    seq=written[-1].seq,
                    when=datetime_text(written[-1].written_at),
                )
                if written
                else "-"
            )
            values = (
                short_device_id(device.device_id),
                device.inspector or "-",
                agency_name(device.agency) or "-",
                datetime_text(device.enrolled_at),
                state,
                f"{count} (#{highest})" if count else "0",
                ", ".join(map(str, missing)) or "-",
                last_reply,
            )
            for column, text in enumerate(values):
                cell = item(text, device.device_id)
                if column == 0:
                    cell.setToolTip(device.device_id)  # the whole id, as the log shows it
                self.devices.setItem(row, column, cell)
            if device.device_id == current:
                self.devices.selectRow(row)
        has_rows = bool(summary)
        self.devices.setVisible(has_rows)
        self.devices_empty.setVisible(not has_rows)
        if has_rows and self.devices.currentRow() < 0:
            self.devices.selectRow(0)
        self.devices.resizeColumnsToContents()
        self._update_buttons()

    def current_device_id(self) -> str | None:
        row = self.devices.currentRow()
        item = self.devices.item(row, 0) if row >= 0 else None
        return None if item is None else item.data(STATUS_ROLE)

    def _current_device(self) -> Device | None:
        device_id = self.current_device_id()
        if device_id is None or not self._usable():
            return None
        return SyncStore(self.vault).device(device_id)

    def _update_buttons(self) -> None:
        device = self._current_device()
        active = device is not None and device.revoked_at is None
        self.revoke_button.setEnabled(active)
        self.make_reply_button.setEnabled(active and not self.importing)

    def revoke_current(self) -> None:
        device = self._current_device()
        if device is None or device.revoked_at is not None:
            return
        answer = QMessageBox.question(
            self,
            t("ui.sync.revoke_title"),
            t(
                "ui.sync.revoke_confirm",
                device=device.device_id,
                inspector=device.inspector or "-",
            ),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes or not self._usable():
            return
        try:
            cards.revoke_device(self.vault, device.device_id)
        except FieldAppError as exc:
            self.message.show_error(error_text(exc))
            return
        self.message.show_info(t("ui.sync.revoked", device=device.device_id))
        self.refresh_devices(select=device.device_id)

    # -- import --------------------------------------------------------------------------

    @property
    def importing(self) -> bool:
        """An import, or the replies written after it, is under way."""
        return self._run is not None or self._reply_queue is not None

    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, t("ui.sync.import_files_title"), "", t("ui.sync.bundle_filter")
        )
        if paths:
            self.start_import([Path(path) for path in paths])

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, t("ui.sync.import_folder_title"))
        if folder:
            self.start_import([Path(folder)])

    def start_import(self, paths: list[Path]) -> None:
        """The core's import run (its order and retries), one bundle per event-loop turn."""
        if self.importing or not self._usable():
            return
        self.reports = []
        self.report.setRowCount(0)
        self.summary.clear()
        self.message.clear_message()
        self._clear_replies()
        # Replies go where the bundles came from: the folder chosen, or the first file's.
        first = paths[0] if paths else None
        self._import_folder = first if first is None or first.is_dir() else first.parent
        try:
            run = import_.ImportRun(self.vault, paths)
        except FieldAppError as exc:
            self.message.show_error(error_text(exc))
            return
        if not run.total:
            self.message.show_info(t("ui.sync.import_none"))
            return
        self._run = run
        self.reports = run.reports
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        for widget in (self.import_files_button, self.import_folder_button):
            widget.setEnabled(False)
        self._update_buttons()
        self.progress.setRange(0, run.total)
        self.progress.setValue(0)
        self.progress.show()
        for report in run.reports:  # refused while sorting (unreadable headers)
            self._show_report(report)
        QTimer.singleShot(0, self._import_next)

    def _import_next(self) -> None:
        """One bundle per turn of the event loop: a lock can only come between bundles."""
        run = self._run
        if run is None:
            return
        if not self._usable():
            self._stop_import()
            return
        if run.done:
            for index in run.retry_missing_parents():
                self._fill_report_row(index, run.reports[index])
            self._finish_import()
            return
        try:
            report = run.step()
        except Exception as exc:  # one broken file must not end the import
            if not isinstance(exc, FieldAppError | OSError):
                sys.excepthook(type(exc), exc, exc.__traceback__)
            report = import_.BundleReport(str(run.current), "rejected")
            run.reports.append(report)
            self._show_report(report, reason=error_text(exc))
        else:
            self._show_report(report)
        QTimer.singleShot(0, self._import_next)

    def _show_report(self, report: import_.BundleReport, reason: str | None = None) -> None:
        row = self.report.rowCount()
        self.report.insertRow(row)
        self._fill_report_row(row, report, reason)
        self.progress.setValue(row + 1)

    def _fill_report_row(
        self, row: int, report: import_.BundleReport, reason: str | None = None
    ) -> None:
        data = report.to_json()
        if report.status == "imported":
            counts = t(
                "ui.sync.counts",
                new=_total(data["imported"]),
                updated=_total(data["updated"]),
                unchanged=_total(data["unchanged"]),
                conflicts=_total(data["conflicts"]),
            )
        else:
            counts = "-"
        who = device_label(report.device_id, report.inspector, report.agency)
        status_key = "alarm" if report.alarm else report.status
        rejection = data["rejection"]
        values = (
            Path(report.source).name,
            who,
            t(f"ui.sync.status_{status_key}"),
            counts,
            "\n".join(warning["message"] for warning in data["warnings"]) or "-",
            reason or (rejection["message"] if rejection else "-"),
        )
        for column, text in enumerate(values):
            self.report.setItem(row, column, item(text, report.status))

    def _finish_import(self) -> None:
        self._stop_import()
        statuses = [report.status for report in self.reports]
        self.summary.setText(
            t(
                "ui.sync.import_done",
                imported=statuses.count("imported"),
                duplicate=statuses.count("duplicate"),
                rejected=statuses.count("rejected"),
            )
        )
        self.report.resizeColumnsToContents()
        self.report.resizeRowsToContents()
        self.refresh_devices()
        self.attention.refresh()
        self.report.setFocus()
        if statuses.count("imported"):
            self.imported.emit(statuses.count("imported"))
        if self.write_replies_check.isChecked() and self._import_folder is not None:
            senders = sorted(
                {r.device_id for r in self.reports if r.device_id and r.status != "rejected"}
            )
            if senders:
                self.write_replies(senders, self._import_folder)

    def _stop_import(self) -> None:
        if self._run is None:
            return
        self._run = None
        QApplication.restoreOverrideCursor()
        if self._closed:
            return
        self.progress.hide()
        for widget in (self.import_files_button, self.import_folder_button):
            widget.setEnabled(True)
        self._update_buttons()

    # -- replies -------------------------------------------------------------------------

    def reply_to_current(self) -> None:
        """A reply on demand (a device whose reply was lost, or a new field retention or
        catalogue to pass on), to a folder the coordinator picks."""
        device = self._current_device()
        if device is None or device.revoked_at is not None or self.importing:
            return
        folder = QFileDialog.getExistingDirectory(self, t("ui.sync.reply.make_title"))
        if folder and self._usable():
            self.write_replies([device.device_id], Path(folder))

    def write_replies(self, device_ids: list[str], folder: Path) -> None:
        """One reply per device into ``folder``, one device per turn of the event loop."""
        if self._reply_queue is not None or not self._usable() or not device_ids:
            return
        self._clear_replies()
        self._reply_queue = list(device_ids)
        self._reply_folder = folder
        for widget in (self.import_files_button, self.import_folder_button):
            widget.setEnabled(False)
        self._update_buttons()
        self.reply_progress.setRange(0, len(device_ids))
        self.reply_progress.setValue(0)
        self.reply_progress.show()
        self.reply_report.setText(t("ui.sync.reply.written_in", folder=str(folder)))
        self.reply_report.show()
        QTimer.singleShot(0, self._write_next_reply)

    def _write_next_reply(self) -> None:
        queue = self._reply_queue
        if queue is None:
            return
        if not queue or not self._usable():
            self._end_replies()
            return
        device_id = queue.pop(0)
        try:
            written, failed = reply.write_replies(self.vault, [device_id], self._reply_folder)
            reasons = [(device, error.message()) for device, error in failed]
        except (FieldAppError, OSError) as exc:  # the folder or the disk: say so, go on
            written, reasons = [], [(device_id, error_text(exc))]
        self.replies_written += written
        self.replies_failed += reasons
        lines = [self._written_line(done) for done in written]
        lines += [
            t("ui.sync.reply.not_written", device=self._device_label(device), reason=reason)
            for device, reason in reasons
        ]
        self.reply_report.setText("\n".join([self.reply_report.text(), *lines]))
        self.reply_progress.setValue(self.reply_progress.value() + 1)
        QTimer.singleShot(0, self._write_next_reply)

    def _written_line(self, written: reply.WrittenReply) -> str:
        return tn(
            "ui.sync.reply.written",
            written.counts.records,
            device=self._device_label(written.device_id),
            seq=written.seq,
            through=written.acknowledged_through,
            name=written.path.name,
        )

    def _device_label(self, device_id: str) -> str:
        device = SyncStore(self.vault).device(device_id) if self._usable() else None
        if device is None:
            return device_label(device_id, None, None)
        return device_label(device.device_id, device.inspector, device.agency)

    def _end_replies(self) -> None:
        self._reply_queue = None
        if self._closed:
            return
        self.reply_progress.hide()
        for widget in (self.import_files_button, self.import_folder_button):
            widget.setEnabled(True)
        self._update_buttons()
        if self.replies_failed:
            self.message.show_error(tn("ui.sync.reply.some_failed", len(self.replies_failed)))

    def _clear_replies(self) -> None:
        self.replies_written = []
        self.replies_failed = []
        self.reply_report.clear()
        self.reply_report.hide()

    # -- closing -------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing (also by the lock) stops an import between bundles and forgets the
        request and what was shown."""
        self._closed = True
        self._stop_import()
        self._reply_queue = None
        self._request_raw = None
        self.device_fp.clear()
        self.own_fp.clear_fingerprint()
        self.report.setRowCount(0)
        self.devices.setRowCount(0)
        self.reply_report.clear()
        self.attention.clear()
        super().done(result)
