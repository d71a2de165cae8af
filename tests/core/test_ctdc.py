"""The CTDC export: its columns and codes against the data dictionary kept beside these tests
(``ctdc_dictionary.py``, with its sources), who is exported (an indication, not any signal),
each column's rule (one rule for every group of flags and its concatenated column; the sector's
type of labour; the recruiter), begging as ``typeOfLabourBegging``, the public file's
generalisation hierarchies (the majority status as the age's floor, citizenship recoded per
row) and its search, which trades no form of exploitation away, with k-anonymity on every row
(also as a property over any data, and on demo data at k = 11), the summary per form and of the
minors (text and JSON), the full file age-encrypted by default, and the command line."""

from __future__ import annotations

import argparse
import csv
import io
import json
import time
from collections import Counter
from pathlib import Path

import pycountry
import pyrage
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyrage import x25519

from fieldapp.catalogue import load_catalogue
from fieldapp.catalogue.model import FORMS
from fieldapp.cli.export import cmd_ctdc
from fieldapp.demo import demo_visits
from fieldapp.domain import (
    AgeBand,
    Evidence,
    ObservationStatus,
    PersonRole,
    Role,
    Sector,
    Sex,
)
from fieldapp.errors import FieldAppError
from fieldapp.exports import ctdc
from fieldapp.exports.ctdc import COLUMNS, HIERARCHIES, MEANS_COLUMNS, anonymise, ctdc_row
from fieldapp.i18n import catalogue as texts
from fieldapp.inputs import NewVisit, ObservationInput, PersonInput, SiteInput, VisitInput
from fieldapp.paths import resource_path
from fieldapp.store.export_store import VictimRow
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from tests.core import ctdc_dictionary as dictionary
from tests.support import PASSPHRASE, run_cli

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
    return VictimRow(**values)  # type: ignore[arg-type]  # values checked by VictimRow itself


def value(row: tuple[str, ...], column: str) -> str:
    return row[AT[column]]


def named(row: tuple[str, ...], column: str) -> set[str]:
    text = value(row, column)
    return set() if text == "-99" else set(text.split(";"))


# -- the columns against the data dictionary -------------------------------------------------


def test_the_columns_are_the_dictionarys_in_its_order() -> None:
    assert len(dictionary.NAMES) == 63
    assert COLUMNS == dictionary.NAMES
    for missing in (
        "Datasource",
        "majorityStatusAtExploit",
        "majorityEntry",
        "meansOfControlConcatenated",
        "typeOfExploitConcatenated",
        "isForcedMarriage",
        "isForcedMilitary",
        "isSlaveryAndPractices",
        "isOtherExploit",
        "isAbduction",
        "typeOfLabourBegging",
        "typeOfLabourAquafarming",
        "typeOfLabourTransportation",
        "typeOfLabourPeddling",
        "typeOfLabourMiningOrDrilling",
        "typeOfLabourNotSpecified",
        "typeOfSexPornography",
        "typeOfSexRemoteInteractiveServices",
        "typeOfSexPrivateSexualServices",
        "typeOfLabourConcatenated",
        "typeOfSexConcatenated",
        "RecruiterRelationship",
    ):
        assert missing in COLUMNS, missing


def test_the_dictionary_names_its_source_and_what_is_unconfirmed() -> None:
    assert "ctdatacollaborative.org" in dictionary.SOURCE and "2026-12-06" in dictionary.SOURCE
    assert set(dictionary.UNCONFIRMED) == {
        "typeOfLabourConcatenated",
        "typeOfSexConcatenated",
        "RecruiterRelationship",
    }
    readme = resource_path().parent.joinpath("README.md").read_text(encoding="utf-8")
    for column in dictionary.UNCONFIRMED:
        assert column in readme


_victims = st.builds(
    victim,
    visit_started_at=st.sampled_from(("2024-01-01T00:00:00Z", "2025-06-01T00:00:00Z")),
    sector=st.sampled_from([sector.value for sector in Sector]),
    sex=st.sampled_from([sex.value for sex in Sex]),
    age=st.one_of(st.none(), st.integers(min_value=0, max_value=120)),
    age_band=st.one_of(st.none(), st.sampled_from([band.value for band in AgeBand])),
    minor=st.one_of(st.none(), st.booleans()),
    nationality=st.one_of(st.none(), st.sampled_from(("BG", "RO", "NL", "NG", "TW", "XX"))),
)
_people = st.tuples(
    _victims,
    st.sets(st.sampled_from(FORMS)),
    st.sets(st.sampled_from(tuple(MEANS_COLUMNS))),
    st.sets(st.sampled_from(("Begging", "IllicitActivities"))),
)


def _row(person: tuple[VictimRow, set[str], set[str], set[str]]) -> tuple[str, ...]:
    who, forms, means, kinds = person
    return ctdc_row(who, forms, means, criminal_kinds=kinds)


@settings(max_examples=300, deadline=None)
@given(person=_people)
def test_property_every_value_is_a_code_of_the_dictionary(person) -> None:
    row = _row(person)
    assert len(row) == len(dictionary.NAMES)
    for column, text in zip(dictionary.NAMES, row, strict=True):
        codes = dictionary.BY_NAME[column].codes
        if codes is not None:
            assert text in codes, (column, text)
    assert value(row, "citizenship") == "-99" or pycountry.countries.get(
        alpha_2=value(row, "citizenship")
    )
    means_labels = {label for _, label, _ in dictionary.MEANS} | {"Not specified"}
    assert named(row, "meansOfControlConcatenated") <= means_labels
    exploit_labels = {label for label, _ in dictionary.EXPLOIT_LABELS.values()}
    assert named(row, "typeOfExploitConcatenated") <= exploit_labels
    # A concatenated column names exactly the flags set.
    flags = {column for column in dictionary.EXPLOIT_LABELS if value(row, column) == "1"}
    assert {dictionary.EXPLOIT_LABELS[column][0] for column in flags} == named(
        row, "typeOfExploitConcatenated"
    )
    _check_groups(row)


