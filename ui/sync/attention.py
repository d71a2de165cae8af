"""What needs the coordinator's eye after imports: alarms (a device's bundles contradict each
other: a copied vault, a replay with other content) and conflicts (a record changed here and in
the field). Both stay until someone acts; neither is ever resolved silently. A device is named
by its inspector and agency (``merged_store.device_labels``); its id, the technical evidence
an alarm may need, is in the cell's tooltip."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QTableWidget, QVBoxLayout, QWidget

from fieldapp.i18n import t, tn
from fieldapp.localtime import datetime_text
from fieldapp.store.merged_store import device_labels
from fieldapp.store.sync_store import Alarm, Conflict, SyncStore
from fieldapp.vault.vault import Vault
from ui.sync.common import STATUS_ROLE, button, item
from ui.widgets import paragraph, read_only_table

ALARM_COLUMNS = (
    "ui.sync.col_when",
    "ui.sync.col_device",
    "ui.sync.col_seq",
    "ui.sync.col_alarm",
)
CONFLICT_COLUMNS = (
    "ui.sync.col_record",
    "ui.sync.col_device",
    "ui.sync.col_seq",
    "ui.sync.col_when",
    "ui.sync.col_changed",
)
MAX_SHOWN_VALUE = 80


def _shown(value: object) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= MAX_SHOWN_VALUE else text[: MAX_SHOWN_VALUE - 1] + "…"


class AttentionBox(QGroupBox):
    """Open alarms and conflicts with their actions; hidden while there are none."""

    def __init__(self, vault: Vault, parent: QWidget | None = None) -> None:
        super().__init__(t("ui.sync.attention"), parent)
        self.setObjectName("attention")
        self.vault = vault
        self._alarms: list[Alarm] = []
        self._conflicts: list[Conflict] = []

        self.alarms_label = paragraph(t("ui.sync.alarms_intro"))
        self.alarms = read_only_table("alarms", "ui.sync.alarms", ALARM_COLUMNS)
        self.acknowledge_button = button(
            "acknowledge", "ui.sync.acknowledge", self.acknowledge_current
        )
        self.conflicts_label = paragraph(t("ui.sync.conflicts_intro"))
        self.conflicts = read_only_table("conflicts", "ui.sync.conflicts", CONFLICT_COLUMNS)
        self.difference = paragraph(selectable=True)
        self.difference.setObjectName("conflict_difference")
        self.keep_button = button("keep_local", "ui.sync.keep_local", self.keep_current)
        self.take_button = button("take_field", "ui.sync.take_field", self.take_current)
        self.alarms.itemSelectionChanged.connect(self._update_buttons)
        self.conflicts.itemSelectionChanged.connect(self._show_difference)

        conflict_buttons = QHBoxLayout()
        conflict_buttons.addWidget(self.keep_button)
        conflict_buttons.addWidget(self.take_button)
        conflict_buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.alarms_label)
        layout.addWidget(self.alarms)
        layout.addWidget(self.acknowledge_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.conflicts_label)
        layout.addWidget(self.conflicts)
        layout.addWidget(self.difference)
        layout.addLayout(conflict_buttons)
        self.refresh()

    # -- state ---------------------------------------------------------------------------

    def refresh(self) -> None:
        if not self.vault.is_open:
            return
        sync = SyncStore(self.vault)
        self._alarms = sync.alarms(open_only=True)
        self._conflicts = sync.conflicts()
        labels = device_labels(sync.conn)
        self.alarms.setRowCount(len(self._alarms))
        texts: tuple[str, ...]
        for row, alarm in enumerate(self._alarms):
            device = self._device_text(labels, alarm.device_id)
            texts = (
                datetime_text(alarm.at),
                device,
                str(alarm.seq),
                t(f"ui.sync.alarm_{alarm.kind}", device=device, seq=alarm.seq),
            )
            for column, text in enumerate(texts):
                self.alarms.setItem(row, column, item(text, alarm.id))
            self._device_evidence(self.alarms, row, alarm.device_id)
        self.conflicts.setRowCount(len(self._conflicts))
        for row, conflict in enumerate(self._conflicts):
            changed = ", ".join(
                t(f"sync.column.{name}") for name, _, _ in sync.conflict_differences(conflict)
            )
            texts = (
                t(f"ui.sync.kind_{conflict.record_kind}", id=conflict.record_uuid[-8:]),
                self._device_text(labels, conflict.device_id),
                str(conflict.seq),
                datetime_text(conflict.detected_at),
                changed or t("ui.sync.changed_nothing"),
            )
            for column, text in enumerate(texts):
                self.conflicts.setItem(row, column, item(text, conflict.id))
            self._device_evidence(self.conflicts, row, conflict.device_id)
        for widget in (self.alarms, self.conflicts):
            widget.resizeColumnsToContents()
            widget.resizeRowsToContents()
        self._fit(self.alarms, len(self._alarms))
        self._fit(self.conflicts, len(self._conflicts))
        for label, widget, shown in (
            (self.alarms_label, self.alarms, bool(self._alarms)),
            (self.conflicts_label, self.conflicts, bool(self._conflicts)),
        ):
            label.setVisible(shown)
            widget.setVisible(shown)
        self.acknowledge_button.setVisible(bool(self._alarms))
        for part in (self.difference, self.keep_button, self.take_button):
            part.setVisible(bool(self._conflicts))
        self.setVisible(bool(self._alarms or self._conflicts))
        self.setTitle(
            t(
                "ui.sync.attention_count",
                alarms=tn("ui.sync.n_alarms", len(self._alarms)),
                conflicts=tn("ui.sync.n_conflicts", len(self._conflicts)),
            )
        )
        self._show_difference()
        self._update_buttons()

    @staticmethod
    def _device_text(labels: dict[str, str], device_id: str) -> str:
        """Who sent it: the inspector and agency as enrolled (a code only where two devices
        would read the same)."""
        return labels.get(device_id) or t("device.unknown_inspector")

    @staticmethod
    def _device_evidence(table: QTableWidget, row: int, device_id: str) -> None:
        """The device's full id on its cell's tooltip: what an investigation of an alarm
        (a copied vault) compares with the device itself, never in the text people read."""
        cell = table.item(row, 1)
        if cell is not None:
            cell.setToolTip(t("ui.sync.device_id_tip", device=device_id))

    def _fit(self, widget: QTableWidget, rows: int) -> None:
        """As tall as its rows (at most five), so a single alarm takes a single line."""
        height = widget.horizontalHeader().height() + 2 * widget.frameWidth()
        height += sum(widget.rowHeight(row) for row in range(min(rows, 5)))
        widget.setFixedHeight(max(height, widget.horizontalHeader().height() + 24))

    def _current(self, widget: QTableWidget) -> int | None:
        row = widget.currentRow()
        cell = widget.item(row, 0) if row >= 0 and widget.selectedItems() else None
        return None if cell is None else int(cell.data(STATUS_ROLE))

    def _update_buttons(self) -> None:
        self.acknowledge_button.setEnabled(self._current(self.alarms) is not None)
        chosen = self._current(self.conflicts) is not None
        self.keep_button.setEnabled(chosen)
        self.take_button.setEnabled(chosen)

    def _show_difference(self) -> None:
        """Both versions of each changed column of the chosen conflict, side by side."""
        conflict_id = self._current(self.conflicts)
        conflict = next((c for c in self._conflicts if c.id == conflict_id), None)
        if conflict is None or not self.vault.is_open:
            self.difference.setText(t("ui.sync.choose_conflict"))
        else:
            lines = [
                t(
                    "ui.sync.difference",
                    column=t(f"sync.column.{name}"),
                    here=_shown(here),
                    field=_shown(field),
                )
                for name, here, field in SyncStore(self.vault).conflict_differences(conflict)
            ]
            self.difference.setText("\n".join(lines) or t("ui.sync.changed_nothing"))
        self._update_buttons()

    # -- actions -------------------------------------------------------------------------

    def acknowledge_current(self) -> None:
        alarm_id = self._current(self.alarms)
        if alarm_id is not None and self.vault.is_open:
            SyncStore(self.vault).acknowledge_alarm(alarm_id)
            self.refresh()

    def keep_current(self) -> None:
        conflict_id = self._current(self.conflicts)
        if conflict_id is not None and self.vault.is_open:
            SyncStore(self.vault).resolve_conflict(conflict_id, "kept_local")
            self.refresh()

    def take_current(self) -> None:
        conflict_id = self._current(self.conflicts)
        if conflict_id is not None and self.vault.is_open:
            SyncStore(self.vault).take_field_version(conflict_id)
            self.refresh()

    def clear(self) -> None:
        """Forget what was shown (closing, locking)."""
        self.alarms.setRowCount(0)
        self.conflicts.setRowCount(0)
        self.difference.clear()
