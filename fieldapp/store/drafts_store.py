"""Visits that hold nothing: the rule, and the SQL that applies it (issue 14).

A new visit starts as an empty draft (the desktop makes one at once: no site name, sector
"other"). Until it holds something it is no visit anyone should see elsewhere: issue 14 found
"anders, 0, 0" visits in bundles and in the statistics. **A visit holds something** once it has
a site name, a person, an observation that says something (observed or not observed; "unknown"
is the checklist's neutral state), an attachment or a referral (live records only;
:data:`HOLDS_SOMETHING`). One rule, used in three places:

- :meth:`fieldapp.store.store.Store.discard_draft` removes a visit that holds nothing and was
  never exported, entirely;
- ``fieldapp/sync/export.py`` holds back such a visit and its blank site from a bundle until it
  holds something (:class:`HeldBack`, kept in the vault's meta table, so a draft held back by
  one bundle travels, with its site, in the first bundle after it gains content);
- the statistics (``stats_store``) count only visits that hold something.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from fieldapp.store.rows import fetch_columns, fetch_value, fetch_values
from fieldapp.vault.connection import Connection

# For a visit aliased ``v``. sort_site is the visit's copy of its site's name (kept by
# triggers, schema v5), so the common case (a named site) costs no lookup.
HOLDS_SOMETHING = """(coalesce(v.sort_site, '') != ''
    OR EXISTS (SELECT 1 FROM persons AS hp WHERE hp.visit_uuid = v.uuid AND hp.deleted = 0)
    OR EXISTS (SELECT 1 FROM observations AS ho WHERE ho.visit_uuid = v.uuid
               AND ho.deleted = 0 AND ho.status != 'unknown')
    OR EXISTS (SELECT 1 FROM attachments AS ha WHERE ha.owner_uuid = v.uuid AND ha.deleted = 0)
    OR EXISTS (SELECT 1 FROM referrals AS hr WHERE hr.visit_uuid = v.uuid AND hr.deleted = 0))"""

_HELD_KEY = "sync.held_back"
_PENDING_KEY = "sync.held_back.pending"
_TABLES = {"site": "sites", "visit": "visits"}


def _ids(uuids: Iterable[str]) -> str:
    return json.dumps(sorted(set(uuids)))


def holds_something(conn: Connection, visit_uuid: str) -> bool:
    return bool(
        fetch_value(
            conn, f"SELECT {HOLDS_SOMETHING} FROM visits AS v WHERE v.uuid = ?", (visit_uuid,)
        )
    )


def holding_nothing(conn: Connection, visit_uuids: Iterable[str]) -> set[str]:
    """Of these visits, those that hold nothing (a tombstone too, when it holds nothing)."""
    return set(
        fetch_values(
            conn,
            f"SELECT v.uuid FROM visits AS v WHERE v.uuid IN (SELECT value FROM json_each(?))"
            f" AND NOT {HOLDS_SOMETHING}",
            (_ids(visit_uuids),),
        )
    )


def ever_exported(conn: Connection, uuids: Iterable[str], held: Iterable[str] = ()) -> set[str]:
    """Of these records, those that left in an exported bundle: a change of theirs lies in an
    exported bundle's range, and that bundle did not hold them back (``held``)."""
    found = set(
        fetch_values(
            conn,
            "SELECT DISTINCT c.uuid FROM sync_changes AS c JOIN sync_outgoing AS o"
            " ON o.status = 'exported' AND c.change_no > o.change_from"
            " AND c.change_no <= o.change_to"
            " WHERE c.uuid IN (SELECT value FROM json_each(?))",
            (_ids(uuids),),
        )
    )
    return found - set(held)


def sites_of(conn: Connection, visit_uuids: Iterable[str]) -> dict[str, str]:
    """visit id -> its site id."""
    rows = fetch_columns(
        conn,
        ("uuid", "site_uuid"),
        "SELECT uuid, site_uuid FROM visits WHERE uuid IN (SELECT value FROM json_each(?))",
        (_ids(visit_uuids),),
    )
    return {str(row[0]): str(row[1]) for row in rows}


def visits_at(conn: Connection, site_uuids: Iterable[str]) -> dict[str, set[str]]:
    """site id -> the ids of every visit (live or not) recorded there."""
    found: dict[str, set[str]] = {}
    for visit_uuid, site_uuid in fetch_columns(
        conn,
        ("uuid", "site_uuid"),
        "SELECT uuid, site_uuid FROM visits WHERE site_uuid IN (SELECT value FROM json_each(?))",
        (_ids(site_uuids),),
    ):
        found.setdefault(str(site_uuid), set()).add(str(visit_uuid))
    return found


