"""All SQL of the statistics (fieldapp/stats): aggregates only, grouped in the database.

:class:`StatsQuery` first copies the visits of the period (id, month, sector, municipality)
into a temporary table, ordered by id; every query then walks that table and reaches
observations, persons and referrals through their ``*_by_visit`` indexes, in index order.
The signals are grouped once, by month, indicator, catalogue version, sector and
municipality, into a second temporary table that the breakdowns roll up; the possible victims
are copied once, one row each with what the tables break them down by, into a third. A million
observations are counted without a Python loop over them, and the answers are a few hundred
groups. Temporary tables live in memory (``temp_store = MEMORY`` on every connection), never
on disk, and hold no text about a person or a place below the municipality. The plans are
checked in ``tests/core/test_stats.py`` (``EXPLAIN QUERY PLAN``).

Days and months are Dutch calendar days and months (the zone of :mod:`fieldapp.localtime`):
a visit begun at 00:30 on 1 March in the Netherlands (23:30 UTC on 28 February) counts in March.
The period's bounds and each month's first moment are turned into stored UTC text here, so the
comparisons stay on the index.

What counts:

- a **visit** is a live visit in the period that holds something (a site name, a person, an
  observation, an attachment or a referral: ``drafts_store.HOLDS_SOMETHING``); an empty draft
  ("anders, 0, 0") counts nowhere;
- a **signal** is a live observation with status ``observed`` of a live visit in the period
  (as the visits list counts them), except indicators that are background only
  (``context_only``: never a signal on its own); it is grouped with the forms of exploitation
  its person was assessed for (``person_outcomes``: the forms in context), or for a signal
  recorded for everyone at a visit, the forms of the possible victims there
  (``visit_outcomes``), as a bit mask over ``FORMS``; a signal about a person not assessed as
  a victim has mask 0;
- a **possible victim** is a live person with the role ``possible_victim``; what the engine
  made of them is one integer, the *profile* (:func:`profile_sql`), which the caller reads;
- a **referral** is a live referral that is not a draft and that no later live version of
  the same visit replaces.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from types import TracebackType
from typing import NamedTuple, Self

from fieldapp.domain import AgeBand, ObservationStatus, PersonRole, ReferralStatus
from fieldapp.localtime import local_start
from fieldapp.store.drafts_store import HOLDS_SOMETHING
from fieldapp.store.filters import DOMESTIC_NATIONALITY, FORMS, Period, StatsFilter
from fieldapp.store.merged_store import device_agency_condition
from fieldapp.store.rows import fetch_all, fetch_columns, fetch_each, fetch_value
from fieldapp.vault.connection import Connection

_OBSERVED = ObservationStatus.OBSERVED.value
_POSSIBLE_VICTIM = PersonRole.POSSIBLE_VICTIM.value
_DRAFT = ReferralStatus.DRAFT.value
_MONTHS = "temp.stats_months"
_VISITS = "temp.stats_visits"
_CELLS = "temp.stats_cells"
_SCOPE = "temp.stats_scope"
_SIGNALS = "temp.stats_signals"
_VICTIMS = "temp.stats_victims"
_MASKS = "temp.stats_masks"
# The signals of the visits in scope, walked in the scope table's id order through
# observations_by_visit (so index pages are read in order).
_SIGNALS_FROM = f"""FROM {_SCOPE} AS s CROSS JOIN observations AS o ON o.visit_uuid = s.uuid
    WHERE o.deleted = 0 AND o.status = ?"""

# What a possible victim is broken down by (columns of the victims table). Age groups: the age
# bands of the person form, the minors together; an exact age decides before a band, and any
# sign of a minor (the flag, an age under 18, a minor's band) makes a minor.
VICTIM_DIMENSIONS = (
    "route",
    "sector",
    "municipality",
    "age_group",
    "sex",
    "nationality",
    "agency",
    "b83",
    "registration",
)
AGE_GROUPS = (
    "minor",
    "young_adult",
    "adult",
    "middle",
    "older",
    "adult_age_unknown",
    "age_unknown",
)
# Registration with CoMensha, from the final referrals naming the person: to CoMensha itself,
# or only an anonymous registration, or neither.
REGISTRATIONS = ("comensha", "anonymous", "none")

# The profile: per form (in FORMS order, PROFILE_BASE to the power of its index) the outcome
# rank plus one (0: not assessed for the form) and PROFILE_INDICATION when the engine found an
# indication in that form; PROFILE_PROFESSIONAL when the professional judged there is one. One
# integer, so the database groups possible victims by a few hundred values that the caller
# reads once each (fieldapp/stats/compute.py), instead of returning a row per person.
PROFILE_BASE = 32
PROFILE_INDICATION = 16
PROFILE_MAX_RANK = PROFILE_INDICATION - 2
PROFILE_PROFESSIONAL = PROFILE_BASE ** len(FORMS)


def _visit_where(
    conn: Connection, period: Period, filters: StatsFilter
) -> tuple[str, tuple[object, ...]]:
    clauses = ["v.deleted = 0", "v.started_at >= ?", "v.started_at < ?", HOLDS_SOMETHING]
    params: list[object] = [
        local_start(period.date_from),
        local_start(period.date_to + timedelta(days=1)),
    ]
    if filters.sector:
        clauses.append("v.sort_sector = ?")
        params.append(filters.sector)
    if filters.municipality:
        clauses.append("v.sort_municipality = ? COLLATE NOCASE")
        params.append(filters.municipality)
    if filters.agency:
        condition, names = device_agency_condition(conn, filters.agency)
        clauses.append(condition)
        params.extend(names)
    if filters.device:
        clauses.append("v.origin_device = ?")
        params.append(filters.device)
    return " AND ".join(clauses), tuple(params)


# Referrals of the visits in scope that count (see the module docstring). A new version is
# made for the same visit, so "replaced" is looked up through referrals_by_visit.
_NOT_REPLACED = """NOT EXISTS (SELECT 1 FROM referrals AS n
                       WHERE n.visit_uuid = r.visit_uuid AND n.supersedes = r.uuid
                         AND n.deleted = 0 AND n.status != ?)"""
_REFERRALS_IN_SCOPE = f"""
    FROM temp.stats_scope AS s CROSS JOIN referrals AS r ON r.visit_uuid = s.uuid
    {{extra_join}}
    WHERE r.deleted = 0 AND r.status != ?
      AND {_NOT_REPLACED}
