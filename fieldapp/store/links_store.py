"""All SQL of linked cases (``fieldapp.links``): the link secret, what the keys are made from,
the keys themselves (``link_keys``), and what clusters are built from.

``link_keys`` holds one row per (link type, keyed hash, site); the clear identifier is never
stored there. A refresh writes only the difference with what is stored, range by range of site
ids, a transaction per range. ``meta`` keeps the state of the sites the keys were made from
(:meth:`LinksStore.sites_signature`), so "are the keys stale?" is one aggregate query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from operator import itemgetter
from typing import NamedTuple

import msgspec

from fieldapp.clock import now_iso
from fieldapp.store.rows import fetch_each, fetch_one, fetch_value, select_list
from fieldapp.vault import audit
from fieldapp.vault.connection import Connection, transaction
from fieldapp.vault.vault import VaultLike

LINK_SECRET_NAME = "link_hmac"  # noqa: S105 - the name of a key, not a secret
SIGNATURE_META_KEY = "links.signature"
RANGES_META_KEY = "links.ranges"
SITE_RECORD = "site"

KeyRow = tuple[str, bytes, str]  # (link_type, link_key, site uuid)
_KEY_BYTES = itemgetter(1)  # of a KeyRow


@dataclass(frozen=True, slots=True)
class SiteSource:
    """What a site's link keys are made from, as stored (clear text; never leaves the vault)."""

    uuid: str
    name: str
    trade_name: str | None
    number: str | None
    postcode: str | None
    municipality: str | None
    kvk: str | None
    phones: tuple[str, ...]
    plates: tuple[str, ...]
    handles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ClusterVisitRow:
    """One visit behind a cluster, with what the cluster's figures are counted from."""

    cluster: int
    visit_uuid: str
    started_at: str
    origin_device: str
    agencies: tuple[str, ...]
    device_agency: str | None
    possible_victims: int


