"""Statistics: every number adds up to counts made here straight from the rows, periods are
checked, the queries stay on their indexes, and the charts, PDF, spreadsheet and command line
show the same numbers."""

from __future__ import annotations

import json
import os
import re
import statistics
import struct
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from fieldapp.agencies import agency_key
from fieldapp.catalogue import load_catalogue
from fieldapp.demo import demo_visits
from fieldapp.domain import (
    Evidence,
    ObservationStatus,
    PersonRole,
    ReferralStatus,
    Role,
    Sector,
)
from fieldapp.i18n import t
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.localtime import to_local
from fieldapp.stats import charts
from fieldapp.stats.compute import aggregate, compute_stats
from fieldapp.stats.model import INDICATION_BY_ASSESSMENT, INDICATION_OTHERWISE, StatsReport
from fieldapp.stats.report_pdf import render_report_pdf
from fieldapp.stats.report_xlsx import render_report_xlsx
from fieldapp.stats.tables import report_tables
from fieldapp.store import followup_store
from fieldapp.store.filters import FORMS, Period, PeriodError, StatsFilter
from fieldapp.store.stats_store import StatsQuery
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.vault.worker import WorkerVaultKey
from tests.support import PASSPHRASE, ROOT, run_cli
from tests.support.stats import indicator_for

PERIOD = Period.parse("2025-01-01", "2025-12-31")  # Dutch calendar days
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SENTINEL_PLACE = "Zwijndrechtsentinel"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
CATALOGUE = load_catalogue()


LABOUR_ONLY = indicator_for("labour")
SEXUAL_ONLY = indicator_for("sexual")
CRIMINAL_ONLY = indicator_for("criminal")
ORGAN_ONLY = indicator_for("organ_removal")
SHARED = indicator_for(None)  # generic: counts in whichever forms the context points to
BACKGROUND = next(item.id for item in CATALOGUE.indicators.values() if item.context_only)


def _visit(
    started: str,
    *,
    sector: Sector = Sector.AGRICULTURE,
    municipality: str | None = "Westland",
    persons: tuple[tuple[str, PersonInput], ...] = (),
    observations: tuple[tuple[str | None, str, ObservationStatus], ...] = (),
) -> NewVisit:
    return NewVisit(
        SiteInput(name="Testlocatie", sector=sector, municipality=municipality),
        VisitInput(started_at=started, agencies=("NLA",)),
        persons,
        tuple(
            ObservationInput(
                indicator_id=indicator, status=status, evidence=Evidence.SEEN, person_ref=ref
            )
            for ref, indicator, status in observations
        ),
    )


def _person(**values: object) -> PersonInput:
    return PersonInput(label="Persoon", **values)  # type: ignore[arg-type]


OBSERVED = ObservationStatus.OBSERVED


def _crafted_visits() -> list[NewVisit]:
    """Edges the demo data does not reach: period bounds, statuses that never count, every
    route and age group, background items, a municipality never recorded."""
    return [
        # The first and the last moment of the period in Dutch time (CET, UTC+1): counted.
        _visit(
            "2024-12-31T23:00:00Z",
            sector=Sector.SEX_WORK_UNLICENSED,
            municipality=SENTINEL_PLACE,
            persons=(
                ("A", _person(nationality="NL", minor=True)),
                ("B", _person(nationality=None, age=None)),
                ("C", _person(role=PersonRole.POSSIBLE_EXPLOITER, nationality="NL")),
            ),
            observations=(
                ("A", SEXUAL_ONLY, OBSERVED),
                ("A", SHARED, OBSERVED),
                ("B", LABOUR_ONLY, ObservationStatus.NOT_OBSERVED),
                ("B", SHARED, ObservationStatus.UNKNOWN),
                (None, BACKGROUND, OBSERVED),  # background only: never a signal
                (None, ORGAN_ONLY, OBSERVED),
            ),
        ),
        _visit(
            "2025-12-31T22:59:59Z",
            sector=Sector.CONSTRUCTION,
            municipality=None,
            persons=(("A", _person(nationality="RO", age=16)), ("B", _person(age=40))),
            observations=(
                ("A", CRIMINAL_ONLY, OBSERVED),
                ("A", LABOUR_ONLY, OBSERVED),
                ("B", SHARED, OBSERVED),
                (None, LABOUR_ONLY, OBSERVED),
            ),
        ),
        # Just outside the period in Dutch time (the first still in 2025 in UTC): not counted.
        _visit(
            "2025-12-31T23:00:00Z",
            persons=(("A", _person(nationality="PL")),),
            observations=(("A", SHARED, OBSERVED),),
        ),
        _visit(
            "2024-12-31T22:59:59Z",
            persons=(("A", _person(nationality="PL")),),
            observations=(("A", SHARED, OBSERVED),),
        ),
    ]


@dataclass
class Crafted:
    vault: Vault
    store: Store
    deleted_visit: str
    empty_draft: str
    referrals: dict[str, str]  # name -> referral id
    followup_days: dict[str, tuple[str, float]]  # referral id -> (status, days)