"""


def profile_sql() -> str:
    """The profile (see ``PROFILE_BASE``) as an aggregate over a person's ``person_outcomes``
    rows ``po``, without the professional's judgement (a column of the person). Parameters:
    the forms, in ``FORMS`` order."""
    digits = " ".join(
        f"WHEN ? THEN (min(po.outcome_rank, {PROFILE_MAX_RANK}) + 1"
        f" + {PROFILE_INDICATION} * (po.indication != 0)) * {PROFILE_BASE**index}"
        for index, _ in enumerate(FORMS)
    )
    return f"sum(CASE po.form {digits} ELSE 0 END)"


def _age_group_sql() -> str:
    minor_bands = ", ".join(
        f"'{band.value}'" for band in (AgeBand.UNDER_12, AgeBand.TEEN_YOUNG, AgeBand.TEEN_OLD)
    )
    bands = {
        "young_adult": AgeBand.YOUNG_ADULT,
        "adult": AgeBand.ADULT,
        "middle": AgeBand.MIDDLE,
        "older": AgeBand.OLDER,
    }
    from_band = " ".join(f"WHEN '{band.value}' THEN '{group}'" for group, band in bands.items())
    return f"""CASE WHEN p.minor = 1 OR p.age < 18
                         OR (p.age IS NULL AND p.age_band IN ({minor_bands})) THEN 'minor'
                    WHEN p.age IS NOT NULL THEN
                         CASE WHEN p.age < 25 THEN 'young_adult' WHEN p.age < 40 THEN 'adult'
                              WHEN p.age < 60 THEN 'middle' ELSE 'older' END
                    ELSE coalesce(CASE p.age_band {from_band} END,
                                  CASE WHEN p.minor = 0 THEN 'adult_age_unknown'
                                       ELSE 'age_unknown' END) END"""


# The registration of person ``p`` (one of REGISTRATIONS): its visit's referrals are few, reached
# through referrals_by_visit; a person list that is not JSON names nobody.
_REGISTRATION_SQL = f"""coalesce((
    SELECT CASE max(r.recipient = 'comensha') WHEN 1 THEN 'comensha' WHEN 0 THEN 'anonymous' END
      FROM referrals AS r,
           json_each(CASE WHEN json_valid(r.person_uuids) THEN r.person_uuids ELSE '[]' END) AS j
     WHERE r.visit_uuid = p.visit_uuid AND j.value = p.uuid
       AND r.deleted = 0 AND r.status != ? AND r.recipient IN ('comensha', 'anonymous')
       AND {_NOT_REPLACED}), 'none')"""


class StatsQuery:
    """The statistics queries for one period and filter, on one connection::

    with StatsQuery(conn, period, filters, background_only) as query:
        query.signals_by_month_indicator()
    """

    def __init__(
        self,
        conn: Connection,
        period: Period,
        filters: StatsFilter | None = None,
        background_only: Sequence[str] = (),
    ) -> None:
        self.conn = conn
        self.period = period
        self.filters = filters or StatsFilter()
        self.background_only = tuple(background_only)

    def __enter__(self) -> Self:
        self._drop()
        where, params = _visit_where(self.conn, self.period, self.filters)
        # The first moment of each Dutch month of the period: a visit's month is the last one
        # begun by its start (one index step per visit).
        self.conn.execute(
            f"CREATE TABLE {_MONTHS} (start TEXT PRIMARY KEY, month TEXT NOT NULL) WITHOUT ROWID"
        )
        self.conn.executemany(
            f"INSERT INTO {_MONTHS} (start, month) VALUES (?, ?)",
            [
                (local_start(date(int(month[:4]), int(month[5:]), 1)), month)
                for month in self.period.months()
            ],
        )
        # The visits in scope with their month, sector and municipality; each distinct triple
        # becomes a cell, so the signals are grouped on one small integer instead of three
        # texts (measured: about a second less at a million observations).
        self.conn.execute(
            f"CREATE TABLE {_VISITS} (uuid TEXT PRIMARY KEY, month TEXT NOT NULL,"
            " sector TEXT NOT NULL, municipality TEXT NOT NULL) WITHOUT ROWID"
        )
        self.conn.execute(
            f"INSERT INTO {_VISITS} SELECT v.uuid,"
            f" (SELECT m.month FROM {_MONTHS} AS m WHERE m.start <= v.started_at"
            "  ORDER BY m.start DESC LIMIT 1),"
            " coalesce(v.sort_sector, 'other'), coalesce(v.sort_municipality, '')"
            f" FROM visits AS v WHERE {where}",
            params,
        )
        self.conn.execute(
            f"CREATE TABLE {_CELLS} (id INTEGER PRIMARY KEY, month TEXT NOT NULL,"
            " sector TEXT NOT NULL, municipality TEXT NOT NULL,"
            " UNIQUE (month, sector, municipality))"
        )
        self.conn.execute(
            f"INSERT INTO {_CELLS} (month, sector, municipality)"
            f" SELECT DISTINCT month, sector, municipality FROM {_VISITS}"
        )
        self.conn.execute(
            f"CREATE TABLE {_SCOPE} (uuid TEXT PRIMARY KEY, cell INTEGER NOT NULL) WITHOUT ROWID"
        )
        self.conn.execute(
            f"INSERT INTO {_SCOPE} SELECT v.uuid, c.id FROM {_VISITS} AS v JOIN {_CELLS} AS c"
            " ON c.month = v.month AND c.sector = v.sector AND c.municipality = v.municipality"
        )
        self.conn.execute(f"DROP TABLE {_VISITS}")
        # The forms in context per possible victim and per visit, as bit masks (few rows:
        # one per person or visit in scope), so the signals below take theirs in one lookup.
        bits = " ".join(f"WHEN ? THEN {1 << index}" for index, _ in enumerate(FORMS))
        self.conn.execute(
            f"CREATE TABLE {_MASKS} (uuid TEXT PRIMARY KEY, mask INTEGER NOT NULL,"
            " profile INTEGER NOT NULL) WITHOUT ROWID"
        )
        # A person's profile is read in the same pass over its outcomes (see profile_sql).
        self.conn.execute(
            f"INSERT INTO {_MASKS} SELECT p.uuid, sum(CASE po.form {bits} ELSE 0 END),"
            f" {profile_sql()}"
            f" FROM {_SCOPE} AS s CROSS JOIN persons AS p ON p.visit_uuid = s.uuid"
            " JOIN person_outcomes AS po ON po.person_uuid = p.uuid"
            " WHERE p.deleted = 0 GROUP BY p.uuid",
            (*FORMS, *FORMS),
        )
        self.conn.execute(
            f"INSERT INTO {_MASKS} SELECT s.uuid, sum(CASE vo.form {bits} ELSE 0 END), 0"
            f" FROM {_SCOPE} AS s CROSS JOIN visit_outcomes AS vo ON vo.visit_uuid = s.uuid"
            " GROUP BY s.uuid",
            FORMS,
        )
        marks = ", ".join("?" for _ in self.background_only)
        not_background = f" AND o.indicator_id NOT IN ({marks})" if marks else ""
        self.conn.execute(
            f"CREATE TABLE {_SIGNALS} AS SELECT s.cell AS cell, o.indicator_id AS indicator_id,"
            " o.catalogue_version AS catalogue_version, coalesce(m.mask, 0) AS mask,"
            " count(*) AS signals"
            f" FROM {_SCOPE} AS s CROSS JOIN observations AS o ON o.visit_uuid = s.uuid"
            f" LEFT JOIN {_MASKS} AS m ON m.uuid = coalesce(o.person_uuid, o.visit_uuid)"
            f" WHERE o.deleted = 0 AND o.status = ?{not_background}"
            " GROUP BY s.cell, o.indicator_id, o.catalogue_version, coalesce(m.mask, 0)",
            (_OBSERVED, *self.background_only),
        )
        # One row per possible victim: what the tables break them down by, and the profile.
        # Reporting agency: the agency the visit's device was enrolled with, else the first
        # agency listed on the visit.
        columns = ", ".join(f"{name} TEXT NOT NULL" for name in VICTIM_DIMENSIONS)
        self.conn.execute(f"CREATE TABLE {_VICTIMS} ({columns}, profile INTEGER NOT NULL)")
        self.conn.execute(
            f"""INSERT INTO {_VICTIMS}
                SELECT CASE WHEN p.nationality IS NULL OR trim(p.nationality) = '' THEN 'unknown'
                            WHEN upper(trim(p.nationality)) = ? THEN 'domestic'
                            ELSE 'cross_border' END,
                       c.sector, c.municipality, {_age_group_sql()},
                       coalesce(p.sex, 'unknown'),
                       upper(trim(coalesce(p.nationality, ''))),
                       coalesce(d.agency, CASE WHEN json_valid(v.agencies)
                                               THEN json_extract(v.agencies, '$[0]') END, ''),
                       coalesce(p.b83_status, 'not_recorded'),
                       {_REGISTRATION_SQL},
                       coalesce(m.profile, 0)
                         + {PROFILE_PROFESSIONAL} * (p.professional_indication != 0)
                  FROM {_SCOPE} AS s CROSS JOIN persons AS p ON p.visit_uuid = s.uuid
                  JOIN {_CELLS} AS c ON c.id = s.cell
                  JOIN visits AS v ON v.uuid = s.uuid
                  LEFT JOIN sync_devices AS d ON d.device_id = v.origin_device
                  LEFT JOIN {_MASKS} AS m ON m.uuid = p.uuid
                 WHERE p.deleted = 0 AND p.role = ?""",
            (DOMESTIC_NATIONALITY, _DRAFT, _DRAFT, _POSSIBLE_VICTIM),
        )
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._drop()

    def _drop(self) -> None:
        for table in (_VICTIMS, _SIGNALS, _MASKS, _SCOPE, _CELLS, _VISITS, _MONTHS):
            self.conn.execute(f"DROP TABLE IF EXISTS {table}")

    # -- visits and signals ------------------------------------------------------------------

    def count_visits(self) -> int:
        return int(fetch_value(self.conn, f"SELECT count(*) FROM {_SCOPE}"))

    def signals_by_month_indicator(self) -> list[tuple[str, str, str, int, int]]:
        """(month ``YYYY-MM``, indicator id, catalogue version, forms in context as a bit
        mask over ``FORMS``, signals); the caller keeps the forms the indicator counts in."""
        return [
            (
                str(row.month),
                str(row.indicator_id),
                str(row.catalogue_version),
                int(row.mask),
                int(row.signals),
            )
            for row in fetch_each(
                self.conn,
                _IndicatorGroup,
                "SELECT c.month, x.indicator_id, x.catalogue_version, x.mask,"
                f" sum(x.signals) AS signals FROM {_SIGNALS} AS x JOIN {_CELLS} AS c"
                " ON c.id = x.cell GROUP BY c.month, x.indicator_id, x.catalogue_version, x.mask",
            )
        ]

    def signals_by_sector_municipality(self) -> list[tuple[str, str, int]]:
        """(sector, municipality or '', signals)."""
        return [
            (str(row.sector), str(row.municipality), int(row.signals))
            for row in fetch_each(
                self.conn,
                _PlaceGroup,
                "SELECT c.sector, c.municipality, sum(x.signals) AS signals"
                f" FROM {_SIGNALS} AS x JOIN {_CELLS} AS c ON c.id = x.cell"
                " GROUP BY c.sector, c.municipality",
            )
        ]

    # -- persons -----------------------------------------------------------------------------

    def victim_groups(self, dimensions: Sequence[str]) -> list[tuple[tuple[str, ...], int, int]]:
        """((value per dimension), profile, possible victims), grouped in the database: the
        possible victims in scope by ``dimensions`` (names of ``VICTIM_DIMENSIONS``) and by
        what the engine made of them.

        Route: ``domestic`` for Dutch nationality, ``cross_border`` for any other,
        ``unknown`` when none is recorded. Age group: one of ``AGE_GROUPS``. Nationality: the
        code in capitals, '' when none. Registration: one of ``REGISTRATIONS``."""
        unknown = [name for name in dimensions if name not in VICTIM_DIMENSIONS]
        if unknown or not dimensions:
            raise ValueError(f"not a victim dimension: {unknown}")
        listed = ", ".join(dimensions)
        names = (*dimensions, "profile", "victims")
        sql = (
            f"SELECT {listed}, profile, count(*) AS victims FROM {_VICTIMS}"
            f" GROUP BY {listed}, profile"
        )
        width = len(dimensions)
        return [
            (tuple(str(value) for value in row[:width]), int(row[width]), int(row[width + 1]))
            for row in fetch_columns(self.conn, names, sql)
        ]

    # -- referrals ---------------------------------------------------------------------------

    def referrals_by_recipient(self) -> list[tuple[str, int]]:
        sql = "SELECT r.recipient, count(*) AS referrals" + _REFERRALS_IN_SCOPE.format(
            extra_join=""
        )
        return [
            (str(row.recipient), int(row.referrals))
            for row in fetch_each(
                self.conn, _RecipientGroup, sql + " GROUP BY r.recipient", (_DRAFT, _DRAFT)
            )
        ]

    def followup_durations(self) -> list[tuple[str, float | None]]:
        """(follow-up status, days from the referral's creation to that status's last
        change), one row per referral; ``'sent'`` and no days when the coordinator recorded
        nothing yet. Referrals are few (thousands), so the caller takes the medians."""
        sql = (
            "SELECT coalesce(f.status, 'sent') AS status,"
            " CASE WHEN f.referral_uuid IS NULL THEN NULL"
            " ELSE julianday(f.updated_at) - julianday(r.created_at) END AS days"
            + _REFERRALS_IN_SCOPE.format(
                extra_join="LEFT JOIN referral_followup AS f ON f.referral_uuid = r.uuid"
            )
        )
        return [
            (str(row.status), None if row.days is None else float(row.days))
            for row in fetch_each(self.conn, _FollowUpTime, sql, (_DRAFT, _DRAFT))
        ]

    # -- for tests and benchmarks ------------------------------------------------------------

    def plans(self) -> dict[str, list[str]]:
        """``EXPLAIN QUERY PLAN`` of the queries that touch the big tables."""
        where, params = _visit_where(self.conn, self.period, self.filters)
        statements: dict[str, tuple[str, tuple[object, ...]]] = {
            "visits": (f"SELECT v.uuid, v.sort_sector FROM visits AS v WHERE {where}", params),
            "signals": (
                f"SELECT o.indicator_id, count(*) {_SIGNALS_FROM} GROUP BY 1",
                (_OBSERVED,),
            ),
            "persons": (
                f"SELECT count(*) FROM {_SCOPE} AS s CROSS JOIN persons AS p"
                " ON p.visit_uuid = s.uuid WHERE p.deleted = 0 AND p.role = ?",
                (_POSSIBLE_VICTIM,),
            ),
            "outcomes": (
                f"SELECT {profile_sql()} FROM {_SCOPE} AS s CROSS JOIN persons AS p"
                " ON p.visit_uuid = s.uuid JOIN person_outcomes AS po ON po.person_uuid = p.uuid"
                " GROUP BY p.uuid",
                FORMS,
            ),
            "registrations": (
                f"SELECT {_REGISTRATION_SQL} FROM {_SCOPE} AS s CROSS JOIN persons AS p"
                " ON p.visit_uuid = s.uuid",
                (_DRAFT, _DRAFT),
            ),
            "referrals": (
                "SELECT count(*)" + _REFERRALS_IN_SCOPE.format(extra_join=""),
                (_DRAFT, _DRAFT),
            ),
        }
        return {
            name: [
                str(row.detail)
                for row in fetch_all(self.conn, _PlanStep, "EXPLAIN QUERY PLAN " + sql, args)
            ]
            for name, (sql, args) in statements.items()
        }


# -- the rows these queries read -------------------------------------------------------------


class _IndicatorGroup(NamedTuple):
    month: str
    indicator_id: str
    catalogue_version: str
    mask: int
    signals: int


class _PlaceGroup(NamedTuple):
    sector: str
    municipality: str
    signals: int


class _RecipientGroup(NamedTuple):
    recipient: str
    referrals: int


class _FollowUpTime(NamedTuple):
    status: str
    days: float | None


class _PlanStep(NamedTuple):
    """A row of ``EXPLAIN QUERY PLAN``."""

    id: int
    parent: int
    notused: int
    detail: str
