"""Statistics over a period: the database groups, this module names the groups.

The SQL lives in :mod:`fieldapp.store.stats_store` and returns a few hundred groups; here the
indicator groups are mapped to forms of exploitation with the catalogue each observation was
made with, the possible victims' groups are read through their profile (what the engine made
of each: its category, the forms with a signal, the highest form), and the medians of the
follow-up times are taken over the (few) referrals.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from fieldapp.agencies import agency_key
from fieldapp.assessment.outcomes import refresh_outcomes
from fieldapp.catalogue.loader import available_versions, latest_version, load_catalogue
from fieldapp.catalogue.model import Catalogue, CatalogueError, Rules
from fieldapp.clock import now_iso
from fieldapp.localtime import to_local
from fieldapp.stats.model import (
    AGE_GROUPS,
    B83_STATUSES,
    BELOW_INDICATION,
    CATEGORIES,
    FOLLOWUP_STATUSES,
    INDICATION,
    INDICATION_BY_ASSESSMENT,
    INDICATION_OTHERWISE,
    NO_SIGNALS,
    OTHER_NATIONALITIES,
    OUTCOME_INDICATIONS,
    PERSON_COLUMNS,
    POSSIBLE_VICTIMS,
    REGISTRATIONS,
    ROUTES,
    SERIOUS_DISADVANTAGE,
    SEX_WORK_COLUMNS,
    SEX_WORK_SECTORS,
    SEXES,
    TOP_NATIONALITIES,
    UNKNOWN_NATIONALITY,
    VICTIM_CATEGORIES,
    FollowUpTimes,
    MonthSignals,
    PeriodicTables,
    StatsReport,
)
from fieldapp.stats.regions import UNKNOWN, load_regions
from fieldapp.store.filters import FORMS, Period, StatsFilter
from fieldapp.store.stats_store import (
    PROFILE_BASE,
    PROFILE_INDICATION,
    PROFILE_PROFESSIONAL,
    StatsQuery,
)
from fieldapp.vault.connection import Connection

if TYPE_CHECKING:
    from fieldapp.vault.vault import Vault
    from fieldapp.vault.worker import WorkerVault

Progress = Callable[[int, int], None]
Groups = Sequence[tuple[tuple[str, ...], int, int]]

# What the report says about how it counts (message keys, shown in the PDF, XLSX and CLI).
DEFINITION_NOTES = (
    "stats.note.aggregates",
    "stats.note.period_local",
    "stats.note.signals",
    "stats.note.signal_forms",
    "stats.note.categories",
    "stats.note.serious_disadvantage",
    "stats.note.every_form",
    "stats.note.with_indication",
    "stats.note.highest_form",
    "stats.note.outcomes",
    "stats.note.route",
    "stats.note.minors",
    "stats.note.nationality",
    "stats.note.agency",
    "stats.note.region",
    "stats.note.sex_work",
    "stats.note.b83",
    "stats.note.registration",
    "stats.note.referrals",
    "stats.note.followup",
)


def compute_stats(
    vault: Vault | WorkerVault,
    period: Period,
    filters: StatsFilter | None = None,
    *,
    refresh: bool = True,
    progress: Progress | None = None,
) -> StatsReport:
    """The report for ``period``. Outcomes of persons whose visits changed are brought up to
    date first (``refresh_outcomes``), so the outcome tables match the observations."""
    if refresh:
        refresh_outcomes(vault, progress)
    return aggregate(vault.conn, period, filters)


def aggregate(conn: Connection, period: Period, filters: StatsFilter | None = None) -> StatsReport:
    """Every table of the report from the database as it is (no outcome refresh)."""
    filters = filters or StatsFilter()
    catalogues = _Catalogues()
    latest = catalogues.latest
    with StatsQuery(conn, period, filters, catalogues.background_only()) as query:
        indicator_groups = query.signals_by_month_indicator()
        place_groups = query.signals_by_sector_municipality()
        victims = {
            name: query.victim_groups(dimensions)
            for name, dimensions in (
                ("main", ("route", "sector", "age_group")),
                ("sex", ("route", "sex")),
                ("nationality", ("route", "nationality")),
                ("agency", ("agency",)),
                ("municipality", ("municipality",)),
                ("b83", ("route", "b83")),
                ("registration", ("registration",)),
            )
        }
        referral_groups = query.referrals_by_recipient()
        followup_rows = query.followup_durations()
        visits = query.count_visits()

    generated_at = now_iso()
    by_month: dict[str, dict[str, int]] = {
        month: dict.fromkeys(FORMS, 0) for month in period.months()
    }
    month_totals: dict[str, int] = dict.fromkeys(period.months(), 0)
    versions: set[str] = set()
    unmapped = 0
    for month, indicator_id, version, mask, count in indicator_groups:
        versions.add(version)
        month_totals[month] = month_totals.get(month, 0) + count
        forms = catalogues.forms_of(indicator_id, version, mask)
        if not forms:
            unmapped += count
        row = by_month.setdefault(month, dict.fromkeys(FORMS, 0))
        for form in forms:
            row[form] += count
    months = _months(period, month_totals, by_month, to_local(generated_at).date())

    by_sector: dict[str, int] = defaultdict(int)
    by_municipality: dict[str, int] = defaultdict(int)
    for sector, municipality, count in place_groups:
        by_sector[sector] += count
        by_municipality[municipality] += count

    profiles = Profiles(latest.rules)
    columns = profiles.outcome_columns
    outcomes: dict[str, dict[str, int]] = {form: dict.fromkeys(columns, 0) for form in FORMS}
    for _key, code, count in victims["main"]:
        profile = profiles.get(code)
        if profile.category not in VICTIM_CATEGORIES:
            continue
        for form in profile.forms:
            outcomes[form][profiles.outcome_column(profile, form)] += count

    return StatsReport(
        period=period,
        filters=filters,
        generated_at=generated_at,
        catalogue_versions=tuple(sorted(versions)),
        signals_total=sum(month.total for month in months),
        signals_unmapped=unmapped,
        signals_by_month=months,
        signals_by_sector=_most_first(by_sector),
        signals_by_municipality=_most_first(by_municipality),
        outcomes=outcomes,
        outcome_order=columns,
        referrals_by_recipient=_most_first(dict(referral_groups)),
        followup=_followup(followup_rows),
        periodic=periodic_tables(victims, profiles),
        visits=visits,
        notes=DEFINITION_NOTES,
    )


def _months(
    period: Period,
    totals: Mapping[str, int],
    by_form: Mapping[str, dict[str, int]],
    today: date,
) -> tuple[MonthSignals, ...]:
    """The period's months up to today's Dutch month: a month that has not begun holds no
    zero, it is not there (unless a visit is dated in it: then up to that month, so the
    months still add up to the total). Today's month is marked running when the period
    reaches today."""
    current = f"{today.year:04d}-{today.month:02d}"
    last = max((month for month, total in totals.items() if total), default="")
    end = max(current, last)
    return tuple(
        MonthSignals(
            month,
            totals.get(month, 0),
            by_form[month],
            running=month == current and period.date_to >= today,
        )
        for month in period.months()
        if month <= end
    )


def _most_first(counts: dict[str, int]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def _followup(rows: list[tuple[str, float | None]]) -> tuple[FollowUpTimes, ...]:
    """Count and median days per status. A follow-up changed before the referral was made
    (clocks of two machines) counts as zero days."""
    durations: dict[str, list[float]] = {status: [] for status in FOLLOWUP_STATUSES}
    counts: dict[str, int] = dict.fromkeys(FOLLOWUP_STATUSES, 0)
    for status, days in rows:
        counts[status] = counts.get(status, 0) + 1
        if days is not None:
            durations.setdefault(status, []).append(max(0.0, days))
    return tuple(
        FollowUpTimes(
            status=status,
            count=counts[status],
            timed=len(durations.get(status, [])),
            median_days=round(statistics.median(durations[status]), 1)
            if durations.get(status)
            else None,
        )
        for status in counts
    )


# -- what the engine made of a person ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Profile:
    """One person's outcomes read for the tables."""

    ranks: Mapping[str, int]  # form -> outcome rank, for the forms the person was assessed for
    form_indication: frozenset[str]  # forms in which the engine found an indication
    category: str  # one of CATEGORIES, or NO_SIGNALS
    forms: tuple[str, ...]  # the forms counted: a signal or an indication, in FORMS order
    highest: str | None  # the one form of the highest-form table; None without any form


