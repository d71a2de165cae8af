"""All SQL of replies (fieldapp/sync/reply.py, issue 16): what the coordinator tells each device,
and what the device keeps of it.

Coordinator side: per device, the bundles imported (seq and hash), every record it holds from
that device in the revision the device sent (the field copy of a conflict counts: it was kept),
the follow-up of the device's referrals, the revocation list, and a ledger of replies written.

Field side: the replies imported, what arrived per record (the revision the coordinator
stored), the follow-up of this device's referrals (``referral_followup``, the table the
coordinator keeps it in), the revocation list, and per visit whether all of it arrived, is
waiting for confirmation, or was never sent.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from fieldapp.clock import now_iso
from fieldapp.store.drafts_store import HeldBack
from fieldapp.store.rows import (
    fetch_all,
    fetch_each,
    fetch_one,
    fetch_value,
    fetch_values,
    select_list,
)
from fieldapp.store.sync_store import TABLES, Renewal, move_to_card
from fieldapp.vault import audit
from fieldapp.vault.connection import Connection, transaction
from fieldapp.vault.vault import VaultLike

# A record of a visit's tree, with the visit it belongs to: the visit, its site, persons,
# observations, referrals and every attachment hanging on them (referral documents and site
# photos included). A visit has arrived when every one of them did in its current revision.
_TREE = """
    SELECT uuid AS visit_uuid, uuid, revision FROM visits
    UNION ALL SELECT v.uuid, s.uuid, s.revision FROM visits v JOIN sites s ON s.uuid = v.site_uuid
    UNION ALL SELECT visit_uuid, uuid, revision FROM persons
    UNION ALL SELECT visit_uuid, uuid, revision FROM observations
    UNION ALL SELECT visit_uuid, uuid, revision FROM referrals
    UNION ALL SELECT owner_uuid, uuid, revision FROM attachments
        WHERE owner_kind IN ('visit', 'referral')
    UNION ALL SELECT p.visit_uuid, a.uuid, a.revision FROM attachments a
        JOIN persons p ON p.uuid = a.owner_uuid WHERE a.owner_kind = 'person'
    UNION ALL SELECT o.visit_uuid, a.uuid, a.revision FROM attachments a
        JOIN observations o ON o.uuid = a.owner_uuid WHERE a.owner_kind = 'observation'
    UNION ALL SELECT v.uuid, a.uuid, a.revision FROM attachments a
        JOIN visits v ON v.site_uuid = a.owner_uuid WHERE a.owner_kind = 'site'
"""

# Per visit: arrived (every record in its current revision), the latest arrival, and for one
# not arrived whether all its changes left in an exported bundle (waiting) and since when. A
# referral's own "synced" mark is no unsent work (as SyncStore.pending_changes counts it).
_VISIT_STATE = f"""
    WITH tree AS MATERIALIZED ({_TREE}),
    latest AS MATERIALIZED (
        SELECT uuid, max(change_no) AS change_no FROM sync_changes
        WHERE NOT (kind = 'referral' AND uuid IN
            (SELECT uuid FROM referrals WHERE status = 'synced' AND deleted = 0))
        GROUP BY uuid
    ),
    state AS (
        SELECT t.visit_uuid,
            coalesce(a.revision = t.revision, 0) AS arrived,
            a.arrived_at,
            coalesce(l.change_no, 0) AS change_no
        FROM tree t
        LEFT JOIN sync_arrivals a ON a.uuid = t.uuid
        LEFT JOIN latest l ON l.uuid = t.uuid
    ),
    visit_state AS (
        SELECT visit_uuid,
            min(arrived) AS arrived,
            max(arrived_at) AS arrived_at,
            max(change_no) > :cursor AS unsent,
            min(CASE WHEN arrived THEN NULL ELSE change_no END) AS first_waiting
        FROM state GROUP BY visit_uuid
    )
    -- Since when a visit waits: the bundle that carried the earliest of its unconfirmed
    -- changes (one lookup per visit, not per record: 100 bundles x 100k records took 3x).
    SELECT s.visit_uuid, v.site_uuid, v.status, s.arrived, s.arrived_at, s.unsent,
        (SELECT o.exported_at FROM sync_outgoing o WHERE o.status = 'exported'
            AND o.resends = '[]' AND s.first_waiting > o.change_from
            AND s.first_waiting <= o.change_to) AS waiting_since
    FROM visit_state s JOIN visits v ON v.uuid = s.visit_uuid
