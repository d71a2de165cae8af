"""Enrolment: cards, requests and acknowledgements, fingerprints compared by people."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fieldapp.store.sync_store import SyncStore
from fieldapp.sync import cards, keys
from fieldapp.sync.errors import EnrolmentError
from tests.support.sync import make_coordinator, make_field

FINGERPRINT = re.compile(r"\d{5}( \d{5}){11}")


@pytest.fixture
def parties(tmp_path: Path):
    coordinator = make_coordinator(tmp_path / "coordinator")
    field = make_field(tmp_path / "field")
    yield coordinator, field
    field.lock()
    coordinator.vault.lock()


def test_enrolment_round_trip_with_fingerprints(parties) -> None:
    coordinator, field = parties
    # The card holds public parts only, and both sides compute the same fingerprint.
    document = json.loads(coordinator.card_raw)
    assert set(document) == {
        "format",
        "coordinator_id",
        "signing_key",
        "age_recipient",
        "recovery_recipient",
        "created_utc",
    }
    assert "SECRET" not in coordinator.card_raw.decode().upper()
    assert coordinator.recovery_secret not in coordinator.card_raw.decode()
    shown_by_coordinator = keys.own_keys(coordinator.vault).fingerprint
    assert FINGERPRINT.fullmatch(shown_by_coordinator)
    assert cards.parse_card(coordinator.card_raw).fingerprint == shown_by_coordinator

    # Typed with other spacing or dashes: the same fingerprint.
    typed = shown_by_coordinator.replace(" ", "-")
    card = cards.trust_coordinator(field, coordinator.card_raw, typed)
    assert card.fingerprint == shown_by_coordinator
    request, device_fp = cards.make_request(field, "Inspecteur 07", "nla")
    assert device_fp == keys.own_keys(field).fingerprint
    assert cards.parse_request(request).fingerprint == device_fp  # what the coordinator sees
    ack, approved = cards.approve_request(coordinator.vault, request, device_fp)
    assert approved.device_id == field.info.device_id
    device = SyncStore(coordinator.vault).device(field.info.device_id)
    assert device is not None and device.inspector == "Inspecteur 07" and device.agency == "nla"
    assert SyncStore(field).trusted_coordinator().enrolled_at is None
    cards.accept_ack(field, ack)
    assert SyncStore(field).trusted_coordinator().enrolled_at is not None


def test_a_wrong_fingerprint_is_refused_on_both_sides(parties) -> None:
    coordinator, field = parties
    wrong = "12345 " * 11 + "12345"
    with pytest.raises(EnrolmentError) as caught:
        cards.trust_coordinator(field, coordinator.card_raw, wrong)
    assert caught.value.key == "sync.enrol.fingerprint_mismatch"
    assert SyncStore(field).trusted_coordinator() is None
    with pytest.raises(EnrolmentError) as caught:
        cards.trust_coordinator(field, coordinator.card_raw, "1234")
    assert caught.value.key == "sync.enrol.fingerprint_format"
    cards.trust_coordinator(field, coordinator.card_raw, coordinator.card.fingerprint)
    request, _ = cards.make_request(field)
    with pytest.raises(EnrolmentError) as caught:
        cards.approve_request(coordinator.vault, request, wrong)
    assert caught.value.key == "sync.enrol.fingerprint_mismatch"
    assert SyncStore(coordinator.vault).devices() == []


def test_a_swapped_key_in_a_card_changes_its_fingerprint(parties, tmp_path: Path) -> None:
    coordinator, field = parties
    attacker = make_coordinator(tmp_path / "attacker")
    try:
        document = json.loads(coordinator.card_raw)
        document["age_recipient"] = attacker.card.age_recipient
        swapped = json.dumps(document).encode()
        with pytest.raises(EnrolmentError) as caught:
            cards.trust_coordinator(field, swapped, coordinator.card.fingerprint)
        assert caught.value.key == "sync.enrol.fingerprint_mismatch"
    finally:
        attacker.vault.lock()


def test_tampered_request_and_foreign_acknowledgement_are_refused(parties, tmp_path) -> None:
    coordinator, field = parties
    cards.trust_coordinator(field, coordinator.card_raw, coordinator.card.fingerprint)
    request, device_fp = cards.make_request(field, "Inspecteur 07", "nla")
    document = json.loads(request)
    document["inspector"] = "Iemand anders"
    with pytest.raises(EnrolmentError) as caught:
        cards.approve_request(coordinator.vault, json.dumps(document).encode(), device_fp)
    assert caught.value.key == "sync.enrol.bad_signature"
    # An acknowledgement for another device does not enrol this one.
    other = make_field(tmp_path / "other")
    try:
        cards.trust_coordinator(other, coordinator.card_raw, coordinator.card.fingerprint)
        other_request, other_fp = cards.make_request(other)
        other_ack, _ = cards.approve_request(coordinator.vault, other_request, other_fp)
        with pytest.raises(EnrolmentError) as caught:
            cards.accept_ack(field, other_ack)
        assert caught.value.key == "sync.enrol.ack_other_device"
        forged = json.loads(other_ack)
        forged["device_id"] = field.info.device_id
        with pytest.raises(EnrolmentError) as caught:
            cards.accept_ack(field, json.dumps(forged).encode())
        assert caught.value.key == "sync.enrol.bad_signature"
    finally:
        other.lock()
    assert SyncStore(field).trusted_coordinator().enrolled_at is None


def test_revocation_is_final(parties) -> None:
    coordinator, field = parties
    cards.trust_coordinator(field, coordinator.card_raw, coordinator.card.fingerprint)
    request, device_fp = cards.make_request(field)
    cards.approve_request(coordinator.vault, request, device_fp)
    revoked = cards.revoke_device(coordinator.vault, field.info.device_id[-8:])
    assert revoked.revoked_at is not None
    with pytest.raises(EnrolmentError) as caught:
        cards.approve_request(coordinator.vault, request, device_fp)
    assert caught.value.key == "sync.enrol.device_revoked"
    with pytest.raises(EnrolmentError):
        cards.revoke_device(coordinator.vault, "abc")


def test_roles_and_recovery_key(parties) -> None:
    coordinator, field = parties
    with pytest.raises(EnrolmentError):
        cards.make_card(field)
    with pytest.raises(EnrolmentError):
        cards.make_request(coordinator.vault)
    with pytest.raises(EnrolmentError) as caught:
        keys.create_coordinator_keys(coordinator.vault, lambda secret: None)
    assert caught.value.key == "sync.enrol.keys_exist"
    # The vault keeps the recovery key's public half only.
    stored = coordinator.vault.conn.execute("SELECT value FROM sync_keys").fetchall()
    assert all(coordinator.recovery_secret != value for (value,) in stored)
    assert keys.public_recipient(coordinator.recovery_secret) == coordinator.card.recovery_recipient


def test_fingerprints_are_stable_and_read_aloud() -> None:
    fingerprint = keys.fingerprint("device", "a", "b")
    assert fingerprint == keys.fingerprint("device", "a", "b")
    assert fingerprint != keys.fingerprint("coordinator", "a", "b")
    assert FINGERPRINT.fullmatch(fingerprint)
    assert keys.normalise_fingerprint(fingerprint.replace(" ", "")) == fingerprint
