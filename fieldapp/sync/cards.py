"""Enrolment documents, exchanged as small JSON files (canonical, UTF-8):

- the coordinator **card**: public parts only (signing key, age recipient, recovery
  recipient). Its fingerprint is computed from them, never read from the file;
- the device's **enrolment request**: its signing key, inspector and agency, the coordinator it
  trusts, signed with the device key (proof that it holds the key);
- the coordinator's signed **acknowledgement**, which the device checks with the trusted card;
- **revocation**: the coordinator marks a device revoked; its bundles are refused from then on;
- **key renewal**: the coordinator's new card, signed by its old signing key, travels to the
  devices in replies (``fieldapp/reply.py``); they move to it without a new enrolment.

Nothing that arrives on a stick is trusted before a person compares the fingerprint the other
side reads out: ``trust_coordinator`` and ``approve_request`` take the typed fingerprint.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pyrage import x25519

from fieldapp.clock import now_iso
from fieldapp.domain import Role
from fieldapp.errors import ValidationError
from fieldapp.store.store import Store
from fieldapp.store.sync_store import Device, Renewal, SyncStore
from fieldapp.sync import keys
from fieldapp.sync.canonical import canonical_bytes, load_bounded
from fieldapp.sync.errors import EnrolmentError
from fieldapp.validate import NOT_CLEAN, clean
from fieldapp.vault.vault import Vault

CARD_FORMAT = "fieldapp-coordinator-card-v1"
REQUEST_FORMAT = "fieldapp-enrolment-request-v1"
ACK_FORMAT = "fieldapp-enrolment-ack-v1"
MAX_DOCUMENT_BYTES = 16 * 1024
MAX_LABEL_CHARS = 200
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX128 = re.compile(r"[0-9a-f]{128}")
_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class Card:
    coordinator_id: str
    signing_key: str
    age_recipient: str
    recovery_recipient: str
    created_utc: str

    @property
    def fingerprint(self) -> str:
        return keys.coordinator_fingerprint(
            self.coordinator_id, self.signing_key, self.age_recipient, self.recovery_recipient
        )


@dataclass(frozen=True, slots=True)
class Request:
    device_id: str
    signing_key: str
    inspector: str | None
    agency: str | None
    coordinator: str
    created_utc: str
    raw: bytes

    @property
    def fingerprint(self) -> str:
        return keys.device_fingerprint(self.device_id, self.signing_key)


def _document(raw: bytes, fmt: str, fields: set[str], problem: str) -> dict[str, Any]:
    document = load_bounded(
        raw.strip(), max_bytes=MAX_DOCUMENT_BYTES, max_depth=1, reject=EnrolmentError
    )
    if not isinstance(document, dict) or set(document) != fields | {"format"}:
        raise EnrolmentError(problem)
    if document["format"] != fmt:
        raise EnrolmentError(problem)
    return document


def _text(document: dict[str, Any], name: str, pattern: re.Pattern[str], problem: str) -> str:
    value = document[name]
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise EnrolmentError(problem)
    return value


def _label(value: Any, problem: str) -> str | None:
    if value is None:
        return None
    if (
        not isinstance(value, str)
        or len(value) > MAX_LABEL_CHARS
        or _CONTROL.search(value)
        or NOT_CLEAN.search(value)
    ):
        raise EnrolmentError(problem)
    return value


def _typed(value: Any) -> Any:
    """A name typed here, sanitised as every text input is (validate.clean); what arrives in
    a request is refused instead (it is signed as it is)."""
    if isinstance(value, str) and NOT_CLEAN.search(value):
        try:
            return clean(value, "inspector").strip() or None
        except ValidationError:
            return value  # a lone surrogate: refused by _label
    return value


def _signed_bytes(fmt: str, document: dict[str, Any]) -> bytes:
    unsigned = {name: value for name, value in document.items() if name != "signature"}
    return fmt.encode() + b"\x00" + canonical_bytes(unsigned)


def _require_role(vault: Vault, role: Role) -> None:
    if vault.info.role is not role:
        raise EnrolmentError(
            "sync.enrol.coordinator_only" if role is Role.COORDINATOR else "sync.enrol.field_only"
        )
    vault.info.require_real()  # a practice vault is never enrolled


def _check_typed(typed: str, actual: str) -> None:
    normal = keys.normalise_fingerprint(typed)
    if normal is None:
        raise EnrolmentError("sync.enrol.fingerprint_format")
    if normal != actual:
        raise EnrolmentError("sync.enrol.fingerprint_mismatch")


# -- the coordinator card ----------------------------------------------------------------


def make_card(vault: Vault) -> tuple[bytes, Card]:
    _require_role(vault, Role.COORDINATOR)
    own = keys.own_keys(vault)
    if own.age_recipient is None or own.recovery_recipient is None:
        raise EnrolmentError("sync.enrol.no_recovery_key")
    card = Card(
        coordinator_id=own.device_id,
        signing_key=own.signing_public,
        age_recipient=own.age_recipient,
        recovery_recipient=own.recovery_recipient,
        created_utc=now_iso(),
    )
    return card_bytes(card), card


def card_bytes(card: Card) -> bytes:
    document = {
        "format": CARD_FORMAT,
        "coordinator_id": card.coordinator_id,
        "signing_key": card.signing_key,
        "age_recipient": card.age_recipient,
        "recovery_recipient": card.recovery_recipient,
        "created_utc": card.created_utc,
    }
    return canonical_bytes(document) + b"\n"


def parse_card(raw: bytes) -> Card:
    problem = "sync.enrol.card_invalid"
    fields = {"coordinator_id", "signing_key", "age_recipient", "recovery_recipient", "created_utc"}
    document = _document(raw, CARD_FORMAT, fields, problem)
    card = Card(
        coordinator_id=_text(document, "coordinator_id", _UUID, problem),
        signing_key=_text(document, "signing_key", _HEX64, problem),
        age_recipient=document["age_recipient"],
        recovery_recipient=document["recovery_recipient"],
        created_utc=_text(document, "created_utc", _UTC, problem),
    )
    if not keys.is_age_recipient(card.age_recipient) or not keys.is_age_recipient(
        card.recovery_recipient
    ):
        raise EnrolmentError(problem)
    if card.age_recipient == card.recovery_recipient:
        raise EnrolmentError(problem)
    try:
        keys.load_public(card.signing_key)
    except ValueError as exc:
        raise EnrolmentError(problem) from exc
    return card


def trust_coordinator(vault: Vault, raw_card: bytes, typed_fingerprint: str) -> Card:
    """Field side: keep the card once the fingerprint read out by the coordinator matches."""
    _require_role(vault, Role.FIELD)
    card = parse_card(raw_card)
    _check_typed(typed_fingerprint, card.fingerprint)
    SyncStore(vault).trust_coordinator(
        card.coordinator_id, card_bytes(card).decode("utf-8").strip(), card.fingerprint
    )
    return card


RENEWAL_CONTEXT = b"fieldapp-renewal-v1\x00"


def renewal_message(card_text: str) -> bytes:
    """What the old signing key signs when the coordinator's keys are renewed: the new card."""
    return RENEWAL_CONTEXT + hashlib.sha256(card_text.encode("utf-8")).digest()


