"""`fieldapp catalogue` and `fieldapp assess` as a user or a script meets them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldapp.assessment import assess
from fieldapp.assessment.from_store import case_for_person
from fieldapp.catalogue import load_catalogue
from fieldapp.catalogue.loader import assessment_catalogue
from fieldapp.demo import demo_visits
from fieldapp.domain import Role
from fieldapp.store.store import Store
from fieldapp.vault import Vault
from fieldapp.vault.keyfile import FAST_FOR_TESTS
from fieldapp.visit_json import visit_from_dict
from tests.support import PASSPHRASE, ok, refused, run_cli
from tests.support.sample_visit import sample_visit

CATALOGUE = load_catalogue()


def test_catalogue_list_json_has_the_documented_keys() -> None:
    items = json.loads(ok(run_cli("catalogue", "list", "--json")))
    assert len(items) == len(CATALOGUE.indicators)
    first = items[0]
    assert set(first) >= {
        "id",
        "framework",
        "forms",
        "dimension",
        "grades",
        "acute",
        "label",
        "prompt",
        "source",
    }
    assert set(first["grades"]["adult_labour"]) >= {"grade", "status"}
    assert set(first["label"]) == {"nl", "en"}


def test_catalogue_list_filters_by_form_and_search() -> None:
    sexual = json.loads(ok(run_cli("catalogue", "list", "--form", "sexual", "--json")))
    assert sexual and all("sexual" in item["forms"] for item in sexual)
    found = json.loads(ok(run_cli("catalogue", "list", "--search", "paspoort", "--json")))
    assert found and len(found) < len(CATALOGUE.indicators)
    table = ok(run_cli("catalogue", "list", "--search", "passport", lang="en"))
    assert f"Indicator catalogue {CATALOGUE.version}" in table


def test_catalogue_show() -> None:
    shown = json.loads(ok(run_cli("catalogue", "show", "ilo-cd-01", "--json")))
    assert shown["id"] == "ILO-CD-01"
    text = ok(run_cli("catalogue", "show", "NLA-04"))
    assert "Telt als" in text
    refused(run_cli("catalogue", "show", "NOPE-1"), "staat niet in de lijst")


def case_json(**overrides) -> bytes:
    strong = [
        i.id
        for i in CATALOGUE.indicators.values()
        if i.dimension == "EXPL" and i.grades["adult_labour"].grade in ("S", "M")
    ][:3]
    document = {
        "age": 30,
        "minor": False,
        "nationality": "BG",
        "reporter_agency": "NLA",
        "consent": "not_asked",
        "observations": [
            {"indicator": i, "status": "observed", "evidence": "seen"} for i in strong
        ],
    }
    document.update(overrides)
    return json.dumps(document).encode()


def test_assess_from_stdin_prints_the_documented_json() -> None:
    """Exploitative conditions with nothing about recruitment, means or the place: exploited,
    but no indication, so no mandatory registration and no B8/3 duty."""
    result = json.loads(ok(run_cli("assess", stdin=case_json())))
    assert set(result) >= {
        "role",
        "assessed_as_victim",
        "profile",
        "trafficking_indication",
        "forms",
        "acute",
        "b83_prompt",
        "b83_note",
        "registration",
        "referrals",
        "advice",
        "explanation",
        "unconfirmed_grades_used",
        "catalogue_version",
    }
    assert result["profile"] == "adult"
    labour = result["forms"]["labour"]
    assert labour["in_context"] is True and labour["outcome"] == "exploited"
    assert labour["dutch_law"]["missing"] == ["means"]  # art. 273f lid 1 sub 4 needs no act
    assert result["forms"]["sexual"] == {"in_context": False}
    assert result["trafficking_indication"] is False
    assert result["registration"] == "not_applicable"  # poor conditions alone: the NLA route
    assert result["b83_prompt"] is None
    assert {r["to"] for r in result["referrals"]} == {"nla"}
    assert result["catalogue_version"] == CATALOGUE.version
    assert any("geen vaststelling" in line for line in result["explanation"])


def test_assess_reads_role_sector_suspected_forms_and_past() -> None:
    document = case_json(
        nationality="SY",
        sector="agriculture",
        suspected_forms=["sexual"],
        observations=[
            {"indicator": "ILO-CD-01", "status": "observed"},
            {"indicator": "ILO-EX-04", "status": "observed"},
            {"indicator": "ILO-CD-04", "status": "observed", "past": True},
        ],
    )
    result = json.loads(ok(run_cli("assess", stdin=document)))
    assert {f for f, v in result["forms"].items() if v["in_context"]} == {"labour", "sexual"}
    labour = result["forms"]["labour"]
    assert labour["dutch_law"]["indicated"] is True
    assert labour["dutch_law"]["act"] == ["opnemen"]
    assert result["trafficking_indication"] is True
    assert result["registration"] == "mandatory"
    assert result["b83_prompt"]["reporter_can_offer"] is True
    assert result["acute"] is False and result["past_acute_indicators"] == ["ILO-CD-04"]
    witness = json.loads(ok(run_cli("assess", stdin=case_json(role="witness"))))
    assert witness["assessed_as_victim"] is False and witness["forms"] == {}
    assert witness["registration"] == "not_applicable" and witness["referrals"] == []


def test_assess_text_output_in_english() -> None:
    text = ok(run_cli("assess", "--text", stdin=case_json(), lang="en"))
    assert "Labour exploitation: indications of exploitation" in text
    assert "Indication of trafficking: not (yet)." in text


@pytest.mark.parametrize(
    ("document", "field"),
    [
        (b"[]", "$"),
        (b"{", "$"),
        (json.dumps({"age": "thirty"}).encode(), "age"),
        (json.dumps({"age": 30, "minor": True}).encode(), "minor"),
        (json.dumps({"colour": 1}).encode(), "$.colour"),
        (
            json.dumps({"observations": [{"indicator": "X-1", "status": "maybe"}]}).encode(),
            "observations[0].status",
        ),
        (json.dumps({"role": "boss"}).encode(), "role"),
        (json.dumps({"sector": "greenhouse"}).encode(), "sector"),
        (json.dumps({"suspected_forms": ["slavery"]}).encode(), "suspected_forms[0]"),
        (json.dumps({"suspected_forms": "sexual"}).encode(), "suspected_forms"),
        (json.dumps({"professional_indication": "yes"}).encode(), "professional_indication"),
        (
            json.dumps(
                {"observations": [{"indicator": "X-1", "status": "observed", "past": 1}]}
            ).encode(),
            "observations[0].past",
        ),
    ],
)
def test_assess_refuses_bad_input_naming_the_field(document: bytes, field: str) -> None:
    refused(run_cli("assess", stdin=document), field)


def test_assess_from_the_vault(tmp_path: Path, passphrase_file: Path) -> None:
    folder = tmp_path / "vault"
    with Vault.create(folder, PASSPHRASE, Role.FIELD, FAST_FOR_TESTS) as vault:
        visit_id = Store(vault).record_visit(visit_from_dict(sample_visit()))
    opts = ["--vault", str(folder), "--passphrase-file", str(passphrase_file)]
    result = json.loads(ok(run_cli("assess", "--visit", visit_id[-8:], "--person", "A", *opts)))
    labour = result["forms"]["labour"]
    assert "ILO-CD-01" in labour["indicators"]  # the person's own signal
    assert "ILO-EX-02" in labour["indicators"]  # recorded for everyone at the visit
    assert result["registration"] == "mandatory"  # the visit's first agency is the NLA
    assert result["trafficking_indication"] is True  # passport held, poor housing, at work
    assert result["b83_note"] and result["b83_prompt"] is None  # a Bulgarian: EU citizen
    assert [f for f, v in result["forms"].items() if v["in_context"]] == ["labour"]
    refused(run_cli("assess", "--visit", visit_id, "--person", "Q", *opts), "Q")
    usage = run_cli("assess", "--visit", visit_id, *opts)
    assert usage.returncode == 2


def test_engine_over_the_demo_data(store: Store) -> None:
    """Every demo person assesses without error, and the outcomes are varied and traced."""
    store.record_visits(demo_visits(60, seed=3))
    outcomes = set()
    for summary in store.list_visits(100):
        for person in store.persons(summary.uuid):
            case = case_for_person(store, summary.uuid, person.meta.uuid[-12:])
            result = assess(case, assessment_catalogue())
            for form in result.forms.values():
                outcomes.add(form.outcome)
                positive = [d for d in form.dimensions.values() if d.positive]
                assert all(d.indicators for d in positive)
            assert result.explanation[-1].key == "assess.explain.not_a_verdict"
    assert {"no_signals", "signals_present"} <= outcomes
    assert len(outcomes) >= 3