def _fill(vault: Vault) -> Crafted:
    store = Store(vault)
    visit_ids = store.record_visits(demo_visits(160, seed=31))
    crafted_ids = store.record_visits(_crafted_visits())
    visit_ids += crafted_ids
    # A deleted visit inside the period and a deleted observation: neither counts.
    deleted_visit = store.record_visit(
        _visit(
            "2025-06-01T10:00:00+02:00",
            persons=(("A", _person(nationality="BG")),),
            observations=(("A", SHARED, OBSERVED),),
        )
    )
    store.delete("visit", deleted_visit)
    # An empty draft in the period (issue 14: "anders, 0, 0"): no site name, nothing recorded.
    empty_draft = store.record_visit(
        NewVisit(
            site=SiteInput(name="", sector=Sector.OTHER),
            visit=VisitInput(started_at="2025-06-02T10:00:00+02:00"),
        )
    )
    first_observation = next(store.observations(crafted_ids[1]))
    store.delete("observation", first_observation.meta.uuid)

    in_period = [
        visit_id
        for visit_id in visit_ids
        if PERIOD.date_from
        <= to_local(store.visit_detail(visit_id).visit.started_at).date()
        <= PERIOD.date_to
    ]
    recipients = ("police", "nla", "comensha", "zorgcoordinator", "riec")
    referrals: dict[str, str] = {}

    def refer(name: str, visit_id: str, recipient: str, **extra: object) -> str:
        persons = tuple(p.meta.uuid for p in store.persons(visit_id))[:1]
        made = store.add_referral(
            visit_id,
            persons,
            recipient,
            document=b"%PDF-1.4 test",
            document_id=f"FA-TEST-{len(referrals):04d}",
            content_hash="0" * 64,
            lang="nl",
            urgency="normal",
            **extra,  # type: ignore[arg-type]
        )
        referrals[name] = made.meta.uuid
        return made.meta.uuid

    for number, visit_id in enumerate(in_period[:12]):
        refer(f"final-{number}", visit_id, recipients[number % len(recipients)])
    refer("draft", in_period[12], "police", status=ReferralStatus.DRAFT)
    refer("replaced", in_period[13], "nla")
    refer("latest", in_period[13], "nla")  # version 2 of "replaced": only this one counts
    refer("deleted", in_period[14], "riec")
    store.delete("referral", referrals["deleted"])
    refer("outside", next(v for v in visit_ids if v not in in_period), "police")

    followup_days: dict[str, tuple[str, float]] = {}
    plan = (
        ("final-0", "acknowledged", 2.0),
        ("final-1", "acknowledged", 4.5),
        ("final-2", "acknowledged", 9.0),
        ("final-3", "investigating", 20.0),
        ("final-4", "closed", 35.0),
        ("final-5", "sent", 0.5),
    )
    for name, status, days in plan:
        referral = store.referral(referrals[name])
        created = datetime.fromisoformat(referral.meta.created_at.replace("Z", "+00:00"))
        updated = (created + timedelta(days=days)).astimezone(UTC)
        followup_store.save(
            vault.conn,
            vault.actor,
            referral.meta.uuid,
            status=status,
            outcome="action_taken" if status == "closed" else None,
            due_date="2027-01-01",
            note=None,
            updated_at=updated.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        followup_days[referral.meta.uuid] = (status, days)
    return Crafted(vault, store, deleted_visit, empty_draft, referrals, followup_days)


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crafted]:
    folder = tmp_path_factory.mktemp("stats") / "vault"
    vault = Vault.create(folder, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    try:
        yield _fill(vault)
    finally:
        vault.lock()


@pytest.fixture(scope="module")
def report(crafted: Crafted) -> StatsReport:
    return compute_stats(crafted.vault, PERIOD)


# -- counts made independently, row by row ------------------------------------------------


def _local(started_at: str) -> datetime:
    """A stored UTC moment in Dutch time, worked out here apart from fieldapp.localtime."""
    return datetime.fromisoformat(started_at.replace("Z", "+00:00")).astimezone(AMSTERDAM)


def _in(started_at: str, period: Period) -> bool:
    return period.date_from <= _local(started_at).date() <= period.date_to


def _holds_something(vault: Vault, visit_uuid: str, site_name: str) -> bool:
    """A site name, or a live person, telling observation, attachment or referral."""
    conn = vault.conn
    return bool(site_name) or any(
        conn.execute(sql, (visit_uuid,)).fetchone()
        for sql in (
            "SELECT 1 FROM persons WHERE visit_uuid = ? AND deleted = 0",
            "SELECT 1 FROM observations WHERE visit_uuid = ? AND deleted = 0"
            " AND status != 'unknown'",
            "SELECT 1 FROM attachments WHERE owner_uuid = ? AND deleted = 0",
            "SELECT 1 FROM referrals WHERE visit_uuid = ? AND deleted = 0",
        )
    )


def _raw_visits(vault: Vault, period: Period = PERIOD) -> dict[str, tuple[str, str, str]]:
    """Live visits in the period that hold something: id -> (month, sector, municipality)."""
    found = {}
    for uuid, started_at, deleted, site_uuid in vault.conn.execute(
        "SELECT uuid, started_at, deleted, site_uuid FROM visits"
    ):
        if deleted or not _in(started_at, period):
            continue
        sector, municipality, name = vault.conn.execute(
            "SELECT sector, municipality, name FROM sites WHERE uuid = ?", (site_uuid,)
        ).fetchone()
        if not _holds_something(vault, uuid, name):
            continue
        found[uuid] = (f"{_local(started_at):%Y-%m}", sector, municipality or "")
    return found


def _raw_signals(vault: Vault, period: Period = PERIOD) -> list[tuple[str, str | None, str]]:
    """(visit id, person id or None, indicator id) of every observed, live, non-background
    observation."""
    visits = _raw_visits(vault, period)
    return [
        (visit_uuid, person_uuid, indicator)
        for visit_uuid, person_uuid, indicator, status, deleted in vault.conn.execute(
            "SELECT visit_uuid, person_uuid, indicator_id, status, deleted FROM observations"
        )
        if visit_uuid in visits
        and not deleted
        and status == "observed"
        and not CATALOGUE.indicators[indicator].context_only
    ]


def _raw_signal_forms(vault: Vault, signals) -> Counter[str]:
    """Each signal under the forms its person was assessed for (person_outcomes), or for a
    signal recorded for everyone, the forms of the visit's live possible victims, where the
    indicator counts: worked out row by row, apart from the report's SQL."""
    forms_of: dict[str, set[str]] = {}
    for person, form in vault.conn.execute("SELECT person_uuid, form FROM person_outcomes"):
        forms_of.setdefault(person, set()).add(form)
    visit_forms: dict[str, set[str]] = {}
    for person, visit in vault.conn.execute(
        "SELECT uuid, visit_uuid FROM persons WHERE deleted = 0"
    ):
        visit_forms.setdefault(visit, set()).update(forms_of.get(person, set()))
    counted: Counter[str] = Counter()
    for visit, person, indicator in signals:
        context = forms_of.get(person, set()) if person else visit_forms.get(visit, set())
        for form in context & set(CATALOGUE.indicators[indicator].forms):
            counted[form] += 1
        if not context & set(CATALOGUE.indicators[indicator].forms):
            counted["unmapped"] += 1
    return counted


SIGNAL_RANK = CATALOGUE.rules.rank("signals_present")
TIE_ORDER = (*(form for form in FORMS if form != "labour"), "labour")
MINOR_BANDS = ("0-11", "12-15", "16-17")
ADULT_BANDS = {"18-24": "young_adult", "25-39": "adult", "40-59": "middle", "60+": "older"}


def _disadvantage() -> tuple[str, int]:
    """The catalogue's route for serious disadvantage, checked to be what the notes say."""
    rule = next(r for r in CATALOGUE.rules.routing if r.when.get("indication") is False)
    assert (rule.to, list(rule.when["forms"]), rule.when["min_outcome"]) == (
        "nla",
        ["labour"],
        "exploited",
    )
    return "labour", CATALOGUE.rules.rank("exploited")


def _age_group(age: int | None, band: str | None, minor: int | None) -> str:
    if minor == 1 or (age is not None and age < 18) or (age is None and band in MINOR_BANDS):
        return "minor"
    if age is not None:
        return next(
            group
            for limit, group in ((25, "young_adult"), (40, "adult"), (60, "middle"), (999, "older"))
            if age < limit
        )
    if band in ADULT_BANDS:
        return ADULT_BANDS[band]
    return "adult_age_unknown" if minor == 0 else "age_unknown"


def classify(ranks: dict[str, int], indicated: set[str], professional: bool) -> dict[str, object]:
    """Category, forms counted and highest form of one person, by the rules in the notes."""
    forms = [form for form in FORMS if form in indicated or ranks.get(form, -1) >= SIGNAL_RANK]
    form, floor = _disadvantage()
    if indicated or professional:
        category = "indication"
    elif ranks.get(form, -1) >= floor and form not in indicated:
        category = "serious_disadvantage"
    elif forms:
        category = "below_indication"
    else:
        category = "no_signals"
    highest = min(
        forms,
        key=lambda f: (-ranks.get(f, -1), f not in indicated, TIE_ORDER.index(f)),
        default=None,
    )
    return {"category": category, "forms": forms, "highest": highest}


def _raw_victims(vault: Vault, period: Period = PERIOD) -> list[dict[str, object]]:
    """Every person recorded as possible victim at a visit in the period, with what the
    tables break them down by, read row by row apart from the report's SQL."""
    visits = _raw_visits(vault, period)
    conn = vault.conn
    registered: dict[str, str] = {}
    for uuid, recipient in _raw_referrals(vault, period):
        if recipient in ("comensha", "anonymous"):
            (names,) = conn.execute(
                "SELECT person_uuids FROM referrals WHERE uuid = ?", (uuid,)
            ).fetchone()
            for person in json.loads(names):
                if registered.get(person) != "comensha":
                    registered[person] = recipient
    victims = []
    for row in conn.execute(
        "SELECT uuid, visit_uuid, role, deleted, minor, age, age_band, nationality, sex,"
        " b83_status, professional_indication FROM persons"
    ).fetchall():
        uuid, visit_uuid, role, deleted, minor, age, band, nationality, sex, b83, judged = row
        if visit_uuid not in visits or deleted or role != "possible_victim":
            continue
        outcomes = conn.execute(
            "SELECT form, outcome_rank, indication FROM person_outcomes WHERE person_uuid = ?",
            (uuid,),
        ).fetchall()
        ranks = {form: rank for form, rank, _ in outcomes}
        indicated = {form for form, _, indication in outcomes if indication}
        origin, agencies = conn.execute(
            "SELECT origin_device, agencies FROM visits WHERE uuid = ?", (visit_uuid,)
        ).fetchone()
        enrolled = conn.execute(
            "SELECT agency FROM sync_devices WHERE device_id = ?", (origin,)
        ).fetchone()
        listed = json.loads(agencies)
        agency = enrolled[0] if enrolled and enrolled[0] else (listed[0] if listed else "")
        code = (nationality or "").strip().upper()
        victims.append(
            {
                "uuid": uuid,
                "sector": visits[visit_uuid][1],
                "municipality": visits[visit_uuid][2],
                "minor": _age_group(age, band, minor) == "minor",
                "age_group": _age_group(age, band, minor),
                "sex": sex,
                "nationality": code,
                "route": "unknown"
                if not code
                else ("domestic" if code == "NL" else "cross_border"),
                "agency": agency_key(agency) or "",
                "b83": b83,
                "registration": registered.get(uuid, "none"),
                "ranks": ranks,
                "indicated": indicated,
                **classify(ranks, indicated, bool(judged)),
            }
        )
    return victims


def _possible(victims: list[dict[str, object]]) -> list[dict[str, object]]:
    return [v for v in victims if v["category"] in ("indication", "below_indication")]


def _raw_referrals(vault: Vault, period: Period = PERIOD) -> list[tuple[str, str]]:
    visits = _raw_visits(vault, period)
    rows = vault.conn.execute(
        "SELECT uuid, visit_uuid, recipient, status, deleted, supersedes FROM referrals"
    ).fetchall()
    replaced = {row[5] for row in rows if row[5] and not row[4] and row[3] != "draft"}
    return [
        (uuid, recipient)
        for uuid, visit_uuid, recipient, status, deleted, _ in rows
        if visit_uuid in visits and not deleted and status != "draft" and uuid not in replaced
    ]


# -- the numbers --------------------------------------------------------------------------


def test_visits_and_signals_add_up_to_raw_counts(crafted: Crafted, report: StatsReport) -> None:
    signals = _raw_signals(crafted.vault)
    visits = _raw_visits(crafted.vault)
    assert report.visits == len(visits) > 40
    assert crafted.deleted_visit not in visits
    assert crafted.empty_draft not in visits  # and so not in report.visits either
    assert report.signals_total == len(signals) > 100
    by_form = _raw_signal_forms(crafted.vault, signals)
    # Signals about employers, exploiters and witnesses count in the total only.
    assert report.signals_unmapped == by_form["unmapped"] > 0

    by_month = Counter(visits[v][0] for v, _, _ in signals)
    assert {m.month: m.total for m in report.signals_by_month if m.total} == dict(by_month)
    assert [m.month for m in report.signals_by_month] == list(PERIOD.months())
    assert report.signals_by_form() == {form: by_form[form] for form in FORMS}
    # The crafted visit's organ signal (for everyone there) and a generic signal of a person
    # there, who is therefore assessed for organ removal too.
    assert report.signals_by_form()["organ_removal"] == 2
    # Forms come from context: sexual exploitation is not counted as often as labour.
    assert report.signals_by_form()["labour"] > 2 * report.signals_by_form()["sexual"] > 0

    assert dict(report.signals_by_sector) == dict(Counter(visits[v][1] for v, _, _ in signals))
    assert dict(report.signals_by_municipality) == dict(
        Counter(visits[v][2] for v, _, _ in signals)
    )
    assert "" in dict(report.signals_by_municipality)  # the visit without a municipality
    assert sum(count for _, count in report.signals_by_sector) == report.signals_total


def test_possible_victims_tables_add_up(crafted: Crafted, report: StatsReport) -> None:
    """Every periodic table against the persons read row by row: categories, every form with a
    signal, the highest form, and each breakdown."""
    victims = _raw_victims(crafted.vault)
    possible = _possible(victims)
    periodic = report.periodic
    assert periodic.possible_victims == len(possible) > 40
    assert periodic.with_indication == sum(v["category"] == "indication" for v in victims) > 0
    assert periodic.no_signals == sum(v["category"] == "no_signals" for v in victims) > 0
    assert periodic.serious_disadvantage == sum(
        v["category"] == "serious_disadvantage" for v in victims
    )
    assert periodic.minors == sum(1 for v in possible if v["minor"]) >= 2
    categories = Counter((str(v["category"]), str(v["route"])) for v in victims)
    for category, row in periodic.categories.items():
        assert row == {route: categories[(category, route)] for route in row}, category
    routes = Counter(str(v["route"]) for v in possible)
    assert periodic.route_persons == {route: routes[route] for route in periodic.route_persons}
    assert routes["domestic"] >= 1 and routes["unknown"] >= 1

    # Every form with a signal: a person counts under each of them.
    every = Counter((f, str(v["route"])) for v in possible for f in v["forms"])  # type: ignore[attr-defined]
    got = {
        (form, route): n for form, row in periodic.form_route.items() for route, n in row.items()
    }
    assert {k: n for k, n in got.items() if n} == dict(every)
    assert sum(got.values()) > periodic.possible_victims  # some persons have two forms
    # With an indication in the form, whatever gave it; not an indication in another form.
    indicated = Counter(f for v in possible for f in v["forms"] if f in v["indicated"])  # type: ignore[attr-defined, operator]
    assert {f: n for f, n in periodic.form_indication.items() if n} == dict(indicated)
    # The highest form: each person once.
    highest = Counter((str(v["highest"]), str(v["route"])) for v in possible)
    got = {
        (form, route): n
        for form, row in periodic.highest_form_route.items()
        for route, n in row.items()
        if n
    }
    assert got == dict(highest)
    assert sum(highest.values()) == periodic.possible_victims
    assert periodic.form_route["criminal"] and sum(periodic.highest_form_route["criminal"].values())

    for name, persons, matrix in (
        ("sex", periodic.sex_persons, periodic.form_route_sex),
        ("age_group", periodic.age_persons, periodic.form_route_age),
    ):
        assert {k: n for k, n in persons.items() if n} == dict(
            Counter(str(v[name]) for v in possible)
        ), name
        cells = Counter(
            (f, str(v["route"]), str(v[name]))
            for v in possible
            for f in v["forms"]  # type: ignore[attr-defined]
        )
        got_cells = {
            (form, route, key): n
            for form, by_route in matrix.items()
            for route, row in by_route.items()
            for key, n in row.items()
            if n
        }
        assert got_cells == dict(cells), name
    nationalities = Counter(str(v["nationality"]) for v in possible if v["nationality"])
    top = sorted(nationalities, key=lambda code: (-nationalities[code], code))[:5]
    assert periodic.nationality_columns == (*top, "other", "unknown")
    expected_columns = Counter(
        str(v["nationality"])
        if v["nationality"] in top
        else ("other" if v["nationality"] else "unknown")
        for v in possible
    )
    assert {k: n for k, n in periodic.nationality_persons.items() if n} == dict(expected_columns)

    sectors = Counter(str(v["sector"]) for v in possible)
    assert periodic.sector_persons == dict(sectors)
    for sector, row in periodic.sector_form.items():
        in_sector = [v for v in possible if v["sector"] == sector]
        assert row == {f: sum(f in v["forms"] for v in in_sector) for f in FORMS}  # type: ignore[operator]
    agencies = Counter((str(v["agency"]), str(v["category"])) for v in victims)
    for key, row in periodic.agency.items():
        assert row["indication"] == agencies[(key, "indication")]
        assert row["below_indication"] == agencies[(key, "below_indication")]
        assert row["serious_disadvantage"] == agencies[(key, "serious_disadvantage")]
    assert sum(row["possible_victims"] for row in periodic.agency.values()) == len(possible)
    b83 = Counter(
        (str(v["b83"]), str(v["route"])) for v in victims if v["category"] == "indication"
    )
    assert {(s, r): n for s, row in periodic.b83.items() for r, n in row.items() if n} == dict(b83)
    registration = Counter(str(v["registration"]) for v in possible)
    assert {k: row["possible_victims"] for k, row in periodic.registration.items()} == {
        k: registration[k] for k in ("comensha", "anonymous", "none")
    }


def test_outcomes_count_every_form_with_a_signal(crafted: Crafted, report: StatsReport) -> None:
    """Per form, the possible victims counted under it (as in the form table): with an
    indication in the form by what gave it, else by the engine's outcome there; no row or
    column for persons without signals."""
    possible = _possible(_raw_victims(crafted.vault))
    threshold = CATALOGUE.rules.rank(CATALOGUE.rules.indication_min_outcome)
    below = CATALOGUE.rules.outcome_order[SIGNAL_RANK:threshold]
    assert report.outcome_order == (*below, INDICATION_BY_ASSESSMENT, INDICATION_OTHERWISE)
    assert report.outcome_order[0] == "signals_present"

    def column(victim: dict[str, object], form: str) -> str:
        rank = victim["ranks"].get(form, -1)  # type: ignore[attr-defined]
        if form in victim["indicated"]:  # type: ignore[operator]
            return INDICATION_BY_ASSESSMENT if rank >= threshold else INDICATION_OTHERWISE
        return CATALOGUE.rules.outcome_order[rank]

    for form in FORMS:
        raw = Counter(column(v, form) for v in possible if form in v["forms"])  # type: ignore[operator]
        assert {k: v for k, v in report.outcomes[form].items() if v} == dict(raw), form
        assert sum(report.outcomes[form].values()) == sum(report.periodic.form_route[form].values())
        assert (
            report.outcomes[form][INDICATION_BY_ASSESSMENT]
            + report.outcomes[form][INDICATION_OTHERWISE]
            == report.periodic.form_indication[form]
        )
    assert sum(report.outcomes["labour"].values()) > sum(report.outcomes["sexual"].values())


def test_referrals_and_follow_up_times(crafted: Crafted, report: StatsReport) -> None:
    raw = _raw_referrals(crafted.vault)
    assert dict(report.referrals_by_recipient) == dict(Counter(r for _, r in raw))
    counted = {uuid for uuid, _ in raw}
    assert crafted.referrals["latest"] in counted
    for left_out in ("replaced", "draft", "deleted", "outside"):
        assert crafted.referrals[left_out] not in counted
    assert report.referrals_total == len(raw) == 13

    followup = {row.status: row for row in report.followup}
    timed: dict[str, list[float]] = defaultdict(list)
    for status, days in crafted.followup_days.values():
        timed[status].append(days)
    assert followup["acknowledged"].median_days == pytest.approx(4.5, abs=0.05)
    assert followup["investigating"].median_days == pytest.approx(20.0, abs=0.05)
    assert followup["closed"].median_days == pytest.approx(35.0, abs=0.05)
    for status, days in timed.items():
        assert followup[status].timed == len(days)
        assert followup[status].median_days == pytest.approx(statistics.median(days), abs=0.05)
    # Without a follow-up row a referral counts as sent, without a time.
    assert followup["sent"].count == len(raw) - sum(len(d) for d in timed.values()) + 1
    assert sum(row.count for row in report.followup) == len(raw)


def test_filters_narrow_every_count(crafted: Crafted) -> None:
    construction = aggregate(crafted.vault.conn, PERIOD, StatsFilter(sector="construction"))
    signals = [
        (v, i)
        for v, _, i in _raw_signals(crafted.vault)
        if _raw_visits(crafted.vault)[v][1] == "construction"
    ]
    assert construction.signals_total == len(signals) > 0
    assert {s for s, _ in construction.signals_by_sector} == {"construction"}
    westland = aggregate(crafted.vault.conn, PERIOD, StatsFilter(municipality="westland"))
    assert {m for m, _ in westland.signals_by_municipality} == {"Westland"}
    nobody = aggregate(crafted.vault.conn, PERIOD, StatsFilter(agency="no such agency"))
    assert nobody.visits == nobody.signals_total == nobody.periodic.possible_victims == 0


def test_every_table_total_is_the_sum_of_its_rows_or_each_person_once(
    report: StatsReport,
) -> None:
    tables = {table.id: table for table in report_tables(report, "nl")}
    periodic = report.periodic
    for table in tables.values():
        if table.total is None or not table.total_is_sum:
            continue
        for column in range(table.labels, len(table.header)):
            values = [row[column] for row in table.rows]
            if all(isinstance(value, int) for value in values):
                assert table.total[column] == sum(values), table.id  # type: ignore[operator]
    victims = periodic.possible_victims
    once = {table_id for table_id, table in tables.items() if not table.total_is_sum}
    assert once == {"form_route", "form_route_sex", "form_route_age", "form_route_nationality"}
    assert tables["form_route"].total[-2:] == (victims, periodic.with_indication)  # type: ignore[index]
    for table_id in once - {"form_route"}:
        assert tables[table_id].total[-1] == victims  # type: ignore[index]
        assert tables[table_id].total[0] == t("stats.col.persons_once", "nl")  # type: ignore[index]
    assert tables["form_route_age"].total[2] == periodic.minors  # type: ignore[index]
    assert tables["highest_form_route"].total[-1] == victims  # type: ignore[index]
    assert tables["sector_form"].total[-1] == victims  # type: ignore[index]
    # The categories' total is the possible victims (the key figure); serious disadvantage
    # stands under it, apart.
    assert tables["categories"].total[-2] == victims  # type: ignore[index]
    assert [row[-2] for row in tables["categories"].separate] == [periodic.serious_disadvantage]
    for table_id in ("agency", "region"):
        assert tables[table_id].total[-2:] == (victims, periodic.serious_disadvantage)  # type: ignore[index]
    assert tables["registration"].total[-1] == victims  # type: ignore[index]
    assert tables["b83"].total[-1] == periodic.with_indication  # type: ignore[index]
    assert tables["signals_by_month"].total[-1] == report.signals_total  # type: ignore[index]
    assert tables["signals_by_municipality"].total[-1] == report.signals_total  # type: ignore[index]
    top = next(
        shown
        for shown in report_tables(report, "nl", all_municipalities=False)
        if shown.id == "signals_by_municipality"
    )
    assert top.total[-1] == report.signals_total  # type: ignore[index]


def test_a_worker_connection_gives_the_same_report(crafted: Crafted, report: StatsReport) -> None:
    key = WorkerVaultKey(crafted.vault)
    with key.open() as worker:
        again = compute_stats(worker, PERIOD)  # type: ignore[arg-type]
    first, second = report.as_dict(), again.as_dict()
    first.pop("generated_at"), second.pop("generated_at")
    assert first == second
    assert not any(key._key)  # the key copy is wiped once the database is open


def test_queries_use_indexes_and_leave_no_temporary_tables(crafted: Crafted) -> None:
    """Without ANALYZE the planner does not look at row counts, so these plans are the ones a
    vault of a million observations gets (checked by hand on one: the same plans)."""
    conn = crafted.vault.conn
    for filters in (StatsFilter(), StatsFilter(sector="construction", municipality="Westland")):
        with StatsQuery(conn, PERIOD, filters, ("X-1",)) as query:
            plans = query.plans()
        steps = [step for plan in plans.values() for step in plan]
        full_scans = [
            step
            for step in steps
            if re.match(r"SCAN (o|p|r|n|po|v|observations|persons|referrals|visits)\b", step)
        ]
        assert full_scans == [], plans
        assert any("observations_by_visit" in step for step in plans["signals"])
        assert any("persons_by_visit" in step for step in plans["persons"])
        assert any("referrals_by_visit" in step for step in plans["referrals"])
        assert any("PRIMARY KEY" in step for step in plans["outcomes"])
        assert any("INDEX visits_by" in step for step in plans["visits"])
    assert conn.execute("SELECT count(*) FROM sqlite_temp_master").fetchone()[0] == 0


# -- periods ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date_from", "date_to", "key"),
    [
        ("2026-02-30", "2026-03-31", "stats.error.from_impossible"),
        ("2026-01-01", "2026-13-01", "stats.error.to_impossible"),
        ("2026-1-1", "2026-12-31", "stats.error.from_format"),
        ("", "2026-12-31", "stats.error.from_format"),
        ("2026-01-01", "31-12-2026", "stats.error.to_format"),
        ("2026-12-31", "2026-01-01", "stats.error.period_reversed"),
        ("1999-12-31", "2026-01-01", "stats.error.period_too_early"),
    ],
)
def test_bad_periods_are_refused_with_their_own_message(
    date_from: str, date_to: str, key: str
) -> None:
    with pytest.raises(PeriodError) as caught:
        Period.parse(date_from, date_to)
    assert caught.value.key == key
    for lang in ("nl", "en"):
        message = caught.value.message(lang)
        assert message != key and "{" not in message


