"""The anonymised CTDC export: each column's rule, the means of control from the catalogue,
the exploitation flags from the engine's outcomes, k-anonymity on every row combination (also
as a property over any data), the file, and the command line."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fieldapp.catalogue import load_catalogue
from fieldapp.catalogue.model import FORMS
from fieldapp.domain import (
    AgeBand,
    Evidence,
    ObservationStatus,
    PersonRole,
    Sector,
    Sex,
)
from fieldapp.errors import FieldAppError
from fieldapp.exports import ctdc
from fieldapp.exports.ctdc import COLUMNS, MEANS_COLUMNS, anonymise, ctdc_row
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.store.export_store import VictimRow
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from tests.support import run_cli

AT = {column: index for index, column in enumerate(COLUMNS)}


def victim(**changes: object) -> VictimRow:
    values: dict[str, object] = {
        "person_uuid": "p",
        "visit_started_at": "2025-03-04T10:00:00Z",
        "sector": "agriculture",
        "sex": "f",
        "age": 30,
        "age_band": None,
        "minor": None,
        "nationality": "BG",
    }
    values.update(changes)
    return VictimRow(**values)  # type: ignore[arg-type]


def value(row: tuple[str, ...], column: str) -> str:
    return row[AT[column]]


# -- one row's rules -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "group"),
    [
        (0, "0--8"),
        (8, "0--8"),
        (9, "9--17"),
        (17, "9--17"),
        (18, "18--20"),
        (20, "18--20"),
        (21, "21--23"),
        (26, "24--26"),
        (29, "27--29"),
        (30, "30--38"),
        (39, "39--47"),
        (47, "39--47"),
        (48, "48+"),
        (120, "48+"),
    ],
)
def test_age_groups_are_ctdcs_nine_bands(age: int, group: str) -> None:
    row = ctdc_row(victim(age=age), (), ())
    assert value(row, "ageBroad") == group
    assert value(row, "majorityStatus") == ("Minor" if age < 18 else "Adult")


def test_an_age_band_is_used_only_where_it_fits_one_ctdc_group() -> None:
    assert value(ctdc_row(victim(age=None, age_band="16-17"), (), ()), "ageBroad") == "9--17"
    assert value(ctdc_row(victim(age=None, age_band="60+"), (), ()), "ageBroad") == "48+"
    spanning = ctdc_row(victim(age=None, age_band="25-39"), (), ())
    assert value(spanning, "ageBroad") == "-99"
    assert value(spanning, "majorityStatus") == "Adult"
    unknown = ctdc_row(victim(age=None, age_band=None, minor=None), (), ())
    assert value(unknown, "ageBroad") == "-99"
    assert value(unknown, "majorityStatus") == "-99"
    assert value(ctdc_row(victim(age=None, minor=True), (), ()), "majorityStatus") == "Minor"


def test_demographics_use_ctdc_codes_and_minus_99_for_unknown() -> None:
    row = ctdc_row(victim(), (), ())
    assert value(row, "yearOfRegistration") == "2025"
    assert value(row, "gender") == "Female"
    assert value(row, "citizenship") == "BG"
    assert value(row, "CountryOfExploitation") == "NL"
    assert value(ctdc_row(victim(sex="m"), (), ()), "gender") == "Male"
    assert value(ctdc_row(victim(sex="x"), (), ()), "gender") == "-99"
    assert value(ctdc_row(victim(nationality=None), (), ()), "citizenship") == "-99"
    assert value(ctdc_row(victim(nationality="ZZ"), (), ()), "citizenship") == "-99"


def test_means_flags_and_not_specified() -> None:
    none = ctdc_row(victim(), (), ())
    assert all(value(none, column) == "0" for column in MEANS_COLUMNS.values())
    assert value(none, "meansOfControlNotSpecified") == "1"
    some = ctdc_row(victim(), (), ("withholds_documents", "debt_bondage"))
    assert value(some, "meansOfControlWithholdsDocuments") == "1"
    assert value(some, "meansOfControlDebtBondage") == "1"
    assert value(some, "meansOfControlThreats") == "0"
    assert value(some, "meansOfControlNotSpecified") == "0"
    assert len(MEANS_COLUMNS) == 17


def test_exploitation_and_type_of_labour_follow_the_forms_and_the_sector() -> None:
    labour = ctdc_row(victim(sector="meat_processing"), ("labour",), ())
    assert value(labour, "isForcedLabour") == "1"
    assert value(labour, "typeOfLabourManufacturing") == "1"
    assert value(labour, "isSexualExploit") == "0"
    # The sector says nothing when there is no labour exploitation.
    nothing = ctdc_row(victim(sector="construction"), (), ())
    assert value(nothing, "typeOfLabourConstruction") == "0"
    # Unmapped sectors are "other"; criminal exploitation is illicit activities.
    car_wash = ctdc_row(victim(sector="car_wash"), ("labour", "criminal"), ())
    assert value(car_wash, "typeOfLabourOther") == "1"
    assert value(car_wash, "typeOfLabourIllicitActivities") == "1"
    criminal = ctdc_row(victim(sector="hospitality"), ("criminal",), ())
    assert value(criminal, "isForcedLabour") == "1"
    assert value(criminal, "typeOfLabourHospitality") == "0"
    both = ctdc_row(victim(sector="sex_work_unlicensed"), ("labour", "sexual"), ())
    assert value(both, "isSexAndLabour") == "1"
    assert value(both, "typeOfSexProstitution") == "1"
    elsewhere = ctdc_row(victim(sector="hospitality"), ("sexual",), ())
    assert value(elsewhere, "typeOfSexProstitution") == "0"  # not known, so not said
    organ = ctdc_row(victim(), ("organ_removal",), ())
    assert value(organ, "isOrganRemoval") == "1"
    assert value(organ, "isForcedLabour") == "0"
    marriage = ctdc_row(victim(), ("forced_marriage",), ())
    assert value(marriage, "isForcedMarriage") == "1"
    assert value(marriage, "isOtherExploit") == "0"
    for form in ("illegal_adoption", "surrogacy"):
        other = ctdc_row(victim(), (form,), ())
        assert value(other, "isOtherExploit") == "1"
        assert value(other, "isForcedMarriage") == "0"


def test_recruiter_relation_is_never_guessed() -> None:
    row = ctdc_row(victim(), ("labour",), ("false_promises",))
    assert value(row, "recruiterRelationUnknown") == "1"
    for relation in ("IntimatePartner", "Friend", "Family", "Other"):
        assert value(row, f"recruiterRelation{relation}") == "0"


# -- k-anonymity ---------------------------------------------------------------------------------


def _check_k_anonymous(result: ctdc.CtdcResult, total: int) -> None:
    counts = Counter(result.rows)
    assert all(count >= result.k for count in counts.values())
    assert result.exported + result.suppressed == result.total == total
    assert list(result.rows) == sorted(result.rows)


def test_rows_in_groups_smaller_than_k_are_suppressed() -> None:
    common = ctdc_row(victim(), ("labour",), ())
    rare = ctdc_row(victim(nationality="ER"), ("labour",), ())
    result = anonymise([common] * 11 + [rare] * 10, 11)
    assert result.rows == (common,) * 11
    assert result.suppressed == 10
    _check_k_anonymous(result, 21)
    assert anonymise([common] * 10, 11).exported == 0


def test_generalisation_keeps_rows_and_says_which_columns() -> None:
    rows = [ctdc_row(victim(nationality=code), ("labour",), ()) for code in ("BG", "RO") * 6]
    plain = anonymise(rows, 11)
    assert plain.exported == 0 and plain.suppressed == 12
    general = anonymise(rows, 11, generalise=True)
    assert general.exported == 12
    assert general.generalised == ("means_of_control", "age", "citizenship")
    assert {value(row, "citizenship") for row in general.rows} == {"-99"}
    _check_k_anonymous(general, 12)


@pytest.mark.parametrize("k", [-1, 0, 1, 1001])
def test_absurd_k_is_refused(k: int) -> None:
    with pytest.raises(FieldAppError) as caught:
        anonymise([], k)
    assert "2" in caught.value.message("en") and "1000" in caught.value.message("en")


def _row_values() -> st.SearchStrategy[tuple[str, ...]]:
    """Rows over small alphabets, so that groups of every size occur."""
    return st.tuples(*(st.sampled_from(("a", "b")) for _ in range(4)))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(_row_values(), max_size=120),
    k=st.integers(min_value=2, max_value=15),
)
def test_property_every_exported_combination_occurs_at_least_k_times(rows, k: int) -> None:
    kept, suppressed = ctdc.suppress(rows, k)
    assert len(kept) + suppressed == len(rows)
    counts = Counter(kept)
    assert all(count >= k for count in counts.values())
    # Nothing that could have been kept was suppressed.
    assert Counter(rows) - counts == Counter({r: c for r, c in Counter(rows).items() if c < k})


_victims = st.builds(
    victim,
    visit_started_at=st.sampled_from(("2024-01-01T00:00:00Z", "2025-06-01T00:00:00Z")),
    sector=st.sampled_from([sector.value for sector in Sector]),
    sex=st.sampled_from([sex.value for sex in Sex]),
    age=st.one_of(st.none(), st.integers(min_value=0, max_value=120)),
    age_band=st.one_of(st.none(), st.sampled_from([band.value for band in AgeBand])),
    minor=st.one_of(st.none(), st.booleans()),
    nationality=st.one_of(st.none(), st.sampled_from(("BG", "RO", "NL", "XX"))),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    people=st.lists(
        st.tuples(
            _victims,
            st.sets(st.sampled_from(FORMS)),
            st.sets(st.sampled_from(tuple(MEANS_COLUMNS))),
        ),
        max_size=80,
    ),
    k=st.integers(min_value=2, max_value=12),
    generalise=st.booleans(),
)
def test_property_k_anonymity_holds_for_any_people(people, k: int, generalise: bool) -> None:
    rows = [ctdc_row(person, forms, means) for person, forms, means in people]
    result = anonymise(rows, k, generalise=generalise)
    _check_k_anonymous(result, len(rows))
    if not generalise:
        assert not Counter(result.rows) - Counter(rows)  # exported rows are real rows


# -- from the vault ------------------------------------------------------------------------------


def _indicator_with(means: str, exclude: set[str] = frozenset()) -> str:
    """An indicator of the labour list whose only CTDC means is ``means`` (or includes it)."""
    catalogue = load_catalogue()
    for item in catalogue.indicators.values():
        usable = "labour" in item.forms and not item.context_only and item.id not in exclude
        if means in item.ctdc and usable:
            return item.id
    raise AssertionError(f"no indicator carries {means}")


def _visit(started: str, sector: Sector, persons, observations) -> NewVisit:
    return NewVisit(
        site=SiteInput(name="Kwekerij Test", sector=sector, municipality="Westland"),
        visit=VisitInput(started_at=started, agencies=("NLA",)),
        persons=tuple(persons),
        observations=tuple(observations),
    )


def test_rows_from_the_vault_follow_the_catalogue_and_the_outcomes(store: Store) -> None:
    documents = _indicator_with("withholds_documents")
    debt = _indicator_with("debt_bondage", {documents})
    person = PersonInput
    visit_uuid = store.record_visit(
        _visit(
            "2025-05-01T08:00:00Z",
            Sector.AGRICULTURE,
            [
                ("A", person("A", sex=Sex.FEMALE, age=24, nationality="RO")),
                ("B", person("B", sex=Sex.MALE, age=16, nationality="BG")),
                ("C", person("C", role=PersonRole.EMPLOYER_MANAGER, age=50)),
                ("D", person("D", sex=Sex.MALE, age=40, nationality="PL")),
            ],
            [
                # For everyone at the visit, but B's own record says not observed.
                ObservationInput(documents, ObservationStatus.OBSERVED, Evidence.SEEN),
                ObservationInput(
                    documents, ObservationStatus.NOT_OBSERVED, Evidence.SEEN, person_ref="B"
                ),
                ObservationInput(debt, ObservationStatus.OBSERVED, Evidence.TOLD, person_ref="A"),
                ObservationInput(debt, ObservationStatus.UNKNOWN, Evidence.TOLD, person_ref="D"),
            ],
        )
    )
    deleted = store.visit_detail(visit_uuid).persons[3]
    store.delete("person", deleted.meta.uuid)  # D: gone, not exported
    rows = ctdc.collect_rows(store.vault)
    assert len(rows) == 2  # A and B; not the employer, not the deleted person
    by_age = {value(row, "ageBroad"): row for row in rows}
    a, b = by_age["24--26"], by_age["9--17"]
    assert value(a, "meansOfControlWithholdsDocuments") == "1"
    assert value(a, "meansOfControlDebtBondage") == "1"
    assert value(b, "meansOfControlWithholdsDocuments") == "0"  # overridden by B's record
    assert value(b, "meansOfControlDebtBondage") == "0"
    assert value(b, "majorityStatus") == "Minor"
    # The exploitation flags are the engine's outcomes: signals present or higher counts.
    rules = load_catalogue().rules
    threshold = rules.rank("signals_present")
    outcomes = dict(
        ((person_uuid, form), rank)
        for person_uuid, form, rank in store.conn.execute(
            "SELECT person_uuid, form, outcome_rank FROM person_outcomes"
        )
    )
    persons = {p.label: p.meta.uuid for p in store.visit_detail(visit_uuid).persons}
    for label, row in (("A", a), ("B", b)):
        labour = outcomes[(persons[label], "labour")] >= threshold
        assert value(row, "isForcedLabour") == str(int(labour))
        assert value(row, "typeOfLabourAgriculture") == str(int(labour))
        # A greenhouse: only labour exploitation is in context, whatever the signals' tags.
        assert {form for person, form in outcomes if person == persons[label]} == {"labour"}
        assert value(row, "isSexualExploit") == "0"
        assert value(row, "isSexAndLabour") == "0"
    assert value(a, "isForcedLabour") == "1"  # two observed labour signals


def test_export_writes_a_k_anonymous_csv_and_an_audit_entry(store: Store, tmp_path: Path) -> None:
    person = PersonInput(
        "A", sex=Sex.FEMALE, age=30, nationality="BG", role=PersonRole.POSSIBLE_VICTIM
    )
    visits = [
        _visit(
            f"2025-0{1 + n % 3}-0{1 + n % 7}T08:00:00Z", Sector.CONSTRUCTION, [("A", person)], []
        )
        for n in range(13)
    ]
    visits.append(
        _visit(
            "2025-02-02T08:00:00Z",
            Sector.CONSTRUCTION,
            [("A", PersonInput("A", sex=Sex.MALE, age=70, nationality="ER"))],
            [],
        )
    )
    store.record_visits(visits)
    before = store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    target = tmp_path / "ctdc.csv"
    result = ctdc.export_ctdc(store.vault, target, 11)
    assert (result.total, result.exported, result.suppressed) == (14, 13, 1)
    reader = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert tuple(reader[0]) == COLUMNS
    body = [tuple(row) for row in reader[1:]]
    assert len(body) == 13 and all(count >= 11 for count in Counter(body).values())
    assert "ER" not in target.read_text(encoding="utf-8")
    actions = store.conn.execute(
        "SELECT action, record_kind, record_uuid FROM audit_log WHERE seq > ?", (before,)
    ).fetchall()
    assert ("export", "ctdc", None) in actions


def test_the_command_line_refuses_absurd_k_and_prints_the_counts(
    vault_dir: Path, vault: Vault, store: Store, passphrase_file: Path, tmp_path: Path
) -> None:
    store.record_visit(
        _visit("2025-01-01T08:00:00Z", Sector.OTHER, [("A", PersonInput("A", age=30))], [])
    )
    vault.lock()
    common = ("--vault", str(vault_dir), "--passphrase-file", str(passphrase_file))
    out = tmp_path / "out.csv"
    refused = run_cli("export", "ctdc", "--out", str(out), "--k", "1", *common, lang="en")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "k must be a whole number from 2 to 1000" in refused.stderr
    assert not out.exists()
    done = run_cli("export", "ctdc", "--out", str(out), *common, lang="en")
    assert done.returncode == 0, done.stderr
    assert "0 of 1 row exported, 1 suppressed" in done.stdout
    assert "Every row was suppressed" in done.stdout
    assert out.read_text(encoding="utf-8").strip() == ",".join(COLUMNS)
    again = run_cli("export", "ctdc", "--out", str(out), *common, lang="en")
    assert again.returncode == 1 and "already exists" in again.stderr


def test_the_command_line_generalises_when_asked(
    vault_dir: Path, vault: Vault, store: Store, passphrase_file: Path, tmp_path: Path
) -> None:
    for age in (30, 50):  # one age band apart: unique rows until the age is generalised
        store.record_visit(
            _visit("2025-01-01T08:00:00Z", Sector.OTHER, [("A", PersonInput("A", age=age))], [])
        )
    vault.lock()
    common = ("--vault", str(vault_dir), "--passphrase-file", str(passphrase_file))
    plain = run_cli(
        "export", "ctdc", "--out", str(tmp_path / "a.csv"), "--k", "2", *common, lang="en"
    )
    assert "0 of 2 rows exported, 2 suppressed" in plain.stdout
    generalised = run_cli(
        "export",
        "ctdc",
        "--out",
        str(tmp_path / "b.csv"),
        "--k",
        "2",
        "--generalise",
        *common,
        lang="en",
    )
    assert generalised.returncode == 0, generalised.stderr
    assert "2 of 2 rows exported, 0 suppressed" in generalised.stdout
    assert "Generalised: " in generalised.stdout and "age group" in generalised.stdout
