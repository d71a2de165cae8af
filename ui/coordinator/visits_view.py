"""The merged picture: every visit in the coordinator's vault, from every device and agency, in
the lazy, database-sorted visits list (``ui.views.visits`` over ``ui.models.visits``), with
where each visit came from (device, inspector, agency) and the coordinator's filters: agency,
device, form of exploitation, outcome and referral follow-up, next to the list's own. A device
is named as people know it (``fieldapp.store.merged_store.device_labels``: the inspector and
agency it was enrolled with), never by its id.

A row opened (double-click, Enter) asks the main window to open that visit
(:attr:`MergedVisitsView.open_visit_requested`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QHeaderView, QVBoxLayout, QWidget

from fieldapp.agencies import agency_key, agency_name
from fieldapp.catalogue import FORMS, load_catalogue
from fieldapp.domain import VisitSummary
from fieldapp.followup import STATUS_FILTERS
from fieldapp.i18n import t
from fieldapp.store.filters import VisitFilter
from fieldapp.store.merged_store import Provenance, device_labels, visit_provenance
from fieldapp.store.store import Store
from fieldapp.store.sync_store import Device, SyncStore
from fieldapp.vault.vault import Vault
from ui.models.visits import COLUMNS, SITE_COLUMN, Column, VisitsModel
from ui.runner import JobRunner
from ui.views.visits import LazyComboBox, VisitsView, _combo


@dataclass(frozen=True, slots=True)
class MergedVisit:
    """One row of the merged picture: the visit and where it came from."""

    visit: VisitSummary
    provenance: Provenance | None

    @property
    def uuid(self) -> str:
        return self.visit.uuid


def load_merged(store: Store, visit_uuids: list[str]) -> list[MergedVisit]:
    """A page of rows: the visit summaries and their provenance, two queries."""
    provenance = visit_provenance(store.conn, visit_uuids)
    return [
        MergedVisit(summary, provenance.get(summary.uuid))
        for summary in store.visit_summaries(visit_uuids)
    ]


def _device_text(row: MergedVisit) -> str:
    found = row.provenance
    if found is None or not found.imported:
        return t("ui.merged.this_vault")
    return found.device_label or t("device.unknown_inspector")


def _visit_column(column: Column[VisitSummary]) -> Column[MergedVisit]:
    return Column(
        column.header, column.sort_key, lambda row: column.text(row.visit), column.numeric
    )


# The visits list's columns (read from the row's visit), then the provenance.
MERGED_COLUMNS: tuple[Column[MergedVisit], ...] = (
    *(_visit_column(column) for column in COLUMNS),
    Column(
        "ui.merged.col.agency",
        None,
        lambda row: (row.provenance and agency_name(row.provenance.agency)) or "",
    ),
    Column(
        "ui.merged.col.inspector",
        None,
        lambda row: (row.provenance and row.provenance.inspector) or "",
    ),
    Column("ui.merged.col.device", None, _device_text),
)
HIDDEN_COLUMNS = (2, 5)  # place, type
SITE_WIDTH_SAMPLE = "Kwekerij De Hoek Westland"
PROVENANCE_WIDTHS = {
    len(COLUMNS): "Arbeidsinspectie",
    len(COLUMNS) + 1: "Inspecteur van Dijk",
    len(COLUMNS) + 2: "Inspecteur van Dijk (Politie)",
}


class MergedVisitsView(VisitsView):
    """The workspace tab ``visits``; built as ``MergedVisitsView(vault, runner, parent)``."""

    open_visit_requested = Signal(str)  # a visit id

    def __init__(self, vault: Vault, runner: JobRunner, parent: QWidget | None = None) -> None:
        self.vault = vault
        self.runner = runner
        self.store = Store(vault)
        model = VisitsModel(columns=MERGED_COLUMNS, load_rows=load_merged)
        super().__init__(model, None, title_key="ui.merged.title")
        model.setParent(self)
        if parent is not None:
            self.setParent(parent)
        self.title.setWordWrap(False)
        self.table.setAccessibleName(t("ui.merged.table"))
        self.empty.setText(t("ui.merged.empty"))
        self._build_filters(SyncStore(vault).devices())
        # Room for the provenance: the place (the municipality is there) and the type of
        # visit (in the visit itself) stay out; the site keeps a readable width.
        for hidden in HIDDEN_COLUMNS:
            self.table.setColumnHidden(hidden, True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(SITE_COLUMN, QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._size_provenance_columns()
        self.open_requested.connect(self.open_visit_requested.emit)
        self.set_municipality_source(self.store.municipalities)
        model.set_store(self.store)

    # -- filters -------------------------------------------------------------------------

    def _build_filters(self, devices: list[Device]) -> None:
        self.agency = _combo("ui.merged.agency", "ui.merged.all_agencies")
        agencies: dict[str, str] = {}  # one item per agency, whatever name each device gave
        for device in devices:
            key = agency_key(device.agency)
            if key is not None:
                agencies.setdefault(key, agency_name(device.agency) or key)
        for key, name in sorted(agencies.items(), key=lambda item: item[1].casefold()):
            self.agency.addItem(name, key)
        self.device = _combo("ui.merged.device", "ui.merged.all_devices")
        labels = device_labels(self.store.conn)
        named = [(labels.get(d.device_id) or d.device_id, d.device_id) for d in devices]
        for label, device_id in sorted(named, key=lambda pair: pair[0].casefold()):
            self.device.addItem(label, device_id)
        self.form = _combo("ui.merged.form", "ui.merged.all_forms")
        for form in FORMS:
            self.form.addItem(t(f"form.{form}"), form)
        # The outcomes come from the catalogue's rules: read when the field is first used.
        self.outcome = LazyComboBox()
        _combo("ui.merged.outcome", "ui.merged.all_outcomes", self.outcome)
        self.outcome.loader = self._load_outcomes
        self.referral_status = _combo("ui.merged.referral_status", "ui.merged.all_referrals")
        for status in STATUS_FILTERS:
            self.referral_status.addItem(t(f"followup.status.{status}"), status)
        self.extra_combos = (
            self.agency,
            self.device,
            self.form,
            self.outcome,
            self.referral_status,
        )

        row = QHBoxLayout()
        row.setSpacing(8)
        for combo in self.extra_combos:
            row.addWidget(combo)
            combo.currentIndexChanged.connect(lambda _: self.apply_filters())
        row.addStretch(1)
        layout = self.filters.layout()
        assert isinstance(layout, QVBoxLayout)  # the visits view's filter column
        layout.addLayout(row)
        previous: QWidget = self.date_to
        for combo in self.extra_combos:
            QWidget.setTabOrder(previous, combo)
            previous = combo
        QWidget.setTabOrder(previous, self.reset_button)

    def _load_outcomes(self) -> None:
        self.outcome.blockSignals(True)
        for outcome in load_catalogue().rules.outcome_order[1:]:  # "no signals" filters nothing
            self.outcome.addItem(t("ui.merged.at_least", outcome=t(f"outcome.{outcome}")), outcome)
        self.outcome.blockSignals(False)

    def current_filter(self) -> VisitFilter:
        return dataclasses.replace(
            super().current_filter(),
            agency=self.agency.currentData() or None,
            device=self.device.currentData() or None,
            form=self.form.currentData() or None,
            outcome=self.outcome.currentData() or None,
            referral_status=self.referral_status.currentData() or None,
        )

    def reset_filters(self) -> None:
        for combo in self.extra_combos:
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        super().reset_filters()

    def set_filter(self, **values: Any) -> None:
        """Choose filter values by their data (``agency="NLA"``, ``form="labour"``, ...) and
        apply them at once: for other tabs that open the merged picture on a subset."""
        combos = {
            "agency": self.agency,
            "device": self.device,
            "form": self.form,
            "outcome": self.outcome,
            "referral_status": self.referral_status,
            "status": self.status,
            "sector": self.sector,
        }
        for name, value in values.items():
            combo = combos[name]
            if isinstance(combo, LazyComboBox):
                combo.ensure_loaded()
            combo.blockSignals(True)
            combo.setCurrentIndex(_index_of(combo, value, agency=name == "agency"))
            combo.blockSignals(False)
        self.apply_filters()

    # -- look ----------------------------------------------------------------------------

    def _size_provenance_columns(self) -> None:
        self._measure_columns()
        self.fit_columns()

    def _measure_columns(self) -> None:
        """The site and the provenance measured like the list's own columns: in the fonts
        they are shown in, each time the columns are fitted, so large touch's larger font
        widens them by what it really takes (no guessed factor on top)."""
        super()._measure_columns()
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader().fontMetrics()
        self._wanted_widths[SITE_COLUMN] = (
            metrics.horizontalAdvance(SITE_WIDTH_SAMPLE) + self.SORT_PADDING
        )
        for column, sample in PROVENANCE_WIDTHS.items():
            title = header.horizontalAdvance(t(MERGED_COLUMNS[column].header))
            self._wanted_widths[column] = max(
                metrics.horizontalAdvance(sample) + self.CELL_PADDING,
                title + self.SORT_PADDING,
            )

    # The last column (the device) stretches; on a narrow screen these step aside first:
    # municipality, signals, persons, inspector.
    NARROW_FIRST = (3, 8, 7, len(COLUMNS) + 1)

    def stretch_room(self) -> int:
        return 0

    def clear(self) -> None:
        """Nothing from the vault stays in the view (the workspace closes, the vault locks)."""
        super().clear()
        for combo in self.extra_combos:
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        for combo in (self.agency, self.device):
            while combo.count() > 1:
                combo.removeItem(1)


def _index_of(combo: QComboBox, value: Any, *, agency: bool = False) -> int:
    """The item whose data is ``value`` (agencies: by any of their names, as the filter matches
    them); 0, "all", for none."""
    if not value:
        return 0
    for index in range(1, combo.count()):
        data = combo.itemData(index)
        if data == value or (agency and agency_key(str(data)) == agency_key(str(value))):
            return index
    return 0
