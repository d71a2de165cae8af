"""Field-side export: atomic, verified, nothing marked unless it succeeded, gapless seqs."""

from __future__ import annotations

import errno
import io
import itertools
import json
import shutil
from pathlib import Path

import pytest

from fieldapp.demo import demo_visits
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync import export
from fieldapp.sync.errors import EnrolmentError, ExportCancelled, ExportError
from fieldapp.sync.export import export_bundle, prepare_export, write_bundle
from fieldapp.sync.import_ import import_file, import_paths
from fieldapp.vault import Vault
from tests.support import PASSPHRASE
from tests.support.sync import all_records, enrol, make_coordinator, make_field


@pytest.fixture
def pair(tmp_path: Path):
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    enrol(field, coordinator)
    yield coordinator, field
    if field.is_open:
        field.lock()
    coordinator.vault.lock()


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    folder = tmp_path / "stick"
    folder.mkdir()
    return folder


class FailingFile(io.BufferedWriter):
    """A disk that fills up after ``limit`` bytes."""

    def __init__(self, path: Path, limit: int) -> None:
        super().__init__(io.FileIO(path, "wb"))
        self.limit = limit
        self.written = 0

    def write(self, data) -> int:
        if self.written + len(data) > self.limit:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.written += len(data)
        return super().write(data)


def _nothing_marked(field: Vault, pending_before: int) -> None:
    sync = SyncStore(field)
    assert sync.outgoing() == []
    assert sync.pending_changes() == pending_before


def test_a_write_failure_leaves_no_file_and_marks_nothing(
    pair, stick: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, field = pair
    store = Store(field)
    store.record_visits(demo_visits(40))
    visit = store.list_visits(1)[0].uuid
    store.add_attachment("visit", visit, "scan.pdf", "application/pdf", b"%PDF" + bytes(300_000))
    pending = SyncStore(field).pending_changes()
    for limit in (0, 100, 70_000, 200_000):
        monkeypatch.setattr(
            export, "_open_output", lambda path, limit=limit: FailingFile(path, limit)
        )
        with pytest.raises(ExportError) as caught:
            export_bundle(field, stick)
        assert caught.value.key == "sync.export.write_failed"
        assert list(stick.iterdir()) == []
        _nothing_marked(field, pending)
    monkeypatch.undo()
    result = export_bundle(field, stick)
    assert result is not None and result.seq == 1  # the failed attempts used up no seq
    assert [path.name for path in stick.iterdir()] == [result.path.name]
    assert SyncStore(field).pending_changes() == 0


def test_a_cancelled_export_marks_nothing(pair, stick: Path) -> None:
    _, field = pair
    Store(field).record_visits(demo_visits(200))
    pending = SyncStore(field).pending_changes()
    seen: list[tuple[int, int]] = []
    with pytest.raises(ExportCancelled):
        export_bundle(
            field,
            stick,
            progress=lambda done, total: seen.append((done, total)),
            cancel=lambda: len(seen) >= 2,
        )
    assert list(stick.iterdir()) == []
    _nothing_marked(field, pending)
    progress: list[tuple[int, int]] = []
    result = export_bundle(field, stick, progress=lambda d, t: progress.append((d, t)))
    assert result is not None
    assert progress[-1][0] == progress[-1][1]
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(progress))


def test_read_back_that_differs_removes_the_file(pair, stick: Path, monkeypatch) -> None:
    _, field = pair
    Store(field).record_visits(demo_visits(3))
    real = export._read_back

    def corrupting(path: Path, size: int, sha256: str) -> None:
        data = bytearray(path.read_bytes())
        data[-1] ^= 1
        path.write_bytes(data)
        real(path, size, sha256)

    monkeypatch.setattr(export, "_read_back", corrupting)
    with pytest.raises(ExportError) as caught:
        export_bundle(field, stick)
    assert caught.value.key == "sync.export.verify_failed"
    assert list(stick.iterdir()) == []
    assert SyncStore(field).outgoing() == []


def test_only_changes_since_the_last_export_and_nothing_when_nothing_changed(
    pair, stick: Path
) -> None:
    coordinator, field = pair
    store = Store(field)
    store.record_visits(demo_visits(5, seed=1))
    first = export_bundle(field, stick)
    assert first is not None and first.counts["visit"] == 5
    assert export_bundle(field, stick) is None
    visit = store.list_visits(1)[0].uuid
    store.update_visit(visit, notes="Nieuwe notitie")
    second = export_bundle(field, stick)
    assert second is not None and second.seq == 2
    assert second.counts["visit"] == 1 and second.counts["site"] == 0
    reports = import_paths(coordinator.vault, [stick])
    assert [(r.seq, r.status) for r in reports] == [(1, "imported"), (2, "imported")]
    assert reports[1].counts.updated == {"visit": 1}


def test_an_upgraded_field_vault_sends_what_it_held(tmp_path: Path, stick: Path) -> None:
    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "vault-v3"
    folder = tmp_path / "old"
    shutil.copytree(fixture, folder)
    from tests.fixtures.make_fixture_vault import FIXTURE_PASSPHRASE

    with Vault.unlock(folder, FIXTURE_PASSPHRASE) as old:
        records = sum(
            old.conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in ("sites", "visits", "persons", "observations", "attachments", "referrals")
        )
        assert SyncStore(old).pending_changes() == records > 0


