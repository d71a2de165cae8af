"""Helpers for the sync tests: enrolled vault pairs, table dumps, forged bundles."""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyrage
from pyrage import x25519

from fieldapp.clock import now_iso
from fieldapp.domain import Role
from fieldapp.store.sync_store import RECORD_COLUMNS, RECORD_KINDS, TABLES, SyncStore
from fieldapp.sync import bundle, cards, keys
from fieldapp.sync.canonical import canonical_bytes
from fieldapp.vault import Vault
from fieldapp.vault.connection import transaction
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.vault.migrations import SCHEMA_VERSION
from tests.support import PASSPHRASE

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@dataclass
class Coordinator:
    vault: Vault
    recovery_secret: str
    card_raw: bytes
    card: cards.Card


def make_coordinator(folder: Path) -> Coordinator:
    vault = Vault.create(folder, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    kept: list[str] = []
    keys.create_coordinator_keys(vault, kept.append)
    raw, card = cards.make_card(vault)
    return Coordinator(vault, kept[0], raw, card)


def make_field(folder: Path) -> Vault:
    return Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS)


def enrol(field: Vault, coordinator: Coordinator, inspector: str = "Inspecteur 07") -> None:
    """The whole enrolment, with the fingerprints compared as a person would."""
    cards.trust_coordinator(field, coordinator.card_raw, coordinator.card.fingerprint)
    request, device_fp = cards.make_request(field, inspector, "nla")
    ack, _ = cards.approve_request(coordinator.vault, request, device_fp)
    cards.accept_ack(field, ack)


def edited_by_an_older_release(vault: Vault, visit_uuid: str, notes: str) -> None:
    """A coordinator's own edit of an imported visit's notes, as releases before issue 14
    let one be made (the store refuses it now: ``store.imported_read_only``). Vaults that
    hold such edits still meet the field's next version as a conflict."""
    with transaction(vault.conn):
        vault.conn.execute(
            "UPDATE visits SET notes = ?, revision = revision + 1, updated_at = ? WHERE uuid = ?",
            (notes, now_iso(), visit_uuid),
        )


def changed_in_the_field(vault: Vault, kind: str, record_uuid: str, **columns: Any) -> None:
    """A record of an imported visit changed as the inspector's next bundle changes it (the
    coordinator's store refuses the change itself: ``store.imported_read_only``): the new
    column values (as stored) at the next revision, applied and in step with the field."""
    assignments = "".join(f"{name} = ?, " for name in columns)
    with transaction(vault.conn):
        vault.conn.execute(
            f"UPDATE {TABLES[kind]} SET {assignments}revision = revision + 1,"
            " sync_revision = revision + 1, updated_at = ? WHERE uuid = ?",
            (*columns.values(), now_iso(), record_uuid),
        )


def table_dump(vault: Vault) -> str:
    """SHA-256 over every row of every table (search index shadow tables included)."""
    digest = hashlib.sha256()
    conn = vault.conn
    names = [
        row[0]
        for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    for name in names:
        digest.update(name.encode())
        for row in conn.execute(f'SELECT * FROM "{name}" ORDER BY 1'):
            digest.update(repr(row).encode())
    return digest.hexdigest()


def records(vault: Vault, kind: str) -> list[tuple[Any, ...]]:
    columns = ", ".join(RECORD_COLUMNS[kind]) + (", content" if kind == "attachment" else "")
    return vault.conn.execute(f"SELECT {columns} FROM {TABLES[kind]} ORDER BY uuid").fetchall()


def all_records(vault: Vault) -> dict[str, list[tuple[Any, ...]]]:
    return {kind: records(vault, kind) for kind in RECORD_KINDS}


def write_counts(vault: Vault) -> tuple[int, int, int]:
    """Cheap evidence that nothing was written: rows changed by this connection, ledger rows,
    audit entries."""
    conn = vault.conn
    return (
        conn.total_changes,
        conn.execute("SELECT count(*) FROM sync_incoming").fetchone()[0],
        conn.execute("SELECT count(*) FROM audit_log").fetchone()[0],
    )


def age_chunks(data: bytes) -> Iterator[int]:
    """Offsets where the 64 KiB STREAM chunks of an age file begin (after header and nonce)."""
    header = bundle.parse_age_header(data)
    offset = header.length + bundle.AGE_NONCE
    while offset < len(data):
        yield offset
        offset += bundle.AGE_CHUNK + bundle.AGE_TAG


def forge(
    field: Vault,
    card: cards.Card,
    *,
    payload: bytes | None = None,
    rows: dict[str, list[list[Any]]] | None = None,
    manifest_changes: dict[str, Any] | None = None,
    manifest_bytes: bytes | None = None,
    sign: bool = True,
    recipients: list[str] | None = None,
) -> bytes:
    """A bundle made by hand with the device's real key: what a buggy or compromised device
    could send. ``payload`` raw frames, or ``rows`` encoded as the exporter does."""
    own = keys.own_keys(field)
    if payload is None:
        builder = bundle.PayloadBuilder()
        for kind, kind_rows in (rows or {}).items():
            builder.add_rows(kind, kind_rows)
        payload = b"".join(builder.chunks)
        counts = builder.counts
    else:
        counts = dict.fromkeys(bundle.COUNT_KEYS, 0)
    sync = SyncStore(field)
    last = sync.outgoing("exported")
    manifest = {
        "format": bundle.FORMAT,
        "bundle_id": "01a00000-0000-7000-8000-000000000001",
        "device_id": field.info.device_id,
        "seq": (last[-1].seq + 1) if last else 1,
        "prev_bundle_sha256": last[-1].bundle_sha256 if last else "0" * 64,
        "created_utc": "2026-11-28T10:00:00Z",
        "recipients": bundle.fingerprints_for((card.age_recipient, card.recovery_recipient)),
        "coordinator": card.fingerprint,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "payload_bytes": len(payload),
        "schema_version": SCHEMA_VERSION,
        "counts": counts,
        "resends": [],
        **(manifest_changes or {}),
    }
    if manifest_bytes is None:
        manifest_bytes = canonical_bytes(manifest)
    signature = own.signing.sign(bundle.signed_message(manifest_bytes)) if sign else bytes(64)
    plaintext = (
        bundle.MAGIC
        + struct.pack(">I", len(manifest_bytes))
        + manifest_bytes
        + struct.pack(">I", len(payload))
        + payload
        + signature
    )
    targets = recipients or [card.age_recipient, card.recovery_recipient]
    return pyrage.encrypt(plaintext, [x25519.Recipient.from_str(r) for r in targets])


def frame(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">cI", tag, len(body)) + body
