"""SQL of the coordinator's referral follow-up (table ``referral_followup``, schema v6).

A referral without a follow-up row is "sent", due a default number of days after it was made
(per recipient, ``due_days``; None: no due date). The effective status and due date are one
SQL expression (:func:`followup_source`), so listing, ordering, counting and the visits filter
agree, and no referral has to be written just to be listed. A NULL due date in a row means
"no due date".

Follow-up is local to the coordinator: never in a bundle, never written by imported data.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from fieldapp.store.rows import fetch_all, fetch_one, fetch_values
from fieldapp.vault import audit
from fieldapp.vault.connection import Connection, transaction

# Days until an answer is due, by recipient: the follow-up's default (fieldapp/followup.py),
# kept here because the visits filter's SQL needs it too. The police and the NLA assess a
# signal within about two weeks; CoMensha registration and the care coordinator concern care,
# so one week; a RIEC case meeting takes a month; an anonymous signal cannot be followed up.
DEFAULT_DUE_DAYS: dict[str, int | None] = {
    "police": 14,
    "nla": 14,
    "comensha": 7,
    "zorgcoordinator": 7,
    "riec": 30,
    "anonymous": None,
}

# A referral the coordinator follows up: made (not a draft), not erased, and not replaced by
# a newer version (the newest version stands for the referral). NOT IN, not NOT EXISTS: the
# list of replaced ids is built once, where NOT EXISTS would scan the referrals per referral
# (there is no index on ``supersedes``).
_LIVE_REFERRAL = """r.deleted = 0 AND r.status != 'draft'
    AND r.uuid NOT IN (SELECT supersedes FROM referrals WHERE supersedes IS NOT NULL
                       AND deleted = 0)"""


class FollowUpRow(NamedTuple):
    """One followed-up referral with its visit, site and device, as :func:`rows` reads it."""

    referral_uuid: str
    visit_uuid: str
    recipient: str
    document_id: str | None
    created_at: str
    urgency: str
    status: str  # the follow-up's, 'sent' without a row
    outcome: str | None
    due_date: str | None  # the effective due date; None: no due date
    note: str | None
    updated_at: str | None  # None: never followed up
    recorded: int  # 1 when a follow-up row exists
    visit_started_at: str
    site_name: str
    place: str | None
    origin_device: str
    inspector: str | None
    agency: str | None


class ReferralBasics(NamedTuple):
    recipient: str
    created_at: str
    status: str


class _Counts(NamedTuple):
    total: int
    open: int
    overdue: int


def _due_expression(due_days: Mapping[str, int | None]) -> tuple[str, list[Any]]:
    """The effective due date of ``r`` joined with its row ``f`` (if any)."""
    cases: list[str] = []
    params: list[Any] = []
    for recipient, days in due_days.items():
        if days is not None:
            cases.append("WHEN ? THEN date(r.created_at, ?)")
            params += [recipient, f"+{int(days)} days"]
    default = f"CASE r.recipient {' '.join(cases)} ELSE NULL END" if cases else "NULL"
    return (
        f"CASE WHEN f.referral_uuid IS NULL THEN {default} ELSE f.due_date END",
        params,
    )


def followup_source(due_days: Mapping[str, int | None]) -> tuple[str, list[Any]]:
    """A subquery (to use as ``FROM (...) AS fu``) of every followed-up referral with its
    effective ``status``, ``due`` and the rest of its follow-up."""
    due, params = _due_expression(due_days)
    sql = f"""SELECT r.uuid AS uuid, r.visit_uuid AS visit_uuid, r.created_at AS created_at,
        coalesce(f.status, 'sent') AS status, {due} AS due
        FROM referrals AS r LEFT JOIN referral_followup AS f ON f.referral_uuid = r.uuid
        WHERE {_LIVE_REFERRAL}"""
    return sql, params


def status_condition(status: str, today: str) -> tuple[str, list[Any]]:
    """A condition on ``fu`` (see :func:`followup_source`): one status, ``open`` (not closed)
    or ``overdue`` (not closed and due before ``today``)."""
    if status == "open":
        return "fu.status != 'closed'", []
    if status == "overdue":
        return "fu.status != 'closed' AND fu.due IS NOT NULL AND fu.due < ?", [today]
    return "fu.status = ?", [status]


def visits_with_status(
    status: str, today: str, due_days: Mapping[str, int | None]
) -> tuple[str, list[Any]]:
    """A subquery of the visit ids with a referral in ``status`` (for ``Store.visit_ids``)."""
    source, params = followup_source(due_days)
    condition, more = status_condition(status, today)
    return f"SELECT fu.visit_uuid FROM ({source}) AS fu WHERE {condition}", params + more


def referral_ids(
    conn: Connection, due_days: Mapping[str, int | None], today: str, status: str | None = None
) -> list[str]:
    """Every followed-up referral in display order: open ones first, by due date (so the
    overdue ones lead, most overdue first), then open ones without a due date, then closed
    ones; ties by when they were made."""
    source, params = followup_source(due_days)
    where = ""
    if status is not None:
        condition, more = status_condition(status, today)
        where, params = f"WHERE {condition}", params + more
    sql = (
        f"SELECT fu.uuid FROM ({source}) AS fu {where}"
        " ORDER BY fu.status = 'closed', fu.due IS NULL, fu.due, fu.created_at, fu.uuid"
    )
    return fetch_values(conn, sql, params)


def counts(
    conn: Connection, due_days: Mapping[str, int | None], today: str
) -> tuple[int, int, int]:
    """(all, open, overdue) followed-up referrals."""
    source, params = followup_source(due_days)
    found = fetch_one(
        conn,
        _Counts,
        "SELECT count(*) AS total, coalesce(sum(fu.status != 'closed'), 0) AS open,"
        " coalesce(sum(fu.status != 'closed' AND fu.due IS NOT NULL AND fu.due < ?), 0)"
        f" AS overdue FROM ({source}) AS fu",
        [today, *params],
    )
    assert found is not None  # an aggregate always has its one row
    return int(found.total), int(found.open), int(found.overdue)


def rows(
    conn: Connection, due_days: Mapping[str, int | None], referral_uuids: Sequence[str]
) -> list[FollowUpRow]:
    """The rows of the given referrals (any order; missing ids left out)."""
    if not referral_uuids:
        return []
    due, params = _due_expression(due_days)
    sql = f"""SELECT r.uuid AS referral_uuid, r.visit_uuid, r.recipient, r.document_id,
        r.created_at, r.urgency, coalesce(f.status, 'sent') AS status, f.outcome,
        {due} AS due_date, f.note, f.updated_at, f.referral_uuid IS NOT NULL AS recorded,
        v.started_at AS visit_started_at, s.name AS site_name, s.place, r.origin_device,
        d.inspector, d.agency
        FROM referrals AS r
        LEFT JOIN referral_followup AS f ON f.referral_uuid = r.uuid
        JOIN visits AS v ON v.uuid = r.visit_uuid
        JOIN sites AS s ON s.uuid = v.site_uuid
        LEFT JOIN sync_devices AS d ON d.device_id = r.origin_device
        WHERE r.uuid IN (SELECT value FROM json_each(?)) AND r.deleted = 0"""
    return fetch_all(conn, FollowUpRow, sql, [*params, json.dumps(list(referral_uuids))])


def referral_basics(conn: Connection, referral_uuid: str) -> ReferralBasics | None:
    """(recipient, created_at, status) of a live referral, or None."""
    return fetch_one(
        conn,
        ReferralBasics,
        "SELECT recipient, created_at, status FROM referrals WHERE uuid = ? AND deleted = 0",
        (referral_uuid,),
    )


def save(
    conn: Connection,
    actor: str,
    referral_uuid: str,
    *,
    status: str,
    outcome: str | None,
    due_date: str | None,
    note: str | None,
    updated_at: str,
) -> None:
    """Insert or replace the follow-up of one referral, with its audit entry, in one
    transaction: committed when this returns."""
    with transaction(conn):
        conn.execute(
            "INSERT INTO referral_followup (referral_uuid, status, outcome, due_date, note,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (referral_uuid) DO UPDATE SET"
            " status = excluded.status, outcome = excluded.outcome,"
            " due_date = excluded.due_date, note = excluded.note,"
            " updated_at = excluded.updated_at",
            (referral_uuid, status, outcome, due_date or None, note, updated_at),
        )
        audit.append(conn, actor, "followup", "referral", referral_uuid)