def test_a_lost_bundle_is_sent_again_and_closes_the_gap(pair, stick: Path, tmp_path) -> None:
    coordinator, field = pair
    store = Store(field)
    store.record_visits(demo_visits(4, seed=1))
    lost = export_bundle(field, tmp_path)  # this stick is lost
    assert lost is not None
    store.record_visits(demo_visits(2, seed=2))
    second = export_bundle(field, stick)
    assert second is not None
    report = import_file(coordinator.vault, second.path)
    # The second bundle's visits hang on sites of the first: refused until it arrives.
    if report.status == "rejected":
        assert report.rejection.reason == "missing_parents"
    else:
        assert [w.key for w in report.warnings] == ["sync.warn.gap"]
    again = export_bundle(field, stick, resend=(lost.seq,))
    assert again is not None and again.seq == 3 and again.resends == (1,)
    assert again.counts["visit"] == 4
    reports = import_paths(coordinator.vault, [stick])
    assert {r.status for r in reports} <= {"imported", "duplicate"}
    assert SyncStore(coordinator.vault).missing_seqs(field.info.device_id, 4) == []
    ours = {uuid for (uuid, *_) in all_records(field)["visit"]}
    theirs = {uuid for (uuid, *_) in all_records(coordinator.vault)["visit"]}
    assert ours == theirs
    with pytest.raises(ExportError):
        export_bundle(field, stick, resend=(9,))


def test_a_large_change_set_is_cut_and_the_rest_follows(pair, stick: Path) -> None:
    coordinator, field = pair
    Store(field).record_visits(demo_visits(60))
    total = SyncStore(field).pending_changes()
    sizes = []
    while True:
        prepared = prepare_export(field, stick, max_payload=40 * 1024)
        if prepared is None:
            break
        written = write_bundle(prepared)
        export.finish_export(field, prepared, written)
        sizes.append(prepared.remaining)
        assert len(sizes) < 50
    assert len(sizes) > 2 and sizes[-1] == 0
    assert sizes == sorted(sizes, reverse=True)
    reports = import_paths(coordinator.vault, [stick])
    assert all(r.status == "imported" for r in reports), [r.rejection for r in reports]
    assert sum(sum(r.counts.inserted.values()) for r in reports) >= total


def test_a_killed_export_is_adopted_or_its_seq_reused(pair, stick: Path) -> None:
    coordinator, field = pair
    store = Store(field)
    store.record_visits(demo_visits(2, seed=1))
    # Killed after the rename, before it was marked: the next export adopts that file.
    prepared = prepare_export(field, stick)
    assert prepared is not None
    write_bundle(prepared)
    store.record_visits(demo_visits(1, seed=2))
    nxt = export_bundle(field, stick)
    assert nxt is not None and nxt.seq == 2
    assert [b.status for b in SyncStore(field).outgoing()] == ["exported", "exported"]
    # Killed before the rename: the reservation is dropped and its seq reused.
    store.record_visits(demo_visits(1, seed=3))
    abandoned = prepare_export(field, stick)
    assert abandoned is not None and abandoned.seq == 3
    third = export_bundle(field, stick)
    assert third is not None and third.seq == 3
    reports = import_paths(coordinator.vault, [stick])
    assert [(r.seq, r.status) for r in reports] == [
        (1, "imported"),
        (2, "imported"),
        (3, "imported"),
    ]


def test_only_an_enrolled_field_device_exports(tmp_path: Path, stick: Path) -> None:
    coordinator = make_coordinator(tmp_path / "c")
    field = make_field(tmp_path / "f")
    try:
        with pytest.raises(EnrolmentError) as caught:
            export_bundle(coordinator.vault, stick)
        assert caught.value.key == "sync.enrol.field_only"
        with pytest.raises(EnrolmentError) as caught:
            export_bundle(field, stick)
        assert caught.value.key == "sync.enrol.not_trusted"
        from fieldapp.sync import cards

        cards.trust_coordinator(field, coordinator.card_raw, coordinator.card.fingerprint)
        with pytest.raises(EnrolmentError) as caught:
            export_bundle(field, stick)
        assert caught.value.key == "sync.enrol.not_enrolled"
    finally:
        field.lock()
        coordinator.vault.lock()


def test_reopened_vault_keeps_its_ledger(pair, stick: Path) -> None:
    _, field = pair
    Store(field).record_visits(demo_visits(2))
    export_bundle(field, stick)
    folder = field.folder
    field.lock()
    with Vault.unlock(folder, PASSPHRASE) as again:
        assert [b.seq for b in SyncStore(again).outgoing("exported")] == [1]
        assert SyncStore(again).pending_changes() == 0


def test_a_value_stored_before_a_check_existed_stops_the_export_here(pair, stick: Path) -> None:
    """Fifteen phone numbers were accepted before the import limited them to ten: the device
    says so and sends nothing, rather than the coordinator refusing every bundle after."""
    coordinator, field = pair
    store = Store(field)
    visit_uuid = store.record_visits(demo_visits(2, seed=4))[0]
    site_uuid = store.visit_detail(visit_uuid).site.meta.uuid
    phones = json.dumps([f"+31 6 {12345600 + n}" for n in range(15)])
    field.conn.execute("UPDATE sites SET phones = ? WHERE uuid = ?", (phones, site_uuid))
    pending = SyncStore(field).pending_changes()
    with pytest.raises(ExportError) as caught:
        export_bundle(field, stick)
    for lang in ("nl", "en"):
        message = caught.value.message(lang)
        assert site_uuid in message and "phones" in message
    assert list(stick.iterdir()) == []
    _nothing_marked(field, pending)
    # Mended on the device, it goes.
    field.conn.execute(
        "UPDATE sites SET phones = ?, revision = revision + 1 WHERE uuid = ?",
        (json.dumps(["+31 6 12345600"]), site_uuid),
    )
    result = export_bundle(field, stick)
    assert result is not None
    assert import_file(coordinator.vault, result.path).status == "imported"
