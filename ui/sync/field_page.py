"""The field device's sync page: enrolment with the coordinator (fingerprints compared aloud)
and, once enrolled, export of everything changed to a chosen folder, and the coordinator's
replies: what arrived (and when this device forgets it), what still waits, the follow-up of
this device's referrals, and reading new replies in.

The vault's connection belongs to the GUI thread: ``prepare_export`` and ``finish_export`` (or
``abandon_export``) run here, only ``write_bundle`` (encryption and writing, no vault) runs on
the runner, with progress and a cancel flag. Replies are decrypted, checked and recorded on the
runner with the worker's own connection (``fieldapp.vault.worker``): a large reply never holds
up the window.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fieldapp import reply
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.localtime import date_text, datetime_text
from fieldapp.retention.policy import load_policy
from fieldapp.store.reply_store import ReplyStore
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync import cards, export
from fieldapp.sync.errors import ExportCancelled, SyncError
from fieldapp.sync.keys import own_keys
from fieldapp.terminal import clean
from fieldapp.vault.connection import Connection
from fieldapp.vault.vault import Vault, VaultInfo
from fieldapp.vault.worker import WorkerVault, WorkerVaultKey
from ui.runner import JobRunner
from ui.sync.common import (
    FingerprintLabel,
    button,
    error_text,
    fingerprint_field,
    item,
    plain_label,
    read_document,
    write_document,
)
from ui.widgets import MessageLabel, heading, paragraph, read_only_table, scrolling
from ui.window_settings import fit_dialog

FOLLOWUP_COLUMNS = (
    "ui.sync.reply.col_document",
    "ui.sync.reply.col_recipient",
    "ui.sync.reply.col_status",
    "ui.sync.reply.col_outcome",
    "ui.sync.reply.col_updated",
)
OUTCOME_COLUMN = FOLLOWUP_COLUMNS.index("ui.sync.reply.col_outcome")


class _Progress(QObject):
    """Emitted on the worker, delivered on the GUI thread (queued across threads)."""

    changed = Signal(int, int)


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    """One reply file read: its report, or the reason it was refused."""

    path: Path
    report: reply.ReplyReport | None
    refused: str | None = None
    quiet: bool = False  # refused, but no fault: older, or another device's among several


@dataclass(slots=True)
class ReplyRun:
    """What one "read replies" job did; ``stopped`` names why it ended before the last file
    (the vault locked, the disk is full): the files after it were not read."""

    outcomes: list[ReplyOutcome] = field(default_factory=list)
    stopped: str | None = None

    @property
    def catalogues(self) -> list[str]:
        """Catalogue versions the replies installed (registered on the GUI thread)."""
        return [
            outcome.report.installed_catalogue
            for outcome in self.outcomes
            if outcome.report is not None and outcome.report.installed_catalogue
        ]


class _ReplyVault:
    """The worker's vault as ``import_reply`` uses it: what every store takes (``VaultLike``).
    The catalogue a reply installs is registered afterwards, on the GUI thread, with the
    open :class:`Vault` (``register_catalogues``), whose lock releases it."""

    def __init__(self, worker: WorkerVault) -> None:
        self._worker = worker

    @property
    def conn(self) -> Connection:
        return self._worker.conn

    @property
    def info(self) -> VaultInfo:
        return self._worker.info

    @property
    def actor(self) -> str:
        return self._worker.actor

    @property
    def folder(self) -> Path:
        return self._worker.folder

    @property
    def is_open(self) -> bool:
        return self._worker.is_open


def read_reply_files(
    key: WorkerVaultKey,
    paths: list[Path],
    run: ReplyRun,
    progress: Callable[[int, int], None],
    stop: Callable[[], bool] = lambda: False,
) -> ReplyRun:
    """On the worker: every reply named (a folder's ``*.far`` files too), oldest first, each
    checked whole and recorded in its own transaction. A refused reply does not stop the
    others; a vault that locks, a full disk or ``stop`` (the page closed) does, between
    files."""
    with key.open() as worker:
        # import_reply is typed for a Vault, and uses of it only what the worker's vault has
        # (connection, info, actor, folder).
        vault = cast("Vault", _ReplyVault(worker))
        files = reply.reply_files(vault, paths)
        for done, path in enumerate(files):
            if stop():
                break
            progress(done, len(files))
            try:
                report = reply.import_reply(vault, path)
            except SyncError as refused:  # this file: damaged, forged, older, not for us
                quiet = isinstance(refused, reply.ReplyRejected) and reply.is_quiet(
                    refused, len(files) > 1
                )
                run.outcomes.append(ReplyOutcome(path, None, refused.message(), quiet))
            except (FieldAppError, OSError) as exc:  # the vault or the disk: stop here
                run.stopped = error_text(exc)
                break
            else:
                run.outcomes.append(ReplyOutcome(path, report))
        progress(len(files), len(files))
    return run


class FieldSyncDialog(QDialog):
    def __init__(self, vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.runner = runner
        self._card_raw: bytes | None = None
        self._cancel = threading.Event()
        self._prepared: export.PreparedExport | None = None
        self._closed = False
        self._reading = False
        self._stop_reading = threading.Event()
        self.last_result: export.ExportResult | None = None
        self.last_replies: ReplyRun | None = None
        self.setWindowTitle(t("ui.sync.title_field"))
        self.setAccessibleName(t("ui.sync.title_field"))

        self.state = paragraph()
        self.state.setObjectName("sync_state")
        self.revoked_label = QLabel()
        self.revoked_label.setObjectName("warning")
        self.revoked_label.setWordWrap(True)
        self.revoked_label.hide()
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

        # -- the coordinator's reply
        self.reply_box = QGroupBox(t("ui.sync.reply.title"))
        self.reply_box.setAccessibleName(t("ui.sync.reply.title"))
        self.arrived_label = paragraph()
        self.arrived_label.setObjectName("reply_arrived")
        self.waiting_label = paragraph()
        self.waiting_label.setObjectName("reply_waiting")
        self.unsent_label = paragraph()
        self.unsent_label.setObjectName("reply_unsent")
        self.last_reply_label = paragraph(secondary=True)
        self.followup_label = QLabel(t("ui.sync.reply.followup"))
        self.followup = read_only_table(
            "reply_followup", "ui.sync.reply.followup", FOLLOWUP_COLUMNS
        )
        self.followup.setWordWrap(True)
        # As high as its rows (the page scrolls, not the table), the outcome wrapping into
        # the width left: a tablet in large touch shows every column without scrolling.
        self.followup.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.followup.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        header = self.followup.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(OUTCOME_COLUMN, QHeaderView.ResizeMode.Stretch)
        self.followup.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.followup_label.setBuddy(self.followup)
        self.followup_empty = paragraph(t("ui.sync.reply.followup_none"), secondary=True)
        self.read_reply_button = button(
            "read_reply", "ui.sync.reply.import_files", self.choose_reply_files
        )
        self.read_reply_folder_button = button(
            "read_reply_folder", "ui.sync.reply.import_folder", self.choose_reply_folder
        )
        self.reply_progress = QProgressBar()
        self.reply_progress.setObjectName("reply_progress")
        self.reply_progress.setAccessibleName(t("ui.sync.reply.progress"))
        self.reply_progress.setFormat(t("ui.sync.reply.reading", done="%v", total="%m"))
        self.reply_progress.hide()
        self.reply_result = plain_label(MessageLabel())  # file names: never markup
        self.reply_refused = plain_label(MessageLabel())
        reply_row = QHBoxLayout()
        reply_row.addWidget(self.read_reply_button)
        reply_row.addWidget(self.read_reply_folder_button)
        reply_row.addStretch(1)
        replies = QVBoxLayout(self.reply_box)
        replies.addWidget(paragraph(t("ui.sync.reply.intro"), secondary=True))
        replies.addWidget(self.arrived_label)
        replies.addWidget(self.waiting_label)
        replies.addWidget(self.unsent_label)
        replies.addWidget(self.last_reply_label)
        replies.addLayout(reply_row)
        replies.addWidget(self.reply_progress)
        replies.addWidget(self.reply_result)
        replies.addWidget(self.reply_refused)
        replies.addWidget(self.followup_label)
        replies.addWidget(self.followup)
        replies.addWidget(self.followup_empty)

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
        column.addWidget(self.revoked_label)
        column.addWidget(self.enrol_box)
        column.addWidget(self.export_box)
        column.addWidget(self.reply_box)
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
        self.reply_box.setVisible(enrolled)
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
            self.refresh_reply()
        else:
            self.revoked_label.hide()

    def refresh_reply(self) -> None:
        """What this device holds by visit, the last reply, a revocation and the follow-up
        the replies brought (read here: a few milliseconds for a device's visits)."""
        if not self._usable():
            return
        store = ReplyStore(self.vault)
        holdings = store.holdings()
        policy = load_policy(self.vault)
        days = tn("ui.sync.reply.n_days", policy.days["field_arrived"])
        if holdings.arrived:
            text = tn("ui.sync.reply.arrived", holdings.arrived, days=days)
            if holdings.oldest_arrival:
                first = policy.field_erasure_date(holdings.oldest_arrival)
                text += " " + t("sync.cli.status_first_erasure", date=date_text(first))
            self.arrived_label.setText(text)
        else:
            self.arrived_label.setText(t("ui.sync.reply.arrived_none", days=days))
        if holdings.waiting:
            since = date_text(holdings.oldest_waiting) or "-"
            self.waiting_label.setText(tn("ui.sync.reply.waiting", holdings.waiting, since=since))
        else:
            self.waiting_label.setText(t("ui.sync.reply.waiting_none"))
        if holdings.unsent:
            self.unsent_label.setText(tn("ui.sync.reply.unsent", holdings.unsent))
        else:
            self.unsent_label.setText(t("ui.sync.reply.unsent_none"))
        last = store.last_reply()
        if last is None:
            self.last_reply_label.setText(t("ui.sync.reply.none"))
        else:
            key = "ui.sync.reply.last" if last.acknowledged_through else "ui.sync.reply.last_first"
            self.last_reply_label.setText(
                t(
                    key,
                    seq=last.seq,
                    when=datetime_text(last.imported_at),
                    through=last.acknowledged_through,
                )
            )
        revoked_at = store.revoked_at(self.vault.info.device_id)
        if revoked_at is not None:
            text = t("ui.sync.reply.revoked", when=datetime_text(revoked_at))
            self.revoked_label.setText(text)
            self.revoked_label.setAccessibleName(text)
        self.revoked_label.setVisible(revoked_at is not None)
        self._show_followup(store)

    def _show_followup(self, store: ReplyStore) -> None:
        rows = store.received_followup()
        self.followup.setRowCount(len(rows))
        for row, news in enumerate(rows):
            values = (
                news.document_id or "-",
                t(f"recipient.{news.recipient}"),
                t(f"followup.status.{news.status}"),
                t(f"followup.outcome.{news.outcome}") if news.outcome else "-",
                date_text(news.updated_at),
            )
            for column, text in enumerate(values):
                self.followup.setItem(row, column, item(text, news.referral_uuid))
        self.followup.setVisible(bool(rows))
        self.followup_empty.setVisible(not rows)

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

    @property
    def busy(self) -> bool:
        """An export or the reading of replies is under way: one at a time, so neither
        writes to the vault while the other does."""
        return self.exporting or self._reading

    def _set_exporting(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = not self.exporting and not self._reading
        for widget in (
            self.export_button,
            self.resend_button,
            self.read_reply_button,
            self.read_reply_folder_button,
        ):
            widget.setEnabled(idle)

    def choose_and_export(self) -> None:
        if self.busy:
            return
        folder = QFileDialog.getExistingDirectory(self, t("ui.sync.export_title"))
        if folder and self._usable():
            self.export_to(Path(folder))

    def choose_and_resend(self) -> None:
        """Send lost bundles again: their records in a new bundle that says which seqs it
        replaces, so the coordinator's gap warning ends."""
        if self.busy:
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
        if self.busy or not self._usable():
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

    # -- the coordinator's replies ---------------------------------------------------------

    @property
    def reading(self) -> bool:
        return self._reading

    def choose_reply_files(self) -> None:
        if self.busy:
            return
        paths, _ = QFileDialog.getOpenFileNames(
            self, t("ui.sync.reply.files_title"), "", t("ui.sync.reply.filter")
        )
        if paths and self._usable():
            self.read_replies([Path(path) for path in paths])

    def choose_reply_folder(self) -> None:
        if self.busy:
            return
        folder = QFileDialog.getExistingDirectory(self, t("ui.sync.reply.folder_title"))
        if folder and self._usable():
            self.read_replies([Path(folder)])

    def read_replies(self, paths: list[Path]) -> None:
        """Check and record each reply on the runner; the report per file comes back here."""
        if self.busy or not self._usable():
            return
        self.reply_result.clear_message()
        self.reply_refused.clear_message()
        self.message.clear_message()
        key = WorkerVaultKey(self.vault)
        run = ReplyRun()
        relay = _Progress()  # no parent: it may outlive the dialog
        relay.changed.connect(self._on_reply_progress)
        self._reading = True
        self._update_buttons()
        self.reply_progress.setRange(0, 0)  # busy until the files are counted
        self.reply_progress.show()
        self.message.show_info(t("ui.sync.reply.busy"))
        stop = self._stop_reading
        self.runner.run(
            lambda: read_reply_files(key, paths, run, relay.changed.emit, stop.is_set),
            lambda done: self._replies_read(done, relay),
            lambda exc: self._replies_failed(run, exc, key, relay),
        )

    def _on_reply_progress(self, done: int, total: int) -> None:
        self.reply_progress.setRange(0, max(total, 1))
        self.reply_progress.setValue(done)

    def _adopt_catalogues(self, versions: list[str]) -> None:
        """Versions a reply installed in the vault: used from now on (the vault registers
        them, and its lock releases them); a vault locked meanwhile does so at its next
        unlock."""
        if versions and self.vault.is_open:
            self.vault.register_catalogues()

    def _replies_read(self, run: ReplyRun, relay: QObject) -> None:
        relay.deleteLater()
        installed = list(run.catalogues)
        self._adopt_catalogues(run.catalogues)
        self._reading = False
        self.last_replies = run
        if self._closed:
            return
        self._end_reading()
        self.message.clear_message()
        lines: list[str] = []
        refused: list[str] = []
        for outcome in run.outcomes:
            name = clean(outcome.path.name)  # a name on a stick: anything at all
            report = outcome.report
            if report is None and outcome.quiet:
                lines.append(t("sync.cli.reply_skipped", file=name, reason=outcome.refused))
            elif report is None:
                refused.append(t("ui.sync.reply.refused", file=name, reason=outcome.refused))
            elif report.status == "duplicate":
                lines.append(t("ui.sync.reply.duplicate", file=name, seq=report.seq))
            else:
                lines.append(
                    tn("ui.sync.reply.imported", report.arrived_now, file=name, seq=report.seq)
                )
                if report.moved_to:
                    lines.append(t("sync.cli.reply_moved", fingerprint=report.moved_to))
                if report.known_sites:
                    lines.append(tn("sync.cli.reply_known_sites", report.known_sites))
        lines += [t("ui.sync.reply.catalogue", version=version) for version in installed]
        if lines:
            self.reply_result.show_info("\n".join(lines))
        if refused:
            self.reply_refused.show_error("\n".join(refused))
        if run.stopped is not None:
            self.message.show_error(t("ui.sync.reply.failed", reason=run.stopped))
        elif not run.outcomes:
            self.message.show_info(t("ui.sync.reply.none_found"))
        self.refresh()

    def _replies_failed(
        self, run: ReplyRun, exc: BaseException, key: WorkerVaultKey, relay: QObject
    ) -> None:
        relay.deleteLater()
        key.discard()
        self._adopt_catalogues(run.catalogues)
        self._reading = False
        if self._closed:
            return
        self._end_reading()
        if not isinstance(exc, FieldAppError | OSError):
            sys.excepthook(type(exc), exc, exc.__traceback__)
        self.message.show_error(t("ui.sync.reply.failed", reason=error_text(exc)))
        self.refresh()

    def _end_reading(self) -> None:
        self.reply_progress.hide()
        self._update_buttons()
        self.read_reply_button.setFocus()

    # -- closing -------------------------------------------------------------------------

    def done(self, result: int) -> None:
        """Closing (also by the lock) cancels a running export, stops reading replies after
        the one in hand, and forgets the card and the follow-up shown."""
        self._cancel.set()
        self._stop_reading.set()
        self._closed = True
        self._card_raw = None
        self.coordinator_fp.clear()
        self.own_fp.clear_fingerprint()
        self.followup.setRowCount(0)
        super().done(result)


def _seq_text(seqs: tuple[int, ...]) -> str:
    return str(seqs[0]) if len(seqs) == 1 else f"{seqs[0]}-{seqs[-1]}"