# Each group of flags, with the column that concatenates it.
GROUPS = {
    "meansOfControlConcatenated": (
        *(f"meansOfControl{name}" for name, _, _ in dictionary.MEANS),
        "meansOfControlNotSpecified",
    ),
    "typeOfExploitConcatenated": tuple(dictionary.EXPLOIT_LABELS),
    "typeOfLabourConcatenated": tuple(f"typeOfLabour{name}" for name in dictionary.LABOUR),
    "typeOfSexConcatenated": tuple(f"typeOfSex{name}" for name in dictionary.SEX),
    "RecruiterRelationship": tuple(f"recruiterRelation{name}" for name in dictionary.RECRUITER),
}


def _check_groups(row: tuple[str, ...]) -> None:
    """One rule for every concatenated column: -99 exactly when every flag of its group is
    -99; otherwise it names one label per flag set (never -99 beside flags of 0)."""
    for concatenated, flags in GROUPS.items():
        states = {value(row, flag) for flag in flags}
        if value(row, concatenated) == "-99":
            assert states == {"-99"}, (concatenated, states)
        else:
            assert "-99" not in states, (concatenated, states)
            on = sum(value(row, flag) == "1" for flag in flags)
            assert on == len(named(row, concatenated)) > 0, concatenated


def _check_groups_public(row: tuple[str, ...]) -> None:
    """In the public file too, except the means: their groups level names groups of means in
    the concatenated column with the flags hidden (a generalisation, documented)."""
    for concatenated, flags in GROUPS.items():
        if concatenated == "meansOfControlConcatenated":
            continue
        states = {value(row, flag) for flag in flags}
        assert (value(row, concatenated) == "-99") == (states == {"-99"}), concatenated


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


def test_a_minor_now_was_a_minor_at_exploitation_and_entry_an_adults_is_unknown() -> None:
    minor = ctdc_row(victim(age=16), ("labour",), ())
    assert value(minor, "majorityStatusAtExploit") == value(minor, "majorityEntry") == "Minor"
    adult = ctdc_row(victim(age=30), ("labour",), ())
    assert value(adult, "majorityStatusAtExploit") == value(adult, "majorityEntry") == "-99"


def test_demographics_use_ctdc_codes_and_minus_99_for_unknown() -> None:
    row = ctdc_row(victim(), (), ())
    assert value(row, "yearOfRegistration") == "2025"
    assert value(row, "Datasource") == "Case Management"
    assert value(row, "gender") == "Female"
    assert value(row, "citizenship") == "BG"
    assert value(row, "CountryOfExploitation") == "NL"
    assert value(ctdc_row(victim(sex="m"), (), ()), "gender") == "Male"
    assert value(ctdc_row(victim(sex="x"), (), ()), "gender") == "-99"
    assert value(ctdc_row(victim(nationality=None), (), ()), "citizenship") == "-99"
    assert value(ctdc_row(victim(nationality="ZZ"), (), ()), "citizenship") == "-99"


def test_means_flags_not_specified_and_the_concatenated_column() -> None:
    none = ctdc_row(victim(), (), ())
    assert all(value(none, column) == "0" for column in MEANS_COLUMNS.values())
    assert value(none, "meansOfControlNotSpecified") == "1"
    assert value(none, "meansOfControlConcatenated") == "Not specified"
    some = ctdc_row(victim(), (), ("withholds_documents", "debt_bondage"))
    assert value(some, "meansOfControlWithholdsDocuments") == "1"
    assert value(some, "meansOfControlDebtBondage") == "1"
    assert value(some, "meansOfControlThreats") == "0"
    assert value(some, "meansOfControlNotSpecified") == "0"
    assert value(some, "meansOfControlConcatenated") == "Debt bondage;Withholds documents"
    assert len(MEANS_COLUMNS) == 17


def test_exploitation_flags_and_their_concatenation_follow_the_forms() -> None:
    both = ctdc_row(victim(sector="sex_work_unlicensed"), ("labour", "sexual"), ())
    for column in ("isForcedLabour", "isSexualExploit", "isSexAndLabour"):
        assert value(both, column) == "1"
    assert value(both, "typeOfExploitConcatenated") == (
        "Forced labour;Sexual exploitation;Combined sexual and labour exploitation"
    )
    assert value(both, "typeOfSexProstitution") == "1"
    assert value(both, "typeOfSexConcatenated") == "Prostitution"
    organ = ctdc_row(victim(), ("organ_removal",), ())
    assert value(organ, "isOrganRemoval") == "1" and value(organ, "isForcedLabour") == "0"
    marriage = ctdc_row(victim(), ("forced_marriage",), ())
    assert value(marriage, "isForcedMarriage") == "1" and value(marriage, "isOtherExploit") == "0"
    for form in ("illegal_adoption", "surrogacy"):
        other = ctdc_row(victim(), (form,), ())
        assert value(other, "isOtherExploit") == "1"
        assert value(other, "typeOfExploitConcatenated") == "Other"
    nothing = ctdc_row(victim(), (), ())  # an indication by judgement, no form reached
    assert value(nothing, "typeOfExploitConcatenated") == "-99"
    assert {value(nothing, name) for name in dictionary.EXPLOIT_LABELS} == {"-99"}
    for column in ("isForcedMilitary", "isSlaveryAndPractices"):
        assert value(both, column) == "0"  # never recorded by FieldApp