def blank_sites(conn: Connection, site_uuids: Iterable[str]) -> set[str]:
    """Of these sites, those without a name."""
    return set(
        fetch_values(
            conn,
            "SELECT uuid FROM sites WHERE uuid IN (SELECT value FROM json_each(?)) AND name = ''",
            (_ids(site_uuids),),
        )
    )


def record_rows(
    conn: Connection, kind: str, uuids: Iterable[str], columns: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """The current state of these sites or visits, as a bundle carries them (``columns``)."""
    yield from fetch_columns(
        conn,
        columns,
        f"SELECT {', '.join(columns)} FROM {_TABLES[kind]}"
        " WHERE uuid IN (SELECT value FROM json_each(?)) ORDER BY created_at, uuid",
        (_ids(uuids),),
    )


@dataclass(frozen=True, slots=True)
class HeldBack:
    """The drafts (visits and their blank sites) exported bundles left out so far.

    A bundle being prepared keeps its own set as *pending*, with its seq, in the transaction
    that reserves it; the set becomes current when that bundle is marked exported (also when a
    later export adopts the bundle of one that was killed), never before: a bundle that was
    never written must not count a draft as held back by it."""

    visits: frozenset[str] = frozenset()
    sites: frozenset[str] = frozenset()

    @classmethod
    def read(cls, conn: Connection) -> HeldBack:
        return cls._from(fetch_value(conn, "SELECT value FROM meta WHERE key = ?", (_HELD_KEY,)))

    @classmethod
    def _from(cls, stored: str | None) -> HeldBack:
        if stored is None:
            return cls()
        data = json.loads(stored)
        return cls(frozenset(data.get("visit", ())), frozenset(data.get("site", ())))

    def _value(self, seq: int | None = None) -> str:
        data: dict[str, Any] = {"visit": sorted(self.visits), "site": sorted(self.sites)}
        if seq is not None:
            data["seq"] = seq
        return json.dumps(data)

    def write_pending(self, conn: Connection, seq: int) -> None:
        """Inside the transaction that reserves bundle ``seq``."""
        _put(conn, _PENDING_KEY, self._value(seq))


def promote_pending(conn: Connection, seq: int) -> None:
    """Bundle ``seq`` was exported: what it held back is now the current set. Inside the
    caller's transaction."""
    stored = fetch_value(conn, "SELECT value FROM meta WHERE key = ?", (_PENDING_KEY,))
    if stored is None or json.loads(stored).get("seq") != seq:
        return
    _put(conn, _HELD_KEY, HeldBack._from(stored)._value())
    conn.execute("DELETE FROM meta WHERE key = ?", (_PENDING_KEY,))


def _put(conn: Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET"
        " value = excluded.value",
        (key, value),
    )


def discard_rows(conn: Connection, visit_uuid: str, site_uuid: str | None) -> None:
    """Remove an empty draft visit entirely: its records that say nothing (tombstones, unknown
    observations), what was derived from it, its search rows, and its site when ``site_uuid``
    (no other visit uses it). Inside the caller's transaction."""
    children = {
        "observations": "visit_uuid",
        "referrals": "visit_uuid",
        "persons": "visit_uuid",
        "attachments": "owner_uuid",
    }
    record_ids = [visit_uuid, *([site_uuid] if site_uuid else [])]
    for table, column in children.items():
        record_ids += fetch_values(
            conn, f"SELECT uuid FROM {table} WHERE {column} = ?", (visit_uuid,)
        )
    ids = _ids(record_ids)
    conn.execute(
        "DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM search_rows"
        " WHERE record_uuid IN (SELECT value FROM json_each(?)))",
        (ids,),
    )
    conn.execute(
        "DELETE FROM search_rows WHERE record_uuid IN (SELECT value FROM json_each(?))", (ids,)
    )
    conn.execute(
        "DELETE FROM link_keys WHERE record_uuid IN (SELECT value FROM json_each(?))", (ids,)
    )
    for table in ("visit_outcomes", "outcomes_stale"):  # person_outcomes: ON DELETE CASCADE
        conn.execute(f"DELETE FROM {table} WHERE visit_uuid = ?", (visit_uuid,))
    for table, column in children.items():
        conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (visit_uuid,))
    conn.execute("DELETE FROM visits WHERE uuid = ?", (visit_uuid,))
    if site_uuid:
        conn.execute("DELETE FROM sites WHERE uuid = ?", (site_uuid,))
