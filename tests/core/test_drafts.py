"""Visits that hold nothing (issue 14): a draft can be discarded entirely, an empty draft never
travels in a bundle (until it holds something, then with its site), and deleting a person or a
visit is audited, tombstoned and travels."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp.clock import now_iso
from fieldapp.domain import ObservationStatus, PersonRole, Sector
from fieldapp.errors import NotFound
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync.export import abandon_export, export_bundle, prepare_export
from fieldapp.sync.import_ import import_file
from fieldapp.vault import audit
from fieldapp.visit_json import visit_from_dict
from tests.support.sample_visit import sample_visit
from tests.support.sync import Coordinator, enrol, make_coordinator, make_field


def new_draft(store: Store) -> str:
    """As the desktop makes one (Ctrl+N): no site name, sector other, nothing recorded."""
    return store.record_visit(
        NewVisit(site=SiteInput(name="", sector=Sector.OTHER), visit=VisitInput(now_iso()))
    )


def audit_actions(store: Store, record_uuid: str) -> list[str]:
    return [
        row[0]
        for row in store.conn.execute(
            "SELECT action FROM audit_log WHERE record_uuid = ? ORDER BY seq", (record_uuid,)
        )
    ]


def rows(store: Store, table: str, record_uuid: str) -> int:
    return int(
        store.conn.execute(
            f"SELECT count(*) FROM {table} WHERE uuid = ?", (record_uuid,)
        ).fetchone()[0]
    )


# -- discarding a draft --------------------------------------------------------------------


def test_an_empty_draft_is_discarded_entirely_and_audited(store: Store) -> None:
    visit_uuid = new_draft(store)
    site_uuid = store.visit_detail(visit_uuid).site.meta.uuid
    assert store.discard_draft(visit_uuid) is True
    with pytest.raises(NotFound):
        store.visit_detail(visit_uuid)
    assert rows(store, "visits", visit_uuid) == 0  # no tombstone: nobody else ever saw it
    assert rows(store, "sites", site_uuid) == 0
    assert audit_actions(store, visit_uuid) == ["create", "discard"]
    assert audit.verify_chain(store.conn) is None  # the chain is whole
    assert store.discard_draft(visit_uuid) is False  # gone: nothing to discard


@pytest.mark.parametrize("content", ["site_name", "person", "observation", "attachment"])
def test_a_visit_that_holds_something_is_not_discarded(store: Store, content: str) -> None:
    visit_uuid = new_draft(store)
    site = store.visit_detail(visit_uuid).site
    if content == "site_name":
        store.update_site(site.meta.uuid, SiteInput(name="Kwekerij", sector=Sector.OTHER))
    elif content == "person":
        store.add_person(visit_uuid, PersonInput(label="A"))
    elif content == "observation":
        store.set_observation(
            visit_uuid, None, ObservationInput("ILO-CD-01", ObservationStatus.OBSERVED)
        )
    else:
        store.add_attachment("visit", visit_uuid, "foto.png", "image/png", b"\x89PNG")
    before = store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    assert store.discard_draft(visit_uuid) is False
    assert store.visit_detail(visit_uuid).visit.meta.uuid == visit_uuid
    assert store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == before


def test_an_unknown_observation_and_a_deleted_person_say_nothing(store: Store) -> None:
    """The checklist's third state and a removed person leave the draft empty."""
    visit_uuid = new_draft(store)
    store.set_observation(
        visit_uuid, None, ObservationInput("ILO-CD-01", ObservationStatus.UNKNOWN)
    )
    person = store.add_person(visit_uuid, PersonInput(label="A"))
    store.delete("person", person)
    assert store.discard_draft(visit_uuid) is True
    assert rows(store, "persons", person) == 0


def test_a_shared_site_stays(store: Store) -> None:
    visit_uuid = new_draft(store)
    site_uuid = store.visit_detail(visit_uuid).site.meta.uuid
    other = store.add_visit(site_uuid, VisitInput(now_iso()))
    store.add_person(other, PersonInput(label="A"))
    assert store.discard_draft(visit_uuid) is True
    assert store.site(site_uuid).meta.uuid == site_uuid


# -- bundles -------------------------------------------------------------------------------


@pytest.fixture
def pair(tmp_path: Path):
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    enrol(field, coordinator)
    yield coordinator, field
    field.lock()
    coordinator.vault.lock()


def send(field, coordinator: Coordinator, folder: Path):
    folder.mkdir()
    result = export_bundle(field, folder)
    if result is None:
        return None, None
    report = import_file(coordinator.vault, result.path)
    assert report.status == "imported", report.rejection and report.rejection.message("en")
    return result, report


def known(coordinator: Coordinator, table: str, record_uuid: str) -> bool:
    return bool(
        coordinator.vault.conn.execute(
            f"SELECT 1 FROM {table} WHERE uuid = ?", (record_uuid,)
        ).fetchone()
    )


