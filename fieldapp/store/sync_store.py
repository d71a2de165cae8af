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
from typing import Any, ClassVar, NamedTuple

import msgspec

from fieldapp.clock import now_iso
from fieldapp.domain import Address
from fieldapp.ids import new_id
from fieldapp.store import drafts_store, outcomes_store
from fieldapp.store.rows import (
    fetch_all,
    fetch_columns,
    fetch_each,
    fetch_one,
    fetch_value,
    select_list,
)
from fieldapp.store.store import META_COLUMNS, SELECTED_COLUMNS
from fieldapp.vault import audit
from fieldapp.vault.connection import Connection, transaction
from fieldapp.vault.vault import Vault

# The columns a bundle carries for each kind of record (format fieldapp-bundle-v1): every
# column of the table except the attachment content (sent as its own frame) and the
# coordinator-side provenance columns. Tests keep this equal to the tables and pin its order
# (store.py's row types; tests/core/test_store_rows.py).
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

# Where every kind's bundle row holds its id and its tombstone flag (see META_COLUMNS).
_UUID_AT = META_COLUMNS.index("uuid")
_DELETED_AT = META_COLUMNS.index("deleted")
_RECORD_UUID = itemgetter(_UUID_AT)


class AuditRow(NamedTuple):
    """One entry of the audit log as a bundle carries it (in this order)."""

    seq: int
    at: str
    actor: str
    action: str
    record_kind: str
    record_uuid: str | None
    hash: bytes


