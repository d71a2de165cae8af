"""On a coordinator's vault a visit imported from a field device is the inspector's record: the
editor says whose it is and when it arrived, and nothing typed, tapped or pressed changes it;
the coordinator can still read it, move through it and refer from it. The coordinator's own
visits stay editable. Devices are shown by inspector and agency, never by id, and the merged
list's provenance columns are measured in the font they are shown in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QApplication

from fieldapp.catalogue import load_catalogue
from fieldapp.domain import ObservationStatus, Sector
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.localtime import datetime_text
from fieldapp.store.merged_store import visit_provenance
from fieldapp.store.store import Store
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from tests.support.qt import unlock
from tests.support.sync import Coordinator, enrol, make_coordinator, make_field, table_dump
from ui.coordinator.visits_view import MERGED_COLUMNS, PROVENANCE_WIDTHS, MergedVisitsView
from ui.main_window import MainWindow
from ui.runner import InlineRunner
from ui.visit import VisitEditor
from ui.visit.checklist_model import STATUS_COLUMN
from ui.visit.steps import FINISH, LOCATION, PERSONS, SIGNALS

PASSPORT = "ILO-CD-01"


class Imported:
    """A coordinator's vault (at the test's vault folder) holding one visit from the field."""

    def __init__(self, coordinator: Coordinator, field: Vault, visit_uuid: str) -> None:
        self.coordinator = coordinator
        self.field = field
        self.visit_uuid = visit_uuid


@pytest.fixture
def imported(vault_dir: Path, tmp_path: Path) -> Iterator[Imported]:
    coordinator = make_coordinator(vault_dir)
    field = make_field(tmp_path / "field")
    enrol(field, coordinator, inspector="Inspecteur Jansen")
    store = Store(field)
    visit_uuid = store.record_visit(
        NewVisit(
            site=SiteInput(name="Kwekerij De Hoek", sector=Sector.AGRICULTURE),
            visit=VisitInput(started_at="2026-11-30T09:00:00Z", inspector="Inspecteur Jansen"),
        )
    )
    person = store.add_person(visit_uuid, PersonInput(label="A"))
    store.set_observation(
        visit_uuid, person, ObservationInput(PASSPORT, ObservationStatus.OBSERVED)
    )
    stick = tmp_path / "stick"
    stick.mkdir()
    exported = export_bundle(field, stick)
    assert exported is not None
    assert import_file(coordinator.vault, exported.path).status == "imported"
    yield Imported(coordinator, field, visit_uuid)
    field.lock()
    if coordinator.vault.is_open:
        coordinator.vault.lock()


@pytest.fixture
def window(qtbot, make_window, imported: Imported) -> MainWindow:
    """The real main window with the real editor, unlocked on the coordinator's vault."""
    imported.coordinator.vault.lock()
    shown = make_window(editor_class=VisitEditor)
    unlock(qtbot, shown)
    return shown


def _site_name(store: Store, visit_uuid: str) -> str:
    return Store(store.vault).visit_detail(visit_uuid).site.name


