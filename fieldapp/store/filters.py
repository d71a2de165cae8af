"""What the lists and the statistics ask the store for. Plain values, cheap to import: the
desktop's list model holds one before any database module is loaded.

The statistics' period and filters (:class:`Period`, :class:`StatsFilter`) live here rather
than in :mod:`fieldapp.stats`, which builds reports from them, because the store's statistics
queries (``stats_store.py``) take them: a layer never imports the one above it
(docs/ARCHITECTURE.md section 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from fieldapp.domain import Sector, VisitStatus
from fieldapp.errors import FieldAppError
from fieldapp.localtime import local_today
from fieldapp.validate import EARLIEST_YEAR


@dataclass(frozen=True, slots=True)
class VisitFilter:
    """What the visits list shows: every field optional; dates are ``YYYY-MM-DD`` (Dutch days).

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


# -- statistics -----------------------------------------------------------------------

# The forms of exploitation (art. 273f Sr), in the order every table and chart shows them: the
# periodic report's sexual / other labour / forced criminality / organs, then the forms EU
# Directive 2024/1712 added.
FORMS = (
    "sexual",
    "labour",
    "criminal",
    "organ_removal",
    "forced_marriage",
    "illegal_adoption",
    "surrogacy",
)
# A person of this nationality counts as exploited on a domestic route.
DOMESTIC_NATIONALITY = "NL"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class PeriodError(FieldAppError):
    """A period that cannot be used: an impossible date, a wrong format, or from after to."""

    key = "stats.error.period"


@dataclass(frozen=True, slots=True)
class Period:
    """From and to, both included (Dutch calendar days)."""

    date_from: date
    date_to: date

    def __post_init__(self) -> None:
        if self.date_from.year < EARLIEST_YEAR or self.date_to.year < EARLIEST_YEAR:
            raise PeriodError("stats.error.period_too_early", year=EARLIEST_YEAR)
        if self.date_from > self.date_to:
            raise PeriodError(
                "stats.error.period_reversed",
                date_from=self.date_from.isoformat(),
                date_to=self.date_to.isoformat(),
            )

    @classmethod
    def parse(cls, text_from: str, text_to: str) -> Period:
        """From two ``YYYY-MM-DD`` texts; each problem gets its own message."""
        return cls(_parse_date(text_from, "from"), _parse_date(text_to, "to"))

    @classmethod
    def last_months(cls, months: int = 12, today: date | None = None) -> Period:
        """The default of the dashboard: the ``months`` whole months up to and including
        today's month, ending today."""
        today = today or local_today()
        year, month = today.year, today.month - (months - 1)
        while month < 1:
            month += 12
            year -= 1
        return cls(date(year, month, 1), today)

    @property
    def start(self) -> str:
        """The first day, ``YYYY-MM-DD`` (file names, JSON)."""
        return self.date_from.isoformat()

    def months(self) -> tuple[str, ...]:
        """Every month the period touches, as ``YYYY-MM``, oldest first."""
        year, month = self.date_from.year, self.date_from.month
        found = []
        while (year, month) <= (self.date_to.year, self.date_to.month):
            found.append(f"{year:04d}-{month:02d}")
            month += 1
            if month > 12:
                month, year = 1, year + 1
        return tuple(found)

    def label(self) -> str:
        return f"{self.date_from.isoformat()} – {self.date_to.isoformat()}"


def _parse_date(text: str, which: str) -> date:
    raw = (text or "").strip()
    if not _ISO_DATE.match(raw):
        raise PeriodError(f"stats.error.{which}_format", value=raw[:40])
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise PeriodError(f"stats.error.{which}_impossible", value=raw) from None


@dataclass(frozen=True, slots=True)
class StatsFilter:
    """Optional narrowing of the visits counted; every field empty means all visits."""

    sector: str | None = None
    municipality: str | None = None
    agency: str | None = None  # the agency the visit's device was enrolled with
    device: str | None = None  # the field device the visit came from (its id)

    def is_empty(self) -> bool:
        return not (self.sector or self.municipality or self.agency or self.device)

    def as_dict(self) -> dict[str, str]:
        return {
            name: value
            for name, value in (
                ("sector", self.sector),
                ("municipality", self.municipality),
                ("agency", self.agency),
                ("device", self.device),
            )
            if value
        }
