"""A visit's photos include those kept with its persons and signals (the in-app camera links a
photo to person B or to a signal), and never those of another visit or a referral's PDF."""

from __future__ import annotations

import pytest

from fieldapp.domain import ObservationStatus
from fieldapp.errors import NotFound
from fieldapp.inputs import ObservationInput, PersonInput
from fieldapp.store.store import Store
from fieldapp.visit_json import visit_from_dict
from tests.support.sample_visit import sample_visit


def _visit(store: Store) -> str:
    return store.record_visit(visit_from_dict(sample_visit()))


def test_a_visit_lists_the_photos_of_its_persons_and_signals(store: Store) -> None:
    visit = _visit(store)
    other = _visit(store)
    detail = store.visit_detail(visit)
    person = detail.persons[0].meta.uuid
    signal = next(o for o in detail.observations if o.person_uuid == person).meta.uuid
    other_person = store.visit_detail(other).persons[0].meta.uuid

    own = store.add_attachment("visit", visit, "gevel.jpg", "image/jpeg", b"jpeg 1")
    of_person = store.add_attachment("person", person, "a.jpg", "image/jpeg", b"jpeg 2")
    of_signal = store.add_attachment("observation", signal, "pas.jpg", "image/jpeg", b"jpeg 3")
    store.add_attachment("person", other_person, "ander.jpg", "image/jpeg", b"jpeg 4")
    store.add_attachment("visit", other, "ander.pdf", "application/pdf", b"%PDF-1.4 x")
    store.add_referral(
        visit,
        (person,),
        "police",
        document=b"%PDF-1.7 referral",
        document_id="FA-TEST",
        content_hash="0" * 64,
        lang="nl",
        urgency="normal",
    )

    listed = store.visit_attachments(visit)
    assert [a.meta.uuid for a in listed] == [
        own.meta.uuid,
        of_person.meta.uuid,
        of_signal.meta.uuid,
    ]
    assert [(a.owner_kind, a.owner_uuid) for a in listed] == [
        ("visit", visit),
        ("person", person),
        ("observation", signal),
    ]
    # what a referral may carry stays the visit's own
    assert [a.meta.uuid for a in store.visit_detail(visit).attachments] == [own.meta.uuid]


def test_a_deleted_photo_leaves_the_list_and_a_deleted_person_takes_their_photos(
    store: Store,
) -> None:
    visit = _visit(store)
    second = store.add_person(visit, PersonInput(label="B"))
    signal = store.set_observation(
        visit, second, ObservationInput("ILO-CD-01", ObservationStatus.OBSERVED)
    )
    of_person = store.add_attachment("person", second, "b.jpg", "image/jpeg", b"jpeg b")
    of_signal = store.add_attachment("observation", signal, "p.jpg", "image/jpeg", b"jpeg p")
    dropped = store.add_attachment("visit", visit, "mis.jpg", "image/jpeg", b"jpeg x")
    store.delete("attachment", dropped.meta.uuid)
    assert dropped.meta.uuid not in {a.meta.uuid for a in store.visit_attachments(visit)}
    store.delete_person(second)
    # a person recorded by mistake goes with their photos: none is left to sync about them
    left = {a.meta.uuid for a in store.visit_attachments(visit)}
    assert not left & {of_person.meta.uuid, of_signal.meta.uuid}
    for photo in (of_person, of_signal):
        with pytest.raises(NotFound):
            store.attachment_content(photo.meta.uuid)
