"""What a statistics report is made of: a validated period, optional filters, and the counts.

Every count here is an aggregate (how many signals, persons or referrals fall in a group);
no name, place below municipality level, note or identifier of a person ever enters a report.
Dates are Dutch calendar days and months (:mod:`fieldapp.localtime`), whatever zone the
computer is in.

The period, the filters, the forms in report order and the nationality counted as domestic are
what the store's statistics queries are asked for, so they live below it, in
:mod:`fieldapp.store.filters`.

Who the person tables count (the categories of the Nationaal Rapporteur and CoMensha):

- every person recorded with the role possible victim falls in one **category**: an
  indication of trafficking (the engine's, or the professional's own judgement); else
  **serious disadvantage** (ernstige benadeling: the catalogue's NLA rule below the
  indication, exploitative working conditions without an indication of trafficking); else
  signals below the indication; else no signals at all;
- the **possible victims** of the tables are the first and the third: a person with serious
  disadvantage is counted in its own category, and a person without any signal in none of the
  tables (only in a note);
- a possible victim counts under **every form** of exploitation with a signal (or an
  indication): a person with signals in two forms counts under each, so the forms together
  can exceed the persons, and each such table ends with the persons counted once; the
  **highest form** table counts each person under one form
  (:func:`fieldapp.stats.compute.highest_form_order`);
- **with an indication in a form** means one thing in every table, whatever gave it: the
  engine's outcome there (the indicator list, or the art. 273f reading), the rule for minors,
  or the professional's own judgement (``person_outcomes.indication``). The per-form
  "with an indication" column and the outcome table's two indication columns count exactly
  those persons, so they agree; a person with an indication in another form only counts
  under this one by the outcome of the assessment. Per person (categories, key figures, the
  last row "each person once"): an indication in at least one form.

The outcome table counts the same persons as the form table (its totals per form are equal);
serious disadvantage stands only in the categories table and the key figures, never added to
the possible victims.

Months run from the period's first month to the current Dutch month (or the last month with a
signal, should a visit carry a later date): a month that has not begun is not a zero. The
month still running is marked (``MonthSignals.running``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fieldapp.store import stats_store
from fieldapp.store.filters import DOMESTIC_NATIONALITY, FORMS, Period, StatsFilter

ROUTES = ("domestic", "cross_border", "unknown")
AGE_GROUPS = stats_store.AGE_GROUPS
REGISTRATIONS = stats_store.REGISTRATIONS
SEXES = ("f", "m", "x", "unknown")
# The categories of a person recorded as possible victim who has at least one signal (or an
# indication), in report order; NO_SIGNALS is the rest, counted only in a note.
INDICATION, SERIOUS_DISADVANTAGE, BELOW_INDICATION = (
    "indication",
    "serious_disadvantage",
    "below_indication",
)
CATEGORIES = (INDICATION, BELOW_INDICATION, SERIOUS_DISADVANTAGE)
VICTIM_CATEGORIES = (INDICATION, BELOW_INDICATION)
NO_SIGNALS = "no_signals"
POSSIBLE_VICTIMS = "possible_victims"
# Per agency and per region: the two kinds of possible victims, both together, and serious
# disadvantage beside them (never added to them).
PERSON_COLUMNS = (INDICATION, BELOW_INDICATION, POSSIBLE_VICTIMS, SERIOUS_DISADVANTAGE)
SEX_WORK_SECTORS = ("sex_work_licensed", "sex_work_unlicensed")
SEX_WORK_COLUMNS = (INDICATION, BELOW_INDICATION, POSSIBLE_VICTIMS, "minor", "cross_border")
# B8/3 as recorded: offered (and not declined), offered and declined, not offered, nothing.
B83_STATUSES = ("offered", "declined", "not_offered", "not_recorded")
OTHER_NATIONALITIES, UNKNOWN_NATIONALITY = "other", "unknown"
# The outcome table's columns above the outcomes without an indication: an indication in the
# form from the assessment itself (its outcome reached the catalogue's indication threshold,
# or the art. 273f reading), or only from the rule for minors or the professional's judgement.
INDICATION_BY_ASSESSMENT, INDICATION_OTHERWISE = "indication_by_assessment", "indication_otherwise"
OUTCOME_INDICATIONS = (INDICATION_BY_ASSESSMENT, INDICATION_OTHERWISE)
TOP_NATIONALITIES = 5
FOLLOWUP_STATUSES = ("sent", "acknowledged", "investigating", "closed")


@dataclass(frozen=True, slots=True)
class MonthSignals:
    """Signals of one month: all of them once, and per form (an indicator can belong to
    several forms, so the forms together can exceed ``total``). ``running``: the month has
    not ended yet (today's Dutch month), so its count is not comparable with the others."""

    month: str
    total: int
    by_form: dict[str, int]
    running: bool = False


@dataclass(frozen=True, slots=True)
class FollowUpTimes:
    """Referrals in one follow-up status; ``median_days`` over those with a follow-up record
    (days from the referral's creation to the status's last change)."""

    status: str
    count: int
    timed: int
    median_days: float | None


Counts = dict[str, int]


@dataclass(frozen=True, slots=True)
class PeriodicTables:
    """The categories of the Nationaal Rapporteur and CoMensha (see the module docstring for
    who counts where). ``*_persons`` hold each possible victim once; the ``form_*`` tables
    count a person under every form with a signal."""

    possible_victims: int = 0
    with_indication: int = 0
    minors: int = 0  # possible victims who are (or may be) minors
    no_signals: int = 0  # recorded as possible victim without any signal: in no table
    categories: dict[str, Counts] = field(default_factory=dict)  # category -> route -> n
    category_minors: Counts = field(default_factory=dict)  # category -> minors
    route_persons: Counts = field(default_factory=dict)  # route -> possible victims
    form_route: dict[str, Counts] = field(default_factory=dict)  # every form: form -> route
    form_indication: Counts = field(default_factory=dict)  # form -> with indication in it
    highest_form_route: dict[str, Counts] = field(default_factory=dict)  # one form a person
    highest_form_order: tuple[str, ...] = FORMS  # how a tie there is settled, last
    form_route_sex: dict[str, dict[str, Counts]] = field(default_factory=dict)
    sex_persons: Counts = field(default_factory=dict)
    form_route_age: dict[str, dict[str, Counts]] = field(default_factory=dict)
    age_persons: Counts = field(default_factory=dict)
    form_route_nationality: dict[str, dict[str, Counts]] = field(default_factory=dict)
    nationality_persons: Counts = field(default_factory=dict)
    nationality_columns: tuple[str, ...] = ()  # the top codes, OTHER_, UNKNOWN_NATIONALITY
    sector_form: dict[str, Counts] = field(default_factory=dict)  # sector -> form -> n
    sector_persons: Counts = field(default_factory=dict)  # sector -> possible victims
    sex_work: dict[str, Counts] = field(default_factory=dict)  # sector -> SEX_WORK_COLUMNS
    agency: dict[str, Counts] = field(default_factory=dict)  # agency key -> PERSON_COLUMNS
    agency_names: dict[str, str] = field(default_factory=dict)  # key -> name as first written
    region: dict[tuple[str, str], Counts] = field(default_factory=dict)  # (unit, RIEC) -> n
    regions_as_of: str = ""  # the municipal division the region file holds
    b83: dict[str, Counts] = field(default_factory=dict)  # status -> route (with indication)
    registration: dict[str, Counts] = field(default_factory=dict)  # registration -> category

    @property
    def serious_disadvantage(self) -> int:
        return sum(self.categories.get(SERIOUS_DISADVANTAGE, {}).values())

    def forms_present(self) -> tuple[str, ...]:
        """The forms with at least one possible victim, in report order."""
        return tuple(form for form in FORMS if sum(self.form_route.get(form, {}).values()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "possible_victims": self.possible_victims,
            "with_indication": self.with_indication,
            "minors": self.minors,
            "serious_disadvantage": self.serious_disadvantage,
            "no_signals_not_counted": self.no_signals,
            "categories": self.categories,
            "category_minors": self.category_minors,
            "route_persons": self.route_persons,
            "form_route": self.form_route,
            "form_indication": self.form_indication,
            "highest_form_route": self.highest_form_route,
            "highest_form_tie_order": list(self.highest_form_order),
            "form_route_sex": self.form_route_sex,
            "sex_persons": self.sex_persons,
            "form_route_age": self.form_route_age,
            "age_persons": self.age_persons,
            "form_route_nationality": self.form_route_nationality,
            "nationality_persons": self.nationality_persons,
            "sector_form": self.sector_form,
            "sector_persons": self.sector_persons,
            "sex_work": self.sex_work,
            "agency": {
                key: {"name": self.agency_names.get(key, key), **counts}
                for key, counts in self.agency.items()
            },
            "region": [
                {"police_unit": unit, "riec": riec, **counts}
                for (unit, riec), counts in self.region.items()
            ],
            "regions_as_of": self.regions_as_of,
            "b83_with_indication": self.b83,
            "registration": self.registration,
            "domestic_means_nationality": DOMESTIC_NATIONALITY,
        }


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
    # form -> column -> possible victims counted under the form (as in ``form_route``): the
    # outcomes below the indication threshold for those without an indication in the form,
    # then OUTCOME_INDICATIONS for those with one.
    outcomes: dict[str, dict[str, int]]
    outcome_order: tuple[str, ...]  # the columns of ``outcomes``, lowest first
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
            "days": "Dutch calendar days",
            "filters": self.filters.as_dict(),
            "generated_at": self.generated_at,
            "catalogue_versions": list(self.catalogue_versions),
            "visits": self.visits,
            "signals": {
                "total": self.signals_total,
                "unmapped": self.signals_unmapped,
                "by_form": self.signals_by_form(),
                "by_month": [
                    {
                        "month": m.month,
                        "total": m.total,
                        "by_form": dict(m.by_form),
                        "running": m.running,
                    }
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
            "periodic": self.periodic.as_dict(),
        }
