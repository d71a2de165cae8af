"""What a statistics report is made of: a validated period, optional filters, and the counts.

Every count here is an aggregate (how many signals, persons or referrals fall in a group);
no name, place below municipality level, note or identifier of a person ever enters a report.
Dates are calendar days in UTC, the way visits are stored and the visits list filters them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from fieldapp.errors import FieldAppError
from fieldapp.localtime import local_today

EARLIEST_YEAR = 2000
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

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
ROUTES = ("domestic", "cross_border", "unknown")
AGE_GROUPS = ("minor", "adult", "age_unknown")
# A possible victim without any signal in any form falls in this row of the periodic tables.
NO_SIGNALS = "none"
FOLLOWUP_STATUSES = ("sent", "acknowledged", "investigating", "closed")
DOMESTIC_NATIONALITY = "NL"


class PeriodError(FieldAppError):
    """A period that cannot be used: an impossible date, a wrong format, or from after to."""

    key = "stats.error.period"


@dataclass(frozen=True, slots=True)
class Period:
    """From and to, both included (calendar days, UTC)."""

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
        """Inclusive lower bound for a stored UTC timestamp (text comparison)."""
        return self.date_from.isoformat()

    @property
    def end_exclusive(self) -> str:
        """Exclusive upper bound: the day after ``date_to``."""
        return (self.date_to + timedelta(days=1)).isoformat()

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


@dataclass(frozen=True, slots=True)
class MonthSignals:
    """Signals of one month: all of them once, and per form (an indicator can belong to
    several forms, so the forms together can exceed ``total``)."""

    month: str
    total: int
    by_form: dict[str, int]


@dataclass(frozen=True, slots=True)
class FollowUpTimes:
    """Referrals in one follow-up status; ``median_days`` over those with a follow-up record
    (days from the referral's creation to the status's last change)."""

    status: str
    count: int
    timed: int
    median_days: float | None


@dataclass(frozen=True, slots=True)
class PeriodicTables:
    """The categories of the Nationaal Rapporteur and CoMensha, over possible victims (persons
    recorded with the role possible victim). Each person counts once, in the form where the
    engine's outcome is highest (``NO_SIGNALS`` when there is none)."""

    possible_victims: int
    form_route: dict[str, dict[str, int]]  # form -> route -> persons
    sector_form: dict[str, dict[str, int]]  # sector -> form -> persons
    form_age: dict[str, dict[str, int]]  # form -> minor / adult / age_unknown -> persons

    @property
    def minors(self) -> int:
        return sum(row["minor"] for row in self.form_age.values())


@dataclass(frozen=True, slots=True)
class StatsReport:
    period: Period
    filters: StatsFilter
    generated_at: str
    catalogue_versions: tuple[str, ...]
    signals_total: int
    # Signals that count under no form: about a witness, employer or possible exploiter (not
    # assessed as a victim), of a form not in the person's context, or of an unknown indicator.
    signals_unmapped: int
    signals_by_month: tuple[MonthSignals, ...]
    signals_by_sector: tuple[tuple[str, int], ...]  # most signals first
    signals_by_municipality: tuple[tuple[str, int], ...]  # '' = municipality not recorded
    outcomes: dict[str, dict[str, int]]  # form -> outcome -> possible victims
    outcome_order: tuple[str, ...]
    referrals_by_recipient: tuple[tuple[str, int], ...]
    followup: tuple[FollowUpTimes, ...]
    periodic: PeriodicTables
    visits: int = 0
    notes: tuple[str, ...] = field(default=())  # message keys explaining the definitions

    @property
    def referrals_total(self) -> int:
        return sum(count for _, count in self.referrals_by_recipient)

    def signals_by_form(self) -> dict[str, int]:
        return {
            form: sum(month.by_form.get(form, 0) for month in self.signals_by_month)
            for form in FORMS
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-able values, for ``fieldapp stats --json``."""
        return {
            "period": {"from": self.period.start, "to": self.period.date_to.isoformat()},
            "filters": self.filters.as_dict(),
            "generated_at": self.generated_at,
            "catalogue_versions": list(self.catalogue_versions),
            "visits": self.visits,
            "signals": {
                "total": self.signals_total,
                "unmapped": self.signals_unmapped,
                "by_form": self.signals_by_form(),
                "by_month": [
                    {"month": m.month, "total": m.total, "by_form": dict(m.by_form)}
                    for m in self.signals_by_month
                ],
                "by_sector": dict(self.signals_by_sector),
                "by_municipality": dict(self.signals_by_municipality),
            },
            "outcomes": {form: dict(row) for form, row in self.outcomes.items()},
            "referrals": {
                "total": self.referrals_total,
                "by_recipient": dict(self.referrals_by_recipient),
                "followup": [
                    {
                        "status": row.status,
                        "count": row.count,
                        "timed": row.timed,
                        "median_days": row.median_days,
                    }
                    for row in self.followup
                ],
            },
            "periodic": {
                "possible_victims": self.periodic.possible_victims,
                "minors": self.periodic.minors,
                "form_route": self.periodic.form_route,
                "sector_form": self.periodic.sector_form,
                "form_age": self.periodic.form_age,
                "domestic_means_nationality": DOMESTIC_NATIONALITY,
            },
        }
