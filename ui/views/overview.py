"""The open vault: its role and device, how many visits it holds, and the newest of them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.i18n import t
from ui.models.visits import VisitsModel
from ui.session import Overview
from ui.widgets import heading, paragraph


class OverviewView(QWidget):
    def __init__(self, model: VisitsModel, lock_action: QAction) -> None:
        super().__init__()
        self.model = model
        self.role = paragraph()
        self.device_id = paragraph(selectable=True)
        self.visit_count = paragraph()
        facts = QFormLayout()
        facts.addRow(t("ui.overview.role"), self.role)
        facts.addRow(t("ui.overview.device_id"), self.device_id)
        facts.addRow(t("ui.overview.visit_count"), self.visit_count)

        lock_button = QToolButton()
        lock_button.setDefaultAction(lock_action)
        lock_button.setAccessibleName(t("ui.action.lock"))
        top = QHBoxLayout()
        top.addWidget(heading(t("ui.overview.title")))
        top.addStretch(1)
        top.addWidget(lock_button)

        self.table = QTableView()
        self.table.setModel(model)
        self.table.setAccessibleName(t("ui.overview.newest"))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.empty = paragraph(t("ui.overview.empty"), secondary=True)

        self.newest_label = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 16)
        layout.setSpacing(10)
        layout.addLayout(top)
        layout.addLayout(facts)
        layout.addSpacing(6)
        layout.addWidget(self.newest_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty, 1, Qt.AlignmentFlag.AlignTop)

    def show_overview(self, overview: Overview) -> None:
        self.role.setText(t(f"ui.role.{overview.role.value}"))
        self.device_id.setText(overview.device_id)
        self.visit_count.setText(str(overview.visit_count))
        self.model.set_visits(overview.newest)
        self.newest_label.setText(
            t("ui.overview.newest_shown", shown=len(overview.newest), count=overview.visit_count)
        )
        has_visits = bool(overview.newest)
        self.table.setVisible(has_visits)
        self.newest_label.setVisible(has_visits)
        self.empty.setVisible(not has_visits)

    def clear(self) -> None:
        self.model.clear()
        for label in (self.role, self.device_id, self.visit_count):
            label.clear()
