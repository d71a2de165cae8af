"""The raw baseline: bare sqlcipher3 with a raw key and the same pragmas as the app.

Nothing here goes through ``fieldapp``'s connection code; only the pragma lists are shared, so
"same pragmas" stays true when the app changes them. (``cipher_memory_security`` is process-wide
in SQLCipher once any connection turns it on, so raw and ours could not differ there anyway.)
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import sqlcipher3

from fieldapp.vault.connection import AFTER_KEY_PRAGMAS, CONNECTION_PRAGMAS

# Same columns, primary key and indexes as the store's ``observations`` table (no foreign keys:
# the raw table has no parents), so the bulk baseline writes the same data in the same shape.
RAW_OBSERVATIONS_DDL = """
CREATE TABLE observations (
    uuid TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    origin_device TEXT NOT NULL,
    revision INTEGER NOT NULL DEFAULT 1,
    deleted INTEGER NOT NULL DEFAULT 0,
    visit_uuid TEXT NOT NULL,
    person_uuid TEXT,
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
CREATE UNIQUE INDEX observations_one_per_indicator
    ON observations(visit_uuid, coalesce(person_uuid, ''), indicator_id) WHERE deleted = 0;
"""
RAW_OBSERVATION_INSERT = (
    "INSERT INTO observations (uuid, created_at, updated_at, origin_device, revision, deleted,"
    " visit_uuid, person_uuid, indicator_id, catalogue_version, status, evidence, note,"
    " observed_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
RAW_FTS_DDL = "CREATE VIRTUAL TABLE t USING fts5(body, tokenize = 'unicode61 remove_diacritics 2')"
RAW_FTS_QUERY = "SELECT rowid FROM t WHERE t MATCH ? ORDER BY rank LIMIT 50"


def open_raw(
    path: Path, key: bytes | bytearray, *, first_query: bool = True
) -> sqlcipher3.Connection:
    """Connect, key with ``x'..'`` (no PBKDF2), prove the key with a first query, set pragmas."""
    conn = sqlcipher3.connect(str(path), isolation_level=None)
    for pragma in CONNECTION_PRAGMAS:
        conn.execute(pragma)
    conn.execute(f"PRAGMA key = \"x'{bytes(key).hex()}'\"")
    if first_query:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    for pragma in AFTER_KEY_PRAGMAS:
        conn.execute(pragma)
    return conn


def remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            Path(f"{path}{suffix}").unlink()
