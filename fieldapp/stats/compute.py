"""Statistics over a period: the database groups, this module names the groups.

The SQL lives in :mod:`fieldapp.store.stats_store` and returns a few hundred groups; here the
indicator groups are mapped to forms of exploitation with the catalogue each observation was
made with, the periodic-report tables are folded out of one grouped query, and the medians of
the follow-up times are taken over the (few) referrals.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

from fieldapp.assessment.outcomes import refresh_outcomes
from fieldapp.catalogue.loader import available_versions, latest_version, load_catalogue
from fieldapp.catalogue.model import Catalogue, CatalogueError
from fieldapp.clock import now_iso
from fieldapp.domain import Sector
from fieldapp.stats.model import (
    AGE_GROUPS,
    FOLLOWUP_STATUSES,
    NO_SIGNALS,
    ROUTES,
    FollowUpTimes,
    MonthSignals,
    PeriodicTables,
    StatsReport,
)
from fieldapp.store.filters import FORMS, Period, StatsFilter
from fieldapp.store.stats_store import StatsQuery
from fieldapp.vault.connection import Connection

if TYPE_CHECKING:
    from fieldapp.vault.vault import Vault
    from fieldapp.vault.worker import WorkerVault

Progress = Callable[[int, int], None]
SEX_WORK_SECTORS = (Sector.SEX_WORK_LICENSED.value, Sector.SEX_WORK_UNLICENSED.value)

# What the report says about how it counts (message keys, shown in the PDF, XLSX and CLI).
DEFINITION_NOTES = (
    "stats.note.aggregates",
    "stats.note.period_utc",
    "stats.note.signals",
    "stats.note.signal_forms",
    "stats.note.possible_victims",
    "stats.note.route",
    "stats.note.minors",
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
        victim_groups = query.victim_groups()
        referral_groups = query.referrals_by_recipient()
        followup_rows = query.followup_durations()
        visits = query.count_visits()

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
    months = tuple(
        MonthSignals(month, month_totals.get(month, 0), by_month[month])
        for month in sorted(set(by_month) | set(month_totals))
    )

    by_sector: dict[str, int] = defaultdict(int)
    by_municipality: dict[str, int] = defaultdict(int)
    for sector, municipality, count in place_groups:
        by_sector[sector] += count
        by_municipality[municipality] += count

    order = tuple(latest.rules.outcome_order)
    outcomes: dict[str, dict[str, int]] = {form: dict.fromkeys(order, 0) for form in FORMS}
    for _route, _sector, _age, ranks, count in victim_groups:
        for form, rank in zip(FORMS, ranks, strict=True):
            if rank is not None and 0 <= rank < len(order):
                outcomes[form][order[rank]] += count

    return StatsReport(
        period=period,
        filters=filters,
        generated_at=now_iso(),
        catalogue_versions=tuple(sorted(versions)),
        signals_total=sum(month.total for month in months),
        signals_unmapped=unmapped,
        signals_by_month=months,
        signals_by_sector=_most_first(by_sector),
        signals_by_municipality=_most_first(by_municipality),
        outcomes=outcomes,
        outcome_order=order,
        referrals_by_recipient=_most_first(dict(referral_groups)),
        followup=_followup(followup_rows),
        periodic=_periodic(victim_groups, latest.rules.rank("signals_present")),
        visits=visits,
        notes=DEFINITION_NOTES,
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


def _periodic(
    groups: list[tuple[str, str, str, tuple[int | None, ...], int]], signal_rank: int
) -> PeriodicTables:
    rows = (*FORMS, NO_SIGNALS)
    form_route = {form: dict.fromkeys(ROUTES, 0) for form in rows}
    form_age = {form: dict.fromkeys(AGE_GROUPS, 0) for form in rows}
    sector_form: dict[str, dict[str, int]] = {}
    total = 0
    for route, sector, age_group, ranks, count in groups:
        form = main_form(ranks, signal_rank, sector)
        total += count
        form_route[form][route] += count
        form_age[form][age_group] += count
        sector_form.setdefault(sector, dict.fromkeys(rows, 0))[form] += count
    ordered_sectors = sorted(sector_form, key=lambda s: (-sum(sector_form[s].values()), s))
    return PeriodicTables(
        possible_victims=total,
        form_route=form_route,
        sector_form={sector: sector_form[sector] for sector in ordered_sectors},
        form_age=form_age,
    )


def main_form(ranks: tuple[int | None, ...], signal_rank: int, sector: str) -> str:
    """The form a possible victim counts under in the periodic tables: the one with the
    highest outcome of at least ``signal_rank`` (signals present), ``NO_SIGNALS`` when none
    reaches it. Most indicators belong to several forms, so outcomes often tie; a tie goes to
    the form that fits the visit's sector (``tie_order``)."""
    by_form = dict(zip(FORMS, ranks, strict=True))
    best, best_rank = NO_SIGNALS, signal_rank - 1
    for form in tie_order(sector):
        rank = by_form[form]
        if rank is not None and rank > best_rank:
            best, best_rank = form, rank
    return best


def tie_order(sector: str) -> tuple[str, ...]:
    """Sexual exploitation first at sex-work venues, labour exploitation first elsewhere;
    then the other forms in the tables' order."""
    first = ("sexual", "labour") if sector in SEX_WORK_SECTORS else ("labour", "sexual")
    return (*first, *(form for form in FORMS if form not in first))


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