def test_type_of_labour_follows_the_sector_and_the_criminal_signals() -> None:
    labour = ctdc_row(victim(sector="meat_processing"), ("labour",), ())
    assert value(labour, "typeOfLabourManufacturing") == "1"
    assert value(labour, "typeOfLabourConcatenated") == "Manufacturing"
    nothing = ctdc_row(victim(sector="construction"), (), ())
    assert value(nothing, "typeOfLabourConstruction") == "-99"
    assert value(nothing, "typeOfLabourConcatenated") == "-99"
    car_wash = ctdc_row(victim(sector="car_wash"), ("labour",), ())
    assert value(car_wash, "typeOfLabourOther") == "1"
    no_sector = ctdc_row(victim(sector=None), ("labour",), ())
    assert value(no_sector, "typeOfLabourNotSpecified") == "1"
    criminal = ctdc_row(victim(sector="hospitality"), ("criminal",), ())
    assert value(criminal, "isForcedLabour") == "1"
    assert value(criminal, "typeOfLabourIllicitActivities") == "1"
    assert value(criminal, "typeOfLabourHospitality") == "0"
    for column in ("Aquafarming", "MiningOrDrilling", "Peddling", "Transportation"):
        assert value(labour, f"typeOfLabour{column}") == "0"


def test_groups_that_do_not_apply_are_minus_99_with_their_concatenated_column() -> None:
    """The reviewer's sexual-only row: typeOfLabour* 0 but typeOfLabourConcatenated -99. Now
    one rule: a group that does not apply is -99 throughout, flags and concatenation alike."""
    sexual = ctdc_row(victim(sector="sex_work_licensed"), ("sexual",), ())
    labour_columns = [f"typeOfLabour{name}" for name in dictionary.LABOUR]
    assert {value(sexual, column) for column in labour_columns} == {"-99"}
    assert value(sexual, "typeOfLabourConcatenated") == "-99"
    assert value(sexual, "typeOfSexProstitution") == "1"
    assert value(sexual, "typeOfSexPornography") == "0"
    labour = ctdc_row(victim(sector="construction"), ("labour",), ())
    assert {value(labour, f"typeOfSex{name}") for name in dictionary.SEX} == {"-99"}
    assert value(labour, "typeOfSexConcatenated") == "-99"
    # Sexual exploitation away from a sex-work site: its type is not known.
    massage = ctdc_row(victim(sector="nail_beauty"), ("sexual",), ())
    assert {value(massage, f"typeOfSex{name}") for name in dictionary.SEX} == {"-99"}
    assert value(massage, "typeOfSexConcatenated") == "-99"
    for row in (sexual, labour, massage):
        _check_groups(row)


@pytest.mark.parametrize(
    ("sector", "labour_type"),
    [
        ("agriculture", "Agriculture"),
        ("construction", "Construction"),
        ("domestic_work", "DomesticWork"),
        ("hospitality", "Hospitality"),
        ("meat_processing", "Manufacturing"),
        # One sector for shipping (transport) and fishing: neither CTDC type fits all its
        # rows, and Aquafarming (fish farming) is not confirmed to hold fishing at sea.
        ("shipping_fishing", "Other"),
        ("logistics", "Other"),  # warehouse and order picking: not transport
        ("cleaning", "Other"),
        ("car_wash", "Other"),
        ("nail_beauty", "Other"),
    ],
)
def test_each_sector_goes_to_the_ctdc_type_that_fits_it(sector: str, labour_type: str) -> None:
    row = ctdc_row(victim(sector=sector), ("labour",), ())
    assert named(row, "typeOfLabourConcatenated") == {dict(ctdc.LABOUR_TYPES)[labour_type]}
    assert value(row, f"typeOfLabour{labour_type}") == "1"
    for never in ("Aquafarming", "Transportation", "MiningOrDrilling", "Peddling"):
        assert value(row, f"typeOfLabour{never}") == "0"


def test_forced_begging_is_type_of_labour_begging_not_illicit_activities() -> None:
    begging = ctdc_row(victim(age=14), ("criminal",), (), criminal_kinds={"Begging"})
    assert value(begging, "typeOfLabourBegging") == "1"
    assert value(begging, "typeOfLabourIllicitActivities") == "0"
    assert value(begging, "typeOfLabourConcatenated") == "Begging"
    assert value(begging, "isForcedLabour") == "1"
    both = ctdc_row(victim(), ("criminal",), (), criminal_kinds={"Begging", "IllicitActivities"})
    assert value(both, "typeOfLabourConcatenated") == "Begging;Illicit activities"


def test_the_begging_signal_is_forced_begging_in_every_catalogue() -> None:
    for version in ("2026.1", "2026.2"):
        catalogue = load_catalogue(version)
        for signal in ctdc.BEGGING_SIGNALS:
            indicator = catalogue.get(signal)
            assert indicator is not None, (version, signal)
            assert "begging" in indicator.label["en"].lower()
            assert "criminal" in indicator.forms


def test_recruiter_relation_and_abduction_are_never_guessed() -> None:
    row = ctdc_row(victim(), ("labour",), ("false_promises",))
    assert value(row, "recruiterRelationUnknown") == "1"
    for relation in ("IntimatePartner", "Friend", "Family", "Other"):
        assert value(row, f"recruiterRelation{relation}") == "0"
    assert value(row, "RecruiterRelationship") == "Unknown"  # the label of the flag set
    assert value(row, "isAbduction") == "-99"


# -- the hierarchies of the public file ------------------------------------------------------


def _hierarchy(name: str) -> ctdc.Hierarchy:
    return next(h for h in HIERARCHIES if h.name == name)


def _at(name: str, row: tuple[str, ...], level: str) -> tuple[str, ...]:
    hierarchy = _hierarchy(name)
    values = tuple(value(row, column) for column in hierarchy.columns)
    return hierarchy.generalise(values, hierarchy.levels.index(level))


def test_age_widens_then_keeps_the_majority_then_goes() -> None:
    row = ctdc_row(victim(age=16), ("labour",), ())
    assert _at("age", row, "ctdc_bands")[:2] == ("9--17", "Minor")
    assert _at("age", row, "wide_bands") == ("0--17", "Minor", "Minor", "Minor")
    assert _at("age", row, "majority") == ("-99", "Minor", "Minor", "Minor")
    assert _at("age", row, "blank") == ("-99",) * 4
    assert set(ctdc.WIDE_AGE_BANDS) == set(dictionary.AGE_BANDS)


