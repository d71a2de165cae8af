"""Numbered schema migrations. Step N brings ``PRAGMA user_version`` from N-1 to N inside one
transaction, so a crash mid-upgrade leaves the vault at the last completed step.

Never edit a released step; add a new one. A fixture vault per released schema lives in
``tests/fixtures`` and a test upgrades each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlcipher3

from fieldapp.errors import VaultDamaged
from fieldapp.vault.connection import Connection

# Columns every synchronised record carries.
_RECORD = """
    uuid TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin_device TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    deleted INTEGER NOT NULL DEFAULT 0"""

SCHEMA_V1 = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

CREATE TABLE sites ({_RECORD},
    name TEXT NOT NULL,
    trade_name TEXT,
    street TEXT, number TEXT, postcode TEXT, place TEXT,
    municipality TEXT,
    kvk TEXT,
    sector TEXT NOT NULL,
    phones TEXT NOT NULL DEFAULT '[]',
    plates TEXT NOT NULL DEFAULT '[]',
    handles TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE visits ({_RECORD},
    site_uuid TEXT NOT NULL REFERENCES sites(uuid),
    started_at TEXT NOT NULL,
    ended_at TEXT,
    type TEXT NOT NULL,
    agencies TEXT NOT NULL DEFAULT '[]',
    inspector TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    notes TEXT
) STRICT;
CREATE INDEX visits_by_start ON visits(deleted, started_at DESC, uuid);
CREATE INDEX visits_by_site ON visits(site_uuid);

CREATE TABLE persons ({_RECORD},
    visit_uuid TEXT NOT NULL REFERENCES visits(uuid),
    label TEXT NOT NULL,
    role TEXT NOT NULL,
    sex TEXT NOT NULL DEFAULT 'unknown',
    age INTEGER,
    age_band TEXT,
    minor INTEGER,
    nationality TEXT,
    languages TEXT NOT NULL DEFAULT '[]',
    interpreter INTEGER NOT NULL DEFAULT 0,
    residence_status TEXT,
    consent TEXT NOT NULL DEFAULT 'not_asked',
    consent_date TEXT,
    notes TEXT
) STRICT;
CREATE INDEX persons_by_visit ON persons(visit_uuid);

CREATE TABLE observations ({_RECORD},
    visit_uuid TEXT NOT NULL REFERENCES visits(uuid),
    person_uuid TEXT REFERENCES persons(uuid),
    indicator_id TEXT NOT NULL,
    catalogue_version TEXT NOT NULL,
    status TEXT NOT NULL,
    evidence TEXT,
    note TEXT,
    observed_at TEXT NOT NULL,
    recorded_by TEXT
) STRICT;
CREATE INDEX observations_by_visit ON observations(visit_uuid);
CREATE INDEX observations_by_person ON observations(person_uuid);
-- One live observation per indicator, per person (or for the whole visit).
CREATE UNIQUE INDEX observations_one_per_indicator
    ON observations(visit_uuid, coalesce(person_uuid, ''), indicator_id) WHERE deleted = 0;

CREATE TABLE attachments ({_RECORD},
    owner_kind TEXT NOT NULL,
    owner_uuid TEXT NOT NULL,
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB
) STRICT;
CREATE INDEX attachments_by_owner ON attachments(owner_uuid);

CREATE TABLE referrals ({_RECORD},
    visit_uuid TEXT NOT NULL REFERENCES visits(uuid),
    person_uuids TEXT NOT NULL DEFAULT '[]',
    recipient TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'draft',
    document_uuid TEXT REFERENCES attachments(uuid)
) STRICT;
CREATE INDEX referrals_by_visit ON referrals(visit_uuid);

CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    record_uuid TEXT,
    hash BLOB NOT NULL  -- SHA-256 over the previous entry's hash and this entry
) STRICT;

-- Notes, site names and addresses, one row per source record. secure-delete makes erased
-- terms leave the index at once instead of at the next merge.
CREATE VIRTUAL TABLE search_index USING fts5(
    body,
    visit_uuid UNINDEXED,
    record_kind UNINDEXED,
    record_uuid UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search_index(search_index, rank) VALUES ('secure-delete', 1);
-- Stable FTS rowids per source record, so an update or erasure finds its index row directly.
CREATE TABLE search_rows (rowid INTEGER PRIMARY KEY, record_uuid TEXT NOT NULL UNIQUE) STRICT;
"""

