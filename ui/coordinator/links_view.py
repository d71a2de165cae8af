"""Linked cases: clusters of sites that share a KvK number, address, phone number, plate,
website, handle or (similar) name, each with the visits behind it.

The keys are refreshed and the clusters found on a worker thread with its own connection
(``fieldapp.links.background``): opening the tab costs nothing, and a refresh (the button, F5)
shows a busy state until it is done. The tree is lazy (:class:`ClustersModel`): a visit
row's text loads with its page (one query, on the GUI thread's connection) when it is first
shown. Below the tree, why the chosen cluster is linked. A visit row opened (Enter,
double-click) asks the main window to open that visit (:attr:`LinksView.open_visit_requested`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any, overload

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import VisitSummary
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t, tn
from fieldapp.links import describe
from fieldapp.links.background import LinksResult, links_key, load_links
from fieldapp.links.clusters import Cluster
from fieldapp.localtime import datetime_text
from fieldapp.store.store import Store
from fieldapp.vault.vault import Vault
from fieldapp.vault.worker import WorkerVaultKey
from ui.runner import JobRunner
from ui.session import describe_error
from ui.widgets import MessageLabel, heading, paragraph

Index = QModelIndex | QPersistentModelIndex
VISIT_ROLE = Qt.ItemDataRole.UserRole  # a visit row's visit id (None on a cluster row)
CLUSTER_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's cluster (its position in the list)
VISIT_PAGE = 100
MAX_CACHED_PAGES = 50  # 5,000 visit rows at most in memory
# Visit rows under one cluster, newest first; a larger cluster says how many more it has.
# Opening a cluster lays out every row (measured: 1.7 s for 120k rows, a few ms for 1,000),
# and a cluster of thousands of visits is a lead to narrow down, not to read row by row.
MAX_VISIT_ROWS = 1_000
DETAIL_HEIGHT = 170
LARGE_TOUCH_TREE = "QTreeView::item { min-height: 40px; }"
_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_COLUMNS = (
    "ui.links.col.date",
    "ui.links.col.site",
    "ui.links.col.place",
    "ui.links.col.municipality",
    "ui.links.col.type",
    "ui.links.col.persons",
)
_PERSONS_COLUMN = 5

VisitLoader = Callable[[list[str]], list[VisitSummary]]


class ClustersModel(QAbstractItemModel):
    """Clusters at the top, their visits below. Every id is known from the clusters, so row
    counts are exact at once; a visit row's text loads with its page (one query for
    :data:`VISIT_PAGE` visits) the first time a view asks for it, and a bounded number of pages
    stays cached. A cluster row's internal id is 0; a visit row's is its cluster's row + 1."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._clusters: list[Cluster] = []
        self._pages: OrderedDict[tuple[int, int], dict[str, VisitSummary]] = OrderedDict()
        self._labels: dict[int, str] = {}
        self._loader: VisitLoader | None = None
        self.page_loads = 0  # for tests and measurements

    # -- contents --------------------------------------------------------------------------

    def set_clusters(self, clusters: list[Cluster], loader: VisitLoader | None) -> None:
        self.beginResetModel()
        self._clusters = list(clusters)
        self._pages.clear()
        self._labels.clear()
        self._loader = loader
        self.endResetModel()

    def clear(self) -> None:
        self.set_clusters([], None)

    @property
    def total(self) -> int:
        return len(self._clusters)

    @property
    def cached_pages(self) -> int:
        return len(self._pages)

    def cluster(self, index: Index) -> Cluster | None:
        number = self._cluster_number(index)
        return None if number is None else self._clusters[number]

    def _cluster_number(self, index: Index) -> int | None:
        if not index.isValid():
            return None
        internal = index.internalId()
        return index.row() if internal == 0 else internal - 1

    def visit_uuid(self, index: Index) -> str | None:
        """A visit row's id, without loading its page (None for a cluster or "more" row)."""
        if not index.isValid() or index.internalId() == 0:
            return None
        uuids = self._clusters[index.internalId() - 1].visit_uuids
        return uuids[index.row()] if index.row() < min(len(uuids), MAX_VISIT_ROWS) else None

    def _is_more_row(self, index: Index) -> bool:
        return index.internalId() != 0 and index.row() >= MAX_VISIT_ROWS

    def visit(self, index: Index) -> VisitSummary | None:
        """A visit row's summary (its page is loaded if need be); None for a cluster row or a
        visit gone since the clusters were found."""
        uuid = self.visit_uuid(index)
        if uuid is None or self._loader is None:
            return None
        number, page = index.internalId() - 1, index.row() // VISIT_PAGE
        rows = self._pages.get((number, page))
        if rows is None:
            first = page * VISIT_PAGE
            ids = list(self._clusters[number].visit_uuids[first : first + VISIT_PAGE])
            rows = {visit.uuid: visit for visit in self._loader(ids)}
            self.page_loads += 1
            self._pages[(number, page)] = rows
            while len(self._pages) > MAX_CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end((number, page))
        return rows.get(uuid)

    def _where(self, number: int) -> str:
        """The newest visit's site and municipality: which business a cluster is about. One
        small query per cluster row shown, then remembered."""
        if number not in self._labels:
            cluster = self._clusters[number]
            found = self._loader(list(cluster.visit_uuids[:1])) if self._loader else []
            self._labels[number] = (
                ", ".join(part for part in (found[0].site_name, found[0].municipality) if part)
                if found
                else ""
            )
        return self._labels[number]

    # -- structure -------------------------------------------------------------------------

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008 - Qt API
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, 0)
        return self.createIndex(row, column, parent.row() + 1)

    @overload
    def parent(self) -> QObject | None: ...
    @overload
    def parent(self, child: Index) -> QModelIndex: ...
    def parent(self, child: Index | None = None) -> QObject | QModelIndex | None:
        """A visit row's cluster row; without an argument, the QObject parent (as Qt's own)."""
        if child is None:
            return QObject.parent(self)
        if not child.isValid() or child.internalId() == 0:
            return QModelIndex()
        return self.createIndex(child.internalId() - 1, 0, 0)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        if not parent.isValid():
            return len(self._clusters)
        if parent.column() != 0 or parent.internalId() != 0:
            return 0  # visits have no children
        return _visit_rows(self._clusters[parent.row()])

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt API
        return len(_COLUMNS)

    # -- data ------------------------------------------------------------------------------

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == CLUSTER_ROLE:
            return self._cluster_number(index)
        if index.internalId() == 0:
            return self._cluster_data(index.row(), index.column(), role)
        if role == VISIT_ROLE:
            return self.visit_uuid(index)
        if self._is_more_row(index):
            return self._more_data(index, role)
        if role == Qt.ItemDataRole.DisplayRole:
            visit = self.visit(index)
            if visit is None:
                return t("ui.links.visit_gone") if index.column() == 0 else ""
            return _visit_text(visit, index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == _PERSONS_COLUMN:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole:
            return t("ui.links.open_hint")
        return None

    def _more_data(self, index: Index, role: int) -> Any:
        if index.column() != 0 or role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.AccessibleTextRole,
        ):
            return None
        cluster = self._clusters[index.internalId() - 1]
        return tn("ui.links.more_visits", cluster.visits - MAX_VISIT_ROWS, shown=MAX_VISIT_ROWS)

    def _cluster_data(self, number: int, column: int, role: int) -> Any:
        if column != 0:
            return None
        cluster = self._clusters[number]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            where = self._where(number)
            headline = describe.headline(cluster)
            return t("ui.links.cluster_row", headline=headline, where=where) if where else headline
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(
                (describe.why_linked(cluster), describe.agencies(cluster), describe.period(cluster))
            )
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(_COLUMNS)
        ):
            return t(_COLUMNS[section])
        return None


