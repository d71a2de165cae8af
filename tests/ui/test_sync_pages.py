"""Sync by file on the desktop: enrolment through both pages with the fingerprints typed as a
person hears them, export from the field page (progress, cancel), import on the coordinator's
page with its report (imported, then duplicate), revocation, and the menu entry that the lock
closes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox

from fieldapp.demo import demo_visits
from fieldapp.domain import ReferralStatus
from fieldapp.i18n import t
from fieldapp.ids import crockford_code
from fieldapp.localtime import datetime_text
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync.export import export_bundle
from fieldapp.sync.keys import own_keys
from fieldapp.vault import Vault
from tests.support.qt import answer_file_dialog, unlock, unnamed_controls
from tests.support.sync import Coordinator, enrol, make_coordinator, make_field, records
from ui.runner import InlineRunner
from ui.sync.coordinator_page import STATUS_ROLE, CoordinatorSyncDialog
from ui.sync.field_page import FieldSyncDialog


@pytest.fixture
def coordinator(tmp_path: Path) -> Iterator[Coordinator]:
    made = make_coordinator(tmp_path / "coordinator")
    yield made
    made.vault.lock()


@pytest.fixture
def field(tmp_path: Path) -> Iterator[Vault]:
    vault = make_field(tmp_path / "field")
    yield vault
    vault.lock()


@pytest.fixture
def field_page(qtbot, field: Vault) -> FieldSyncDialog:
    page = FieldSyncDialog(field, InlineRunner())
    qtbot.addWidget(page)
    page.show()
    return page


@pytest.fixture
def coordinator_page(qtbot, coordinator: Coordinator) -> CoordinatorSyncDialog:
    page = CoordinatorSyncDialog(coordinator.vault)
    qtbot.addWidget(page)
    page.show()
    return page


def wrong(fingerprint: str) -> str:
    """The same fingerprint with its last digit misheard."""
    last = str((int(fingerprint[-1]) + 1) % 10)
    return fingerprint[:-1] + last


def type_into(qtbot, field, text: str) -> None:
    field.clear()
    qtbot.keyClicks(field, text)


def test_enrolment_round_trip_through_both_pages(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    field: Vault,
    coordinator: Coordinator,
    field_page: FieldSyncDialog,
    coordinator_page: CoordinatorSyncDialog,
) -> None:
    assert unnamed_controls(field_page) == []
    assert unnamed_controls(coordinator_page) == []
    assert field_page.state.text() == t("ui.sync.state_not_trusted")
    assert not field_page.trust_button.isEnabled()
    assert not field_page.save_request_button.isEnabled()

    # 1. The coordinator saves the card and reads out the fingerprint shown large.
    card_path = tmp_path / "card.json"
    answer_file_dialog(monkeypatch, "getSaveFileName", (str(card_path), ""))
    qtbot.mouseClick(coordinator_page.save_card_button, Qt.MouseButton.LeftButton)
    assert card_path.exists()
    heard = coordinator_page.own_fp.fingerprint
    assert heard == coordinator.card.fingerprint
    assert coordinator_page.own_fp.isVisible()
    assert coordinator_page.own_fp.text().count("\n") == 2  # three lines of four groups

    # 2. The device opens the card; the fingerprint is not shown there: it must be typed.
    answer_file_dialog(monkeypatch, "getOpenFileName", (str(card_path), ""))
    qtbot.mouseClick(field_page.open_card_button, Qt.MouseButton.LeftButton)
    assert field_page.coordinator_fp.text() == ""
    shown = " ".join(label.text() for label in field_page.findChildren(QLabel))
    assert heard not in shown and heard.replace(" ", "") not in shown.replace(" ", "")
    type_into(qtbot, field_page.coordinator_fp, wrong(heard))
    qtbot.keyClick(field_page.coordinator_fp, Qt.Key.Key_Return)
    assert field_page.message.text() == t("sync.enrol.fingerprint_mismatch")
    assert SyncStore(field).trusted_coordinator() is None
    type_into(qtbot, field_page.coordinator_fp, "12345")
    qtbot.mouseClick(field_page.trust_button, Qt.MouseButton.LeftButton)
    assert field_page.message.text() == t("sync.enrol.fingerprint_format")
    assert SyncStore(field).trusted_coordinator() is None
    type_into(qtbot, field_page.coordinator_fp, heard.replace(" ", "-"))
    qtbot.keyClick(field_page.coordinator_fp, Qt.Key.Key_Return)
    assert SyncStore(field).trusted_coordinator() is not None
    assert field_page.state.text() == t("ui.sync.state_trusted")

    # 3. The device saves its request and shows its own fingerprint to read out.
    request_path = tmp_path / "request.json"
    answer_file_dialog(monkeypatch, "getSaveFileName", (str(request_path), ""))
    qtbot.mouseClick(field_page.save_request_button, Qt.MouseButton.LeftButton)
    assert request_path.exists()
    device_heard = field_page.own_fp.fingerprint
    assert device_heard == own_keys(field).fingerprint
    assert field_page.own_fp.isVisible()
    assert field_page.open_ack_button.isEnabled()

    # 4. The coordinator opens the request; a misheard fingerprint enrols nothing and asks
    #    for no file.
    answer_file_dialog(monkeypatch, "getOpenFileName", (str(request_path), ""))
    qtbot.mouseClick(coordinator_page.open_request_button, Qt.MouseButton.LeftButton)
    assert coordinator_page.approve_button.isEnabled()
    assert field.info.device_id in coordinator_page.request_label.text()
    saves = answer_file_dialog(monkeypatch, "getSaveFileName", ("", ""))
    type_into(qtbot, coordinator_page.device_fp, wrong(device_heard))
    qtbot.mouseClick(coordinator_page.approve_button, Qt.MouseButton.LeftButton)
    assert coordinator_page.message.text() == t("sync.enrol.fingerprint_mismatch")
    assert saves == []
    assert SyncStore(coordinator.vault).devices() == []
    ack_path = tmp_path / "ack.json"
    answer_file_dialog(monkeypatch, "getSaveFileName", (str(ack_path), ""))
    type_into(qtbot, coordinator_page.device_fp, device_heard)
    qtbot.keyClick(coordinator_page.device_fp, Qt.Key.Key_Return)
    assert ack_path.exists()
    assert [d.device_id for d in SyncStore(coordinator.vault).devices()] == [field.info.device_id]
    assert coordinator_page.devices.rowCount() == 1
    assert coordinator_page.current_device_id() == field.info.device_id

    # 5. The device accepts the acknowledgement and is enrolled: the export part shows.
    answer_file_dialog(monkeypatch, "getOpenFileName", (str(ack_path), ""))
    qtbot.mouseClick(field_page.open_ack_button, Qt.MouseButton.LeftButton)
    assert field_page.message.text() == t("ui.sync.enrolled")
    assert field_page.export_box.isVisible()
    assert not field_page.enrol_box.isVisible()
    assert field_page.state.text() == t("ui.sync.state_enrolled", fingerprint=heard)


def test_a_damaged_card_is_refused_before_anything_is_typed(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, field_page: FieldSyncDialog
) -> None:
    bad = tmp_path / "card.json"
    bad.write_text("{}")
    answer_file_dialog(monkeypatch, "getOpenFileName", (str(bad), ""))
    qtbot.mouseClick(field_page.open_card_button, Qt.MouseButton.LeftButton)
    assert field_page.message.text() == t("sync.enrol.card_invalid")
    assert not field_page.trust_button.isEnabled()


def _record_visit(field: Vault) -> str:
    return Store(field).record_visit(next(demo_visits(1, seed=4242)))


def test_export_import_duplicate_and_revoke(
    qtbot,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    field: Vault,
    coordinator: Coordinator,
) -> None:
    enrol(field, coordinator)
    visit_uuid = _record_visit(field)
    page = FieldSyncDialog(field, InlineRunner())
    qtbot.addWidget(page)
    page.show()
    pending = SyncStore(field).pending_changes()
    assert pending > 0
    assert page.pending_label.text() == t("ui.sync.pending", count=pending)
    assert page.last_label.text() == t("ui.sync.no_export")

    out = tmp_path / "stick"
    out.mkdir()
    answer_file_dialog(monkeypatch, "getExistingDirectory", str(out))
    seen: list[int] = []
    page.progress.valueChanged.connect(seen.append)
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    bundles = list(out.glob("*.fab"))
    assert len(bundles) == 1
    assert list(out.glob("*.tmp")) == []
    assert page.last_result is not None and page.last_result.path == bundles[0]
    assert str(bundles[0]) in page.result_label.text()
    assert seen and seen[-1] == 1000
    assert not page.progress.isVisible() and page.export_button.isEnabled()
    assert page.pending_label.text() == t("ui.sync.pending", count=0)
    assert page.last_label.text().startswith(t("ui.sync.last_export", seq=1, when="")[:10])

    # Nothing new: nothing written.
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert page.message.text() == t("ui.sync.nothing")
    assert len(list(out.glob("*.fab"))) == 1

    # The coordinator imports the file: imported, and the visit is there with its records.
    coord_page = CoordinatorSyncDialog(coordinator.vault)
    qtbot.addWidget(coord_page)
    coord_page.show()
    answer_file_dialog(monkeypatch, "getOpenFileNames", ([str(bundles[0])], ""))
    qtbot.mouseClick(coord_page.import_files_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not coord_page.importing)
    assert [r.status for r in coord_page.reports] == ["imported"]
    assert coord_page.report.rowCount() == 1
    assert coord_page.report.item(0, 2).data(STATUS_ROLE) == "imported"
    assert coord_page.report.item(0, 2).text() == t("ui.sync.status_imported")
    assert coord_page.report.item(0, 0).text() == bundles[0].name
    assert field.info.device_id in coord_page.report.item(0, 1).text()
    assert "Inspecteur 07" in coord_page.report.item(0, 1).text()
    assert visit_uuid in [row[0] for row in records(coordinator.vault, "visit")]
    assert coord_page.import_files_button.isEnabled()

    # The same stick again (as a folder): duplicate, nothing changes.
    answer_file_dialog(monkeypatch, "getExistingDirectory", str(out))
    qtbot.mouseClick(coord_page.import_folder_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not coord_page.importing)
    assert [r.status for r in coord_page.reports] == ["duplicate"]
    assert coord_page.report.item(0, 2).data(STATUS_ROLE) == "duplicate"
    assert coord_page.summary.text() == t(
        "ui.sync.import_done", imported=0, duplicate=1, rejected=0
    )

    # Revocation asks first; "No" changes nothing.
    asked: list[str] = []

    def say(reply: QMessageBox.StandardButton):
        def question(*args: Any, **kwargs: Any) -> QMessageBox.StandardButton:
            asked.append(args[2])
            return reply

        return question

    coord_page.devices.selectRow(0)
    assert coord_page.revoke_button.isEnabled()
    monkeypatch.setattr(QMessageBox, "question", staticmethod(say(QMessageBox.StandardButton.No)))
    qtbot.mouseClick(coord_page.revoke_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and field.info.device_id in asked[0]
    assert SyncStore(coordinator.vault).device(field.info.device_id).revoked_at is None
    monkeypatch.setattr(QMessageBox, "question", staticmethod(say(QMessageBox.StandardButton.Yes)))
    qtbot.mouseClick(coord_page.revoke_button, Qt.MouseButton.LeftButton)
    assert SyncStore(coordinator.vault).device(field.info.device_id).revoked_at is not None
    assert coord_page.message.text() == t("ui.sync.revoked", device=field.info.device_id)
    assert not coord_page.revoke_button.isEnabled()

    # A new bundle from the revoked device is rejected, with the reason in plain words.
    _record_visit(field)
    page.export_to(out)
    newest = page.last_result.path
    answer_file_dialog(monkeypatch, "getOpenFileNames", ([str(newest)], ""))
    qtbot.mouseClick(coord_page.import_files_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not coord_page.importing)
    report = coord_page.reports[0]
    assert report.status == "rejected"
    assert coord_page.report.item(0, 2).data(STATUS_ROLE) == "rejected"
    assert coord_page.report.item(0, 5).text() == report.rejection.message()


def test_after_a_full_export_nothing_is_waiting(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, field: Vault, coordinator: Coordinator
) -> None:
    """Final referrals go out with the bundle and the export marks them synced; that mark is
    no work of the inspector's still waiting (it said "3 changes" after every export)."""
    enrol(field, coordinator)
    store = Store(field)
    for visit_uuid in [store.record_visit(v) for v in demo_visits(3, seed=11)]:
        persons = tuple(p.meta.uuid for p in store.persons(visit_uuid))[:1]
        store.add_referral(
            visit_uuid,
            persons,
            "police",
            document=b"%PDF-1.7 test",
            document_id="FA-" + crockford_code(10),
            content_hash="a" * 64,
            lang="nl",
            urgency="normal",
        )
    page = FieldSyncDialog(field, InlineRunner())
    qtbot.addWidget(page)
    page.show()
    assert page.pending_label.text() != t("ui.sync.pending", count=0)
    out = tmp_path / "stick"
    out.mkdir()
    answer_file_dialog(monkeypatch, "getExistingDirectory", str(out))
    qtbot.mouseClick(page.export_button, Qt.MouseButton.LeftButton)
    assert len(list(out.glob("*.fab"))) == 1
    assert {r.status for r in store.referrals()} == {ReferralStatus.SYNCED}
    assert page.pending_label.text() == t("ui.sync.pending", count=0)

    # Deleting a synced referral is work again: it waits for the next export.
    store.delete("referral", store.referrals()[0].meta.uuid)
    page.refresh()
    assert page.pending_label.text() == t("ui.sync.pending", count=1)

    # The last export's moment in Dutch time, never the stored UTC text.
    exported_at = SyncStore(field).outgoing("exported")[-1].exported_at
    assert exported_at is not None
    assert datetime_text(exported_at) in page.last_label.text()
    assert exported_at not in page.last_label.text()