# Whether the reflection period (B8/3 Aliens Circular) was offered, when and by whom.
SCHEMA_V2 = """
ALTER TABLE persons ADD COLUMN b83_status TEXT NOT NULL DEFAULT 'not_recorded';
ALTER TABLE persons ADD COLUMN b83_date TEXT;
ALTER TABLE persons ADD COLUMN b83_by TEXT;
"""

# Referral documents: versions, their id and content hash, and immutability once final.
SCHEMA_V3 = """
ALTER TABLE referrals ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE referrals ADD COLUMN supersedes TEXT REFERENCES referrals(uuid);
ALTER TABLE referrals ADD COLUMN document_id TEXT;
ALTER TABLE referrals ADD COLUMN content_hash TEXT;
ALTER TABLE referrals ADD COLUMN lang TEXT NOT NULL DEFAULT 'nl';
ALTER TABLE referrals ADD COLUMN urgency TEXT NOT NULL DEFAULT 'normal';
CREATE INDEX referrals_by_document ON referrals(document_id);

-- A final referral never changes: a new version is a new row.
CREATE TRIGGER referral_final_is_fixed BEFORE UPDATE OF document_uuid, content_hash, version,
    person_uuids, recipient, lang ON referrals
    WHEN old.status != 'draft' AND new.deleted = 0
BEGIN
    SELECT RAISE(ABORT, 'a final referral cannot be changed');
END;
CREATE TRIGGER referral_document_is_fixed BEFORE UPDATE OF content ON attachments
    WHEN old.owner_kind = 'referral' AND new.deleted = 0
BEGIN
    SELECT RAISE(ABORT, 'a referral document cannot be changed');
END;
"""

