"""The visits list as a lazy table model: every id, but only the rows on screen.

:meth:`VisitsModel.reload` runs one narrow query (``Store.visit_ids``: all matching ids in
display order), so ``rowCount`` is known at once and sorting or filtering 100k visits is one
query. The rows themselves (:class:`VisitSummary`) load a page at a time
(``Store.visit_summaries``) when a view first asks for one of them, and a bounded number of
pages stays cached. Sorting happens in the database (``sort``), never in Python.

Everything runs on the GUI thread: the store's connection belongs to it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from fieldapp.domain import VisitSummary
from fieldapp.i18n import t
from fieldapp.localtime import datetime_text
from fieldapp.store.filters import VisitFilter
from ui.models.roles import ROW_FLAGS, TEXT_ROLES, alignment

if TYPE_CHECKING:
    from fieldapp.store.store import Store

Index = QModelIndex | QPersistentModelIndex

PAGE_SIZE = 100  # a screenful is 20-40 rows; each page is one query of this many ids
MAX_CACHED_PAGES = 100  # 10,000 rows at most in memory
ID_LISTS_CACHED = 3  # the current order and the last two (about 9 MB each at 100k visits)
UUID_ROLE = Qt.ItemDataRole.UserRole

# What one row of a list is: a VisitSummary here, a row of its own in another list of visits.
RowT = TypeVar("RowT")


@dataclass(frozen=True, slots=True)
class Column(Generic[RowT]):
    header: str  # message key
    sort_key: str | None  # Store.visit_ids sort key; None: not sortable
    text: Callable[[RowT], str]
    numeric: bool = False


COLUMNS: tuple[Column[VisitSummary], ...] = (
    Column("ui.col.date", "started_at", lambda visit: datetime_text(visit.started_at)),
    Column("ui.col.site", "site", lambda visit: visit.site_name),
    Column("ui.col.place", "place", lambda visit: visit.place or ""),
    Column("ui.col.municipality", "municipality", lambda visit: visit.municipality or ""),
    Column("ui.col.sector", "sector", lambda visit: t(f"sector.{visit.sector.value}")),
    Column("ui.col.type", "type", lambda visit: t(f"visit_type.{visit.type.value}")),
    Column("ui.col.status", "status", lambda visit: t(f"visit_status.{visit.status.value}")),
    Column("ui.col.persons", None, lambda visit: str(visit.person_count), numeric=True),
    Column("ui.col.signals", None, lambda visit: str(visit.observed_count), numeric=True),
)
SITE_COLUMN = 1


RowLoader = Callable[["Store", list[str]], Sequence[Any]]


def _summaries(store: Store, visit_uuids: list[str]) -> Sequence[VisitSummary]:
    return store.visit_summaries(visit_uuids)


class VisitsModel(QAbstractTableModel):
    """Read-only; :data:`UUID_ROLE` gives a row's visit id without loading its page.

    Another list of visits (the coordinator's merged picture) passes its own ``columns`` and
    ``load_rows``: a page of row objects (each with a ``uuid``) for a list of visit ids, which
    its columns' ``text`` functions read."""

    def __init__(
        self,
        parent: Any = None,
        page_size: int = PAGE_SIZE,
        *,
        columns: tuple[Column[Any], ...] = COLUMNS,
        load_rows: RowLoader = _summaries,
    ) -> None:
        super().__init__(parent)
        self.page_size = page_size
        self.columns = columns
        self._load_rows = load_rows
        self._alignments = tuple(alignment(column.numeric) for column in columns)
        self._store: Store | None = None
        self._ids: list[str] = []
        self._pages: OrderedDict[int, dict[str, _Row]] = OrderedDict()
        self._id_cache: OrderedDict[tuple[VisitFilter, str], tuple[list[str], bool]] = OrderedDict()
        self._filter = VisitFilter()
        self._sort_column = 0
        self._sort_order = Qt.SortOrder.DescendingOrder
        self.total = 0  # visits in the vault, whatever the filter
        self.page_loads = 0  # for tests and measurements

    # -- loading -------------------------------------------------------------------------

    def set_store(self, store: Store | None) -> None:
        self._store = store
        if store is None:
            self.clear()
        else:
            self.reload()

    def set_filter(self, where: VisitFilter) -> None:
        self._filter = where
        if self._store is not None:
            self.reload(fresh=False)

    @property
    def filter(self) -> VisitFilter:
        return self._filter

    @property
    def sort_column(self) -> int:
        return self._sort_column

    @property
    def sort_order(self) -> Qt.SortOrder:
        return self._sort_order

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Header clicks land here: the database sorts. Columns without a sort key (counts)
        keep the current order."""
        if not 0 <= column < len(self.columns) or self.columns[column].sort_key is None:
            return
        if (column, order) == (self._sort_column, self._sort_order) and self._ids:
            return
        self._sort_column, self._sort_order = column, order
        if self._store is not None:
            self.reload(fresh=False)

    def reload(self, *, fresh: bool = True) -> None:
        """Query the ids again. ``fresh`` (after an edit or an import) also forgets the cached
        id lists and counts the vault again; a new sort or filter on unchanged data may reuse
        a cached list (the reversed order is the same list reversed).

        The query runs before the reset, so a failing query leaves the model as it was. A
        model reset, not ``layoutChanged``: PySide6 6.12.0 corrupted a refcount each time
        Python emitted ``layoutAboutToBeChanged``/``layoutChanged`` (the process then died at
        exit with "bool_dealloc"). The view puts the selection back on the same visit."""
        if fresh:
            self._id_cache.clear()
        ids: list[str] = []
        total = 0
        if self._store is not None:
            ids = self._query_ids()
            total = self.total
            if fresh:
                # Without a filter the ids are every visit: no second query needed.
                unfiltered = self._filter == VisitFilter()
                total = len(ids) if unfiltered else self._store.count_visits()
        self.beginResetModel()
        self._pages.clear()
        self._ids, self.total = ids, total
        self.endResetModel()

    def retranslate(self) -> None:
        """Cell texts are made from the rows when first shown: forget them (the rows reload
        a page at a time) and repaint, in the new language."""
        self.beginResetModel()
        self._pages.clear()
        self.endResetModel()

    def clear(self) -> None:
        """Forget every row and the store (on lock: nothing from the vault stays here)."""
        self.beginResetModel()
        self._store = None
        self._ids = []
        self._pages.clear()
        self._id_cache.clear()
        self._filter = VisitFilter()
        self.total = 0
        self.endResetModel()

    def _query_ids(self) -> list[str]:
        assert self._store is not None
        key = self.columns[self._sort_column].sort_key or "started_at"
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        cache_key = (self._filter, key)
        cached = self._id_cache.get(cache_key)
        if cached is not None:
            self._id_cache.move_to_end(cache_key)
            ids, cached_descending = cached
            # ORDER BY key DIR, uuid DIR is a total order: the other direction is the exact
            # reverse (NULLs too: first ascending, last descending).
            return ids if cached_descending == descending else ids[::-1]
        ids = self._store.visit_ids(self._filter, key, descending)
        self._id_cache[cache_key] = (ids, descending)
        while len(self._id_cache) > ID_LISTS_CACHED:
            self._id_cache.popitem(last=False)
        return ids

    def _entry(self, row: int) -> _Row | None:
        if self._store is None or not 0 <= row < len(self._ids):
            return None
        number = row // self.page_size
        page = self._pages.get(number)
        if page is None:
            start = number * self.page_size
            ids = self._ids[start : start + self.page_size]
            page = {row.uuid: _Row(row, self.columns) for row in self._load_rows(self._store, ids)}
            self._pages[number] = page
            self.page_loads += 1
            while len(self._pages) > MAX_CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page.get(self._ids[row])  # None when deleted since the ids were read

    # -- lookups -------------------------------------------------------------------------

    def visit(self, row: int) -> Any:
        """The loaded row object (a :class:`VisitSummary` unless ``load_rows`` says else)."""
        entry = self._entry(row)
        return None if entry is None else entry.visit

    def visit_id(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, visit_uuid: str) -> int | None:
        try:
            return self._ids.index(visit_uuid)
        except ValueError:
            return None

    @property
    def cached_pages(self) -> int:
        return len(self._pages)

    # -- Qt model API --------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # Called for every visible cell and role on each paint: plain ints, cached texts.
        column = index.column()
        if not 0 <= column < len(self.columns) or not index.isValid():
            return None
        role = int(role)
        if role in TEXT_ROLES:
            entry = self._entry(index.row())
            if entry is None:
                return "" if 0 <= index.row() < len(self._ids) else None
            return entry.texts()[column]
        if role == _ALIGNMENT_ROLE:
            return self._alignments[column]
        if role == _UUID_ROLE:
            return self.visit_id(index.row())
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            column = self.columns[section]
            if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
                return t(column.header)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return self._alignments[section]
            if role == Qt.ItemDataRole.ToolTipRole and column.sort_key is not None:
                return t("ui.visits.sort_tip")
            return None
        if (
            orientation == Qt.Orientation.Vertical
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(self._ids)
        ):
            return str(section + 1)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        return ROW_FLAGS if index.isValid() else Qt.ItemFlag.NoItemFlags


class _Row:
    """One loaded visit and, once painted, its cell texts (made once, not on every paint)."""

    __slots__ = ("_columns", "_texts", "visit")

    def __init__(self, visit: Any, columns: tuple[Column[Any], ...]) -> None:
        self.visit = visit
        self._columns = columns
        self._texts: tuple[str, ...] | None = None

    def texts(self) -> tuple[str, ...]:
        if self._texts is None:
            self._texts = tuple(column.text(self.visit) for column in self._columns)
        return self._texts


_ALIGNMENT_ROLE = int(Qt.ItemDataRole.TextAlignmentRole)
_UUID_ROLE = int(UUID_ROLE)
