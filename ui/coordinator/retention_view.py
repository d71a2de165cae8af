"""The workspace tab ``retention``: how long each kind of record is kept (days per rule, saved
in the vault), a preview of what is past its period (a dry run: nothing is written), erasing
it after a confirmation that states the counts, and the deletion log, which counts what went
without holding any of it.

Preview and erasure run on the runner, on a worker's own connection to the vault (the GUI
thread's connection never leaves it); erasing only ever removes what the preview showed.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.localtime import datetime_text
from fieldapp.retention.policy import DEFAULT_DAYS, MAX_DAYS, RULES, load_policy, min_days
from fieldapp.retention.policy import save_policy as store_policy
from fieldapp.retention.purge import PurgePlan, PurgeResult, plan_purge, run_purge, today_utc
from fieldapp.store.retention_store import LogEntry, RetentionStore
from fieldapp.vault.vault import Vault
from fieldapp.vault.worker import WorkerVaultKey
from ui.runner import JobRunner
from ui.sync.common import button, error_text
from ui.widgets import MessageLabel, heading, note, paragraph, read_only_table

PLAN_COLUMNS = ("ui.retention.col_rule", "ui.retention.col_kind", "ui.retention.col_count")
LOG_COLUMNS = (
    "ui.retention.col_at",
    "ui.retention.col_actor",
    "ui.retention.col_rule",
    "ui.retention.col_kind",
    "ui.retention.col_erased",
)
LOG_LIMIT = 500


def _table(name: str, accessible_key: str, columns: tuple[str, ...]) -> QTableWidget:
    table = read_only_table(name, accessible_key, columns)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(False)
    return table


def _item(text: str, *, number: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setToolTip(text)
    if number:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class RetentionView(QWidget):
    """``RetentionView(vault, runner, parent)``."""

    erased = Signal(object)  # a PurgeResult, after the purge committed

    def __init__(self, vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.runner = runner
        self.plan: PurgePlan | None = None
        self.busy = False
        self.days: dict[str, QSpinBox] = {}

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(16, 12, 16, 12)
        column.setSpacing(12)
        column.addWidget(heading(t("ui.retention.title")))
        column.addWidget(paragraph(t("ui.retention.explain"), secondary=True))
        column.addWidget(self._policy_box())
        column.addWidget(self._purge_box(), 1)
        column.addWidget(self._log_box(), 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(content)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        self.load()

    # -- building --------------------------------------------------------------------------

    def _policy_box(self) -> QGroupBox:
        box = QGroupBox(t("ui.retention.policy"))
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for rule in RULES:
            spin = QSpinBox()
            spin.setObjectName(f"days_{rule}")
            spin.setRange(min_days(rule), MAX_DAYS)
            spin.setSuffix(t("ui.retention.days_suffix"))
            spin.setAccessibleName(t(f"retention.rule.{rule}"))
            spin.setAccessibleDescription(t(f"retention.rule_help.{rule}"))
            spin.setToolTip(t(f"retention.rule_help.{rule}"))
            spin.valueChanged.connect(self._policy_edited)
            self.days[rule] = spin
            default = QLabel(
                tn("ui.retention.default", DEFAULT_DAYS[rule], days=DEFAULT_DAYS[rule])
            )
            default.setObjectName("secondary")
            field = QWidget()
            row = QHBoxLayout()
            row.addWidget(spin)
            row.addWidget(default)
            row.addStretch(1)
            stack = QVBoxLayout(field)
            stack.setContentsMargins(0, 0, 0, 6)
            stack.setSpacing(2)
            stack.addLayout(row)
            stack.addWidget(paragraph(t(f"retention.rule_help.{rule}"), secondary=True))
            label = QLabel(t(f"retention.rule.{rule}"))
            label.setBuddy(spin)
            form.addRow(label, field)
        self.save_button = button("retention_save", "ui.retention.save", self.save_policy)
        self.reset_button = button("retention_defaults", "ui.retention.defaults", self.defaults)
        self.policy_message = MessageLabel()
        self.policy_message.setObjectName("policy_message")
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.reset_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addLayout(form)
        layout.addWidget(note(t("ui.retention.not_legal_advice")))
        layout.addLayout(buttons)
        layout.addWidget(self.policy_message)
        return box

    def _purge_box(self) -> QGroupBox:
        box = QGroupBox(t("ui.retention.purge"))
        self.preview_button = button("retention_preview", "ui.retention.preview", self.preview)
        self.erase_button = button("retention_erase", "ui.retention.erase", self.erase)
        self.plan_table = _table("retention_plan", "ui.retention.plan_table", PLAN_COLUMNS)
        self.plan_summary = paragraph()
        self.plan_summary.setObjectName("plan_summary")
        self.purge_message = MessageLabel()
        self.purge_message.setObjectName("purge_message")
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.erase_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(box)
        layout.addWidget(paragraph(t("ui.retention.purge_explain"), secondary=True))
        layout.addLayout(buttons)
        layout.addWidget(self.plan_summary)
        layout.addWidget(self.plan_table, 1)
        layout.addWidget(self.purge_message)
        return box

    def _log_box(self) -> QGroupBox:
        box = QGroupBox(t("ui.retention.log"))
        self.log_table = _table("retention_log", "ui.retention.log", LOG_COLUMNS)
        self.log_empty = paragraph(t("ui.retention.log_empty"), secondary=True)
        layout = QVBoxLayout(box)
        layout.addWidget(paragraph(t("ui.retention.log_explain"), secondary=True))
        layout.addWidget(self.log_table, 1)
        layout.addWidget(self.log_empty)
        return box

    # -- the policy ------------------------------------------------------------------------

    def load(self) -> None:
        """The stored policy and the deletion log (cheap: a few rows)."""
        if not self.vault.is_open:
            return
        policy = load_policy(self.vault)
        for rule, spin in self.days.items():
            spin.blockSignals(True)
            spin.setValue(policy.days[rule])
            spin.blockSignals(False)
        self.save_button.setEnabled(False)
        self.show_log(RetentionStore(self.vault).deletion_log(LOG_LIMIT))
        self._update_buttons()

    def policy_values(self) -> dict[str, int]:
        return {rule: spin.value() for rule, spin in self.days.items()}

    def _policy_edited(self) -> None:
        self.policy_message.clear_message()
        self.save_button.setEnabled(not self.busy)
        self._forget_plan()

    def save_policy(self) -> None:
        if not self.vault.is_open or self.busy:
            return
        try:
            store_policy(self.vault, self.policy_values())
        except FieldAppError as exc:
            self.policy_message.show_error(exc.message())
            return
        self.save_button.setEnabled(False)
        self.policy_message.show_info(t("ui.retention.saved"))

    def defaults(self) -> None:
        for rule, spin in self.days.items():
            spin.setValue(DEFAULT_DAYS[rule])

    # -- preview and erasure -------------------------------------------------------------------

    def _update_buttons(self) -> None:
        self.preview_button.setEnabled(not self.busy)
        self.erase_button.setEnabled(
            not self.busy and self.plan is not None and not self.plan.empty
        )
        self.reset_button.setEnabled(not self.busy)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _forget_plan(self) -> None:
        self.plan = None
        self.plan_table.setRowCount(0)
        self.plan_summary.clear()
        self._update_buttons()

    def preview(self) -> None:
        """The dry run, with the policy as saved (unsaved changes are saved first)."""
        if not self.vault.is_open or self.busy:
            return
        if self.save_button.isEnabled():
            self.save_policy()
            if self.save_button.isEnabled():  # refused: the message says why
                return
        self.purge_message.clear_message()
        key = WorkerVaultKey(self.vault)
        today = today_utc()

        def job() -> PurgePlan:
            with key.open() as worker:
                return plan_purge(worker, today)

        self._set_busy(True)
        self.plan_summary.setText(t("ui.retention.working"))
        self.runner.run(job, self._previewed, lambda exc: self._failed(exc, key))

    def _previewed(self, plan: PurgePlan) -> None:
        self._set_busy(False)
        self.plan = plan
        rows = plan.rows()
        self.plan_table.setRowCount(len(rows))
        for number, (rule, kind, count) in enumerate(rows):
            self.plan_table.setItem(number, 0, _item(t(f"retention.rule.{rule}")))
            self.plan_table.setItem(number, 1, _item(t(f"retention.kind.{kind}")))
            self.plan_table.setItem(number, 2, _item(str(count), number=True))
        parts = [
            t("ui.retention.plan_none")
            if plan.empty
            else tn("ui.retention.plan_due", plan.total("visit"), visits=plan.total("visit"))
        ]
        if plan.held_open_followup:
            parts.append(tn("ui.retention.held_open", plan.held_open_followup))
        if plan.held_unexported:
            parts.append(tn("ui.retention.held_unexported", plan.held_unexported))
        self.plan_summary.setText(" ".join(parts))
        self.plan_summary.setAccessibleName(self.plan_summary.text())
        self._update_buttons()

    def confirmation_text(self, plan: PurgePlan) -> str:
        lines = [
            t("ui.retention.confirm_line", item=tn(f"ui.retention.n.{kind}", plan.total(kind)))
            for kind in ("visit", "person", "observation", "attachment", "referral", "site")
            if plan.total(kind)
        ]
        return t("ui.retention.confirm", counts="\n".join(lines))

    def erase(self) -> None:
        plan = self.plan
        if plan is None or plan.empty or self.busy or not self.vault.is_open:
            return
        answer = QMessageBox.warning(
            self,
            t("ui.retention.confirm_title"),
            self.confirmation_text(plan),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer != QMessageBox.StandardButton.Yes or not self.vault.is_open:
            return
        key = WorkerVaultKey(self.vault)

        def job() -> PurgeResult:
            with key.open() as worker:
                return run_purge(worker, plan)

        self._set_busy(True)
        self.purge_message.show_info(t("ui.retention.erasing"))
        self.runner.run(job, self._erased, lambda exc: self._failed(exc, key))

    def _erased(self, result: PurgeResult) -> None:
        self._set_busy(False)
        self._forget_plan()
        self.purge_message.show_info(
            tn("ui.retention.erased", result.total("visit"), visits=result.total("visit"))
        )
        if self.vault.is_open:
            self.show_log(RetentionStore(self.vault).deletion_log(LOG_LIMIT))
        self.erased.emit(result)

    def _failed(self, exc: BaseException, key: WorkerVaultKey) -> None:
        key.discard()
        self._set_busy(False)
        self.plan_summary.clear()
        self.purge_message.show_error(error_text(exc))

    # -- the log ---------------------------------------------------------------------------

    def show_log(self, entries: list[LogEntry]) -> None:
        self.log_table.setRowCount(len(entries))
        for number, entry in enumerate(entries):
            self.log_table.setItem(number, 0, _item(datetime_text(entry.at)))
            self.log_table.setItem(number, 1, _item(entry.actor))
            self.log_table.setItem(number, 2, _item(t(f"retention.rule.{entry.rule}")))
            self.log_table.setItem(number, 3, _item(t(f"retention.kind.{entry.record_kind}")))
            self.log_table.setItem(number, 4, _item(str(entry.erased), number=True))
        self.log_empty.setVisible(not entries)
        self.log_table.setVisible(bool(entries))

    # -- the workspace -------------------------------------------------------------------------

    def clear(self) -> None:
        """Nothing from the vault stays in the view (the workspace closes, the vault locks)."""
        self._forget_plan()
        self.log_table.setRowCount(0)
        self.policy_message.clear_message()
        self.purge_message.clear_message()