# Sync by file (fieldapp/sync, SQL in fieldapp/store/sync_store.py). Keys stay inside the vault.
_TRACKED = (
    ("site", "sites"),
    ("visit", "visits"),
    ("person", "persons"),
    ("observation", "observations"),
    ("attachment", "attachments"),
    ("referral", "referrals"),
)
# Field devices log every insert and every revision bump (the store bumps ``revision`` on each
# update and delete) into sync_changes; its rowid is the monotonic change counter, and a bundle
# carries the records of a range of it. Coordinators log nothing.
_TRACK_CHANGES = "".join(
    f"""
CREATE TRIGGER sync_track_{table}_insert AFTER INSERT ON {table}
    WHEN (SELECT value FROM meta WHERE key = 'role') = 'field'
BEGIN
    INSERT INTO sync_changes (kind, uuid) VALUES ('{kind}', new.uuid);
END;
CREATE TRIGGER sync_track_{table}_update AFTER UPDATE OF revision ON {table}
    WHEN (SELECT value FROM meta WHERE key = 'role') = 'field'
BEGIN
    INSERT INTO sync_changes (kind, uuid) VALUES ('{kind}', new.uuid);
END;"""
    for kind, table in _TRACKED
)
SCHEMA_V4 = (
    """
-- This vault's own keys: 'signing' (Ed25519 private key, hex), for a coordinator also
-- 'age_identity' (AGE-SECRET-KEY-1...) and 'recovery_recipient' (age1..., public only).
CREATE TABLE sync_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL, created_at TEXT NOT NULL)
    STRICT;

-- Field side: the one coordinator this device trusts (card as canonical JSON) and enrolment.
CREATE TABLE sync_coordinator (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    coordinator_id TEXT NOT NULL,
    card TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    trusted_at TEXT NOT NULL,
    requested_at TEXT,
    enrolled_at TEXT,
    acknowledgement TEXT
) STRICT;

-- Coordinator side: devices approved after the fingerprint comparison; never deleted.
CREATE TABLE sync_devices (
    device_id TEXT PRIMARY KEY,
    signing_key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    inspector TEXT,
    agency TEXT,
    request TEXT NOT NULL,
    enrolled_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

-- Field side: the change log (filled by the triggers below) ...
CREATE TABLE sync_changes (change_no INTEGER PRIMARY KEY, kind TEXT NOT NULL, uuid TEXT NOT NULL)
    STRICT;
-- ... and every bundle made. seq is gapless: a failed export deletes its reservation.
CREATE TABLE sync_outgoing (
    seq INTEGER PRIMARY KEY,
    bundle_id TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL CHECK (status IN ('reserved', 'exported')),
    prev_bundle_sha256 TEXT NOT NULL,
    bundle_sha256 TEXT,
    change_from INTEGER NOT NULL,
    change_to INTEGER NOT NULL,
    audit_from INTEGER NOT NULL,
    audit_to INTEGER NOT NULL,
    resends TEXT NOT NULL DEFAULT '[]',
    file_name TEXT,
    counts TEXT NOT NULL DEFAULT '{}',
    reserved_at TEXT NOT NULL,
    exported_at TEXT
) STRICT;

-- Coordinator side: every bundle imported, once per (device, seq).
CREATE TABLE sync_incoming (
    device_id TEXT NOT NULL REFERENCES sync_devices(device_id),
    seq INTEGER NOT NULL,
    bundle_id TEXT NOT NULL,
    bundle_sha256 TEXT NOT NULL,
    prev_bundle_sha256 TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    resends TEXT NOT NULL DEFAULT '[]',
    counts TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (device_id, seq)
) STRICT;

-- A signed bundle that contradicts an imported one (same seq, other content; broken chain).
CREATE TABLE sync_alarms (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    device_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    bundle_sha256 TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
) STRICT;

-- The field devices' own audit entries, one row per consecutive run a bundle brought (one
-- row instead of one per entry: a bundle of 100k records carries 100k entries). The chain was
-- verified at import, so each entry's hash follows from first_hash and the entries before it;
-- last_hash links the next run. entries: zlib-compressed JSON
-- [[seq, at, actor, action, record_kind, record_uuid], ...].
CREATE TABLE sync_field_audit (
    device_id TEXT NOT NULL,
    first_seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    first_hash BLOB NOT NULL,
    last_hash BLOB NOT NULL,
    bundle_id TEXT NOT NULL,
    entries BLOB NOT NULL,
    PRIMARY KEY (device_id, first_seq)
) STRICT;

-- The coordinator's own notes on any record: field data never touches this table.
CREATE TABLE coordinator_notes (
    uuid TEXT PRIMARY KEY,
    record_kind TEXT NOT NULL,
    record_uuid TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX coordinator_notes_by_record ON coordinator_notes(record_uuid);

-- A field change to a record the coordinator changed locally: kept, shown, never applied
-- silently.
CREATE TABLE sync_conflicts (
    id INTEGER PRIMARY KEY,
    record_kind TEXT NOT NULL,
    record_uuid TEXT NOT NULL,
    device_id TEXT NOT NULL,
    bundle_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    local_revision INTEGER NOT NULL,
    field_revision INTEGER NOT NULL,
    field_record TEXT NOT NULL,
    field_content BLOB,
    detected_at TEXT NOT NULL,
    resolved_at TEXT,
    resolution TEXT
) STRICT;
CREATE INDEX sync_conflicts_open ON sync_conflicts(resolved_at, record_uuid);
"""
    # Coordinator side: provenance of an imported record, on the record itself (no second
    # b-tree per record): the bundle seq that last set it (its device is origin_device, whose
    # inspector and agency are in sync_devices) and the revision it brought, so a local change
    # since (revision != sync_revision) is seen when the field sends a newer one.
    + "".join(
        f"""
ALTER TABLE {table} ADD COLUMN sync_seq INTEGER;
ALTER TABLE {table} ADD COLUMN sync_revision INTEGER;"""
        for _, table in _TRACKED
    )
    + _TRACK_CHANGES
    # A field vault upgraded to this step has sent nothing yet: all its records are changes.
    + "".join(
        f"""
INSERT INTO sync_changes (kind, uuid) SELECT '{kind}', uuid FROM {table}
    WHERE (SELECT value FROM meta WHERE key = 'role') = 'field' ORDER BY created_at, uuid;"""
        for kind, table in _TRACKED
    )
)

