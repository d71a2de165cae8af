"""The visits table: one row per :class:`VisitSummary`, newest first, as the store returns it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from fieldapp.domain import VisitSummary
from fieldapp.i18n import t

Index = QModelIndex | QPersistentModelIndex

# (header key, cell text, numeric?) per column.
COLUMNS: tuple[tuple[str, Callable[[VisitSummary], str], bool], ...] = (
    ("ui.col.date", lambda visit: visit.started_at[:10], False),
    ("ui.col.site", lambda visit: visit.site_name, False),
    ("ui.col.place", lambda visit: visit.place or visit.municipality or "", False),
    ("ui.col.type", lambda visit: t(f"visit_type.{visit.type.value}"), False),
    ("ui.col.status", lambda visit: t(f"visit_status.{visit.status.value}"), False),
    ("ui.col.persons", lambda visit: str(visit.person_count), True),
    ("ui.col.signals", lambda visit: str(visit.observed_count), True),
)
UUID_ROLE = Qt.ItemDataRole.UserRole


class VisitsModel(QAbstractTableModel):
    """Read-only; :data:`UUID_ROLE` gives a row's visit id."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._visits: list[VisitSummary] = []

    def set_visits(self, visits: Iterable[VisitSummary]) -> None:
        self.beginResetModel()
        self._visits = list(visits)
        self.endResetModel()

    def clear(self) -> None:
        """Forget every row (on lock: nothing from the vault stays in memory we control)."""
        self.set_visits(())

    def visit(self, row: int) -> VisitSummary:
        return self._visits[row]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._visits)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._visits):
            return None
        if not 0 <= index.column() < len(COLUMNS):
            return None
        visit = self._visits[index.row()]
        _, text, numeric = COLUMNS[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return text(visit)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _alignment(numeric)
        if role == UUID_ROLE:
            return visit.uuid
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            key, _, numeric = COLUMNS[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return t(key)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _alignment(numeric)
            return None
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._visits):
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )


def _alignment(numeric: bool) -> int:
    """Counts right-aligned so their digits line up; text left-aligned."""
    horizontal = Qt.AlignmentFlag.AlignRight if numeric else Qt.AlignmentFlag.AlignLeft
    return int(horizontal | Qt.AlignmentFlag.AlignVCenter)
