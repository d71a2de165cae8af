"""This vault's own keys, kept inside the (encrypted) vault, and fingerprints to read aloud.

Every vault gets an Ed25519 signing key; a coordinator's vault also an age (X25519) identity,
and the public half of an offline recovery key whose secret half exists only in the file
``vault init --role coordinator --recovery-key-out F`` wrote.

The signing key is made lazily, on first use: vaults made before sync existed (upgraded by
migration 4) need that path anyway, and vault creation stays as it was. The coordinator's age
identity and recovery key are made at ``vault init`` (the recovery key has to be handed over
then), or later with ``fieldapp enrol recovery-key``. A field vault's age identity for the
coordinator's replies is made at its first export (:func:`reply_identity`), so devices enrolled
before replies existed get one without a new enrolment.

Fingerprints: SHA-256 over a domain string and the public keys, read as a 256-bit number and
shown as its last 60 decimal digits in 12 groups of 5 (about 199 bits; the bias of the
reduction is below 2^-56). Both sides compute them from the same public parts, so a card and
the vault that made it show the same digits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from pyrage import x25519

from fieldapp.atomic import write_atomic
from fieldapp.clock import now_iso
from fieldapp.domain import Role
from fieldapp.store.sync_store import SyncStore
from fieldapp.sync.errors import EnrolmentError
from fieldapp.vault.vault import Vault

SIGNING_KEY = "signing"
AGE_IDENTITY = "age_identity"
RECOVERY_RECIPIENT = "recovery_recipient"
REPLY_IDENTITY = "reply_identity"
FINGERPRINT_DOMAIN = b"fieldapp-fingerprint-v1\x00"
FINGERPRINT_DIGITS = 60
_HEX64 = re.compile(r"[0-9a-f]{64}")
_AGE_RECIPIENT = re.compile(r"age1[02-9ac-hj-np-z]{58}")


def fingerprint(kind: str, *parts: str) -> str:
    """12 groups of 5 digits over a domain string, the kind of key holder and the parts."""
    material = (
        FINGERPRINT_DOMAIN
        + kind.encode()
        + b"\x00"
        + b"\x00".join(part.encode("utf-8") for part in parts)
    )
    number = int.from_bytes(hashlib.sha256(material).digest(), "big") % 10**FINGERPRINT_DIGITS
    digits = f"{number:0{FINGERPRINT_DIGITS}d}"
    return " ".join(digits[i : i + 5] for i in range(0, FINGERPRINT_DIGITS, 5))


def normalise_fingerprint(text: str) -> str | None:
    """What a person typed, as the canonical form: spaces, dashes and dots ignored; None when
    it is not 60 digits."""
    digits = re.sub(r"[\s.\-_]", "", text or "")
    if len(digits) != FINGERPRINT_DIGITS or not digits.isdigit():
        return None
    return " ".join(digits[i : i + 5] for i in range(0, FINGERPRINT_DIGITS, 5))


def device_fingerprint(device_id: str, signing_key: str) -> str:
    return fingerprint("device", device_id, signing_key)


def coordinator_fingerprint(
    coordinator_id: str, signing_key: str, age_recipient: str, recovery_recipient: str
) -> str:
    return fingerprint(
        "coordinator", coordinator_id, signing_key, age_recipient, recovery_recipient
    )


def recipient_fingerprint(age_recipient: str) -> str:
    """Of one age recipient: what a bundle's signed manifest lists."""
    return fingerprint("recipient", age_recipient)


def public_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def load_public(hex_key: str) -> Ed25519PublicKey:
    if not isinstance(hex_key, str) or not _HEX64.fullmatch(hex_key):
        raise ValueError("not an Ed25519 public key")
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))


def verify(hex_key: str, signature: bytes, message: bytes) -> bool:
    try:
        load_public(hex_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def is_age_recipient(text: object) -> bool:
    if not isinstance(text, str) or not _AGE_RECIPIENT.fullmatch(text):
        return False
    try:
        x25519.Recipient.from_str(text)
    except Exception:  # pyrage raises its own RecipientError
        return False
    return True


@dataclass(frozen=True, slots=True)
class OwnKeys:
    """What this vault signs with, and (coordinator) decrypts with."""

    device_id: str
    signing: Ed25519PrivateKey
    age_identity: x25519.Identity | None = None
    age_recipient: str | None = None
    recovery_recipient: str | None = None

    @property
    def signing_public(self) -> str:
        return public_hex(self.signing)

    @property
    def fingerprint(self) -> str:
        if self.age_recipient and self.recovery_recipient:
            return coordinator_fingerprint(
                self.device_id, self.signing_public, self.age_recipient, self.recovery_recipient
            )
        return device_fingerprint(self.device_id, self.signing_public)


def own_keys(vault: Vault) -> OwnKeys:
    """This vault's keys; the signing key is created on first use."""
    sync = SyncStore(vault)
    stored = sync.key(SIGNING_KEY)
    if stored is None:
        sync.add_keys({SIGNING_KEY: Ed25519PrivateKey.generate().private_bytes_raw().hex()})
        stored = sync.key(SIGNING_KEY)
        assert stored is not None
    signing = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(stored))
    identity_text = sync.key(AGE_IDENTITY)
    identity = x25519.Identity.from_str(identity_text) if identity_text else None
    return OwnKeys(
        device_id=vault.info.device_id,
        signing=signing,
        age_identity=identity,
        age_recipient=str(identity.to_public()) if identity else None,
        recovery_recipient=sync.key(RECOVERY_RECIPIENT),
    )