# The visits list at 100k visits: sorting or filtering by a site column joined every visit to
# its site (1.3-1.9 s, measured). The visit carries copies of those columns as sort keys, kept
# by triggers (never by hand, and never a revision: they are derived, not synchronised).
_SORT_KEYS = "sort_site, sort_place, sort_municipality, sort_sector"
_SORT_VALUES_OF = """(SELECT name FROM sites WHERE uuid = {visit}.site_uuid),
        (SELECT place FROM sites WHERE uuid = {visit}.site_uuid),
        (SELECT municipality FROM sites WHERE uuid = {visit}.site_uuid),
        (SELECT sector FROM sites WHERE uuid = {visit}.site_uuid)"""
SCHEMA_V5 = f"""
ALTER TABLE visits ADD COLUMN sort_site TEXT;
ALTER TABLE visits ADD COLUMN sort_place TEXT;
ALTER TABLE visits ADD COLUMN sort_municipality TEXT;
ALTER TABLE visits ADD COLUMN sort_sector TEXT;
UPDATE visits SET ({_SORT_KEYS}) = ({_SORT_VALUES_OF.format(visit="visits")});

CREATE TRIGGER visits_sort_keys_on_insert AFTER INSERT ON visits
BEGIN
    UPDATE visits SET ({_SORT_KEYS}) = ({_SORT_VALUES_OF.format(visit="new")})
     WHERE uuid = new.uuid;
END;
CREATE TRIGGER visits_sort_keys_on_site_change AFTER UPDATE OF site_uuid ON visits
BEGIN
    UPDATE visits SET ({_SORT_KEYS}) = ({_SORT_VALUES_OF.format(visit="new")})
     WHERE uuid = new.uuid;
END;
CREATE TRIGGER sites_sort_keys_on_update AFTER UPDATE OF name, place, municipality, sector
    ON sites
BEGIN
    UPDATE visits SET sort_site = new.name, sort_place = new.place,
        sort_municipality = new.municipality, sort_sector = new.sector
     WHERE site_uuid = new.uuid;
END;

CREATE INDEX visits_by_status ON visits(deleted, status, started_at, uuid);
CREATE INDEX visits_by_type ON visits(deleted, type, uuid);
CREATE INDEX visits_by_sort_site ON visits(deleted, sort_site COLLATE NOCASE, uuid);
CREATE INDEX visits_by_sort_place ON visits(deleted, sort_place COLLATE NOCASE, uuid);
-- These two also serve the filters, which list newest first.
CREATE INDEX visits_by_sort_municipality
    ON visits(deleted, sort_municipality COLLATE NOCASE, started_at, uuid);
CREATE INDEX visits_by_sort_sector ON visits(deleted, sort_sector, started_at, uuid);
CREATE INDEX sites_by_municipality ON sites(municipality COLLATE NOCASE);
"""