"""


# A referral that left in a bundle is marked 'synced' on the device (one revision more, sent
# with the next bundle). That note is the device's own, no news to the coordinator: the
# revision the coordinator holds covers it, so a visit with a referral arrives in one round
# trip. A final referral's content never changes (the vault's triggers refuse it); a deletion
# is a real change and is not covered.
_SYNCED_NOTE = (
    "CASE WHEN r.status = 'synced' AND r.deleted = 0 AND r.revision = (j.value ->> 1) + 1"
    " THEN r.revision ELSE j.value ->> 1 END"
)


class VisitState(NamedTuple):
    visit_uuid: str
    site_uuid: str
    status: str
    arrived: int
    arrived_at: str | None
    unsent: int
    waiting_since: str | None


@dataclass(frozen=True, slots=True)
class Holdings:
    """What a field device holds, by visit: arrived (all of it confirmed), waiting (all sent,
    not all confirmed) and not sent yet (drafts and changes since the last export)."""

    arrived: int
    waiting: int
    unsent: int
    oldest_waiting: str | None  # when the oldest unconfirmed bundle was exported
    oldest_arrival: str | None  # the oldest arrival among visits still held


class KnownSite(NamedTuple):
    """A registered business a device may meet: what speeds up the first step of a visit."""

    name: str
    kvk: str
    street: str | None
    number: str | None
    postcode: str | None
    place: str | None
    municipality: str | None
    sector: str


# Never a private household or an unlicensed address (an au pair's host family, a flat where
# sex workers live): only registered businesses (with a KvK number) of other sectors.
PRIVATE_SECTORS = ("domestic_work", "sex_work_unlicensed")


class _SiteMunicipality(NamedTuple):
    municipality: str | None


class InstalledCatalogue(NamedTuple):
    version: str
    content_hash: str
    files: bytes  # zlib-compressed canonical JSON {file name: text}
    coordinator: str  # the fingerprint of the coordinator whose reply (or vault) brought it
    installed_at: str


class ReceivedFollowUp(NamedTuple):
    """What a reply said of one of this device's referrals (never the coordinator's note)."""

    referral_uuid: str
    document_id: str | None
    recipient: str
    status: str
    outcome: str | None
    updated_at: str


class CatalogueArrival(NamedTuple):
    version: str
    coordinator: str  # the fingerprint of the coordinator whose reply (or vault) brought it
    installed_at: str


class ReplyLedgerRow(NamedTuple):
    seq: int
    reply_id: str
    reply_sha256: str
    created_utc: str
    acknowledged_through: int
    counts: str
    imported_at: str


class _Incoming(NamedTuple):
    seq: int
    bundle_sha256: str


class _Held(NamedTuple):
    uuid: str
    revision: int


class _FieldCopy(NamedTuple):
    kind: str
    uuid: str
    revision: int


class _FollowUp(NamedTuple):
    referral_uuid: str
    status: str
    outcome: str | None
    updated_at: str


class _Revoked(NamedTuple):
    device_id: str
    revoked_at: str


class _Written(NamedTuple):
    seq: int
    reply_id: str
    reply_sha256: str
    acknowledged_through: int
    counts: str
    file_name: str
    written_at: str


class ReplyStore:
    def __init__(self, vault: VaultLike) -> None:
        self.vault = vault

    @property
    def conn(self) -> Connection:
        return self.vault.conn

    # -- coordinator side -------------------------------------------------------------------

    def bundles_from(self, device_id: str) -> list[tuple[int, str]]:
        """(seq, bundle_sha256) of every bundle imported from the device, by seq."""
        return [
            (row.seq, row.bundle_sha256)
            for row in fetch_all(
                self.conn,
                _Incoming,
                "SELECT seq, bundle_sha256 FROM sync_incoming WHERE device_id = ? ORDER BY seq",
                (device_id,),
            )
        ]

    def records_from(self, device_id: str) -> dict[str, list[tuple[str, int]]]:
        """Per kind, (uuid, revision) of every record held from the device, in the revision it
        sent: the stored copy's, or a conflict's field copy when that is newer."""
        held: dict[str, dict[str, int]] = {kind: {} for kind in TABLES}
        for kind, table in TABLES.items():
            found = held[kind]
            for row in fetch_each(
                self.conn,
                _Held,
                f"SELECT uuid, sync_revision AS revision FROM {table}"
                " WHERE origin_device = ? AND sync_revision IS NOT NULL",
                (device_id,),
            ):
                found[row.uuid] = row.revision
        for copy in fetch_each(
            self.conn,
            _FieldCopy,
            "SELECT record_kind AS kind, record_uuid AS uuid, max(field_revision) AS revision"
            " FROM sync_conflicts WHERE device_id = ? GROUP BY record_kind, record_uuid",
            (device_id,),
        ):
            if copy.kind in held and copy.revision > held[copy.kind].get(copy.uuid, 0):
                held[copy.kind][copy.uuid] = copy.revision
        return {kind: sorted(found.items()) for kind, found in held.items()}

    def followup_for(self, device_id: str) -> list[tuple[str, str, str | None, str]]:
        """(referral, status, outcome, updated_at) of the device's referrals the coordinator
        followed up; never the coordinator's own note or due date."""
        return [
            (row.referral_uuid, row.status, row.outcome, row.updated_at)
            for row in fetch_each(
                self.conn,
                _FollowUp,
                "SELECT f.referral_uuid, f.status, f.outcome, f.updated_at"
                " FROM referral_followup f JOIN referrals r ON r.uuid = f.referral_uuid"
                " WHERE r.origin_device = ? ORDER BY f.referral_uuid",
                (device_id,),
            )
        ]

    def device_municipalities(self, device_id: str) -> list[str | None]:
        """The municipalities of the sites of the device's own visits (its working area)."""
        return [
            row.municipality
            for row in fetch_each(
                self.conn,
                _SiteMunicipality,
                "SELECT DISTINCT s.municipality FROM visits v JOIN sites s ON s.uuid = v.site_uuid"
                " WHERE v.origin_device = ? AND v.deleted = 0",
                (device_id,),
            )
        ]

    def registered_sites(self, limit: int) -> list[KnownSite]:
        """Every live site with a KvK number outside the private sectors, newest first, one
        per KvK number and address."""
        marks = ", ".join("?" for _ in PRIVATE_SECTORS)
        return fetch_all(
            self.conn,
            KnownSite,
            f"SELECT {select_list(KnownSite)} FROM sites WHERE deleted = 0 AND kvk IS NOT NULL"
            f" AND kvk != '' AND sector NOT IN ({marks})"
            " GROUP BY kvk, postcode, number ORDER BY max(updated_at) DESC, name LIMIT ?",
            (*PRIVATE_SECTORS, limit),
        )

    def revoked_devices(self) -> list[tuple[str, str]]:
        return [
            (row.device_id, row.revoked_at)
            for row in fetch_each(
                self.conn,
                _Revoked,
                "SELECT device_id, revoked_at FROM sync_devices WHERE revoked_at IS NOT NULL"
                " ORDER BY device_id",
            )
        ]

    def reserve_reply(
        self,
        device_id: str,
        reply_id: str,
        file_name: str,
        acknowledged_through: int,
        counts: Mapping[str, int],
    ) -> int:
        """Take the device's next reply seq and record the reply, before its file is written:
        a crash after this leaves a seq without a file (the device accepts the next one), never
        two replies with one seq."""
        with transaction(self.conn):
            seq = int(
                fetch_value(
                    self.conn,
                    "SELECT coalesce(max(seq), 0) + 1 FROM sync_replies_out WHERE device_id = ?",
                    (device_id,),
                )
            )
            self.conn.execute(
                "INSERT INTO sync_replies_out (device_id, seq, reply_id, reply_sha256,"
                " acknowledged_through, counts, file_name, written_at)"
                " VALUES (?, ?, ?, '', ?, ?, ?, ?)",
                (
                    device_id,
                    seq,
                    reply_id,
                    acknowledged_through,
                    json.dumps(dict(counts), sort_keys=True),
                    file_name,
                    now_iso(),
                ),
            )
        return seq

    def finish_reply(self, device_id: str, seq: int, reply_sha256: str) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "UPDATE sync_replies_out SET reply_sha256 = ? WHERE device_id = ? AND seq = ?",
                (reply_sha256, device_id, seq),
            )
            audit.append(self.conn, self.vault.actor, "reply", "device", device_id)

    def drop_reply(self, device_id: str, seq: int) -> None:
        """A reply whose file could not be written: forget its seq (the next one takes it)."""
        with transaction(self.conn):
            self.conn.execute(
                "DELETE FROM sync_replies_out WHERE device_id = ? AND seq = ?", (device_id, seq)
            )

    def replies_to(self, device_id: str) -> list[_Written]:
        return fetch_all(
            self.conn,
            _Written,
            "SELECT seq, reply_id, reply_sha256, acknowledged_through, counts, file_name,"
            " written_at FROM sync_replies_out WHERE device_id = ? ORDER BY seq",
            (device_id,),
        )

    # -- field side -------------------------------------------------------------------------

    def last_reply(self) -> ReplyLedgerRow | None:
        return fetch_one(
            self.conn,
            ReplyLedgerRow,
            "SELECT seq, reply_id, reply_sha256, created_utc, acknowledged_through, counts,"
            " imported_at FROM sync_replies_in ORDER BY seq DESC LIMIT 1",
        )

    def exported_bundles(self) -> dict[int, str]:
        """seq -> bundle_sha256 of every bundle this device exported."""
        return {
            row.seq: row.bundle_sha256
            for row in fetch_each(
                self.conn,
                _Incoming,
                "SELECT seq, bundle_sha256 FROM sync_outgoing WHERE status = 'exported'",
            )
        }

    def apply_reply(
        self,
        ledger: ReplyLedgerRow,
        *,
        records: Mapping[Any, Sequence[tuple[str, int]]],
        followup: Iterable[tuple[str, str, str | None, str]],
        revoked: Iterable[tuple[str, str]],
        field_retention_days: int,
        catalogue: InstalledCatalogue | None = None,
        moves: Sequence[tuple[str, str, Renewal]] = (),
        known_sites: Sequence[KnownSite] = (),
    ) -> int:
        """Record one reply in one transaction; returns how many records arrived now (new, or
        in a newer revision). Only records this vault holds are noted, each in the revision
        the coordinator stored; an arrival never goes back to an older revision."""
        arrived = 0
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO sync_replies_in (seq, reply_id, reply_sha256, created_utc,"
                " acknowledged_through, counts, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ledger,
            )
            for kind, pairs in records.items():
                if not pairs:
                    continue
                before = self.conn.total_changes
                revision = _SYNCED_NOTE if kind == "referral" else "j.value ->> 1"
                self.conn.execute(
                    "INSERT INTO sync_arrivals (uuid, kind, revision, arrived_at)"
                    f" SELECT j.value ->> 0, :kind, {revision}, :at FROM json_each(:pairs) j"
                    f" JOIN {TABLES[kind]} r ON r.uuid = j.value ->> 0"
                    " WHERE true ON CONFLICT (uuid) DO UPDATE SET revision = excluded.revision,"
                    " arrived_at = excluded.arrived_at"
                    " WHERE excluded.revision > sync_arrivals.revision",
                    {"kind": kind, "at": ledger.imported_at, "pairs": json.dumps(pairs)},
                )
                arrived += self.conn.total_changes - before
            self.conn.execute(
                "INSERT INTO referral_followup (referral_uuid, status, outcome, updated_at)"
                " SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2, j.value ->> 3"
                " FROM json_each(:rows) j JOIN referrals r ON r.uuid = j.value ->> 0"
                " WHERE true ON CONFLICT (referral_uuid) DO UPDATE SET status = excluded.status,"
                " outcome = excluded.outcome, updated_at = excluded.updated_at"
                " WHERE excluded.updated_at >= referral_followup.updated_at",
                {"rows": json.dumps(list(followup))},
            )
            self.conn.execute("DELETE FROM sync_revocations")
            self.conn.executemany(
                "INSERT INTO sync_revocations (device_id, revoked_at) VALUES (?, ?)", revoked
            )
            self.conn.execute(
                "INSERT INTO retention_policy (rule, days, updated_at) VALUES"
                " ('field_arrived', ?, ?) ON CONFLICT (rule) DO UPDATE SET days = excluded.days,"
                " updated_at = excluded.updated_at WHERE excluded.days != retention_policy.days",
                (field_retention_days, ledger.imported_at),
            )
            if catalogue is not None:
                self.conn.execute(
                    "INSERT INTO catalogue_installed (version, content_hash, files, coordinator,"
                    " installed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (version) DO NOTHING",
                    catalogue,
                )
            self.conn.execute("DELETE FROM known_sites")
            self.conn.executemany(
                f"INSERT INTO known_sites ({select_list(KnownSite)})"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                known_sites,
            )
            for card, fingerprint, moved_from in moves:  # the coordinator's keys renewed
                move_to_card(self.conn, self.vault.actor, card, fingerprint, moved_from)
            audit.append(self.conn, self.vault.actor, "import", "reply", ledger.reply_id)
        return arrived

    # -- catalogue versions (both sides) ---------------------------------------------------

    def publish_catalogue(self, version: str, installed: InstalledCatalogue | None) -> None:
        """Coordinator: the version the next replies carry (a version from a folder is kept in
        the vault first, so it outlives a reinstall of the program)."""
        with transaction(self.conn):
            if installed is not None:
                self.conn.execute(
                    "INSERT INTO catalogue_installed (version, content_hash, files, coordinator,"
                    " installed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (version) DO NOTHING",
                    installed,
                )
            self.conn.execute(
                "INSERT INTO catalogue_published (version, published_at) VALUES (?, ?)"
                " ON CONFLICT (version) DO UPDATE SET published_at = excluded.published_at",
                (version, now_iso()),
            )
            audit.append(self.conn, self.vault.actor, "publish", "catalogue", None)

    def published_catalogues(self) -> list[str]:
        return [
            str(version)
            for version in fetch_values(self.conn, "SELECT version FROM catalogue_published")
        ]

    def installed_catalogue(self, version: str) -> InstalledCatalogue | None:
        return fetch_one(
            self.conn,
            InstalledCatalogue,
            "SELECT version, content_hash, files, coordinator, installed_at"
            " FROM catalogue_installed WHERE version = ?",
            (version,),
        )

    def find_known_sites(self, text: str, limit: int = 10) -> list[KnownSite]:
        """Field side: known sites whose name, KvK number or postcode holds ``text`` (case
        and spaces ignored for the postcode), by name."""
        needle = " ".join(text.split())
        if len(needle) < 2:
            return []
        return fetch_all(
            self.conn,
            KnownSite,
            f"SELECT {select_list(KnownSite)} FROM known_sites WHERE instr(lower(name), lower(:t))"
            " OR kvk = :t OR replace(upper(postcode), ' ', '') = replace(upper(:t), ' ', '')"
            " ORDER BY name LIMIT :limit",
            {"t": needle, "limit": limit},
        )

    def known_site_count(self) -> int:
        return int(fetch_value(self.conn, "SELECT count(*) FROM known_sites"))

    def expire_known_sites(self, cutoff: str) -> int:
        """Forget the register of known sites when the last reply is older than ``cutoff``: a
        laptop that has not synced for the field retention holds no list of businesses."""
        with transaction(self.conn):
            cursor = self.conn.execute(
                "DELETE FROM known_sites WHERE (SELECT max(imported_at) FROM sync_replies_in) < ?",
                (cutoff,),
            )
        return max(int(cursor.rowcount), 0)

    def replied_before(self, cutoff: str) -> bool:
        """A reply imported before ``cutoff`` (a date): only then can an arrival be that old."""
        return bool(
            fetch_value(
                self.conn,
                "SELECT EXISTS (SELECT 1 FROM sync_replies_in WHERE imported_at < ?)",
                (cutoff,),
            )
        )

    def revoked_at(self, device_id: str) -> str | None:
        value = fetch_value(
            self.conn, "SELECT revoked_at FROM sync_revocations WHERE device_id = ?", (device_id,)
        )
        return None if value is None else str(value)

    def export_cursor(self) -> int:
        """The last change a regular exported bundle carried (as SyncStore defines it)."""
        return int(
            fetch_value(
                self.conn,
                "SELECT coalesce(max(change_to), 0) FROM sync_outgoing"
                " WHERE status = 'exported' AND resends = '[]'",
            )
        )

    def visit_states(self) -> list[VisitState]:
        return fetch_all(self.conn, VisitState, _VISIT_STATE, {"cursor": self.export_cursor()})

    def holdings(self) -> Holdings:
        states = self.visit_states()
        held_drafts = HeldBack.read(self.conn).visits  # left out of every bundle so far
        arrived = [state for state in states if state.arrived]
        waiting = [
            state
            for state in states
            if not state.arrived and not state.unsent and state.visit_uuid not in held_drafts
        ]
        waiting_since = [state.waiting_since for state in waiting if state.waiting_since]
        arrival_times = [state.arrived_at for state in arrived if state.arrived_at]
        return Holdings(
            arrived=len(arrived),
            waiting=len(waiting),
            unsent=len(states) - len(arrived) - len(waiting),
            oldest_waiting=min(waiting_since, default=None),
            oldest_arrival=min(arrival_times, default=None),
        )

    def arrived_visits(self) -> dict[str, tuple[str, str]]:
        """visit -> (site, latest arrival) of every visit whose every record arrived in its
        current revision: what field retention may forget."""
        return {
            state.visit_uuid: (state.site_uuid, state.arrived_at or "")
            for state in self.visit_states()
            if state.arrived
        }

    # -- for the desktop's field page and visit screen --------------------------------------

    def received_followup(self) -> list[ReceivedFollowUp]:
        """The follow-up replies brought for this device's referrals, newest news first: only
        referrals a reply spoke of (a row in ``referral_followup``) and that the device still
        holds."""
        return fetch_all(
            self.conn,
            ReceivedFollowUp,
            "SELECT f.referral_uuid, r.document_id, r.recipient, f.status, f.outcome,"
            " f.updated_at FROM referral_followup f JOIN referrals r ON r.uuid = f.referral_uuid"
            " WHERE r.deleted = 0 ORDER BY f.updated_at DESC, r.document_id",
        )

    def installed_catalogues(self) -> list[CatalogueArrival]:
        """The catalogue versions this vault keeps (a reply brought them, or the coordinator
        published them from a folder), oldest first, without their files."""
        return fetch_all(
            self.conn,
            CatalogueArrival,
            "SELECT version, coordinator, installed_at FROM catalogue_installed"
            " ORDER BY installed_at, version",
        )


def decode_counts(text: str) -> dict[str, Any]:
    value = json.loads(text)
    return value if isinstance(value, dict) else {}