def highest_form_order(rules: Rules) -> tuple[str, ...]:
    """The fixed order that settles a tie in the highest-form table, after the outcome and the
    indication: every form in the tables' order, except the forms a person is assessed for
    when nothing else points anywhere (labour), which come last. Such a form is in context
    for nearly everyone, so a tie with another form means something pointed to that other
    form (its own signal, its sector, the professional's suspicion)."""
    default = tuple(form for form in FORMS if form in rules.default_forms)
    return (*(form for form in FORMS if form not in default), *default)


def serious_disadvantage_rule(rules: Rules) -> tuple[tuple[str, ...], int] | None:
    """(forms, lowest outcome rank) of the catalogue's route for serious disadvantage (ernstige
    benadeling): the referral rule that applies without an indication, from a minimum outcome
    in listed forms (2026.2: labour at ``exploited``, to the NLA). None when the catalogue
    has no such rule."""
    for rule in rules.routing:
        when = rule.when
        if when.get("indication") is False and "forms" in when and "min_outcome" in when:
            return tuple(str(form) for form in when["forms"]), rules.rank(str(when["min_outcome"]))
    return None


class Profiles:
    """Profiles decoded once each (a period has a few hundred distinct ones)."""

    def __init__(self, rules: Rules) -> None:
        self.signal_rank = rules.rank("signals_present")
        self.indication_rank = rules.rank(rules.indication_min_outcome)
        self.disadvantage = serious_disadvantage_rule(rules)
        self.order = highest_form_order(rules)
        # The outcome table's columns: the outcomes a person can have in a form without an
        # indication there, then the two kinds of indication.
        below = max(self.signal_rank + 1, self.indication_rank)
        self.outcome_columns = (
            *rules.outcome_order[self.signal_rank : below],
            *OUTCOME_INDICATIONS,
        )
        self._decoded: dict[int, Profile] = {}

    def outcome_column(self, profile: Profile, form: str) -> str:
        """Where a possible victim counted under ``form`` stands in the outcome table: with
        an indication in the form, by what gave it (the assessment's outcome at the threshold
        or above, which includes the art. 273f reading; else the rule for minors or the
        professional's judgement, which leave the outcome lower, even below 'signals
        present'); without one, at the outcome of the assessment. The engine never leaves an
        outcome at the threshold without an indication; should it, the highest column below
        takes it, so every person counted under the form has one column."""
        rank = profile.ranks.get(form, -1)
        if form in profile.form_indication:
            by_assessment = rank >= self.indication_rank
            return INDICATION_BY_ASSESSMENT if by_assessment else INDICATION_OTHERWISE
        lower = self.outcome_columns[: -len(OUTCOME_INDICATIONS)]
        return lower[min(max(rank - self.signal_rank, 0), len(lower) - 1)]

    def get(self, code: int) -> Profile:
        profile = self._decoded.get(code)
        if profile is None:
            profile = self._decoded[code] = self.decode(code)
        return profile

    def decode(self, code: int) -> Profile:
        ranks: dict[str, int] = {}
        indicated: set[str] = set()
        for index, form in enumerate(FORMS):
            digit = code // PROFILE_BASE**index % PROFILE_BASE
            if digit:
                ranks[form] = digit % PROFILE_INDICATION - 1
                if digit >= PROFILE_INDICATION:
                    indicated.add(form)
        professional = code >= PROFILE_PROFESSIONAL
        forms = tuple(
            form for form in FORMS if form in indicated or ranks.get(form, -1) >= self.signal_rank
        )
        if indicated or professional:
            category = INDICATION
        elif self._disadvantaged(ranks, indicated):
            category = SERIOUS_DISADVANTAGE
        elif forms:
            category = BELOW_INDICATION
        else:
            category = NO_SIGNALS
        return Profile(
            ranks=ranks,
            form_indication=frozenset(indicated),
            category=category,
            forms=forms,
            highest=self._highest(forms, ranks, indicated),
        )

    def _disadvantaged(self, ranks: Mapping[str, int], indicated: set[str]) -> bool:
        if self.disadvantage is None:
            return False
        forms, floor = self.disadvantage
        return any(ranks.get(form, -1) >= floor and form not in indicated for form in forms)

    def _highest(
        self, forms: tuple[str, ...], ranks: Mapping[str, int], indicated: set[str]
    ) -> str | None:
        """Highest outcome, then an indication in the form, then ``self.order``."""
        position = {form: place for place, form in enumerate(self.order)}
        return min(
            forms,
            key=lambda form: (-ranks.get(form, -1), form not in indicated, position[form]),
            default=None,
        )