def _schema_v6(role: str | None) -> str:
    """Change tracking only where it is used, and the coordinator's workspace.

    The v4 triggers asked the meta table for the role on every row written (0.45 s of a 100k
    observation import on a coordinator, measured). A vault's role never changes, so a field
    vault keeps the triggers without the question and a coordinator has none."""
    drop = "".join(
        f"""
DROP TRIGGER sync_track_{table}_insert;
DROP TRIGGER sync_track_{table}_update;"""
        for _, table in _TRACKED
    )
    when_field = "\n    WHEN (SELECT value FROM meta WHERE key = 'role') = 'field'"
    tracking = _TRACK_CHANGES.replace(when_field, "") if role == "field" else ""
    return drop + tracking + _COORDINATOR_WORKSPACE


# The coordinator's workspace (issue 7). Every table here is local: never in a bundle, never
# written by imported field data.
_COORDINATOR_WORKSPACE = """
-- An alarm stays on the sync page until someone has looked into it.
ALTER TABLE sync_alarms ADD COLUMN acknowledged_at TEXT;
ALTER TABLE sync_alarms ADD COLUMN acknowledged_by TEXT;

-- The assessment outcome per person and form of exploitation, as the engine gives it, so
-- filters and statistics over a million observations need no engine run. Persons whose
-- visit changed (an import, an edit) are listed in outcomes_stale until recomputed.
CREATE TABLE person_outcomes (
    person_uuid TEXT NOT NULL REFERENCES persons(uuid) ON DELETE CASCADE,
    form TEXT NOT NULL,
    outcome TEXT NOT NULL,
    outcome_rank INTEGER NOT NULL,
    acute INTEGER NOT NULL DEFAULT 0,
    catalogue_version TEXT NOT NULL,
    computed_at TEXT NOT NULL,
    PRIMARY KEY (person_uuid, form)
) STRICT, WITHOUT ROWID;
CREATE INDEX person_outcomes_by_form ON person_outcomes(form, outcome_rank);
-- The highest outcome per visit and form, so filtering 100k visits by form and outcome is one
-- index range, not a lookup per matching person (1.1-1.8 s -> 0.2 s, measured).
CREATE TABLE visit_outcomes (
    visit_uuid TEXT NOT NULL REFERENCES visits(uuid) ON DELETE CASCADE,
    form TEXT NOT NULL,
    max_rank INTEGER NOT NULL,
    PRIMARY KEY (form, max_rank, visit_uuid)
) STRICT, WITHOUT ROWID;
CREATE INDEX visit_outcomes_by_visit ON visit_outcomes(visit_uuid);
CREATE TABLE outcomes_stale (visit_uuid TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
-- Every visit with persons from before this step is still to be assessed.
INSERT INTO outcomes_stale (visit_uuid) SELECT DISTINCT visit_uuid FROM persons WHERE deleted = 0;

-- The merged picture's filters by device and agency (606-787 ms at 100k visits without it).
CREATE INDEX visits_by_origin ON visits(deleted, origin_device, started_at, uuid);

-- Follow-up of a referral by the coordinator: sent, acknowledged, investigating, closed.
CREATE TABLE referral_followup (
    referral_uuid TEXT PRIMARY KEY REFERENCES referrals(uuid) ON DELETE CASCADE,
    status TEXT NOT NULL CHECK (status IN ('sent', 'acknowledged', 'investigating', 'closed')),
    outcome TEXT,
    due_date TEXT,  -- NULL: no due date
    note TEXT,
    updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX referral_followup_due ON referral_followup(status, due_date);

-- Link keys: HMAC-SHA256 (key in sync_keys as 'link_hmac') of a normalised identifier, so
-- records are linked on pseudonyms; the identifier itself is never stored here.
CREATE TABLE link_keys (
    link_type TEXT NOT NULL,
    link_key BLOB NOT NULL,
    record_kind TEXT NOT NULL,
    record_uuid TEXT NOT NULL,
    PRIMARY KEY (link_type, link_key, record_uuid)
) STRICT, WITHOUT ROWID;
CREATE INDEX link_keys_by_record ON link_keys(record_uuid);

-- Retention (AVG): days to keep per kind of record, and a log that counts what a purge
-- erased without keeping any of it.
CREATE TABLE retention_policy (
    rule TEXT PRIMARY KEY,
    days INTEGER NOT NULL CHECK (days > 0),
    updated_at TEXT NOT NULL
) STRICT;
CREATE TABLE deletion_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    rule TEXT NOT NULL,
    record_kind TEXT NOT NULL,
    erased INTEGER NOT NULL
) STRICT;
"""