def test_period_months_and_bounds() -> None:
    period = Period.parse("2024-11-15", "2025-02-01")
    assert period.months() == ("2024-11", "2024-12", "2025-01", "2025-02")
    assert period.start == "2024-11-15"
    default = Period.last_months(12, today=date(2026, 3, 10))
    assert (default.date_from, default.date_to) == (date(2025, 4, 1), date(2026, 3, 10))
    assert len(default.months()) == 12


# -- charts ---------------------------------------------------------------------------------


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def _empty_report(crafted: Crafted) -> StatsReport:
    return aggregate(crafted.vault.conn, Period.parse("2001-01-01", "2001-03-31"))


@pytest.mark.parametrize("chart_id", charts.CHART_IDS)
def test_charts_render_to_png_and_svg(crafted: Crafted, report: StatsReport, chart_id: str) -> None:
    png = charts.render_chart(chart_id, report, "png", "en")
    assert _png_size(png) == (800, 450)
    from PIL import Image

    image = Image.open(BytesIO(png))
    image.load()
    assert len(image.getcolors(maxcolors=1_000_000) or []) > 20  # drawn, not blank
    svg = charts.render_chart(chart_id, report, "svg", "nl").decode()
    assert svg.startswith("<?xml") and "<svg" in svg
    assert "<dc:date>" not in svg  # no creation time in the file
    empty = charts.render_chart(chart_id, _empty_report(crafted), "png", "nl")
    assert _png_size(empty) == (800, 450) and empty != png


