"""The visits list: filters and a search box above a lazy, database-sorted table.

Filters apply at once; typing in the search box (or a date field) applies after a short pause
(a single-shot timer), and tests call :meth:`VisitsView.apply_filters` directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from PySide6.QtCore import QDate, QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFocusEvent, QKeyEvent, QWheelEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.domain import Sector, VisitStatus
from fieldapp.i18n import t, tn
from fieldapp.localtime import qt_date_format
from fieldapp.store.filters import VisitFilter
from ui.models.visits import SITE_COLUMN, VisitsModel
from ui.widgets import LARGE_TOUCH_ROW_HEIGHT, ROW_HEIGHT, heading, paragraph

SEARCH_DELAY_MS = 250
NO_DATE = QDate(2000, 1, 1)  # the minimum of the date fields, shown as empty ("any date")
_OPEN_KEYS = (Qt.Key.Key_Return, Qt.Key.Key_Enter)
_FONT_EVENTS = (QEvent.Type.FontChange, QEvent.Type.StyleChange)


def _date_field(accessible_key: str) -> QDateEdit:
    field = QDateEdit()
    field.setCalendarPopup(True)
    field.setMinimumDate(NO_DATE)
    field.setSpecialValueText(t("ui.visits.any_date"))
    field.setDate(NO_DATE)
    field.setDisplayFormat(qt_date_format())
    field.setAccessibleName(t(accessible_key))
    field.setToolTip(t(accessible_key))
    return field


class FilterComboBox(QComboBox):
    """A filter that shows its whole choice where there is room and gives way, eliding, where
    there is not: a row of filters must fit a tablet (853 logical pixels wide)."""

    SHORTEST = 9  # characters a filter keeps at its narrowest

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        narrow = self.fontMetrics().horizontalAdvance("m" * self.SHORTEST) + 32
        return QSize(min(hint.width(), narrow), hint.height())


class LazyComboBox(FilterComboBox):
    """Fills itself the first time someone opens it, moves into it or types in it (the list
    of municipalities is a full scan of the sites: not worth making unlock wait for)."""

    def __init__(self) -> None:
        super().__init__()
        self.loader: Callable[[], None] | None = None

    def ensure_loaded(self) -> None:
        loader, self.loader = self.loader, None
        if loader is not None:
            loader()

    def showPopup(self) -> None:
        self.ensure_loaded()
        super().showPopup()

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.ensure_loaded()
        super().focusInEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        self.ensure_loaded()
        super().wheelEvent(event)


def _combo(accessible_key: str, everything_key: str, combo: QComboBox | None = None) -> QComboBox:
    combo = combo or FilterComboBox()
    combo.addItem(t(everything_key), None)
    combo.setAccessibleName(t(accessible_key))
    combo.setToolTip(t(accessible_key))
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    return combo


class VisitsView(QWidget):
    open_requested = Signal(str)  # a visit id

    NARROW_FIRST: tuple[int, ...] = (5, 3, 8, 7)  # type, municipality, signals, persons
    KEEP_WHOLE: tuple[int, ...] = (0, 6)  # date and status: never elided
    SITE_ROOM = 12  # characters the stretching site column keeps (a tablet: 853 px wide)

    def __init__(
        self,
        model: VisitsModel,
        new_visit_action: QAction | None,
        *,
        title_key: str = "ui.visits.title",
        practice_action: QAction | None = None,
    ) -> None:
        """``new_visit_action`` None: a list without a "new visit" button (the coordinator's
        merged picture). ``practice_action``: the main window's "Oefenen…" (issue 17), as a
        button beside "new visit", so practice is found where the work starts, not only in a
        menu."""
        super().__init__()
        self.model = model

        self.count = QLabel()
        self.count.setObjectName("secondary")
        self.new_button: QToolButton | None = None
        top = QHBoxLayout()
        self.title = heading(t(title_key))
        top.addWidget(self.title)
        top.addSpacing(12)
        top.addWidget(self.count, 0, Qt.AlignmentFlag.AlignBottom)
        top.addStretch(1)
        if new_visit_action is not None:
            new_button = self.new_button = QToolButton()
            new_button.setObjectName("new_visit")  # finger-sized in every look
            new_button.setDefaultAction(new_visit_action)
            new_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            new_button.setAccessibleName(new_visit_action.text().replace("&", ""))
            top.addWidget(new_button)
        self.practice_button: QToolButton | None = None
        if practice_action is not None:
            practice_button = self.practice_button = QToolButton()
            practice_button.setObjectName("practice")
            practice_button.setDefaultAction(practice_action)
            practice_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            practice_button.setAccessibleName(practice_action.iconText())  # as shown: no "…"
            # As tall as "new visit" beside it, in every look (that rule is the window's).
            practice_button.setStyleSheet("QToolButton { min-height: 44px; padding: 0 12px; }")
            top.addWidget(practice_button)

        self.search = QLineEdit()
        self.search.setPlaceholderText(t("ui.visits.search_hint"))
        self.search.setAccessibleName(t("ui.visits.search"))
        self.search.setClearButtonEnabled(True)
        self.search.setMaxLength(200)

        self.status = _combo("ui.visits.status", "ui.visits.all_statuses")
        for status in VisitStatus:
            self.status.addItem(t(f"visit_status.{status.value}"), status.value)
        self.sector = _combo("ui.visits.sector", "ui.visits.all_sectors")
        for sector in sorted(Sector, key=lambda sector: t(f"sector.{sector.value}").casefold()):
            self.sector.addItem(t(f"sector.{sector.value}"), sector.value)
        self.municipality = LazyComboBox()
        _combo("ui.visits.municipality", "ui.visits.all_municipalities", self.municipality)
        self.date_from = _date_field("ui.visits.date_from")
        self.date_to = _date_field("ui.visits.date_to")
        self.reset_button = QToolButton()
        self.reset_button.setText(t("ui.visits.reset"))
        self.reset_button.setAccessibleName(t("ui.visits.reset").replace("&", ""))
        self.reset_button.clicked.connect(self.reset_filters)

        self.dates = QWidget()
        dates = QHBoxLayout(self.dates)
        dates.setContentsMargins(8, 0, 0, 0)
        dates.setSpacing(8)
        dates.addWidget(QLabel(t("ui.visits.from")))
        dates.addWidget(self.date_from)
        dates.addWidget(QLabel(t("ui.visits.to")))
        dates.addWidget(self.date_to)
        self.filter_row = QHBoxLayout()
        self.filter_row.setSpacing(8)
        self.filter_row.addWidget(self.status)
        self.filter_row.addWidget(self.sector)
        self.filter_row.addWidget(self.municipality)
        self.filter_row.addWidget(self.dates)
        self.filter_row.addStretch(1)
        self.filter_row.addWidget(self.reset_button)
        # Large-touch mode: the dates get a row of their own (one row is wider than a tablet).
        self.date_row = QHBoxLayout()
        self.date_row.setSpacing(8)
        self.filters = QWidget()
        filter_column = QVBoxLayout(self.filters)
        filter_column.setContentsMargins(0, 0, 0, 0)
        filter_column.setSpacing(8)
        filter_column.addWidget(self.search)
        filter_column.addLayout(self.filter_row)
        filter_column.addLayout(self.date_row)

        self.table = QTableView()
        self.table.setModel(model)
        self.table.setAccessibleName(t("ui.visits.table"))
        self.table.setAccessibleDescription(t("ui.visits.table_help"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setShowGrid(False)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table, arrows move in it
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(ROW_HEIGHT)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(SITE_COLUMN, QHeaderView.ResizeMode.Stretch)
        header.setHighlightSections(False)
        header.setSortIndicator(model.sort_column, model.sort_order)
        header.setSortIndicatorShown(True)
        self.table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._keep_sortable_indicator)
        self._wanted_widths: dict[int, int] = {}
        self._narrowed: set[int] = set()  # columns hidden because the screen is too narrow
        self._size_columns()
        self.table.viewport().installEventFilter(self)
        self.table.doubleClicked.connect(lambda index: self._open_row(index.row()))
        self.table.installEventFilter(self)

        self.empty = paragraph(t("ui.visits.empty"), secondary=True)
        self.no_match = paragraph(t("ui.visits.no_match"), secondary=True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 12)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.no_match)
        layout.addWidget(self.empty)
        layout.addStretch(0)

        self.search_timer = QTimer(self)
        self.search_timer.setSingleShot(True)
        self.search_timer.setInterval(SEARCH_DELAY_MS)
        self.search_timer.timeout.connect(self.apply_filters)
        self.search.textChanged.connect(lambda _: self.search_timer.start())
        self.date_from.dateChanged.connect(lambda _: self.search_timer.start())
        self.date_to.dateChanged.connect(lambda _: self.search_timer.start())
        for combo in (self.status, self.sector, self.municipality):
            combo.currentIndexChanged.connect(lambda _: self.apply_filters())
        self.search.installEventFilter(self)

        self._kept_visit: str | None = None
        model.modelAboutToBeReset.connect(self._keep_current)
        model.modelReset.connect(self._restore_current)
        for signal in (model.modelReset, model.layoutChanged):
            signal.connect(self._update_state)
        QWidget.setTabOrder(self.search, self.status)
        QWidget.setTabOrder(self.status, self.sector)
        QWidget.setTabOrder(self.sector, self.municipality)
        QWidget.setTabOrder(self.municipality, self.date_from)
        QWidget.setTabOrder(self.date_from, self.date_to)
        QWidget.setTabOrder(self.date_to, self.reset_button)
        QWidget.setTabOrder(self.reset_button, self.table)
        self._update_state()

    # -- filters -------------------------------------------------------------------------

    def current_filter(self) -> VisitFilter:
        status, sector = self.status.currentData(), self.sector.currentData()
        return VisitFilter(
            status=VisitStatus(status) if status else None,
            sector=Sector(sector) if sector else None,
            municipality=self.municipality.currentData() or None,
            date_from=_iso(self.date_from.date()),
            date_to=_iso(self.date_to.date()),
            search=self.search.text().strip() or None,
        )

    def apply_filters(self) -> None:
        """Query the list again with what the filter fields say (at once; the search box and
        the dates call this after a short pause)."""
        self.search_timer.stop()
        where = self.current_filter()
        if where != self.model.filter:
            self.model.set_filter(where)

    def reset_filters(self) -> None:
        for widget in (self.status, self.sector, self.municipality, self.date_from, self.date_to):
            widget.blockSignals(True)
        self.status.setCurrentIndex(0)
        self.sector.setCurrentIndex(0)
        self.municipality.setCurrentIndex(0)
        self.date_from.setDate(NO_DATE)
        self.date_to.setDate(NO_DATE)
        for widget in (self.status, self.sector, self.municipality, self.date_from, self.date_to):
            widget.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.apply_filters()

    def show_filter(self, where: VisitFilter) -> None:
        """Put ``where`` into the fields without querying (the view was rebuilt); the full
        municipality list follows from :meth:`set_municipality_source` when needed."""
        widgets = (self.status, self.sector, self.municipality, self.date_from, self.date_to)
        for widget in (*widgets, self.search):
            widget.blockSignals(True)
        self.set_municipalities([where.municipality] if where.municipality else [])
        for combo, value in (
            (self.status, where.status.value if where.status else None),
            (self.sector, where.sector.value if where.sector else None),
            (self.municipality, where.municipality),
        ):
            combo.setCurrentIndex(max(0, combo.findData(value)) if value else 0)
        for field, value in ((self.date_from, where.date_from), (self.date_to, where.date_to)):
            field.setDate(QDate.fromString(value, "yyyy-MM-dd") if value else NO_DATE)
        self.search.setText(where.search or "")
        for widget in (*widgets, self.search):
            widget.blockSignals(False)
        self._update_state()

    def set_municipality_source(self, source: Callable[[], list[str]] | None) -> None:
        """Where the municipality list comes from; read when the field is first used."""
        self.municipality.loader = (
            None if source is None else (lambda: self.set_municipalities(source()))
        )

    def set_municipalities(self, names: list[str]) -> None:
        chosen = self.municipality.currentData()
        self.municipality.blockSignals(True)
        while self.municipality.count() > 1:
            self.municipality.removeItem(1)
        for name in names:
            self.municipality.addItem(name, name)
        index = self.municipality.findData(chosen) if chosen else 0
        self.municipality.setCurrentIndex(max(0, index))
        self.municipality.blockSignals(False)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- rows ----------------------------------------------------------------------------

    def current_visit(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.visit_id(index.row()) if index.isValid() else None

    def select_visit(self, visit_uuid: str) -> bool:
        row = self.model.row_of(visit_uuid)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def _keep_current(self) -> None:
        self._kept_visit = self.current_visit()

    def _restore_current(self) -> None:
        """After a sort, a filter or a refresh the same visit stays chosen, in view."""
        kept, self._kept_visit = self._kept_visit, None
        if kept is not None and self.model.rowCount():
            self.select_visit(kept)

    def focus_table(self) -> None:
        """The list takes the keyboard; with no visits at all (a new vault) the "new visit"
        button does, so a first Enter or Space starts the first visit."""
        if not self.model.rowCount() and self.model.total == 0 and self.new_button is not None:
            self.new_button.setFocus()
            return
        if not self.table.currentIndex().isValid() and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
        self.table.setFocus()

    def _open_row(self, row: int) -> None:
        visit_uuid = self.model.visit_id(row)
        if visit_uuid is not None:
            self.open_requested.emit(visit_uuid)

    def open_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self._open_row(index.row())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self.fit_columns()
        if watched is self.table and event.type() in _FONT_EVENTS:
            self.fit_columns()  # large touch switched: the same samples, another font
        if event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if watched is self.table and event.key() in _OPEN_KEYS:
                self.open_current()
                return True
            if watched is self.search and event.key() in _OPEN_KEYS:
                self.apply_filters()
                self.focus_table()
                return True
            if watched is self.search and event.key() == Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                self.apply_filters()
                return True
            if watched is self.search and event.key() == Qt.Key.Key_Down:
                self.focus_table()
                return True
        return super().eventFilter(watched, event)

    # -- look ----------------------------------------------------------------------------

    def set_large_touch(self, enabled: bool) -> None:
        height = LARGE_TOUCH_ROW_HEIGHT if enabled else ROW_HEIGHT
        if enabled and self.filter_row.indexOf(self.dates) >= 0:
            self.filter_row.removeWidget(self.dates)
            self.date_row.addWidget(self.dates)
            self.date_row.addStretch(1)
        elif not enabled and self.date_row.indexOf(self.dates) >= 0:
            while self.date_row.count():
                self.date_row.takeAt(0)  # the dates and the stretch after them
            self.filter_row.insertWidget(3, self.dates)
        self.table.verticalHeader().setDefaultSectionSize(height)
        self._size_columns()

    # What a column must show whole (date, status) or would like to (the rest): measured in
    # the table's font each time the columns are fitted, so the larger touch font needs no
    # guessed factor (one on top of the larger font made the date column half again too wide).
    WIDTH_SAMPLES: ClassVar[dict[int, str]] = {
        0: "00-00-0000 00:00",
        2: "Honselersdijk",
        3: "'s-Gravenhage",
        4: "sekswerk, niet vergund",
        5: "vergunningcontrole",
        6: "afgesloten",
        7: "Personen",
        8: "Signalen",
    }
    CELL_PADDING = 20  # the cell's text margins and a little air
    SORT_PADDING = 28  # a header that may show the sort arrow beside its text

    def _size_columns(self, scale: float = 1.0) -> None:
        """``scale`` is kept for views that size extra columns themselves; the columns of
        :attr:`WIDTH_SAMPLES` are measured in the font they are shown in."""
        del scale
        self.fit_columns()

    def _measure_columns(self) -> None:
        self.table.ensurePolished()
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader().fontMetrics()
        for column, sample in self.WIDTH_SAMPLES.items():
            title = header.horizontalAdvance(t(self.model.columns[column].header))
            self._wanted_widths[column] = max(
                metrics.horizontalAdvance(sample) + self.CELL_PADDING,
                title + self.SORT_PADDING,
            )

    def fit_columns(self) -> None:
        """Every column at its wanted width where the table is wide enough; on a narrow screen
        the columns of :attr:`NARROW_FIRST` step aside first (their values are in the visit and
        sortable from the menu). Date and status keep their content width; the other columns
        share what is left, the widest giving way first, so a place or a sector that fits
        reads whole and only what cannot fit elides. No horizontal scrolling for a list read
        at a glance."""
        self._measure_columns()
        room = self.table.viewport().width() - self.stretch_room()
        for column in self._narrowed:
            self.table.setColumnHidden(column, False)
        self._narrowed.clear()
        shown = {c: w for c, w in self._wanted_widths.items() if not self.table.isColumnHidden(c)}
        for column in self.NARROW_FIRST:
            if sum(shown.values()) <= room or column not in shown:
                continue
            self.table.setColumnHidden(column, True)
            self._narrowed.add(column)
            del shown[column]
        whole = {c: w for c, w in shown.items() if c in self.KEEP_WHOLE}
        sharing = {c: w for c, w in shown.items() if c not in self.KEEP_WHOLE}
        cap = _water_level(list(sharing.values()), room - sum(whole.values()))
        minimum = self.table.horizontalHeader().minimumSectionSize()
        for column, width in shown.items():
            fitted = width if column in whole else min(width, cap)
            self.table.setColumnWidth(column, max(minimum, fitted))

    def stretch_room(self) -> int:
        """What the stretching column (the site) keeps when the others share the width."""
        return self.table.fontMetrics().horizontalAdvance("m" * self.SITE_ROOM)

    def _keep_sortable_indicator(self, column: int, order: Qt.SortOrder) -> None:
        if self.model.columns[column].sort_key is None:
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.model.sort_column, self.model.sort_order)
            header.blockSignals(False)

    def _update_state(self) -> None:
        shown, total = self.model.rowCount(), self.model.total
        if total == shown:
            self.count.setText(tn("ui.visits.count", total))
        else:
            self.count.setText(tn("ui.visits.count_filtered", total, shown=shown))
        self.empty.setVisible(total == 0)
        self.filters.setVisible(total > 0)
        self.table.setVisible(shown > 0)
        self.no_match.setVisible(total > 0 and shown == 0)

    def clear(self) -> None:
        """On lock: no filter text, no place names, no rows."""
        self.search_timer.stop()
        self.model.clear()
        self.set_municipality_source(None)
        self.set_municipalities([])
        for widget in (self.status, self.sector, self.municipality, self.date_from, self.date_to):
            widget.blockSignals(True)
        self.status.setCurrentIndex(0)
        self.sector.setCurrentIndex(0)
        self.date_from.setDate(NO_DATE)
        self.date_to.setDate(NO_DATE)
        for widget in (self.status, self.sector, self.municipality, self.date_from, self.date_to):
            widget.blockSignals(False)
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)


def _water_level(widths: list[int], room: int) -> int:
    """The widest any of ``widths`` may be so that together they fit ``room``: narrow columns
    keep their whole width and only the widest ones give way (a uniform factor would cut a
    short place name to share the loss of a long sector)."""
    if sum(widths) <= room:
        return max(widths, default=0)
    left, count = max(room, 0), len(widths)
    for width in sorted(widths):
        if width * count > left:
            return left // count
        left -= width
        count -= 1
    return max(widths, default=0)


def _iso(date: QDate) -> str | None:
    return None if date <= NO_DATE else date.toString("yyyy-MM-dd")