# Judgement a professional trusts (catalogue 2026.2): the forms a person is suspected of, the
# professional's own judgement that there is an indication, whether an observation lies in the
# past, and per form whether it carries an indication. New columns come last: a bundle from a
# device on schema 6 carries rows without them (fieldapp/sync/bundle.py pads them). Every
# visit is assessed again, now with the corrected rules.
SCHEMA_V7 = """
ALTER TABLE persons ADD COLUMN suspected_forms TEXT NOT NULL DEFAULT '[]';
ALTER TABLE persons ADD COLUMN professional_indication INTEGER NOT NULL DEFAULT 0;
ALTER TABLE observations ADD COLUMN past INTEGER NOT NULL DEFAULT 0;
ALTER TABLE person_outcomes ADD COLUMN indication INTEGER NOT NULL DEFAULT 0;
INSERT OR IGNORE INTO outcomes_stale (visit_uuid)
    SELECT DISTINCT visit_uuid FROM persons WHERE deleted = 0;
"""

# What partners need to act (issue 15): per person, how to reach them safely, where they are,
# their safety and care needs, whether they made a report to the police, and for CoMensha
# their initials and date of birth; per site, the intermediary (an uitzendbureau) and the
# housing address; per referral, the inspector's own reason and, for the care coordinator
# without recorded consent, the vital interest that allowed it (AVG art. 6(1)(d)). New
# columns come last: bundles from devices on schema 7 are padded (fieldapp/sync/bundle.py).
SCHEMA_V8 = """
ALTER TABLE sites ADD COLUMN intermediary_name TEXT;
ALTER TABLE sites ADD COLUMN intermediary_kvk TEXT;
ALTER TABLE sites ADD COLUMN housing_street TEXT;
ALTER TABLE sites ADD COLUMN housing_number TEXT;
ALTER TABLE sites ADD COLUMN housing_postcode TEXT;
ALTER TABLE sites ADD COLUMN housing_place TEXT;
ALTER TABLE persons ADD COLUMN initials TEXT;
ALTER TABLE persons ADD COLUMN birth_date TEXT;
ALTER TABLE persons ADD COLUMN safe_contact TEXT;
ALTER TABLE persons ADD COLUMN whereabouts TEXT;
ALTER TABLE persons ADD COLUMN safety TEXT;
ALTER TABLE persons ADD COLUMN care_needs TEXT;
ALTER TABLE persons ADD COLUMN police_report TEXT NOT NULL DEFAULT 'unknown';
ALTER TABLE referrals ADD COLUMN reason TEXT;
ALTER TABLE referrals ADD COLUMN vital_interest TEXT;
"""

# Replies to each device (issue 16): the coordinator keeps the age recipient a device's
# signed manifests name (its reply key) and since when. Coordinator-local: no bundle carries
# these columns, so no padding.
SCHEMA_V9 = """
ALTER TABLE sync_devices ADD COLUMN reply_recipient TEXT;
ALTER TABLE sync_devices ADD COLUMN reply_recipient_at TEXT;
"""

