"""Referral follow-up: every referral that reached the coordinator, overdue ones first, then by
due date; beside the list, the chosen referral's status, outcome, due date and note.

The list is lazy (:class:`FollowUpModel`): one query for the ids in order
(``fieldapp.followup.referral_ids``), then a page of rows when a view first shows one. Every
change is checked by the core and committed before the panel says it was saved; a refused one
shows why and changes nothing. A saved row is updated in place, so the list does not jump
while the coordinator works through it; the order is computed again on Refresh (F5), a new
filter, or when the tab is shown again. A row opened (double-click, Enter) asks the main
window to open its visit (:attr:`FollowUpView.open_visit_requested`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFocusEvent, QFont, QKeyEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp import followup
from fieldapp.agencies import agency_name
from fieldapp.errors import FieldAppError
from fieldapp.followup import FollowUp
from fieldapp.i18n import t, tn
from fieldapp.localtime import date_text, datetime_text, local_now, time_text
from fieldapp.vault.vault import Vault
from ui.models.roles import ROW_FLAGS, TEXT_ROLES, alignment
from ui.runner import JobRunner
from ui.widgets import LARGE_TOUCH_ROW_HEIGHT, ROW_HEIGHT, MessageLabel, heading, paragraph

Index = QModelIndex | QPersistentModelIndex
UUID_ROLE = Qt.ItemDataRole.UserRole  # the referral id
VISIT_ROLE = Qt.ItemDataRole.UserRole + 1  # its visit's id
PAGE_SIZE = 100
MAX_CACHED_PAGES = 50
EDITOR_WIDTH = 380
_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


def shown_date(iso_date: str | None) -> str:
    """2026-11-30 as the one date format (``fieldapp.localtime``); None -> an em dash."""
    return date_text(iso_date) if iso_date else "—"


@dataclass(frozen=True, slots=True)
class Column:
    header: str  # message key
    text: Callable[[FollowUp, str], str]  # (row, today)
    numeric: bool = False


def _overdue_text(item: FollowUp, today: str) -> str:
    days = item.days_overdue(today)
    return t("ui.followup.days", days=days) if days else ""


def _site_text(item: FollowUp, _today: str) -> str:
    return f"{item.site_name} ({item.place})" if item.place else item.site_name


COLUMNS: tuple[Column, ...] = (
    Column("ui.followup.col.overdue", _overdue_text, numeric=True),
    Column("ui.followup.col.due", lambda item, _: shown_date(item.due_date)),
    Column("ui.followup.col.status", lambda item, _: t(f"followup.status.{item.status}")),
    Column("ui.followup.col.recipient", lambda item, _: t(f"recipient.{item.recipient}")),
    Column("ui.followup.col.site", _site_text),
    Column("ui.followup.col.visit_date", lambda item, _: datetime_text(item.visit_started_at)),
    Column(
        "ui.followup.col.sender", lambda item, _: agency_name(item.agency) or item.inspector or ""
    ),
    Column("ui.followup.col.document", lambda item, _: item.document_id or ""),
    Column(
        "ui.followup.col.outcome",
        lambda item, _: t(f"followup.outcome.{item.outcome}") if item.outcome else "",
    ),
)
_ALIGNMENTS = tuple(alignment(column.numeric) for column in COLUMNS)


class _Row:
    __slots__ = ("item", "overdue", "texts")

    def __init__(self, item: FollowUp, today: str) -> None:
        self.item = item
        self.overdue = item.days_overdue(today) > 0
        self.texts = tuple(column.text(item, today) for column in COLUMNS)


class FollowUpModel(QAbstractTableModel):
    """Read-only table; :data:`UUID_ROLE` gives a row's referral id without loading its page,
    :data:`VISIT_ROLE` its visit. GUI thread only, like the vault's connection."""

    def __init__(self, parent: Any = None, page_size: int = PAGE_SIZE) -> None:
        super().__init__(parent)
        self.page_size = page_size
        self._vault: Vault | None = None
        self._ids: list[str] = []
        self._pages: OrderedDict[int, dict[str, _Row]] = OrderedDict()
        self._status: str | None = None
        self.today = followup.local_today()
        self.page_loads = 0

    def set_vault(self, vault: Vault | None) -> None:
        self._vault = vault
        self.reload()

    def set_status_filter(self, status: str | None) -> None:
        self._status = status
        self.reload()

    @property
    def status_filter(self) -> str | None:
        return self._status

    @property
    def has_vault(self) -> bool:
        return self._vault is not None

    def reload(self) -> None:
        """The ids again, in order, as of today. The query runs before the reset, so a failing
        query leaves the model as it was."""
        today = followup.local_today()
        ids = [] if self._vault is None else followup.referral_ids(self._vault, self._status, today)
        self.beginResetModel()
        self.today = today
        self._ids = ids
        self._pages.clear()
        self.endResetModel()

    def refresh_row(self, referral_uuid: str) -> None:
        """Read one referral again after an edit; it keeps its place in the list."""
        row = self.row_of(referral_uuid)
        if row is None or self._vault is None:
            return
        page = self._pages.get(row // self.page_size)
        if page is not None:
            found = followup.followups(self._vault, [referral_uuid])
            if found:
                page[referral_uuid] = _Row(found[0], self.today)
            else:
                page.pop(referral_uuid, None)
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(COLUMNS) - 1))

    def clear(self) -> None:
        self.beginResetModel()
        self._vault = None
        self._ids = []
        self._pages.clear()
        self.endResetModel()

    def _entry(self, row: int) -> _Row | None:
        if self._vault is None or not 0 <= row < len(self._ids):
            return None
        number = row // self.page_size
        page = self._pages.get(number)
        if page is None:
            start = number * self.page_size
            ids = self._ids[start : start + self.page_size]
            page = {item.referral_uuid: _Row(item, self.today) for item in self._followups(ids)}
            self._pages[number] = page
            self.page_loads += 1
            while len(self._pages) > MAX_CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page.get(self._ids[row])

    def _followups(self, ids: list[str]) -> list[FollowUp]:
        assert self._vault is not None
        return followup.followups(self._vault, ids)

    # -- lookups -------------------------------------------------------------------------

    def followup(self, row: int) -> FollowUp | None:
        entry = self._entry(row)
        return None if entry is None else entry.item

    def referral_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, referral_uuid: str) -> int | None:
        try:
            return self._ids.index(referral_uuid)
        except ValueError:
            return None

    # -- Qt model API --------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        column = index.column()
        if not index.isValid() or not 0 <= column < len(COLUMNS):
            return None
        role = int(role)
        if role == int(UUID_ROLE):
            return self.referral_id(index.row())
        if role in TEXT_ROLES:
            entry = self._entry(index.row())
            return "" if entry is None else entry.texts[column]
        if role == int(Qt.ItemDataRole.TextAlignmentRole):
            return _ALIGNMENTS[column]
        if role == int(Qt.ItemDataRole.FontRole):
            entry = self._entry(index.row())
            if entry is not None and entry.overdue:
                font = QFont()
                font.setBold(True)  # overdue stands out without colour
                return font
            return None
        if role == int(VISIT_ROLE):
            entry = self._entry(index.row())
            return None if entry is None else entry.item.visit_uuid
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return t(COLUMNS[section].header)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _ALIGNMENTS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags


