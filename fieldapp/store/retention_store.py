"""All SQL of retention (fieldapp/retention): the policy rows, which visits are past their
period, and the erasure itself.

Erasure removes rows (a tombstone would keep a record's dates, sector and indicator ids, and
its text columns only blanked): each visit with everything that hangs on it (persons,
observations, attachments with their content, referrals with their PDFs and follow-up), their
search-index rows, the engine's outcomes, link keys, the coordinator's notes on them and the
field copies kept in sync conflicts; sites go when no visit uses them any more. Visits are
handled in batches inside the caller's one transaction, so every statement stays small.
``secure_delete`` (set on every connection) zeroes what is freed, and the search index was
created with FTS5's ``secure-delete``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from fieldapp.clock import now_iso
from fieldapp.store.reply_store import ReplyStore
from fieldapp.store.rows import fetch_each, fetch_value, fetch_values, select_list
from fieldapp.vault import audit
from fieldapp.vault.connection import Connection, pragma_values, transaction
from fieldapp.vault.vault import VaultLike

BATCH = 500
# Kinds a purge counts, in the order the deletion log lists them.
KINDS = (
    "visit",
    "site",
    "person",
    "observation",
    "attachment",
    "referral",
    "coordinator_note",
    "sync_conflict",
)

# Records of one batch of visits, as subqueries over ``:visits`` (a JSON array of visit ids).
_VISITS = "(SELECT value FROM json_each(:visits))"
_PERSONS = f"(SELECT uuid FROM persons WHERE visit_uuid IN {_VISITS})"
_OBSERVATIONS = f"(SELECT uuid FROM observations WHERE visit_uuid IN {_VISITS})"
_REFERRALS = f"(SELECT uuid FROM referrals WHERE visit_uuid IN {_VISITS})"
# Attachments of the visit, its persons and observations, and referral documents (whose owner
# is the visit).
_ATTACHMENTS = (
    f"(SELECT uuid FROM attachments WHERE owner_uuid IN {_VISITS}"
    f" UNION ALL SELECT a.uuid FROM attachments a JOIN persons p ON p.uuid = a.owner_uuid"
    f"  WHERE a.owner_kind = 'person' AND p.visit_uuid IN {_VISITS}"
    f" UNION ALL SELECT a.uuid FROM attachments a JOIN observations o ON o.uuid = a.owner_uuid"
    f"  WHERE a.owner_kind = 'observation' AND o.visit_uuid IN {_VISITS}"
    f" UNION ALL SELECT document_uuid FROM referrals WHERE visit_uuid IN {_VISITS}"
    f"  AND document_uuid IS NOT NULL)"
)
_TREE = (_VISITS, _PERSONS, _OBSERVATIONS, _REFERRALS, _ATTACHMENTS)
_SITES = "(SELECT value FROM json_each(:sites))"
_SITE_ATTACHMENTS = (
    f"(SELECT uuid FROM attachments WHERE owner_kind = 'site' AND owner_uuid IN {_SITES})"
)

# Each visit's rule and the date its period runs from: a referral's visit from its newest
# referral or follow-up change, every other visit from its own date. ``held_open`` when a
# referral's follow-up is still open (sent, acknowledged, investigating).
_CLASSIFIED = """
    SELECT v.uuid AS uuid,
        CASE WHEN EXISTS (SELECT 1 FROM referrals r WHERE r.visit_uuid = v.uuid AND r.deleted = 0)
                 THEN 'referrals'
             WHEN EXISTS (SELECT 1 FROM observations o WHERE o.visit_uuid = v.uuid
                          AND o.deleted = 0 AND o.status = 'observed')
                 THEN 'signals_without_referral'
             ELSE 'visits_without_signals' END AS rule,
        max(v.started_at,
            coalesce((SELECT max(r.created_at) FROM referrals r
                      WHERE r.visit_uuid = v.uuid AND r.deleted = 0), ''),
            coalesce((SELECT max(f.updated_at) FROM referral_followup f
                      JOIN referrals r ON r.uuid = f.referral_uuid
                      WHERE r.visit_uuid = v.uuid), '')) AS reference,
        EXISTS (SELECT 1 FROM referral_followup f JOIN referrals r ON r.uuid = f.referral_uuid
                WHERE r.visit_uuid = v.uuid AND f.status != 'closed') AS held_open
    FROM visits v
