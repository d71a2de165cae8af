"""Referral follow-up by the coordinator: did the police, the NLA, CoMensha, the care coordinator
(zorgcoördinator) or the RIEC answer a referral, and what came of it?

A referral moves through ``sent`` -> ``acknowledged`` -> ``investigating`` -> ``closed`` (closed
always with an outcome). Any status may be set from any other: a coordinator corrects mistakes,
and a referral nobody answered is closed with ``no_response``. Each referral has a due date:
by default a number of days after it was made, per recipient (``DEFAULT_DUE_DAYS``, kept in
``fieldapp/store/followup_store.py`` because the visits filter's SQL needs it too), which
the coordinator may change; an anonymous signal has none. A referral that was never followed
up is ``sent`` with that default, without any row written for it.

Referrals reach the coordinator from field devices by sync import; only a coordinator vault
follows them up. SQL: ``fieldapp/store/followup_store.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from fieldapp import localtime
from fieldapp.clock import now_iso, parse_utc
from fieldapp.domain import Role
from fieldapp.errors import FieldAppError, NotFound
from fieldapp.store import followup_store
from fieldapp.store.followup_store import DEFAULT_DUE_DAYS
from fieldapp.vault.vault import Vault

STATUSES = ("sent", "acknowledged", "investigating", "closed")
# What a status filter may also ask for: every open referral, or the overdue ones.
STATUS_FILTERS = (*STATUSES, "open", "overdue")
OUTCOMES = (
    "action_taken",  # investigation, enforcement or prosecution started or done
    "victim_supported",  # care, shelter or the reflection period arranged
    "registered",  # registered (e.g. with CoMensha), nothing more asked of us
    "referred_on",  # passed on to another partner
    "no_action",  # looked at: no grounds, no further action
    "no_response",  # never answered
)
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DAYS_AHEAD = 2 * 366
MAX_NOTE = 2000


class FollowUpError(FieldAppError):
    key = "followup.error.invalid"


@dataclass(frozen=True, slots=True)
class FollowUp:
    """One referral as the follow-up list shows it."""

    referral_uuid: str
    visit_uuid: str
    recipient: str
    document_id: str | None
    created_at: str  # when the referral was made (UTC, ISO 8601)
    urgency: str
    status: str
    outcome: str | None
    due_date: str | None  # YYYY-MM-DD; None: no due date
    note: str | None
    updated_at: str | None  # last follow-up change; None: never followed up
    recorded: bool  # a follow-up row exists (else: the defaults)
    visit_started_at: str
    site_name: str
    place: str | None
    origin_device: str
    inspector: str | None
    agency: str | None

    def days_overdue(self, today: str) -> int:
        """Whole days past the due date (0 when not overdue, closed or without a due date)."""
        if self.status == "closed" or not self.due_date or self.due_date >= today:
            return 0
        return (date.fromisoformat(today) - date.fromisoformat(self.due_date)).days


def local_today() -> str:
    """Today in the Netherlands (due dates are Dutch calendar dates), ``2026-11-30``."""
    return localtime.local_today().isoformat()


def default_due_date(recipient: str, created_at: str) -> str | None:
    """The due date a referral has until the coordinator sets one (UTC date of making + the
    recipient's days, as the SQL computes it)."""
    days = DEFAULT_DUE_DAYS.get(recipient)
    if days is None:
        return None
    made = parse_utc(created_at).date()
    return (made + timedelta(days=days)).isoformat()


def parse_due_date(text: str | None) -> str | None:
    """``YYYY-MM-DD`` or ``DD-MM-YYYY`` (also with / or .) -> ``YYYY-MM-DD``; empty -> None
    (no due date). Impossible dates (31 February) and dates before 2000 are refused."""
    text = (text or "").strip()
    if not text:
        return None
    parts = text.replace("/", "-").replace(".", "-").split("-")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise FollowUpError("followup.error.date_format", text=text)
    if len(parts[0]) == 4:
        year, month, day = parts
    elif len(parts[2]) == 4:
        day, month, year = parts
    else:
        raise FollowUpError("followup.error.date_format", text=text)
    try:
        parsed = date(int(year), int(month), int(day))
    except ValueError:
        raise FollowUpError("followup.error.date_impossible", text=text) from None
    if parsed < EARLIEST_DATE:
        raise FollowUpError("followup.error.date_too_early", text=text)
    return parsed.isoformat()


def _require_coordinator(vault: Vault) -> None:
    if vault.info.role is not Role.COORDINATOR:
        raise FollowUpError("followup.error.coordinator_only")


def referral_ids(vault: Vault, status: str | None = None, today: str | None = None) -> list[str]:
    """Every followed-up referral (or those in ``status``, see :data:`STATUS_FILTERS`), overdue
    ones first, then by due date (``followup_store.referral_ids``)."""
    if status is not None and status not in STATUS_FILTERS:
        raise FollowUpError("followup.error.bad_status", status=status)
    return followup_store.referral_ids(vault.conn, DEFAULT_DUE_DAYS, today or local_today(), status)


def followups(vault: Vault, referral_uuids: Sequence[str]) -> list[FollowUp]:
    """The given referrals, in the same order (missing ones left out)."""
    found = {
        row.referral_uuid: _followup(row)
        for row in followup_store.rows(vault.conn, DEFAULT_DUE_DAYS, referral_uuids)
    }
    return [found[uuid] for uuid in referral_uuids if uuid in found]


def _followup(row: followup_store.FollowUpRow) -> FollowUp:
    return FollowUp(
        referral_uuid=row.referral_uuid,
        visit_uuid=row.visit_uuid,
        recipient=row.recipient,
        document_id=row.document_id,
        created_at=row.created_at,
        urgency=row.urgency,
        status=row.status,
        outcome=row.outcome,
        due_date=row.due_date,
        note=row.note,
        updated_at=row.updated_at,
        recorded=bool(row.recorded),
        visit_started_at=row.visit_started_at,
        site_name=row.site_name,
        place=row.place,
        origin_device=row.origin_device,
        inspector=row.inspector,
        agency=row.agency,
    )


def followup(vault: Vault, referral_uuid: str) -> FollowUp:
    found = followups(vault, [referral_uuid])
    if not found:
        raise NotFound(kind="referral", id=referral_uuid)
    return found[0]


def counts(vault: Vault, today: str | None = None) -> tuple[int, int, int]:
    """(all, open, overdue)."""
    return followup_store.counts(vault.conn, DEFAULT_DUE_DAYS, today or local_today())


def update(
    vault: Vault,
    referral_uuid: str,
    *,
    status: str,
    outcome: str | None = None,
    due_date: str | None = None,
    note: str | None = None,
    today: str | None = None,
) -> FollowUp:
    """Check and save one referral's follow-up, committed before it returns (with its audit
    entry). ``due_date`` as typed (see :func:`parse_due_date`; empty: no due date). Anything
    refused raises :class:`FollowUpError` and changes nothing."""
    _require_coordinator(vault)
    basics = followup_store.referral_basics(vault.conn, referral_uuid)
    if basics is None or basics.status == "draft":
        raise NotFound(kind="referral", id=referral_uuid)
    created_at = basics.created_at
    if status not in STATUSES:
        raise FollowUpError("followup.error.bad_status", status=status)
    if status == "closed":
        if outcome not in OUTCOMES:
            raise FollowUpError("followup.error.outcome_required")
    elif outcome is not None:
        raise FollowUpError("followup.error.outcome_only_closed")
    due = parse_due_date(due_date)
    if due is not None:
        made = created_at[:10]
        if due < made:
            shown = localtime.date_text(made)
            raise FollowUpError("followup.error.due_before_referral", date=shown)
        latest = date.fromisoformat(today or local_today()) + timedelta(days=LATEST_DAYS_AHEAD)
        if due > latest.isoformat():
            raise FollowUpError("followup.error.due_too_far", date=localtime.date_text(latest))
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise FollowUpError("followup.error.note_too_long", limit=MAX_NOTE)
    followup_store.save(
        vault.conn,
        vault.actor,
        referral_uuid,
        status=status,
        outcome=outcome if status == "closed" else None,
        due_date=due,
        note=note,
        updated_at=now_iso(),
    )
    return followup(vault, referral_uuid)