# -- the periodic tables -------------------------------------------------------------------


def _zeros(keys: Iterable[str]) -> dict[str, int]:
    return dict.fromkeys(keys, 0)


def periodic_tables(victims: Mapping[str, Groups], profiles: Profiles) -> PeriodicTables:
    """The periodic tables from the possible victims' groups (``aggregate`` asks for them)."""
    categories = {category: _zeros(ROUTES) for category in CATEGORIES}
    category_minors = _zeros(CATEGORIES)
    route_persons = _zeros(ROUTES)
    form_route = {form: _zeros(ROUTES) for form in FORMS}
    form_indication = _zeros(FORMS)
    highest = {form: _zeros(ROUTES) for form in FORMS}
    form_route_age = {form: {route: _zeros(AGE_GROUPS) for route in ROUTES} for form in FORMS}
    age_persons = _zeros(AGE_GROUPS)
    sector_form: dict[str, dict[str, int]] = {}
    sector_persons: dict[str, int] = defaultdict(int)
    sex_work = {sector: _zeros(SEX_WORK_COLUMNS) for sector in SEX_WORK_SECTORS}
    no_signals = with_indication = minors = 0

    for (route, sector, age_group), code, count in victims["main"]:
        profile = profiles.get(code)
        category = profile.category
        if category == NO_SIGNALS:
            no_signals += count
            continue
        categories[category][route] += count
        if age_group == "minor":
            category_minors[category] += count
        if category not in VICTIM_CATEGORIES:
            continue
        route_persons[route] += count
        age_persons[age_group] += count
        sector_persons[sector] += count
        sector_row = sector_form.setdefault(sector, _zeros(FORMS))
        for form in profile.forms:
            form_route[form][route] += count
            form_route_age[form][route][age_group] += count
            sector_row[form] += count
            if form in profile.form_indication:
                form_indication[form] += count
        if profile.highest is not None:
            highest[profile.highest][route] += count
        if category == INDICATION:
            with_indication += count
        if age_group == "minor":
            minors += count
        if sector in sex_work:
            row = sex_work[sector]
            row[category] += count
            row[POSSIBLE_VICTIMS] += count
            row["minor"] += count if age_group == "minor" else 0
            row["cross_border"] += count if route == "cross_border" else 0

    form_route_sex, sex_persons = _by_form_route(victims["sex"], profiles, SEXES)
    nationality_columns = _top_nationalities(victims["nationality"], profiles)
    folded = [
        ((route, _nationality_column(code, nationality_columns)), profile, count)
        for (route, code), profile, count in victims["nationality"]
    ]
    form_route_nationality, nationality_persons = _by_form_route(
        folded, profiles, nationality_columns
    )
    agency, agency_names = _by_agency(victims["agency"], profiles)
    region, regions_as_of = _by_region(victims["municipality"], profiles)
    ordered_sectors = sorted(sector_form, key=lambda s: (-sector_persons[s], s))
    return PeriodicTables(
        possible_victims=sum(route_persons.values()),
        with_indication=with_indication,
        minors=minors,
        no_signals=no_signals,
        categories=categories,
        category_minors=category_minors,
        route_persons=route_persons,
        form_route=form_route,
        form_indication=form_indication,
        highest_form_route=highest,
        highest_form_order=profiles.order,
        form_route_sex=form_route_sex,
        sex_persons=sex_persons,
        form_route_age=form_route_age,
        age_persons=age_persons,
        form_route_nationality=form_route_nationality,
        nationality_persons=nationality_persons,
        nationality_columns=nationality_columns,
        sector_form={sector: sector_form[sector] for sector in ordered_sectors},
        sector_persons={sector: sector_persons[sector] for sector in ordered_sectors},
        sex_work=sex_work,
        agency=agency,
        agency_names=agency_names,
        region=region,
        regions_as_of=regions_as_of,
        b83=_b83(victims["b83"], profiles),
        registration=_registration(victims["registration"], profiles),
    )