AUDIT_COLUMNS: tuple[str, ...] = AuditRow._fields
# Where a bundle's audit entry (a list in AUDIT_COLUMNS order) holds its seq and its hash (the
# last column: what comes before it is the entry as sync_field_audit keeps it).
_AUDIT_SEQ = AUDIT_COLUMNS.index("seq")
_AUDIT_HASH = AUDIT_COLUMNS.index("hash")
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
    reply_recipient: str | None = None  # its age recipient for replies, from its manifests
    reply_recipient_at: str | None = None  # when the coordinator learned that one
    # The coordinator card (fingerprint) the device trusts, as its newest bundle named it (or
    # the one it enrolled with): after a key renewal, its replies are signed with that key.
    coordinator_fingerprint: str | None = None


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
        value = fetch_value(self.conn, "SELECT value FROM sync_keys WHERE name = ?", (name,))
        return None if value is None else str(value)

    def add_keys(self, values: dict[str, str]) -> bool:
        """Store new keys in one transaction; False (nothing stored) if any already exists."""
        with transaction(self.conn):
            marks = ",".join("?" for _ in values)
            found = fetch_value(
                self.conn, f"SELECT count(*) FROM sync_keys WHERE name IN ({marks})", tuple(values)
            )
            if found:
                return False
            now = now_iso()
            self.conn.executemany(
                "INSERT INTO sync_keys (name, value, created_at) VALUES (?, ?, ?)",
                [(name, value, now) for name, value in values.items()],
            )
            audit.append(self.conn, self.vault.actor, "create", "sync_key", None)
        return True

    def keys_named(self, prefix: str) -> dict[str, str]:
        """Every key whose name starts with ``prefix`` (retired coordinator keys)."""
        return {
            row.name: row.value
            for row in fetch_each(
                self.conn,
                _KeyRow,
                "SELECT name, value FROM sync_keys WHERE substr(name, 1, ?) = ? ORDER BY name",
                (len(prefix), prefix),
            )
        }

    def renew_keys(self, retired: dict[str, str], new: dict[str, str], renewal: Renewal) -> None:
        """Coordinator: in one transaction, keep the old keys under their retired names,
        replace the current ones and record the renewal (the new card signed by the old
        key)."""
        with transaction(self.conn):
            now = now_iso()
            self.conn.executemany(
                "INSERT INTO sync_keys (name, value, created_at) VALUES (?, ?, ?)",
                [(name, value, now) for name, value in retired.items()],
            )
            for name, value in new.items():
                cursor = self.conn.execute(
                    "UPDATE sync_keys SET value = ?, created_at = ? WHERE name = ?",
                    (value, now, name),
                )
                if cursor.rowcount != 1:
                    raise RuntimeError("a coordinator key to renew is missing")
            _add_renewal(self.conn, renewal)
            audit.append(self.conn, self.vault.actor, "renew", "sync_key", None)

    def renewals(self) -> list[Renewal]:
        return fetch_all(
            self.conn,
            Renewal,
            f"SELECT {select_list(Renewal)} FROM sync_key_renewals ORDER BY id",
        )

    # -- field side: the trusted coordinator -----------------------------------------------

    def trusted_coordinator(self) -> TrustedCoordinator | None:
        row = fetch_one(
            self.conn,
            _TrustedCoordinatorRow,
            f"SELECT {select_list(_TrustedCoordinatorRow)} FROM sync_coordinator WHERE id = 1",
        )
        return None if row is None else _trusted_coordinator(row)

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
        row = fetch_one(
            self.conn,
            _DeviceRow,
            f"SELECT {_DEVICE_COLUMNS} FROM sync_devices WHERE device_id = ?",
            (device_id,),
        )
        return None if row is None else _device(row)

    def devices(self) -> list[Device]:
        return [
            _device(row)
            for row in fetch_each(
                self.conn,
                _DeviceRow,
                f"SELECT {_DEVICE_COLUMNS} FROM sync_devices ORDER BY enrolled_at, device_id",
            )
        ]

    def find_devices(self, fragment: str) -> list[Device]:
        """Devices whose id is ``fragment`` or ends with it (at least 6 characters)."""
        fragment = fragment.strip().lower()
        if len(fragment) < 6:
            return []
        return [
            _device(row)
            for row in fetch_each(
                self.conn,
                _DeviceRow,
                f"SELECT {_DEVICE_COLUMNS} FROM sync_devices WHERE device_id = ? OR"
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
        coordinator_fingerprint: str | None = None,
    ) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO sync_devices (device_id, signing_key, fingerprint, inspector, agency,"
                " request, enrolled_at, coordinator_fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    device_id,
                    signing_key,
                    fingerprint,
                    inspector,
                    agency,
                    request,
                    now_iso(),
                    coordinator_fingerprint,
                ),
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
        return int(fetch_value(self.conn, "SELECT coalesce(max(change_no), 0) FROM sync_changes"))

    def last_audit_seq(self) -> int:
        return int(fetch_value(self.conn, "SELECT coalesce(max(seq), 0) FROM audit_log"))

    def outgoing(self, status: str | None = None) -> list[Outgoing]:
        where, params = ("WHERE status = ?", (status,)) if status else ("", ())
        return [
            _outgoing(row)
            for row in fetch_each(
                self.conn,
                _OutgoingRow,
                f"SELECT {_OUTGOING_COLUMNS} FROM sync_outgoing {where} ORDER BY seq",
                params,
            )
        ]

    def outgoing_bundle(self, seq: int) -> Outgoing | None:
        row = fetch_one(
            self.conn,
            _OutgoingRow,
            f"SELECT {_OUTGOING_COLUMNS} FROM sync_outgoing WHERE seq = ?",
            (seq,),
        )
        return None if row is None else _outgoing(row)

    def pending_changes(self) -> int:
        """Records changed since the last successful export (each counted once), as the user
        reads it: "not yet exported".

        Leaves out the referrals an export itself marked ``synced`` (:meth:`mark_exported`).
        That mark is a change the coordinator learns with the next bundle, but the inspector's
        work went out with this one: counting it said "3 changes not yet exported" right after
        a full export, and sent people exporting again for nothing. A synced referral changes
        in no other way but being deleted, which counts again.

        Leaves out, too, what an export would hold back: a visit that holds nothing and was
        never sent, and a blank site used only by such visits (:mod:`drafts_store`, the same
        rule the export applies)."""
        changed = [
            (str(kind), str(uuid))
            for kind, uuid in fetch_columns(
                self.conn,
                ("kind", "uuid"),
                "SELECT DISTINCT kind, uuid FROM sync_changes WHERE change_no > ?"
                " AND NOT (kind = 'referral' AND uuid IN"
                " (SELECT uuid FROM referrals WHERE status = 'synced' AND deleted = 0))",
                (self._export_cursor().change_to,),
            )
        ]
        held = self._held_drafts(
            {u for k, u in changed if k == "visit"}, {u for k, u in changed if k == "site"}
        )
        return sum(1 for kind, uuid in changed if kind not in ("visit", "site") or uuid not in held)

    def _held_drafts(self, visits: set[str], sites: set[str]) -> set[str]:
        """Of these visits and sites, the ids an export would hold back now."""
        if not visits and not sites:
            return set()
        conn = self.conn
        before = drafts_store.HeldBack.read(conn)
        candidates = visits | before.visits
        never_sent = candidates - drafts_store.ever_exported(conn, candidates, before.visits)
        held_visits = drafts_store.holding_nothing(conn, never_sent)
        unsent_sites = sites - drafts_store.ever_exported(conn, sites, before.sites)
        users = drafts_store.visits_at(conn, unsent_sites)
        blank = drafts_store.blank_sites(conn, unsent_sites)
        held_sites = {site for site in blank if users.get(site, set()) <= held_visits}
        return held_visits | held_sites

    def _export_cursor(self) -> _ExportCursor:
        """Where the last regular (not re-sent) exported bundle ended."""
        cursor = fetch_one(
            self.conn,
            _ExportCursor,
            "SELECT coalesce(max(change_to), 0) AS change_to,"
            " coalesce(max(audit_to), 0) AS audit_to FROM sync_outgoing"
            " WHERE status = 'exported' AND resends = '[]'",
        )
        assert cursor is not None  # an aggregate always has its one row
        return _ExportCursor(int(cursor.change_to), int(cursor.audit_to))

    def reserve(self, resend: Sequence[int] = ()) -> Outgoing:
        """Reserve the next seq and the ranges the bundle covers. Call inside a transaction
        (see :meth:`begin`), so the ranges and the records read for them are one snapshot."""
        self.conn.execute("DELETE FROM sync_outgoing WHERE status = 'reserved'")
        last = fetch_one(
            self.conn,
            _LastBundle,
            "SELECT seq, bundle_sha256 FROM sync_outgoing ORDER BY seq DESC LIMIT 1",
        )
        seq, prev = (last.seq + 1, last.bundle_sha256) if last else (1, GENESIS_SHA256)
        if resend:
            marks = ",".join("?" for _ in resend)
            ranges = fetch_one(
                self.conn,
                _Ranges,
                "SELECT min(change_from) AS change_from, max(change_to) AS change_to,"
                " min(audit_from) AS audit_from, max(audit_to) AS audit_to"
                f" FROM sync_outgoing WHERE status = 'exported' AND seq IN ({marks})",
                tuple(resend),
            )
            assert ranges is not None  # an aggregate always has its one row
            change_from, change_to = int(ranges.change_from or 0), int(ranges.change_to or 0)
            audit_from, audit_to = int(ranges.audit_from or 0), int(ranges.audit_to or 0)
        else:
            cursor = self._export_cursor()
            change_from, audit_from = cursor.change_to, cursor.audit_to
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
            fetch_value(
                self.conn,
                "SELECT count(DISTINCT uuid) FROM sync_changes WHERE change_no > ?",
                (change_no,),
            )
        )

    def cut_reservation(self, seq: int, change_to: int, audit_to: int) -> None:
        self.conn.execute(
            "UPDATE sync_outgoing SET change_to = ?, audit_to = ? WHERE seq = ?"
            " AND status = 'reserved'",
            (change_to, audit_to, seq),
        )

    def change_sizes(self, change_from: int, change_to: int) -> Iterator[ChangeSize]:
        """(change_no, rough size in bytes) of each change in the range, in order: attachments
        count their content, other records a fixed estimate."""
        yield from fetch_each(
            self.conn,
            ChangeSize,
            "SELECT c.change_no, CASE WHEN c.kind = 'attachment' THEN"
            " coalesce((SELECT size FROM attachments a WHERE a.uuid = c.uuid), 0) + 1024"
            " ELSE 1024 END AS size FROM sync_changes c WHERE c.change_no > ? AND"
            " c.change_no <= ? ORDER BY c.change_no",
            (change_from, change_to),
        )

    def estimated_size(self, change_from: int, change_to: int) -> int:
        return int(
            fetch_value(
                self.conn,
                "SELECT count(*) * 1024 + coalesce((SELECT sum(a.size) FROM attachments a WHERE"
                " a.uuid IN (SELECT uuid FROM sync_changes WHERE change_no > ?1"
                " AND change_no <= ?2 AND kind = 'attachment')), 0) FROM sync_changes"
                " WHERE change_no > ?1 AND change_no <= ?2",
                (change_from, change_to),
            )
        )

    def changed_records(
        self, kind: str, change_from: int, change_to: int
    ) -> Iterator[tuple[Any, ...]]:
        """Current state of every record of ``kind`` changed in the range: the bundle columns,
        and for attachments the content last."""
        table = TABLES[kind]
        columns = RECORD_COLUMNS[kind] + (("content",) if kind == "attachment" else ())
        yield from fetch_columns(
            self.conn,
            columns,
            f"SELECT {', '.join(columns)} FROM {table} WHERE uuid IN (SELECT uuid FROM"
            " sync_changes WHERE change_no > ? AND change_no <= ? AND kind = ?)"
            " ORDER BY created_at, uuid",
            (change_from, change_to, kind),
        )

    def audit_rows(self, audit_from: int, audit_to: int) -> list[AuditRow]:
        return fetch_all(
            self.conn,
            AuditRow,
            f"SELECT {select_list(AuditRow)} FROM audit_log WHERE seq > ? AND seq <= ?"
            " ORDER BY seq",
            (audit_from, audit_to),
        )

    def mark_exported(self, seq: int, bundle_sha256: str, counts: dict[str, int]) -> None:
        with transaction(self.conn):
            cursor = self.conn.execute(
                "UPDATE sync_outgoing SET status = 'exported', bundle_sha256 = ?, counts = ?,"
                " exported_at = ? WHERE seq = ? AND status = 'reserved'",
                (bundle_sha256, json.dumps(counts, sort_keys=True), now_iso(), seq),
            )
            if cursor.rowcount != 1:
                raise RuntimeError("the reservation of this export is gone")
            exported = fetch_one(
                self.conn,
                _ExportedBundle,
                "SELECT bundle_id, change_from, change_to FROM sync_outgoing WHERE seq = ?",
                (seq,),
            )
            assert exported is not None  # the UPDATE above found it
            # Referrals that left with this bundle are synced (a real change: the coordinator
            # learns it with the next bundle). Referral documents themselves never change.
            self.conn.execute(
                "UPDATE referrals SET status = 'synced', revision = revision + 1, updated_at = ?"
                " WHERE deleted = 0 AND status IN ('final', 'queued') AND uuid IN ("
                " SELECT uuid FROM sync_changes WHERE kind = 'referral'"
                " AND change_no BETWEEN ? AND ?)",
                (now_iso(), exported.change_from, exported.change_to),
            )
            audit.append(self.conn, self.vault.actor, "export", "bundle", exported.bundle_id)

    def drop_reservation(self, seq: int) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "DELETE FROM sync_outgoing WHERE seq = ? AND status = 'reserved'", (seq,)
            )

    # -- coordinator side: incoming ledger ----------------------------------------------

    def incoming(self, device_id: str, seq: int) -> IncomingBundle | None:
        """(bundle_sha256, bundle_id) of the imported bundle ``seq`` of a device."""
        return fetch_one(
            self.conn,
            IncomingBundle,
            "SELECT bundle_sha256, bundle_id FROM sync_incoming WHERE device_id = ? AND seq = ?",
            (device_id, seq),
        )

    def next_prev_hash(self, device_id: str, seq: int) -> str | None:
        """The ``prev_bundle_sha256`` that imported bundle ``seq`` of a device names."""
        value = fetch_value(
            self.conn,
            "SELECT prev_bundle_sha256 FROM sync_incoming WHERE device_id = ? AND seq = ?",
            (device_id, seq),
        )
        return None if value is None else str(value)

    def missing_seqs(self, device_id: str, below: int) -> list[int]:
        """Sequence numbers under ``below`` of a device that were neither imported nor covered
        by a bundle that re-sent them."""
        covered: set[int] = set()
        for row in fetch_each(
            self.conn,
            _Received,
            "SELECT seq, resends FROM sync_incoming WHERE device_id = ?",
            (device_id,),
        ):
            covered.add(row.seq)
            covered.update(json.loads(row.resends))
        return [seq for seq in range(1, below) if seq not in covered]

    def device_summary(self) -> list[tuple[Device, int, int, list[int]]]:
        """Each device with its bundles imported, its highest seq and the seqs missing."""
        result = []
        for device in self.devices():
            received = fetch_one(
                self.conn,
                _ReceivedCount,
                "SELECT count(*) AS bundles, coalesce(max(seq), 0) AS highest"
                " FROM sync_incoming WHERE device_id = ?",
                (device.device_id,),
            )
            assert received is not None  # an aggregate always has its one row
            bundles, highest = int(received.bundles), int(received.highest)
            result.append((device, bundles, highest, self.missing_seqs(device.device_id, highest)))
        return result

    def record_alarm(
        self, device_id: str, seq: int, kind: str, bundle_sha256: str, detail: str = ""
    ) -> None:
        with transaction(self.conn):
            exists = fetch_value(
                self.conn,
                "SELECT 1 FROM sync_alarms WHERE device_id = ? AND seq = ? AND kind = ?"
                " AND bundle_sha256 = ?",
                (device_id, seq, kind, bundle_sha256),
            )
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
            _alarm(row)
            for row in fetch_each(
                self.conn,
                _AlarmRow,
                f"SELECT {select_list(_AlarmRow)} FROM sync_alarms {where} ORDER BY id",
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
            _conflict(row)
            for row in fetch_each(
                self.conn,
                _ConflictRow,
                f"SELECT {select_list(_ConflictRow)} FROM sync_conflicts {where} ORDER BY id",
            )
        ]

    def conflict_differences(self, conflict: Conflict) -> list[tuple[str, Any, Any]]:
        """(column, value here, value from the field) for each column that differs, the
        bookkeeping columns left out; the record's content is not copied anywhere."""
        columns = RECORD_COLUMNS[conflict.record_kind]
        local = next(
            fetch_columns(
                self.conn,
                columns,
                f"SELECT {', '.join(columns)} FROM {TABLES[conflict.record_kind]} WHERE uuid = ?",
                (conflict.record_uuid,),
            ),
            None,
        )
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
        field = fetch_one(
            self.conn,
            _FieldVersion,
            f"SELECT {select_list(_FieldVersion)} FROM sync_conflicts"
            " WHERE id = ? AND resolved_at IS NULL",
            (conflict_id,),
        )
        if field is None:
            return
        kind, record_uuid = field.record_kind, field.record_uuid
        columns = RECORD_COLUMNS[kind]
        values = json.loads(field.field_record)
        record = [values[name] for name in columns]
        with transaction(self.conn):
            self._update_record(kind, record, field.field_content, field.seq)
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
        row = fetch_one(
            self.conn,
            _ProvenanceRow,
            "SELECT r.origin_device AS device_id, r.sync_seq AS seq, r.sync_revision AS revision,"
            " d.inspector, d.agency, i.bundle_id, i.imported_at"
            f" FROM {TABLES[kind]} r"
            " LEFT JOIN sync_devices d ON d.device_id = r.origin_device"
            " LEFT JOIN sync_incoming i ON i.device_id = r.origin_device AND i.seq = r.sync_seq"
            " WHERE r.uuid = ? AND r.sync_seq IS NOT NULL",
            (record_uuid,),
        )
        return None if row is None else row._asdict()

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

    def notes(self, record_uuid: str) -> list[CoordinatorNote]:
        """(uuid, body, updated_at) of the coordinator's notes on a record, oldest first."""
        return fetch_all(
            self.conn,
            CoordinatorNote,
            f"SELECT {select_list(CoordinatorNote)} FROM coordinator_notes WHERE record_uuid = ?"
            " ORDER BY created_at",
            (record_uuid,),
        )

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
            self._learn_reply_recipient(device_id, seq, manifest.get("reply_recipient"))
            self._learn_coordinator(device_id, seq, manifest["coordinator"])
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        return counts

    def _learn_coordinator(self, device_id: str, seq: int, fingerprint: str) -> None:
        """The coordinator card the device's newest bundle named: after a key renewal, the
        device is answered with that card's key until a bundle shows it moved."""
        newest = fetch_value(
            self.conn, "SELECT max(seq) FROM sync_incoming WHERE device_id = ?", (device_id,)
        )
        if newest is not None and int(newest) > seq:
            return
        self.conn.execute(
            "UPDATE sync_devices SET coordinator_fingerprint = ? WHERE device_id = ?",
            (fingerprint, device_id),
        )

    def _learn_reply_recipient(self, device_id: str, seq: int, recipient: str | None) -> None:
        """Keep the reply key a device's signed manifest names (inside the import's
        transaction). A new key replaces the one held, with an audit entry: a device restored
        or reinstalled makes a new one, which is worth a line in the log, not a refusal. An
        older bundle imported late never replaces what a newer one brought."""
        if recipient is None:
            return  # a release before replies
        newest = fetch_value(
            self.conn, "SELECT max(seq) FROM sync_incoming WHERE device_id = ?", (device_id,)
        )
        if newest is not None and int(newest) > seq:
            return
        held = fetch_value(
            self.conn,
            "SELECT reply_recipient FROM sync_devices WHERE device_id = ?",
            (device_id,),
        )
        if held == recipient:
            return
        self.conn.execute(
            "UPDATE sync_devices SET reply_recipient = ?, reply_recipient_at = ?"
            " WHERE device_id = ?",
            (recipient, now_iso(), device_id),
        )
        if held is not None:
            audit.append(self.conn, self.vault.actor, "change", "device_reply_key", device_id)

    def _check_parents(self, device_id: str, records: dict[str, list[list[Any]]]) -> None:
        """Every parent a record names is in the bundle or here with ``device_id`` as its
        origin; raises ForeignParent (nothing is written: the caller rolls back). A parent
        nowhere here is left to the foreign keys at commit (a missing bundle), except for the
        links without one (attachment owners, a referral's persons)."""
        in_bundle = {kind: set(map(_RECORD_UUID, rows)) for kind, rows in records.items()}
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
            found = {
                row.uuid: row.origin_device
                for row in fetch_each(
                    self.conn,
                    _Origin,
                    f"SELECT uuid, origin_device FROM {TABLES[parent_kind]}"
                    " WHERE uuid IN (SELECT value FROM json_each(?))",
                    (_json_ids(sorted(ids)),),
                )
            }
            foreign = {uuid for uuid, origin in found.items() if origin != device_id}
            missing = {
                uuid for uuid in ids if uuid not in found and (parent_kind, uuid) in unchecked
            }
            for parent_uuid in sorted(foreign | missing):
                kind, record_uuid = self._child_naming(records, parent_kind, parent_uuid)
                origin = fetch_value(
                    self.conn,
                    f"SELECT origin_device FROM {TABLES[kind]} WHERE uuid = ?",
                    (record_uuid,),
                )
                if origin is not None and origin != device_id:
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
            owner = _ATTACHMENT_OWNERS[row[owner_kind]]
            yield "attachment", row[_UUID_AT], owner, row[owner_uuid]
        persons_at = RECORD_COLUMNS["referral"].index("person_uuids")
        for row in records.get("referral", ()):
            for person_uuid in json.loads(row[persons_at]):
                yield "referral", row[_UUID_AT], "person", person_uuid

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
                        return kind, row[_UUID_AT]
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
        existing = {
            row.uuid: row
            for row in fetch_each(
                conn,
                _Existing,
                f"SELECT uuid, revision, sync_revision, origin_device FROM {table}"
                " WHERE uuid IN (SELECT value FROM json_each(?))",
                (_json_ids(map(_RECORD_UUID, rows)),),
            )
        }
        fresh: list[list[Any]] = [] if existing else rows  # all new: the common case
        for row in rows if existing else ():
            record_uuid = row[_UUID_AT]
            found = existing.get(record_uuid)
            if found is None:
                fresh.append(row)
                continue
            local_revision, sync_revision = found.revision, found.sync_revision
            if found.origin_device != device_id or sync_revision is None:
                raise ForeignRecord(kind, record_uuid)
            incoming_revision = row[revision_at]
            if local_revision == sync_revision:  # untouched here since it was imported
                if incoming_revision > local_revision:
                    self._update_record(kind, row, contents.get(record_uuid), seq)
                    search.reindex(kind, columns, row)
                    counts.add(counts.updated, kind)
                else:
                    counts.add(counts.unchanged, kind)
            elif incoming_revision > sync_revision:  # changed here and in the field
                content = contents.get(record_uuid)
                if self._record_conflict(kind, row, content, target, local_revision):
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
                    ((*row, seq, row[revision_at], contents.get(row[_UUID_AT])) for row in fresh),
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
        record_uuid = row[_UUID_AT]
        names = (*columns, "content") if kind == "attachment" else columns
        local = next(
            fetch_columns(
                self.conn,
                names,
                f"SELECT {', '.join(names)} FROM {table} WHERE uuid = ?",
                (record_uuid,),
            )
        )
        incoming = list(row) + ([content] if kind == "attachment" else [])
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
            (*changes.values(), record_uuid),
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
        record_uuid = row[_UUID_AT]
        field_revision = row[columns.index("revision")]
        known = fetch_value(
            self.conn,
            "SELECT 1 FROM sync_conflicts WHERE record_uuid = ? AND field_revision = ?",
            (record_uuid, field_revision),
        )
        if known:
            return False
        self.conn.execute(
            "INSERT INTO sync_conflicts (record_kind, record_uuid, device_id, bundle_id, seq,"
            " local_revision, field_revision, field_record, field_content, detected_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                kind,
                record_uuid,
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
        held = fetch_all(
            self.conn,
            _HeldRun,
            "SELECT first_seq, last_seq FROM sync_field_audit WHERE device_id = ?",
            (device_id,),
        )
        seq_of = itemgetter(_AUDIT_SEQ)
        rows = sorted(rows, key=seq_of)
        if held:
            rows = [
                row
                for row in rows
                if not any(run.first_seq <= seq_of(row) <= run.last_seq for run in held)
            ]
        runs: list[list[list[Any]]] = []
        if rows and seq_of(rows[-1]) - seq_of(rows[0]) + 1 == len(rows):
            runs.append(rows)  # consecutive (sorted, distinct seqs): one run
        else:
            for row in rows:
                if runs and seq_of(runs[-1][-1]) + 1 == seq_of(row):
                    runs[-1].append(row)
                else:
                    runs.append([row])
        self.conn.executemany(
            "INSERT INTO sync_field_audit (device_id, first_seq, last_seq, first_hash, last_hash,"
            " bundle_id, entries) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    device_id,
                    seq_of(run[0]),
                    seq_of(run[-1]),
                    bytes.fromhex(run[0][_AUDIT_HASH]),
                    bytes.fromhex(run[-1][_AUDIT_HASH]),
                    bundle_id,
                    zlib.compress(msgspec.json.encode([entry[:_AUDIT_HASH] for entry in run]), 1),
                )
                for run in runs
            ),
        )
        return len(rows)

    def field_audit_entries(self, device_id: str) -> list[list[Any]]:
        """Every audit entry of a device held here, in order, each with its hash (hex),
        recomputed along the chain from the first hash of its run."""
        entries: list[list[Any]] = []
        for run in fetch_each(
            self.conn,
            _StoredRun,
            "SELECT first_hash, entries FROM sync_field_audit WHERE device_id = ?"
            " ORDER BY first_seq",
            (device_id,),
        ):
            digest = bytes(run.first_hash)
            for index, (seq, at, actor, action, kind, uuid) in enumerate(
                json.loads(zlib.decompress(run.entries))
            ):
                if index:
                    digest = audit.entry_hash(
                        digest, seq=seq, at=at, actor=actor, action=action, kind=kind, uuid=uuid
                    )
                entries.append([seq, at, actor, action, kind, uuid, digest.hex()])
        return entries

    def field_audit_hash(self, device_id: str, seq: int) -> str | None:
        """The hash of a device's audit entry ``seq``, if the coordinator holds it."""
        run = fetch_one(
            self.conn,
            _RunEnd,
            "SELECT last_seq, last_hash FROM sync_field_audit WHERE device_id = ?"
            " AND first_seq <= ? AND last_seq >= ?",
            (device_id, seq, seq),
        )
        if run is None:
            return None
        if run.last_seq == seq:
            return bytes(run.last_hash).hex()
        return str(
            next(
                entry[_AUDIT_HASH]
                for entry in self.field_audit_entries(device_id)
                if entry[_AUDIT_SEQ] == seq
            )
        )