"""

# Field side: visits with any record changed since the last exported bundle (not yet sent).
_UNEXPORTED_VISITS = """
    WITH pending AS MATERIALIZED (
        SELECT DISTINCT uuid FROM sync_changes WHERE change_no > :cursor
    )
    SELECT uuid FROM visits WHERE uuid IN pending
    UNION SELECT uuid FROM visits WHERE site_uuid IN pending
    UNION SELECT visit_uuid FROM persons WHERE uuid IN pending
    UNION SELECT visit_uuid FROM observations WHERE uuid IN pending
    UNION SELECT visit_uuid FROM referrals WHERE uuid IN pending
    UNION SELECT owner_uuid FROM attachments WHERE uuid IN pending
        AND owner_kind IN ('visit', 'referral')
    UNION SELECT p.visit_uuid FROM attachments a JOIN persons p ON p.uuid = a.owner_uuid
        WHERE a.uuid IN pending AND a.owner_kind = 'person'
    UNION SELECT o.visit_uuid FROM attachments a JOIN observations o ON o.uuid = a.owner_uuid
        WHERE a.uuid IN pending AND a.owner_kind = 'observation'
    UNION SELECT v.uuid FROM attachments a JOIN visits v ON v.site_uuid = a.owner_uuid
        WHERE a.uuid IN pending AND a.owner_kind = 'site'
"""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A visit past its period, and what (if anything) keeps it."""

    visit_uuid: str
    rule: str
    site_uuid: str
    held_open_followup: bool
    held_unexported: bool

    @property
    def held(self) -> bool:
        return self.held_open_followup or self.held_unexported


@dataclass(frozen=True, slots=True)
class LogEntry:
    at: str
    actor: str
    rule: str
    record_kind: str
    erased: int