def _by_form_route(
    groups: Groups, profiles: Profiles, columns: tuple[str, ...]
) -> tuple[dict[str, dict[str, dict[str, int]]], dict[str, int]]:
    """Possible victims by (route, column): under every form counted, and each once."""
    by_form = {form: {route: _zeros(columns) for route in ROUTES} for form in FORMS}
    persons = _zeros(columns)
    for (route, column), code, count in groups:
        profile = profiles.get(code)
        if profile.category not in VICTIM_CATEGORIES:
            continue
        persons[column] += count
        for form in profile.forms:
            by_form[form][route][column] += count
    return by_form, persons


def _top_nationalities(groups: Groups, profiles: Profiles) -> tuple[str, ...]:
    """The columns of the nationality table: the TOP_NATIONALITIES most frequent among the
    possible victims (ties by code), then all others together, then none recorded."""
    totals: dict[str, int] = defaultdict(int)
    for (_route, code), profile, count in groups:
        if code and profiles.get(profile).category in VICTIM_CATEGORIES:
            totals[code] += count
    top = sorted(totals, key=lambda code: (-totals[code], code))[:TOP_NATIONALITIES]
    return (*top, OTHER_NATIONALITIES, UNKNOWN_NATIONALITY)


def _nationality_column(code: str, columns: tuple[str, ...]) -> str:
    if not code:
        return UNKNOWN_NATIONALITY
    return code if code in columns else OTHER_NATIONALITIES