@pytest.mark.parametrize(
    ("code", "levels"),
    [
        ("BG", ("Eastern Europe", "Eastern Europe", "Europe")),
        ("NG", ("Western Africa", "Sub-Saharan Africa", "Africa")),
        ("BR", ("South America", "Latin America and the Caribbean", "Americas")),
        ("VN", ("South-eastern Asia", "South-eastern Asia", "Asia")),
        ("TW", ("-99", "-99", "-99")),  # no M49 region in the source: unknown, not guessed
    ],
)
def test_citizenship_goes_to_its_un_m49_regions(code: str, levels: tuple[str, ...]) -> None:
    row = ctdc_row(victim(nationality=code), ("labour",), ())
    found = tuple(
        _at("citizenship", row, level)[0]
        for level in ("intermediate_region", "sub_region", "region")
    )
    assert found == levels
    assert _at("citizenship", row, "country") == (code,)


def test_the_m49_file_has_a_source_and_every_country() -> None:
    document = json.loads(resource_path("m49_regions.json").read_text(encoding="utf-8"))
    assert "unstats.un.org" in document["source"]
    known = set(document["countries"]) | set(document["unassigned"])
    assert known == {country.alpha_2 for country in pycountry.countries}
    regions = {parts[0] for parts in document["countries"].values()}
    assert regions == {"Africa", "Americas", "Asia", "Europe", "Oceania"}


def test_means_go_to_groups_in_the_concatenated_column_then_to_any() -> None:
    row = ctdc_row(victim(), ("labour",), ("physical_abuse", "sexual_abuse", "debt_bondage"))
    groups = _at("means", row, "groups")
    assert groups[: len(MEANS_COLUMNS)] == ("-99",) * len(MEANS_COLUMNS)
    assert groups[-2:] == ("0", "Debt bondage or earnings;Abuse")
    assert _at("means", row, "any")[-2:] == ("0", "-99")
    assert set(ctdc.MEANS_GROUPS) == set(MEANS_COLUMNS)


def test_type_of_work_goes_to_its_parent_form() -> None:
    row = ctdc_row(victim(sector="construction"), ("labour",), ())
    columns = _hierarchy("exploitation").columns
    forms = dict(zip(columns, _at("exploitation", row, "forms"), strict=True))
    assert forms["isForcedLabour"] == "1"
    assert forms["typeOfExploitConcatenated"] == "Forced labour"
    assert forms["typeOfLabourConstruction"] == "-99"
    assert forms["typeOfLabourConcatenated"] == "-99"


def test_majority_citizenship_means_and_the_form_never_become_unknown_in_public() -> None:
    lowest = {h.name: h.levels[h.lowest] for h in HIERARCHIES}
    assert lowest == {
        "year": "blank",
        "gender": "blank",
        "age": "majority",
        "citizenship": "region",
        "means": "any",
        "exploitation": "forms",
    }


def test_means_groups_are_those_of_ctdcs_codebook() -> None:
    """CTDC's synthetic-data codebook v2024, Appendix II: uses children and threat of law
    enforcement merge into threats; restricted financial access, movement and medical care
    and withheld necessities into denial of basic needs."""
    groups = ctdc.MEANS_GROUPS
    assert groups["uses_children"] == groups["threat_of_law_enforcement"] == groups["threats"]
    basic = {"restricts_financial_access", "restricts_movement", "restricts_medical_care"}
    assert {groups[flag] for flag in basic} == {groups["withholds_necessities"]}
    assert (
        groups["debt_bondage"] == groups["takes_earnings"] != groups["restricts_financial_access"]
    )


# -- local recoding of citizenship -------------------------------------------------------------


def test_a_country_stays_where_its_own_group_meets_k() -> None:
    shown = ctdc.recode_citizenship({"NL": 12, "BG": 6, "RO": 6}, 11)
    assert shown == {
        "NL": ("NL", 0),
        "BG": ("Eastern Europe", 2),
        "RO": ("Eastern Europe", 2),
    }


def test_too_few_behind_takes_the_smallest_group_back() -> None:
    # Europe has 17, but Bulgaria alone (5) cannot be shown as Eastern Europe: the Dutch group
    # comes back to Europe with it, so no row is lost.
    assert ctdc.recode_citizenship({"NL": 12, "BG": 5}, 11) == {
        "NL": ("Europe", 3),
        "BG": ("Europe", 3),
    }
    shown = ctdc.recode_citizenship({"NG": 6, "GH": 6, "KE": 11, "ER": 4}, 11)
    assert shown["NG"] == shown["GH"] == ("Western Africa", 1)  # the intermediate region
    assert shown["KE"] == shown["ER"] == ("Eastern Africa", 1)


def test_a_region_below_k_is_suppressed_and_a_known_country_is_never_minus_99() -> None:
    assert ctdc.recode_citizenship({"BR": 3, "NL": 11}, 11) == {"NL": ("NL", 0)}
    assert ctdc.recode_citizenship({"TW": 11}, 11) == {"TW": ("TW", 0)}  # no M49 region
    assert ctdc.recode_citizenship({"TW": 10}, 11) == {}  # suppressed, not -99
    assert ctdc.recode_citizenship({"-99": 11}, 11) == {"-99": ("-99", 0)}