def test_chart_labels_follow_the_language(report: StatsReport) -> None:
    """SVG keeps the text as paths; the PNGs of two languages differ."""
    nl = charts.render_chart("signals_by_sector", report, "png", "nl")
    en = charts.render_chart("signals_by_sector", report, "png", "en")
    assert nl != en
    assert charts.number(1234567, "nl") == "1.234.567"
    assert charts.number(1234567, "en") == "1,234,567"
    with pytest.raises(charts.ChartError):
        charts.render_chart("no_such_chart", report)
    with pytest.raises(charts.ChartError):
        charts.render_chart("outcomes", report, "gif")


def test_matplotlib_writes_only_its_font_list_in_our_cache(tmp_path: Path) -> None:
    """In a fresh process: the config folder is the app's cache folder, and nothing there (or
    anywhere in the home folder) holds a word of the data drawn."""
    home = tmp_path / "fresh-home"
    home.mkdir()
    script = f"""
from fieldapp.stats import charts
from fieldapp.stats.model import StatsReport, PeriodicTables, FollowUpTimes
from fieldapp.store.filters import Period, StatsFilter
periodic = PeriodicTables()
report = StatsReport(Period.parse("2025-01-01", "2025-12-31"), StatsFilter(), "now", (), 7, 0,
    (), (("agriculture", 7),), (("{SENTINEL_PLACE}", 7),), {{}}, ("no_signals",), (), (), periodic)
charts.render_chart("signals_by_municipality", report, "png", "nl")
charts.render_chart("signals_by_municipality", report, "svg", "nl")
import matplotlib, os
print(os.environ["MPLCONFIGDIR"])
print(matplotlib.get_cachedir())
"""
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
    }
    env.pop("MPLCONFIGDIR", None)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    config_dir, cache_dir = done.stdout.split()
    expected = home / "cache" / "FieldApp" / "matplotlib"
    assert Path(config_dir) == Path(cache_dir) == expected
    written = [path for path in home.rglob("*") if path.is_file()]
    assert written and all(expected in path.parents for path in written)
    assert all(path.name.startswith("fontlist") for path in written)
    for path in written:
        assert SENTINEL_PLACE.encode() not in path.read_bytes()


