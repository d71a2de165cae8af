"""What the visits list asks the store for. Plain values, cheap to import: the desktop's list
model holds one before any database module is loaded."""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.domain import Sector, VisitStatus


@dataclass(frozen=True, slots=True)
class VisitFilter:
    """What the visits list shows: every field optional; dates are ``YYYY-MM-DD`` (UTC).

    The coordinator's merged picture adds provenance (``device``: a device id; ``agency``: the
    agency a device was enrolled with), the engine's outcome per person (``form``: a form of
    exploitation; ``outcome``: at least this outcome, for that form or any; a form alone means
    at least ``signals_present``) and the follow-up of the visit's referrals
    (``referral_status``: a status of ``fieldapp.followup.STATUSES`` or ``overdue``)."""

    status: VisitStatus | None = None
    sector: Sector | None = None
    municipality: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    search: str | None = None
    agency: str | None = None
    device: str | None = None
    form: str | None = None
    outcome: str | None = None
    referral_status: str | None = None