def test_a_cancelled_export_leaves_nothing_and_marks_nothing(
    qtbot, tmp_path: Path, field: Vault, coordinator: Coordinator
) -> None:
    enrol(field, coordinator)
    _record_visit(field)
    page = FieldSyncDialog(field, InlineRunner())
    qtbot.addWidget(page)
    page.show()
    pending = SyncStore(field).pending_changes()
    out = tmp_path / "stick"
    out.mkdir()
    # The inline runner writes at once: press Cancel at the first progress report.
    page.progress.valueChanged.connect(lambda _value: page.cancel_button.click())
    page.export_to(out)
    assert list(out.iterdir()) == []
    assert page.message.text() == t("sync.export.cancelled")
    assert SyncStore(field).pending_changes() == pending
    assert SyncStore(field).outgoing("exported") == []
    assert page.export_button.isEnabled() and not page.cancel_button.isVisible()
    page.progress.valueChanged.disconnect()
    page.export_to(out)
    assert len(list(out.glob("*.fab"))) == 1
    assert page.last_result is not None and page.last_result.seq == 1


def test_an_export_to_a_missing_folder_shows_the_reason(
    qtbot, tmp_path: Path, field: Vault, coordinator: Coordinator
) -> None:
    enrol(field, coordinator)
    _record_visit(field)
    page = FieldSyncDialog(field, InlineRunner())
    qtbot.addWidget(page)
    page.export_to(tmp_path / "nowhere")
    assert page.message.text().startswith(t("ui.sync.export_failed", reason="")[:10])
    assert SyncStore(field).outgoing() == []


