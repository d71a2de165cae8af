"""All record SQL in one place. Methods take validated input and return domain objects.

Every change runs in one transaction together with its audit entry and its search-index row,
so what the caller sees as saved is committed, and nothing is half-saved.

A visit recorded on another device (imported from its bundle, on a coordinator's vault) is that
inspector's record: the changes a user makes to a visit (its site, the visit itself, persons,
signals, attachments, deletions) refuse it with ``store.imported_read_only`` and change
nothing (:meth:`Store._refuse_foreign`). A correction comes with the inspector's next bundle,
which the import applies through ``sync_store``, not through these methods. What a coordinator
adds beside such a visit (a referral, a follow-up, a link, a note) is their own record.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

from fieldapp.clock import now_iso
from fieldapp.domain import (
    Address,
    AgeBand,
    Attachment,
    B83Status,
    Consent,
    Evidence,
    Observation,
    ObservationStatus,
    Person,
    PersonRole,
    PoliceReport,
    RecordMeta,
    Referral,
    ReferralStatus,
    Sector,
    Sex,
    Site,
    Visit,
    VisitDetail,
    VisitStatus,
    VisitSummary,
    VisitType,
)
from fieldapp.errors import FieldAppError, NotFound
from fieldapp.ids import new_id
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.localtime import local_start, local_today
from fieldapp.store import drafts_store, outcomes_store
from fieldapp.store.filters import VisitFilter
from fieldapp.store.followup_store import DEFAULT_DUE_DAYS, visits_with_status
from fieldapp.store.merged_store import device_agency_condition
from fieldapp.store.rows import (
    fetch_all,
    fetch_each,
    fetch_one,
    fetch_value,
    fetch_values,
    select_list,
)
from fieldapp.vault import audit
from fieldapp.vault.connection import Connection, transaction

if TYPE_CHECKING:
    from fieldapp.vault.vault import VaultLike

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
ALLOWED_MEDIA_TYPES = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/heic",
    "application/pdf",
}

# The table of each kind of synchronised record, and what a tombstone keeps of its text
# about a person or place: nothing (required columns become '', the rest NULL).
RECORD_TABLES = {
    "site": "sites",
    "visit": "visits",
    "person": "persons",
    "observation": "observations",
    "attachment": "attachments",
    "referral": "referrals",
}
ERASED_ON_DELETE: dict[str, dict[str, str | None]] = {
    "site": {
        "name": "",
        "trade_name": None,
        "street": None,
        "number": None,
        "postcode": None,
        "place": None,
        "municipality": None,
        "kvk": None,
        "phones": "[]",
        "plates": "[]",
        "handles": "[]",
    },
    "visit": {"notes": None, "inspector": None},
    "person": {
        "label": "",
        "notes": None,
        "residence_status": None,
        "nationality": None,
        "age": None,
        "languages": "[]",
    },
    "observation": {"note": None},
    "attachment": {"file_name": "", "content": None},
    "referral": {},
}
_WORD = re.compile(r"\w+", re.UNICODE)

# Visits matching a search: by their own texts, or by the site they took place at.
_SEARCH_HITS_CTE = """
    WITH hits AS MATERIALIZED (
        SELECT visit_uuid, record_kind, record_uuid, rank FROM search_index
        WHERE search_index MATCH ? ORDER BY rank LIMIT 5000
    ),
    matched AS (
        SELECT visit_uuid AS uuid, rank AS score FROM hits WHERE visit_uuid IS NOT NULL
        UNION ALL
        -- CROSS JOIN keeps the hits outside, so visits are found through visits_by_site
        -- (the planner otherwise scanned every visit: 0.8 s at 100k visits, measured).
        SELECT v.uuid, h.rank FROM hits h CROSS JOIN visits v ON v.site_uuid = h.record_uuid
         WHERE h.record_kind = 'site'
    ),
    best AS (SELECT uuid, min(score) AS score FROM matched GROUP BY uuid)
"""

# Site columns sort by the visit's own copies (schema v5), each with an index.
VISIT_SORT_COLUMNS = {
    "started_at": "v.started_at",
    "site": "v.sort_site COLLATE NOCASE",
    "place": "v.sort_place COLLATE NOCASE",
    "municipality": "v.sort_municipality COLLATE NOCASE",
    "sector": "v.sort_sector",
    "type": "v.type",
    "status": "v.status",
}


@dataclass(frozen=True, slots=True)
class ReferralListing:
    """A referral with what it is about, for the referrals list."""

    referral: Referral
    site_name: str  # "" when the site has no name
    visit_started_at: str | None  # None: the visit is no longer in the vault
    person_labels: tuple[str, ...]  # "?" for a person since erased


class _ReferralVisitRow(NamedTuple):
    uuid: str
    started_at: str
    site_name: str


class _LabelRow(NamedTuple):
    uuid: str
    label: str


class _OriginsRow(NamedTuple):
    own: str
    visit: str


class _OwnerRow(NamedTuple):
    origin_device: str
    owner_kind: str
    owner_uuid: str


class _DraftRow(NamedTuple):
    site_uuid: str
    origin_device: str


@dataclass(frozen=True, slots=True)
class VisitCursor:
    """Where the next page of the visits list starts (keyset paging: no OFFSET scans)."""

    started_at: str
    uuid: str


def latest_version() -> str:
    """The newest installed catalogue: the version new observations are made with. Loaded
    here on first use, keeping the catalogue out of the store's start-up imports."""
    from fieldapp.catalogue.loader import latest_version as newest  # noqa: PLC0415 - keep unlock light: the catalogue loads on first use (see above)

    return newest()


def fts_query(user_text: str) -> str | None:
    """Each word of the user's text as a quoted term, all required; the last word as a prefix,
    for search-as-you-type (prefixes on every word made queries 1.7x slower, measured). User
    text can never reach FTS5's query syntax, so no input makes the query fail."""
    words = _WORD.findall(user_text)[:12]
    if not words:
        return None
    return " ".join([*(f'"{word}"' for word in words[:-1]), f'"{words[-1]}"*'])


