"""All SQL of sync by file (fieldapp/sync): keys, enrolment, the bundle ledgers, the change log,
and applying a verified bundle's records on the coordinator.

Field side: triggers (migration 4) append every insert and revision bump of a record to
``sync_changes``; its ``change_no`` is the monotonic change counter. A bundle carries the
current state of every record changed in a range ``(change_from, change_to]`` of it, and the
ledger ``sync_outgoing`` keeps that range per bundle, so "everything changed since the last
successful export" is one range query and re-sending a lost bundle is the same query again.

Coordinator side: ``sync_incoming`` holds ``(device_id, seq)`` once (UNIQUE); imported records
carry their provenance on the row (``origin_device``, ``sync_seq``: the bundle that set them,
``sync_revision``: the revision it brought).

Ownership (issue 12): a device only ever adds to its own records. Every parent a record names
(a visit's site; a person's visit; an observation's visit and person; an attachment's owner; a
referral's visit, persons, document and earlier version) must be in the same bundle or already
here with that device as its origin. The coordinator's own records count as foreign: nothing
ever travels from the coordinator to a device, so no device has a reason to know their ids.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, ClassVar

import msgspec

from fieldapp.clock import now_iso
from fieldapp.domain import Address
from fieldapp.ids import new_id
from fieldapp.store import outcomes_store
from fieldapp.store.store import SELECTED_COLUMNS
from fieldapp.vault import audit
from fieldapp.vault.connection import Connection, transaction
from fieldapp.vault.vault import Vault

# The columns a bundle carries for each kind of record (format fieldapp-bundle-v1): every
# column of the table except the attachment content (sent as its own frame) and the
# coordinator-side provenance columns. A test keeps this equal to the tables.
RECORD_COLUMNS: dict[str, tuple[str, ...]] = {
    kind: tuple(column.strip() for column in columns.split(","))
    for kind, columns in SELECTED_COLUMNS.items()
}
# Parents before children; a bundle lists its records in this order.
RECORD_KINDS = ("site", "visit", "person", "attachment", "observation", "referral")
TABLES = {
    "site": "sites",
    "visit": "visits",
    "person": "persons",
    "attachment": "attachments",
    "observation": "observations",
    "referral": "referrals",
}
AUDIT_COLUMNS = ("seq", "at", "actor", "action", "record_kind", "record_uuid", "hash")
GENESIS_SHA256 = "0" * 64
# The parents each kind of record names: (column, kind of the parent). An attachment's parent
# depends on its owner_kind (see _ATTACHMENT_OWNERS); a referral names persons in a JSON list.
PARENTS: dict[str, tuple[tuple[str, str], ...]] = {
    "visit": (("site_uuid", "site"),),
    "person": (("visit_uuid", "visit"),),
    "observation": (("visit_uuid", "visit"), ("person_uuid", "person")),
    "referral": (
        ("visit_uuid", "visit"),
        ("document_uuid", "attachment"),
        ("supersedes", "referral"),
    ),
}
# owner_kind -> kind of the owner record; a referral's PDF is owned by the referral's visit.
_ATTACHMENT_OWNERS = {
    "visit": "visit",
    "referral": "visit",
    "person": "person",
    "observation": "observation",
    "site": "site",
}


@dataclass(frozen=True, slots=True)
class Outgoing:
    seq: int
    bundle_id: str
    status: str
    prev_bundle_sha256: str
    bundle_sha256: str | None
    change_from: int
    change_to: int
    audit_from: int
    audit_to: int
    resends: tuple[int, ...]
    file_name: str | None  # where the bundle was (or is being) written
    counts: dict[str, int]
    reserved_at: str
    exported_at: str | None


@dataclass(frozen=True, slots=True)
class Device:
    device_id: str
    signing_key: str
    fingerprint: str
    inspector: str | None
    agency: str | None
    enrolled_at: str
    revoked_at: str | None


@dataclass(frozen=True, slots=True)
class TrustedCoordinator:
    coordinator_id: str
    card: str
    fingerprint: str
    trusted_at: str
    requested_at: str | None
    enrolled_at: str | None


@dataclass(frozen=True, slots=True)
class Conflict:
    id: int
    record_kind: str
    record_uuid: str
    device_id: str
    bundle_id: str
    seq: int
    local_revision: int
    field_revision: int
    field_record: dict[str, Any]
    detected_at: str
    resolved_at: str | None
    resolution: str | None


@dataclass(frozen=True, slots=True)
class Alarm:
    """A bundle that contradicts the device's chain: the same seq with other content, or a
    bundle that does not follow the one before it."""

    id: int
    at: str
    device_id: str
    seq: int
    kind: str  # same_seq | chain
    detail: str
    acknowledged_at: str | None
    acknowledged_by: str | None


@dataclass(slots=True)
class ApplyCounts:
    """What applying one bundle did, per kind of record."""

    inserted: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]  # same or older revision than the coordinator's copy
    conflicts: dict[str, int]
    audit_entries: int = 0

    @classmethod
    def empty(cls) -> ApplyCounts:
        return cls({}, {}, {}, {})

    def add(self, bucket: dict[str, int], kind: str, count: int = 1) -> None:
        if count:
            bucket[kind] = bucket.get(kind, 0) + count


class ForeignRecord(Exception):
    """A bundle tried to change a record that another device (or the coordinator) made."""

    def __init__(self, kind: str, record_uuid: str) -> None:
        super().__init__(kind, record_uuid)
        self.kind = kind
        self.record_uuid = record_uuid


class ForeignParent(Exception):
    """A record of the bundle hangs on a record another device (or the coordinator) made;
    ``parent_kind`` is None for a parent that is nowhere here (a missing bundle)."""

    def __init__(
        self, kind: str, record_uuid: str, parent_kind: str | None, parent_uuid: str
    ) -> None:
        super().__init__(kind, record_uuid, parent_kind, parent_uuid)
        self.kind = kind
        self.record_uuid = record_uuid
        self.parent_kind = parent_kind
        self.parent_uuid = parent_uuid


class SyncStore:
    def __init__(self, vault: Vault) -> None:
        self.vault = vault

    @property
    def conn(self) -> Connection:
        return self.vault.conn

    # -- keys ----------------------------------------------------------------------------

    def key(self, name: str) -> str | None:
        row = self.conn.execute("SELECT value FROM sync_keys WHERE name = ?", (name,)).fetchone()
        return None if row is None else row[0]

    def add_keys(self, values: dict[str, str]) -> bool:
        """Store new keys in one transaction; False (nothing stored) if any already exists."""
        with transaction(self.conn):
            marks = ",".join("?" for _ in values)
            found = self.conn.execute(
                f"SELECT count(*) FROM sync_keys WHERE name IN ({marks})",
                tuple(values),
            ).fetchone()[0]
            if found:
                return False
            now = now_iso()
            self.conn.executemany(
                "INSERT INTO sync_keys (name, value, created_at) VALUES (?, ?, ?)",
                [(name, value, now) for name, value in values.items()],
            )
            audit.append(self.conn, self.vault.actor, "create", "sync_key", None)
        return True

    # -- field side: the trusted coordinator -----------------------------------------------

    def trusted_coordinator(self) -> TrustedCoordinator | None:
        row = self.conn.execute(
            "SELECT coordinator_id, card, fingerprint, trusted_at, requested_at, enrolled_at"
            " FROM sync_coordinator WHERE id = 1"
        ).fetchone()
        return None if row is None else TrustedCoordinator(*row)

    def trust_coordinator(self, coordinator_id: str, card: str, fingerprint: str) -> None:
        """Trust this card (replacing an earlier one, which also ends the enrolment)."""
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO sync_coordinator (id, coordinator_id, card, fingerprint, trusted_at)"
                " VALUES (1, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                " coordinator_id = excluded.coordinator_id, card = excluded.card,"
                " fingerprint = excluded.fingerprint, trusted_at = excluded.trusted_at,"
                " requested_at = NULL, enrolled_at = NULL, acknowledgement = NULL",
                (coordinator_id, card, fingerprint, now_iso()),
            )
            audit.append(self.conn, self.vault.actor, "trust", "coordinator", coordinator_id)

    def mark_requested(self) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE sync_coordinator SET requested_at = ? WHERE id = 1", (now_iso(),)
            )
            audit.append(self.conn, self.vault.actor, "request", "enrolment", None)

    def mark_enrolled(self, acknowledgement: str) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE sync_coordinator SET enrolled_at = ?, acknowledgement = ? WHERE id = 1",
                (now_iso(), acknowledgement),
            )
            audit.append(self.conn, self.vault.actor, "enrol", "device", self.vault.info.device_id)

    # -- coordinator side: devices -----------------------------------------------------

    def device(self, device_id: str) -> Device | None:
        row = self.conn.execute(
            "SELECT device_id, signing_key, fingerprint, inspector, agency, enrolled_at,"
            " revoked_at FROM sync_devices WHERE device_id = ?",
            (device_id,),
        ).fetchone()
        return None if row is None else Device(*row)

    def devices(self) -> list[Device]:
        return [
            Device(*row)
            for row in self.conn.execute(
                "SELECT device_id, signing_key, fingerprint, inspector, agency, enrolled_at,"
                " revoked_at FROM sync_devices ORDER BY enrolled_at, device_id"
            )
        ]

    def find_devices(self, fragment: str) -> list[Device]:
        """Devices whose id is ``fragment`` or ends with it (at least 6 characters)."""
        fragment = fragment.strip().lower()
        if len(fragment) < 6:
            return []
        return [
            Device(*row)
            for row in self.conn.execute(
                "SELECT device_id, signing_key, fingerprint, inspector, agency, enrolled_at,"
                " revoked_at FROM sync_devices WHERE device_id = ? OR"
                " substr(device_id, -?) = ? LIMIT 2",
                (fragment, len(fragment), fragment),
            )
        ]

    def enrol_device(
        self,
        device_id: str,
        signing_key: str,
        *,
        fingerprint: str,
        inspector: str | None,
        agency: str | None,
        request: str,
    ) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO sync_devices (device_id, signing_key, fingerprint, inspector, agency,"
                " request, enrolled_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (device_id, signing_key, fingerprint, inspector, agency, request, now_iso()),
            )
            audit.append(self.conn, self.vault.actor, "enrol", "device", device_id)

    def revoke_device(self, device_id: str) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE sync_devices SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL",
                (now_iso(), device_id),
            )
            audit.append(self.conn, self.vault.actor, "revoke", "device", device_id)

    # -- field side: change log and outgoing ledger ------------------------------------

    def last_change(self) -> int:
        return int(
            self.conn.execute("SELECT coalesce(max(change_no), 0) FROM sync_changes").fetchone()[0]
        )

    def last_audit_seq(self) -> int:
        return int(self.conn.execute("SELECT coalesce(max(seq), 0) FROM audit_log").fetchone()[0])

    def outgoing(self, status: str | None = None) -> list[Outgoing]:
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        return [
            _outgoing(row)
            for row in self.conn.execute(
                f"SELECT {_OUTGOING_COLUMNS} FROM sync_outgoing {where} ORDER BY seq",
                params,
            )
        ]

    def outgoing_bundle(self, seq: int) -> Outgoing | None:
        row = self.conn.execute(
            f"SELECT {_OUTGOING_COLUMNS} FROM sync_outgoing WHERE seq = ?",
            (seq,),
        ).fetchone()
        return None if row is None else _outgoing(row)

    def pending_changes(self) -> int:
        """Records changed since the last successful export (each counted once)."""
        cursor = self._export_cursor()
        return int(
            self.conn.execute(
                "SELECT count(DISTINCT uuid) FROM sync_changes WHERE change_no > ?", (cursor[0],)
            ).fetchone()[0]
        )

    def _export_cursor(self) -> tuple[int, int]:
        """(change_to, audit_to) of the last regular (not re-sent) exported bundle."""
        row = self.conn.execute(
            "SELECT coalesce(max(change_to), 0), coalesce(max(audit_to), 0) FROM sync_outgoing"
            " WHERE status = 'exported' AND resends = '[]'"
        ).fetchone()
        return int(row[0]), int(row[1])

    def reserve(self, resend: Sequence[int] = ()) -> Outgoing:
        """Reserve the next seq and the ranges the bundle covers. Call inside a transaction
        (see :meth:`begin`), so the ranges and the records read for them are one snapshot."""
        self.conn.execute("DELETE FROM sync_outgoing WHERE status = 'reserved'")
        last = self.conn.execute(
            "SELECT seq, bundle_sha256 FROM sync_outgoing ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS_SHA256)
        if resend:
            marks = ",".join("?" for _ in resend)
            row = self.conn.execute(
                "SELECT min(change_from), max(change_to), min(audit_from), max(audit_to)"
                f" FROM sync_outgoing WHERE status = 'exported' AND seq IN ({marks})",
                tuple(resend),
            ).fetchone()
            change_from, change_to, audit_from, audit_to = (int(value or 0) for value in row)
        else:
            change_from, audit_from = self._export_cursor()
            change_to, audit_to = self.last_change(), self.last_audit_seq()
        bundle_id = new_id()
        self.conn.execute(
            "INSERT INTO sync_outgoing (seq, bundle_id, status, prev_bundle_sha256, change_from,"
            " change_to, audit_from, audit_to, resends, reserved_at)"
            " VALUES (?, ?, 'reserved', ?, ?, ?, ?, ?, ?, ?)",
            (
                seq,
                bundle_id,
                prev,
                change_from,
                change_to,
                audit_from,
                audit_to,
                json.dumps(sorted(resend)),
                now_iso(),
            ),
        )
        reserved = self.outgoing_bundle(seq)
        assert reserved is not None
        return reserved

    def begin(self) -> AbstractContextManager[Connection]:
        """One transaction (BEGIN IMMEDIATE ... COMMIT) for a sequence of calls below."""
        return transaction(self.conn)

    def describe_reservation(
        self, seq: int, file_name: str, bundle_sha256: str, counts: dict[str, int]
    ) -> None:
        """Where the reserved bundle will be written and what it is (inside a transaction)."""
        self.conn.execute(
            "UPDATE sync_outgoing SET file_name = ?, bundle_sha256 = ?, counts = ? WHERE seq = ?"
            " AND status = 'reserved'",
            (file_name, bundle_sha256, json.dumps(counts, sort_keys=True), seq),
        )

    def drop_reservation_in_transaction(self, seq: int) -> None:
        self.conn.execute("DELETE FROM sync_outgoing WHERE seq = ? AND status = 'reserved'", (seq,))

    def count_changes_after(self, change_no: int) -> int:
        return int(
            self.conn.execute(
                "SELECT count(DISTINCT uuid) FROM sync_changes WHERE change_no > ?", (change_no,)
            ).fetchone()[0]
        )

    def cut_reservation(self, seq: int, change_to: int, audit_to: int) -> None:
        self.conn.execute(
            "UPDATE sync_outgoing SET change_to = ?, audit_to = ? WHERE seq = ?"
            " AND status = 'reserved'",
            (change_to, audit_to, seq),
        )

    def change_sizes(self, change_from: int, change_to: int) -> Iterator[tuple[int, int]]:
        """(change_no, rough size in bytes) of each change in the range, in order: attachments
        count their content, other records a fixed estimate."""
        yield from self.conn.execute(
            "SELECT c.change_no, CASE WHEN c.kind = 'attachment' THEN"
            " coalesce((SELECT size FROM attachments a WHERE a.uuid = c.uuid), 0) + 1024"
            " ELSE 1024 END FROM sync_changes c WHERE c.change_no > ? AND c.change_no <= ?"
            " ORDER BY c.change_no",
            (change_from, change_to),
        )

    def estimated_size(self, change_from: int, change_to: int) -> int:
        row = self.conn.execute(
            "SELECT count(*) * 1024 + coalesce((SELECT sum(a.size) FROM attachments a WHERE"
            " a.uuid IN (SELECT uuid FROM sync_changes WHERE change_no > ?1 AND change_no <= ?2"
            " AND kind = 'attachment')), 0) FROM sync_changes WHERE change_no > ?1"
            " AND change_no <= ?2",
            (change_from, change_to),
        ).fetchone()
        return int(row[0])

    def changed_records(
        self, kind: str, change_from: int, change_to: int
    ) -> Iterator[tuple[Any, ...]]:
        """Current state of every record of ``kind`` changed in the range: the bundle columns,
        and for attachments the content last."""
        table = TABLES[kind]
        columns = ", ".join(RECORD_COLUMNS[kind])
        if kind == "attachment":
            columns += ", content"
        yield from self.conn.execute(
            f"SELECT {columns} FROM {table} WHERE uuid IN (SELECT uuid FROM sync_changes"
            " WHERE change_no > ? AND change_no <= ? AND kind = ?) ORDER BY created_at, uuid",
            (change_from, change_to, kind),
        )

    def audit_rows(self, audit_from: int, audit_to: int) -> list[tuple[Any, ...]]:
        return self.conn.execute(
            "SELECT seq, at, actor, action, record_kind, record_uuid, hash FROM audit_log"
            " WHERE seq > ? AND seq <= ? ORDER BY seq",
            (audit_from, audit_to),
        ).fetchall()

    def mark_exported(self, seq: int, bundle_sha256: str, counts: dict[str, int]) -> None:
        with transaction(self.conn):
            cursor = self.conn.execute(
                "UPDATE sync_outgoing SET status = 'exported', bundle_sha256 = ?, counts = ?,"
                " exported_at = ? WHERE seq = ? AND status = 'reserved'",
                (bundle_sha256, json.dumps(counts, sort_keys=True), now_iso(), seq),
            )
            if cursor.rowcount != 1:
                raise RuntimeError("the reservation of this export is gone")
            bundle_id, change_from, change_to = self.conn.execute(
                "SELECT bundle_id, change_from, change_to FROM sync_outgoing WHERE seq = ?",
                (seq,),
            ).fetchone()
            # Referrals that left with this bundle are synced (a real change: the coordinator
            # learns it with the next bundle). Referral documents themselves never change.
            self.conn.execute(
                "UPDATE referrals SET status = 'synced', revision = revision + 1, updated_at = ?"
                " WHERE deleted = 0 AND status IN ('final', 'queued') AND uuid IN ("
                " SELECT uuid FROM sync_changes WHERE kind = 'referral'"
                " AND change_no BETWEEN ? AND ?)",
                (now_iso(), change_from, change_to),
            )
            audit.append(self.conn, self.vault.actor, "export", "bundle", bundle_id)

    def drop_reservation(self, seq: int) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "DELETE FROM sync_outgoing WHERE seq = ? AND status = 'reserved'", (seq,)
            )

    # -- coordinator side: incoming ledger ----------------------------------------------

    def incoming(self, device_id: str, seq: int) -> tuple[str, str] | None:
        """(bundle_sha256, bundle_id) of the imported bundle ``seq`` of a device."""
        return self.conn.execute(
            "SELECT bundle_sha256, bundle_id FROM sync_incoming WHERE device_id = ? AND seq = ?",
            (device_id, seq),
        ).fetchone()

    def next_prev_hash(self, device_id: str, seq: int) -> str | None:
        """The ``prev_bundle_sha256`` that imported bundle ``seq`` of a device names."""
        row = self.conn.execute(
            "SELECT prev_bundle_sha256 FROM sync_incoming WHERE device_id = ? AND seq = ?",
            (device_id, seq),
        ).fetchone()
        return None if row is None else row[0]

    def missing_seqs(self, device_id: str, below: int) -> list[int]:
        """Sequence numbers under ``below`` of a device that were neither imported nor covered
        by a bundle that re-sent them."""
        covered: set[int] = set()
        for seq, resends in self.conn.execute(
            "SELECT seq, resends FROM sync_incoming WHERE device_id = ?", (device_id,)
        ):
            covered.add(seq)
            covered.update(json.loads(resends))
        return [seq for seq in range(1, below) if seq not in covered]

    def device_summary(self) -> list[tuple[Device, int, int, list[int]]]:
        """Each device with its bundles imported, its highest seq and the seqs missing."""
        result = []
        for device in self.devices():
            count, highest = self.conn.execute(
                "SELECT count(*), coalesce(max(seq), 0) FROM sync_incoming WHERE device_id = ?",
                (device.device_id,),
            ).fetchone()
            result.append((device, count, highest, self.missing_seqs(device.device_id, highest)))
        return result

    def record_alarm(
        self, device_id: str, seq: int, kind: str, bundle_sha256: str, detail: str = ""
    ) -> None:
        with transaction(self.conn):
            exists = self.conn.execute(
                "SELECT 1 FROM sync_alarms WHERE device_id = ? AND seq = ? AND kind = ?"
                " AND bundle_sha256 = ?",
                (device_id, seq, kind, bundle_sha256),
            ).fetchone()
            if exists:
                return
            self.conn.execute(
                "INSERT INTO sync_alarms (at, device_id, seq, kind, bundle_sha256, detail)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (now_iso(), device_id, seq, kind, bundle_sha256, detail),
            )
            audit.append(self.conn, self.vault.actor, "alarm", "bundle", None)

    def alarms(self, *, open_only: bool = False) -> list[Alarm]:
        """Alarms, oldest first; ``open_only``: those nobody has looked into yet."""
        where = "WHERE acknowledged_at IS NULL" if open_only else ""
        return [
            Alarm(*row)
            for row in self.conn.execute(
                "SELECT id, at, device_id, seq, kind, detail, acknowledged_at, acknowledged_by"
                f" FROM sync_alarms {where} ORDER BY id"
            )
        ]

    def acknowledge_alarm(self, alarm_id: int) -> None:
        """Someone looked into it: it leaves the list of open alarms (and stays on record)."""
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE sync_alarms SET acknowledged_at = ?, acknowledged_by = ?"
                " WHERE id = ? AND acknowledged_at IS NULL",
                (now_iso(), self.vault.actor, alarm_id),
            )
            audit.append(self.conn, self.vault.actor, "acknowledge", "alarm", None)

    def conflicts(self, *, open_only: bool = True) -> list[Conflict]:
        where = "WHERE resolved_at IS NULL" if open_only else ""
        return [
            Conflict(*row[:8], json.loads(row[8]), *row[9:])
            for row in self.conn.execute(
                "SELECT id, record_kind, record_uuid, device_id, bundle_id, seq, local_revision,"
                " field_revision, field_record, detected_at, resolved_at, resolution"
                f" FROM sync_conflicts {where} ORDER BY id"
            )
        ]

    def conflict_differences(self, conflict: Conflict) -> list[tuple[str, Any, Any]]:
        """(column, value here, value from the field) for each column that differs, the
        bookkeeping columns left out; the record's content is not copied anywhere."""
        columns = RECORD_COLUMNS[conflict.record_kind]
        local = self.conn.execute(
            f"SELECT {', '.join(columns)} FROM {TABLES[conflict.record_kind]} WHERE uuid = ?",
            (conflict.record_uuid,),
        ).fetchone()
        if local is None:
            return []
        skip = {"uuid", "created_at", "updated_at", "origin_device", "revision"}
        return [
            (name, here, conflict.field_record.get(name))
            for name, here in zip(columns, local, strict=True)
            if name not in skip and here != conflict.field_record.get(name)
        ]

    def take_field_version(self, conflict_id: int) -> None:
        """Resolve a conflict for the field: its version replaces the coordinator's edit (the
        search index and outcomes follow), and the conflict is closed as ``took_field``."""
        row = self.conn.execute(
            "SELECT record_kind, record_uuid, field_record, field_content, seq FROM"
            " sync_conflicts WHERE id = ? AND resolved_at IS NULL",
            (conflict_id,),
        ).fetchone()
        if row is None:
            return
        kind, record_uuid, field_record, content, seq = row
        columns = RECORD_COLUMNS[kind]
        values = json.loads(field_record)
        record = [values[name] for name in columns]
        with transaction(self.conn):
            self._update_record(kind, record, content, seq)
            _SearchWriter(self.conn).reindex(kind, columns, record)
            outcomes_store.mark_stale(self.conn, _visits_touched({kind: [record]}))
            self.conn.execute(
                "UPDATE sync_conflicts SET resolved_at = ?, resolution = 'took_field' WHERE id = ?",
                (now_iso(), conflict_id),
            )
            audit.append(self.conn, self.vault.actor, "update", kind, record_uuid)
            audit.append(self.conn, self.vault.actor, "resolve", "conflict", None)

    def resolve_conflict(self, conflict_id: int, resolution: str) -> None:
        """Mark a conflict handled (``kept_local`` or ``noted``); the field version stays in
        the conflicts table for reference."""
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE sync_conflicts SET resolved_at = ?, resolution = ? WHERE id = ?"
                " AND resolved_at IS NULL",
                (now_iso(), resolution, conflict_id),
            )
            audit.append(self.conn, self.vault.actor, "resolve", "conflict", None)

    def provenance(self, kind: str, record_uuid: str) -> dict[str, Any] | None:
        """Device, inspector, agency and bundle of an imported record (None for own records)."""
        row = self.conn.execute(
            f"SELECT r.origin_device, r.sync_seq, r.sync_revision, d.inspector, d.agency,"
            f" i.bundle_id, i.imported_at FROM {TABLES[kind]} r"
            " LEFT JOIN sync_devices d ON d.device_id = r.origin_device"
            " LEFT JOIN sync_incoming i ON i.device_id = r.origin_device AND i.seq = r.sync_seq"
            " WHERE r.uuid = ? AND r.sync_seq IS NOT NULL",
            (record_uuid,),
        ).fetchone()
        if row is None:
            return None
        names = ("device_id", "seq", "revision", "inspector", "agency", "bundle_id", "imported_at")
        return dict(zip(names, row, strict=True))

    # -- coordinator notes -----------------------------------------------------------------

    def add_note(self, record_kind: str, record_uuid: str, body: str) -> str:
        note_uuid = new_id()
        now = now_iso()
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO coordinator_notes (uuid, record_kind, record_uuid, body, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (note_uuid, record_kind, record_uuid, body, now, now),
            )
            audit.append(self.conn, self.vault.actor, "create", "coordinator_note", note_uuid)
        return note_uuid

    def notes(self, record_uuid: str) -> list[tuple[str, str, str]]:
        """(uuid, body, updated_at) of the coordinator's notes on a record, oldest first."""
        return self.conn.execute(
            "SELECT uuid, body, updated_at FROM coordinator_notes WHERE record_uuid = ?"
            " ORDER BY created_at",
            (record_uuid,),
        ).fetchall()

    # -- coordinator side: applying a verified bundle ------------------------------------

    def apply_bundle(self, bundle: Any) -> ApplyCounts:
        """One transaction: every record upserted by (uuid, revision), the field's audit
        entries, the ledger row (UNIQUE (device_id, seq)) and our own audit entry. ``bundle`` is
        a :class:`fieldapp.sync.bundle.VerifiedBundle`. Raises (and rolls back) on any error;
        a foreign-key failure at commit raises ``sqlcipher3.IntegrityError``."""
        manifest = bundle.manifest
        device_id, seq = manifest["device_id"], manifest["seq"]
        counts = ApplyCounts.empty()
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Children may arrive in the same bundle as their parents, in any order.
            conn.execute("PRAGMA defer_foreign_keys = ON")
            self._check_parents(device_id, bundle.records)  # before anything is written
            conn.execute(
                "INSERT INTO sync_incoming (device_id, seq, bundle_id, bundle_sha256,"
                " prev_bundle_sha256, created_utc, resends, counts, imported_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    device_id,
                    seq,
                    manifest["bundle_id"],
                    bundle.bundle_sha256,
                    manifest["prev_bundle_sha256"],
                    manifest["created_utc"],
                    json.dumps(manifest["resends"]),
                    json.dumps(manifest["counts"], sort_keys=True),
                    now_iso(),
                ),
            )
            target = _Target(device_id, seq, manifest["bundle_id"], counts, _SearchWriter(conn))
            for kind in RECORD_KINDS:
                rows = bundle.records.get(kind)
                if rows:
                    contents = bundle.contents if kind == "attachment" else {}
                    self._apply_kind(kind, rows, contents, target)
            outcomes_store.mark_stale(conn, _visits_touched(bundle.records))
            counts.audit_entries = self._apply_field_audit(
                device_id, manifest["bundle_id"], bundle.records.get("audit", [])
            )
            audit.append(conn, self.vault.actor, "import", "bundle", manifest["bundle_id"])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return counts

    def _check_parents(self, device_id: str, records: dict[str, list[list[Any]]]) -> None:
        """Every parent a record names is in the bundle or here with ``device_id`` as its
        origin; raises ForeignParent (nothing is written: the caller rolls back). A parent
        nowhere here is left to the foreign keys at commit (a missing bundle), except for the
        links without one (attachment owners, a referral's persons)."""
        in_bundle = {kind: set(map(itemgetter(0), rows)) for kind, rows in records.items()}
        # parent kind -> the ids named that are not in the bundle
        named: dict[str, set[str]] = {}
        unchecked: set[tuple[str, str]] = set()  # (kind, id) without a foreign key
        for kind, links in PARENTS.items():
            rows = records.get(kind)
            if not rows:
                continue
            columns = RECORD_COLUMNS[kind]
            for column, parent_kind in links:
                ids = set(map(itemgetter(columns.index(column)), rows))
                ids.discard(None)
                outside = ids - in_bundle.get(parent_kind, set())
                if outside:
                    named.setdefault(parent_kind, set()).update(outside)
        for _kind, _record, parent_kind, parent_uuid in self._loose_links(records):
            if parent_uuid not in in_bundle.get(parent_kind, set()):
                named.setdefault(parent_kind, set()).add(parent_uuid)
                unchecked.add((parent_kind, parent_uuid))
        for parent_kind, ids in named.items():
            found = dict(
                self.conn.execute(
                    f"SELECT uuid, origin_device FROM {TABLES[parent_kind]}"
                    " WHERE uuid IN (SELECT value FROM json_each(?))",
                    (_json_ids(sorted(ids)),),
                ).fetchall()
            )
            foreign = {uuid for uuid, origin in found.items() if origin != device_id}
            missing = {
                uuid for uuid in ids if uuid not in found and (parent_kind, uuid) in unchecked
            }
            for parent_uuid in sorted(foreign | missing):
                kind, record_uuid = self._child_naming(records, parent_kind, parent_uuid)
                origin = self.conn.execute(
                    f"SELECT origin_device FROM {TABLES[kind]} WHERE uuid = ?", (record_uuid,)
                ).fetchone()
                if origin is not None and origin[0] != device_id:
                    raise ForeignRecord(kind, record_uuid)  # the record itself is not its own
                raise ForeignParent(
                    kind, record_uuid, parent_kind if parent_uuid in foreign else None, parent_uuid
                )

    @staticmethod
    def _loose_links(records: dict[str, list[list[Any]]]) -> Iterator[tuple[str, str, str, str]]:
        """(kind, record id, parent kind, parent id) of the links no foreign key holds."""
        columns = RECORD_COLUMNS["attachment"]
        owner_kind, owner_uuid = columns.index("owner_kind"), columns.index("owner_uuid")
        for row in records.get("attachment", ()):
            yield "attachment", row[0], _ATTACHMENT_OWNERS[row[owner_kind]], row[owner_uuid]
        persons_at = RECORD_COLUMNS["referral"].index("person_uuids")
        for row in records.get("referral", ()):
            for person_uuid in json.loads(row[persons_at]):
                yield "referral", row[0], "person", person_uuid

    @classmethod
    def _child_naming(
        cls, records: dict[str, list[list[Any]]], parent_kind: str, parent_uuid: str
    ) -> tuple[str, str]:
        """(kind, id) of the first record of the bundle that names this parent."""
        for kind, links in PARENTS.items():
            columns = RECORD_COLUMNS[kind]
            for column, linked_kind in links:
                if linked_kind != parent_kind:
                    continue
                at = columns.index(column)
                for row in records.get(kind, ()):
                    if row[at] == parent_uuid:
                        return kind, row[0]
        for kind, record_uuid, linked_kind, linked_uuid in cls._loose_links(records):
            if (linked_kind, linked_uuid) == (parent_kind, parent_uuid):
                return kind, record_uuid
        raise LookupError(parent_uuid)

    def _apply_kind(
        self, kind: str, rows: list[list[Any]], contents: dict[str, bytes], target: _Target
    ) -> None:
        device_id, seq, counts, search = target.device_id, target.seq, target.counts, target.search
        conn = self.conn
        table = TABLES[kind]
        columns = RECORD_COLUMNS[kind]
        revision_at = columns.index("revision")
        # Which of these records exist here already: one query, the ids as one JSON array.
        existing: dict[str, tuple[int, int | None, str]] = {
            uuid: (revision, sync_revision, origin)
            for uuid, revision, sync_revision, origin in conn.execute(
                f"SELECT uuid, revision, sync_revision, origin_device FROM {table}"
                " WHERE uuid IN (SELECT value FROM json_each(?))",
                (_json_ids(map(itemgetter(0), rows)),),
            )
        }
        fresh: list[list[Any]] = [] if existing else rows  # all new: the common case
        for row in rows if existing else ():
            found = existing.get(row[0])
            if found is None:
                fresh.append(row)
                continue
            local_revision, sync_revision, origin = found
            if origin != device_id or sync_revision is None:
                raise ForeignRecord(kind, row[0])
            incoming_revision = row[revision_at]
            if local_revision == sync_revision:  # untouched here since it was imported
                if incoming_revision > local_revision:
                    self._update_record(kind, row, contents.get(row[0]), seq)
                    search.reindex(kind, columns, row)
                    counts.add(counts.updated, kind)
                else:
                    counts.add(counts.unchanged, kind)
            elif incoming_revision > sync_revision:  # changed here and in the field
                if self._record_conflict(kind, row, contents.get(row[0]), target, local_revision):
                    counts.add(counts.conflicts, kind)
                else:
                    counts.add(counts.unchanged, kind)
            else:
                counts.add(counts.unchanged, kind)
        if fresh:
            names = ", ".join((*columns, "sync_seq", "sync_revision"))
            if kind == "attachment":
                marks = ", ".join("?" for _ in range(len(columns) + 3))
                conn.executemany(
                    f"INSERT INTO {table} ({names}, content) VALUES ({marks})",
                    ((*row, seq, row[revision_at], contents.get(row[0])) for row in fresh),
                )
            else:
                # The rows as they are (no copy per row): sync_revision is the row's own
                # revision parameter again, sync_seq the bundle's (a checked int) as a literal.
                marks = ", ".join(f"?{number}" for number in range(1, len(columns) + 1))
                conn.executemany(
                    f"INSERT INTO {table} ({names}) VALUES"
                    f" ({marks}, {int(seq)}, ?{revision_at + 1})",
                    fresh,
                )
            search.index_rows(kind, columns, fresh)
            counts.add(counts.inserted, kind, len(fresh))

    def _update_record(self, kind: str, row: list[Any], content: bytes | None, seq: int) -> None:
        """Set only the columns that differ (the referral triggers refuse a write to a final
        referral's fixed columns even when the value stays the same)."""
        table = TABLES[kind]
        columns = RECORD_COLUMNS[kind]
        select = ", ".join(columns) + (", content" if kind == "attachment" else "")
        local = self.conn.execute(
            f"SELECT {select} FROM {table} WHERE uuid = ?",
            (row[0],),
        ).fetchone()
        incoming = list(row) + ([content] if kind == "attachment" else [])
        names = [*columns, "content"] if kind == "attachment" else list(columns)
        changes = {
            name: value
            for name, value, old in zip(names, incoming, local, strict=True)
            if value != old and name != "uuid"
        }
        revision = row[columns.index("revision")]
        changes["sync_seq"] = seq
        changes["sync_revision"] = revision
        assignments = ", ".join(f"{name} = ?" for name in changes)
        self.conn.execute(
            f"UPDATE {table} SET {assignments} WHERE uuid = ?",
            (*changes.values(), row[0]),
        )

    def _record_conflict(
        self,
        kind: str,
        row: list[Any],
        content: bytes | None,
        target: _Target,
        local_revision: int,
    ) -> bool:
        """Keep the field version beside the coordinator's; once per (record, revision)."""
        columns = RECORD_COLUMNS[kind]
        field_revision = row[columns.index("revision")]
        known = self.conn.execute(
            "SELECT 1 FROM sync_conflicts WHERE record_uuid = ? AND field_revision = ?",
            (row[0], field_revision),
        ).fetchone()
        if known:
            return False
        self.conn.execute(
            "INSERT INTO sync_conflicts (record_kind, record_uuid, device_id, bundle_id, seq,"
            " local_revision, field_revision, field_record, field_content, detected_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                row[0],
                target.device_id,
                target.bundle_id,
                target.seq,
                local_revision,
                field_revision,
                json.dumps(dict(zip(columns, row, strict=True)), ensure_ascii=False),
                content,
                now_iso(),
            ),
        )
        return True

    def _apply_field_audit(self, device_id: str, bundle_id: str, rows: list[list[Any]]) -> int:
        """Store the entries not held yet, one row per consecutive run."""
        held = self.conn.execute(
            "SELECT first_seq, last_seq FROM sync_field_audit WHERE device_id = ?", (device_id,)
        ).fetchall()
        rows = sorted(rows, key=itemgetter(0))
        if held:
            rows = [row for row in rows if not any(low <= row[0] <= high for low, high in held)]
        runs: list[list[list[Any]]] = []
        if rows and rows[-1][0] - rows[0][0] + 1 == len(rows):
            runs.append(rows)  # consecutive (sorted, distinct seqs): one run
        else:
            for row in rows:
                if runs and runs[-1][-1][0] + 1 == row[0]:
                    runs[-1].append(row)
                else:
                    runs.append([row])
        self.conn.executemany(
            "INSERT INTO sync_field_audit (device_id, first_seq, last_seq, first_hash, last_hash,"
            " bundle_id, entries) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    device_id,
                    run[0][0],
                    run[-1][0],
                    bytes.fromhex(run[0][6]),
                    bytes.fromhex(run[-1][6]),
                    bundle_id,
                    zlib.compress(msgspec.json.encode([entry[:6] for entry in run]), 1),
                )
                for run in runs
            ),
        )
        return len(rows)

    def field_audit_entries(self, device_id: str) -> list[list[Any]]:
        """Every audit entry of a device held here, in order, each with its hash (hex),
        recomputed along the chain from the first hash of its run."""
        entries: list[list[Any]] = []
        for first_hash, blob in self.conn.execute(
            "SELECT first_hash, entries FROM sync_field_audit WHERE device_id = ?"
            " ORDER BY first_seq",
            (device_id,),
        ):
            digest = bytes(first_hash)
            for index, (seq, at, actor, action, kind, uuid) in enumerate(
                json.loads(zlib.decompress(blob))
            ):
                if index:
                    digest = audit.entry_hash(
                        digest, seq=seq, at=at, actor=actor, action=action, kind=kind, uuid=uuid
                    )
                entries.append([seq, at, actor, action, kind, uuid, digest.hex()])
        return entries

    def field_audit_hash(self, device_id: str, seq: int) -> str | None:
        """The hash of a device's audit entry ``seq``, if the coordinator holds it."""
        row = self.conn.execute(
            "SELECT last_seq, last_hash FROM sync_field_audit WHERE device_id = ?"
            " AND first_seq <= ? AND last_seq >= ?",
            (device_id, seq, seq),
        ).fetchone()
        if row is None:
            return None
        if row[0] == seq:
            return bytes(row[1]).hex()
        return next(e[6] for e in self.field_audit_entries(device_id) if e[0] == seq)