class LinksStore:
    def __init__(self, vault: VaultLike) -> None:
        self.vault = vault

    @property
    def conn(self) -> Connection:
        return self.vault.conn

    def writing(self) -> AbstractContextManager[Connection]:
        """One transaction (a refresh writes a range of sites in each)."""
        return transaction(self.conn)

    # -- the secret ------------------------------------------------------------------------

    def link_secret(self) -> str | None:
        value = fetch_value(
            self.conn, "SELECT value FROM sync_keys WHERE name = ?", (LINK_SECRET_NAME,)
        )
        return None if value is None else str(value)

    def add_link_secret(self, value_hex: str) -> str:
        """Store the secret unless one exists; returns the stored one either way."""
        with transaction(self.conn):
            cursor = self.conn.execute(
                "INSERT INTO sync_keys (name, value, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (LINK_SECRET_NAME, value_hex, now_iso()),
            )
            if cursor.rowcount:
                audit.append(self.conn, self.vault.actor, "create", "sync_key", None)
            stored = fetch_value(
                self.conn, "SELECT value FROM sync_keys WHERE name = ?", (LINK_SECRET_NAME,)
            )
        return str(stored)

    # -- what keys are made from -----------------------------------------------------------

    def sites_signature(self) -> str:
        """Changes whenever a site is added, changed (every change bumps its revision), deleted
        or erased: count, rowids, revisions and the latest change time of every site row."""
        row = fetch_one(
            self.conn,
            _SitesState,
            "SELECT count(*) AS sites, total(rowid) AS rowids, total(revision) AS revisions,"
            " total(deleted) AS deleted, coalesce(max(updated_at), '') AS last_change"
            " FROM sites",
        )
        assert row is not None  # an aggregate always has its one row
        return "|".join(str(value) for value in row)

    def stored_signature(self) -> str | None:
        value = fetch_value(
            self.conn, "SELECT value FROM meta WHERE key = ?", (SIGNATURE_META_KEY,)
        )
        return None if value is None else str(value)

    def site_sources(
        self, after: str = "", *, upto: str | None = None, limit: int | None = 10_000
    ) -> list[SiteSource]:
        """Live sites with ids above ``after`` (and up to ``upto``), in id order, at most
        ``limit`` (None: all of them)."""
        rows = fetch_each(
            self.conn,
            _SiteSourceRow,
            f"SELECT {select_list(_SiteSourceRow)} FROM sites"
            " WHERE deleted = 0 AND uuid > ? AND (? IS NULL OR uuid <= ?) ORDER BY uuid LIMIT ?",
            (after, upto, upto, -1 if limit is None else limit),
        )
        return [
            SiteSource(
                uuid=row.uuid,
                name=row.name,
                trade_name=row.trade_name,
                number=row.number,
                postcode=row.postcode,
                municipality=row.municipality,
                kvk=row.kvk,
                phones=_text_list(row.phones),
                plates=_text_list(row.plates),
                handles=_text_list(row.handles),
            )
            for row in rows
        ]

    def stored_ranges(self) -> str | None:
        value = fetch_value(self.conn, "SELECT value FROM meta WHERE key = ?", (RANGES_META_KEY,))
        return None if value is None else str(value)

    # -- the keys ----------------------------------------------------------------------------

    def stored_keys(self, after: str, upto: str | None, skip_type: str) -> set[KeyRow]:
        """Keys of sites with ids in ``(after, upto]`` (``upto`` None: no end), except one type."""
        if upto is None:
            rows = fetch_each(
                self.conn,
                _KeyColumns,
                f"SELECT {_KEY_COLUMNS} FROM link_keys WHERE record_uuid > ? AND link_type != ?",
                (after, skip_type),
            )
        else:
            rows = fetch_each(
                self.conn,
                _KeyColumns,
                f"SELECT {_KEY_COLUMNS} FROM link_keys"
                " WHERE record_uuid > ? AND record_uuid <= ? AND link_type != ?",
                (after, upto, skip_type),
            )
        return {(row.link_type, bytes(row.link_key), row.record_uuid) for row in rows}

    def stored_keys_of_type(self, link_type: str) -> set[KeyRow]:
        rows = fetch_each(
            self.conn,
            _KeyColumns,
            f"SELECT {_KEY_COLUMNS} FROM link_keys WHERE link_type = ?",
            (link_type,),
        )
        return {(row.link_type, bytes(row.link_key), row.record_uuid) for row in rows}

    def count_keys(self, after: str, upto: str, skip_type: str) -> int:
        return int(
            fetch_value(
                self.conn,
                "SELECT count(*) FROM link_keys"
                " WHERE record_uuid > ? AND record_uuid <= ? AND link_type != ?",
                (after, upto, skip_type),
            )
        )

    def delete_keys(self, rows: Iterable[KeyRow]) -> None:
        self.conn.executemany(
            "DELETE FROM link_keys WHERE link_type = ? AND link_key = ? AND record_uuid = ?",
            sorted(rows),
        )

    def insert_keys(self, rows: Iterable[KeyRow]) -> None:
        """In primary-key order (type, then key): appending to the b-tree is the cheap way to
        fill it, and sorting by the key bytes alone is twice as fast as by whole rows."""
        by_type: dict[str, list[KeyRow]] = {}
        for row in rows:
            link_type, _key, _uuid = row
            by_type.setdefault(link_type, []).append(row)
        for link_type in sorted(by_type):
            ordered = sorted(by_type[link_type], key=_KEY_BYTES)
            self.conn.executemany(
                "INSERT INTO link_keys (link_type, link_key, record_kind, record_uuid)"
                " VALUES (?, ?, ?, ?)",
                [(kind, key, SITE_RECORD, uuid) for kind, key, uuid in ordered],
            )

    def finish_refresh(self, signature: str, ranges: str) -> None:
        """Inside the refresh's transaction: remember what the keys were made from."""
        self.conn.executemany(
            "INSERT INTO meta (key, value) VALUES (?, ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            ((SIGNATURE_META_KEY, signature), (RANGES_META_KEY, ranges)),
        )
        audit.append(self.conn, self.vault.actor, "refresh", "link_keys", None)

    def key_counts(self) -> dict[str, int]:
        return {
            str(row.link_type): int(row.keys)
            for row in fetch_each(
                self.conn,
                _KeyCount,
                "SELECT link_type, count(*) AS keys FROM link_keys GROUP BY link_type",
            )
        }

    def has_keys(self) -> bool:
        return fetch_value(self.conn, "SELECT 1 FROM link_keys LIMIT 1") is not None

    # -- clusters ----------------------------------------------------------------------------

    def shared_keys(self) -> Iterator[tuple[str, bytes, list[str]]]:
        """Every key two or more sites hold, with those sites: a walk of the primary key, so
        only shared keys reach Python."""
        rows = fetch_each(
            self.conn,
            _SharedKey,
            "SELECT link_type, link_key, group_concat(record_uuid, ' ') AS record_uuids"
            " FROM link_keys GROUP BY link_type, link_key HAVING count(*) > 1",
        )
        for row in rows:
            yield str(row.link_type), bytes(row.link_key), str(row.record_uuids).split(" ")

    def cluster_visits(self, cluster_of_site: dict[str, int]) -> list[ClusterVisitRow]:
        """The live visits at the given sites, with the cluster of their site, the agencies on
        the visit and of the device that sent it, and their possible victims."""
        if not cluster_of_site:
            return []
        rows = fetch_each(
            self.conn,
            _ClusterVisitColumns,
            "WITH members(site_uuid, cluster) AS (SELECT key, value FROM json_each(?))"
            " SELECT m.cluster, v.uuid AS visit_uuid, v.started_at, v.origin_device, v.agencies,"
            " d.agency AS device_agency,"
            " (SELECT count(*) FROM persons p WHERE p.visit_uuid = v.uuid AND p.deleted = 0"
            "   AND p.role = 'possible_victim') AS possible_victims"
            # CROSS JOIN keeps the sites outside: each looks its visits up by index (the
            # planner would otherwise scan every visit and the whole list for each).
            " FROM members m CROSS JOIN visits v ON v.site_uuid = m.site_uuid AND v.deleted = 0"
            " LEFT JOIN sync_devices d ON d.device_id = v.origin_device"
            " ORDER BY m.cluster, v.started_at DESC, v.uuid",
            # In id order: ids are time-ordered, so the visits and persons are read in the
            # order they were written (measured: 6.5 s -> 1.2 s for 120k sites in random order).
            (json.dumps(dict(sorted(cluster_of_site.items()))),),
        )
        decoded: dict[str, tuple[str, ...]] = {}  # visits repeat a few agency lists
        return [
            ClusterVisitRow(
                cluster=row.cluster,
                visit_uuid=row.visit_uuid,
                started_at=row.started_at,
                origin_device=row.origin_device,
                agencies=decoded[row.agencies]
                if row.agencies in decoded
                else decoded.setdefault(row.agencies, _text_list(row.agencies)),
                device_agency=row.device_agency,
                possible_victims=row.possible_victims,
            )
            for row in rows
        ]