@settings(max_examples=200, deadline=None)
@given(
    counts=st.dictionaries(
        st.sampled_from(("NL", "BE", "DE", "BG", "RO", "PL", "NG", "GH", "KE", "BR", "TW", "-99")),
        st.integers(min_value=1, max_value=30),
    ),
    k=st.integers(min_value=2, max_value=15),
)
def test_property_local_recoding_keeps_what_regions_keep_in_groups_of_k(
    counts: dict[str, int], k: int
) -> None:
    shown = ctdc.recode_citizenship(counts, k)
    per_place: Counter[str] = Counter()
    for code, (place, _) in shown.items():
        per_place[place] += counts[code]
        assert code == "-99" or place != "-99"
    assert all(rows >= k for rows in per_place.values())
    roots: Counter[str] = Counter()
    for code, rows in counts.items():
        roots[ctdc.citizenship_path(code)[0][0]] += rows
    kept_by_region = {code for code in counts if roots[ctdc.citizenship_path(code)[0][0]] >= k}
    assert set(shown) == kept_by_region


def test_the_dutch_victims_stay_nl_in_the_public_file() -> None:
    """The reviewer's 49 Dutch victims merged into "Europe": domestic against foreign lost."""
    rows = [
        ctdc_row(victim(nationality=code), ("labour",), ())
        for code in ["NL"] * 11 + ["BG", "RO"] * 6 + ["VN"] * 11
    ]
    result = anonymise(rows, 11)
    assert result.exported == 34
    shown = Counter(value(row, "citizenship") for row in result.rows)
    assert shown == {"NL": 11, "Eastern Europe": 12, "VN": 11}
    assert dict(result.citizenship) == {"country": 22, "sub_region": 12}
    lines = ctdc.summary(result, "p.csv", encrypted=False, lang="en")
    assert "(country: 22 rows, sub-region: 12 rows)" in lines[1]
    assert any("not CTDC codes" in line for line in lines)


# -- minors and the forms of exploitation in the public file -----------------------------------


def test_minors_are_suppressed_not_blanked() -> None:
    """Eleven adults and three minors, alike otherwise. Keeping all fourteen would need the age
    blanked, which made minors vanish; now the three are suppressed and said to be."""
    rows = [ctdc_row(victim(age=30), ("labour",), ())] * 11
    rows += [ctdc_row(victim(age=16), ("labour",), ())] * 3
    result = anonymise(rows, 11)
    assert {value(row, "majorityStatus") for row in result.rows} == {"Adult"}
    assert result.suppressed == 3 and result.minors == (0, 3)
    assert "Minors kept: 0 of 3 (0 %)." in ctdc.summary(result, "p.csv", encrypted=False, lang="en")


def test_minors_are_kept_as_minors_where_the_majority_status_meets_k() -> None:
    rows = [ctdc_row(victim(age=age), ("labour",), ()) for age in [5, 15] * 6]
    rows += [ctdc_row(victim(age=30), ("labour",), ())] * 11
    result = anonymise(rows, 11)
    assert result.exported == 23 and result.minors == (12, 12)
    minors = [row for row in result.rows if value(row, "majorityStatus") == "Minor"]
    assert len(minors) == 12
    assert {value(row, "ageBroad") for row in minors} <= {"0--17", "-99"}


def _skewed_rows() -> list[tuple[str, ...]]:
    """Five groups of 20 labour rows, alike within a group, and eleven rows of sexual
    exploitation, each with its own means of control: at full detail the labour rows are all
    kept and the sexual ones all suppressed; only "whether any means was recorded" keeps
    them."""
    means = list(MEANS_COLUMNS)
    rows = [
        ctdc_row(victim(sector="construction"), ("labour",), (means[group],))
        for group in range(5)
        for _ in range(20)
    ]
    rows += [
        ctdc_row(victim(sector="sex_work_licensed"), ("sexual",), (means[i], means[i + 5]))
        for i in range(11)
    ]
    return rows