def renew_coordinator_keys(vault: Vault) -> tuple[str, str]:
    """Coordinator: a new signing key and age identity (the offline recovery key stays), the
    new card signed by the old key for the devices, the old keys kept under retired names to
    read bundles and answer devices that have not moved yet. Returns (old, new) fingerprints."""
    _require_role(vault, Role.COORDINATOR)
    old = keys.own_keys(vault)
    if old.age_identity is None or old.recovery_recipient is None:
        raise EnrolmentError("sync.enrol.no_recovery_key")
    signing = Ed25519PrivateKey.generate()
    identity = x25519.Identity.generate()
    card = Card(
        coordinator_id=old.device_id,
        signing_key=keys.public_hex(signing),
        age_recipient=str(identity.to_public()),
        recovery_recipient=old.recovery_recipient,
        created_utc=now_iso(),
    )
    card_text = card_bytes(card).decode("utf-8").strip()
    signature = old.signing.sign(renewal_message(card_text)).hex()
    SyncStore(vault).renew_keys(
        keys.retired_names(old),
        {keys.SIGNING_KEY: signing.private_bytes_raw().hex(), keys.AGE_IDENTITY: str(identity)},
        Renewal(old.fingerprint, card.fingerprint, card_text, signature, now_iso()),
    )
    return old.fingerprint, card.fingerprint


def trusted_card(vault: Vault) -> Card:
    trusted = SyncStore(vault).trusted_coordinator()
    if trusted is None:
        raise EnrolmentError("sync.enrol.not_trusted")
    return parse_card(trusted.card.encode("utf-8"))


# -- the enrolment request ----------------------------------------------------------------


def make_request(
    vault: Vault, inspector: str | None = None, agency: str | None = None
) -> tuple[bytes, str]:
    """Field side: the signed request and this device's fingerprint (to read out)."""
    _require_role(vault, Role.FIELD)

    card = trusted_card(vault)
    own = keys.own_keys(vault)
    profile = Store(vault).setting("profile", {}) or {}
    document: dict[str, Any] = {
        "format": REQUEST_FORMAT,
        "device_id": own.device_id,
        "signing_key": own.signing_public,
        "inspector": _label(
            _typed(inspector if inspector is not None else profile.get("name") or None),
            "sync.enrol.request_invalid",
        ),
        "agency": _label(
            _typed(agency if agency is not None else profile.get("agency") or None),
            "sync.enrol.request_invalid",
        ),
        "coordinator": card.fingerprint,
        "created_utc": now_iso(),
    }
    document["signature"] = own.signing.sign(_signed_bytes(REQUEST_FORMAT, document)).hex()
    SyncStore(vault).mark_requested()
    return canonical_bytes(document) + b"\n", own.fingerprint


