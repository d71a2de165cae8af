"""Statistics on a small vault whose answers are known person by person: Dutch days and months,
every form counted and the highest form once, no "no signals" row, serious disadvantage apart,
and each breakdown for the Rapporteur and CoMensha (sex, age, nationality, agency, region, sex
work, B8/3, registration); the region file; headers that break between words; legends that
fit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from fieldapp.catalogue import load_catalogue
from fieldapp.domain import (
    AgeBand,
    B83Status,
    ObservationStatus,
    PersonRole,
    ReferralStatus,
    Role,
    Sector,
    Sex,
)
from fieldapp.i18n import t
from fieldapp.inputs import NewVisit, PersonInput
from fieldapp.paths import resource_path
from fieldapp.stats import charts
from fieldapp.stats.compute import Profiles, aggregate, compute_stats
from fieldapp.stats.model import INDICATION_BY_ASSESSMENT, NO_SIGNALS, StatsReport
from fieldapp.stats.regions import UNKNOWN, load_regions, normalise
from fieldapp.stats.report_pdf import (
    FONT_BOLD,
    HEAD_MIN_SIZE,
    HEAD_SIZE,
    PADDING,
    header_layout,
    render_report_pdf,
    wrap_words,
)
from fieldapp.stats.tables import (
    PERIODIC_TABLES,
    outcome_label,
    report_notes,
    report_tables,
    table,
)
from fieldapp.store.filters import FORMS, Period
from fieldapp.store.stats_store import PROFILE_BASE, PROFILE_INDICATION, PROFILE_PROFESSIONAL
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.support import PASSPHRASE
from tests.support.stats import indicator_for, stats_person, stats_visit

CATALOGUE = load_catalogue()
YEAR = Period.parse("2026-01-01", "2026-12-31")
OBSERVED = ObservationStatus.OBSERVED


SEXUAL, CRIMINAL, GENERIC = indicator_for("sexual"), indicator_for("criminal"), indicator_for(None)
# Two signals of exploitative working conditions: labour at 'exploited', no indication (the
# catalogue's NLA route for serious disadvantage).
POOR_CONDITIONS = ("ILO-EX-01", "ILO-EX-02")


@dataclass(frozen=True)
class Expected:
    """What the report must make of one person recorded as possible victim."""

    label: str
    category: str
    forms: tuple[str, ...]
    highest: str | None
    route: str
    sex: str
    age_group: str
    nationality: str  # a column of the nationality table
    agency: str
    region: str  # police unit key, UNKNOWN when unknown
    sector: str
    b83: str
    registration: str


PEOPLE = (
    # Signals of two forms (sexual and criminal) tie at 'signals present': counted under both,
    # and once, under sexual exploitation, in the highest-form table.
    Expected("P1", "below_indication", ("sexual", "criminal"), "sexual", "cross_border", "f",
             "adult", "PL", "nla", "den_haag", "agriculture", "not_recorded", "none"),
    Expected("P2", "serious_disadvantage", ("labour",), "labour", "cross_border", "m", "middle",
             "PL", "nla", "den_haag", "agriculture", "not_recorded", "none"),
    Expected("P3", NO_SIGNALS, (), None, "unknown", "unknown", "age_unknown", "unknown", "nla",
             "den_haag", "agriculture", "not_recorded", "none"),
    Expected("P5", "indication", ("labour",), "labour", "cross_border", "f", "adult", "RO",
             "police", "den_haag", "construction", "offered", "comensha"),
    Expected("P6", "below_indication", ("labour",), "labour", "domestic", "m", "minor", "NL",
             "police", "den_haag", "construction", "not_recorded", "none"),
    Expected("P7", "indication", ("sexual",), "sexual", "cross_border", "f", "adult", "BG",
             "nla", UNKNOWN, "sex_work_unlicensed", "declined", "anonymous"),
    Expected("P8", "below_indication", ("sexual",), "sexual", "unknown", "f",
             "adult_age_unknown", "unknown", "", UNKNOWN, "sex_work_licensed", "not_recorded",
             "none"),
    Expected("P10", "below_indication", ("sexual",), "sexual", "cross_border", "f",
             "young_adult", "MD", "", UNKNOWN, "sex_work_licensed", "not_recorded", "none"),
    Expected("P9", "below_indication", ("labour",), "labour", "cross_border", "m", "older",
             "other", "kmar", "rotterdam", "other", "not_recorded", "none"),
)  # fmt: skip
VICTIMS = [p for p in PEOPLE if p.category in ("indication", "below_indication")]


def _visit(
    started: str,
    sector: Sector,
    municipality: str | None,
    agencies: tuple[str, ...],
    persons: tuple[tuple[str, PersonInput], ...],
    observations: tuple[tuple[str | None, str], ...],
) -> NewVisit:
    return stats_visit(
        started, sector, persons, observations, municipality=municipality, agencies=agencies
    )


def _visits() -> list[NewVisit]:
    return [
        # 00:30 on 1 March in the Netherlands (CET): still 28 February in UTC.
        _visit(
            "2026-02-28T23:30:00Z",
            Sector.AGRICULTURE,
            "Westland",
            ("NLA",),
            (
                ("P1", stats_person("P1", sex=Sex.FEMALE, age=30, nationality="PL")),
                ("P2", stats_person("P2", sex=Sex.MALE, age=40, nationality="PL")),
                ("P3", stats_person("P3")),
                ("P4", stats_person("P4", role=PersonRole.WITNESS, nationality="NL")),
            ),
            (
                ("P1", SEXUAL),
                ("P1", CRIMINAL),
                *(("P2", item) for item in POOR_CONDITIONS),
                ("P4", GENERIC),
            ),
        ),
        # 01:30 on 1 July in the Netherlands (CEST): still 30 June in UTC.
        _visit(
            "2026-06-30T23:30:00Z",
            Sector.CONSTRUCTION,
            "Den Haag",  # the everyday name of 's-Gravenhage
            ("Politie",),
            (
                (
                    "P5",
                    stats_person(
                        "P5",
                        sex=Sex.FEMALE,
                        age=30,
                        nationality="RO",
                        professional_indication=True,
                        b83_status=B83Status.OFFERED,
                    ),
                ),
                (
                    "P6",
                    stats_person("P6", sex=Sex.MALE, age_band=AgeBand.TEEN_YOUNG, nationality="nl"),
                ),
            ),
            (("P5", GENERIC), ("P6", GENERIC)),
        ),
        # 00:30 on 1 April in the Netherlands (CEST): 31 March in UTC.
        _visit(
            "2026-03-31T22:30:00Z",
            Sector.SEX_WORK_UNLICENSED,
            "Amsterdm",  # a typing error: no region is guessed
            ("Arbeidsinspectie",),  # the NLA under another name
            (
                (
                    "P7",
                    stats_person(
                        "P7",
                        sex=Sex.FEMALE,
                        age=25,
                        nationality="BG",
                        professional_indication=True,
                        b83_status=B83Status.DECLINED,
                    ),
                ),
            ),
            (("P7", GENERIC),),
        ),
        _visit(
            "2026-05-10T10:00:00Z",
            Sector.SEX_WORK_LICENSED,
            None,
            (),
            (
                ("P8", stats_person("P8", sex=Sex.FEMALE, minor=False)),
                ("P10", stats_person("P10", sex=Sex.FEMALE, age=20, nationality="MD")),
            ),
            (("P8", SEXUAL), ("P10", SEXUAL)),
        ),
        # 23:59 on 31 December in the Netherlands: the period's last minute.
        _visit(
            "2026-12-31T22:59:00Z",
            Sector.OTHER,
            "Zwijndrecht",
            ("Gemeente",),  # but made on a device enrolled with the KMar
            (("P9", stats_person("P9", sex=Sex.MALE, age=61, nationality="UA")),),
            (("P9", GENERIC),),
        ),
        # 23:59 on 31 December 2025 in the Netherlands: outside the period.
        _visit(
            "2025-12-31T22:59:00Z",
            Sector.AGRICULTURE,
            "Westland",
            ("NLA",),
            (("X", stats_person("X", nationality="PL")),),
            (("X", GENERIC),),
        ),
    ]


@dataclass
class Small:
    vault: Vault
    visits: list[str]
    report: StatsReport


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Small]:
    folder = tmp_path_factory.mktemp("stats-small") / "vault"
    vault = Vault.create(folder, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    try:
        store = Store(vault)
        visits = store.record_visits(_visits())
        # The last visit came from a field device enrolled with the KMar.
        vault.conn.execute(
            "INSERT INTO sync_devices (device_id, signing_key, fingerprint, inspector, agency,"
            " request, enrolled_at) VALUES ('dev-kmar', 'k', 'f', 'I', 'KMar', '{}', 'x')"
        )
        vault.conn.execute(
            "UPDATE visits SET origin_device = 'dev-kmar' WHERE uuid = ?", (visits[4],)
        )
        persons = {p.label: p.meta.uuid for visit in visits for p in store.persons(visit)}

        def refer(visit: str, label: str, recipient: str, status: ReferralStatus) -> None:
            store.add_referral(
                visit,
                (persons[label],),
                recipient,
                document=b"%PDF-1.4 test",
                document_id=f"FA-{label}-{recipient}",
                content_hash="0" * 64,
                lang="nl",
                urgency="normal",
                status=status,
            )

        refer(visits[1], "P5", "comensha", ReferralStatus.FINAL)
        refer(visits[2], "P7", "anonymous", ReferralStatus.FINAL)
        refer(visits[0], "P1", "comensha", ReferralStatus.DRAFT)  # a draft registers nobody
        yield Small(vault, visits, compute_stats(vault, YEAR))
    finally:
        vault.lock()


# -- Dutch days and months ----------------------------------------------------------------


def test_months_and_days_are_dutch_in_winter_and_summer_time(small: Small) -> None:
    months = {m.month: m.total for m in small.report.signals_by_month if m.total}
    # 00:30 on 1 March (CET), 00:30 on 1 April and 01:30 on 1 July (CEST): in those months.
    assert months == {"2026-03": 5, "2026-04": 1, "2026-05": 2, "2026-07": 2, "2026-12": 1}
    assert small.report.visits == 5  # 23:59 on 31 December 2025 is not in 2026
    conn = small.vault.conn
    february = aggregate(conn, Period.parse("2026-02-01", "2026-02-28"))
    first_of_march = aggregate(conn, Period.parse("2026-03-01", "2026-03-01"))
    assert (february.visits, first_of_march.visits) == (0, 1)
    june = aggregate(conn, Period.parse("2026-06-01", "2026-06-30"))
    first_of_july = aggregate(conn, Period.parse("2026-07-01", "2026-07-01"))
    assert (june.visits, first_of_july.visits) == (0, 1)
    new_years_eve = aggregate(conn, Period.parse("2025-12-31", "2025-12-31"))
    assert new_years_eve.visits == 1 and new_years_eve.signals_by_month[0].month == "2025-12"


# -- who counts where ---------------------------------------------------------------------


def test_a_person_counts_under_every_form_and_once_under_the_highest(small: Small) -> None:
    periodic = small.report.periodic
    every = {form: sum(row.values()) for form, row in periodic.form_route.items()}
    assert every == {
        form: sum(form in p.forms for p in VICTIMS) for form in FORMS
    }  # P1 under sexual and under criminal
    assert every["criminal"] == 1 and every["sexual"] == 4
    highest = {form: sum(row.values()) for form, row in periodic.highest_form_route.items()}
    assert highest == {form: sum(p.highest == form for p in VICTIMS) for form in FORMS}
    assert highest["criminal"] == 0 and highest["sexual"] == 4
    assert sum(highest.values()) == periodic.possible_victims == len(VICTIMS) == 7
    form_route = table(small.report, "form_route", "en")
    assert form_route.total == (t("stats.col.persons_once", "en"), 1, 5, 1, 7, 2)
    assert not form_route.total_is_sum
    assert sum(row[4] for row in form_route.rows) == 8  # type: ignore[misc]


def test_no_signals_is_no_row_and_serious_disadvantage_is_apart(small: Small) -> None:
    periodic = small.report.periodic
    assert periodic.no_signals == 1  # P3
    assert periodic.serious_disadvantage == 1  # P2, not a possible victim
    assert periodic.with_indication == 2
    assert {c: sum(row.values()) for c, row in periodic.categories.items()} == {
        "indication": 2,
        "below_indication": 5,
        "serious_disadvantage": 1,
    }
    for lang in ("nl", "en"):
        words = {t("outcome.no_signals", lang).casefold(), "geen signalen", "no signals"}
        for shown in report_tables(small.report, lang):
            labels = {str(cell).casefold() for row in shown.rows for cell in row[: shown.labels]}
            assert not labels & words, shown.id
            assert t("outcome.no_signals", lang) not in shown.header, shown.id
        notes = report_notes(small.report, lang)
        assert any(
            "1" in note and t("stats.note.no_signals.one", lang)[:12] in note for note in notes
        )
    categories = table(small.report, "categories", "nl")
    assert [row[0] for row in categories.rows] == [
        t(f"stats.category.{c}", "nl") for c in ("indication", "below_indication")
    ]
    assert categories.total is not None and categories.total[0] == t(
        "stats.col.person.possible_victims", "nl"
    )
    assert categories.total[-2] == periodic.possible_victims == 7
    # Serious disadvantage under the total, never in it.
    assert categories.separate == ((t("stats.category.serious_disadvantage", "nl"), 0, 1, 0, 1, 0),)


def _count(attribute: str, value: str, people: list[Expected] | None = None) -> int:
    return sum(getattr(p, attribute) == value for p in (VICTIMS if people is None else people))


def test_sex_age_and_nationality_per_form_and_route(small: Small) -> None:
    periodic = small.report.periodic
    for attribute, matrix, persons in (
        ("sex", periodic.form_route_sex, periodic.sex_persons),
        ("age_group", periodic.form_route_age, periodic.age_persons),
        ("nationality", periodic.form_route_nationality, periodic.nationality_persons),
    ):
        for key, count in persons.items():
            assert count == _count(attribute, key), (attribute, key)
        for form, by_route in matrix.items():
            for route, row in by_route.items():
                for key, count in row.items():
                    expected = sum(
                        form in p.forms and p.route == route and getattr(p, attribute) == key
                        for p in VICTIMS
                    )
                    assert count == expected, (attribute, form, route, key)
    assert periodic.form_route_sex["sexual"]["cross_border"]["f"] == 3
    assert periodic.age_persons["minor"] == periodic.minors == 1  # P6, a minor's age band
    # Five nationalities by frequency (all once here: by code), the rest as 'other'.
    assert periodic.nationality_columns == ("BG", "MD", "NL", "PL", "RO", "other", "unknown")
    assert periodic.nationality_persons["other"] == 1  # UA
    shown = table(small.report, "form_route_nationality", "nl")
    assert shown.header[2:5] == ("Bulgarije", "Moldavië", "Nederland")
    assert shown.header[-3:] == (t("stats.col.nationality.other", "nl"), "Onbekend", "Totaal")
    assert {row[0] for row in shown.rows} == {
        t(f"form.{f}", "nl") for f in ("sexual", "labour", "criminal")
    }


def test_sector_and_sex_work(small: Small) -> None:
    periodic = small.report.periodic
    assert periodic.sector_persons == {
        sector: _count("sector", sector)
        for sector in (
            "agriculture",
            "construction",
            "sex_work_licensed",
            "sex_work_unlicensed",
            "other",
        )
        if _count("sector", sector)
    }
    assert periodic.sector_form["agriculture"]["criminal"] == 1
    assert periodic.sex_work == {
        "sex_work_licensed": {
            "indication": 0,
            "below_indication": 2,
            "possible_victims": 2,
            "minor": 0,
            "cross_border": 1,
        },
        "sex_work_unlicensed": {
            "indication": 1,
            "below_indication": 0,
            "possible_victims": 1,
            "minor": 0,
            "cross_border": 1,
        },
    }


def _persons(indication: int, below: int, victims: int, disadvantage: int) -> dict[str, int]:
    return {
        "indication": indication,
        "below_indication": below,
        "possible_victims": victims,
        "serious_disadvantage": disadvantage,
    }


def test_reporting_agency_and_region(small: Small) -> None:
    periodic = small.report.periodic
    # NLA and 'Arbeidsinspectie' are one agency; a device's enrolment goes before the visit's list.
    assert periodic.agency == {
        "nla": _persons(1, 1, 2, 1),
        "police": _persons(1, 1, 2, 0),
        "kmar": _persons(0, 1, 1, 0),
        "": _persons(0, 2, 2, 0),
    }
    agencies = table(small.report, "agency", "nl")
    assert [row[0] for row in agencies.rows] == [
        t("agency_name.nla", "nl"),
        t("agency_name.police", "nl"),
        t("agency_name.kmar", "nl"),
        t("stats.agency.unknown", "nl"),
    ]
    # Westland and 'Den Haag': Den Haag; Zwijndrecht: Rotterdam; a typing error and no
    # municipality: unknown, last.
    assert periodic.region == {
        ("den_haag", "den_haag"): _persons(1, 2, 3, 1),
        ("rotterdam", "rotterdam"): _persons(0, 1, 1, 0),
        (UNKNOWN, UNKNOWN): _persons(1, 2, 3, 0),
    }
    regions = table(small.report, "region", "nl")
    assert [row[:2] for row in regions.rows] == [
        ("Den Haag", "RIEC Den Haag"),
        ("Rotterdam", "RIEC Rotterdam"),
        (t("stats.region.unknown", "nl"), ""),
    ]


def test_b83_and_registration(small: Small) -> None:
    periodic = small.report.periodic
    assert {s: sum(row.values()) for s, row in periodic.b83.items()} == {
        "offered": 1,
        "declined": 1,
        "not_offered": 0,
        "not_recorded": 0,
    }  # only the two with an indication
    assert periodic.registration == {
        "comensha": {"indication": 1, "below_indication": 0, "possible_victims": 1},
        "anonymous": {"indication": 1, "below_indication": 0, "possible_victims": 1},
        "none": {"indication": 0, "below_indication": 5, "possible_victims": 5},
    }  # the draft for P1 registers nobody


def test_every_periodic_table_is_in_every_output(small: Small, tmp_path: Path) -> None:
    document = small.report.as_dict()
    json.dumps(document)  # plain values only
    for key in ("form_route", "highest_form_route", "form_route_sex", "form_route_age",
                "form_route_nationality", "sex_work", "agency", "region", "b83_with_indication",
                "registration", "categories"):  # fmt: skip
        assert key in document["periodic"], key
    assert document["periodic"]["region"][-1]["police_unit"] == UNKNOWN
    reader = PdfReader(BytesIO(render_report_pdf(small.report, "nl")))
    flat = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for table_id in PERIODIC_TABLES:
        assert " ".join(t(f"stats.table.{table_id}", "nl").split()) in flat, table_id


# -- the profile -----------------------------------------------------------------------------


def _code(ranks: dict[str, int], indicated: tuple[str, ...] = (), judged: bool = False) -> int:
    code = sum(
        (rank + 1 + (PROFILE_INDICATION if form in indicated else 0)) * PROFILE_BASE**index
        for index, form in enumerate(FORMS)
        if (rank := ranks.get(form)) is not None
    )
    return code + (PROFILE_PROFESSIONAL if judged else 0)


def test_the_highest_form_is_settled_without_the_sector() -> None:
    profiles = Profiles(CATALOGUE.rules)
    rank = CATALOGUE.rules.rank
    signals, exploited = rank("signals_present"), rank("exploited")
    tie = {"labour": signals, "criminal": signals, "sexual": 0}
    profile = profiles.get(_code(tie))
    assert profile.forms == ("labour", "criminal") and profile.highest == "criminal"
    assert profile.category == "below_indication"
    # An indication in a form settles a tie before the fixed order.
    assert profiles.get(_code(tie, indicated=("labour",))).highest == "labour"
    # A higher outcome beats everything.
    assert profiles.get(_code({"labour": exploited + 1, "sexual": signals})).highest == "labour"
    assert profiles.get(_code({"sexual": signals, "criminal": signals})).highest == "sexual"
    # Serious disadvantage: labour at 'exploited' without an indication; with one: indication.
    assert profiles.get(_code({"labour": exploited})).category == "serious_disadvantage"
    assert profiles.get(_code({"labour": exploited}, ("labour",))).category == "indication"
    assert profiles.get(_code({"labour": signals}, judged=True)).category == "indication"
    # No signal anywhere.
    nothing = profiles.get(_code({"labour": 0, "sexual": 0}))
    assert (nothing.category, nothing.forms, nothing.highest) == (NO_SIGNALS, (), None)
    assert profiles.order[-1] == "labour" and profiles.order[0] == "sexual"


# -- the region file ---------------------------------------------------------------------------


def test_the_region_file_covers_every_municipality_with_its_sources() -> None:
    document = json.loads(resource_path("regions", "municipalities.json").read_text("utf-8"))
    municipalities = document["municipalities"]
    assert len(municipalities) == 342  # 1 January 2023
    assert (
        len({m["code"] for m in municipalities}) == len({m["name"] for m in municipalities}) == 342
    )
    units, riecs = document["police_units"], document["riec_regions"]
    assert len(units) == len(riecs) == 10
    for entry in municipalities:
        assert entry["police_unit"] in units and entry["riec"] in riecs, entry
        assert (
            document["safety_regions"][entry["safety_region"]]["police_unit"]
            == entry["police_unit"]
        )
    assert len(document["sources"]) >= 3 and all(s["source"] for s in document["sources"])
    regions = load_regions()
    assert regions.of("Westland") == ("den_haag", "den_haag")
    assert regions.of("  's-gravenhage ") == regions.of("Den Haag") == regions.of("s Gravenhage")
    assert regions.of("Súdwest Fryslan") == ("noord_nederland", "noord_nederland")
    assert regions.of("Amsterdam") == ("amsterdam", "amsterdam")
    assert regions.of("Hengelo") == ("oost_nederland", "oost_nederland")
    for unknown in ("Bergen", "Amsterdm", "Naaldwijk", "", None):
        assert regions.of(unknown) == (UNKNOWN, UNKNOWN), unknown
    assert normalise("'s-Hertogenbosch") == "s hertogenbosch"


def test_an_unconfirmed_municipality_is_counted_as_unknown(tmp_path: Path) -> None:
    document = json.loads(resource_path("regions", "municipalities.json").read_text("utf-8"))
    for entry in document["municipalities"]:
        if entry["name"] == "Westland":
            entry["confirmed"] = False
    path = tmp_path / "municipalities.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert load_regions(path).of("Westland") == (UNKNOWN, UNKNOWN)
    assert load_regions(path).of("Delft") == ("den_haag", "den_haag")


# -- headers and legends -----------------------------------------------------------------------


def _whole_words(text: str, lines: list[str]) -> bool:
    return [word for line in lines for word in line.split()] == text.split()


@pytest.mark.parametrize("width", [10.0, 30.0, 45.0, 60.0, 200.0])
def test_a_header_breaks_only_between_words(width: float) -> None:
    for text in (
        "Grensoverschrijdend",
        "Waarvan met aanwijzing mensenhandel",
        "Meerderjarig, leeftijd onbekend",
        "Of whom with an indication of trafficking",
        "Ernstige benadeling (apart geteld)",
    ):
        lines = wrap_words(text, width)
        assert _whole_words(text, lines), (text, lines)
        for line in lines:
            fits = stringWidth(line, FONT_BOLD, HEAD_SIZE) <= width
            assert fits or " " not in line, (text, line)  # too wide only as one word


def test_header_layout_fits_every_header_of_every_table(small: Small) -> None:
    for lang in ("nl", "en"):
        for shown in report_tables(small.report, lang):
            widths = [60.0] * len(shown.header)
            size, fitted, lines = header_layout(shown.header, widths)
            assert HEAD_MIN_SIZE <= size <= HEAD_SIZE
            for text, width, broken in zip(shown.header, fitted, lines, strict=True):
                assert _whole_words(text, broken), (text, broken)
                for line in broken:
                    assert stringWidth(line, FONT_BOLD, size) <= width - 2 * PADDING, (text, line)
    # A narrow column takes room from a wide one rather than breaking 'Grensoverschrijdend'.
    size, fitted, lines = header_layout(("Vorm", "Grensoverschrijdend"), [200.0, 40.0])
    assert size == HEAD_SIZE and lines[1] == ["Grensoverschrijdend"] and fitted[1] > 40.0


def test_pdf_headers_keep_their_words(small: Small) -> None:
    reader = PdfReader(BytesIO(render_report_pdf(small.report, "nl")))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Grensoverschrijdend" in text.split()
    assert "Grensoverschrijde-" not in text and "\nnd\n" not in text


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize("chart_id", ["outcomes", "signals_by_month"])
def test_legends_fit_inside_the_chart(small: Small, chart_id: str, lang: str) -> None:
    figure = charts.chart_figure(chart_id, small.report, lang)
    renderer = figure.canvas.get_renderer()  # type: ignore[attr-defined]
    bounds = figure.bbox
    legends = figure.legends
    assert legends, chart_id
    plots = [axes.get_window_extent(renderer) for axes in figure.axes]
    for legend in legends:
        box = legend.get_window_extent(renderer)
        assert bounds.x0 <= box.x0 and box.x1 <= bounds.x1, (chart_id, lang, box, bounds)
        assert bounds.y0 <= box.y0 and box.y1 <= bounds.y1
        assert all(box.y0 >= plot.y1 for plot in plots)  # above the plot, not over it
        texts = [text.get_text() for text in legend.get_texts()]
        wanted = outcome_label(INDICATION_BY_ASSESSMENT, lang)
        assert wanted in texts or chart_id != "outcomes"
