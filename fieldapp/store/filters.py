"""What the visits list asks the store for. Plain values, cheap to import: the desktop's list
model holds one before any database module is loaded."""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.domain import Sector, VisitStatus


@dataclass(frozen=True, slots=True)
class VisitFilter:
    """What the visits list shows: every field optional; dates are ``YYYY-MM-DD`` (UTC)."""

    status: VisitStatus | None = None
    sector: Sector | None = None
    municipality: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    search: str | None = None