class NoteEdit(QPlainTextEdit):
    """The note; says when the focus leaves it (the note is saved then)."""

    left = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.left.emit()


class FollowUpView(QWidget):
    """The workspace tab ``followup``; built as ``FollowUpView(vault, runner, parent)``."""

    open_visit_requested = Signal(str)  # a visit id
    saved = Signal(str)  # a referral id, after its follow-up was committed

    def __init__(self, vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.runner = runner
        self.model = FollowUpModel(self)
        self._current: FollowUp | None = None
        self._shown_once = False

        self.count = QLabel()
        self.count.setObjectName("secondary")
        self.show_filter = QComboBox()
        self.show_filter.setAccessibleName(t("ui.followup.show"))
        self.show_filter.setToolTip(t("ui.followup.show"))
        self.show_filter.addItem(t("ui.followup.show_all"), None)
        for status in ("open", "overdue", *followup.STATUSES):
            self.show_filter.addItem(t(f"followup.status.{status}"), status)
        self.show_filter.currentIndexChanged.connect(self._filter_changed)
        self.refresh_button = QPushButton(t("ui.followup.refresh"))
        self.refresh_button.setToolTip(t("ui.followup.refresh_tip"))
        self.refresh_button.clicked.connect(self.refresh)
        top = QHBoxLayout()
        title = heading(t("ui.followup.title"))
        title.setWordWrap(False)
        top.addWidget(title)
        top.addSpacing(12)
        top.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        top.addStretch(1)
        top.addWidget(QLabel(t("ui.followup.show")))
        top.addWidget(self.show_filter)
        top.addWidget(self.refresh_button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName(t("ui.followup.table"))
        self.table.setAccessibleDescription(t("ui.followup.table_help"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        self._size_columns()
        self.table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        self.table.installEventFilter(self)
        self.table.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self._show_row(current.row())
        )
        self.empty = paragraph(t("ui.followup.empty"), secondary=True)

        self.editor = self._build_editor()
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.table)
        splitter.addWidget(self.editor)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 0)
        splitter.setChildrenCollapsible(False)
        self.splitter = splitter

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.empty)

        refresh = QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self)
        refresh.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        refresh.activated.connect(self.refresh)
        save = QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self)
        save.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        save.activated.connect(self.save)

        self.model.modelReset.connect(self._update_state)
        self.model.set_vault(vault)
        self._show_row(-1)
        if self.model.rowCount():
            self.table.selectRow(0)

    # -- the editor panel ----------------------------------------------------------------

    def _build_editor(self) -> QWidget:
        panel = QWidget()
        panel.setMinimumWidth(EDITOR_WIDTH)
        panel.setMaximumWidth(EDITOR_WIDTH + 80)
        self.subject = QLabel()
        self.subject.setWordWrap(True)
        self.subject.setObjectName("heading")
        self.details = paragraph(secondary=True, selectable=True)

        self.status = QComboBox()
        for status in followup.STATUSES:
            self.status.addItem(t(f"followup.status.{status}"), status)
        self.status.setAccessibleName(t("ui.followup.status"))
        self.status.currentIndexChanged.connect(self._status_changed)
        self.outcome = QComboBox()
        self.outcome.addItem(t("ui.followup.no_outcome"), None)
        for outcome in followup.OUTCOMES:
            self.outcome.addItem(t(f"followup.outcome.{outcome}"), outcome)
        self.outcome.setAccessibleName(t("ui.followup.outcome"))
        self.outcome.currentIndexChanged.connect(self._outcome_changed)
        self.due = QLineEdit()
        self.due.setPlaceholderText(t("ui.followup.due_hint"))
        self.due.setAccessibleName(t("ui.followup.due"))
        self.due.setMaxLength(20)
        self.due.editingFinished.connect(self._due_finished)
        self.due_default = paragraph(secondary=True)
        self.note = NoteEdit()
        self.note.setAccessibleName(t("ui.followup.note"))
        self.note.setTabChangesFocus(True)
        self.note.setPlaceholderText(t("ui.followup.note_hint"))
        self.note.left.connect(self._note_left)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(t("ui.followup.status"), self.status)
        form.addRow(t("ui.followup.outcome"), self.outcome)
        form.addRow(t("ui.followup.due"), self.due)
        form.addRow("", self.due_default)
        form.addRow(t("ui.followup.note"), self.note)

        self.save_button = QPushButton(t("ui.followup.save"))
        self.save_button.setToolTip(t("ui.followup.save_tip"))
        self.save_button.clicked.connect(self.save)
        self.open_button = QPushButton(t("ui.followup.open_visit"))
        self.open_button.clicked.connect(self.open_current)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        self.message = MessageLabel()

        column = QVBoxLayout(panel)
        column.setContentsMargins(12, 0, 0, 0)
        column.addWidget(self.subject)
        column.addWidget(self.details)
        column.addLayout(form)
        column.addLayout(buttons)
        column.addWidget(self.message)
        column.addStretch(1)
        return panel

    def _editor_widgets(self) -> tuple[QWidget, ...]:
        return (self.status, self.outcome, self.due, self.note, self.save_button, self.open_button)

    def _show_row(self, row: int) -> None:
        """Put the referral of ``row`` in the panel (none: an empty, disabled panel)."""
        item = self.model.followup(row) if row >= 0 else None
        self._current = item
        self.message.clear_message()
        widgets = self._editor_widgets()
        for widget in widgets:
            widget.blockSignals(True)
            widget.setEnabled(item is not None)
        if item is None:
            self.subject.setText(t("ui.followup.none_chosen"))
            self.details.clear()
            self.status.setCurrentIndex(0)
            self.outcome.setCurrentIndex(0)
            self.due.clear()
            self.due_default.clear()
            self.note.clear()
        else:
            self.subject.setText(
                t(
                    "ui.followup.subject",
                    recipient=t(f"recipient.{item.recipient}"),
                    site=item.site_name,
                )
            )
            self.details.setText(
                t(
                    "ui.followup.details",
                    document=item.document_id or "—",
                    made=datetime_text(item.created_at),
                    sender=agency_name(item.agency) or item.inspector or "—",
                )
            )
            self.status.setCurrentIndex(max(0, self.status.findData(item.status)))
            self.outcome.setCurrentIndex(max(0, self.outcome.findData(item.outcome)))
            self.outcome.setEnabled(item.status == "closed")
            self.due.setText("" if item.due_date is None else shown_date(item.due_date))
            default = followup.default_due_date(item.recipient, item.created_at)
            self.due_default.setText(
                t("ui.followup.due_default", date=shown_date(default))
                if default
                else t("ui.followup.due_none")
            )
            self.note.setPlainText(item.note or "")
        for widget in widgets:
            widget.blockSignals(False)

    def _status_changed(self) -> None:
        closing = self.status.currentData() == "closed"
        self.outcome.setEnabled(closing)
        if not closing:
            self.outcome.blockSignals(True)
            self.outcome.setCurrentIndex(0)
            self.outcome.blockSignals(False)
        elif self.outcome.currentData() is None:
            # Closing needs an outcome: saved once one is chosen.
            self.message.show_info(t("ui.followup.choose_outcome"))
            self.outcome.setFocus()
            return
        self.save()

    def _outcome_changed(self) -> None:
        if self.status.currentData() == "closed" and self.outcome.currentData() is not None:
            self.save()

    def _due_finished(self) -> None:
        item = self._current
        if item is None:
            return
        shown = "" if item.due_date is None else shown_date(item.due_date)
        if self.due.text().strip() != shown:
            self.save()

    def _note_left(self) -> None:
        item = self._current
        if item is not None and self.note.toPlainText().strip() != (item.note or ""):
            self.save()

    def save(self) -> bool:
        """Check and commit what the panel says; only then show it as saved."""
        item = self._current
        if item is None:
            return False
        status = self.status.currentData()
        if self._unchanged(item):
            return True
        try:
            saved = followup.update(
                self.vault,
                item.referral_uuid,
                status=status,
                outcome=self.outcome.currentData() if status == "closed" else None,
                due_date=self.due.text(),
                note=self.note.toPlainText(),
            )
        except FieldAppError as exc:
            self.message.show_error(exc.message())
            return False
        self._current = saved
        self.model.refresh_row(saved.referral_uuid)
        row = self.model.row_of(saved.referral_uuid)
        if row is not None:
            self._show_row(row)
        self.message.show_info(t("ui.followup.saved", time=time_text(local_now())))
        self._update_count()
        self.saved.emit(saved.referral_uuid)
        return True

    def _unchanged(self, item: FollowUp) -> bool:
        """The panel says what is stored (leaving the note for the Save button, say)."""
        shown_due = "" if item.due_date is None else shown_date(item.due_date)
        return item.recorded and (
            self.status.currentData(),
            self.outcome.currentData() if self.status.currentData() == "closed" else None,
            self.due.text().strip(),
            self.note.toPlainText().strip(),
        ) == (item.status, item.outcome, shown_due, item.note or "")

    # -- the list ------------------------------------------------------------------------

    def _filter_changed(self) -> None:
        self.model.set_status_filter(self.show_filter.currentData())
        if self.model.rowCount():
            self.table.selectRow(0)

    def refresh(self) -> None:
        """Order and overdue days again (as of today), keeping the chosen referral."""
        kept = self._current.referral_uuid if self._current else None
        self.model.reload()
        row = self.model.row_of(kept) if kept else None
        if row is not None:
            self.select_row(row)
        elif self.model.rowCount():
            self.table.selectRow(0)

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def showEvent(self, event: QShowEvent) -> None:
        """Shown again (another tab was in front): the order may have changed since."""
        if self._shown_once:
            self.refresh()
        self._shown_once = True
        super().showEvent(event)

    def _open_row(self, row: int) -> None:
        item = self.model.followup(row)
        if item is not None:
            self.open_visit_requested.emit(item.visit_uuid)

    def open_current(self) -> None:
        if self._current is not None:
            self.open_visit_requested.emit(self._current.visit_uuid)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _OPEN_KEYS
        ):
            index = self.table.currentIndex()
            if index.isValid():
                self._open_row(index.row())
            return True
        return super().eventFilter(watched, event)

    def _update_state(self) -> None:
        self._update_count()
        has_rows = self.model.rowCount() > 0
        self.splitter.setVisible(has_rows or self.model.status_filter is not None)
        self.empty.setVisible(not has_rows and self.model.status_filter is None)
        if not has_rows:
            self._show_row(-1)

    def _update_count(self) -> None:
        if not self.model.has_vault:
            self.count.clear()
            return
        total, open_count, overdue = followup.counts(self.vault, self.model.today)
        self.count.setText(tn("ui.followup.count", total, open=open_count, overdue=overdue))

    # -- look ----------------------------------------------------------------------------

    def set_large_touch(self, enabled: bool) -> None:
        height = LARGE_TOUCH_ROW_HEIGHT if enabled else ROW_HEIGHT
        self.table.verticalHeader().setDefaultSectionSize(height)
        self._size_columns(1.3 if enabled else 1.0)

    def _size_columns(self, scale: float = 1.0) -> None:
        metrics = self.table.fontMetrics()
        samples = {
            0: "120 dagen",
            1: "00-00-0000",
            2: "ontvangst bevestigd",
            3: "Zorgcoördinator",
            4: "Kwekerij De Hoek Westland",
            5: "00-00-0000 00:00",
            6: "Arbeidsinspectie",
            7: "FA-0000000000",
            8: "doorgezet naar een andere partner",
        }
        for column, sample in samples.items():
            width = max(
                metrics.horizontalAdvance(sample),
                metrics.horizontalAdvance(t(COLUMNS[column].header)),
            )
            self.table.setColumnWidth(column, int((width + 28) * scale))

    def clear(self) -> None:
        """Nothing from the vault stays here (the workspace closes, the vault locks)."""
        self.model.clear()
        self._show_row(-1)
        self.count.clear()