def _visit_rows(cluster: Cluster) -> int:
    """The newest :data:`MAX_VISIT_ROWS` visits, and one row saying how many more there are."""
    if cluster.visits > MAX_VISIT_ROWS:
        return MAX_VISIT_ROWS + 1
    return cluster.visits


def _visit_text(visit: VisitSummary, column: int) -> str:
    values = (
        datetime_text(visit.started_at),
        visit.site_name,
        visit.place or "",
        visit.municipality or "",
        t(f"visit_type.{visit.type.value}"),
        str(visit.person_count),
    )
    return values[column] if 0 <= column < len(values) else ""


class LinksView(QWidget):
    """``LinksView(vault, runner, parent)``: a tab of the coordinator's workspace."""

    open_visit_requested = Signal(str)
    busy_changed = Signal(bool)

    def __init__(self, vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.runner = runner
        self.busy = False
        self.last_result: LinksResult | None = None
        self._generation = 0  # a result for an older generation (after clear) is dropped

        self.model = ClustersModel(self)
        self.tree = QTreeView()
        self.tree.setObjectName("links_tree")
        self.tree.setModel(self.model)
        self.tree.setAccessibleName(t("ui.links.tree"))
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setExpandsOnDoubleClick(False)  # double-click opens (a visit) or toggles
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        date_width = self.tree.fontMetrics().horizontalAdvance(
            datetime_text("2026-12-30T23:59:00Z")
        )
        self.tree.setColumnWidth(0, date_width + 2 * self.tree.indentation() + 16)
        self.tree.activated.connect(self._activated)
        self.tree.installEventFilter(self)
        self.model.modelReset.connect(self._span_cluster_rows)
        self.tree.selectionModel().currentChanged.connect(self._show_detail)

        self.refresh_button = QPushButton(t("ui.links.refresh"))
        self.refresh_button.setObjectName("links_refresh")
        self.refresh_button.setAccessibleName(t("ui.links.refresh_accessible"))
        self.refresh_button.setToolTip(t("ui.links.refresh_tip"))
        self.refresh_button.setAutoDefault(False)
        self.refresh_button.clicked.connect(lambda _checked=False: self.refresh(force=True))
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, lambda: self.refresh(force=True))

        self.status = paragraph(t("ui.links.loading"), secondary=True)
        self.status.setObjectName("links_status")
        self.message = MessageLabel()
        self.detail = QLabel(t("ui.links.detail_empty"))
        self.detail.setObjectName("links_detail")
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setAccessibleName(t("ui.links.detail"))

        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.refresh_button)
        why = QLabel(t("ui.links.why_heading"))
        why.setObjectName("links_why")
        bold = why.font()
        bold.setBold(True)
        why.setFont(bold)
        detail_box = QWidget()
        detail_column = QVBoxLayout(detail_box)
        detail_column.setContentsMargins(0, 6, 0, 0)
        detail_column.addWidget(why)
        detail_column.addWidget(self.detail, 1)
        # Below the tree, not beside it: a cluster's sentence needs the whole width.
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.tree)
        splitter.addWidget(detail_box)
        splitter.setStretchFactor(0, 4)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([600, DETAIL_HEIGHT])

        column = QVBoxLayout(self)
        column.addWidget(heading(t("ui.links.title")))
        column.addWidget(paragraph(t("ui.links.intro"), secondary=True))
        column.addLayout(top)
        column.addWidget(self.message)
        column.addWidget(splitter, 1)
        column.addWidget(paragraph(t("ui.links.privacy_note"), secondary=True))
        self.setFocusProxy(self.tree)

        self.refresh(force=False)

    # -- loading ---------------------------------------------------------------------------

    def refresh(self, *, force: bool) -> None:
        """Refresh the keys (always when ``force``, else only when stale) and the clusters,
        on a worker thread."""
        if self.busy or not self.vault.is_open:
            return
        self.message.clear_message()
        try:
            key = links_key(self.vault)
        except FieldAppError as exc:
            self._show_error(exc)
            return
        self._set_busy(True)
        generation = self._generation
        self.runner.run(
            lambda: load_links(key, refresh=force),
            lambda result: self._loaded(generation, result),
            lambda exc: self._failed(generation, key, exc),
        )

    def _loaded(self, generation: int, result: LinksResult) -> None:
        self._set_busy(False)
        if generation != self._generation or not self.vault.is_open:
            return
        self.last_result = result
        store = Store(self.vault)
        self.model.set_clusters(result.clusters, store.visit_summaries)
        key = "ui.links.status_refreshed" if result.refreshed else "ui.links.status"
        self.status.setText(tn(key, self.model.total))
        self.status.setAccessibleName(self.status.text())
        if self.model.rowCount():
            self.tree.setCurrentIndex(self.model.index(0, 0))
        else:
            self.detail.setText(t("ui.links.none"))

    def _failed(self, generation: int, key: WorkerVaultKey, exc: BaseException) -> None:
        key.discard()
        self._set_busy(False)
        if generation == self._generation:
            self._show_error(exc)

    def _show_error(self, exc: BaseException) -> None:
        text = describe_error(exc)
        self.message.show_error(text)
        self.status.setText(text)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.refresh_button.setEnabled(not busy)
        self.tree.setEnabled(not busy)
        if busy:
            self.status.setText(t("ui.links.loading"))
            self.refresh_button.setText(t("ui.links.refreshing"))
            self.setCursor(Qt.CursorShape.BusyCursor)
        else:
            self.refresh_button.setText(t("ui.links.refresh"))
            self.unsetCursor()
        self.busy_changed.emit(busy)

    def clear(self) -> None:
        """The workspace closes (or the vault locks): forget every cluster and visit shown."""
        self._generation += 1
        self.last_result = None
        self.model.clear()
        self.detail.setText(t("ui.links.detail_empty"))
        self.status.setText("")

    def set_large_touch(self, enabled: bool) -> None:
        self.tree.setStyleSheet(LARGE_TOUCH_TREE if enabled else "")

    # -- the tree --------------------------------------------------------------------------

    def _span_cluster_rows(self) -> None:
        for row in range(self.model.rowCount()):
            self.tree.setFirstColumnSpanned(row, QModelIndex(), True)

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        cluster = self.model.cluster(current)
        if cluster is None:
            self.detail.setText(t("ui.links.detail_empty"))
            return
        lines = [
            describe.headline(cluster),
            describe.why_linked(cluster),
            describe.agencies(cluster),
            describe.period(cluster),
            t("ui.links.records", records=describe.count("records", cluster.records)),
            "",
            t("ui.links.open_hint"),
        ]
        self.detail.setText("\n".join(lines))

    def _activated(self, index: QModelIndex) -> None:
        visit_uuid = self.model.data(index, VISIT_ROLE)
        if visit_uuid:
            self.open_visit_requested.emit(visit_uuid)
            return
        first = index.siblingAtColumn(0)
        self.tree.setExpanded(first, not self.tree.isExpanded(first))

    def open_current(self) -> None:
        index = self.tree.currentIndex()
        if index.isValid():
            self._activated(index)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter opens the current visit (or opens a cluster) on every platform: Qt's
        ``activated`` on Enter depends on the style."""
        if (
            watched is self.tree
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in _OPEN_KEYS
        ):
            self.open_current()
            return True
        return super().eventFilter(watched, event)
