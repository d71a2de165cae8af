"""Field to coordinator and back to the same records: nothing lost, provenance kept, newer
revisions replace older ones, conflicts shown, coordinator notes untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.demo import demo_visits
from fieldapp.domain import ObservationStatus, ReferralStatus
from fieldapp.inputs import ObservationInput
from fieldapp.referral import make_referral
from fieldapp.store.store import Store
from fieldapp.store.sync_store import RECORD_COLUMNS, RECORD_KINDS, SyncStore
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file, import_paths
from tests.support.sync import (
    PNG,
    all_records,
    edited_by_an_older_release,
    enrol,
    make_coordinator,
    make_field,
)


@pytest.fixture
def pair(tmp_path: Path):
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    enrol(field, coordinator)
    yield coordinator, field
    field.lock()
    coordinator.vault.lock()


def _by_id(detail):
    import dataclasses

    return dataclasses.replace(
        detail, observations=tuple(sorted(detail.observations, key=lambda o: o.meta.uuid))
    )


def _send(field, coordinator, folder: Path):
    folder.mkdir(exist_ok=True)
    result = export_bundle(field, folder)
    assert result is not None
    report = import_file(coordinator.vault, result.path)
    assert report.status == "imported", report.rejection and report.rejection.message("en")
    return report


def test_demo_data_with_attachments_and_a_referral_loses_nothing(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    store = Store(field)
    store.set_setting(
        "profile", {"name": "Sanne de Boer", "agency": "nla", "contact": "+31 6 1234 5678"}
    )
    visit_ids = store.record_visits(demo_visits(25, seed=7))
    store.add_attachment("visit", visit_ids[0], "foto.png", "image/png", PNG)
    store.add_attachment("visit", visit_ids[1], "brief.pdf", "application/pdf", b"%PDF-1.7 x")
    made = make_referral(store, visit_ids[0], "police", reason="Paspoorten in de kantine gezien.")
    person = store.visit_detail(visit_ids[2]).persons[0]
    store.delete("person", person.meta.uuid)  # a tombstone travels too
    report = _send(field, coordinator, tmp_path / "stick")
    # The referral left with that bundle: it is synced now, and the next bundle says so.
    assert store.referral(made.referral.meta.uuid).status is ReferralStatus.SYNCED
    assert Store(coordinator.vault).referral(made.referral.meta.uuid).status.value == "final"
    second = _send(field, coordinator, tmp_path / "stick2")
    assert second.counts.updated["referral"] == 1

    ours, theirs = all_records(field), all_records(coordinator.vault)
    for kind in RECORD_KINDS:
        assert theirs[kind] == ours[kind], kind
    # The data holds what schema 7 added, so the comparisons below cover it.
    details = [store.visit_detail(v) for v in visit_ids[3:]]
    assert any(o.past for d in details for o in d.observations)
    assert any(p.suspected_forms and p.professional_indication for d in details for p in d.persons)
    # ... and what schema 8 added for partners.
    assert any(p.whereabouts and p.care_needs for d in details for p in d.persons)
    assert any(p.initials and p.birth_date for d in details for p in d.persons)
    assert any(d.site.intermediary_name and d.site.housing.street for d in details)
    assert report.counts.inserted["referral"] == 1
    coordinator_store = Store(coordinator.vault)
    for visit_uuid in visit_ids:
        # Observations tie on (observed_at, indicator) across persons: compare in id order.
        theirs_detail, ours_detail = (
            _by_id(coordinator_store.visit_detail(visit_uuid)),
            _by_id(store.visit_detail(visit_uuid)),
        )
        assert theirs_detail == ours_detail
    referral = coordinator_store.referral(made.referral.meta.uuid)
    assert coordinator_store.attachment_content(referral.document_uuid) == made.pdf
    # The coordinator can search what arrived, and the field's audit trail came along.
    site_name = store.visit_detail(visit_ids[3]).site.name
    assert visit_ids[3] in {v.uuid for v in coordinator_store.search_visits(site_name, 500)}
    field_audit = field.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    imported_audit = len(SyncStore(coordinator.vault).field_audit_entries(field.info.device_id))
    assert imported_audit == report.counts.audit_entries + second.counts.audit_entries > 0
    assert imported_audit <= field_audit
    # Every entry as the field wrote it, hashes included (recomputed along the chain).
    held = SyncStore(coordinator.vault).field_audit_entries(field.info.device_id)
    written = field.conn.execute(
        "SELECT seq, at, actor, action, record_kind, record_uuid, hash FROM audit_log"
        " WHERE seq <= ? ORDER BY seq",
        (held[-1][0],),
    ).fetchall()
    assert held == [[*row[:6], bytes(row[6]).hex()] for row in written]
    provenance = SyncStore(coordinator.vault).provenance("visit", visit_ids[0])
    assert provenance == {
        "device_id": field.info.device_id,
        "seq": 1,
        "revision": 1,
        "inspector": "Inspecteur 07",  # as enrolled
        "agency": "nla",
        "bundle_id": report.bundle_id,
        "imported_at": provenance["imported_at"],
    }
    assert coordinator.vault.check().ok


def test_newer_revisions_replace_older_and_tombstones_erase(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    store = Store(field)
    visit_uuid = store.record_visit(next(demo_visits(1, seed=3)))
    _send(field, coordinator, tmp_path / "one")
    store.update_visit(visit_uuid, notes="Tweede bezoek: loonstroken gezien")
    observation = store.set_observation(
        visit_uuid, None, ObservationInput("ILO-DR-01", ObservationStatus.OBSERVED)
    )
    report = _send(field, coordinator, tmp_path / "two")
    assert report.counts.updated == {"visit": 1}
    theirs = Store(coordinator.vault)
    assert theirs.visit_detail(visit_uuid).visit.notes == "Tweede bezoek: loonstroken gezien"
    assert theirs.visit_detail(visit_uuid).visit.meta.revision == 2
    assert [v.uuid for v in theirs.search_visits("loonstroken")] == [visit_uuid]
    store.delete("observation", observation)
    _send(field, coordinator, tmp_path / "three")
    row = coordinator.vault.conn.execute(
        "SELECT deleted, note FROM observations WHERE uuid = ?", (observation,)
    ).fetchone()
    assert row == (1, None)
    assert all_records(coordinator.vault) == all_records(field)


def test_a_conflict_is_kept_and_shown_and_coordinator_notes_stay(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    store = Store(field)
    visit_uuid = store.record_visit(next(demo_visits(1, seed=4)))
    _send(field, coordinator, tmp_path / "one")
    sync = SyncStore(coordinator.vault)
    note = sync.add_note("visit", visit_uuid, "Besproken met de zorgcoördinator")
    edited_by_an_older_release(coordinator.vault, visit_uuid, "Aangevuld door de coördinator")
    store.update_visit(visit_uuid, notes="Aangevuld in het veld")
    report = _send(field, coordinator, tmp_path / "two")
    assert report.counts.conflicts == {"visit": 1}
    assert [w.key for w in report.warnings] == ["sync.warn.conflicts"]
    theirs = Store(coordinator.vault).visit_detail(visit_uuid).visit
    assert theirs.notes == "Aangevuld door de coördinator"  # not silently overwritten
    (conflict,) = sync.conflicts()
    assert conflict.record_uuid == visit_uuid
    assert conflict.field_record["notes"] == "Aangevuld in het veld"
    assert conflict.field_revision == 2
    assert sync.notes(visit_uuid)[0][:2] == (note, "Besproken met de zorgcoördinator")
    # The same bundle again adds no second conflict; resolving it closes it.
    assert import_paths(coordinator.vault, [tmp_path / "two"])[0].status == "duplicate"
    assert sync.conflict_differences(conflict) == [
        ("notes", "Aangevuld door de coördinator", "Aangevuld in het veld")
    ]
    sync.resolve_conflict(conflict.id, "kept_local")
    assert sync.conflicts() == []


def test_the_coordinator_can_take_the_field_version_of_a_conflict(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    store = Store(field)
    visit_uuid = store.record_visit(next(demo_visits(1, seed=4)))
    _send(field, coordinator, tmp_path / "one")
    edited_by_an_older_release(coordinator.vault, visit_uuid, "Aangevuld door de coördinator")
    store.update_visit(visit_uuid, notes="Aangevuld met loonstroken in het veld")
    _send(field, coordinator, tmp_path / "two")
    sync = SyncStore(coordinator.vault)
    (conflict,) = sync.conflicts()
    sync.take_field_version(conflict.id)
    theirs = Store(coordinator.vault)
    assert theirs.visit_detail(visit_uuid).visit.notes == "Aangevuld met loonstroken in het veld"
    assert [v.uuid for v in theirs.search_visits("loonstroken")] == [visit_uuid]
    assert theirs.search_visits("coördinator") == []
    assert sync.conflicts() == []
    assert sync.conflicts(open_only=False)[0].resolution == "took_field"
    # Untouched since: the field's next revision applies as usual.
    store.update_visit(visit_uuid, notes="Derde versie")
    assert _send(field, coordinator, tmp_path / "three").counts.updated == {"visit": 1}
    assert theirs.visit_detail(visit_uuid).visit.notes == "Derde versie"


def test_a_record_of_another_device_cannot_be_overwritten(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    second = make_field(tmp_path / "second")
    try:
        enrol(second, coordinator, inspector="Inspecteur 12")
        visit_uuid = Store(field).record_visit(next(demo_visits(1, seed=5)))
        _send(field, coordinator, tmp_path / "one")
        # The second device forges an update of the first device's visit.
        row = field.conn.execute(
            f"SELECT {', '.join(RECORD_COLUMNS['visit'])} FROM visits WHERE uuid = ?",
            (visit_uuid,),
        ).fetchone()
        from tests.support.sync import forge

        forged = list(row)
        forged[RECORD_COLUMNS["visit"].index("origin_device")] = second.info.device_id
        forged[RECORD_COLUMNS["visit"].index("revision")] = 9
        forged[RECORD_COLUMNS["visit"].index("notes")] = "overschreven"
        path = tmp_path / "forged.fab"
        path.write_bytes(forge(second, coordinator.card, rows={"visit": [forged]}))
        report = import_file(coordinator.vault, path)
        assert report.rejection is not None and report.rejection.reason == "foreign_record"
        assert Store(coordinator.vault).visit_detail(visit_uuid).visit.notes != "overschreven"
    finally:
        second.lock()