# -- PDF, spreadsheet, command line ---------------------------------------------------------


def _xlsx_cells(data: bytes) -> dict[str, list[list[str]]]:
    """Sheet name -> rows of cell texts, read from the XML (no spreadsheet library)."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    with zipfile.ZipFile(BytesIO(data)) as archive:
        shared = [
            "".join(node.itertext())
            for node in ElementTree.fromstring(archive.read("xl/sharedStrings.xml")).findall(
                "m:si", ns
            )
        ]
        rels = {
            node.get("Id"): node.get("Target")
            for node in ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        }
        workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        sheets = {}
        for sheet in workbook.find("m:sheets", ns):  # type: ignore[union-attr]
            xml = ElementTree.fromstring(archive.read("xl/" + rels[sheet.get(rel)]))
            rows = []
            for row in xml.iter(f"{{{ns['m']}}}row"):
                cells = []
                for cell in row.findall("m:c", ns):
                    value = cell.find("m:v", ns)
                    text = "" if value is None else value.text or ""
                    cells.append(shared[int(text)] if cell.get("t") == "s" else text)
                rows.append(cells)
            sheets[sheet.get("name")] = rows
    return sheets


def test_xlsx_has_a_sheet_per_table_with_the_numbers(report: StatsReport) -> None:
    data = render_report_xlsx(report, "nl")
    sheets = _xlsx_cells(data)
    tables = report_tables(report, "nl")
    assert list(sheets) == [t("stats.sheet.summary", "nl"), *(table.sheet for table in tables)]
    summary = sheets[t("stats.sheet.summary", "nl")]
    figures = {row[0]: row[1] for row in summary if len(row) == 2}
    assert figures[t("stats.summary.signals", "nl")] == str(report.signals_total)
    assert figures[t("stats.summary.possible_victims", "nl")] == str(
        report.periodic.possible_victims
    )
    assert any(t("stats.note.route", "nl") in row for row in summary)
    form_route = sheets[t("stats.sheet.form_route", "nl")]
    header = t("stats.col.form", "nl")
    rows = form_route[[row[:1] for row in form_route].index([header]) :]
    assert rows[0] == [
        t(f"stats.col.{key}", "nl")
        for key in (
            "form",
            "route.domestic",
            "route.cross_border",
            "route.unknown",
            "total",
            "with_indication",
        )
    ]
    assert t("stats.note.every_form", "nl") in [row[0] for row in form_route]
    assert rows[-1][0] == t("stats.col.persons_once", "nl")
    assert rows[-1][-2] == str(report.periodic.possible_victims)
    english = _xlsx_cells(render_report_xlsx(report, "en"))
    assert t("stats.sheet.form_route_age", "en") in english


def test_pdf_holds_the_tables_numbers(report: StatsReport) -> None:
    pdf = render_report_pdf(report, "nl")
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    assert t("stats.report.title", "nl") in flat
    assert t("stats.report.aggregates_only", "nl") in flat
    assert PERIOD.label() in flat
    for value in (
        report.signals_total,
        report.periodic.possible_victims,
        report.periodic.minors,
        report.referrals_total,
        report.visits,
    ):
        assert charts.number(value, "nl") in flat
    for table in report_tables(report, "nl", all_municipalities=False):
        assert " ".join(table.title.split()) in flat
        if table.total is not None and isinstance(table.total[-1], int):
            assert charts.number(table.total[-1], "nl") in flat
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():  # type: ignore[union-attr]
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("DejaVuSans" in name for name in fonts)  # embedded, no Helvetica


def test_empty_period_still_makes_every_file(crafted: Crafted) -> None:
    empty = _empty_report(crafted)
    assert empty.visits == empty.signals_total == empty.periodic.possible_victims == 0
    assert render_report_pdf(empty, "en").startswith(b"%PDF")
    assert zipfile.is_zipfile(BytesIO(render_report_xlsx(empty, "en")))


@pytest.fixture(scope="module")
def closed_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("stats-cli") / "vault"
    with Vault.create(folder, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS) as vault:
        Store(vault).record_visits(demo_visits(60, seed=5))
        Store(vault).record_visits(_crafted_visits())
    return folder


def _cli(
    folder: Path, tmp_path: Path, *args: str, lang: str = "nl"
) -> subprocess.CompletedProcess[str]:
    secret = tmp_path / "secret.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return run_cli(
        "stats", *args, "--vault", str(folder), "--passphrase-file", str(secret), lang=lang
    )


def test_cli_writes_both_files_and_json_that_match(closed_vault: Path, tmp_path: Path) -> None:
    xlsx, pdf = tmp_path / "report.xlsx", tmp_path / "report.pdf"
    done = _cli(
        closed_vault,
        tmp_path,
        "--from", "2025-01-01", "--to", "2025-12-31",
        "--xlsx", str(xlsx), "--pdf", str(pdf), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    with Vault.unlock(closed_vault, PASSPHRASE) as vault:
        assert document["signals"]["total"] == len(_raw_signals(vault))
        victims = _raw_victims(vault)
        assert document["periodic"]["possible_victims"] == len(_possible(victims))
        assert document["periodic"]["no_signals_not_counted"] == sum(
            v["category"] == "no_signals" for v in victims
        )
        assert sum(document["periodic"]["form_route"]["labour"].values()) == sum(
            "labour" in v["forms"]  # type: ignore[operator]
            for v in _possible(victims)
        )
        assert document["visits"] == len(_raw_visits(vault))
    assert zipfile.is_zipfile(xlsx) and pdf.read_bytes().startswith(b"%PDF")
    assert oct(xlsx.stat().st_mode & 0o777) == "0o600"
    assert document["written"] == {"xlsx": str(xlsx), "pdf": str(pdf)}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    again = _cli(closed_vault, tmp_path, "--from", "2025-01-01", "--to", "2025-12-31",
                 "--pdf", str(pdf))  # fmt: skip
    assert again.returncode == 1 and str(pdf) in again.stderr
    assert pdf.read_bytes().startswith(b"%PDF")


def test_cli_text_summary_in_both_languages(closed_vault: Path, tmp_path: Path) -> None:
    for lang in ("nl", "en"):
        done = _cli(closed_vault, tmp_path, "--from", "2025-01-01", "--to", "2025-12-31", lang=lang)
        assert done.returncode == 0, done.stderr
        assert t("stats.report.aggregates_only", lang) in done.stdout
        assert t("stats.table.form_route", lang) in done.stdout
        assert "Traceback" not in done.stderr


def test_cli_refuses_a_bad_period_before_asking_anything(tmp_path: Path) -> None:
    done = run_cli("stats", "--from", "2026-02-30", "--to", "2026-03-31",
                   "--vault", str(tmp_path / "none"))  # fmt: skip
    assert done.returncode == 1
    assert "2026-02-30" in done.stderr and "Traceback" not in done.stderr
    reversed_ = run_cli("stats", "--from", "2026-05-01", "--to", "2026-03-31",
                        "--vault", str(tmp_path / "none"), lang="en")  # fmt: skip
    assert reversed_.returncode == 1 and "after the end date" in reversed_.stderr
    assert not (tmp_path / "none").exists()