class Store:
    def __init__(self, vault: VaultLike) -> None:
        self.vault = vault
        self._audit_batch: audit.AuditBatch | None = None

    @property
    def conn(self) -> Connection:
        return self.vault.conn

    @property
    def device_id(self) -> str:
        return self.vault.info.device_id

    # -- writing -------------------------------------------------------------------------

    def record_visit(self, new: NewVisit, catalogue_version: str | None = None) -> str:
        """Site, visit, persons and observations in one transaction; returns the visit id.
        Observations carry ``catalogue_version``, by default the newest installed catalogue."""
        with transaction(self.conn):
            return self._insert_new_visit(new, catalogue_version or latest_version())

    def record_visits(
        self, visits: Iterable[NewVisit], catalogue_version: str | None = None
    ) -> list[str]:
        """Many visits in one transaction (demo data, imports): all or none."""
        version = catalogue_version or latest_version()
        with transaction(self.conn):
            self._audit_batch = audit.AuditBatch(self.conn)
            try:
                ids = [self._insert_new_visit(new, version) for new in visits]
                self._audit_batch.flush()
            finally:
                self._audit_batch = None
            return ids

    def add_site(self, site: SiteInput) -> str:
        with transaction(self.conn):
            return self._insert_site(site)

    def add_visit(self, site_uuid: str, visit: VisitInput) -> str:
        with transaction(self.conn):
            self._require("sites", site_uuid)
            return self._insert_visit(site_uuid, visit)

    def add_person(self, visit_uuid: str, person: PersonInput) -> str:
        with transaction(self.conn):
            self._require("visits", visit_uuid)
            self._refuse_foreign("visit", visit_uuid)
            outcomes_store.mark_stale(self.conn, (visit_uuid,))
            return self._insert_person(visit_uuid, person)

    def next_person_label(self, visit_uuid: str) -> str:
        """The next free pseudonym: A, B, ... Z, AA, AB, ..."""
        used = set(
            fetch_values(
                self.conn,
                "SELECT label FROM persons WHERE visit_uuid = ? AND deleted = 0",
                (visit_uuid,),
            )
        )
        index = 0
        while True:
            label, number = "", index
            while True:
                label = chr(ord("A") + number % 26) + label
                number = number // 26 - 1
                if number < 0:
                    break
            if label not in used:
                return label
            index += 1

    def set_observation(
        self,
        visit_uuid: str,
        person_uuid: str | None,
        observation: ObservationInput,
        catalogue_version: str | None = None,
    ) -> str:
        """Record or change the one live observation of an indicator for a person (or for
        everyone at the visit); returns its id. This is the hot path of the checklist."""
        with transaction(self.conn):
            self._refuse_foreign("visit", visit_uuid)
            outcomes_store.mark_stale(self.conn, (visit_uuid,))
            found = fetch_value(
                self.conn,
                "SELECT uuid FROM observations WHERE visit_uuid = ? AND"
                " coalesce(person_uuid, '') = ? AND indicator_id = ? AND deleted = 0",
                (visit_uuid, person_uuid or "", observation.indicator_id),
            )
            if found is None:
                return self._insert_observation(
                    visit_uuid, person_uuid, observation, catalogue_version or latest_version()
                )
            obs_uuid = str(found)
            self._update(
                "observation",
                obs_uuid,
                {
                    "status": observation.status.value,
                    "evidence": observation.evidence.value if observation.evidence else None,
                    "note": observation.note,
                    "past": int(observation.past),
                    "catalogue_version": catalogue_version or latest_version(),
                },
            )
            self._index("observation", obs_uuid, visit_uuid, observation.note)
            return obs_uuid

    def update_visit(self, visit_uuid: str, **changes: Any) -> None:
        allowed = {
            "site_uuid",
            "started_at",
            "ended_at",
            "type",
            "agencies",
            "inspector",
            "status",
            "notes",
        }
        values = _column_values(changes, allowed)
        with transaction(self.conn):
            self._refuse_foreign("visit", visit_uuid)
            self._update("visit", visit_uuid, values)
            if "notes" in values:
                self._index("visit", visit_uuid, visit_uuid, values["notes"])

    def update_person(self, person_uuid: str, person: PersonInput) -> None:
        with transaction(self.conn):
            self._refuse_foreign("person", person_uuid)
            values = _person_columns(person)
            self._update("person", person_uuid, values)
            visit_uuid = fetch_value(
                self.conn, "SELECT visit_uuid FROM persons WHERE uuid = ?", (person_uuid,)
            )
            outcomes_store.mark_stale(self.conn, (visit_uuid,))
            self._index("person", person_uuid, visit_uuid, person.notes)

    def update_site(self, site_uuid: str, site: SiteInput) -> None:
        with transaction(self.conn):
            self._refuse_foreign("site", site_uuid)
            self._update("site", site_uuid, _site_columns(site))
            self._index("site", site_uuid, None, _site_text(site))

    def delete(self, kind: str, record_uuid: str) -> None:
        """Erase a record's content and keep a tombstone until it has been synced. Its text
        leaves the table and the search index in the same transaction."""
        with transaction(self.conn):
            self._refuse_foreign(kind, record_uuid)
            self._tombstone(kind, record_uuid)

    def delete_person(self, person_uuid: str) -> None:
        """Remove a person recorded by mistake together with every signal recorded for them
        and the photos kept with them or their signals, in one transaction: a crash never
        leaves their signals or photos without them, or them without their signals' tombstones.
        Each record is tombstoned and audited as :meth:`delete`."""
        with transaction(self.conn):
            self._require("persons", person_uuid)
            self._refuse_foreign("person", person_uuid)
            for attachment_uuid in fetch_values(
                self.conn,
                "SELECT uuid FROM attachments WHERE deleted = 0 AND ("
                "(owner_kind = 'person' AND owner_uuid = ?) OR (owner_kind = 'observation'"
                " AND owner_uuid IN (SELECT uuid FROM observations WHERE person_uuid = ?)))",
                (person_uuid, person_uuid),
            ):
                self._tombstone("attachment", str(attachment_uuid))
            for observation_uuid in fetch_values(
                self.conn,
                "SELECT uuid FROM observations WHERE person_uuid = ? AND deleted = 0",
                (person_uuid,),
            ):
                self._tombstone("observation", str(observation_uuid))
            self._tombstone("person", person_uuid)

    def _tombstone(self, kind: str, record_uuid: str) -> None:
        table = RECORD_TABLES[kind]
        erased = ERASED_ON_DELETE[kind]
        assignments = "".join(f", {column} = ?" for column in erased)
        self._require(table, record_uuid)
        if kind in ("person", "observation"):
            visit_uuid = fetch_value(
                self.conn, f"SELECT visit_uuid FROM {table} WHERE uuid = ?", (record_uuid,)
            )
            outcomes_store.mark_stale(self.conn, (visit_uuid,))
        self.conn.execute(
            f"UPDATE {table} SET deleted = 1, revision = revision + 1, updated_at = ?"
            f"{assignments} WHERE uuid = ?",
            (now_iso(), *erased.values(), record_uuid),
        )
        self._unindex(record_uuid)
        self._audit("delete", kind, record_uuid)

    def discard_draft(self, visit_uuid: str) -> bool:
        """Remove a visit that holds nothing (no site name, person, observation that says
        something, attachment or referral: ``drafts_store.HOLDS_SOMETHING``) and was never
        exported, entirely: no tombstone, since no other vault ever saw it. Its blank site goes
        too when no other visit uses it. Audited. Returns False and changes nothing for any
        other visit (delete those with :meth:`delete`)."""
        with transaction(self.conn):
            row = fetch_one(
                self.conn,
                _DraftRow,
                "SELECT site_uuid, origin_device FROM visits WHERE uuid = ? AND deleted = 0",
                (visit_uuid,),
            )
            if row is None or row.origin_device != self.device_id:
                return False
            if drafts_store.holds_something(self.conn, visit_uuid):
                return False
            held = drafts_store.HeldBack.read(self.conn)
            if drafts_store.ever_exported(self.conn, (visit_uuid,), held.visits):
                return False
            others = drafts_store.visits_at(self.conn, (row.site_uuid,)).get(row.site_uuid, set())
            site_goes = (
                others == {visit_uuid}
                and bool(drafts_store.blank_sites(self.conn, (row.site_uuid,)))
                and not drafts_store.ever_exported(self.conn, (row.site_uuid,), held.sites)
            )
            drafts_store.discard_rows(self.conn, visit_uuid, row.site_uuid if site_goes else None)
            self._audit("discard", "visit", visit_uuid)
            return True

    def add_attachment(
        self, owner_kind: str, owner_uuid: str, file_name: str, media_type: str, content: bytes
    ) -> Attachment:
        """Keep a photo or PDF inside the vault; it is never written anywhere else."""
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise FieldAppError("attachment.too_large", limit=MAX_ATTACHMENT_BYTES // 1024 // 1024)
        if media_type not in ALLOWED_MEDIA_TYPES:
            raise FieldAppError("attachment.bad_type", media_type=media_type)
        digest = hashlib.sha256(content).hexdigest()
        with transaction(self.conn):
            self._refuse_foreign(owner_kind, owner_uuid)
            record_uuid = self._new_record(
                "attachment",
                {
                    "owner_kind": owner_kind,
                    "owner_uuid": owner_uuid,
                    "file_name": file_name,
                    "media_type": media_type,
                    "size": len(content),
                    "sha256": digest,
                    "content": content,
                },
            )
        return self.attachment(record_uuid)

    def attachment_content(self, attachment_uuid: str) -> bytes:
        content = fetch_value(
            self.conn,
            "SELECT content FROM attachments WHERE uuid = ? AND deleted = 0",
            (attachment_uuid,),
        )
        if content is None:
            raise NotFound(kind="attachment", id=attachment_uuid)
        return bytes(content)

    def attachment(self, attachment_uuid: str) -> Attachment:
        row = fetch_one(
            self.conn,
            _AttachmentRow,
            f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments WHERE uuid = ?",
            (attachment_uuid,),
        )
        if row is None:
            raise NotFound(kind="attachment", id=attachment_uuid)
        return _attachment(row)

    def visit_attachments(self, visit_uuid: str) -> list[Attachment]:
        """Every live photo and PDF of a visit, oldest first: the visit's own and those kept with
        one of its persons or signals (a camera photo of person B). ``visit_detail`` lists only
        the visit's own, which is what a referral may carry. A person or signal deleted since
        keeps its photos here: they are still in the vault, so the visit never hides them.
        Referral PDFs are not among them."""
        return [
            _attachment(row)
            for row in fetch_each(
                self.conn,
                _AttachmentRow,
                f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments WHERE deleted = 0 AND ("
                " (owner_kind = 'visit' AND owner_uuid = ?1)"
                " OR (owner_kind = 'person' AND owner_uuid IN"
                "  (SELECT uuid FROM persons WHERE visit_uuid = ?1))"
                " OR (owner_kind = 'observation' AND owner_uuid IN"
                "  (SELECT uuid FROM observations WHERE visit_uuid = ?1))"
                ") ORDER BY created_at, rowid",
                (visit_uuid,),
            )
        ]

    def add_referral(
        self,
        visit_uuid: str,
        person_uuids: tuple[str, ...],
        recipient: str,
        *,
        document: bytes,
        document_id: str,
        content_hash: str,
        lang: str,
        urgency: str,
        status: ReferralStatus = ReferralStatus.FINAL,
        reason: str | None = None,
        vital_interest: str | None = None,
    ) -> Referral:
        """Keep a referral and its PDF inside the vault, in one transaction. An earlier referral
        for the same visit, recipient and persons stays as it was; this one is its next
        version."""
        with transaction(self.conn):
            self._require("visits", visit_uuid)
            previous = self._latest_referral(visit_uuid, recipient, person_uuids)
            attachment_uuid = self._new_record(
                "attachment",
                {
                    "owner_kind": "referral",
                    "owner_uuid": visit_uuid,
                    "file_name": f"{document_id}.pdf",
                    "media_type": "application/pdf",
                    "size": len(document),
                    "sha256": hashlib.sha256(document).hexdigest(),
                    "content": document,
                },
            )
            referral_uuid = self._new_record(
                "referral",
                {
                    "visit_uuid": visit_uuid,
                    "person_uuids": json.dumps(list(person_uuids)),
                    "recipient": recipient,
                    "status": status.value,
                    "document_uuid": attachment_uuid,
                    "version": previous.version + 1 if previous else 1,
                    "supersedes": previous.uuid if previous else None,
                    "document_id": document_id,
                    "content_hash": content_hash,
                    "lang": lang,
                    "urgency": urgency,
                    "reason": reason,
                    "vital_interest": vital_interest,
                },
            )
        return self.referral(referral_uuid)

    def next_referral_version(
        self, visit_uuid: str, recipient: str, person_uuids: tuple[str, ...]
    ) -> int:
        previous = self._latest_referral(visit_uuid, recipient, person_uuids)
        return previous.version + 1 if previous else 1

    def _latest_referral(
        self, visit_uuid: str, recipient: str, person_uuids: tuple[str, ...]
    ) -> _LatestReferral | None:
        return fetch_one(
            self.conn,
            _LatestReferral,
            "SELECT uuid, version FROM referrals WHERE visit_uuid = ? AND recipient = ?"
            " AND person_uuids = ? AND deleted = 0 ORDER BY version DESC LIMIT 1",
            (visit_uuid, recipient, json.dumps(list(person_uuids))),
        )

    def referral(self, referral_uuid: str) -> Referral:
        row = fetch_one(
            self.conn,
            _ReferralRow,
            f"SELECT {_REFERRAL_COLUMNS} FROM referrals WHERE uuid = ? AND deleted = 0",
            (referral_uuid,),
        )
        if row is None:
            raise NotFound(kind="referral", id=referral_uuid)
        return _referral(row)

    def referrals(self, visit_uuid: str | None = None) -> list[Referral]:
        """Newest first; all visits unless one is given."""
        where, params = "deleted = 0", []
        if visit_uuid:
            where += " AND visit_uuid = ?"
            params.append(visit_uuid)
        return [
            _referral(row)
            for row in fetch_each(
                self.conn,
                _ReferralRow,
                f"SELECT {_REFERRAL_COLUMNS} FROM referrals WHERE {where}"
                " ORDER BY created_at DESC, version DESC",
                params,
            )
        ]

    def referral_listing(self) -> list[ReferralListing]:
        """Every referral, newest first, with what says what it is about: the visit's site
        name and start, and the labels of its persons (the referrals list shows them)."""
        referrals = self.referrals()
        visits = {
            row.uuid: row
            for row in fetch_each(
                self.conn,
                _ReferralVisitRow,
                "SELECT uuid, started_at, coalesce(sort_site, '') AS site_name FROM visits"
                " WHERE uuid IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted({r.visit_uuid for r in referrals})),),
            )
        }
        labels = {
            row.uuid: row.label
            for row in fetch_each(
                self.conn,
                _LabelRow,
                "SELECT uuid, label FROM persons WHERE uuid IN (SELECT value FROM json_each(?))",
                (json.dumps(sorted({u for r in referrals for u in r.person_uuids})),),
            )
        }
        listing = []
        for referral in referrals:
            visit = visits.get(referral.visit_uuid)
            listing.append(
                ReferralListing(
                    referral,
                    visit.site_name if visit else "",
                    visit.started_at if visit else None,
                    tuple(labels.get(uuid) or "?" for uuid in referral.person_uuids),
                )
            )
        return listing

    def find_referral(self, fragment: str) -> Referral:
        """By document id (FA-...) or the end of the referral's id."""
        fragment = fragment.strip()
        rows = fetch_all(
            self.conn,
            _ReferralRow,
            f"SELECT {_REFERRAL_COLUMNS} FROM referrals WHERE deleted = 0 AND"
            " (document_id = ? OR (length(?) >= 6 AND substr(uuid, -length(?)) = lower(?)))"
            " LIMIT 2",
            (fragment.upper(), fragment, fragment, fragment),
        )
        if len(rows) != 1:
            raise NotFound(kind="referral", id=fragment)
        return _referral(rows[0])

    def set_referral_status(self, referral_uuid: str, status: ReferralStatus) -> None:
        with transaction(self.conn):
            self._update("referral", referral_uuid, {"status": status.value})

    # -- reading -------------------------------------------------------------------------

    def count_visits(self) -> int:
        return int(fetch_value(self.conn, "SELECT count(*) FROM visits WHERE deleted = 0"))

    def list_visits(self, limit: int = 100, after: VisitCursor | None = None) -> list[VisitSummary]:
        """Newest first, one page at a time."""
        if after is None:
            rows = fetch_each(
                self.conn,
                _VisitSummaryRow,
                _VISIT_SUMMARY_SQL + " WHERE v.deleted = 0"
                " ORDER BY v.started_at DESC, v.uuid DESC LIMIT ?",
                (limit,),
            )
        else:
            rows = fetch_each(
                self.conn,
                _VisitSummaryRow,
                _VISIT_SUMMARY_SQL + " WHERE v.deleted = 0 AND (v.started_at, v.uuid) < (?, ?)"
                " ORDER BY v.started_at DESC, v.uuid DESC LIMIT ?",
                (after.started_at, after.uuid, limit),
            )
        return [_visit_summary(row) for row in rows]

    def search_visits(self, user_text: str, limit: int = 200) -> list[VisitSummary]:
        """Visits whose notes, persons' or observations' notes, site name or address match,
        best match first."""
        query = fts_query(user_text)
        if query is None:
            return []
        ids = fetch_values(
            self.conn,
            _SEARCH_HITS_CTE
            + " SELECT v.uuid FROM best b JOIN visits v ON v.uuid = b.uuid WHERE v.deleted = 0"
            " ORDER BY b.score, v.started_at DESC LIMIT ?",
            (query, limit),
        )
        return self.visit_summaries(ids)

    def visit_ids(
        self,
        where: VisitFilter | None = None,
        sort: str = "started_at",
        descending: bool = True,
    ) -> list[str]:
        """Every matching visit id in display order: one narrow query, so a list of 100k
        visits can be sorted and scrolled while rows load page by page
        (:meth:`visit_summaries`). A search narrows the list; the sort stays the chosen one."""
        where = where or VisitFilter()
        clauses, params = ["v.deleted = 0"], []
        if where.status:
            clauses.append("v.status = ?")
            params.append(where.status.value)
        if where.sector:
            clauses.append("v.sort_sector = ?")
            params.append(where.sector.value)
        if where.municipality:
            clauses.append("v.sort_municipality = ? COLLATE NOCASE")
            params.append(where.municipality)
        # The list's dates are Dutch days: 00:30 on 1 March is 23:30 UTC on 28 February.
        if where.date_from:
            clauses.append("v.started_at >= ?")
            params.append(local_start(date.fromisoformat(where.date_from)))
        if where.date_to:
            clauses.append("v.started_at < ?")
            params.append(local_start(date.fromisoformat(where.date_to) + timedelta(days=1)))
        _workspace_clauses(self.conn, where, clauses, params)
        direction = "DESC" if descending else "ASC"
        order = f"{VISIT_SORT_COLUMNS[sort]} {direction}, v.uuid {direction}"
        prefix = ""
        query = fts_query(where.search) if where.search else None
        if where.search and query is None:
            return []
        if query is not None:
            prefix = _SEARCH_HITS_CTE
            clauses.append("v.uuid IN (SELECT uuid FROM best)")
            params.insert(0, query)
        # No join: a site lookup per visit cost 0.67 s of 0.74 s at 100k visits (measured).
        sql = f"{prefix} SELECT v.uuid FROM visits v WHERE {' AND '.join(clauses)} ORDER BY {order}"
        return fetch_values(self.conn, sql, params)

    def visit_summaries(self, visit_uuids: list[str]) -> list[VisitSummary]:
        """Rows for the given ids, in the same order (missing ids are left out)."""
        if not visit_uuids:
            return []
        marks = ",".join("?" for _ in visit_uuids)
        rows = fetch_all(
            self.conn,
            _VisitSummaryRow,
            _VISIT_SUMMARY_SQL + f" WHERE v.uuid IN ({marks})",
            visit_uuids,
        )
        by_id = {row.uuid: _visit_summary(row) for row in rows}
        return [by_id[uuid] for uuid in visit_uuids if uuid in by_id]

    def municipalities(self) -> list[str]:
        return fetch_values(
            self.conn,
            "SELECT DISTINCT municipality FROM sites WHERE deleted = 0 AND municipality IS NOT"
            " NULL AND municipality != '' ORDER BY municipality COLLATE NOCASE",
        )

    def search_sites(self, user_text: str, limit: int = 10) -> list[Site]:
        """Known sites for search-as-you-type: by name, trade name, address or KvK number."""
        digits = "".join(ch for ch in user_text if ch.isdigit())
        found: list[Site] = []
        if len(digits) == 8:
            found += [
                _site(row)
                for row in fetch_each(
                    self.conn,
                    _SiteRow,
                    f"SELECT {_SITE_COLUMNS} FROM sites WHERE kvk = ? AND deleted = 0 LIMIT ?",
                    (digits, limit),
                )
            ]
        query = fts_query(user_text)
        if query is not None:
            found += [
                _site(row)
                for row in fetch_each(
                    self.conn,
                    _SiteRow,
                    f"SELECT {_SITE_COLUMNS} FROM sites WHERE deleted = 0 AND uuid IN ("
                    " SELECT record_uuid FROM search_index WHERE search_index MATCH ?"
                    " AND record_kind = 'site' ORDER BY rank LIMIT ?)",
                    (query, limit * 4),
                )
            ]
        unique: dict[tuple[str, str | None, str | None], Site] = {}
        for site in found:  # one entry per place, however often it was visited
            unique.setdefault((site.name.casefold(), site.address.postcode, site.kvk), site)
        return list(unique.values())[:limit]

    def setting(self, name: str, default: Any = None) -> Any:
        """A setting kept inside the vault (the inspector profile, auto-lock time, ...)."""
        stored = fetch_value(
            self.conn, "SELECT value FROM meta WHERE key = ?", (f"setting.{name}",)
        )
        return default if stored is None else json.loads(stored)

    def set_setting(self, name: str, value: Any) -> None:
        with transaction(self.conn):
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET"
                " value = excluded.value",
                (f"setting.{name}", json.dumps(value, ensure_ascii=False)),
            )

    def search_notes(self, user_text: str, limit: int = 50) -> list[SearchHit]:
        """(record kind, record id) of the best matching texts: the raw search primitive."""
        query = fts_query(user_text)
        if query is None:
            return []
        return fetch_all(
            self.conn,
            SearchHit,
            "SELECT record_kind, record_uuid FROM search_index WHERE search_index MATCH ?"
            " ORDER BY rank LIMIT ?",
            (query, limit),
        )

    def visit_detail(self, visit_uuid: str) -> VisitDetail:
        row = fetch_one(
            self.conn,
            _VisitRow,
            f"SELECT {_VISIT_COLUMNS} FROM visits WHERE uuid = ? AND deleted = 0",
            (visit_uuid,),
        )
        if row is None:
            raise NotFound(kind="visit", id=visit_uuid)
        visit = _visit(row)
        return VisitDetail(
            visit=visit,
            site=self.site(visit.site_uuid),
            persons=tuple(self.persons(visit_uuid)),
            observations=tuple(self.observations(visit_uuid)),
            attachments=tuple(
                _attachment(r)
                for r in fetch_each(
                    self.conn,
                    _AttachmentRow,
                    f"SELECT {_ATTACHMENT_COLUMNS} FROM attachments WHERE owner_uuid = ?"
                    " AND owner_kind != 'referral' AND deleted = 0 ORDER BY created_at",
                    (visit_uuid,),
                )
            ),
            referrals=tuple(
                _referral(r)
                for r in fetch_each(
                    self.conn,
                    _ReferralRow,
                    f"SELECT {_REFERRAL_COLUMNS} FROM referrals"
                    " WHERE visit_uuid = ? AND deleted = 0 ORDER BY created_at",
                    (visit_uuid,),
                )
            ),
        )

    def site(self, site_uuid: str) -> Site:
        row = fetch_one(
            self.conn, _SiteRow, f"SELECT {_SITE_COLUMNS} FROM sites WHERE uuid = ?", (site_uuid,)
        )
        if row is None:
            raise NotFound(kind="site", id=site_uuid)
        return _site(row)

    def persons(self, visit_uuid: str) -> Iterator[Person]:
        for row in fetch_each(
            self.conn,
            _PersonRow,
            f"SELECT {_PERSON_COLUMNS} FROM persons WHERE visit_uuid = ? AND deleted = 0"
            " ORDER BY created_at, length(label), label",
            (visit_uuid,),
        ):
            yield _person(row)

    def observations(self, visit_uuid: str) -> Iterator[Observation]:
        for row in fetch_each(
            self.conn,
            _ObservationRow,
            f"SELECT {_OBSERVATION_COLUMNS} FROM observations"
            " WHERE visit_uuid = ? AND deleted = 0 ORDER BY observed_at, indicator_id",
            (visit_uuid,),
        ):
            yield _observation(row)

    def find_visit(self, fragment: str) -> str:
        """A visit id from its full form or a unique ending of at least 6 characters. Ids are
        time-ordered (UUIDv7), so their beginnings look alike and their endings are random:
        the short id shown in lists is the last 8 characters."""
        fragment = fragment.strip().lower()
        ids: list[str] = []
        if len(fragment) == 36:
            ids = fetch_values(
                self.conn, "SELECT uuid FROM visits WHERE uuid = ? AND deleted = 0", (fragment,)
            )
        elif len(fragment) >= 6 and all(c in "0123456789abcdef-" for c in fragment):
            ids = fetch_values(
                self.conn,
                "SELECT uuid FROM visits WHERE deleted = 0 AND substr(uuid, -?) = ? LIMIT 2",
                (len(fragment), fragment),
            )
        if len(ids) != 1:
            raise NotFound(kind="visit", id=fragment)
        return str(ids[0])

    def record_event(self, action: str, kind: str, record_uuid: str | None = None) -> None:
        """An audit entry in its own transaction, for an event that changes no record (a
        referral PDF written to a file)."""
        with transaction(self.conn):
            self._audit(action, kind, record_uuid)

    # -- internals -----------------------------------------------------------------------

    def _audit(self, action: str, kind: str, record_uuid: str | None) -> None:
        if self._audit_batch is not None:
            self._audit_batch.add(self.vault.actor, action, kind, record_uuid)
        else:
            audit.append(self.conn, self.vault.actor, action, kind, record_uuid)

    def record_origin(self, kind: str, record_uuid: str) -> str | None:
        """The device a record was made on (None: no such record). A record whose origin is
        not :attr:`device_id` is another device's, and changes to it are refused."""
        origin = fetch_value(
            self.conn,
            f"SELECT origin_device FROM {RECORD_TABLES[kind]} WHERE uuid = ?",
            (record_uuid,),
        )
        return None if origin is None else str(origin)

    def _refuse_foreign(self, kind: str, record_uuid: str) -> None:
        """Raise ``store.imported_read_only`` when the record, or the visit it belongs to, was
        recorded on another device: the inspector's own record, changed only on their
        device. A record not found is left to the caller's own check."""
        if any(origin != self.device_id for origin in self._origins(kind, record_uuid)):
            raise FieldAppError("store.imported_read_only")

    def _origins(self, kind: str, record_uuid: str) -> set[str]:
        """The devices a change to this record answers to: its own origin and that of the
        visit holding it (a person the coordinator once added to an imported visit is still
        part of the inspector's record); for an attachment, those of what it is attached to.
        A referral (the coordinator's own about an imported visit) answers to itself only."""
        if kind in ("person", "observation"):
            row = fetch_one(
                self.conn,
                _OriginsRow,
                f"SELECT r.origin_device AS own, v.origin_device AS visit"
                f" FROM {RECORD_TABLES[kind]} AS r JOIN visits AS v ON v.uuid = r.visit_uuid"
                " WHERE r.uuid = ?",
                (record_uuid,),
            )
            return set() if row is None else {row.own, row.visit}
        if kind == "attachment":
            owner = fetch_one(
                self.conn,
                _OwnerRow,
                "SELECT origin_device, owner_kind, owner_uuid FROM attachments WHERE uuid = ?",
                (record_uuid,),
            )
            if owner is None:
                return set()
            return {owner.origin_device} | (
                self._origins(owner.owner_kind, owner.owner_uuid)
                if owner.owner_kind in RECORD_TABLES and owner.owner_kind != "attachment"
                else set()
            )
        if kind not in RECORD_TABLES:
            return set()
        origin = self.record_origin(kind, record_uuid)
        return set() if origin is None else {origin}

    def _require(self, table: str, record_uuid: str) -> None:
        found = fetch_value(
            self.conn, f"SELECT 1 FROM {table} WHERE uuid = ? AND deleted = 0", (record_uuid,)
        )
        if found is None:
            raise NotFound(kind=table.rstrip("s"), id=record_uuid)

    def _new_record(self, kind: str, values: dict[str, Any]) -> str:
        table = RECORD_TABLES[kind]
        record_uuid = new_id()
        now = now_iso()
        columns = {
            "uuid": record_uuid,
            "created_at": now,
            "updated_at": now,
            "origin_device": self.device_id,
            "revision": 1,
            **values,
        }
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        self.conn.execute(
            f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(columns.values())
        )
        self._audit("create", kind, record_uuid)
        return record_uuid

    def _update(self, kind: str, record_uuid: str, values: dict[str, Any]) -> None:
        table = RECORD_TABLES[kind]
        assignments = ", ".join(f"{column} = ?" for column in values)
        cursor = self.conn.execute(
            f"UPDATE {table} SET {assignments}, revision = revision + 1, updated_at = ?"
            " WHERE uuid = ? AND deleted = 0",
            (*values.values(), now_iso(), record_uuid),
        )
        if cursor.rowcount != 1:
            raise NotFound(kind=kind, id=record_uuid)
        self._audit("update", kind, record_uuid)

    def _insert_new_visit(self, new: NewVisit, catalogue_version: str) -> str:
        site_uuid = self._insert_site(new.site)
        visit_uuid = self._insert_visit(site_uuid, new.visit)
        person_uuids = {ref: self._insert_person(visit_uuid, person) for ref, person in new.persons}
        for observation in new.observations:
            person_uuid = person_uuids[observation.person_ref] if observation.person_ref else None
            self._insert_observation(visit_uuid, person_uuid, observation, catalogue_version)
        if new.persons:
            outcomes_store.mark_stale(self.conn, (visit_uuid,))
        return visit_uuid

    def _insert_site(self, site: SiteInput) -> str:
        site_uuid = self._new_record("site", _site_columns(site))
        self._index("site", site_uuid, None, _site_text(site), new=True)
        return site_uuid

    def _insert_visit(self, site_uuid: str, visit: VisitInput) -> str:
        values = _column_values(
            {
                "started_at": visit.started_at,
                "ended_at": visit.ended_at,
                "type": visit.type,
                "agencies": visit.agencies,
                "inspector": visit.inspector,
                "status": visit.status,
                "notes": visit.notes,
            },
            None,
        )
        visit_uuid = self._new_record("visit", {"site_uuid": site_uuid, **values})
        self._index("visit", visit_uuid, visit_uuid, visit.notes, new=True)
        return visit_uuid

    def _insert_person(self, visit_uuid: str, person: PersonInput) -> str:
        person_uuid = self._new_record(
            "person", {"visit_uuid": visit_uuid, **_person_columns(person)}
        )
        self._index("person", person_uuid, visit_uuid, person.notes, new=True)
        return person_uuid

    def _insert_observation(
        self,
        visit_uuid: str,
        person_uuid: str | None,
        observation: ObservationInput,
        catalogue_version: str | None = None,
    ) -> str:
        obs_uuid = self._new_record(
            "observation",
            {
                "visit_uuid": visit_uuid,
                "person_uuid": person_uuid,
                "indicator_id": observation.indicator_id,
                "catalogue_version": catalogue_version,
                "status": observation.status.value,
                "evidence": observation.evidence.value if observation.evidence else None,
                "note": observation.note,
                "observed_at": observation.observed_at or now_iso(),
                "recorded_by": self.vault.actor,
                "past": int(observation.past),
            },
        )
        self._index("observation", obs_uuid, visit_uuid, observation.note, new=True)
        return obs_uuid

    def _index(
        self,
        kind: str,
        record_uuid: str,
        visit_uuid: str | None,
        body: str | None,
        *,
        new: bool = False,
    ) -> None:
        """Replace the record's search text (none: remove it). ``new``: nothing to replace."""
        if not new:
            self._unindex(record_uuid)
        if not body:
            return
        cursor = self.conn.execute(
            "INSERT INTO search_rows (record_uuid) VALUES (?)", (record_uuid,)
        )
        self.conn.execute(
            "INSERT INTO search_index (rowid, body, visit_uuid, record_kind, record_uuid)"
            " VALUES (?, ?, ?, ?, ?)",
            (cursor.lastrowid, body, visit_uuid, kind, record_uuid),
        )

    def _unindex(self, record_uuid: str) -> None:
        rowid = fetch_value(
            self.conn, "SELECT rowid FROM search_rows WHERE record_uuid = ?", (record_uuid,)
        )
        if rowid is not None:
            self.conn.execute("DELETE FROM search_index WHERE rowid = ?", (rowid,))
            self.conn.execute("DELETE FROM search_rows WHERE rowid = ?", (rowid,))


def _workspace_clauses(
    conn: Connection, where: VisitFilter, clauses: list[str], params: list[Any]
) -> None:
    """The coordinator's filters (provenance, outcomes, referral follow-up), each one indexed
    lookup feeding ``v.uuid IN (...)`` or a column test. Their modules load only when used."""
    if where.device:
        clauses.append("v.origin_device = ?")
        params.append(where.device)
    if where.agency:
        condition, names = device_agency_condition(conn, where.agency)
        clauses.append(condition)
        params.extend(names)
    if where.form or where.outcome:
        from fieldapp.catalogue import FORMS, load_catalogue  # noqa: PLC0415 - keep unlock light: the catalogue loads when a form or outcome filter is used

        forms = (where.form,) if where.form else FORMS
        rank = load_catalogue().rules.rank(where.outcome or "signals_present")
        # The form in a list, also when all four are meant: the key of visit_outcomes
        # (form, max_rank, visit_uuid) then serves every form's range.
        marks = ", ".join("?" for _ in forms)
        clauses.append(
            "v.uuid IN (SELECT visit_uuid FROM visit_outcomes"
            f" WHERE form IN ({marks}) AND max_rank >= ?)"
        )
        params.extend([*forms, rank])
    if where.referral_status:
        today = local_today().isoformat()
        subquery, more = visits_with_status(where.referral_status, today, DEFAULT_DUE_DAYS)
        clauses.append(f"v.uuid IN ({subquery})")
        params.extend(more)


def _column_values(changes: dict[str, Any], allowed: set[str] | None) -> dict[str, Any]:
    """Column values as stored: lists as JSON text, enums as their value."""
    values: dict[str, Any] = {}
    for name, given in changes.items():
        if allowed is not None and name not in allowed:
            raise ValueError(f"not an updatable column: {name}")
        if isinstance(given, tuple | list):
            values[name] = json.dumps(list(given), ensure_ascii=False)
        elif isinstance(given, StrEnum):
            values[name] = given.value
        else:
            values[name] = given
    return values


def _site_columns(site: SiteInput) -> dict[str, Any]:
    return {
        "name": site.name,
        "trade_name": site.trade_name,
        "street": site.address.street,
        "number": site.address.number,
        "postcode": site.address.postcode,
        "place": site.address.place,
        "municipality": site.municipality,
        "kvk": site.kvk,
        "sector": site.sector.value,
        "phones": json.dumps(list(site.phones), ensure_ascii=False),
        "plates": json.dumps(list(site.plates), ensure_ascii=False),
        "handles": json.dumps(list(site.handles), ensure_ascii=False),
        "intermediary_name": site.intermediary_name,
        "intermediary_kvk": site.intermediary_kvk,
        "housing_street": site.housing.street,
        "housing_number": site.housing.number,
        "housing_postcode": site.housing.postcode,
        "housing_place": site.housing.place,
    }


def _site_text(site: SiteInput) -> str:
    parts: Iterable[str | None] = (
        site.name,
        site.trade_name,
        site.address.one_line(),
        site.municipality,
    )
    return " ".join(part for part in parts if part)


def _person_columns(person: PersonInput) -> dict[str, Any]:
    return {
        "label": person.label,
        "role": person.role.value,
        "sex": person.sex.value,
        "age": person.age,
        "age_band": person.age_band.value if person.age_band else None,
        "minor": None if person.minor is None else int(person.minor),
        "nationality": person.nationality,
        "languages": json.dumps(list(person.languages)),
        "interpreter": int(person.interpreter),
        "residence_status": person.residence_status,
        "consent": person.consent.value,
        "consent_date": person.consent_date,
        "notes": person.notes,
        "b83_status": person.b83_status.value,
        "b83_date": person.b83_date,
        "b83_by": person.b83_by,
        "suspected_forms": json.dumps(list(person.suspected_forms)),
        "professional_indication": int(person.professional_indication),
        "initials": person.initials,
        "birth_date": person.birth_date,
        "safe_contact": person.safe_contact,
        "whereabouts": person.whereabouts,
        "safety": person.safety,
        "care_needs": person.care_needs,
        "police_report": person.police_report.value,
    }


# -- the rows each kind of record is read as -------------------------------------------------
#
# One row type per table: its fields are the columns read, in the order a sync bundle carries
# them (all but an attachment's content). ``select_list`` writes the SELECT from them, and
# ``fieldapp.store.rows`` checks every result against them. Each starts with the columns
# every record has (META_COLUMNS), so a bundle row holds its id and tombstone flag at the same
# place whatever its kind (tests/core/test_store_rows.py checks).

META_COLUMNS = ("uuid", "created_at", "updated_at", "origin_device", "revision", "deleted")


class _SiteRow(NamedTuple):
    uuid: str
    created_at: str
    updated_at: str
    origin_device: str
    revision: int
    deleted: int
    name: str
    trade_name: str | None
    street: str | None
    number: str | None
    postcode: str | None
    place: str | None
    municipality: str | None
    kvk: str | None
    sector: str
    phones: str
    plates: str
    handles: str
    intermediary_name: str | None
    intermediary_kvk: str | None
    housing_street: str | None
    housing_number: str | None
    housing_postcode: str | None
    housing_place: str | None


class _VisitRow(NamedTuple):
    uuid: str
    created_at: str
    updated_at: str
    origin_device: str
    revision: int
    deleted: int
    site_uuid: str
    started_at: str
    ended_at: str | None
    type: str
    agencies: str
    inspector: str | None
    status: str
    notes: str | None


class _PersonRow(NamedTuple):
    uuid: str
    created_at: str
    updated_at: str
    origin_device: str
    revision: int
    deleted: int
    visit_uuid: str
    label: str
    role: str
    sex: str
    age: int | None
    age_band: str | None
    minor: int | None
    nationality: str | None
    languages: str
    interpreter: int
    residence_status: str | None
    consent: str
    consent_date: str | None
    notes: str | None
    b83_status: str
    b83_date: str | None
    b83_by: str | None
    suspected_forms: str
    professional_indication: int
    initials: str | None
    birth_date: str | None
    safe_contact: str | None
    whereabouts: str | None
    safety: str | None
    care_needs: str | None
    police_report: str


class _ObservationRow(NamedTuple):
    uuid: str
    created_at: str
    updated_at: str
    origin_device: str
    revision: int
    deleted: int
    visit_uuid: str
    person_uuid: str | None
    indicator_id: str
    catalogue_version: str
    status: str
    evidence: str | None
    note: str | None
    observed_at: str
    recorded_by: str | None
    past: int


class _AttachmentRow(NamedTuple):
    uuid: str
    created_at: str
    updated_at: str
    origin_device: str
    revision: int
    deleted: int
    owner_kind: str
    owner_uuid: str
    file_name: str
    media_type: str
    size: int
    sha256: str


class _ReferralRow(NamedTuple):
    uuid: str
    created_at: str
    updated_at: str
    origin_device: str
    revision: int
    deleted: int
    visit_uuid: str
    person_uuids: str
    recipient: str
    status: str
    document_uuid: str | None
    version: int
    supersedes: str | None
    document_id: str | None
    content_hash: str | None
    lang: str
    urgency: str
    reason: str | None
    vital_interest: str | None


class _VisitSummaryRow(NamedTuple):
    uuid: str
    started_at: str
    status: str
    type: str
    site_name: str
    place: str | None
    municipality: str | None
    sector: str
    person_count: int
    observed_count: int


class _LatestReferral(NamedTuple):
    uuid: str
    version: int


class SearchHit(NamedTuple):
    record_kind: str
    record_uuid: str


_RecordRow = _SiteRow | _VisitRow | _PersonRow | _ObservationRow | _AttachmentRow | _ReferralRow

_SITE_COLUMNS = select_list(_SiteRow)
_VISIT_COLUMNS = select_list(_VisitRow)
_PERSON_COLUMNS = select_list(_PersonRow)
_OBSERVATION_COLUMNS = select_list(_ObservationRow)
_ATTACHMENT_COLUMNS = select_list(_AttachmentRow)
_REFERRAL_COLUMNS = select_list(_ReferralRow)

# The columns each kind of record is read with (all but an attachment's content): also what a
# sync bundle carries.
SELECTED_COLUMNS = {
    "site": _SITE_COLUMNS,
    "visit": _VISIT_COLUMNS,
    "person": _PERSON_COLUMNS,
    "observation": _OBSERVATION_COLUMNS,
    "attachment": _ATTACHMENT_COLUMNS,
    "referral": _REFERRAL_COLUMNS,
}

# Visits with their site and counts, as the visits list shows them.
_VISIT_SUMMARY_SQL = """
    SELECT v.uuid, v.started_at, v.status, v.type, s.name AS site_name, s.place,
           s.municipality, s.sector,
           (SELECT count(*) FROM persons p WHERE p.visit_uuid = v.uuid AND p.deleted = 0)
             AS person_count,
           (SELECT count(*) FROM observations o
             WHERE o.visit_uuid = v.uuid AND o.deleted = 0 AND o.status = 'observed')
             AS observed_count
    FROM visits v JOIN sites s ON s.uuid = v.site_uuid
"""


def _meta(row: _RecordRow) -> RecordMeta:
    return RecordMeta(
        uuid=row.uuid,
        created_at=row.created_at,
        updated_at=row.updated_at,
        origin_device=row.origin_device,
        revision=row.revision,
        deleted=bool(row.deleted),
    )


def _site(row: _SiteRow) -> Site:
    return Site(
        meta=_meta(row),
        name=row.name,
        trade_name=row.trade_name,
        address=Address(
            street=row.street, number=row.number, postcode=row.postcode, place=row.place
        ),
        municipality=row.municipality,
        kvk=row.kvk,
        sector=Sector(row.sector),
        phones=tuple(json.loads(row.phones)),
        plates=tuple(json.loads(row.plates)),
        handles=tuple(json.loads(row.handles)),
        intermediary_name=row.intermediary_name,
        intermediary_kvk=row.intermediary_kvk,
        housing=Address(
            street=row.housing_street,
            number=row.housing_number,
            postcode=row.housing_postcode,
            place=row.housing_place,
        ),
    )


def _visit(row: _VisitRow) -> Visit:
    return Visit(
        meta=_meta(row),
        site_uuid=row.site_uuid,
        started_at=row.started_at,
        ended_at=row.ended_at,
        type=VisitType(row.type),
        agencies=tuple(json.loads(row.agencies)),
        inspector=row.inspector,
        status=VisitStatus(row.status),
        notes=row.notes,
    )


def _person(row: _PersonRow) -> Person:
    return Person(
        meta=_meta(row),
        visit_uuid=row.visit_uuid,
        label=row.label,
        role=PersonRole(row.role),
        sex=Sex(row.sex),
        age=row.age,
        age_band=AgeBand(row.age_band) if row.age_band else None,
        minor=None if row.minor is None else bool(row.minor),
        nationality=row.nationality,
        languages=tuple(json.loads(row.languages)),
        interpreter=bool(row.interpreter),
        residence_status=row.residence_status,
        consent=Consent(row.consent),
        consent_date=row.consent_date,
        notes=row.notes,
        b83_status=B83Status(row.b83_status),
        b83_date=row.b83_date,
        b83_by=row.b83_by,
        suspected_forms=tuple(json.loads(row.suspected_forms)),
        professional_indication=bool(row.professional_indication),
        initials=row.initials,
        birth_date=row.birth_date,
        safe_contact=row.safe_contact,
        whereabouts=row.whereabouts,
        safety=row.safety,
        care_needs=row.care_needs,
        police_report=PoliceReport(row.police_report),
    )


def _observation(row: _ObservationRow) -> Observation:
    return Observation(
        meta=_meta(row),
        visit_uuid=row.visit_uuid,
        person_uuid=row.person_uuid,
        indicator_id=row.indicator_id,
        catalogue_version=row.catalogue_version,
        status=ObservationStatus(row.status),
        evidence=Evidence(row.evidence) if row.evidence else None,
        note=row.note,
        observed_at=row.observed_at,
        recorded_by=row.recorded_by,
        past=bool(row.past),
    )


def _attachment(row: _AttachmentRow) -> Attachment:
    return Attachment(
        meta=_meta(row),
        owner_kind=row.owner_kind,
        owner_uuid=row.owner_uuid,
        file_name=row.file_name,
        media_type=row.media_type,
        size=row.size,
        sha256=row.sha256,
    )


def _referral(row: _ReferralRow) -> Referral:
    return Referral(
        meta=_meta(row),
        visit_uuid=row.visit_uuid,
        person_uuids=tuple(json.loads(row.person_uuids)),
        recipient=row.recipient,
        status=ReferralStatus(row.status),
        document_uuid=row.document_uuid,
        version=row.version,
        supersedes=row.supersedes,
        document_id=row.document_id,
        content_hash=row.content_hash,
        lang=row.lang,
        urgency=row.urgency,
        reason=row.reason,
        vital_interest=row.vital_interest,
    )


def _visit_summary(row: _VisitSummaryRow) -> VisitSummary:
    return VisitSummary(
        uuid=row.uuid,
        started_at=row.started_at,
        status=VisitStatus(row.status),
        type=VisitType(row.type),
        site_name=row.site_name,
        place=row.place,
        municipality=row.municipality,
        sector=Sector(row.sector),
        person_count=row.person_count,
        observed_count=row.observed_count,
    )