def test_the_search_does_not_trade_a_form_away(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = _skewed_rows()
    result = anonymise(rows, 11)
    forms = {count.form: (count.kept, count.total) for count in result.forms}
    assert forms == {"isForcedLabour": (100, 100), "isSexualExploit": (11, 11)}
    assert dict(result.levels)["means"] != "flags"
    lines = ctdc.summary(result, "p.csv", encrypted=False, lang="en")
    assert (
        "Kept per form of exploitation: forced labour (labour and criminal exploitation): "
        "100 of 100 (100 %); sexual exploitation: 11 of 11 (100 %)."
    ) in lines
    dutch = ctdc.summary(result, "p.csv", encrypted=False, lang="nl")
    assert any("seksuele uitbuiting: 11 van 11 (100 %)" in line for line in dutch)
    # Without the rule, the most information is the labour rows in full detail alone.
    monkeypatch.setattr(ctdc, "FORM_TOLERANCE", 1.0)
    unruled = anonymise(rows, 11)
    forms = {count.form: (count.kept, count.total) for count in unruled.forms}
    assert forms == {"isForcedLabour": (100, 100), "isSexualExploit": (0, 11)}


def test_a_form_that_cannot_reach_the_overall_share_gets_its_best() -> None:
    """Three rows of forced marriage can never make a group of 11: the rule asks a form only
    for what it can reach at the floor of every hierarchy, so the rest is still searched."""
    rows = _skewed_rows() + [ctdc_row(victim(), ("forced_marriage",), ())] * 3
    result = anonymise(rows, 11)
    forms = {count.form: (count.kept, count.total) for count in result.forms}
    assert forms["isForcedMarriage"] == (0, 3)
    assert forms["isSexualExploit"] == (11, 11)


def test_the_summary_says_each_form_in_json_too(
    vault_dir: Path,
    vault: Vault,
    store: Store,
    passphrase_file: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    store.record_visits(
        [
            _visit(
                "2025-01-01T08:00:00Z",
                Sector.CONSTRUCTION,
                [("A", PersonInput("A", sex=Sex.MALE, age=30, professional_indication=True))],
                [],
            )
        ]
        * 12
    )
    vault.lock()
    out = tmp_path / "ctdc.csv"
    args = argparse.Namespace(
        vault=str(vault_dir),
        passphrase_file=str(passphrase_file),
        out=str(out),
        k=11,
        mode="public",
        recipient=None,
        no_encrypt=False,
        json=True,
    )
    assert cmd_ctdc(args) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["exported"] == document["total"] == 12 and document["k"] == 11
    assert document["forms"] == [{"form": "isForcedLabour", "kept": 12, "total": 12}]
    assert document["minors"] == {"kept": 0, "total": 0}
    assert document["levels"]["age"] == "ctdc_bands" and document["encrypted"] is False
    assert out.exists()


def test_the_readme_says_what_a_row_is_and_that_regions_are_not_ctdc_codes() -> None:
    readme = resource_path().parent.joinpath("README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Exports**") : readme.index("**Retention**")]
    for said in (
        "not a confirmed victim",
        "`Case Management`",
        "not CTDC codes",
        "5 points",
        "seksuele uitbuiting: 91 van 213",
        "Transportation",
        "Aquafarming",
    ):
        assert said in section, said


# -- k-anonymity and the search ----------------------------------------------------------------


def _check_k_anonymous(result: ctdc.CtdcResult, total: int) -> None:
    k = result.k
    assert k is not None
    assert all(count >= k for count in Counter(result.rows).values())
    assert result.exported + result.suppressed == result.total == total
    assert list(result.rows) == sorted(result.rows)


def test_nothing_is_generalised_when_every_row_is_kept_already() -> None:
    row = ctdc_row(victim(), ("labour",), ("debt_bondage",))
    result = anonymise([row] * 11, 11)
    assert result.rows == (row,) * 11 and result.suppressed == 0
    assert result.generalised == () and result.information == 1.0


def test_the_search_generalises_as_little_as_keeps_the_rows() -> None:
    """Six Bulgarians and six Romanians: both Eastern Europe, so at k = 11 citizenship goes to
    the M49 region level that joins them, and nothing else changes."""
    rows = [ctdc_row(victim(nationality=code), ("labour",), ()) for code in ("BG", "RO") * 6]
    plain = anonymise(rows, 11, generalise=False)
    assert plain.exported == 0 and plain.suppressed == 12
    general = anonymise(rows, 11)
    assert general.exported == 12
    assert general.generalised == ("citizenship",)
    assert dict(general.levels)["citizenship"] == "local"
    assert general.citizenship == (("sub_region", 12),)
    assert {value(row, "citizenship") for row in general.rows} == {"Eastern Europe"}
    assert {value(row, "ageBroad") for row in general.rows} == {"30--38"}  # untouched
    _check_k_anonymous(general, 12)
    assert 0 < general.information < 1


def test_a_row_that_needs_more_than_the_floor_is_suppressed_not_blanked() -> None:
    common = ctdc_row(victim(), ("labour",), ())
    rare = ctdc_row(victim(), ("sexual",), ())  # its form alone sets it apart
    result = anonymise([common] * 11 + [rare], 11)
    assert result.suppressed == 1 and result.exported == 11
    assert {value(row, "isForcedLabour") for row in result.rows} == {"1"}


@pytest.mark.parametrize("k", [-1, 0, 1, 1001])
def test_absurd_k_is_refused(k: int) -> None:
    with pytest.raises(FieldAppError) as caught:
        anonymise([], k)
    assert "2" in caught.value.message("en") and "1000" in caught.value.message("en")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people=st.lists(_people, max_size=80), k=st.integers(min_value=2, max_value=12))
def test_property_k_anonymity_holds_for_any_people(people, k: int) -> None:
    rows = [_row(person) for person in people]
    result = anonymise(rows, k)
    _check_k_anonymous(result, len(rows))
    # The floors hold: a kept row has its form, whether it is a minor and whether control was
    # recorded as the full row had them (-99 only where the full row has -99: never blanked),
    # and a citizenship that is -99 only where it was not recorded.
    for column in ("majorityStatus", "isForcedLabour", "isSexualExploit", "citizenship"):
        blank_out = sum(value(row, column) == "-99" for row in result.rows)
        assert blank_out <= sum(value(row, column) == "-99" for row in rows), column
    for row in result.rows:
        assert value(row, "meansOfControlNotSpecified") != "-99"
        _check_groups_public(row)
    minors = sum(value(row, "majorityStatus") == "Minor" for row in result.rows)
    assert result.minors == (minors, sum(value(row, "majorityStatus") == "Minor" for row in rows))
    for count in result.forms:
        kept = sum(count.form in ctdc.row_forms(row) for row in result.rows)
        assert (count.kept, count.total) == (
            kept,
            sum(count.form in ctdc.row_forms(r) for r in rows),
        )
    plain = anonymise(rows, k, generalise=False)
    _check_k_anonymous(plain, len(rows))
    assert not Counter(plain.rows) - Counter(rows)  # suppression only: real rows
    assert result.exported >= plain.exported


# -- from the vault ------------------------------------------------------------------------------


def _indicator_with(means: str, exclude: set[str] = frozenset()) -> str:
    """An indicator of the labour list whose CTDC means include ``means``."""
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


def _outcomes(store: Store) -> dict[tuple[str, str], tuple[str, int]]:
    return {
        (label, form): (outcome, indication)
        for label, form, outcome, indication in store.conn.execute(
            "SELECT p.label, po.form, po.outcome, po.indication FROM person_outcomes po"
            " JOIN persons p ON p.uuid = po.person_uuid"
        )
    }


