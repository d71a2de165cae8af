"""Presentation data beside the catalogue (issue 14): one row per meaning, a short list of
signals per sector that fits the sector's forms in context, and the nationalities met most
often with their usual languages. Checked against every rule the loader holds it to."""

from __future__ import annotations

import copy
import json

import pytest

from fieldapp.catalogue import CatalogueError, load_catalogue
from fieldapp.catalogue.presentation import (
    PRESENTATION_FILE,
    common_nationalities,
    group_sources,
    languages_for,
    load_presentation,
    meaning_groups,
    nationality_order_sources,
    shortlist,
    shortlist_reason,
)
from fieldapp.domain import Sector
from fieldapp.paths import resource_path
from fieldapp.validate import country_codes, language_codes

CATALOGUE = load_catalogue()


def raw() -> dict:
    return json.loads((resource_path("catalogue") / PRESENTATION_FILE).read_text("utf-8"))


def test_every_grouped_id_exists_and_is_in_one_group_only() -> None:
    groups = meaning_groups(CATALOGUE)
    assert groups
    seen: list[str] = []
    for lead, ids in groups.items():
        assert ids[0] == lead and len(ids) >= 2
        for indicator_id in ids:
            assert indicator_id in CATALOGUE.indicators, indicator_id
        seen += ids
    assert len(seen) == len(set(seen))


def test_groups_are_conservative_and_say_who_grouped_them() -> None:
    """Only signals the catalogue itself counts as one item (``maps_to``) and that open no
    form of their own; each group names its grouper ("own" unless a source groups them)."""
    for spec in raw()["meaning_groups"]:
        lead, *others = spec["ids"]
        assert spec["grouped_by"] == "own" and spec["basis"] == "maps_to"
        for indicator_id in others:
            item = CATALOGUE.indicators[indicator_id]
            assert item.maps_to == (lead,), indicator_id
            assert item.context_forms == (), indicator_id


def test_paspoort_gives_one_row_for_the_held_passport() -> None:
    groups = meaning_groups(CATALOGUE)
    assert groups["ILO-CD-01"] == ("ILO-CD-01", "NLA-04", "POL-2-04")
    assert group_sources(CATALOGUE, "ILO-CD-01") == ("ILO2009", "NLA", "NL_POLICE")
    # A false passport is another meaning: it stays its own row.
    assert not any("POL-1-03" in ids for ids in groups.values())


@pytest.mark.parametrize("sector", [s.value for s in Sector])
def test_each_sector_shortlist_fits_its_forms_in_context(sector: str) -> None:
    ids = shortlist(CATALOGUE, sector)
    assert 6 <= len(ids) <= 10 and len(set(ids)) == len(ids)
    forms = set(CATALOGUE.rules.sectors[sector].forms)
    leads_of = {i: lead for lead, group in meaning_groups(CATALOGUE).items() for i in group}
    for indicator_id in ids:
        item = CATALOGUE.indicators[indicator_id]
        assert set(item.context_forms) <= forms, (sector, indicator_id)
        if forms:
            assert forms & set(item.forms), (sector, indicator_id)
        assert leads_of.get(indicator_id, indicator_id) == indicator_id  # one row per meaning
    assert shortlist_reason(CATALOGUE, sector, "nl") and shortlist_reason(CATALOGUE, sector, "en")


def test_a_greenhouse_never_gets_sex_work_signals_and_a_brothel_does() -> None:
    sexual = {i for i, item in CATALOGUE.indicators.items() if "sexual" in item.context_forms}
    assert not sexual & set(shortlist(CATALOGUE, "agriculture"))
    for sector in ("sex_work_licensed", "sex_work_unlicensed"):
        assert len(sexual & set(shortlist(CATALOGUE, sector))) >= 5


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d["meaning_groups"][0]["ids"].append("XXX-99"), "XXX-99"),
        (
            lambda d: d["meaning_groups"][1]["ids"].append(d["meaning_groups"][0]["ids"][1]),
            "in two groups",
        ),
        # POL-1-02 names an act (vervoeren) its ILO item lacks: recorded as the lead, it
        # would lose that reading, so it is no same meaning.
        (
            lambda d: d["meaning_groups"].append(
                {"ids": ["ILO-VR-16", "POL-1-02"], "grouped_by": "own"}
            ),
            "says more than the lead",
        ),
        (lambda d: d["meaning_groups"][0].update(grouped_by=""), "grouped_by"),
        (lambda d: d["shortlists"]["agriculture"]["ids"].append("NLS-06"), "NLS-06"),
        (lambda d: d["shortlists"]["agriculture"]["ids"].__setitem__(0, "NLA-04"), "NLA-04"),
        (lambda d: d["shortlists"].pop("car_wash"), "sectors"),
        (lambda d: d["shortlists"]["other"].update(ids=["ILO-CD-01"]), "ids"),
    ],
)
def test_the_loader_refuses_what_breaks_a_rule(change, problem: str) -> None:
    broken = copy.deepcopy(raw())
    change(broken)
    with pytest.raises(CatalogueError) as refused:
        load_presentation(CATALOGUE, broken)
    assert problem in refused.value.message("en")


def test_the_presentation_never_touches_the_catalogue_hash() -> None:
    assert not (resource_path("catalogue") / CATALOGUE.version / PRESENTATION_FILE).exists()


def test_common_nationalities_and_their_languages() -> None:
    order = common_nationalities()
    assert order[:4] == ("NL", "RO", "BG", "PL")
    assert len(order) == len(set(order)) >= 15
    assert set(order) <= country_codes()
    parts = nationality_order_sources()
    assert parts[0].status == "source" and "Rapporteur" in parts[0].source
    assert any(p.status == "own_estimate" and "unconfirmed" in p.source for p in parts)
    for country in order:
        spoken = languages_for(country)
        assert spoken and set(spoken) <= language_codes(), country
    assert languages_for("bg") == ("bg", "tr")
    assert languages_for("RO")[0] == "ro"
    assert languages_for("XX") == () and languages_for(None) == ()
