"""Replies on the desktop (issue 16): the field page shows what waits and what arrived, reads a
reply on the runner (also on a real worker thread), refuses a tampered one with its reason and
the vault unchanged, and shows the follow-up the reply brought; the coordinator's page writes
one reply per device next to the bundles it imported (none with the box unticked) and one on
demand; the visit screen says when the signal list in use came from the coordinator; every
new part fits a 1280x800 tablet at 150 %, in large touch too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from fieldapp import followup, reply
from fieldapp.catalogue import Catalogue
from fieldapp.catalogue.loader import available_versions, load_catalogue
from fieldapp.demo import demo_visits
from fieldapp.i18n import t, tn
from fieldapp.localtime import date_text, datetime_text
from fieldapp.retention.purge import today_utc
from fieldapp.store.reply_store import ReplyStore
from fieldapp.store.store import Store
from fieldapp.sync import cards
from fieldapp.sync.export import export_bundle
from fieldapp.vault import Vault
from fieldapp.vault.connection import transaction
from tests.support import PASSPHRASE
from tests.support.qt import answer_file_dialog, unnamed_controls
from tests.support.replies import Pair, corrected_catalogue, paired
from tests.support.sync import enrol, make_field, table_dump
from ui.runner import InlineRunner, Runner
from ui.sync.coordinator_page import CoordinatorSyncDialog
from ui.sync.field_page import FieldSyncDialog
from ui.views.visit_page import VisitPage
from ui.visit import VisitEditor
from ui.widgets import style_sheet
from ui.window_settings import SMALLEST_SCREEN

USABLE = (SMALLEST_SCREEN.width(), SMALLEST_SCREEN.height() - 32)  # less the title bar
TOUCH = 44  # px: the smallest target in large-touch mode


def _record(pair: Pair, seed: int = 4242) -> str:
    return Store(pair.field).record_visit(next(demo_visits(1, seed=seed)))


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    with paired(tmp_path) as made:
        yield made


def field_page(qtbot, pair: Pair, runner: InlineRunner | Runner | None = None) -> FieldSyncDialog:
    page = FieldSyncDialog(pair.field, runner or InlineRunner())
    qtbot.addWidget(page)
    page.show()
    return page


def _referral(field: Vault, visit: str, document_id: str = "FA-REPLYUI001") -> str:
    store = Store(field)
    person = next(iter(store.persons(visit))).meta.uuid
    return store.add_referral(
        visit,
        (person,),
        "police",
        document=b"%PDF-1.7 test",
        document_id=document_id,
        content_hash="a" * 64,
        lang="nl",
        urgency="normal",
    ).meta.uuid


# -- the field device ----------------------------------------------------------------------


def test_the_field_page_shows_waiting_then_arrived(
    qtbot, monkeypatch: pytest.MonkeyPatch, pair: Pair
) -> None:
    _record(pair)
    pair.send()
    page = field_page(qtbot, pair)
    assert page.reply_box.isVisible()
    assert unnamed_controls(page) == []
    holdings = ReplyStore(pair.field).holdings()
    assert holdings.waiting == 1 and holdings.oldest_waiting is not None
    assert page.waiting_label.text() == tn(
        "ui.sync.reply.waiting", 1, since=date_text(holdings.oldest_waiting)
    )
    assert "sinds" in page.waiting_label.text()
    assert page.arrived_label.text() == t(
        "ui.sync.reply.arrived_none", days=tn("ui.sync.reply.n_days", 30)
    )
    assert page.unsent_label.text() == t("ui.sync.reply.unsent_none")
    assert page.last_reply_label.text() == t("ui.sync.reply.none")
    assert page.followup_empty.isVisible() and not page.followup.isVisible()

    path = pair.reply()
    answer_file_dialog(monkeypatch, "getOpenFileNames", ([str(path)], ""))
    qtbot.mouseClick(page.read_reply_button, Qt.MouseButton.LeftButton)
    assert not page.reading and page.read_reply_button.isEnabled()
    run = page.last_replies
    assert run is not None and len(run.outcomes) == 1
    report = run.outcomes[0].report
    assert report is not None and report.status == "imported" and report.arrived_now > 0
    assert page.reply_result.text().splitlines()[0] == tn(
        "ui.sync.reply.imported", report.arrived_now, file=path.name, seq=1
    )
    assert not page.reply_refused.isVisible()
    assert page.arrived_label.text().startswith(
        tn("ui.sync.reply.arrived", 1, days=tn("ui.sync.reply.n_days", 30))
    )
    first = date.fromisoformat(today_utc().isoformat()) + timedelta(days=31)
    assert page.arrived_label.text().endswith(f"De eerste gaan op {date_text(first)}.")
    assert "30 dagen na aankomst van dit apparaat gewist (termijn van de coördinator)" in (
        page.arrived_label.text()
    )
    assert page.waiting_label.text() == t("ui.sync.reply.waiting_none")
    last = ReplyStore(pair.field).last_reply()
    assert last is not None
    assert page.last_reply_label.text() == t(
        "ui.sync.reply.last", seq=1, when=datetime_text(last.imported_at), through=1
    )
    assert page.followup_empty.isVisible()

    # The same reply again, from the folder: already read, nothing changes.
    before = table_dump(pair.field)
    answer_file_dialog(monkeypatch, "getExistingDirectory", str(pair.stick))
    qtbot.mouseClick(page.read_reply_folder_button, Qt.MouseButton.LeftButton)
    assert page.reply_result.text() == t("ui.sync.reply.duplicate", file=path.name, seq=1)
    assert table_dump(pair.field) == before


def test_the_follow_up_of_this_devices_referrals_comes_with_the_reply(qtbot, pair: Pair) -> None:
    visit = _record(pair)
    referral = _referral(pair.field, visit)
    other = _referral(pair.field, visit, document_id="FA-REPLYUI002")
    pair.send()
    followup.update(pair.coordinator.vault, referral, status="investigating")
    followup.update(pair.coordinator.vault, other, status="closed", outcome="victim_supported")
    page = field_page(qtbot, pair)
    page.read_replies([pair.reply()])
    assert page.followup.isVisible() and not page.followup_empty.isVisible()
    rows = {
        page.followup.item(row, 0).text(): [
            page.followup.item(row, column).text() for column in range(1, 5)
        ]
        for row in range(page.followup.rowCount())
    }
    updated = date_text(ReplyStore(pair.field).received_followup()[0].updated_at)
    assert rows == {
        "FA-REPLYUI001": [
            t("recipient.police"),
            t("followup.status.investigating"),
            "-",
            updated,
        ],
        "FA-REPLYUI002": [
            t("recipient.police"),
            t("followup.status.closed"),
            t("followup.outcome.victim_supported"),
            updated,
        ],
    }
    # Never the coordinator's own note: the table has no such column, the store no such field.
    assert "note" not in ReplyStore(pair.field).received_followup()[0]._fields


def test_a_tampered_reply_shows_its_refusal_and_changes_nothing(
    qtbot, monkeypatch: pytest.MonkeyPatch, pair: Pair
) -> None:
    _record(pair)
    pair.send()
    path = pair.reply()
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    page = field_page(qtbot, pair)
    waiting = page.waiting_label.text()
    before = table_dump(pair.field)
    answer_file_dialog(monkeypatch, "getOpenFileNames", ([str(path)], ""))
    qtbot.mouseClick(page.read_reply_button, Qt.MouseButton.LeftButton)
    reason = reply.ReplyRejected("sync.reply.reject.damaged").message()
    assert page.reply_refused.text() == t("ui.sync.reply.refused", file=path.name, reason=reason)
    assert page.reply_refused.isVisible() and not page.reply_result.isVisible()
    assert "Traceback" not in page.reply_refused.text()
    assert table_dump(pair.field) == before
    assert page.waiting_label.text() == waiting
    assert page.last_reply_label.text() == t("ui.sync.reply.none")


def test_a_reply_is_read_on_a_worker_thread(qtbot, pair: Pair) -> None:
    """The real runner: the reply is decrypted and recorded on the pool's thread with its own
    connection, the report and the progress come back to the window."""
    _record(pair)
    pair.send()
    path = pair.reply()
    runner = Runner()
    page = field_page(qtbot, pair, runner)
    seen: list[int] = []
    page.reply_progress.valueChanged.connect(seen.append)
    page.read_replies([path])
    assert page.reading and not page.read_reply_button.isEnabled()
    assert not page.export_button.isEnabled()  # one writer at a time
    qtbot.waitUntil(lambda: not page.reading)
    runner.wait()
    assert page.last_replies is not None
    assert [o.report.status for o in page.last_replies.outcomes if o.report] == ["imported"]
    assert seen and seen[-1] == 1
    assert page.arrived_label.text().startswith(tn("ui.sync.reply.arrived", 1, days="")[:12])
    assert page.export_button.isEnabled() and not page.reply_progress.isVisible()


def test_a_lock_while_reading_stops_between_replies_and_keeps_nothing_half_done(
    qtbot, pair: Pair
) -> None:
    _record(pair)
    pair.send()
    pair.reply()
    pair.reply()  # two replies in the folder
    page = field_page(qtbot, pair)
    # The inline runner reads at once: the vault locks at the first progress report.
    page.reply_progress.valueChanged.connect(lambda _value: pair.field.lock())
    page.read_replies([pair.stick])
    run = page.last_replies
    assert run is not None and run.outcomes == [] and run.stopped is not None
    assert not page.reading
    assert page.message.text() == t("ui.sync.reply.failed", reason=run.stopped)
    pair.field = Vault.unlock(pair.field.folder, PASSPHRASE)
    assert ReplyStore(pair.field).last_reply() is None
    assert ReplyStore(pair.field).holdings().waiting == 1


def test_nothing_to_read_says_so(qtbot, pair: Pair, tmp_path: Path) -> None:
    _record(pair)
    pair.send()
    empty = tmp_path / "empty"
    empty.mkdir()
    page = field_page(qtbot, pair)
    page.read_replies([empty])
    assert page.message.text() == t("ui.sync.reply.none_found")


def test_a_revocation_the_replies_brought_is_a_clear_warning(qtbot, pair: Pair) -> None:
    _record(pair)
    pair.send()
    page = field_page(qtbot, pair)
    assert not page.revoked_label.isVisible()
    # The revocation list as a reply records it (the coordinator's list, with this device).
    with transaction(pair.field.conn):
        pair.field.conn.execute(
            "INSERT INTO sync_revocations (device_id, revoked_at) VALUES (?, ?)",
            (pair.field.info.device_id, "2026-12-01T09:30:00Z"),
        )
    page.refresh()
    assert page.revoked_label.isVisible()
    assert page.revoked_label.text() == t(
        "ui.sync.reply.revoked", when=datetime_text("2026-12-01T09:30:00Z")
    )
    assert page.revoked_label.objectName() == "warning"


# -- the coordinator -----------------------------------------------------------------------


@pytest.fixture
def second(pair: Pair, tmp_path: Path) -> Iterator[Vault]:
    """A second enrolled device."""
    vault = make_field(tmp_path / "second")
    enrol(vault, pair.coordinator, inspector="Inspecteur 12")
    yield vault
    vault.lock()


def _bundles(pair: Pair, second: Vault) -> list[Path]:
    paths = []
    for device, seed in ((pair.field, 1), (second, 2)):
        Store(device).record_visit(next(demo_visits(1, seed=seed)))
        exported = export_bundle(device, pair.stick)
        assert exported is not None
        paths.append(exported.path)
    return paths


def coordinator_page(qtbot, pair: Pair) -> CoordinatorSyncDialog:
    page = CoordinatorSyncDialog(pair.coordinator.vault)
    qtbot.addWidget(page)
    page.show()
    return page


def test_the_coordinator_answers_each_device_next_to_its_bundles(
    qtbot, monkeypatch: pytest.MonkeyPatch, pair: Pair, second: Vault
) -> None:
    bundles = _bundles(pair, second)
    page = coordinator_page(qtbot, pair)
    assert unnamed_controls(page) == []
    assert page.write_replies_check.isChecked()  # by default
    answer_file_dialog(monkeypatch, "getOpenFileNames", ([str(p) for p in bundles], ""))
    qtbot.mouseClick(page.import_files_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.importing)
    assert [r.status for r in page.reports] == ["imported", "imported"]
    replies = sorted(pair.stick.glob("*.far"))
    assert len(replies) == 2
    devices = {pair.field.info.device_id, second.info.device_id}
    assert {w.device_id for w in page.replies_written} == devices
    assert {w.path for w in page.replies_written} == set(replies)
    assert page.replies_failed == []
    lines = page.reply_report.text().splitlines()
    assert lines[0] == t("ui.sync.reply.written_in", folder=str(pair.stick))
    assert len(lines) == 3
    assert any(second.info.device_id in line and "Inspecteur 12" in line for line in lines)
    assert all(line.startswith("Antwoord 1 aan ") for line in lines[1:])
    assert not page.reply_progress.isVisible() and page.import_files_button.isEnabled()
    # Each reply opens on its own device only.
    for device in (pair.field, second):
        mine = next(w.path for w in page.replies_written if w.device_id == device.info.device_id)
        assert reply.import_reply(device, mine).status == "imported"


def test_with_the_box_unticked_no_reply_is_written(
    qtbot, monkeypatch: pytest.MonkeyPatch, pair: Pair, second: Vault
) -> None:
    _bundles(pair, second)
    page = coordinator_page(qtbot, pair)
    page.write_replies_check.setChecked(False)
    answer_file_dialog(monkeypatch, "getExistingDirectory", str(pair.stick))
    qtbot.mouseClick(page.import_folder_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.importing)
    assert [r.status for r in page.reports] == ["imported", "imported"]
    assert list(pair.stick.glob("*.far")) == []
    assert page.replies_written == [] and not page.reply_report.isVisible()
    # Ticked again, the same folder once more: already imported, and still answered.
    page.write_replies_check.setChecked(True)
    qtbot.mouseClick(page.import_folder_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.importing)
    assert [r.status for r in page.reports] == ["duplicate", "duplicate"]
    assert len(list(pair.stick.glob("*.far"))) == 2


def test_a_reply_on_demand_and_a_device_that_cannot_have_one(
    qtbot, monkeypatch: pytest.MonkeyPatch, pair: Pair, second: Vault, tmp_path: Path
) -> None:
    _record(pair)
    pair.send()  # the first device has a reply key now; the second never exported
    page = coordinator_page(qtbot, pair)
    out = tmp_path / "out"
    out.mkdir()
    answer_file_dialog(monkeypatch, "getExistingDirectory", str(out))
    rows = {page.devices.item(row, 0).toolTip(): row for row in range(page.devices.rowCount())}
    page.devices.selectRow(rows[pair.field.info.device_id])
    assert page.make_reply_button.isEnabled()
    qtbot.mouseClick(page.make_reply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.importing)
    assert len(list(out.glob("*.far"))) == 1
    assert [w.device_id for w in page.replies_written] == [pair.field.info.device_id]
    page.refresh_devices()
    row = rows[pair.field.info.device_id]
    assert page.devices.item(row, 0).text() == pair.field.info.device_id[-8:]  # short, as typed
    assert page.devices.item(row, 7).text().startswith(t("ui.sync.last_reply", seq=1, when="")[:6])

    page.devices.selectRow(rows[second.info.device_id])
    qtbot.mouseClick(page.make_reply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not page.importing)
    assert len(list(out.glob("*.far"))) == 1
    reason = reply.ReplyError("sync.reply.no_reply_key", device=second.info.device_id).message()
    assert page.replies_failed == [(second.info.device_id, reason)]
    assert reason in page.reply_report.text()
    assert page.message.text() == tn("ui.sync.reply.some_failed", 1)

    cards.revoke_device(pair.coordinator.vault, second.info.device_id)
    page.refresh_devices(select=second.info.device_id)
    assert not page.make_reply_button.isEnabled()


# -- the catalogue the coordinator sends ---------------------------------------------------------


def test_the_visit_screen_says_when_the_list_in_use_came_from_the_coordinator(
    qtbot, pair: Pair, tmp_path: Path
) -> None:
    visit = _record(pair)
    pair.send()
    reply.publish_catalogue(pair.coordinator.vault, "2026.9", corrected_catalogue(tmp_path / "c"))
    page = field_page(qtbot, pair)
    page.read_replies([pair.reply()])
    assert t("ui.sync.reply.catalogue", version="2026.9") in page.reply_result.text()
    assert "2026.9" in pair.field.catalogues  # the vault's lock releases it

    visit_page = VisitPage()
    qtbot.addWidget(visit_page)
    visit_page.show()
    editors: list[VisitEditor] = []

    def open_editor(vault: Vault, catalogue: Catalogue) -> None:
        """As the window opens a visit: the editor on the page, the one before cleared."""
        for editor in editors:
            editor.clear()
        editors.append(VisitEditor(Store(vault), catalogue, visit))
        visit_page.set_editor(editors[-1])

    open_editor(pair.field, load_catalogue("2026.2"))
    assert not visit_page.catalogue_notice.isVisible()  # the program's own list: quiet
    arrived = ReplyStore(pair.field).installed_catalogues()
    assert [a.version for a in arrived] == ["2026.9"]
    assert load_catalogue().version == "2026.9"
    open_editor(pair.field, load_catalogue())
    assert visit_page.catalogue_notice.isVisible()
    assert visit_page.catalogue_notice.text() == t(
        "ui.sync.reply.catalogue_in_use",
        version="2026.9",
        date=date_text(arrived[0].installed_at),
    )
    assert "nieuwe waarnemingen gebruiken deze lijst" in visit_page.catalogue_notice.text()
    # The coordinator keeps the version it published, but its visits get no such line.
    open_editor(pair.coordinator.vault, load_catalogue())
    assert not visit_page.catalogue_notice.isVisible()
    for editor in editors:
        editor.clear()
    visit_page.set_editor(None)
    assert not visit_page.catalogue_notice.isVisible()

    pair.field.lock()
    pair.coordinator.vault.lock()
    assert "2026.9" not in available_versions()  # both vaults locked: the version is gone


# -- fits the tablet ---------------------------------------------------------------------------


@pytest.mark.parametrize("large_touch", [False, True])
def test_the_reply_parts_fit_the_tablet(
    qtbot, monkeypatch: pytest.MonkeyPatch, pair: Pair, second: Vault, large_touch: bool
) -> None:
    visit = _record(pair)
    for number in range(3):
        referral = _referral(pair.field, visit, document_id=f"FA-REPLYUI00{number}")
        pair.send()
        followup.update(pair.coordinator.vault, referral, status="closed", outcome="referred_on")
    Store(second).record_visit(next(demo_visits(1, seed=5)))
    exported = export_bundle(second, pair.stick)
    assert exported is not None
    field = field_page(qtbot, pair)
    field.read_replies([pair.reply()])
    coordinator = coordinator_page(qtbot, pair)
    answer_file_dialog(monkeypatch, "getOpenFileNames", ([str(exported.path)], ""))
    coordinator.choose_files()
    qtbot.waitUntil(lambda: not coordinator.importing)
    assert len(coordinator.replies_written) == 1
    for name, dialog, buttons in (
        ("field sync", field, (field.read_reply_button, field.read_reply_folder_button)),
        ("coordinator sync", coordinator, (coordinator.make_reply_button,)),
    ):
        dialog.setStyleSheet(style_sheet(large_touch))
        dialog.resize(*USABLE)
        QApplication.processEvents()
        needed = dialog.minimumSize().expandedTo(dialog.minimumSizeHint())
        assert needed.width() <= USABLE[0], f"{name} needs {needed.width()} px wide"
        assert needed.height() <= USABLE[1], f"{name} needs {needed.height()} px high"
        for target in buttons if large_touch else ():
            assert target.height() >= TOUCH, f"{target.objectName()} is {target.height()} high"
    assert field.followup.rowCount() == 3