def test_only_persons_with_an_indication_are_exported(store: Store) -> None:
    """A: a minor made to beg (an indication: a minor with an exploitation signal); B: one
    labour signal, "signals present" without an indication; C: no signal, but the
    professional judges there is an indication; D: an employer."""
    weak = _indicator_with("withholds_documents")
    store.record_visit(
        _visit(
            "2025-05-01T08:00:00Z",
            Sector.OTHER,
            [
                ("A", PersonInput("A", sex=Sex.MALE, age=15, nationality="RO")),
                ("B", PersonInput("B", sex=Sex.FEMALE, age=30, nationality="BG")),
                (
                    "C",
                    PersonInput(
                        "C", sex=Sex.FEMALE, age=40, nationality="PL", professional_indication=True
                    ),
                ),
                ("D", PersonInput("D", role=PersonRole.EMPLOYER_MANAGER, age=50)),
            ],
            [
                ObservationInput(
                    "YCE-07", ObservationStatus.OBSERVED, Evidence.SEEN, person_ref="A"
                ),
                ObservationInput(weak, ObservationStatus.OBSERVED, Evidence.SEEN, person_ref="B"),
            ],
        )
    )
    rows = ctdc.collect_rows(store.vault)
    outcomes = _outcomes(store)
    assert outcomes[("B", "labour")] == ("signals_present", 0)  # signals, no indication
    assert outcomes[("A", "criminal")][1] == 1
    assert sorted(value(row, "citizenship") for row in rows) == ["PL", "RO"]
    begging = next(row for row in rows if value(row, "citizenship") == "RO")
    assert value(begging, "typeOfLabourBegging") == "1"
    assert value(begging, "typeOfLabourIllicitActivities") == "0"
    assert value(begging, "majorityStatus") == "Minor"
    judged = next(row for row in rows if value(row, "citizenship") == "PL")
    assert value(judged, "isForcedLabour") == "1"  # the professional's form, labour here


