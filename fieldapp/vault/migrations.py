"""Numbered schema migrations. Step N brings ``PRAGMA user_version`` from N-1 to N inside one
transaction, so a crash mid-upgrade leaves the vault at the last completed step.

Never edit a released step; add a new one. A fixture vault per released schema lives in
``tests/fixtures`` and a test upgrades each.
"""

from __future__ import annotations

from collections.abc import Sequence

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

MIGRATIONS: tuple[str, ...] = (SCHEMA_V1, SCHEMA_V2, SCHEMA_V3)
SCHEMA_VERSION = len(MIGRATIONS)


def schema_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: Connection, steps: Sequence[str] = MIGRATIONS) -> int:
    """Run every step above the vault's version; returns the version reached."""
    current = schema_version(conn)
    if current > len(steps):
        raise VaultDamaged("vault.check.schema_newer", found=current, supported=len(steps))
    for number in range(current + 1, len(steps) + 1):
        script = steps[number - 1]
        try:
            conn.executescript(
                f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
            )
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return schema_version(conn)