def parse_request(raw: bytes) -> Request:
    problem = "sync.enrol.request_invalid"
    fields = {
        "device_id",
        "signing_key",
        "inspector",
        "agency",
        "coordinator",
        "created_utc",
        "signature",
    }
    document = _document(raw, REQUEST_FORMAT, fields, problem)
    request = Request(
        device_id=_text(document, "device_id", _UUID, problem),
        signing_key=_text(document, "signing_key", _HEX64, problem),
        inspector=_label(document["inspector"], problem),
        agency=_label(document["agency"], problem),
        coordinator=_text(document, "coordinator", re.compile(r"\d{5}( \d{5}){11}"), problem),
        created_utc=_text(document, "created_utc", _UTC, problem),
        raw=canonical_bytes(document),
    )
    signature = bytes.fromhex(_text(document, "signature", _HEX128, problem))
    if not keys.verify(request.signing_key, signature, _signed_bytes(REQUEST_FORMAT, document)):
        raise EnrolmentError("sync.enrol.bad_signature")
    return request


def approve_request(
    vault: Vault, raw_request: bytes, typed_fingerprint: str
) -> tuple[bytes, Request]:
    """Coordinator side: enrol the device once its fingerprint, read out by the inspector,
    matches; returns the signed acknowledgement to hand back."""
    _require_role(vault, Role.COORDINATOR)
    request = parse_request(raw_request)
    own = keys.own_keys(vault)
    if own.age_recipient is None or own.recovery_recipient is None:
        raise EnrolmentError("sync.enrol.no_recovery_key")
    if request.coordinator != own.fingerprint:
        raise EnrolmentError("sync.enrol.other_coordinator")
    _check_typed(typed_fingerprint, request.fingerprint)
    sync = SyncStore(vault)
    known = sync.device(request.device_id)
    if known is not None and known.revoked_at is not None:
        raise EnrolmentError("sync.enrol.device_revoked", device=request.device_id)
    if known is not None and known.signing_key != request.signing_key:
        raise EnrolmentError("sync.enrol.device_key_changed", device=request.device_id)
    if known is None:
        sync.enrol_device(
            request.device_id,
            request.signing_key,
            fingerprint=request.fingerprint,
            inspector=request.inspector,
            agency=request.agency,
            request=request.raw.decode("utf-8"),
            coordinator_fingerprint=own.fingerprint,
        )
    document: dict[str, Any] = {
        "format": ACK_FORMAT,
        "device_id": request.device_id,
        "device_fingerprint": request.fingerprint,
        "coordinator": own.fingerprint,
        "approved_utc": now_iso(),
    }
    document["signature"] = own.signing.sign(_signed_bytes(ACK_FORMAT, document)).hex()
    return canonical_bytes(document) + b"\n", request


def accept_ack(vault: Vault, raw_ack: bytes) -> Card:
    """Field side: the acknowledgement is signed by the trusted coordinator and names this
    device and its key; the device is enrolled from now on."""
    _require_role(vault, Role.FIELD)
    problem = "sync.enrol.ack_invalid"
    card = trusted_card(vault)
    own = keys.own_keys(vault)
    fields = {"device_id", "device_fingerprint", "coordinator", "approved_utc", "signature"}
    document = _document(raw_ack, ACK_FORMAT, fields, problem)
    signature = bytes.fromhex(_text(document, "signature", _HEX128, problem))
    if not keys.verify(card.signing_key, signature, _signed_bytes(ACK_FORMAT, document)):
        raise EnrolmentError("sync.enrol.bad_signature")
    if (
        document["device_id"] != own.device_id
        or document["device_fingerprint"] != own.fingerprint
        or document["coordinator"] != card.fingerprint
    ):
        raise EnrolmentError("sync.enrol.ack_other_device")
    SyncStore(vault).mark_enrolled(canonical_bytes(document).decode("utf-8"))
    return card


# -- revocation ----------------------------------------------------------------------------


def revoke_device(vault: Vault, device: str) -> Device:
    """Coordinator side: by device id or its last 6+ characters. Bundles from a revoked device
    are refused from now on; what was imported before stays, with its provenance."""
    _require_role(vault, Role.COORDINATOR)
    sync = SyncStore(vault)
    found = sync.find_devices(device)
    if len(found) != 1:
        raise EnrolmentError("sync.enrol.unknown_device", device=device)
    if found[0].revoked_at is None:
        sync.revoke_device(found[0].device_id)
    revoked = sync.device(found[0].device_id)
    assert revoked is not None
    return revoked
