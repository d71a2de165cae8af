"""What a statistics report is made of: a validated period, optional filters, and the counts.

Every count here is an aggregate (how many signals, persons or referrals fall in a group);
no name, place below municipality level, note or identifier of a person ever enters a report.
Dates are calendar days in UTC, the way visits are stored and the visits list filters them.

The period, the filters, the forms in report order and the nationality counted as domestic are
what the store's statistics queries are asked for, so they live below it, in
:mod:`fieldapp.store.filters`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fieldapp.store.filters import DOMESTIC_NATIONALITY, FORMS, Period, StatsFilter

ROUTES = ("domestic", "cross_border", "unknown")
AGE_GROUPS = ("minor", "adult", "age_unknown")
# A possible victim without any signal in any form falls in this row of the periodic tables.
NO_SIGNALS = "none"
FOLLOWUP_STATUSES = ("sent", "acknowledged", "investigating", "closed")


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