RETIRED = "retired:"  # + kind + ":" + the old card's fingerprint digits


def retired_names(old: OwnKeys) -> dict[str, str]:
    """The sync_keys rows that keep a renewed coordinator's old keys."""
    assert old.age_identity is not None
    digits = old.fingerprint.replace(" ", "")
    return {
        f"{RETIRED}{SIGNING_KEY}:{digits}": old.signing.private_bytes_raw().hex(),
        f"{RETIRED}{AGE_IDENTITY}:{digits}": str(old.age_identity),
    }


def coordinator_keys(vault: Vault) -> dict[str, OwnKeys]:
    """Coordinator: its current keys and every retired set, by the fingerprint of their card
    (the recovery key is the same for all): bundles to an old key are still read, and a
    device that has not moved yet is answered with the key it trusts."""
    own = own_keys(vault)
    found = {own.fingerprint: own}
    retired = SyncStore(vault).keys_named(RETIRED)
    for name, value in retired.items():
        _, kind, digits = name.split(":")
        if kind != SIGNING_KEY:
            continue
        identity_text = retired.get(f"{RETIRED}{AGE_IDENTITY}:{digits}")
        if identity_text is None:
            continue
        identity = x25519.Identity.from_str(identity_text)
        keys = OwnKeys(
            device_id=own.device_id,
            signing=Ed25519PrivateKey.from_private_bytes(bytes.fromhex(value)),
            age_identity=identity,
            age_recipient=str(identity.to_public()),
            recovery_recipient=own.recovery_recipient,
        )
        found[keys.fingerprint] = keys
    return found


def reply_identity(vault: Vault) -> x25519.Identity:
    """The field vault's own age identity for the coordinator's replies (issue 16), made on
    first use (the first export), so a device enrolled before replies existed gets one without
    a new enrolment. Only its recipient leaves the vault, inside every signed manifest: a reply
    encrypted to it is readable by this device alone, never by another enrolled one."""
    if vault.info.role is not Role.FIELD:
        raise EnrolmentError("sync.enrol.field_only")
    sync = SyncStore(vault)
    stored = sync.key(REPLY_IDENTITY)
    if stored is None:
        sync.add_keys({REPLY_IDENTITY: str(x25519.Identity.generate())})
        stored = sync.key(REPLY_IDENTITY)  # ours, or one made a moment earlier elsewhere
        assert stored is not None
    return x25519.Identity.from_str(stored)


def reply_recipient(vault: Vault) -> str | None:
    """The public half of the reply identity if there is one yet (for status: never made)."""
    stored = SyncStore(vault).key(REPLY_IDENTITY)
    return None if stored is None else public_recipient(stored)


def create_coordinator_keys(vault: Vault, keep_recovery_secret: Callable[[str], None]) -> str:
    """Make the coordinator's age identity and an offline recovery key. The recovery key's
    secret (an ``AGE-SECRET-KEY-1...`` line) goes to ``keep_recovery_secret`` (which writes it to
    a file) before anything is stored, so a failure there leaves the vault without one; the
    vault keeps only the public recipient, which is returned. Refused when the keys exist or
    the vault is a field device's."""
    if vault.info.role is not Role.COORDINATOR:
        raise EnrolmentError("sync.enrol.coordinator_only")
    sync = SyncStore(vault)
    if sync.key(AGE_IDENTITY) is not None or sync.key(RECOVERY_RECIPIENT) is not None:
        raise EnrolmentError("sync.enrol.keys_exist")
    own_keys(vault)  # the signing key too
    identity = x25519.Identity.generate()
    recovery = x25519.Identity.generate()
    recipient = str(recovery.to_public())
    keep_recovery_secret(str(recovery))
    if not sync.add_keys({AGE_IDENTITY: str(identity), RECOVERY_RECIPIENT: recipient}):
        raise EnrolmentError("sync.enrol.keys_exist")
    return recipient


def write_recovery_key(vault: Vault, target: Path) -> str:
    """Make the coordinator's keys, with the recovery key's secret written atomically to
    ``target`` (the format age-keygen writes) before the vault stores anything. Returns the
    recovery recipient. The one way the command line and the desktop do it."""

    def keep(secret: str) -> None:
        text = recovery_key_file_text(secret, public_recipient(secret), now_iso())
        write_atomic(target, text.encode())

    return create_coordinator_keys(vault, keep)


def public_recipient(secret: str) -> str:
    return str(x25519.Identity.from_str(secret).to_public())


def recovery_key_file_text(secret: str, recipient: str, created: str) -> str:
    """The recovery key file, in the format age-keygen writes (``age -d -i FILE`` reads it)."""
    return (
        f"# FieldApp coordinator recovery key. Keep offline, apart from the vault.\n"
        f"# created: {created}\n"
        f"# public key: {recipient}\n"
        f"{secret}\n"
    )