def _json_ids(ids: Iterable[str]) -> str:
    """Record ids as one JSON array (for ``json_each``), encoded in C."""
    return msgspec.json.encode(list(ids)).decode("ascii")


def _visits_touched(records: dict[str, Any]) -> set[str]:
    """Visits whose persons or observations a bundle brings: their outcomes are stale."""
    touched = set(map(_RECORD_UUID, records.get("visit", ())))
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

    @classmethod
    def _body(
        cls, kind: str, columns: Sequence[str], row: Sequence[Any]
    ) -> tuple[str | None, str | None]:
        """(body, visit_uuid) of a record; no body for tombstones and textless kinds. A site's
        body is its name, trade name, address and municipality, as Store._site_text joins
        them."""
        if row[_DELETED_AT]:
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
            self._insert(kind, row[_UUID_AT], visit_uuid, body)

    def index_rows(self, kind: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """:meth:`index_new` for many new records; rows without text are passed over in one
        comprehension (most observations have no note)."""
        positions = self._TEXT_AT.get(kind)
        if positions is not None:
            text_at, deleted_at = positions[0], _DELETED_AT
            rows = [row for row in rows if row[text_at] and not row[deleted_at]]
        elif kind != "site":
            return
        for row in rows:
            self.index_new(kind, columns, row)

    def reindex(self, kind: str, columns: Sequence[str], row: Sequence[Any]) -> None:
        rowid = fetch_value(
            self.conn, "SELECT rowid FROM search_rows WHERE record_uuid = ?", (row[_UUID_AT],)
        )
        if rowid is not None:
            self.conn.execute("DELETE FROM search_index WHERE rowid = ?", (rowid,))
            self.conn.execute("DELETE FROM search_rows WHERE rowid = ?", (rowid,))
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


# -- the rows these queries read -------------------------------------------------------------


class IncomingBundle(NamedTuple):
    bundle_sha256: str
    bundle_id: str


class ChangeSize(NamedTuple):
    change_no: int
    size: int  # rough, in bytes


class CoordinatorNote(NamedTuple):
    uuid: str
    body: str
    updated_at: str


class _TrustedCoordinatorRow(NamedTuple):
    coordinator_id: str
    card: str
    fingerprint: str
    trusted_at: str
    requested_at: str | None
    enrolled_at: str | None


class _DeviceRow(NamedTuple):
    device_id: str
    signing_key: str
    fingerprint: str
    inspector: str | None
    agency: str | None
    enrolled_at: str
    revoked_at: str | None
    reply_recipient: str | None
    reply_recipient_at: str | None
    coordinator_fingerprint: str | None


class _KeyRow(NamedTuple):
    name: str
    value: str


class Renewal(NamedTuple):
    """A coordinator key renewal: the new card, signed by the old signing key. On a device,
    ``card`` is the card it moved from (whose key still checks replies that carry the
    renewal)."""

    old_fingerprint: str
    new_fingerprint: str
    card: str
    signature: str
    renewed_at: str


class _OutgoingRow(NamedTuple):
    seq: int
    bundle_id: str
    status: str
    prev_bundle_sha256: str
    bundle_sha256: str | None
    change_from: int
    change_to: int
    audit_from: int
    audit_to: int
    resends: str
    file_name: str | None
    counts: str
    reserved_at: str
    exported_at: str | None


class _AlarmRow(NamedTuple):
    id: int
    at: str
    device_id: str
    seq: int
    kind: str
    detail: str
    acknowledged_at: str | None
    acknowledged_by: str | None


class _ConflictRow(NamedTuple):
    id: int
    record_kind: str
    record_uuid: str
    device_id: str
    bundle_id: str
    seq: int
    local_revision: int
    field_revision: int
    field_record: str
    detected_at: str
    resolved_at: str | None
    resolution: str | None


class _FieldVersion(NamedTuple):
    record_kind: str
    record_uuid: str
    field_record: str
    field_content: bytes | None
    seq: int


class _ProvenanceRow(NamedTuple):
    device_id: str
    seq: int
    revision: int | None
    inspector: str | None
    agency: str | None
    bundle_id: str | None
    imported_at: str | None


class _ExportCursor(NamedTuple):
    change_to: int
    audit_to: int


class _LastBundle(NamedTuple):
    seq: int
    bundle_sha256: str


class _Ranges(NamedTuple):
    change_from: int | None
    change_to: int | None
    audit_from: int | None
    audit_to: int | None


class _ExportedBundle(NamedTuple):
    bundle_id: str
    change_from: int
    change_to: int


class _Received(NamedTuple):
    seq: int
    resends: str


class _ReceivedCount(NamedTuple):
    bundles: int
    highest: int


class _Origin(NamedTuple):
    uuid: str
    origin_device: str


class _Existing(NamedTuple):
    uuid: str
    revision: int
    sync_revision: int | None
    origin_device: str


class _HeldRun(NamedTuple):
    first_seq: int
    last_seq: int


class _StoredRun(NamedTuple):
    first_hash: bytes
    entries: bytes


class _RunEnd(NamedTuple):
    last_seq: int
    last_hash: bytes


_DEVICE_COLUMNS = select_list(_DeviceRow)
_OUTGOING_COLUMNS = select_list(_OutgoingRow)


def _trusted_coordinator(row: _TrustedCoordinatorRow) -> TrustedCoordinator:
    return TrustedCoordinator(
        coordinator_id=row.coordinator_id,
        card=row.card,
        fingerprint=row.fingerprint,
        trusted_at=row.trusted_at,
        requested_at=row.requested_at,
        enrolled_at=row.enrolled_at,
    )


def _add_renewal(conn: Connection, renewal: Renewal) -> None:
    conn.execute(
        "INSERT INTO sync_key_renewals (old_fingerprint, new_fingerprint, card, signature,"
        " renewed_at) VALUES (?, ?, ?, ?, ?)",
        renewal,
    )


def move_to_card(
    conn: Connection, actor: str, card: str, fingerprint: str, moved_from: Renewal
) -> None:
    """Field side, inside a reply's transaction: trust the renewed card (the enrolment
    stays), and keep the card moved from."""
    conn.execute(
        "UPDATE sync_coordinator SET card = ?, fingerprint = ? WHERE id = 1", (card, fingerprint)
    )
    _add_renewal(conn, moved_from)
    audit.append(conn, actor, "renew", "coordinator", None)


def _device(row: _DeviceRow) -> Device:
    return Device(
        device_id=row.device_id,
        signing_key=row.signing_key,
        fingerprint=row.fingerprint,
        inspector=row.inspector,
        agency=row.agency,
        enrolled_at=row.enrolled_at,
        revoked_at=row.revoked_at,
        reply_recipient=row.reply_recipient,
        reply_recipient_at=row.reply_recipient_at,
        coordinator_fingerprint=row.coordinator_fingerprint,
    )


def _outgoing(row: _OutgoingRow) -> Outgoing:
    return Outgoing(
        seq=row.seq,
        bundle_id=row.bundle_id,
        status=row.status,
        prev_bundle_sha256=row.prev_bundle_sha256,
        bundle_sha256=row.bundle_sha256,
        change_from=row.change_from,
        change_to=row.change_to,
        audit_from=row.audit_from,
        audit_to=row.audit_to,
        resends=tuple(json.loads(row.resends)),
        file_name=row.file_name,
        counts=json.loads(row.counts),
        reserved_at=row.reserved_at,
        exported_at=row.exported_at,
    )


def _alarm(row: _AlarmRow) -> Alarm:
    return Alarm(
        id=row.id,
        at=row.at,
        device_id=row.device_id,
        seq=row.seq,
        kind=row.kind,
        detail=row.detail,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
    )


def _conflict(row: _ConflictRow) -> Conflict:
    return Conflict(
        id=row.id,
        record_kind=row.record_kind,
        record_uuid=row.record_uuid,
        device_id=row.device_id,
        bundle_id=row.bundle_id,
        seq=row.seq,
        local_revision=row.local_revision,
        field_revision=row.field_revision,
        field_record=json.loads(row.field_record),
        detected_at=row.detected_at,
        resolved_at=row.resolved_at,
        resolution=row.resolution,
    )