def test_an_imported_visit_says_whose_it_is_and_cannot_be_changed(
    qtbot, window: MainWindow, imported: Imported
) -> None:
    store = window.session.store
    window.open_visit(imported.visit_uuid)  # as the workspace opens a row
    editor = window.editor
    assert isinstance(editor, VisitEditor)
    qtbot.waitExposed(editor)
    before = table_dump(store.vault)

    banner = editor.origin_banner
    assert banner.isVisible()
    received = visit_provenance(store.conn, [imported.visit_uuid])[imported.visit_uuid]
    assert received.received_at is not None
    assert "Inspecteur Jansen" in banner.text()
    assert t("agency_name.nla") in banner.text()
    assert f"ontvangen op {datetime_text(received.received_at)}" in banner.text()
    assert imported.field.info.device_id[:8] not in banner.text()
    assert received.received_at not in banner.text()  # no UTC on screen
    assert "kan" in banner.text() and "inspecteur" in banner.text()

    # Typing into the site's name: nothing arrives, in the field or in the vault.
    editor.go_to_step(LOCATION)
    name = editor.site_form.edits["name"]
    name.setFocus()
    qtbot.keyClicks(name, " extra")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert name.text() == "Kwekerij De Hoek"
    assert _site_name(store, imported.visit_uuid) == "Kwekerij De Hoek"
    assert not editor.site_form.sector.isEnabled() and editor.site_form.notes.isReadOnly()

    # A signal, by key and by tap: it is selected and shown, never changed, and no error
    # scolds a coordinator for reading (the store would refuse a change anyway).
    def signals() -> list:
        detail = Store(store.vault).visit_detail(imported.visit_uuid)
        return sorted((o.indicator_id, o.status.value) for o in detail.observations)

    recorded = signals()
    editor.go_to_step(SIGNALS)
    checklist = editor.checklist
    checklist.set_current(PASSPORT)
    checklist.view.setFocus()
    qtbot.keyClick(checklist.view, Qt.Key.Key_Space)
    cell = checklist.model.index_of(PASSPORT, STATUS_COLUMN)
    qtbot.mouseClick(
        checklist.view.viewport(),
        Qt.MouseButton.LeftButton,
        pos=checklist.view.visualRect(cell).center(),
    )
    assert signals() == recorded
    assert editor.status.text() == ""
    assert checklist.current_indicator().id == PASSPORT
    assert PASSPORT in checklist.detail_title.text()
    assert not checklist.buttons.isVisible() and checklist.note.isReadOnly()
    assert not checklist.evidence.isEnabled()

    # Adding a person: no button, Ctrl+P does nothing, and the editor's own path refuses.
    editor.go_to_step(PERSONS)
    assert not editor.add_person_button.isVisible()
    qtbot.keyClick(editor, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    editor.add_person()
    assert len(Store(store.vault).visit_detail(imported.visit_uuid).persons) == 1
    assert not editor.person_form.sex.isEnabled()
    assert editor.person_form.languages.isReadOnly()

    # Afronden: refer stays, closing, discarding and removing a person are gone.
    qtbot.keyClick(editor, Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)  # steps still move
    assert editor.current_step() == FINISH
    finish = editor.finish
    assert finish.refer_button.isVisible() and finish.refer_button.isEnabled()
    assert not finish.close_button.isVisible() and not finish.discard_button.isVisible()
    assert all(not card.delete_button.isVisible() for card in finish.cards)
    assert not editor.undo_button.isVisible()
    disabled = {s.key().toString() for s in editor._shortcuts if not s.isEnabled()}
    assert disabled == {"Ctrl+P", "Ctrl+Z", "Ctrl+O", "Ctrl+E", "F3"}

    # Referring: what a final referral lacks is the inspector's to complete, not the
    # coordinator's ("Vul dit aan bij het bezoek" would ask the impossible); no consent asked.
    dialog = editor.open_referral_about(None)
    assert dialog.missing_lines() and not dialog.consent_buttons
    inspector = visit_provenance(store.conn, [imported.visit_uuid])[imported.visit_uuid]
    assert dialog.missing_hint.text() == t(
        "ui.referral.dialog.missing_hint_imported", inspector=inspector.device_label
    )
    dialog.reject()
    qtbot.waitUntil(lambda: editor.referral_dialog is None)

    assert table_dump(store.vault) == before  # nothing changed, not even an audit entry

    # The core refuses the same change, whatever calls it.
    with pytest.raises(FieldAppError) as refused:
        store.update_visit(imported.visit_uuid, notes="van de coördinator")
    assert refused.value.message() == t("store.imported_read_only")

    # Back to the list keeps the visit (an imported visit is never discarded as a draft).
    qtbot.keyClick(editor, Qt.Key.Key_Escape)
    assert store.visit_detail(imported.visit_uuid).visit.meta.uuid == imported.visit_uuid
    assert window.editor is None


def test_the_coordinators_own_visit_stays_editable(qtbot, window: MainWindow) -> None:
    store = window.session.store
    window.new_visit()
    editor = window.editor
    assert isinstance(editor, VisitEditor)
    qtbot.waitExposed(editor)
    assert not editor.origin_banner.isVisible() and not editor.read_only
    name = editor.site_form.edits["name"]
    name.setFocus()
    qtbot.keyClicks(name, "Eigen controle")
    qtbot.keyClick(name, Qt.Key.Key_Return)
    assert _site_name(store, editor.visit_uuid) == "Eigen controle"
    editor.add_person()
    assert len(store.visit_detail(editor.visit_uuid).persons) == 1
    assert editor.add_person_button.isVisibleTo(editor)


def test_the_status_bar_names_no_device(qtbot, window: MainWindow, imported: Imported) -> None:
    text = window.status_label.text()
    assert text == t("ui.role.coordinator")  # no profile name yet: the role alone
    assert window.session.vault is not None
    assert window.session.vault.info.device_id[:8] not in text


def test_an_own_visit_at_an_imported_place_keeps_the_place_read_only(
    qtbot, imported: Imported
) -> None:
    store = Store(imported.coordinator.vault)
    site = store.visit_detail(imported.visit_uuid).site
    own = store.record_visit(
        NewVisit(
            site=SiteInput(name="tijdelijk", sector=Sector.OTHER),
            visit=VisitInput(started_at="2026-12-01T09:00:00Z"),
        )
    )
    store.update_visit(own, site_uuid=site.meta.uuid)  # the same greenhouse, visited again
    editor = VisitEditor(store, load_catalogue(), own)
    qtbot.addWidget(editor)
    editor.show()
    try:
        assert editor.origin_banner.isVisible() and "Inspecteur Jansen" in (
            editor.origin_banner.text()
        )
        assert not editor.read_only
        assert editor.site_form.edits["name"].isReadOnly()
        notes = editor.site_form.notes
        assert not notes.isReadOnly()
        notes.setFocus()
        qtbot.keyClicks(notes, "Tweede bezoek")
        editor.flush()
        assert store.visit_detail(own).visit.notes == "Tweede bezoek"
    finally:
        editor.clear()


def test_the_merged_list_shows_devices_by_name(qtbot, imported: Imported) -> None:
    view = MergedVisitsView(imported.coordinator.vault, InlineRunner())
    qtbot.addWidget(view)
    view.show()
    device_id = imported.field.info.device_id
    model = view.model
    column = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    device_column = column.index(t("ui.merged.col.device"))
    shown = [model.index(row, device_column).data() for row in range(model.rowCount())]
    assert shown == ["Inspecteur Jansen (Nederlandse Arbeidsinspectie)"]
    everything = [
        str(model.index(row, c).data())
        for row in range(model.rowCount())
        for c in range(model.columnCount())
    ]
    everything += [view.device.itemText(i) for i in range(view.device.count())]
    for fragment in (device_id[:8], device_id[-8:]):
        assert not any(fragment in text for text in everything)
    assert view.device.itemData(1) == device_id  # the filter still filters by device
    view.clear()


def test_provenance_columns_follow_the_font_in_use(qtbot, imported: Imported) -> None:
    view = MergedVisitsView(imported.coordinator.vault, InlineRunner())
    qtbot.addWidget(view)
    view.resize(1600, 700)
    view.show()

    def expected(column: int) -> int:
        metrics = view.table.fontMetrics()
        header = view.table.horizontalHeader().fontMetrics()
        return max(
            metrics.horizontalAdvance(PROVENANCE_WIDTHS[column]) + view.CELL_PADDING,
            header.horizontalAdvance(t(MERGED_COLUMNS[column].header)) + view.SORT_PADDING,
        )

    columns = list(PROVENANCE_WIDTHS)
    normal = {column: view._wanted_widths[column] for column in columns}
    assert normal == {column: expected(column) for column in columns}
    view.set_large_touch(True)
    big = QFont(view.table.font())
    big.setPointSizeF(big.pointSizeF() * 1.6)  # what large touch's style does to the font
    view.table.setFont(big)
    QApplication.processEvents()
    view.fit_columns()
    grown = {column: view._wanted_widths[column] for column in columns}
    assert grown == {column: expected(column) for column in columns}  # measured, no factor
    assert all(grown[column] > normal[column] for column in columns)
    view.clear()