# The coordinator answers each device (issue 16). Coordinator side: every reply written, per
# device and seq. Field side: every reply imported; what arrived, per record and the revision
# the coordinator stored (forgetting erases a record only in that revision); and what the
# replies bring: the follow-up of the device's referrals (in referral_followup, as on the
# coordinator) and the coordinator's revocation list. Tables of both roles exist in both (a
# vault never changes role); each side only writes its own.
SCHEMA_V10 = """
CREATE TABLE sync_replies_out (
    device_id TEXT NOT NULL REFERENCES sync_devices(device_id),
    seq INTEGER NOT NULL,
    reply_id TEXT NOT NULL UNIQUE,
    reply_sha256 TEXT NOT NULL,
    acknowledged_through INTEGER NOT NULL,
    counts TEXT NOT NULL,
    file_name TEXT NOT NULL,
    written_at TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) STRICT;
CREATE TABLE sync_replies_in (
    seq INTEGER PRIMARY KEY,
    reply_id TEXT NOT NULL UNIQUE,
    reply_sha256 TEXT NOT NULL,
    created_utc TEXT NOT NULL,
    acknowledged_through INTEGER NOT NULL,
    counts TEXT NOT NULL,
    imported_at TEXT NOT NULL
) STRICT;
CREATE TABLE sync_arrivals (
    uuid TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    revision INTEGER NOT NULL,
    arrived_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;
CREATE TABLE sync_revocations (
    device_id TEXT PRIMARY KEY,
    revoked_at TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Catalogue versions: the coordinator publishes one (its replies carry the newest published);
-- a device keeps each version a reply brought (files as zlib-compressed canonical JSON
-- {name: text}), so observations made with it stay readable after the app is updated.
CREATE TABLE catalogue_published (
    version TEXT PRIMARY KEY,
    published_at TEXT NOT NULL
) STRICT;
CREATE TABLE catalogue_installed (
    version TEXT PRIMARY KEY,
    content_hash TEXT NOT NULL,
    files BLOB NOT NULL,
    coordinator TEXT NOT NULL,
    installed_at TEXT NOT NULL
) STRICT;

-- Known sites for the first step of a visit, as the last reply brought them: names,
-- addresses and KvK numbers of places, never persons. Replaced whole by every reply.
CREATE TABLE known_sites (
    kvk TEXT,
    name TEXT NOT NULL,
    street TEXT,
    number TEXT,
    postcode TEXT,
    place TEXT,
    municipality TEXT,
    sector TEXT
) STRICT;

-- Coordinator key renewal: the new card signed by the old signing key, and per device the
-- coordinator card its last bundle named (a device that has not moved yet is still answered
-- with the old key). Retired keys stay in sync_keys under their own names.
CREATE TABLE sync_key_renewals (
    id INTEGER PRIMARY KEY,
    old_fingerprint TEXT NOT NULL,
    new_fingerprint TEXT NOT NULL,
    card TEXT NOT NULL,
    signature TEXT NOT NULL,
    renewed_at TEXT NOT NULL
) STRICT;
ALTER TABLE sync_devices ADD COLUMN coordinator_fingerprint TEXT;
"""

Step = str | Callable[[str | None], str]
MIGRATIONS: tuple[Step, ...] = (
    SCHEMA_V1,
    SCHEMA_V2,
    SCHEMA_V3,
    SCHEMA_V4,
    SCHEMA_V5,
    _schema_v6,
    SCHEMA_V7,
    SCHEMA_V8,
    SCHEMA_V9,
    SCHEMA_V10,
)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Connection, steps: Sequence[Step] = MIGRATIONS, role: str | None = None) -> int:
    """Run every step above the vault's version; returns the version reached. A step may be a
    function of the vault's role (from meta, or ``role`` for a vault being created)."""
    current = schema_version(conn)
    if current > len(steps):
        raise VaultDamaged("vault.check.schema_newer", found=current, supported=len(steps))
    for number in range(current + 1, len(steps) + 1):
        step = steps[number - 1]
        script = step if isinstance(step, str) else step(_role(conn) or role)
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return schema_version(conn)


def _role(conn: Connection) -> str | None:
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'role'").fetchone()
    except sqlcipher3.OperationalError:  # no meta table yet
        return None
    return None if row is None else str(row[0])
