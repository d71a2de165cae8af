"""Sync actions beyond the plain round trip: a field device sends lost bundles again; the
coordinator sees alarms until someone looked into them, and settles conflicts either way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from fieldapp.demo import demo_visits
from fieldapp.i18n import t, tn
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from tests.support.qt import answer_file_dialog
from tests.support.sync import (
    Coordinator,
    edited_by_an_older_release,
    enrol,
    make_coordinator,
    make_field,
)
from ui.runner import InlineRunner
from ui.sync.coordinator_page import CoordinatorSyncDialog
from ui.sync.field_page import FieldSyncDialog


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Coordinator, Vault]]:
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    enrol(field, coordinator)
    yield coordinator, field
    field.lock()
    coordinator.vault.lock()


def _send(field: Vault, coordinator: Coordinator, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    result = export_bundle(field, folder)
    assert result is not None
    assert import_file(coordinator.vault, result.path).status == "imported"


def test_a_lost_bundle_is_sent_again_and_the_gap_closes(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pair
) -> None:
    coordinator, field = pair
    store = Store(field)
    stick = tmp_path / "stick"
    stick.mkdir()
    store.record_visits(demo_visits(1, seed=1))
    lost = export_bundle(field, tmp_path)  # seq 1 never reaches the coordinator
    assert lost is not None
    store.record_visits(demo_visits(1, seed=2))
    page = FieldSyncDialog(field, InlineRunner())
    qtbot.addWidget(page)
    page.show()
    answer_file_dialog(monkeypatch, "getExistingDirectory", str(stick))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    second = page.last_result
    assert second is not None and second.seq == 2
    report = import_file(coordinator.vault, second.path)
    assert [w.key for w in report.warnings] == ["sync.warn.gap"]

    # A range that was never exported is refused with its reason; so is text that is no range.
    for text in ("x", "7"):
        page.resend_field.setText(text)
        qtbot.mouseClick(page.resend_button, Qt.MouseButton.LeftButton)
        assert page.message.text(), text
        assert page.last_result is second
    page.resend_field.clear()
    qtbot.keyClicks(page.resend_field, "1")
    qtbot.keyClick(page.resend_field, Qt.Key.Key_Return)  # Enter sends, as the button does
    resent = page.last_result
    assert resent is not None and resent.resends == (1,) and resent.seq == 3
    assert tn("ui.sync.resent", 1, seqs="1") in page.result_label.text()
    assert page.resend_field.text() == ""
    assert import_file(coordinator.vault, resent.path).status == "imported"
    assert SyncStore(coordinator.vault).missing_seqs(field.info.device_id, 4) == []
    assert {v.uuid for v in Store(coordinator.vault).list_visits(10)} == {
        v.uuid for v in store.list_visits(10)
    }


def test_an_alarm_stays_until_someone_looked_into_it(qtbot, pair) -> None:
    coordinator, field = pair
    sync = SyncStore(coordinator.vault)
    sync.record_alarm(field.info.device_id, 4, "same_seq", "ab" * 32)
    page = CoordinatorSyncDialog(coordinator.vault)
    qtbot.addWidget(page)
    page.show()
    box = page.attention
    assert box.isVisible() and box.alarms.rowCount() == 1 and not box.conflicts.isVisible()
    assert box.alarms.item(0, 3).text() == t(
        "ui.sync.alarm_same_seq", device=field.info.device_id, seq=4
    )
    assert not box.acknowledge_button.isEnabled()
    box.alarms.selectRow(0)
    qtbot.mouseClick(box.acknowledge_button, Qt.MouseButton.LeftButton)
    assert sync.alarms(open_only=True) == []
    assert not box.isVisible()


@pytest.mark.parametrize("choice", ["keep", "take"])
def test_a_conflict_is_settled_with_both_versions_in_view(
    qtbot, tmp_path: Path, pair, choice: str
) -> None:
    coordinator, field = pair
    store = Store(field)
    visit_uuid = store.record_visit(next(demo_visits(1, seed=4)))
    _send(field, coordinator, tmp_path / "one")
    edited_by_an_older_release(coordinator.vault, visit_uuid, "Aangevuld door de coördinator")
    store.update_visit(visit_uuid, notes="Aangevuld in het veld")
    _send(field, coordinator, tmp_path / "two")
    page = CoordinatorSyncDialog(coordinator.vault)
    qtbot.addWidget(page)
    page.show()
    box = page.attention
    assert box.conflicts.rowCount() == 1
    assert box.conflicts.item(0, 4).text() == t("sync.column.notes")
    assert box.difference.text() == t("ui.sync.choose_conflict")
    box.conflicts.selectRow(0)
    assert box.difference.text() == t(
        "ui.sync.difference",
        column=t("sync.column.notes"),
        here="Aangevuld door de coördinator",
        field="Aangevuld in het veld",
    )
    button = box.keep_button if choice == "keep" else box.take_button
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    notes = Store(coordinator.vault).visit_detail(visit_uuid).visit.notes
    expected = "Aangevuld door de coördinator" if choice == "keep" else "Aangevuld in het veld"
    assert notes == expected
    assert SyncStore(coordinator.vault).conflicts() == []
    assert not box.isVisible()