class RetentionStore:
    def __init__(self, vault: VaultLike) -> None:
        self.vault = vault

    @property
    def conn(self) -> Connection:
        return self.vault.conn

    # -- the policy -----------------------------------------------------------------------

    def policy_rows(self) -> dict[str, tuple[int, str]]:
        """rule -> (days, updated_at) for every rule the coordinator has set."""
        return {
            row.rule: (row.days, row.updated_at)
            for row in fetch_each(
                self.conn, _PolicyRow, "SELECT rule, days, updated_at FROM retention_policy"
            )
        }

    def set_days(self, values: Mapping[str, int]) -> None:
        """Store the days of one or more rules, in one transaction with an audit entry."""
        with transaction(self.conn):
            now = now_iso()
            self.conn.executemany(
                "INSERT INTO retention_policy (rule, days, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT (rule) DO UPDATE SET days = excluded.days,"
                " updated_at = excluded.updated_at",
                [(rule, days, now) for rule, days in values.items()],
            )
            audit.append(self.conn, self.vault.actor, "update", "retention_policy", None)

    # -- what is due ------------------------------------------------------------------------

    def export_cursor(self) -> int:
        """Field side: the last change carried by a successfully exported regular bundle (the
        same definition as ``SyncStore._export_cursor``); 0 when nothing was exported."""
        return int(
            fetch_value(
                self.conn,
                "SELECT coalesce(max(change_to), 0) FROM sync_outgoing"
                " WHERE status = 'exported' AND resends = '[]'",
            )
        )

    def candidates(
        self, cutoffs: Mapping[str, str], *, field: bool, only_arrived: bool = False
    ) -> list[Candidate]:
        """Visits whose period ran out before the cutoff date of their rule (``YYYY-MM-DD``).
        On a field device (``field``) a visit with anything not yet exported is held."""
        if only_arrived:  # the field rule alone (what a field device forgets by itself)
            arrived = ReplyStore(self.vault).arrived_visits() if field else {}
            return [
                Candidate(visit, "field_arrived", site, False, False)
                for visit, (site, arrived_at) in sorted(arrived.items())
                if arrived_at < cutoffs["field_arrived"]
            ]
        unexported: set[str] = set()
        if field:
            unexported = set(
                fetch_values(self.conn, _UNEXPORTED_VISITS, {"cursor": self.export_cursor()})
            )
        rows = fetch_each(
            self.conn,
            _Due,
            f"WITH classified AS ({_CLASSIFIED})"
            " SELECT c.uuid, c.rule, v.site_uuid, c.held_open FROM classified c"
            " JOIN visits v ON v.uuid = c.uuid"
            " WHERE c.reference < CASE c.rule WHEN 'referrals' THEN :referrals"
            " WHEN 'signals_without_referral' THEN :signals ELSE :plain END"
            " ORDER BY c.uuid",
            {
                "referrals": cutoffs["referrals"],
                "signals": cutoffs["signals_without_referral"],
                "plain": cutoffs["visits_without_signals"],
            },
        )
        # Field side: what the coordinator confirmed holding, in full, is never held here (it
        # is kept there), and goes after the field retention even when its own rule is longer.
        arrived = ReplyStore(self.vault).arrived_visits() if field else {}
        forgotten = {
            visit: site
            for visit, (site, arrived_at) in arrived.items()
            if arrived_at < cutoffs["field_arrived"]
        }
        found = [
            Candidate(
                visit_uuid=row.uuid,
                rule=row.rule,
                site_uuid=row.site_uuid,
                held_open_followup=bool(row.held_open) and row.uuid not in arrived,
                held_unexported=row.uuid in unexported and row.uuid not in arrived,
            )
            for row in rows
            if row.uuid not in forgotten
        ]
        found.extend(
            Candidate(visit, "field_arrived", site, False, False)
            for visit, site in sorted(forgotten.items())
        )
        return found

    def site_usage(self, site_uuids: Sequence[str]) -> Iterator[SiteUse]:
        """(site, visit) for every visit at the given sites."""
        for start in range(0, len(site_uuids), BATCH):
            yield from fetch_each(
                self.conn,
                SiteUse,
                f"SELECT site_uuid, uuid AS visit_uuid FROM visits WHERE site_uuid IN {_SITES}",
                {"sites": json.dumps(list(site_uuids[start : start + BATCH]))},
            )

    def count_tree(self, visit_uuids: Sequence[str]) -> dict[str, int]:
        """What erasing these visits would remove, per kind (sites not included)."""
        counts = dict.fromkeys(KINDS, 0)
        for batch in _batches(visit_uuids):
            params = {"visits": json.dumps(batch)}
            for kind, table, where in (
                ("visit", "visits", f"uuid IN {_VISITS}"),
                ("person", "persons", f"visit_uuid IN {_VISITS}"),
                ("observation", "observations", f"visit_uuid IN {_VISITS}"),
                ("attachment", "attachments", f"uuid IN {_ATTACHMENTS}"),
                ("referral", "referrals", f"visit_uuid IN {_VISITS}"),
            ):
                counts[kind] += self._count(f"SELECT count(*) FROM {table} WHERE {where}", params)
            counts["coordinator_note"] += self._count_on_records("coordinator_notes", _TREE, params)
            counts["sync_conflict"] += self._count_on_records("sync_conflicts", _TREE, params)
        return counts

    def count_sites(self, site_uuids: Sequence[str]) -> dict[str, int]:
        """What erasing these sites would remove, per kind."""
        counts = dict.fromkeys(KINDS, 0)
        for batch in _batches(site_uuids):
            params = {"sites": json.dumps(batch)}
            counts["site"] += self._count(
                f"SELECT count(*) FROM sites WHERE uuid IN {_SITES}", params
            )
            counts["attachment"] += self._count(
                f"SELECT count(*) FROM attachments WHERE uuid IN {_SITE_ATTACHMENTS}", params
            )
            for kind, table in (
                ("coordinator_note", "coordinator_notes"),
                ("sync_conflict", "sync_conflicts"),
            ):
                counts[kind] += self._count_on_records(table, (_SITES, _SITE_ATTACHMENTS), params)
        return counts

    def _count(self, sql: str, params: dict[str, Any]) -> int:
        return int(fetch_value(self.conn, sql, params))

    def _count_on_records(self, table: str, sets: Sequence[str], params: dict[str, Any]) -> int:
        return sum(
            self._count(f"SELECT count(*) FROM {table} WHERE record_uuid IN {subquery}", params)
            for subquery in sets
        )

    # -- erasing (inside the caller's transaction) -------------------------------------------

    def begin(self) -> Any:
        """One transaction (BEGIN IMMEDIATE ... COMMIT) for the whole purge."""
        return transaction(self.conn)

    def erase_visits(self, visit_uuids: Sequence[str]) -> dict[str, int]:
        """Remove these visits and everything hanging on them; returns the rows removed per
        kind. Call inside :meth:`begin`."""
        counts = dict.fromkeys(KINDS, 0)
        for batch in _batches(visit_uuids):
            params = {"visits": json.dumps(batch)}
            for subquery in _TREE:
                self._erase_derived(subquery, params)
                counts["coordinator_note"] += self._delete(
                    f"DELETE FROM coordinator_notes WHERE record_uuid IN {subquery}", params
                )
                counts["sync_conflict"] += self._delete(
                    f"DELETE FROM sync_conflicts WHERE record_uuid IN {subquery}", params
                )
            self._delete(f"DELETE FROM person_outcomes WHERE person_uuid IN {_PERSONS}", params)
            self._delete(f"DELETE FROM visit_outcomes WHERE visit_uuid IN {_VISITS}", params)
            self._delete(f"DELETE FROM outcomes_stale WHERE visit_uuid IN {_VISITS}", params)
            self._delete(
                f"DELETE FROM referral_followup WHERE referral_uuid IN {_REFERRALS}", params
            )
            # A referral names its document: the attachments are listed first (the list holds
            # the documents through their referrals), the referrals go, then the attachments.
            attachments = f"SELECT uuid FROM attachments WHERE uuid IN {_ATTACHMENTS}"
            documents = fetch_values(self.conn, attachments, params)
            counts["referral"] += self._delete(
                f"DELETE FROM referrals WHERE visit_uuid IN {_VISITS}", params
            )
            counts["attachment"] += self._delete(
                "DELETE FROM attachments WHERE uuid IN (SELECT value FROM json_each(:ids))",
                {"ids": json.dumps(documents)},
            )
            counts["observation"] += self._delete(
                f"DELETE FROM observations WHERE visit_uuid IN {_VISITS}", params
            )
            counts["person"] += self._delete(
                f"DELETE FROM persons WHERE visit_uuid IN {_VISITS}", params
            )
            counts["visit"] += self._delete(f"DELETE FROM visits WHERE uuid IN {_VISITS}", params)
        return counts

    def erase_orphan_sites(self, site_uuids: Sequence[str]) -> tuple[dict[str, int], set[str]]:
        """Remove those of these sites no visit uses any more; returns the counts and the
        sites removed. Call inside :meth:`begin`."""
        counts = dict.fromkeys(KINDS, 0)
        removed: set[str] = set()
        for batch in _batches(site_uuids):
            orphans = fetch_values(
                self.conn,
                f"SELECT uuid FROM sites WHERE uuid IN {_SITES} AND NOT EXISTS"
                " (SELECT 1 FROM visits v WHERE v.site_uuid = sites.uuid)",
                {"sites": json.dumps(batch)},
            )
            if not orphans:
                continue
            params = {"sites": json.dumps(orphans)}
            for subquery in (_SITES, _SITE_ATTACHMENTS):
                self._erase_derived(subquery, params)
                counts["coordinator_note"] += self._delete(
                    f"DELETE FROM coordinator_notes WHERE record_uuid IN {subquery}", params
                )
                counts["sync_conflict"] += self._delete(
                    f"DELETE FROM sync_conflicts WHERE record_uuid IN {subquery}", params
                )
            counts["attachment"] += self._delete(
                f"DELETE FROM attachments WHERE uuid IN {_SITE_ATTACHMENTS}", params
            )
            counts["site"] += self._delete(f"DELETE FROM sites WHERE uuid IN {_SITES}", params)
            removed.update(orphans)
        return counts, removed

    def _erase_derived(self, records: str, params: dict[str, Any]) -> None:
        """Search-index rows and link keys of the records a subquery names."""
        self._delete(
            "DELETE FROM search_index WHERE rowid IN (SELECT rowid FROM search_rows"
            f" WHERE record_uuid IN {records})",
            params,
        )
        self._delete(f"DELETE FROM search_rows WHERE record_uuid IN {records}", params)
        self._delete(f"DELETE FROM link_keys WHERE record_uuid IN {records}", params)
        self._delete(f"DELETE FROM sync_arrivals WHERE uuid IN {records}", params)

    def _delete(self, sql: str, params: dict[str, Any]) -> int:
        return max(int(self.conn.execute(sql, params).rowcount), 0)

    def log(self, counts: Mapping[tuple[str, str], int]) -> None:
        """One deletion-log row per (rule, kind) that erased anything, and one audit entry:
        counts only, never what was erased. Call inside :meth:`begin`."""
        at = now_iso()
        self.conn.executemany(
            "INSERT INTO deletion_log (at, actor, rule, record_kind, erased)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (at, self.vault.actor, rule, kind, erased)
                for (rule, kind), erased in counts.items()
                if erased
            ],
        )
        audit.append(self.conn, self.vault.actor, "purge", "retention", None)

    def checkpoint(self) -> None:
        """Move the WAL into the database and empty it, so earlier page versions holding the
        erased text leave the WAL file too."""
        pragma_values(self.conn, "PRAGMA wal_checkpoint(TRUNCATE)")

    # -- the log ----------------------------------------------------------------------------

    def deletion_log(self, limit: int = 500) -> list[LogEntry]:
        """Newest purge first; within a purge, in rule and kind order."""
        return [
            LogEntry(
                at=row.at,
                actor=row.actor,
                rule=row.rule,
                record_kind=row.record_kind,
                erased=row.erased,
            )
            for row in fetch_each(
                self.conn,
                _LogRow,
                f"SELECT {select_list(_LogRow)} FROM deletion_log ORDER BY at DESC, id LIMIT ?",
                (limit,),
            )
        ]


# -- the rows these queries read -------------------------------------------------------------


class SiteUse(NamedTuple):
    site_uuid: str
    visit_uuid: str


class _PolicyRow(NamedTuple):
    rule: str
    days: int
    updated_at: str


class _Due(NamedTuple):
    uuid: str
    rule: str
    site_uuid: str
    held_open: int


class _LogRow(NamedTuple):
    at: str
    actor: str
    rule: str
    record_kind: str
    erased: int


def _batches(uuids: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(uuids), BATCH):
        yield list(uuids[start : start + BATCH])
