"""Every referral in the vault as a table that says what each is about: document id, the visit
(site name and local date), the persons (labels), recipient, version, date made, status and
urgency.

A vault holds tens or hundreds of referrals, so the rows are read at once
(``Store.referral_listing``, newest first) and sorted in Python. GUI thread only, like the
store.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from fieldapp.domain import Referral
from fieldapp.i18n import t
from fieldapp.localtime import date_text, datetime_text
from fieldapp.store.store import ReferralListing, Store
from ui.models.roles import ROW_FLAGS, TEXT_ROLES, alignment

Index = QModelIndex | QPersistentModelIndex
UUID_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class Column:
    header: str  # message key
    text: Callable[[ReferralListing], str]
    sort_key: Callable[[ReferralListing], Any]
    numeric: bool = False


URGENCY_ORDER = {"normal": 0, "high": 1, "immediate": 2}
STATUS_ORDER = {"draft": 0, "final": 1, "queued": 2, "synced": 3}


def visit_text(row: ReferralListing) -> str:
    """ "Kwekerij De Hoek, 20-11-2026": which visit, as the visits list names it."""
    name = row.site_name or t("ui.referral.list.no_site_name")
    if row.visit_started_at is None:
        return name
    return t("ui.referral.list.visit", site=name, date=date_text(row.visit_started_at))


def persons_text(row: ReferralListing) -> str:
    return ", ".join(row.person_labels) if row.person_labels else t("ui.referral.list.no_persons")


def _ref(row: ReferralListing) -> Referral:
    return row.referral


COLUMNS: tuple[Column, ...] = (
    Column(
        "ui.referral.col.document",
        lambda r: _ref(r).document_id or "",
        lambda r: _ref(r).document_id or "",
    ),
    Column("ui.referral.col.visit", visit_text, lambda r: visit_text(r).casefold()),
    Column("ui.referral.col.persons", persons_text, lambda r: persons_text(r).casefold()),
    Column(
        "ui.referral.col.recipient",
        lambda r: t(f"recipient.{_ref(r).recipient}"),
        lambda r: t(f"recipient.{_ref(r).recipient}").casefold(),
    ),
    Column(
        "ui.referral.col.version",
        lambda r: str(_ref(r).version),
        lambda r: _ref(r).version,
        numeric=True,
    ),
    Column(
        "ui.referral.col.date",
        lambda r: datetime_text(_ref(r).meta.created_at),
        lambda r: _ref(r).meta.created_at,
    ),
    Column(
        "ui.referral.col.status",
        lambda r: t(f"referral.status.{_ref(r).status.value}"),
        lambda r: STATUS_ORDER.get(_ref(r).status.value, 9),
    ),
    Column(
        "ui.referral.col.urgency",
        lambda r: t(f"referral.urgency.{_ref(r).urgency}"),
        lambda r: URGENCY_ORDER.get(_ref(r).urgency, 0),
    ),
)
DATE_COLUMN = 5
STATUS_COLUMN = 6

_ALIGNMENTS = tuple(alignment(column.numeric) for column in COLUMNS)


class ReferralListModel(QAbstractTableModel):
    """Read-only; :data:`UUID_ROLE` gives a row's referral id."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._store: Store | None = None
        self._rows: list[ReferralListing] = []
        self._texts: dict[str, tuple[str, ...]] = {}
        self._sort_column = DATE_COLUMN
        self._sort_order = Qt.SortOrder.DescendingOrder

    def set_store(self, store: Store | None) -> None:
        self._store = store
        self.reload()

    def reload(self) -> None:
        rows = self._store.referral_listing() if self._store is not None else []
        self.beginResetModel()
        self._rows = self._sorted(rows)
        self._texts.clear()
        self.endResetModel()

    def retranslate(self) -> None:
        self.beginResetModel()
        self._texts.clear()
        self.endResetModel()

    def clear(self) -> None:
        """Forget every row and the store (on lock)."""
        self.beginResetModel()
        self._store = None
        self._rows = []
        self._texts.clear()
        self.endResetModel()

    def _sorted(self, rows: list[ReferralListing]) -> list[ReferralListing]:
        column = COLUMNS[self._sort_column]
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        # Ties: newest first, then the higher version, so the order is total and stable.
        rows = sorted(
            rows, key=lambda r: (r.referral.meta.created_at, r.referral.version), reverse=True
        )
        return sorted(rows, key=column.sort_key, reverse=descending)

    # -- lookups -----------------------------------------------------------------------------

    def listing(self, row: int) -> ReferralListing | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def referral(self, row: int) -> Referral | None:
        found = self.listing(row)
        return found.referral if found is not None else None

    def row_of(self, referral_uuid: str) -> int | None:
        return next(
            (row for row, r in enumerate(self._rows) if r.referral.meta.uuid == referral_uuid),
            None,
        )

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    # -- Qt model API --------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.column() < len(COLUMNS):
            return None
        row = self.listing(index.row())
        if row is None:
            return None
        role = int(role)
        if role in TEXT_ROLES:
            uuid = row.referral.meta.uuid
            texts = self._texts.get(uuid)
            if texts is None:
                texts = tuple(column.text(row) for column in COLUMNS)
                self._texts[uuid] = texts
            return texts[index.column()]
        if role == int(Qt.ItemDataRole.TextAlignmentRole):
            return _ALIGNMENTS[index.column()]
        if role == int(UUID_ROLE):
            return row.referral.meta.uuid
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return t(COLUMNS[section].header)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _ALIGNMENTS[section]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A model reset, not ``layoutChanged`` (see ``ui.models.visits``: PySide6 6.12.0)."""
        if not 0 <= column < len(COLUMNS):
            return
        if (column, order) == (self._sort_column, self._sort_order):
            return
        self._sort_column, self._sort_order = column, order
        self.beginResetModel()
        self._rows = self._sorted(self._rows)
        self.endResetModel()