def test_the_menu_opens_the_field_page_and_the_lock_closes_it(
    qtbot, make_window, locked_vault: int
) -> None:
    window = make_window()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    assert not window.sync_action.isEnabled()
    unlock(qtbot, window)
    assert window.sync_action.isEnabled()
    assert window.sync_action.shortcut().toString() == "Ctrl+Shift+S"
    qtbot.keyClick(
        window,
        Qt.Key.Key_S,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.sync_dialog
    assert isinstance(dialog, FieldSyncDialog) and dialog.isVisible()
    assert unnamed_controls(dialog) == []
    window.lock()
    assert window.sync_dialog is None
    assert not dialog.isVisible()
    assert not window.sync_action.isEnabled()


def test_the_menu_opens_the_coordinator_page(qtbot, make_window, vault_dir: Path) -> None:
    make_coordinator(vault_dir).vault.lock()
    window = make_window()
    unlock(qtbot, window)
    window.sync_action.trigger()
    dialog = window.sync_dialog
    assert isinstance(dialog, CoordinatorSyncDialog) and dialog.isVisible()
    assert unnamed_controls(dialog) == []
    window.lock()
    assert window.sync_dialog is None and not dialog.isVisible()


def test_a_desktop_made_coordinator_vault_gets_its_recovery_key_first(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """No keys yet (made by the first-run wizard): saving the card first makes them, with the
    recovery key in a file the age CLI format reads, and only then the card."""
    from fieldapp.domain import Role
    from fieldapp.vault.keyfile import FAST_FOR_TESTS
    from tests.support import PASSPHRASE

    vault = Vault.create(tmp_path / "coord", PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    page = CoordinatorSyncDialog(vault)
    qtbot.addWidget(page)
    page.show()
    recovery, card = tmp_path / "recovery.txt", tmp_path / "card.json"
    answers = iter([(str(recovery), ""), (str(card), "")])
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: next(answers)))
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok)
    )
    page.save_card()
    secret = recovery.read_text().splitlines()[-1]
    assert secret.startswith("AGE-SECRET-KEY-1")
    assert own_keys(vault).recovery_recipient
    assert card.is_file()
    assert page.own_fp.isVisible()
    vault.lock()