def _json_ids(ids: Iterable[str]) -> str:
    """Record ids as one JSON array (for ``json_each``), encoded in C."""
    return msgspec.json.encode(list(ids)).decode("ascii")


def _visits_touched(records: dict[str, Any]) -> set[str]:
    """Visits whose persons or observations a bundle brings: their outcomes are stale."""
    touched = set(map(itemgetter(0), records.get("visit", ())))
    for kind in ("person", "observation"):
        at = RECORD_COLUMNS[kind].index("visit_uuid")
        touched.update(map(itemgetter(at), records.get(kind, ())))
    return touched


@dataclass(frozen=True, slots=True)
class _Target:
    """The bundle being applied: where its records come from and what applying them did."""

    device_id: str
    seq: int
    bundle_id: str
    counts: ApplyCounts
    search: _SearchWriter


class _SearchWriter:
    """The search index rows of imported records, as Store._index writes them (same body
    text per kind, same search_rows ids), in bulk."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # Per kind: (text column, visit id column), as Store._index uses them.
    _TEXT_AT: ClassVar[dict[str, tuple[int, int]]] = {
        kind: (RECORD_COLUMNS[kind].index(text), RECORD_COLUMNS[kind].index(visit))
        for kind, text, visit in (
            ("visit", "notes", "uuid"),
            ("person", "notes", "visit_uuid"),
            ("observation", "note", "visit_uuid"),
        )
    }
    _DELETED_AT = 5

    @classmethod
    def _body(
        cls, kind: str, columns: Sequence[str], row: Sequence[Any]
    ) -> tuple[str | None, str | None]:
        """(body, visit_uuid) of a record; no body for tombstones and textless kinds. A site's
        body is its name, trade name, address and municipality, as Store._site_text joins
        them."""
        if row[cls._DELETED_AT]:
            return None, None
        positions = cls._TEXT_AT.get(kind)
        if positions is not None:
            return row[positions[0]], row[positions[1]]
        if kind != "site":
            return None, None
        values = dict(zip(columns, row, strict=True))
        address = Address(values["street"], values["number"], values["postcode"], values["place"])
        parts: Iterable[str | None] = (
            values["name"],
            values["trade_name"],
            address.one_line(),
            values["municipality"],
        )
        return " ".join(part for part in parts if part) or None, None

    def index_new(self, kind: str, columns: Sequence[str], row: Sequence[Any]) -> None:
        body, visit_uuid = self._body(kind, columns, row)
        if body:
            self._insert(kind, row[0], visit_uuid, body)

    def index_rows(self, kind: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """:meth:`index_new` for many new records; rows without text are passed over in one
        comprehension (most observations have no note)."""
        positions = self._TEXT_AT.get(kind)
        if positions is not None:
            text_at, deleted_at = positions[0], self._DELETED_AT
            rows = [row for row in rows if row[text_at] and not row[deleted_at]]
        elif kind != "site":
            return
        for row in rows:
            self.index_new(kind, columns, row)

    def reindex(self, kind: str, columns: Sequence[str], row: Sequence[Any]) -> None:
        found = self.conn.execute(
            "SELECT rowid FROM search_rows WHERE record_uuid = ?", (row[0],)
        ).fetchone()
        if found is not None:
            self.conn.execute("DELETE FROM search_index WHERE rowid = ?", (found[0],))
            self.conn.execute("DELETE FROM search_rows WHERE rowid = ?", (found[0],))
        self.index_new(kind, columns, row)

    def _insert(self, kind: str, record_uuid: str, visit_uuid: str | None, body: str) -> None:
        cursor = self.conn.execute(
            "INSERT INTO search_rows (record_uuid) VALUES (?)", (record_uuid,)
        )
        self.conn.execute(
            "INSERT INTO search_index (rowid, body, visit_uuid, record_kind, record_uuid)"
            " VALUES (?, ?, ?, ?, ?)",
            (cursor.lastrowid, body, visit_uuid, kind, record_uuid),
        )


_OUTGOING_COLUMNS = (
    "seq, bundle_id, status, prev_bundle_sha256, bundle_sha256, change_from, change_to,"
    " audit_from, audit_to, resends, file_name, counts, reserved_at, exported_at"
)


def _outgoing(row: tuple[Any, ...]) -> Outgoing:
    values = list(row)
    values[9] = tuple(json.loads(values[9]))
    values[11] = json.loads(values[11])
    return Outgoing(*values)