# -- the rows these queries read -------------------------------------------------------------


class _SitesState(NamedTuple):
    sites: int
    rowids: float
    revisions: float
    deleted: float
    last_change: str


class _SiteSourceRow(NamedTuple):
    uuid: str
    name: str
    trade_name: str | None
    number: str | None
    postcode: str | None
    municipality: str | None
    kvk: str | None
    phones: str
    plates: str
    handles: str


class _KeyColumns(NamedTuple):
    link_type: str
    link_key: bytes
    record_uuid: str


class _KeyCount(NamedTuple):
    link_type: str
    keys: int


class _SharedKey(NamedTuple):
    link_type: str
    link_key: bytes
    record_uuids: str  # separated by spaces


class _ClusterVisitColumns(NamedTuple):
    cluster: int
    visit_uuid: str
    started_at: str
    origin_device: str
    agencies: str
    device_agency: str | None
    possible_victims: int


_KEY_COLUMNS = select_list(_KeyColumns)
_TEXT_LIST = msgspec.json.Decoder(tuple[str, ...])


def _text_list(value: str | None) -> tuple[str, ...]:
    """A JSON list column as strings (decoded in C); anything else, which the store never
    writes, as empty."""
    if not value or value == "[]":
        return ()
    try:
        return _TEXT_LIST.decode(value)
    except msgspec.MsgspecError:
        return ()