def test_declining_the_recovery_key_makes_nothing(
    qtbot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fieldapp.domain import Role
    from fieldapp.vault.keyfile import FAST_FOR_TESTS
    from tests.support import PASSPHRASE

    vault = Vault.create(tmp_path / "coord", PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    page = CoordinatorSyncDialog(vault)
    qtbot.addWidget(page)
    asked = answer_file_dialog(monkeypatch, "getSaveFileName", ("", ""))
    monkeypatch.setattr(
        QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel)
    )
    page.save_card()
    assert asked == []
    assert not own_keys(vault).recovery_recipient
    vault.lock()


def test_the_coordinators_list_shows_imported_visits_at_once(
    qtbot, make_window, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, vault_dir: Path
) -> None:
    """Imported from the sync page: the list behind it counts the visits without a refresh,
    and while empty it tells a coordinator to import, not to record visits."""
    coordinator = make_coordinator(vault_dir)
    field = make_field(tmp_path / "field")
    enrol(field, coordinator)
    Store(field).record_visits(demo_visits(4, seed=21))
    out = tmp_path / "stick"
    out.mkdir()
    exported = export_bundle(field, out)
    assert exported is not None
    field.lock()
    coordinator.vault.lock()

    window = make_window()
    unlock(qtbot, window)
    view = window.visits_view
    assert view.count.text() == "0 bezoeken"
    assert view.empty.isVisible()
    assert "bundels van de veldapparaten in" in view.empty.text()
    assert "Nieuw bezoek" not in view.empty.text()

    page = window.show_sync()
    assert isinstance(page, CoordinatorSyncDialog)
    answer_file_dialog(monkeypatch, "getOpenFileNames", ([str(exported.path)], ""))
    qtbot.mouseClick(page.import_files_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.importing)
    assert [r.status for r in page.reports] == ["imported"]
    assert view.count.text() == "4 bezoeken"  # no refresh asked for
    assert not view.empty.isVisible()
    page.reject()
