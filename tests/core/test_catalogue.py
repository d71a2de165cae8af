"""The catalogue: complete, bilingual, sourced, and refused with a precise message when broken."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest

from fieldapp.catalogue import (
    DIMENSIONS,
    FORMS,
    PROFILES,
    CatalogueError,
    available_versions,
    latest_version,
    load_catalogue,
)
from fieldapp.catalogue.loader import catalogue_root

CATALOGUE = load_catalogue()


def test_installed_versions_all_load() -> None:
    versions = available_versions()
    assert versions
    assert latest_version() == versions[-1]
    for version in versions:
        loaded = load_catalogue(version)
        assert loaded.version == version
        assert len(loaded.content_hash) == 64


def test_ids_are_unique_and_stable_in_form() -> None:
    ids = [item.id for item in CATALOGUE.indicators.values()]
    assert len(ids) == len(set(ids))
    prefixes = Counter(i.split("-")[0] for i in ids)
    assert set(prefixes) == {
        *("ILO", "NLA", "POL", "VEN", "YCE", "ORG"),
        *("NLL", "NLS", "NLC", "DOM", "FMR", "ADO", "SUR", "LOC"),
    }


def test_adult_labour_list_is_complete() -> None:
    ilo = [item for item in CATALOGUE.indicators.values() if item.framework == "ILO2009"]
    assert len(ilo) == 67
    per_dimension = Counter(item.dimension for item in ilo)
    assert [per_dimension[d] for d in DIMENSIONS] == [10, 10, 16, 9, 15, 7]
    disputed = [item for item in ilo if item.grades["adult_labour"].status == "disputed"]
    assert len(disputed) == 5
    assert all(item.grades["adult_labour"].alternative for item in disputed)
    assert all(item.grades["adult_labour"].grade for item in ilo)


def test_the_other_ilo_lists_invent_no_grades() -> None:
    for item in CATALOGUE.indicators.values():
        if item.framework != "ILO2009":
            continue
        for profile in ("adult_sexual", "child_labour", "child_sexual"):
            assert item.grades[profile].grade is None
            assert item.grades[profile].status == "missing"


def test_nla_has_twelve_signals_mapped_with_reasons() -> None:
    nla = [item for item in CATALOGUE.indicators.values() if item.framework == "NLA"]
    assert len(nla) == 12
    mapped = [item for item in nla if item.maps_to]
    assert len(mapped) >= 6
    for item in mapped:
        target = CATALOGUE.indicators[item.maps_to[0]]
        assert target.framework == "ILO2009"
        assert item.dimension == target.dimension
        assert item.mapping_note


def test_every_entry_is_bilingual_sourced_and_graded() -> None:
    for item in CATALOGUE.indicators.values():
        for lang in ("nl", "en"):
            assert item.label[lang].strip()
            assert item.prompt[lang].strip()
            assert item.keywords[lang]
        assert item.label["nl"] != item.label["en"] or item.id.startswith("LOC")
        assert item.source.strip()
        assert set(item.grades) == set(PROFILES)
        assert all(grade.status for grade in item.grades.values())
        assert item.evidence
        if item.acute:
            assert item.acute_reason and item.acute_reason["nl"] and item.acute_reason["en"]


def test_every_form_has_signals_and_search_works_in_both_languages() -> None:
    for form in FORMS:
        assert CATALOGUE.for_form(form)
    dutch = {item.id for item in CATALOGUE.search("paspoort", "nl")}
    english = {item.id for item in CATALOGUE.search("passport", "en")}
    assert dutch and english
    assert dutch & english
    assert CATALOGUE.search("paspoort", "en")  # the other language is searched too
    assert CATALOGUE.search("zzzz-nothing", "nl") == []


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    root = tmp_path / "catalogue"
    shutil.copytree(catalogue_root() / CATALOGUE.version, root / CATALOGUE.version)
    return root


def _edit(root: Path, name: str, change) -> None:
    path = root / CATALOGUE.version / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


BREAKAGES = [
    (
        "missing English label",
        "nla.json",
        lambda d: d["indicators"][2]["label"].pop("en"),
        "NLA-03.label",
    ),
    (
        "unknown dimension",
        "ilo2009.json",
        lambda d: d["indicators"][0].update(dimension="MEANS"),
        "ILO-DR-01",
    ),
    (
        "grade without status",
        "ilo2009.json",
        lambda d: d["indicators"][1]["grades"]["adult_labour"].pop("status"),
        "ILO-DR-02",
    ),
    (
        "invented grade marked missing",
        "ilo2009.json",
        lambda d: d["indicators"][1]["grades"]["child_sexual"].update(grade="S"),
        "ILO-DR-02",
    ),
    ("duplicate id", "nla.json", lambda d: d["indicators"][1].update(id="NLA-01"), "NLA-01"),
    (
        "mapping to nothing",
        "nla.json",
        lambda d: d["indicators"][0].update(maps_to=["ILO-XX-99"]),
        "NLA-01",
    ),
    (
        "bad threshold",
        "rules.json",
        lambda d: d["dimension_positive_when"]["any_of"].append({"Q": 1}),
        "dimension_positive_when",
    ),
]


@pytest.mark.parametrize(
    ("file", "change", "entry"), [b[1:] for b in BREAKAGES], ids=[b[0] for b in BREAKAGES]
)
def test_a_broken_catalogue_names_file_and_entry(broken_copy: Path, file, change, entry):
    _edit(broken_copy, file, change)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(CATALOGUE.version, broken_copy)
    assert entry in caught.value.message("nl")
    assert entry in caught.value.message("en")
    assert caught.value.message("nl") != caught.value.message("en")


def test_malformed_json_is_a_catalogue_error(broken_copy: Path) -> None:
    (broken_copy / CATALOGUE.version / "venue.json").write_text("{", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(CATALOGUE.version, broken_copy)
    assert "venue.json" in caught.value.message("en")


def test_content_hash_changes_with_content(broken_copy: Path) -> None:
    _edit(broken_copy, "nla.json", lambda d: d["indicators"][0]["label"].update(en="x"))
    assert load_catalogue(CATALOGUE.version, broken_copy).content_hash != CATALOGUE.content_hash


def test_rules_are_data_a_new_version_can_change(broken_copy: Path) -> None:
    """A corrected catalogue corrects the engine: here, one strong item alone suffices."""
    from fieldapp.assessment import Case, CaseObservation, assess
    from fieldapp.domain import ObservationStatus

    strong = next(
        i.id
        for i in CATALOGUE.indicators.values()
        if i.dimension == "EXPL" and i.grades["adult_labour"].grade == "S"
    )
    person = Case((CaseObservation(strong, ObservationStatus.OBSERVED),), age=30)
    assert assess(person, CATALOGUE).forms["labour"].outcome == "signals_present"
    _edit(
        broken_copy, "rules.json", lambda d: d["dimension_positive_when"]["any_of"].append({"S": 1})
    )
    corrected = load_catalogue(CATALOGUE.version, broken_copy)
    assert assess(person, corrected).forms["labour"].outcome == "exploited"


def test_signals_of_our_own_wording_or_grading_say_so() -> None:
    """Indicator data carries its source; what no source grades is graded "own" and reported
    as unconfirmed, never passed off as confirmed."""
    own = [i for i in CATALOGUE.indicators.values() if i.grades["adult_labour"].status == "own"]
    assert own
    for item in own:
        assert item.grades["adult_labour"].note, item.id
        assert not item.grades["adult_labour"].confirmed


def test_a_format_2_catalogue_without_context_forms_is_refused(broken_copy: Path) -> None:
    _edit(broken_copy, "venue.json", lambda d: d["indicators"][0].pop("context_forms"))
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(CATALOGUE.version, broken_copy)
    assert "VEN-01" in caught.value.message("en") and "context_forms" in caught.value.message("en")


@pytest.mark.parametrize(
    ("file", "change", "entry"),
    [
        (
            "venue.json",
            lambda d: d["indicators"][0].update(context_forms=["labour"]),
            "VEN-01",
        ),
        (
            "rules.json",
            lambda d: d["context"]["sectors"].pop("car_wash"),
            "context.sectors",
        ),
        (
            "rules.json",
            lambda d: d["routing"][0]["when"].update(minor="yes"),
            "routing[0]",
        ),
        (
            "rules.json",
            lambda d: d["routing"][3]["when"].update(indicators_any=["NOPE-1"]),
            "routing[3]",
        ),
        (
            "rules.json",
            lambda d: d["dutch_law"]["item_means"].update(EXPL="bribery"),
            "dutch_law.item_means",
        ),
    ],
    ids=[
        "context form not among forms",
        "sector without rule",
        "bad condition",
        "bad id",
        "unknown means",
    ],
)
def test_broken_context_and_rules_name_the_entry(broken_copy: Path, file, change, entry) -> None:
    _edit(broken_copy, file, change)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(CATALOGUE.version, broken_copy)
    assert entry in caught.value.message("nl") and entry in caught.value.message("en")
