"""The workspace tab ``dashboard``: statistics over a period, as charts and tables, with the
chart exported as PNG or SVG and the periodic report as PDF or XLSX.

The frame (period, list, empty chart, buttons) is built at once, with nothing computed; a
zero-delay timer then starts the work on the runner, on a worker's own connection to the vault
(``fieldapp.vault.worker``): outcomes brought up to date (with progress), the statistics
computed, and the chosen chart rendered by matplotlib's Agg backend into PNG bytes. Other charts
render on the runner when first chosen, and are kept until the period changes. Exports render
on the runner and are written atomically (``fieldapp.atomic``); they hold totals only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QObject, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QKeySequence, QPainter, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.atomic import write_atomic
from fieldapp.errors import FieldAppError
from fieldapp.i18n import current_language, t, tn
from fieldapp.localtime import qt_date_format
from fieldapp.stats.charts import CHART_IDS, chart_title, has_data, number, render_chart
from fieldapp.stats.model import StatsReport
from fieldapp.stats.report_xlsx import render_report_xlsx
from fieldapp.stats.tables import CHART_TABLES, PERIODIC_TABLES, ReportTable, table, table_notes
from fieldapp.store.filters import Period
from fieldapp.validate import EARLIEST_YEAR
from fieldapp.vault.vault import Vault
from fieldapp.vault.worker import WorkerVaultKey
from ui.runner import JobRunner
from ui.sync.common import button, error_text, plain
from ui.widgets import MessageLabel, heading, paragraph

ENTRY_ROLE = Qt.ItemDataRole.UserRole  # ("chart" | "table", id) of a list entry
SCREEN_DPI = 150  # charts render at 1200 x 675 and are scaled down to the widget
EXPORT_DPI = 200  # an exported PNG: 1600 x 900
DEFAULT_MONTHS = 12
LIST_WIDTH = 250
LARGE_TOUCH_LIST = "QListWidget::item { min-height: 40px; } QTableWidget { font-size: 13pt; }"


class _Progress(QObject):
    """Carries the outcome refresh's progress from the worker to the GUI thread (queued)."""

    changed = Signal(int, int)