def _person_row(row: dict[str, int], category: str, count: int) -> None:
    """Add a person of ``category`` to a row of PERSON_COLUMNS."""
    row[category] += count
    if category in VICTIM_CATEGORIES:
        row[POSSIBLE_VICTIMS] += count


def _by_agency(
    groups: Groups, profiles: Profiles
) -> tuple[dict[str, dict[str, int]], dict[str, str]]:
    """Per reporting agency, under one code whatever the spelling (``agency_key``), with the
    name first written for it; '' when none is known. Most possible victims first."""
    rows: dict[str, dict[str, int]] = {}
    names: dict[str, str] = {}
    for (written,), code, count in groups:
        category = profiles.get(code).category
        if category == NO_SIGNALS:
            continue
        key = agency_key(written) or ""
        names.setdefault(key, written)
        _person_row(rows.setdefault(key, _zeros(PERSON_COLUMNS)), category, count)
    ordered = sorted(rows, key=lambda key: (key == "", -rows[key][POSSIBLE_VICTIMS], key))
    return {key: rows[key] for key in ordered}, names


def _by_region(
    groups: Groups, profiles: Profiles
) -> tuple[dict[tuple[str, str], dict[str, int]], str]:
    """Per police unit and RIEC region of the site's municipality, in the file's order of
    units, unknown last."""
    regions = load_regions()
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for (municipality,), code, count in groups:
        category = profiles.get(code).category
        if category == NO_SIGNALS:
            continue
        _person_row(
            rows.setdefault(regions.of(municipality), _zeros(PERSON_COLUMNS)), category, count
        )
    units = list(regions.units)
    ordered = sorted(
        rows,
        key=lambda key: (key[0] == UNKNOWN, units.index(key[0]) if key[0] in units else 0, key),
    )
    return {key: rows[key] for key in ordered}, regions.as_of


def _b83(groups: Groups, profiles: Profiles) -> dict[str, dict[str, int]]:
    """The reflection period as recorded, for possible victims with an indication (B8/3
    follows an indication)."""
    rows = {status: _zeros(ROUTES) for status in B83_STATUSES}
    for (route, status), code, count in groups:
        if profiles.get(code).category == INDICATION:
            rows[status if status in rows else "not_recorded"][route] += count
    return rows


def _registration(groups: Groups, profiles: Profiles) -> dict[str, dict[str, int]]:
    rows = {registration: _zeros(PERSON_COLUMNS[:3]) for registration in REGISTRATIONS}
    for (registration,), code, count in groups:
        category = profiles.get(code).category
        if category in VICTIM_CATEGORIES:
            _person_row(rows[registration], category, count)
    return rows


class _Catalogues:
    """Installed catalogues by version; an observation made with a version that is not
    installed is read against the newest one."""

    def __init__(self) -> None:
        self.latest = load_catalogue(latest_version())
        self._loaded: dict[str, Catalogue] = {self.latest.version: self.latest}

    def get(self, version: str) -> Catalogue:
        if version not in self._loaded:
            try:
                self._loaded[version] = load_catalogue(version)
            except CatalogueError:
                self._loaded[version] = self.latest
        return self._loaded[version]

    def forms_of(self, indicator_id: str, version: str, mask: int) -> tuple[str, ...]:
        """The forms a signal counts for: those its person was assessed for (``mask``, from
        the engine's outcomes) in which the indicator counts, as the engine counts it."""
        indicator = self.latest.get(indicator_id) or self.get(version).get(indicator_id)
        if indicator is None:
            return ()
        return tuple(
            form
            for index, form in enumerate(FORMS)
            if mask >> index & 1 and form in indicator.forms
        )

    def background_only(self) -> tuple[str, ...]:
        """Indicators that are background only in any installed version: never a signal on
        their own, so never counted as one."""
        found: set[str] = set()
        for version in available_versions():
            found.update(
                item.id for item in self.get(version).indicators.values() if item.context_only
            )
        return tuple(sorted(found))
