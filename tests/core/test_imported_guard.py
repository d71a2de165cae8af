"""A visit imported from a field device is the inspector's record: on the coordinator's vault
every change a user makes to it through the store is refused with a clear message and changes
nothing, while the inspector's next bundle still applies, the coordinator's own visits stay
editable, and what a coordinator adds beside an imported visit (a referral, a note) works.
Devices are named by inspector and agency, with a code only where two would read the same."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fieldapp.demo import demo_visits
from fieldapp.domain import ObservationStatus, Sector, VisitStatus
from fieldapp.errors import FieldAppError
from fieldapp.i18n import t
from fieldapp.inputs import ObservationInput, PersonInput, SiteInput
from fieldapp.store.merged_store import Enrolled, device_labels, label_devices, visit_provenance
from fieldapp.store.store import Store
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync.export import export_bundle
from fieldapp.sync.import_ import import_file
from fieldapp.vault import Vault
from tests.support.sync import PNG, Coordinator, enrol, make_coordinator, make_field, table_dump


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Coordinator, Vault]]:
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    enrol(field, coordinator, inspector="Inspecteur Jansen")
    yield coordinator, field
    field.lock()
    coordinator.vault.lock()


def _send(field: Vault, coordinator: Coordinator, folder: Path) -> Any:
    folder.mkdir()
    result = export_bundle(field, folder)
    assert result is not None
    report = import_file(coordinator.vault, result.path)
    assert report.status == "imported", report.rejection
    return report


def _imported(pair: tuple[Coordinator, Vault], tmp_path: Path) -> tuple[Store, str]:
    """A visit with a person, a signal and a photo, recorded in the field and imported."""
    coordinator, field = pair
    store = Store(field)
    visit_uuid = store.record_visit(next(demo_visits(1, seed=11)))
    person = store.add_person(visit_uuid, PersonInput(label="Z"))
    store.set_observation(
        visit_uuid, person, ObservationInput("ILO-CD-01", ObservationStatus.OBSERVED)
    )
    store.add_attachment("visit", visit_uuid, "foto.png", "image/png", PNG)
    _send(field, coordinator, tmp_path / "one")
    return Store(coordinator.vault), visit_uuid


def test_every_edit_of_an_imported_visit_is_refused_and_changes_nothing(
    pair, tmp_path: Path
) -> None:
    theirs, visit_uuid = _imported(pair, tmp_path)
    detail = theirs.visit_detail(visit_uuid)
    person = detail.persons[0].meta.uuid
    observation = detail.observations[0]
    attachment = detail.attachments[0].meta.uuid
    edits: dict[str, Callable[[], object]] = {
        "site": lambda: theirs.update_site(
            detail.site.meta.uuid, SiteInput(name="Andere naam", sector=Sector.OTHER)
        ),
        "visit notes": lambda: theirs.update_visit(visit_uuid, notes="van de coördinator"),
        "visit closed": lambda: theirs.update_visit(visit_uuid, status=VisitStatus.CLOSED),
        "person": lambda: theirs.update_person(person, PersonInput(label="Q")),
        "add person": lambda: theirs.add_person(visit_uuid, PersonInput(label="Q")),
        "signal": lambda: theirs.set_observation(
            visit_uuid, person, ObservationInput("ILO-CD-01", ObservationStatus.NOT_OBSERVED)
        ),
        "new signal": lambda: theirs.set_observation(
            visit_uuid, None, ObservationInput("ILO-DR-01", ObservationStatus.OBSERVED)
        ),
        "delete signal": lambda: theirs.delete("observation", observation.meta.uuid),
        "delete person": lambda: theirs.delete_person(person),
        "delete visit": lambda: theirs.delete("visit", visit_uuid),
        "delete photo": lambda: theirs.delete("attachment", attachment),
        "add photo": lambda: theirs.add_attachment("visit", visit_uuid, "x.png", "image/png", PNG),
        "photo of a person": lambda: theirs.add_attachment(
            "person", person, "x.png", "image/png", PNG
        ),
    }
    before = table_dump(theirs.vault)
    for name, edit in edits.items():
        with pytest.raises(FieldAppError) as refused:
            edit()
        assert refused.value.key == "store.imported_read_only", name
        assert table_dump(theirs.vault) == before, name  # nothing written, not even audited
    assert theirs.discard_draft(visit_uuid) is False
    # A clear message in both languages, never the key itself.
    for lang in ("nl", "en"):
        text = refused.value.message(lang)
        assert text != "store.imported_read_only" and len(text) > 40
    assert "ander apparaat" in refused.value.message("nl")


def test_the_inspectors_correction_still_arrives(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    theirs, visit_uuid = _imported(pair, tmp_path)
    Store(field).update_visit(visit_uuid, notes="Gecorrigeerd door de inspecteur")
    report = _send(field, coordinator, tmp_path / "two")
    assert report.counts.updated == {"visit": 1}
    assert theirs.visit_detail(visit_uuid).visit.notes == "Gecorrigeerd door de inspecteur"
    assert SyncStore(coordinator.vault).conflicts() == []


def test_what_a_coordinator_adds_beside_an_imported_visit_works(pair, tmp_path: Path) -> None:
    coordinator, _field = pair
    theirs, visit_uuid = _imported(pair, tmp_path)
    person = theirs.visit_detail(visit_uuid).persons[0].meta.uuid
    document = b"%PDF-1.7\n% test\n%%EOF\n"
    referral = theirs.add_referral(
        visit_uuid,
        (person,),
        "police",
        document=document,
        document_id="FA-GUARD00001",
        content_hash=hashlib.sha256(document).hexdigest(),
        lang="nl",
        urgency="normal",
    )
    assert theirs.referrals(visit_uuid)[0].meta.uuid == referral.meta.uuid
    SyncStore(coordinator.vault).add_note("visit", visit_uuid, "Besproken in het overleg")
    assert SyncStore(coordinator.vault).notes(visit_uuid)


def test_the_coordinators_own_visit_stays_editable(pair) -> None:
    coordinator, _field = pair
    own = Store(coordinator.vault)
    visit_uuid = own.record_visit(next(demo_visits(1, seed=12)))
    own.update_visit(visit_uuid, notes="Eigen bezoek")
    person = own.add_person(visit_uuid, PersonInput(label="Q"))
    own.set_observation(
        visit_uuid, person, ObservationInput("ILO-CD-01", ObservationStatus.OBSERVED)
    )
    own.delete_person(person)
    assert own.visit_detail(visit_uuid).visit.notes == "Eigen bezoek"
    assert own.visit_detail(visit_uuid).persons[-1].label != "Q"


def test_a_field_device_edits_its_own_visits_as_before(pair) -> None:
    _coordinator, field = pair
    store = Store(field)
    visit_uuid = store.record_visit(next(demo_visits(1, seed=13)))
    store.update_visit(visit_uuid, notes="In het veld")
    assert store.record_origin("visit", visit_uuid) == field.info.device_id
    assert store.visit_detail(visit_uuid).visit.notes == "In het veld"


def test_provenance_names_the_device_and_when_it_arrived(pair, tmp_path: Path) -> None:
    coordinator, field = pair
    theirs, visit_uuid = _imported(pair, tmp_path)
    found = visit_provenance(theirs.conn, [visit_uuid])[visit_uuid]
    assert found.imported and found.device_id == field.info.device_id
    assert found.device_label == "Inspecteur Jansen (Nederlandse Arbeidsinspectie)"
    assert field.info.device_id[:8] not in found.device_label
    assert found.received_at is not None and found.received_at.endswith("Z")  # stored UTC
    assert device_labels(coordinator.vault.conn, "en") == {
        field.info.device_id: "Inspecteur Jansen (Netherlands Labour Authority)"
    } or device_labels(coordinator.vault.conn, "en")[field.info.device_id].startswith(
        "Inspecteur Jansen ("
    )


def test_two_devices_alike_get_a_short_code_and_only_they() -> None:
    devices = [
        Enrolled("a" * 36, "Inspecteur Jansen", "NLA", "12345 67890 11111"),
        Enrolled("b" * 36, "inspecteur jansen", "Arbeidsinspectie", "12345 99999 22222"),
        Enrolled("c" * 36, "Agent de Vries", "Politie", "55555 00000 33333"),
        Enrolled("d" * 36, None, None, "77777 00000 44444"),
    ]
    labels = label_devices(devices, "nl")
    # Same inspector and agency in other spellings: told apart by their fingerprints, as far
    # as needed (the first group is the same here, so two groups).
    assert labels["a" * 36] == t(
        "device.label_code",
        "nl",
        label="Inspecteur Jansen (Nederlandse Arbeidsinspectie)",
        code="1234567890",
    )
    assert labels["b" * 36].endswith("1234599999")
    assert labels["c" * 36] == "Agent de Vries (Politie)"  # unique: no code
    assert labels["d" * 36] == t("device.unknown_inspector", "nl")
    assert not any(device_id[:8] in label for device_id, label in labels.items())