class ChartImage(QWidget):
    """A chart's PNG, scaled to the widget with its aspect ratio kept, or a short text while
    there is none."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("stats_chart")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 180)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a screen reader reaches it
        self.pixmap = QPixmap()
        self.text = ""

    def sizeHint(self) -> QSize:
        return QSize(800, 450)

    def show_png(self, png: bytes, name: str) -> bool:
        pixmap = QPixmap()
        if not pixmap.loadFromData(png, "PNG"):
            return False
        self.pixmap, self.text = pixmap, ""
        self.setAccessibleName(t("ui.stats.chart_image", title=name))
        self.update()
        return True

    def show_text(self, text: str) -> None:
        self.pixmap, self.text = QPixmap(), text
        self.setAccessibleName(text)
        self.update()

    def paintEvent(self, _event: Any) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.white)
        if not self.pixmap.isNull():
            scaled = self.pixmap.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            left = (self.width() - scaled.width()) // 2
            top = (self.height() - scaled.height()) // 2
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawPixmap(QRect(left, top, scaled.width(), scaled.height()), self.pixmap)
        elif self.text:
            painter.setPen(Qt.GlobalColor.darkGray)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.text)
        painter.end()


class DashboardView(QWidget):
    """``DashboardView(vault, runner, parent)``."""

    computed = Signal(object)  # the StatsReport, once shown
    exported = Signal(str)  # the path of a file written

    def __init__(self, vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.runner = runner
        self.lang = current_language()
        self.report: StatsReport | None = None
        self.charts: dict[str, bytes] = {}  # PNG of each chart rendered for self.report
        self.busy = False
        self._generation = 0
        self._build()
        self._select_entry(("chart", CHART_IDS[0]))
        self._update_buttons()
        QShortcut(QKeySequence(Qt.Key.Key_F5), self, self.compute)
        QTimer.singleShot(0, self.compute)

    # -- the frame -------------------------------------------------------------------------

    def _build(self) -> None:
        default = Period.last_months(DEFAULT_MONTHS)
        self.date_from = self._date_edit("stats_from", "ui.stats.from", default.date_from)
        self.date_to = self._date_edit("stats_to", "ui.stats.to", default.date_to)
        self.compute_button = button("stats_compute", "ui.stats.compute", self.compute)
        self.compute_button.setToolTip(t("ui.stats.compute_tip"))
        self.last_year_button = button("stats_last_year", "ui.stats.last_12", self.last_months)
        period_row = QHBoxLayout()
        for label_key, edit in (("ui.stats.from", self.date_from), ("ui.stats.to", self.date_to)):
            label = QLabel(t(label_key))
            label.setBuddy(edit)
            label.setContentsMargins(0, 0, 4, 0)
            period_row.addWidget(label)
            period_row.addWidget(edit)
            period_row.addSpacing(8)
        period_row.addWidget(self.compute_button)
        period_row.addWidget(self.last_year_button)
        period_row.addStretch(1)

        self.summary = paragraph(secondary=True, selectable=True)
        self.summary.setObjectName("stats_summary")
        self.message = MessageLabel()

        self.entries = QListWidget()
        self.entries.setObjectName("stats_entries")
        self.entries.setAccessibleName(t("ui.stats.entries"))
        self.entries.setMaximumWidth(LIST_WIDTH + 80)
        self.entries.setMinimumWidth(180)
        self.entries.setWordWrap(True)
        self._add_header(t("ui.stats.charts"))
        for chart_id in CHART_IDS:
            self._add_entry(
                t(f"ui.stats.entry.{chart_id}"), chart_title(chart_id), ("chart", chart_id)
            )
        self._add_header(t("ui.stats.periodic"))
        for table_id in PERIODIC_TABLES:
            self._add_entry(
                t(f"ui.stats.entry.{table_id}"), t(f"stats.table.{table_id}"), ("table", table_id)
            )
        self.entries.currentItemChanged.connect(lambda item, _old: self._entry_chosen(item))

        self.chart = ChartImage()
        self.table_title = QLabel()
        self.table_title.setObjectName("stats_table_title")
        bold = QFont(self.table_title.font())
        bold.setBold(True)
        self.table_title.setFont(bold)
        self.table_title.setWordWrap(True)
        self.table_note = paragraph(secondary=True)
        self.table_note.setObjectName("stats_table_note")
        self.table_note.hide()
        self.data_table = QTableWidget(0, 0)
        self.data_table.setObjectName("stats_table")
        self.data_table.setAccessibleName(t("ui.stats.table"))
        self.data_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.data_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.data_table.setTabKeyNavigation(False)
        self.data_table.setAlternatingRowColors(True)
        self.data_table.verticalHeader().hide()
        self.data_table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(self.chart, 3)
        right_column.addWidget(self.table_title)
        right_column.addWidget(self.table_note)
        right_column.addWidget(self.data_table, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.entries)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([LIST_WIDTH, 900])

        self.png_button = button("stats_export_png", "ui.stats.export_png", self.export_png)
        self.svg_button = button("stats_export_svg", "ui.stats.export_svg", self.export_svg)
        self.pdf_button = button("stats_export_pdf", "ui.stats.export_pdf", self.export_pdf)
        self.xlsx_button = button("stats_export_xlsx", "ui.stats.export_xlsx", self.export_xlsx)
        exports = QHBoxLayout()
        for widget in (self.png_button, self.svg_button, self.pdf_button, self.xlsx_button):
            exports.addWidget(widget)
        exports.addStretch(1)
        self.export_note = paragraph(t("ui.stats.export_note"), secondary=True)

        layout = QVBoxLayout(self)
        layout.addWidget(heading(t("ui.stats.title")))
        layout.addLayout(period_row)
        layout.addWidget(self.summary)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        layout.addLayout(exports)
        layout.addWidget(self.export_note)

    def _date_edit(self, name: str, label_key: str, value: date) -> QDateEdit:
        edit = QDateEdit(QDate(value.year, value.month, value.day))
        edit.setObjectName(name)
        edit.setAccessibleName(plain(t(label_key)))
        edit.setDisplayFormat(qt_date_format())
        edit.setCalendarPopup(True)
        edit.setMinimumDate(QDate(EARLIEST_YEAR, 1, 1))
        edit.dateChanged.connect(lambda _value: self._period_edited())
        return edit

    def _add_header(self, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)  # a heading: shown, never chosen
        font = QFont(self.entries.font())
        font.setBold(True)
        item.setFont(font)
        self.entries.addItem(item)

    def _add_entry(self, text: str, title: str, entry: tuple[str, str]) -> None:
        item = QListWidgetItem(text)
        item.setData(ENTRY_ROLE, entry)
        item.setToolTip(title)
        item.setData(Qt.ItemDataRole.AccessibleDescriptionRole, title)
        self.entries.addItem(item)

    def set_large_touch(self, enabled: bool) -> None:
        self.entries.setStyleSheet(LARGE_TOUCH_LIST if enabled else "")

    # -- the period ------------------------------------------------------------------------

    def period(self) -> Period:
        """The period in the two date fields; a PeriodError when it cannot be used."""
        return Period(_py_date(self.date_from.date()), _py_date(self.date_to.date()))

    def set_period(self, period: Period) -> None:
        for edit, value in ((self.date_from, period.date_from), (self.date_to, period.date_to)):
            edit.blockSignals(True)
            edit.setDate(QDate(value.year, value.month, value.day))
            edit.blockSignals(False)

    def last_months(self) -> None:
        self.set_period(Period.last_months(DEFAULT_MONTHS))
        self.compute()

    def _period_edited(self) -> None:
        if self.report is not None and not self.busy:
            self.message.show_info(t("ui.stats.period_changed"))

    # -- computing -------------------------------------------------------------------------

    def compute(self) -> None:
        """Statistics for the period on the runner; the view fills in when they arrive."""
        if self.busy or not self.vault.is_open:
            return
        try:
            period = self.period()
        except FieldAppError as exc:
            self.message.show_error(exc.message())
            return
        self._generation += 1
        generation = self._generation
        chart_id = self._current_chart() or CHART_IDS[0]
        key = WorkerVaultKey(self.vault)
        relay = _Progress()  # no parent: the worker may still emit while the view goes
        relay.changed.connect(self._progress)
        lang = self.lang

        def job() -> tuple[StatsReport, str, bytes]:
            # On the worker: the statistics code (and the engine) loads off the GUI thread.
            from fieldapp.stats.compute import compute_stats  # noqa: PLC0415 - on the worker

            with key.open() as worker:
                report = compute_stats(worker, period, progress=relay.changed.emit)
            return report, chart_id, render_chart(chart_id, report, "png", lang, dpi=SCREEN_DPI)

        self._set_busy(True)
        self.message.show_info(t("ui.stats.computing"))
        self.chart.show_text(t("ui.stats.computing"))
        self.runner.run(
            job,
            lambda result: self._computed(generation, relay, *result),
            lambda exc: self._failed(generation, relay, key, exc),
        )

    def _progress(self, done: int, total: int) -> None:
        if self.busy:
            self.message.show_info(tn("ui.stats.refreshing", total, done=done, total=total))

    def _computed(
        self, generation: int, relay: QObject, report: StatsReport, chart_id: str, png: bytes
    ) -> None:
        relay.deleteLater()
        if generation != self._generation or not self.vault.is_open:
            return
        self._set_busy(False)
        self.report = report
        self.charts = {chart_id: png}
        self.message.clear_message()
        periodic = report.periodic
        self.summary.setText(
            t(
                "ui.stats.summary",
                period=report.period.label(),
                visits=_counted("visits", report.visits),
                signals=_counted("signals", report.signals_total),
                victims=_counted("victims", periodic.possible_victims),
                minors=_counted("minors", periodic.minors),
                referrals=_counted("referrals", report.referrals_total),
            )
        )
        self.summary.setAccessibleName(self.summary.text())
        self._entry_chosen(self.entries.currentItem())
        self.computed.emit(report)

    def _failed(
        self, generation: int, relay: QObject, key: WorkerVaultKey, exc: BaseException
    ) -> None:
        relay.deleteLater()
        key.discard()
        if generation != self._generation:
            return
        self._set_busy(False)
        self.chart.show_text(t("ui.stats.no_chart"))
        self.message.show_error(t("ui.stats.failed", reason=error_text(exc)))

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.compute_button.setEnabled(not busy)
        self.last_year_button.setEnabled(not busy)
        self._update_buttons()

    def clear(self) -> None:
        """The workspace closes or the vault locks: forget every number shown."""
        self._generation += 1
        self.busy = False
        self.report = None
        self.charts = {}
        self.summary.clear()
        self.message.clear_message()
        self.chart.show_text("")
        self.data_table.setRowCount(0)
        self.data_table.setColumnCount(0)
        self.table_title.clear()
        self._set_busy(False)

    # -- showing ---------------------------------------------------------------------------

    def _select_entry(self, entry: tuple[str, str]) -> None:
        for row in range(self.entries.count()):
            item = self.entries.item(row)
            if item.data(ENTRY_ROLE) == entry:
                self.entries.setCurrentItem(item)
                return

    def select_chart(self, chart_id: str) -> None:
        self._select_entry(("chart", chart_id))

    def select_table(self, table_id: str) -> None:
        self._select_entry(("table", table_id))

    def _current_entry(self) -> tuple[str, str] | None:
        item = self.entries.currentItem()
        entry = item.data(ENTRY_ROLE) if item is not None else None
        return tuple(entry) if entry else None

    def _current_chart(self) -> str | None:
        entry = self._current_entry()
        return entry[1] if entry and entry[0] == "chart" else None

    def _entry_chosen(self, item: QListWidgetItem | None) -> None:
        entry = item.data(ENTRY_ROLE) if item is not None else None
        self._update_buttons()
        if not entry:
            return
        kind, entry_id = entry
        self.chart.setVisible(kind == "chart")
        if self.report is None:
            if not self.busy:
                self.chart.show_text(t("ui.stats.no_chart"))
            return
        table_id = CHART_TABLES[entry_id] if kind == "chart" else entry_id
        self.show_table(table(self.report, table_id, self.lang))
        if kind == "chart":
            self._show_chart(entry_id)

    def _show_chart(self, chart_id: str) -> None:
        report, generation, lang = self.report, self._generation, self.lang
        if report is not None and not has_data(chart_id, report):
            # One line of text, not an empty frame (the export still draws the frame).
            self.chart.show_text(t("stats.chart.no_data", lang))
            return
        png = self.charts.get(chart_id)
        if png is not None:
            self.chart.show_png(png, chart_title(chart_id, self.lang))
            return
        if report is None:
            return
        self.chart.show_text(t("ui.stats.drawing"))

        def job() -> bytes:
            return render_chart(chart_id, report, "png", lang, dpi=SCREEN_DPI)

        self.runner.run(
            job,
            lambda png_bytes: self._chart_drawn(generation, chart_id, png_bytes),
            lambda exc: self.message.show_error(t("ui.stats.failed", reason=error_text(exc))),
        )

    def _chart_drawn(self, generation: int, chart_id: str, png: bytes) -> None:
        if generation != self._generation or self.report is None:
            return
        self.charts[chart_id] = png
        if self._current_chart() == chart_id:
            self.chart.show_png(png, chart_title(chart_id, self.lang))

    def show_table(self, shown: ReportTable) -> None:
        self.table_title.setText(shown.title)
        notes = table_notes(self.report, shown.id, self.lang) if self.report is not None else []
        self.table_note.setText(" ".join(notes))
        self.table_note.setVisible(bool(notes))
        self.data_table.setAccessibleName(shown.title)
        rows = [*shown.rows, *([shown.total] if shown.total is not None else []), *shown.separate]
        total_row = len(shown.rows) if shown.total is not None else -1
        self.data_table.clear()
        self.data_table.setColumnCount(len(shown.header))
        self.data_table.setHorizontalHeaderLabels(list(shown.header))
        self.data_table.setRowCount(len(rows))
        bold = QFont(self.data_table.font())
        bold.setBold(True)
        for row_number, values in enumerate(rows):
            is_total = row_number == total_row
            for column, value in enumerate(values):
                item = QTableWidgetItem(_cell_text(value))
                if isinstance(value, int | float) or (column >= shown.labels and value is None):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if is_total:
                    item.setFont(bold)
                self.data_table.setItem(row_number, column, item)

    # -- exports ---------------------------------------------------------------------------

    def _update_buttons(self) -> None:
        ready = self.report is not None and not self.busy
        chart_id = self._current_chart()
        # A chart without data is a line of text: there is no image to save.
        drawn = chart_id is not None and self.report is not None and has_data(chart_id, self.report)
        self.png_button.setEnabled(ready and drawn)
        self.svg_button.setEnabled(ready and drawn)
        self.pdf_button.setEnabled(ready)
        self.xlsx_button.setEnabled(ready)

    def export_png(self) -> None:
        self._export_chart("png")

    def export_svg(self) -> None:
        self._export_chart("svg")

    def _export_chart(self, fmt: str) -> None:
        chart_id, report, lang = self._current_chart(), self.report, self.lang
        if chart_id is None or report is None:
            return

        def render() -> bytes:
            return render_chart(chart_id, report, fmt, lang, dpi=EXPORT_DPI)

        self._export(f"{chart_id}-{_period_slug(report)}.{fmt}", fmt, render)

    def export_pdf(self) -> None:
        report, lang = self.report, self.lang
        if report is None:
            return

        def render() -> bytes:
            from fieldapp.stats.report_pdf import render_report_pdf  # noqa: PLC0415 - reportlab: on the first PDF

            return render_report_pdf(report, lang)

        self._export(f"statistics-{_period_slug(report)}.pdf", "pdf", render)

    def export_xlsx(self) -> None:
        report, lang = self.report, self.lang
        if report is None:
            return

        def render() -> bytes:
            return render_report_xlsx(report, lang)

        self._export(f"statistics-{_period_slug(report)}.xlsx", "xlsx", render)

    def _export(self, suggested: str, fmt: str, render: Callable[[], bytes]) -> None:
        """Ask where (the dialog asks before replacing a file), then render and write the
        file atomically on the runner."""
        path, _ = QFileDialog.getSaveFileName(
            self,
            t("ui.stats.save_title"),
            str(Path.home() / suggested),
            t(f"ui.stats.filter_{fmt}"),
        )
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != f".{fmt}":
            # The dialog asked about the name chosen, not about the one extended here.
            target = target.with_name(f"{target.name}.{fmt}")
            if target.exists():
                self.message.show_error(t("ui.stats.file_exists", path=target.name))
                return

        def job() -> Path:
            write_atomic(target, render())
            return target

        self.message.show_info(t("ui.stats.saving"))
        self.runner.run(job, self._saved, self._save_failed)

    def _saved(self, target: Path) -> None:
        if self.vault.is_open:
            self.vault.record("export", "statistics")
        self.message.show_info(t("ui.stats.saved", path=str(target)))
        self.exported.emit(str(target))

    def _save_failed(self, exc: BaseException) -> None:
        self.message.show_error(t("ui.stats.save_failed", reason=error_text(exc)))


def _counted(noun: str, count: int) -> str:
    """``count`` of ``noun`` in the right form ("1 bezoek", "1.204 bezoeken"), the number
    written the way the statistics write it."""
    return tn(f"ui.stats.n.{noun}", count, count=number(count))


def _period_slug(report: StatsReport) -> str:
    return f"{report.period.start}_{report.period.date_to.isoformat()}"


def _cell_text(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, int | float):
        return number(value)
    return str(value)


def _py_date(value: QDate) -> date:
    """What ``QDate.toPython()`` returns, typed (PySide6's stub says ``object``)."""
    return date(value.year(), value.month(), value.day())
