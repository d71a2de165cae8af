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
from typing import Protocol

import msgspec

from fieldapp.clock import now_iso
from fieldapp.vault import audit
from fieldapp.vault.connection import Connection, transaction
from fieldapp.vault.vault import VaultInfo

LINK_SECRET_NAME = "link_hmac"  # noqa: S105 - the name of a key, not a secret
SIGNATURE_META_KEY = "links.signature"
RANGES_META_KEY = "links.ranges"
SITE_RECORD = "site"

KeyRow = tuple[str, bytes, str]  # (link_type, link_key, site uuid)


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


class VaultLike(Protocol):
    """An open vault, or a worker's own connection to it (one connection per thread)."""

    @property
    def conn(self) -> Connection: ...

    @property
    def actor(self) -> str: ...

    @property
    def info(self) -> VaultInfo: ...


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
        row = self.conn.execute(
            "SELECT value FROM sync_keys WHERE name = ?", (LINK_SECRET_NAME,)
        ).fetchone()
        return None if row is None else str(row[0])

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
            stored = self.conn.execute(
                "SELECT value FROM sync_keys WHERE name = ?", (LINK_SECRET_NAME,)
            ).fetchone()
        return str(stored[0])

    # -- what keys are made from -----------------------------------------------------------

    def sites_signature(self) -> str:
        """Changes whenever a site is added, changed (every change bumps its revision), deleted
        or erased: count, rowids, revisions and the latest change time of every site row."""
        row = self.conn.execute(
            "SELECT count(*), total(rowid), total(revision), total(deleted),"
            " coalesce(max(updated_at), '') FROM sites"
        ).fetchone()
        return "|".join(str(value) for value in row)

    def stored_signature(self) -> str | None:
        row = self.conn.execute(
            "SELECT value FROM meta WHERE key = ?", (SIGNATURE_META_KEY,)
        ).fetchone()
        return None if row is None else str(row[0])

    def site_sources(
        self, after: str = "", *, upto: str | None = None, limit: int | None = 10_000
    ) -> list[SiteSource]:
        """Live sites with ids above ``after`` (and up to ``upto``), in id order, at most
        ``limit`` (None: all of them)."""
        rows = self.conn.execute(
            "SELECT uuid, name, trade_name, number, postcode, municipality, kvk, phones, plates,"
            " handles FROM sites WHERE deleted = 0 AND uuid > ? AND (? IS NULL OR uuid <= ?)"
            " ORDER BY uuid LIMIT ?",
            (after, upto, upto, -1 if limit is None else limit),
        ).fetchall()
        return [
            SiteSource(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                row[5],
                row[6],
                _text_list(row[7]),
                _text_list(row[8]),
                _text_list(row[9]),
            )
            for row in rows
        ]

    def stored_ranges(self) -> str | None:
        row = self.conn.execute(
            "SELECT value FROM meta WHERE key = ?", (RANGES_META_KEY,)
        ).fetchone()
        return None if row is None else str(row[0])

    # -- the keys ----------------------------------------------------------------------------

    def stored_keys(self, after: str, upto: str | None, skip_type: str) -> set[KeyRow]:
        """Keys of sites with ids in ``(after, upto]`` (``upto`` None: no end), except one type."""
        if upto is None:
            rows = self.conn.execute(
                "SELECT link_type, link_key, record_uuid FROM link_keys"
                " WHERE record_uuid > ? AND link_type != ?",
                (after, skip_type),
            )
        else:
            rows = self.conn.execute(
                "SELECT link_type, link_key, record_uuid FROM link_keys"
                " WHERE record_uuid > ? AND record_uuid <= ? AND link_type != ?",
                (after, upto, skip_type),
            )
        return {(row[0], bytes(row[1]), row[2]) for row in rows}

    def stored_keys_of_type(self, link_type: str) -> set[KeyRow]:
        rows = self.conn.execute(
            "SELECT link_type, link_key, record_uuid FROM link_keys WHERE link_type = ?",
            (link_type,),
        )
        return {(row[0], bytes(row[1]), row[2]) for row in rows}

    def count_keys(self, after: str, upto: str, skip_type: str) -> int:
        return int(
            self.conn.execute(
                "SELECT count(*) FROM link_keys"
                " WHERE record_uuid > ? AND record_uuid <= ? AND link_type != ?",
                (after, upto, skip_type),
            ).fetchone()[0]
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
            by_type.setdefault(row[0], []).append(row)
        for link_type in sorted(by_type):
            ordered = sorted(by_type[link_type], key=itemgetter(1))
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
            str(row[0]): int(row[1])
            for row in self.conn.execute(
                "SELECT link_type, count(*) FROM link_keys GROUP BY link_type"
            )
        }

    def has_keys(self) -> bool:
        return self.conn.execute("SELECT 1 FROM link_keys LIMIT 1").fetchone() is not None

    # -- clusters ----------------------------------------------------------------------------

    def shared_keys(self) -> Iterator[tuple[str, bytes, list[str]]]:
        """Every key two or more sites hold, with those sites: a walk of the primary key, so
        only shared keys reach Python."""
        rows = self.conn.execute(
            "SELECT link_type, link_key, group_concat(record_uuid, ' ') FROM link_keys"
            " GROUP BY link_type, link_key HAVING count(*) > 1"
        )
        for link_type, key, uuids in rows:
            yield str(link_type), bytes(key), str(uuids).split(" ")

    def cluster_visits(self, cluster_of_site: dict[str, int]) -> list[ClusterVisitRow]:
        """The live visits at the given sites, with the cluster of their site, the agencies on
        the visit and of the device that sent it, and their possible victims."""
        if not cluster_of_site:
            return []
        rows = self.conn.execute(
            "WITH members(site_uuid, cluster) AS (SELECT key, value FROM json_each(?))"
            " SELECT m.cluster, v.uuid, v.started_at, v.origin_device, v.agencies, d.agency,"
            " (SELECT count(*) FROM persons p WHERE p.visit_uuid = v.uuid AND p.deleted = 0"
            "   AND p.role = 'possible_victim')"
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
                row[0],
                row[1],
                row[2],
                row[3],
                decoded[row[4]]
                if row[4] in decoded
                else decoded.setdefault(row[4], _text_list(row[4])),
                row[5],
                row[6],
            )
            for row in rows
        ]


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