def test_an_empty_draft_does_not_travel_until_it_holds_something(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    store = Store(field)
    real = store.record_visit(visit_from_dict(sample_visit()))
    draft = new_draft(store)
    draft_site = store.visit_detail(draft).site.meta.uuid
    result, _ = send(field, coordinator, tmp_path / "one")
    assert result is not None and result.counts["visit"] == 1
    assert known(coordinator, "visits", real)
    assert not known(coordinator, "visits", draft)
    assert not known(coordinator, "sites", draft_site)
    # An export with only the draft changed has nothing to send.
    other = new_draft(store)
    assert send(field, coordinator, tmp_path / "two") == (None, None)
    assert store.discard_draft(other) is True
    # The held-back draft gains a person: the visit (unchanged since the first bundle) and
    # its site travel with it. A coordinator takes no nameless site, so it gets a name too.
    store.add_person(draft, PersonInput(label="A", role=PersonRole.POSSIBLE_VICTIM))
    store.update_site(draft_site, SiteInput(name="Kas Noord", sector=Sector.AGRICULTURE))
    result, _ = send(field, coordinator, tmp_path / "three")
    assert result is not None
    assert (result.counts["visit"], result.counts["site"], result.counts["person"]) == (1, 1, 1)
    assert known(coordinator, "visits", draft) and known(coordinator, "sites", draft_site)
    # Sent now: it is no draft to discard any more, even emptied again.
    store.delete("person", store.visit_detail(draft).persons[0].meta.uuid)
    assert store.discard_draft(draft) is False


def test_an_empty_draft_is_not_counted_as_waiting_for_export(pair, tmp_path: Path) -> None:
    """The field page says how many changes are not yet exported: an empty draft, which the
    export would hold back, is not one of them; once it holds something, it and its site are."""
    coordinator, field = pair
    store, sync = Store(field), SyncStore(field)
    store.record_visit(visit_from_dict(sample_visit()))
    send(field, coordinator, tmp_path / "one")
    assert sync.pending_changes() == 0
    draft = new_draft(store)
    assert sync.pending_changes() == 0
    draft_site = store.visit_detail(draft).site.meta.uuid
    store.update_site(draft_site, SiteInput(name="Kas Noord", sector=Sector.AGRICULTURE))
    assert sync.pending_changes() == 2  # the visit and its site
    send(field, coordinator, tmp_path / "two")
    assert sync.pending_changes() == 0


def test_an_abandoned_export_does_not_count_a_draft_as_held(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    store = Store(field)
    store.record_visit(visit_from_dict(sample_visit()))
    draft = new_draft(store)
    folder = tmp_path / "stick"
    folder.mkdir()
    prepared = prepare_export(field, folder)
    assert prepared is not None
    abandon_export(field, prepared)
    store.add_person(draft, PersonInput(label="A"))
    site_uuid = store.visit_detail(draft).site.meta.uuid
    store.update_site(site_uuid, SiteInput(name="Kas Noord", sector=Sector.AGRICULTURE))
    result, _ = send(field, coordinator, tmp_path / "again")
    assert result is not None
    assert known(coordinator, "visits", draft)


def test_deleting_a_person_or_a_visit_is_audited_tombstoned_and_travels(
    pair, tmp_path: Path
) -> None:
    coordinator, field = pair
    store = Store(field)
    visit_uuid = store.record_visit(visit_from_dict(sample_visit()))
    person_uuid = store.visit_detail(visit_uuid).persons[0].meta.uuid
    send(field, coordinator, tmp_path / "one")
    store.delete("person", person_uuid)
    store.delete("visit", visit_uuid)
    assert audit_actions(store, person_uuid)[-1] == "delete"
    assert audit_actions(store, visit_uuid)[-1] == "delete"
    # Tombstones: the rows stay, marked deleted, with their text erased.
    label, deleted = store.conn.execute(
        "SELECT label, deleted FROM persons WHERE uuid = ?", (person_uuid,)
    ).fetchone()
    assert (label, deleted) == ("", 1)
    with pytest.raises(NotFound):
        store.visit_detail(visit_uuid)
    result, _ = send(field, coordinator, tmp_path / "two")
    assert result is not None and result.counts["person"] == 1 and result.counts["visit"] == 1
    there = coordinator.vault.conn
    assert there.execute(
        "SELECT deleted FROM persons WHERE uuid = ?", (person_uuid,)
    ).fetchone() == (1,)
    assert there.execute("SELECT deleted FROM visits WHERE uuid = ?", (visit_uuid,)).fetchone() == (
        1,
    )
    assert there.execute("SELECT label FROM persons WHERE uuid = ?", (person_uuid,)).fetchone() == (
        "",
    )
    # The device's audit entries for both deletions reached the coordinator too.
    entries = [tuple(row[3:6]) for row in coordinator_audit(coordinator)]
    assert ("delete", "person", person_uuid) in entries
    assert ("delete", "visit", visit_uuid) in entries


def coordinator_audit(coordinator: Coordinator) -> list[list]:
    from fieldapp.store.sync_store import SyncStore

    sync = SyncStore(coordinator.vault)
    (device,) = sync.devices()
    return sync.field_audit_entries(device.device_id)


def test_removing_a_person_takes_their_signals_in_one_transaction(store: Store) -> None:
    visit_uuid = store.record_visit(visit_from_dict(sample_visit()))
    detail = store.visit_detail(visit_uuid)
    person_uuid = detail.persons[0].meta.uuid
    theirs = [o.meta.uuid for o in detail.observations if o.person_uuid == person_uuid]
    others = [o.meta.uuid for o in detail.observations if o.person_uuid != person_uuid]
    assert theirs and others  # the sample has signals for the person and for others
    commits: list[int] = []
    store.conn.set_trace_callback(
        lambda sql: commits.append(1) if sql.strip().upper() == "COMMIT" else None
    )
    store.delete_person(person_uuid)
    store.conn.set_trace_callback(None)
    assert len(commits) == 1  # one transaction: no state with their signals but not them
    after = store.visit_detail(visit_uuid)
    assert person_uuid not in {p.meta.uuid for p in after.persons}
    assert {o.meta.uuid for o in after.observations} == set(others)
    for observation_uuid in theirs:
        assert audit_actions(store, observation_uuid)[-1] == "delete"
    assert audit_actions(store, person_uuid)[-1] == "delete"
    with pytest.raises(NotFound):
        store.delete_person(person_uuid)  # gone: refused, nothing changes