def test_rows_from_the_vault_follow_the_catalogue_and_the_outcomes(store: Store) -> None:
    """A and B are judged by the professional to show an indication (so both are exported
    whatever the engine makes of two signals); the means come from the catalogue."""
    documents = _indicator_with("withholds_documents")
    debt = _indicator_with("debt_bondage", {documents})
    judged = {"professional_indication": True}
    person = PersonInput
    visit_uuid = store.record_visit(
        _visit(
            "2025-05-01T08:00:00Z",
            Sector.AGRICULTURE,
            [
                ("A", person("A", sex=Sex.FEMALE, age=24, nationality="RO", **judged)),
                ("B", person("B", sex=Sex.MALE, age=16, nationality="BG", **judged)),
                ("C", person("C", role=PersonRole.EMPLOYER_MANAGER, age=50, **judged)),
                ("D", person("D", sex=Sex.MALE, age=40, nationality="PL", **judged)),
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
    assert value(a, "meansOfControlConcatenated") == "Debt bondage;Withholds documents"
    assert value(b, "meansOfControlWithholdsDocuments") == "0"  # overridden by B's record
    assert value(b, "meansOfControlDebtBondage") == "0"
    assert value(b, "meansOfControlNotSpecified") == "1"
    assert value(b, "majorityStatus") == "Minor"
    for row in (a, b):
        # A greenhouse: only labour exploitation is in context, in agriculture.
        assert value(row, "isForcedLabour") == "1"
        assert value(row, "typeOfLabourAgriculture") == "1"
        assert value(row, "isSexualExploit") == "0"
    outcomes = _outcomes(store)
    assert {form for label, form in outcomes if label == "A"} == {"labour"}


def _coordinator(folder: Path, visits: int) -> Vault:
    vault = Vault.create(folder, PASSPHRASE, Role.COORDINATOR, FAST_FOR_TESTS)
    Store(vault).record_visits(demo_visits(visits, seed=2026))
    return vault


def test_the_default_public_export_keeps_rows_of_demo_data_at_k_11(tmp_path: Path) -> None:
    vault = _coordinator(tmp_path / "vault", 300)
    try:
        rows = ctdc.collect_rows(vault)
        started = time.perf_counter()
        result = anonymise(rows)
        took = time.perf_counter() - started
        assert result.k == 11 and result.total == len(rows) > 0
        assert result.exported > 0
        _check_k_anonymous(result, len(rows))
        assert took < 5  # 384 lattice nodes over a few hundred rows: well under a second
        lines = ctdc.summary(result, "ctdc.csv", encrypted=False, lang="en")
        assert f"{result.exported} of {result.total} rows kept" in lines[0]
        assert "k = 11" in lines[0]
        assert "citizenship: " in lines[1] and "%" in lines[2]
        forms = next(line for line in lines if line.startswith("Kept per form of exploitation:"))
        for count in result.forms:
            assert f"{count.kept} of {count.total}" in forms
        assert result.minors[1] > 0 and any(line.startswith("Minors kept: ") for line in lines)
    finally:
        vault.lock()


def test_every_level_has_a_text_in_both_languages() -> None:
    for lang in ("nl", "en"):
        catalogue = texts(lang)
        for hierarchy in HIERARCHIES:
            assert f"exports.ctdc.hierarchy.{hierarchy.name}" in catalogue
            for level in hierarchy.levels:
                assert f"exports.ctdc.level.{hierarchy.name}.{level}" in catalogue, level
        assert "exports.ctdc.level.citizenship.local" in catalogue
        for form in (*ctdc.FORM_FLAGS, ctdc.FORM_UNKNOWN):
            assert f"exports.ctdc.form.{form}" in catalogue, form
        for place in (*ctdc.CITIZENSHIP_LEVELS, ctdc.CITIZENSHIP_UNKNOWN):
            assert f"exports.ctdc.citizenship_level.{place}" in catalogue, place


def test_export_writes_a_k_anonymous_csv_and_an_audit_entry(store: Store, tmp_path: Path) -> None:
    person = PersonInput(
        "A", sex=Sex.FEMALE, age=30, nationality="BG", professional_indication=True
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
            [("A", PersonInput("A", sex=Sex.MALE, age=70, nationality="ER"))],  # no indication
            [],
        )
    )
    store.record_visits(visits)
    before = store.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    target = tmp_path / "ctdc.csv"
    result = ctdc.export_ctdc(store.vault, target, 11)
    assert (result.total, result.exported, result.suppressed) == (13, 13, 0)
    reader = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert tuple(reader[0]) == COLUMNS
    body = [tuple(row) for row in reader[1:]]
    assert len(body) == 13 and all(count >= 11 for count in Counter(body).values())
    assert {row[AT["citizenship"]] for row in body} == {"BG"}  # not the one without indication
    actions = store.conn.execute(
        "SELECT action, record_kind, record_uuid FROM audit_log WHERE seq > ?", (before,)
    ).fetchall()
    assert ("export", "ctdc", None) in actions


# -- the full file ----------------------------------------------------------------------------


def _two_victims(store: Store) -> None:
    store.record_visit(
        _visit(
            "2025-01-01T08:00:00Z",
            Sector.HOSPITALITY,
            [
                ("A", PersonInput("A", age=30, nationality="ER", professional_indication=True)),
                ("B", PersonInput("B", age=16, nationality="VN", professional_indication=True)),
            ],
            [],
        )
    )


def test_the_full_file_is_refused_unencrypted_unless_confirmed(
    store: Store, tmp_path: Path
) -> None:
    _two_victims(store)
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "full.csv"
    with pytest.raises(FieldAppError) as caught:
        ctdc.export_ctdc(store.vault, target, mode="full")
    assert "--recipient" in caught.value.message("en")
    assert not list(folder.iterdir())
    with pytest.raises(FieldAppError) as bad:
        ctdc.export_ctdc(store.vault, target, mode="full", recipients=("age1nope",))
    assert "age1" in bad.value.message("en") and not list(folder.iterdir())
    plain = ctdc.export_ctdc(store.vault, target, mode="full", confirm_unencrypted=True)
    assert plain.exported == 2 and target.read_text(encoding="utf-8").startswith("yearOf")
    kinds = [kind for (kind,) in store.conn.execute("SELECT record_kind FROM audit_log")]
    assert "ctdc_full_unencrypted" in kinds


def test_the_full_file_is_age_encrypted_and_decrypts_to_every_row_in_full(
    store: Store, tmp_path: Path
) -> None:
    _two_victims(store)
    identity = x25519.Identity.generate()
    target = tmp_path / "ctdc-full.csv"
    result = ctdc.export_ctdc(
        store.vault, target, mode="full", recipients=(str(identity.to_public()),)
    )
    written = tmp_path / "ctdc-full.csv.age"
    assert not target.exists() and written.exists()
    sealed = written.read_bytes()
    assert sealed.startswith(b"age-encryption.org/v1")
    assert b"yearOfRegistration" not in sealed and b"Case Management" not in sealed
    plain = pyrage.decrypt(sealed, [identity]).decode("utf-8")
    rows = list(csv.reader(io.StringIO(plain)))
    assert tuple(rows[0]) == COLUMNS
    assert sorted(tuple(row) for row in rows[1:]) == sorted(ctdc.collect_rows(store.vault))
    assert {row[AT["citizenship"]] for row in rows[1:]} == {"ER", "VN"}  # not generalised
    assert result.mode == "full" and result.k is None and result.suppressed == 0
    kinds = [kind for (kind,) in store.conn.execute("SELECT record_kind FROM audit_log")]
    assert "ctdc_full" in kinds


# -- the command line --------------------------------------------------------------------------


def test_the_command_line_refuses_absurd_k_and_prints_the_counts(
    vault_dir: Path, vault: Vault, store: Store, passphrase_file: Path, tmp_path: Path
) -> None:
    store.record_visit(
        _visit(
            "2025-01-01T08:00:00Z",
            Sector.OTHER,
            [("A", PersonInput("A", age=30, professional_indication=True))],
            [],
        )
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
    assert "Public CTDC file (k = 11)" in done.stdout
    assert "0 of 1 row kept, 1 left out" in done.stdout
    assert "Every row was suppressed" in done.stdout
    assert "Detail per column group: year: " in done.stdout
    assert out.read_text(encoding="utf-8").strip() == ",".join(COLUMNS)
    again = run_cli("export", "ctdc", "--out", str(out), *common, lang="en")
    assert again.returncode == 1 and "already exists" in again.stderr
    dutch = run_cli("export", "ctdc", "--out", str(tmp_path / "nl.csv"), *common)
    assert "0 van 1 rij bewaard" in dutch.stdout and "k = 11" in dutch.stdout


def test_the_command_line_writes_the_full_file_encrypted_and_says_so(
    vault_dir: Path, vault: Vault, store: Store, passphrase_file: Path, tmp_path: Path
) -> None:
    _two_victims(store)
    vault.lock()
    common = ("--vault", str(vault_dir), "--passphrase-file", str(passphrase_file))
    out = tmp_path / "full.csv"
    refused = run_cli("export", "ctdc", "--mode", "full", "--out", str(out), *common, lang="en")
    assert refused.returncode == 1 and "--recipient age1" in refused.stderr
    assert not list(tmp_path.glob("full*"))
    identity = x25519.Identity.generate()
    done = run_cli(
        "export",
        "ctdc",
        "--mode",
        "full",
        "--recipient",
        str(identity.to_public()),
        "--out",
        str(out),
        *common,
        lang="en",
    )
    assert done.returncode == 0, done.stderr
    assert "Full CTDC file written to" in done.stdout and "2 rows" in done.stdout
    assert "Encrypted with age" in done.stdout
    plain = pyrage.decrypt((tmp_path / "full.csv.age").read_bytes(), [identity])
    assert plain.decode("utf-8").splitlines()[0] == ",".join(COLUMNS)
    helped = " ".join(run_cli("export", "ctdc", "--help", lang="en").stdout.split())
    assert "--mode {public,full}" in helped and "--recipient AGE1..." in helped
    assert "k-anonymous" in helped and "agreement" in helped and "--no-encrypt" in helped
